//! `challenge check`: reads challenge files and finds mistakes without
//! running anything: the file must parse, and every container a goal
//! works in or checks from must exist when the goal is evaluated. A
//! `Keep` is evaluated at the start, so its containers come from the
//! setup; a `Goal` also after the solution, which may start them.

use super::format::{self, Challenge};
use crate::lesson::format::{Check, Command};
use crate::lesson::lint::started_container;

/// The containers a goal works in or checks from.
fn containers(goal: &format::Goal) -> Vec<&str> {
    let mut out = Vec::new();
    if let Some(Command::InContainer { container, .. }) = &goal.command {
        out.push(container.as_str());
    }
    for check in &goal.checks {
        if let Check::Reach { from, .. } | Check::Resolves { from, .. } = check {
            out.push(from.as_str());
        }
    }
    out
}

/// The containers commands make: `docker run --name`, and `docker create
/// --name` (a challenge may ask the learner to start one).
fn made(commands: &[Command]) -> Vec<String> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Docker(argv) if argv.first().is_some_and(|w| w == "create") => {
                let mut as_run = argv.clone();
                as_run[0] = "run".into();
                started_container(&Command::Docker(as_run)).map(str::to_string)
            }
            other => started_container(other).map(str::to_string),
        })
        .collect()
}

/// The mistakes of a parsed challenge, as (line, message).
pub fn lint(c: &Challenge) -> Vec<(usize, String)> {
    let setup = made(&c.setup);
    let solution = made(&c.solution);
    let has = |list: &[String], name: &str| list.iter().any(|n| n == name);
    let mut problems = Vec::new();
    for goal in &c.goals {
        for name in containers(goal) {
            if has(&setup, name) {
                continue;
            }
            if goal.keep {
                problems.push((
                    goal.line,
                    format!("keep `{}` works in container {name}, which the setup does not start (`$ docker run --name {name} ...`)", goal.title),
                ));
            } else if !has(&solution, name) {
                problems.push((
                    goal.line,
                    format!("goal `{}` works in container {name}, which neither the setup nor the solution starts", goal.title),
                ));
            }
        }
    }
    problems
}

/// A challenge file's mistakes as `FILE:LINE: message` lines.
pub fn check_text(file: &str, text: &str) -> Vec<String> {
    match format::parse(file, text) {
        Ok(c) => lint(&c)
            .into_iter()
            .map(|(line, m)| format!("{file}:{line}: {m}"))
            .collect(),
        Err(e) => vec![e.to_string()],
    }
}

/// `challenge check [FILE...]` (none: the built-in challenges): each
/// mistake, then a summary. Exit 0: none; 1: some; 2: a file cannot be read.
pub fn main(files: &[std::path::PathBuf]) -> i32 {
    let texts: Vec<(String, String)> = if files.is_empty() {
        crate::lesson::EMBEDDED_CHALLENGES
            .iter()
            .map(|(name, text)| (format!("challenges/{name}"), text.to_string()))
            .collect()
    } else {
        let read: Result<Vec<_>, String> = files
            .iter()
            .map(|f| {
                let name = f.display().to_string();
                std::fs::read_to_string(f)
                    .map(|t| (name.clone(), t))
                    .map_err(|e| format!("{name}: {e}"))
            })
            .collect();
        match read {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        }
    };
    let mut problems = 0;
    for (file, text) in &texts {
        for p in check_text(file, text) {
            println!("{p}");
            problems += 1;
        }
    }
    let n = texts.len();
    let files = format!("{n} challenge file{}", if n == 1 { "" } else { "s" });
    if problems == 0 {
        println!("{files} checked: no problems");
        0
    } else {
        println!(
            "{problems} problem{} in {files}",
            if problems == 1 { "" } else { "s" }
        );
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# X\n\nDo it.\n\n## Setup\n\n$ docker run -d --name a img\n\n\
        ## Goal: relay answers\n\n- reach a -> relay:80\n- reach relay -> a:80\n\n\
        ## Keep: b stays\n\n- reach b -> a:80\n\n\
        ## Goal: c speaks\n\nc# true\n- exit 0\n\n\
        ## Hint\n\nH.\n\n## Solution\n\n$ docker create --name relay img\n";

    #[test]
    fn goals_need_their_containers() {
        assert_eq!(
            check_text("c.md", TEXT),
            [
                "c.md:14: keep `b stays` works in container b, which the setup does not start (`$ docker run --name b ...`)",
                "c.md:18: goal `c speaks` works in container c, which neither the setup nor the solution starts",
            ]
        );
        for (name, text) in crate::lesson::EMBEDDED_CHALLENGES {
            assert_eq!(check_text(name, text), Vec::<String>::new());
        }
    }
}
