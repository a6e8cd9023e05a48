//! `netlings lesson list|run|verify|transcript`; `lesson list` shows the
//! challenges too.

use super::lab_access::fail;
use super::shell::shell_on;
use crate::inspect::table;
use crate::lab::Lab;

pub fn lesson_command(cmd: super::LessonCommand, lab_flag: Option<&str>) -> i32 {
    use crate::lesson;
    match cmd {
        super::LessonCommand::List => {
            let lessons = match lesson::all() {
                Ok(l) => l,
                Err(e) => return fail(&e.to_string()),
            };
            let done = lesson::progress::completed();
            let rows: Vec<Vec<String>> = lessons
                .iter()
                .map(|l| {
                    vec![
                        l.id.clone(),
                        l.title.clone(),
                        l.steps.len().to_string(),
                        if done.contains(&l.id) {
                            "done".into()
                        } else {
                            "-".into()
                        },
                    ]
                })
                .collect();
            print!(
                "{}",
                table::render(&["LESSON", "TITLE", "STEPS", "COMPLETED"], &rows)
            );
            let challenges = match crate::challenge::all() {
                Ok(c) => c,
                Err(e) => return fail(&e.to_string()),
            };
            println!();
            print!("{}", super::challenge_cmd::challenge_table(&challenges));
            // The first lesson not completed yet is the one to suggest,
            // then the first challenge not solved.
            let unsolved = challenges
                .iter()
                .find(|c| !done.contains(&crate::challenge::progress_key(&c.id)));
            match (lessons.iter().find(|l| !done.contains(&l.id)), unsolved) {
                (Some(next), _) if done.is_empty() => {
                    println!("\nStart with: netlings lesson run {}", next.id)
                }
                (Some(next), _) => println!("\nNext: netlings lesson run {}", next.id),
                (None, Some(c)) => println!(
                    "\nEvery lesson is completed. Next, a challenge: netlings challenge run {}",
                    c.id
                ),
                (None, None) => println!("\nEvery lesson is completed and every challenge solved."),
            }
            0
        }
        super::LessonCommand::Run {
            name,
            auto,
            pace,
            from,
            shell,
        } => {
            if let Some(p) = pace.filter(|p| !(0.0..=3600.0).contains(p)) {
                return fail(&format!(
                    "--pace {p:?}: give the seconds between steps, from 0 to 3600"
                ));
            }
            match lesson::find(&name) {
                Ok(l) => lesson::runner::run(
                    &l,
                    &lesson::runner::Options {
                        auto,
                        pace,
                        from,
                        shell: shell.then_some(shell_on as fn(&Lab) -> i32),
                        lab: lab_flag.map(str::to_string),
                    },
                ),
                Err(e) => fail(&e),
            }
        }
        super::LessonCommand::Verify {
            paths,
            snapshots,
            accept,
            format,
            report,
            jobs,
        } => lesson::verify::verify(&lesson::verify::Options {
            paths,
            snapshots,
            accept,
            format,
            report,
            jobs,
        }),
        super::LessonCommand::Check { files } => lesson::lint::main(&files),
        super::LessonCommand::Transcript { name } => match lesson::find(&name) {
            Ok(l) => match lesson::runner::transcript(&l, lab_flag) {
                Ok(t) => {
                    print!("{t}");
                    0
                }
                Err((t, why)) => {
                    print!("{t}");
                    fail(&why)
                }
            },
            Err(e) => fail(&e),
        },
    }
}
