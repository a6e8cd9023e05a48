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
    if path == "top" || path == "container top" || path == "cp" || path == "container cp" {
        return older_style_words(e, &path, prog);
    }
    match e.kind() {
        ErrorKind::ValueValidation => number_words(e, &path, prog),
        ErrorKind::UnknownArgument => {
            let Some(ContextValue::String(flag)) = e.get(ContextKind::InvalidArg) else {
                return None;
            };
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
        | ErrorKind::TooFewValues => {
            let (_, requires, usage, about) = USAGE.iter().find(|u| u.0 == path)?;
            Some((
                format!(
                    "\"{prog} {path}\" requires {requires}.\nSee '{prog} {path} --help'.\n\nUsage:  {prog} {usage}\n\n{about}"
                ),
                1,
            ))
        }
        _ => None,
    }
}

/// `top` and `cp` word their argument errors in the client's older style
/// (Docker 20.10.24: `docker: 'docker top' requires at least 1 argument`,
/// exit 1; an unknown flag with the usage, exit 125).
fn older_style_words(e: &clap::Error, path: &str, prog: &str) -> Option<(String, i32)> {
    let cp = path.ends_with("cp");
    let usage = if cp {
        format!("Usage:  {prog} {path} [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\t{prog} {path} [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH")
    } else {
        format!("Usage:  {prog} {path} CONTAINER [ps OPTIONS]")
    };
    let (requires, help_verb) = if cp {
        ("2 arguments", "Run")
    } else {
        ("at least 1 argument", "See")
    };
    let wrong_count = format!("{prog}: '{prog} {path}' requires {requires}\n\n{usage}\n\n{help_verb} '{prog} {path} --help' for more information");
    match e.kind() {
        ErrorKind::UnknownArgument => {
            let Some(ContextValue::String(flag)) = e.get(ContextKind::InvalidArg) else {
                return None;
            };
            let text = match flag.strip_prefix('-') {
                Some(short) if !short.starts_with('-') => {
                    let letter = short.chars().next().unwrap_or('?');
                    format!("unknown shorthand flag: '{letter}' in {flag}")
                }
                Some(_) => format!("unknown flag: {}", flag.split('=').next().unwrap_or(flag)),
                // An argument too many.
                None => return Some((wrong_count, 1)),
            };
            Some((
                format!("{text}\n\n{usage}\n\nRun '{prog} {path} --help' for more information"),
                125,
            ))
        }
        ErrorKind::MissingRequiredArgument => Some((wrong_count, 1)),
        _ => None,
    }
}

/// Numeric flags, as Docker 20.10.24's client names them in its error:
/// (command path, clap's long name, Docker's flag, usage after the program).
const NUMBER_FLAGS: &[(&str, &str, &str, &str)] = &[
    ("ps", "--last", "-n, --last", "ps [OPTIONS]"),
    (
        "container ls",
        "--last",
        "-n, --last",
        "container ls [OPTIONS]",
    ),
    (
        "container ps",
        "--last",
        "-n, --last",
        "container ps [OPTIONS]",
    ),
    (
        "container list",
        "--last",
        "-n, --last",
        "container list [OPTIONS]",
    ),
    (
        "stop",
        "--time",
        "-t, --timeout",
        "stop [OPTIONS] CONTAINER [CONTAINER...]",
    ),
    (
        "restart",
        "--time",
        "-t, --timeout",
        "restart [OPTIONS] CONTAINER [CONTAINER...]",
    ),
    (
        "container stop",
        "--time",
        "-t, --timeout",
        "container stop [OPTIONS] CONTAINER [CONTAINER...]",
    ),
    (
        "container restart",
        "--time",
        "-t, --timeout",
        "container restart [OPTIONS] CONTAINER [CONTAINER...]",
    ),
];

/// A number flag's value that does not parse, in Go's words: `invalid
/// argument "abc" for "-n, --last" flag: strconv.ParseInt: parsing "abc":
/// invalid syntax` with the usage, exit 125.
fn number_words(e: &clap::Error, path: &str, prog: &str) -> Option<(String, i32)> {
    let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    let Some(ContextValue::String(value)) = e.get(ContextKind::InvalidValue) else {
        return None;
    };
    let long = arg.split([' ', '=']).next().unwrap_or(arg);
    let (_, _, flag, usage) = NUMBER_FLAGS
        .iter()
        .find(|(p, l, _, _)| *p == path && *l == long)?;
    Some((
        format!(
            "invalid argument \"{value}\" for \"{flag}\" flag: strconv.ParseInt: parsing {}: {}\n\nUsage:  {prog} {usage}\n\nRun '{prog} {path} --help' for more information",
            crate::gotext::go_quote(value),
            go_int_error(value)
        ),
        125,
    ))
}

/// Why Go's strconv.ParseInt refuses `value`: digits that do not fit are
/// out of range, anything else is not a number.
fn go_int_error(value: &str) -> &'static str {
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        "value out of range"
    } else {
        "invalid syntax"
    }
}

/// The command words (`network create`), the global `--lab` left out.
fn command_path(args: &[String]) -> String {
    let words = super::scope::command_words(args);
    let group = words.first().is_some_and(|w| {
        matches!(
            w.as_str(),
            "network" | "container" | "image" | "lab" | "lesson"
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
    fn number_flags_in_the_words_of_docker_20_10() {
        let ps = "\n\nUsage:  docker ps [OPTIONS]\n\nRun 'docker ps --help' for more information";
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
            Some(("invalid argument \"abc\" for \"-n, --last\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax\n\nUsage:  docker container ls [OPTIONS]\n\nRun 'docker container ls --help' for more information".into(), 125))
        );
        assert_eq!(
            words("stop -t abc x"),
            Some(("invalid argument \"abc\" for \"-t, --timeout\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax\n\nUsage:  docker stop [OPTIONS] CONTAINER [CONTAINER...]\n\nRun 'docker stop --help' for more information".into(), 125))
        );
    }

    #[test]
    fn top_in_the_words_of_docker_20_10() {
        assert_eq!(
            words("top"),
            Some(("docker: 'docker top' requires at least 1 argument\n\nUsage:  docker top CONTAINER [ps OPTIONS]\n\nSee 'docker top --help' for more information".into(), 1))
        );
        assert_eq!(
            words("container top"),
            Some(("docker: 'docker container top' requires at least 1 argument\n\nUsage:  docker container top CONTAINER [ps OPTIONS]\n\nSee 'docker container top --help' for more information".into(), 1))
        );
        assert_eq!(
            words("top -o pid c1"),
            Some(("unknown shorthand flag: 'o' in -o\n\nUsage:  docker top CONTAINER [ps OPTIONS]\n\nRun 'docker top --help' for more information".into(), 125))
        );
        let cp_usage = "Usage:  docker cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tdocker cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH\n\nRun 'docker cp --help' for more information";
        for line in ["cp a", "cp a b c"] {
            assert_eq!(
                words(line),
                Some((
                    format!("docker: 'docker cp' requires 2 arguments\n\n{cp_usage}"),
                    1
                )),
                "{line}"
            );
        }
        assert_eq!(
            words("cp -x a b"),
            Some((
                format!("unknown shorthand flag: 'x' in -x\n\n{cp_usage}"),
                125
            ))
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
