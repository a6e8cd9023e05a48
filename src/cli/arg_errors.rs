//! Argument errors in Docker 20.10's client's words instead of clap's:
//! `"docker wait" requires at least 1 argument.` with its usage (exit 1),
//! `unknown flag: --foo` (exit 125). Texts recorded from /usr/bin/docker
//! 20.10.24.

use clap::error::{ContextKind, ContextValue, ErrorKind};

/// (command path, what it requires, usage after the program name, about).
const USAGE: &[(&str, &str, &str, &str)] = &[
    (
        "run",
        "at least 1 argument",
        "run [OPTIONS] IMAGE [COMMAND] [ARG...]",
        "Run a command in a new container",
    ),
    (
        "create",
        "at least 1 argument",
        "create [OPTIONS] IMAGE [COMMAND] [ARG...]",
        "Create a new container",
    ),
    (
        "exec",
        "at least 2 arguments",
        "exec [OPTIONS] CONTAINER COMMAND [ARG...]",
        "Run a command in a running container",
    ),
    (
        "start",
        "at least 1 argument",
        "start [OPTIONS] CONTAINER [CONTAINER...]",
        "Start one or more stopped containers",
    ),
    (
        "stop",
        "at least 1 argument",
        "stop [OPTIONS] CONTAINER [CONTAINER...]",
        "Stop one or more running containers",
    ),
    (
        "restart",
        "at least 1 argument",
        "restart [OPTIONS] CONTAINER [CONTAINER...]",
        "Restart one or more containers",
    ),
    (
        "rm",
        "at least 1 argument",
        "rm [OPTIONS] CONTAINER [CONTAINER...]",
        "Remove one or more containers",
    ),
    (
        "kill",
        "at least 1 argument",
        "kill [OPTIONS] CONTAINER [CONTAINER...]",
        "Kill one or more running containers",
    ),
    (
        "wait",
        "at least 1 argument",
        "wait CONTAINER [CONTAINER...]",
        "Block until one or more containers stop, then print their exit codes",
    ),
    (
        "rename",
        "exactly 2 arguments",
        "rename CONTAINER NEW_NAME",
        "Rename a container",
    ),
    (
        "logs",
        "exactly 1 argument",
        "logs [OPTIONS] CONTAINER",
        "Fetch the logs of a container",
    ),
    (
        "port",
        "at least 1 and at most 2 arguments",
        "port CONTAINER [PRIVATE_PORT[/PROTO]]",
        "List port mappings or a specific mapping for the container",
    ),
    (
        "inspect",
        "at least 1 argument",
        "inspect [OPTIONS] NAME|ID [NAME|ID...]",
        "Return low-level information on Docker objects",
    ),
    (
        "top",
        "at least 1 argument",
        "top CONTAINER [ps OPTIONS]",
        "Display the running processes of a container",
    ),
    (
        "container top",
        "at least 1 argument",
        "container top CONTAINER [ps OPTIONS]",
        "Display the running processes of a container",
    ),
    (
        "cp",
        "exactly 2 arguments",
        "cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tPROG cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
        "Copy files/folders between a container and the local filesystem",
    ),
    (
        "container cp",
        "exactly 2 arguments",
        "container cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tPROG container cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
        "Copy files/folders between a container and the local filesystem",
    ),
    (
        "network create",
        "exactly 1 argument",
        "network create [OPTIONS] NETWORK",
        "Create a network",
    ),
    (
        "network rm",
        "at least 1 argument",
        "network rm NETWORK [NETWORK...]",
        "Remove one or more networks",
    ),
    (
        "network connect",
        "exactly 2 arguments",
        "network connect [OPTIONS] NETWORK CONTAINER",
        "Connect a container to a network",
    ),
    (
        "network disconnect",
        "exactly 2 arguments",
        "network disconnect [OPTIONS] NETWORK CONTAINER",
        "Disconnect a container from a network",
    ),
    (
        "network inspect",
        "at least 1 argument",
        "network inspect [OPTIONS] NETWORK [NETWORK...]",
        "Display detailed information on one or more networks",
    ),
];

/// Docker's text and exit code for a parse error of `args`, when Docker
/// has one for it; None leaves clap's.
pub fn docker_words(e: &clap::Error, args: &[String], prog: &str) -> Option<(String, i32)> {
    let path = command_path(args);
    match e.kind() {
        ErrorKind::ValueValidation => number_words(e, &path, prog),
        ErrorKind::UnknownArgument => {
            let Some(ContextValue::String(flag)) = e.get(ContextKind::InvalidArg) else {
                return None;
            };
            // An argument too many is a count error to Docker (`cp a b c`).
            if !flag.starts_with('-') {
                return count_words(&path, prog);
            }
            if let Some(line) = out_of_scope_run_flag(&path, flag, prog) {
                return Some((line, 125));
            }
            // Docker names a short flag's letter only: `unknown shorthand flag: 'x' in -x`.
            let text = match flag.strip_prefix('-') {
                Some(short) if !short.starts_with('-') => {
                    let letter = short.chars().next().unwrap_or('?');
                    format!("unknown shorthand flag: '{letter}' in {flag}")
                }
                _ => format!("unknown flag: {}", flag.split('=').next().unwrap_or(flag)),
            };
            Some((format!("{text}\nSee '{prog} {path} --help'."), 125))
        }
        ErrorKind::MissingRequiredArgument
        | ErrorKind::WrongNumberOfValues
        | ErrorKind::TooManyValues
        | ErrorKind::TooFewValues => count_words(&path, prog),
        _ => None,
    }
}

/// Docker 20.10's `run`/`create` flags that a lab does not take (long
/// names, and the short ones that stand for them).
const DOCKER_RUN_FLAGS: &[&str] = &[
    "attach",
    "blkio-weight",
    "blkio-weight-device",
    "cgroup-parent",
    "cgroupns",
    "cidfile",
    "cpu-period",
    "cpu-quota",
    "cpu-rt-period",
    "cpu-rt-runtime",
    "cpu-shares",
    "cpus",
    "cpuset-cpus",
    "cpuset-mems",
    "detach-keys",
    "device",
    "device-cgroup-rule",
    "device-read-bps",
    "device-read-iops",
    "device-write-bps",
    "device-write-iops",
    "disable-content-trust",
    "entrypoint",
    "gpus",
    "group-add",
    "health-cmd",
    "health-interval",
    "health-retries",
    "health-start-period",
    "health-timeout",
    "init",
    "ipc",
    "isolation",
    "kernel-memory",
    "label-file",
    "log-driver",
    "log-opt",
    "memory",
    "memory-reservation",
    "memory-swap",
    "memory-swappiness",
    "mount",
    "no-healthcheck",
    "oom-kill-disable",
    "oom-score-adj",
    "pid",
    "pids-limit",
    "platform",
    "privileged",
    "pull",
    "read-only",
    "restart",
    "runtime",
    "security-opt",
    "shm-size",
    "sig-proxy",
    "stop-signal",
    "stop-timeout",
    "storage-opt",
    "tmpfs",
    "ulimit",
    "user",
    "userns",
    "uts",
    "volume",
    "volume-driver",
    "volumes-from",
];
const DOCKER_RUN_SHORTS: &[(char, &str)] = &[
    ('a', "attach"),
    ('c', "cpu-shares"),
    ('m', "memory"),
    ('u', "user"),
    ('v', "volume"),
];

/// One line for a flag of Docker's `run` or `create` that a lab does not
/// take: Docker's "unknown flag" would say Docker has no such flag.
fn out_of_scope_run_flag(path: &str, flag: &str, prog: &str) -> Option<String> {
    let verb = path.strip_prefix("container ").unwrap_or(path);
    if !matches!(verb, "run" | "create") {
        return None;
    }
    let name = match flag.strip_prefix("--") {
        Some(long) => long.split('=').next().unwrap_or(long),
        None => {
            let letter = flag.strip_prefix('-')?.chars().next()?;
            DOCKER_RUN_SHORTS.iter().find(|(c, _)| *c == letter)?.1
        }
    };
    // A networking flag the lab does not have: not "outside the scope".
    if name == "link-local-ip" {
        return Some(format!(
            "{prog}: --{name} is a docker {verb} flag netlings does not support\nSee '{prog} {path} --help'."
        ));
    }
    if !DOCKER_RUN_FLAGS.contains(&name) {
        return None;
    }
    Some(format!(
        "{prog}: --{name} is a docker {verb} flag outside netlings' scope (a lab for container networking: no volumes, resource limits, restart policies, users, devices or security options)\nSee '{prog} {path} --help'."
    ))
}

/// `"docker wait" requires at least 1 argument.` with the usage, exit 1.
fn count_words(path: &str, prog: &str) -> Option<(String, i32)> {
    let (_, requires, usage, about) = USAGE.iter().find(|u| u.0 == path)?;
    // A second usage line (`cp`) names the program too.
    let usage = usage.replace("PROG", prog);
    Some((
        format!(
            "\"{prog} {path}\" requires {requires}.\nSee '{prog} {path} --help'.\n\nUsage:  {prog} {usage}\n\n{about}"
        ),
        1,
    ))
}

/// Numeric flags, as Docker 20.10.24's client names them in its error:
/// (command path, clap's long name, Docker's flag).
const NUMBER_FLAGS: &[(&str, &str, &str)] = &[
    ("ps", "--last", "-n, --last"),
    ("container ls", "--last", "-n, --last"),
    ("container ps", "--last", "-n, --last"),
    ("container list", "--last", "-n, --last"),
    ("stop", "--time", "-t, --time"),
    ("restart", "--time", "-t, --time"),
    ("container stop", "--time", "-t, --time"),
    ("container restart", "--time", "-t, --time"),
];

/// A number flag's value that does not parse, in Go's words: `invalid
/// argument "abc" for "-n, --last" flag: strconv.ParseInt: parsing "abc":
/// invalid syntax` and the help line, exit 125.
fn number_words(e: &clap::Error, path: &str, prog: &str) -> Option<(String, i32)> {
    let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    let Some(ContextValue::String(value)) = e.get(ContextKind::InvalidValue) else {
        return None;
    };
    let long = arg.split([' ', '=']).next().unwrap_or(arg);
    let (_, _, flag) = NUMBER_FLAGS
        .iter()
        .find(|(p, l, _)| *p == path && *l == long)?;
    Some((
        format!(
            "invalid argument \"{value}\" for \"{flag}\" flag: strconv.ParseInt: parsing {}: {}\nSee '{prog} {path} --help'.",
            crate::gotext::go_quote(value),
            go_int_error(value)
        ),
        125,
    ))
}

/// Why Go's strconv.ParseInt refuses `value`: digits that do not fit are
/// out of range, anything else is not a number.
fn go_int_error(value: &str) -> &'static str {
    crate::gotext::parse_int(value)
        .err()
        .unwrap_or("invalid syntax")
}

/// The command words (`network create`), the global `--lab` left out.
fn command_path(args: &[String]) -> String {
    let words = super::scope::command_words(args);
    let group = words.first().is_some_and(|w| {
        matches!(
            w.as_str(),
            "network" | "container" | "image" | "lab" | "lesson" | "challenge"
        )
    });
    let n = if group { 2 } else { 1 };
    words.into_iter().take(n).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn words(line: &str) -> Option<(String, i32)> {
        let args: Vec<String> = std::iter::once("docker".to_string())
            .chain(line.split_whitespace().map(str::to_string))
            .collect();
        let e = super::super::DockerCli::try_parse_from(&args).unwrap_err();
        docker_words(&e, &args, "docker")
    }

    #[test]
    fn dockers_other_run_flags_are_named_as_outside_the_scope() {
        let scope = "outside netlings' scope (a lab for container networking: no volumes, resource limits, restart policies, users, devices or security options)";
        assert_eq!(
            words("run -v /etc:/x flappy"),
            Some((
                format!("docker: --volume is a docker run flag {scope}\nSee 'docker run --help'."),
                125
            ))
        );
        assert_eq!(
            words("container create --restart=always flappy"),
            Some((format!("docker: --restart is a docker create flag {scope}\nSee 'docker container create --help'."), 125))
        );
        let (memory, code) = words("run -m 1g flappy").unwrap();
        assert!(
            memory.starts_with("docker: --memory is a docker run flag"),
            "{memory}"
        );
        assert_eq!(code, 125);
        // A networking flag the lab lacks is not called outside its scope.
        assert_eq!(
            words("run --link-local-ip 169.254.1.1 flappy"),
            Some(("docker: --link-local-ip is a docker run flag netlings does not support\nSee 'docker run --help'.".into(), 125))
        );
        // Not Docker's: Docker's own words.
        assert_eq!(
            words("run --foo flappy"),
            Some(("unknown flag: --foo\nSee 'docker run --help'.".into(), 125))
        );
        // Other commands keep Docker's words.
        assert_eq!(
            words("exec -v c true"),
            Some((
                "unknown shorthand flag: 'v' in -v\nSee 'docker exec --help'.".into(),
                125
            ))
        );
    }

    #[test]
    fn number_flags_in_the_words_of_docker_20_10() {
        let ps = "\nSee 'docker ps --help'.";
        assert_eq!(
            words("ps -n abc"),
            Some((format!("invalid argument \"abc\" for \"-n, --last\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax{ps}"), 125))
        );
        assert_eq!(words("ps --last=abc"), words("ps -n abc"));
        assert_eq!(
            words("ps -n 99999999999999999999"),
            Some((format!("invalid argument \"99999999999999999999\" for \"-n, --last\" flag: strconv.ParseInt: parsing \"99999999999999999999\": value out of range{ps}"), 125))
        );
        assert_eq!(
            words("container ls -n abc"),
            Some(("invalid argument \"abc\" for \"-n, --last\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax\nSee 'docker container ls --help'.".into(), 125))
        );
        assert_eq!(
            words("stop -t abc x"),
            Some(("invalid argument \"abc\" for \"-t, --time\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax\nSee 'docker stop --help'.".into(), 125))
        );
    }

    #[test]
    fn top_and_cp_in_the_words_of_docker_20_10() {
        assert_eq!(
            words("top"),
            Some(("\"docker top\" requires at least 1 argument.\nSee 'docker top --help'.\n\nUsage:  docker top CONTAINER [ps OPTIONS]\n\nDisplay the running processes of a container".into(), 1))
        );
        assert_eq!(
            words("top -o pid c1"),
            Some((
                "unknown shorthand flag: 'o' in -o\nSee 'docker top --help'.".into(),
                125
            ))
        );
        let cp = "\"docker cp\" requires exactly 2 arguments.\nSee 'docker cp --help'.\n\nUsage:  docker cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tdocker cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH\n\nCopy files/folders between a container and the local filesystem";
        for line in ["cp", "cp a", "cp a b c"] {
            assert_eq!(words(line), Some((cp.to_string(), 1)), "{line}");
        }
        assert_eq!(
            words("container cp a").map(|w| w.0.lines().next().unwrap_or("").to_string()),
            Some("\"docker container cp\" requires exactly 2 arguments.".into())
        );
    }

    #[test]
    fn missing_arguments_as_docker_20_10_says_them() {
        assert_eq!(
            words("wait"),
            Some(("\"docker wait\" requires at least 1 argument.\nSee 'docker wait --help'.\n\nUsage:  docker wait CONTAINER [CONTAINER...]\n\nBlock until one or more containers stop, then print their exit codes".into(), 1))
        );
        assert_eq!(
            words("network create").map(|w| w.0.lines().next().unwrap().to_string()),
            Some("\"docker network create\" requires exactly 1 argument.".into())
        );
        assert_eq!(
            words("rename a").map(|w| w.0.lines().next().unwrap().to_string()),
            Some("\"docker rename\" requires exactly 2 arguments.".into())
        );
    }

    #[test]
    fn unknown_flags_as_docker_20_10_says_them() {
        assert_eq!(
            words("ps --foo"),
            Some(("unknown flag: --foo\nSee 'docker ps --help'.".into(), 125))
        );
        assert_eq!(
            words("--lab x network ls --bar=1"),
            Some((
                "unknown flag: --bar\nSee 'docker network ls --help'.".into(),
                125
            ))
        );
    }
}
