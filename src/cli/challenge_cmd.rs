//! `netlings challenge list|run|verify|check`, and `status|hint|solution` in a
//! challenge's shell.

use super::lab_access::{ensure_lab, fail, lab_host_exec};
use crate::challenge::{self, format::Challenge, play};
use crate::inspect::table;
use crate::lab::shell::ShellCommand;
use crate::lab::Lab;
use crate::lesson::session::Session;

fn run_shell(lab: &Lab, sh: ShellCommand) -> i32 {
    lab_host_exec(lab, &sh.argv, Some(sh.env), sh.tty)
}

/// The challenge of the shell this runs in, and its lab.
fn current(lab_flag: Option<&str>) -> Result<(Challenge, Session), String> {
    let name = std::env::var(play::CHALLENGE_ENV).map_err(|_| {
        "not in a challenge's shell: `netlings challenge run NAME` starts one".to_string()
    })?;
    let challenge = challenge::find(&name)?;
    let lab = ensure_lab(lab_flag)?;
    Ok((challenge, Session::attach(lab)))
}

pub fn challenge_command(cmd: super::ChallengeCommand, lab_flag: Option<&str>) -> i32 {
    use super::ChallengeCommand as C;
    match cmd {
        C::List => {
            let all = match challenge::all() {
                Ok(a) => a,
                Err(e) => return fail(&e.to_string()),
            };
            print!("{}", challenge_table(&all));
            0
        }
        C::Run { name } => {
            let challenge = match challenge::find(&name) {
                Ok(c) => c,
                Err(e) => return fail(&e),
            };
            // The shell's commands find a file again from anywhere.
            let reference = if name.ends_with(".md") {
                std::fs::canonicalize(&name)
                    .map(|p| p.display().to_string())
                    .unwrap_or(name)
            } else {
                name
            };
            play::run(&challenge, &reference, lab_flag, run_shell)
        }
        C::Verify { names } => {
            let found: Result<Vec<Challenge>, String> = if names.is_empty() {
                challenge::all().map_err(|e| e.to_string())
            } else {
                names.iter().map(|n| challenge::find(n)).collect()
            };
            match found {
                Ok(list) => play::verify(&list),
                Err(e) => {
                    eprintln!("{e}");
                    2
                }
            }
        }
        C::Check { files } => challenge::lint::main(&files),
        C::Status => match current(lab_flag) {
            Ok((c, session)) => {
                let colour = std::io::IsTerminal::is_terminal(&std::io::stdout())
                    && std::env::var_os("NO_COLOR").is_none();
                print!("{}", play::status(&session, &c, colour));
                0
            }
            Err(e) => fail(&e),
        },
        C::Hint => match current(lab_flag) {
            Ok((c, session)) => {
                let mut earned = play::Earned::load(&session.lab, &c.id);
                println!("{}", play::next_hint(&c, &mut earned));
                match earned.save(&session.lab, &c.id) {
                    Ok(()) => 0,
                    Err(e) => fail(&e),
                }
            }
            Err(e) => fail(&e),
        },
        C::Solution => match current(lab_flag) {
            Ok((c, session)) => {
                match play::solution(&c, &play::Earned::load(&session.lab, &c.id)) {
                    Ok(text) => {
                        print!("{text}");
                        0
                    }
                    Err(why) => fail(&why),
                }
            }
            Err(e) => fail(&e),
        },
    }
}

/// The challenges with their goals and whether each is solved.
pub(super) fn challenge_table(all: &[Challenge]) -> String {
    let done = crate::lesson::progress::completed();
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|c| {
            vec![
                c.id.clone(),
                c.title.clone(),
                c.goals.len().to_string(),
                if done.contains(&challenge::progress_key(&c.id)) {
                    "solved".into()
                } else {
                    "-".into()
                },
            ]
        })
        .collect();
    table::render(&["CHALLENGE", "TITLE", "GOALS", "SOLVED"], &rows)
}
