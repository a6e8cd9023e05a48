//! Commands Docker has and netlings does not: one line that says so and
//! lists what is covered, instead of a parser's tip that suggests an
//! unrelated command (`top` is not `stop`).

/// Docker 20.10's commands (`docker --help`), management ones included.
const DOCKER_COMMANDS: &[&str] = &[
    "attach",
    "build",
    "builder",
    "checkpoint",
    "commit",
    "config",
    "container",
    "context",
    "cp",
    "create",
    "diff",
    "events",
    "exec",
    "export",
    "history",
    "image",
    "images",
    "import",
    "info",
    "inspect",
    "kill",
    "load",
    "login",
    "logout",
    "logs",
    "manifest",
    "network",
    "node",
    "pause",
    "plugin",
    "port",
    "ps",
    "pull",
    "push",
    "rename",
    "restart",
    "rm",
    "rmi",
    "run",
    "save",
    "search",
    "secret",
    "service",
    "stack",
    "start",
    "stats",
    "stop",
    "swarm",
    "system",
    "tag",
    "top",
    "trust",
    "unpause",
    "update",
    "version",
    "volume",
    "wait",
];

/// What netlings covers, top level.
pub const COVERED: &[&str] = &[
    "run",
    "create",
    "start",
    "stop",
    "restart",
    "kill",
    "wait",
    "rm",
    "rename",
    "exec",
    "logs",
    "ps",
    "port",
    "inspect",
    "network",
    "container",
    "images",
    "image",
    "version",
    "info",
    "top",
    "cp",
];

/// `docker container COMMAND`s.
const CONTAINER_COMMANDS: &[&str] = &[
    "attach", "commit", "cp", "create", "diff", "exec", "export", "inspect", "kill", "logs", "ls",
    "list", "ps", "pause", "port", "prune", "rename", "restart", "rm", "remove", "run", "start",
    "stats", "stop", "top", "unpause", "update", "wait",
];
const CONTAINER_COVERED: &[&str] = &[
    "cp", "create", "exec", "inspect", "kill", "logs", "ls", "port", "prune", "rename", "restart",
    "rm", "run", "start", "stop", "top", "wait",
];

/// `docker image COMMAND`s.
const IMAGE_COMMANDS: &[&str] = &[
    "build", "history", "import", "inspect", "load", "ls", "list", "prune", "pull", "push", "rm",
    "save", "tag",
];
const IMAGE_COVERED: &[&str] = &["ls"];

/// netlings' own commands, which only `netlings` (not `docker`) has.
const NETLINGS_COMMANDS: &[&str] = &[
    "lab",
    "shell",
    "lesson",
    "challenge",
    "topology",
    "bench",
    "__tcp-send",
    "capture",
    "trace",
];

/// The line to print and the exit code, if the command is one netlings
/// does not run; None lets the parser have it.
pub fn refuse(args: &[String], prog: &str) -> Option<(String, i32)> {
    let words = command_words(args);
    let first = words.first()?.as_str();
    if prog != "docker" && NETLINGS_COMMANDS.contains(&first) {
        return None;
    }
    let (full, covered) = match first {
        "container" => match sub_refused(&words, CONTAINER_COMMANDS, CONTAINER_COVERED) {
            Some(sub) => (format!("container {sub}"), CONTAINER_COVERED),
            None => return None,
        },
        "image" => match sub_refused(&words, IMAGE_COMMANDS, IMAGE_COVERED) {
            Some(sub) => (format!("image {sub}"), IMAGE_COVERED),
            None => return None,
        },
        w if COVERED.contains(&w) => return None,
        w if DOCKER_COMMANDS.contains(&w) => (w.to_string(), COVERED),
        w => {
            return Some((
                format!("{prog}: '{w}' is not a {prog} command.\nSee '{prog} --help'"),
                1,
            ))
        }
    };
    Some((
        format!(
            "{prog}: 'docker {full}' is outside netlings' scope (a lab for container networking); covered: {}",
            covered.join(", ")
        ),
        1,
    ))
}

/// The words after the program name, the global `--lab NAME` left out;
/// empty once a flag comes first (`--help`, `--version`).
pub(super) fn command_words(args: &[String]) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = args.iter().skip(1);
    while let Some(a) = rest.next() {
        if a == "--lab" {
            rest.next();
            continue;
        }
        if a.starts_with("--lab=") {
            continue;
        }
        if a.starts_with('-') {
            break;
        }
        words.push(a.clone());
        if words.len() == 2 {
            break;
        }
    }
    words
}

/// The subcommand of `container`/`image` that Docker has and netlings not.
fn sub_refused<'a>(words: &'a [String], known: &[&str], covered: &[&str]) -> Option<&'a str> {
    let sub = words.get(1)?.as_str();
    (known.contains(&sub) && !covered.contains(&sub)).then_some(sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(line: &str, prog: &str) -> Option<(String, i32)> {
        let args: Vec<String> = std::iter::once(prog.to_string())
            .chain(line.split_whitespace().map(str::to_string))
            .collect();
        refuse(&args, prog)
    }

    #[test]
    fn covered_commands_go_to_the_parser() {
        for line in [
            "run -d x",
            "ps -a",
            "network ls",
            "container ls",
            "image ls",
            "top web",
            "container cp a b",
            "--help",
        ] {
            assert_eq!(refused(line, "docker"), None, "{line}");
        }
        assert_eq!(refused("lesson list", "netlings"), None);
        assert_eq!(refused("--lab x ps", "docker"), None);
    }

    #[test]
    fn dockers_other_commands_are_named_as_outside_the_scope() {
        let (line, code) = refused("stats web", "docker").unwrap();
        assert!(
            line.starts_with("docker: 'docker stats' is outside netlings' scope"),
            "{line}"
        );
        assert!(line.contains("covered: run, create, start"), "{line}");
        assert!(!line.contains('\n'));
        assert_eq!(code, 1);
        let (line, _) = refused("--lab=l container stats", "docker").unwrap();
        assert!(line.contains("'docker container stats'"), "{line}");
        assert!(
            line.contains("covered: cp, create, exec, inspect, kill, logs"),
            "{line}"
        );
        let (line, _) = refused("image pull x", "netlings").unwrap();
        assert!(
            line.starts_with("netlings: 'docker image pull' is outside"),
            "{line}"
        );
        assert!(line.ends_with("covered: ls"), "{line}");
    }

    #[test]
    fn unknown_words_get_dockers_text() {
        assert_eq!(
            refused("foo", "docker"),
            Some((
                "docker: 'foo' is not a docker command.\nSee 'docker --help'".into(),
                1
            ))
        );
        // `lab` is netlings' own, not docker's.
        assert_eq!(refused("lab ls", "docker").map(|r| r.1), Some(1));
    }
}
