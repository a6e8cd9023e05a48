//! `lesson check`: reads lesson files and finds mistakes without running
//! anything (no lab, no root): the file must parse (so every step has a
//! command and a check), and every container a step works in, or checks
//! from, must have been started by a step before (`docker run --name`).

use super::format::{self, Check, Command, Lesson};
use std::path::PathBuf;

/// One mistake: its line in the file, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

/// The flags of `docker run` that take a value as the next word: the image
/// is the first word that is neither a flag nor such a value.
const RUN_FLAGS_WITH_VALUE: &[&str] = &[
    "--name",
    "--network",
    "--net",
    "--network-alias",
    "--net-alias",
    "--ip",
    "-e",
    "--env",
    "-h",
    "--hostname",
    "-p",
    "--publish",
    "--link",
    "-w",
    "--workdir",
];

/// The `--name NAME` or `--name=NAME` of a `docker run` line.
pub fn started_container(command: &Command) -> Option<&str> {
    let Command::Docker(argv) = command else {
        return None;
    };
    let (run, args) = argv.split_first()?;
    if run != "run" {
        return None;
    }
    let mut words = args.iter();
    while let Some(w) = words.next() {
        if let Some(name) = w.strip_prefix("--name=") {
            return Some(name);
        }
        if w == "--name" {
            return words.next().map(String::as_str);
        }
        if RUN_FLAGS_WITH_VALUE.contains(&w.as_str()) {
            words.next();
        } else if !w.starts_with('-') {
            // The image: what follows is the container's command.
            return None;
        }
    }
    None
}

/// The mistakes of a parsed lesson, in file order.
pub fn lint(lesson: &Lesson) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut started: Vec<&str> = Vec::new();
    for step in &lesson.steps {
        if let Command::InContainer { container, .. } = &step.command {
            if !started.contains(&container.as_str()) {
                problems.push(Problem {
                    line: step.lines.command,
                    message: format!(
                        "`{container}#` runs in container {container}, which no earlier step starts (`$ docker run --name {container} ...`)"
                    ),
                });
            }
        }
        // A step's checks run after its command: its container counts.
        started.extend(started_container(&step.command));
        for (check, &line) in step.checks.iter().zip(&step.lines.checks) {
            let from = match check {
                Check::Reach { from, .. } | Check::Resolves { from, .. } => from,
                _ => continue,
            };
            if !started.contains(&from.as_str()) {
                problems.push(Problem {
                    line,
                    message: format!(
                        "`{check}` runs in container {from}, which no step so far starts (`$ docker run --name {from} ...`)"
                    ),
                });
            }
        }
    }
    problems
}

/// A lesson file's mistakes as `FILE:LINE: message` lines; a file that
/// does not parse has one, the parser's.
pub fn check_text(file: &str, text: &str) -> Vec<String> {
    match format::parse(file, text) {
        Ok(lesson) => lint(&lesson)
            .into_iter()
            .map(|p| format!("{file}:{}: {}", p.line, p.message))
            .collect(),
        Err(e) => vec![e.to_string()],
    }
}

/// The lesson files that `paths` name: files, and the `*.md` of folders
/// in course order.
fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            out.extend(super::folder_lessons(path)?);
        } else if path.is_file() {
            out.push(path.clone());
        } else {
            return Err(format!("{}: no such lesson file or folder", path.display()));
        }
    }
    Ok(out)
}

/// `lesson check [FILE...]`: prints each mistake as `FILE:LINE: message`,
/// then a summary. Exit 0: none; 1: some; 2: a file cannot be read.
/// Without paths, the built-in lessons.
pub fn main(paths: &[PathBuf]) -> i32 {
    let texts: Vec<(String, String)> = if paths.is_empty() {
        let mut builtin: Vec<&(&str, &str)> = super::EMBEDDED.iter().collect();
        builtin.sort_by_key(|(name, _)| super::order_key(name));
        builtin
            .into_iter()
            .map(|(name, text)| (format!("lessons/{name}"), text.to_string()))
            .collect()
    } else {
        let read = files(paths).and_then(|files| {
            files
                .iter()
                .map(|f| {
                    let name = f.display().to_string();
                    std::fs::read_to_string(f)
                        .map(|t| (name.clone(), t))
                        .map_err(|e| format!("{name}: {e}"))
                })
                .collect::<Result<Vec<_>, _>>()
        });
        match read {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        }
    };
    let mut problems = 0;
    let mut bad_files = 0;
    for (file, text) in &texts {
        let found = check_text(file, text);
        for p in &found {
            println!("{p}");
        }
        problems += found.len();
        bad_files += usize::from(!found.is_empty());
    }
    let files = |n: usize| format!("{n} lesson file{}", if n == 1 { "" } else { "s" });
    if problems == 0 {
        println!("{} checked: no problems", files(texts.len()));
        0
    } else {
        println!(
            "{problems} problem{} in {bad_files} of {}",
            if problems == 1 { "" } else { "s" },
            files(texts.len())
        );
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        check_text("course/01-x.md", text)
    }

    #[test]
    fn a_step_without_a_check() {
        assert_eq!(
            problems("# X\n\n## Run\n\n$ docker ps\n"),
            ["course/01-x.md:3: step `Run` has no checks (`- exit 0`, `- contains \"...\"`, ...)"]
        );
    }

    #[test]
    fn a_prompt_in_a_container_no_step_started() {
        let text = "# X\n\n## Look\n\nweb# ip addr\n- exit 0\n\n\
                    ## Start\n\n$ docker run -d --name web training/webapp\n- exit 0\n\n\
                    ## Look again\n\nweb# ip addr\n- exit 0\n";
        // Started after the first look: only that one is wrong.
        assert_eq!(
            problems(text),
            ["course/01-x.md:5: `web#` runs in container web, which no earlier step starts (`$ docker run --name web ...`)"]
        );
        // Checks of the step that starts it may use it.
        let same_step = "# X\n\n## Start\n\n$ docker run -d --name=web training/webapp\n\
                         - reach web -> web:5000\n";
        assert!(problems(same_step).is_empty(), "{:?}", problems(same_step));
    }

    #[test]
    fn reach_and_resolve_checks_from_an_unknown_container() {
        let text = "# X\n\n## Start\n\n$ docker run -d --name db training/postgres\n\
                    - reach db -> web:5000\n- no-reach web -> db:5432\n\
                    - resolves db from db\n- not-resolves db from client\n";
        assert_eq!(
            problems(text),
            [
                "course/01-x.md:7: `no-reach web -> db:5432` runs in container web, which no step so far starts (`$ docker run --name web ...`)",
                "course/01-x.md:9: `not-resolves db from client` runs in container client, which no step so far starts (`$ docker run --name client ...`)",
            ]
        );
    }

    #[test]
    fn names_are_read_from_docker_run_only_before_the_image() {
        let name = |line: &str| {
            let argv = format::split_command_line(line).unwrap();
            started_container(&Command::Docker(argv)).map(str::to_string)
        };
        assert_eq!(
            name("run -d -p 80:80 --net=x --name flappy img").as_deref(),
            Some("flappy")
        );
        assert_eq!(name("run -e A=1 --name=f img").as_deref(), Some("f"));
        assert_eq!(name("run -e --name img"), None, "--name is -e's value");
        assert_eq!(name("run img sh -c --name x"), None);
        assert_eq!(name("create --name x img"), None);
    }

    /// The example a lesson writer starts from is a correct lesson.
    #[test]
    fn the_docs_example_lesson_has_no_problems() {
        let docs = include_str!("../../docs/writing-lessons.md");
        let example = docs
            .split("## A whole lesson\n\n```text\n")
            .nth(1)
            .and_then(|rest| rest.split("\n```\n").next())
            .expect("docs/writing-lessons.md has an example lesson");
        let found = check_text("docs/example.md", example);
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(format::parse("x.md", example).unwrap().steps.len(), 3);
    }

    #[test]
    fn the_built_in_lessons_have_no_problems() {
        for (name, text) in super::super::EMBEDDED {
            let found = check_text(name, text);
            assert!(found.is_empty(), "{found:?}");
        }
    }
}
