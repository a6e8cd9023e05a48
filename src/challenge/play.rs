//! Playing a challenge: its setup in a fresh lab, its goals evaluated
//! against the lab (the status line), hints and the solution as the
//! learner earns them, and `verify`.

use super::format::{Challenge, Goal};
use crate::lab::shell::ShellCommand;
use crate::lab::Lab;
use crate::lesson::format::{render_command, Command};
use crate::lesson::session::{signal_guard, Session};
use colored::Colorize;

/// Whether a goal holds now: Err says which check failed and why.
pub fn evaluate(session: &Session, goal: &Goal) -> Result<(), String> {
    let (code, output) = match &goal.command {
        Some(c) => session.run(c),
        None => (0, String::new()),
    };
    for check in &goal.checks {
        session
            .check(check, code, &output)
            .map_err(|why| format!("{check}: {why}"))?;
    }
    Ok(())
}

/// Every goal at once (a failing reach check waits for its timeout).
pub fn evaluate_all(session: &Session, challenge: &Challenge) -> Vec<Result<(), String>> {
    std::thread::scope(|scope| {
        let runs: Vec<_> = challenge
            .goals
            .iter()
            .map(|g| scope.spawn(move || evaluate(session, g)))
            .collect();
        runs.into_iter()
            .map(|r| {
                r.join()
                    .unwrap_or_else(|_| Err("the check panicked".into()))
            })
            .collect()
    })
}

/// `✔ title  ✘ title ...`: one mark per goal, in order.
pub fn status_line(challenge: &Challenge, results: &[Result<(), String>], colour: bool) -> String {
    let marks: Vec<String> = challenge
        .goals
        .iter()
        .zip(results)
        .map(|(g, r)| {
            let text = format!("{} {}", if r.is_ok() { "✔" } else { "✘" }, g.title);
            match (colour, r.is_ok()) {
                (false, _) => text,
                (true, true) => text.green().to_string(),
                (true, false) => text.red().to_string(),
            }
        })
        .collect();
    format!("[{}] {}", challenge.id, marks.join("  "))
}

/// Runs one command of a setup or solution; Err: what it printed.
fn run_quietly(session: &Session, cmd: &Command) -> Result<(), String> {
    let (code, output) = session.run(cmd);
    if code == 0 {
        Ok(())
    } else {
        Err(format!(
            "`{cmd}` exited with status {code}: {}",
            output.trim()
        ))
    }
}

/// What the learner has earned so far, kept in the lab's folder while the
/// challenge runs.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Earned {
    pub hints: usize,
    pub solved: bool,
}

fn earned_file(lab: &Lab, id: &str) -> std::path::PathBuf {
    lab.dir().join(format!("challenge-{id}"))
}

impl Earned {
    pub fn load(lab: &Lab, id: &str) -> Earned {
        let text = std::fs::read_to_string(earned_file(lab, id)).unwrap_or_default();
        Earned::parse(&text)
    }

    fn parse(text: &str) -> Earned {
        let mut e = Earned::default();
        for line in text.lines() {
            match line.split_once(' ') {
                Some(("hints", n)) => e.hints = n.parse().unwrap_or(0),
                _ if line == "solved" => e.solved = true,
                _ => {}
            }
        }
        e
    }

    pub fn save(&self, lab: &Lab, id: &str) -> Result<(), String> {
        let text = format!(
            "hints {}\n{}",
            self.hints,
            if self.solved { "solved\n" } else { "" }
        );
        std::fs::write(earned_file(lab, id), text).map_err(|e| format!("cannot save: {e}"))
    }

    /// The solution opens once solved, or once every hint was shown.
    pub fn may_see_solution(&self, challenge: &Challenge) -> bool {
        self.solved || self.hints >= challenge.hints.len()
    }
}

/// The next hint, and the count moves on; after the last, a pointer to
/// the solution.
pub fn next_hint(challenge: &Challenge, earned: &mut Earned) -> String {
    let total = challenge.hints.len();
    match challenge.hints.get(earned.hints) {
        Some(h) => {
            earned.hints += 1;
            format!("hint {}/{total}: {h}", earned.hints)
        }
        None => format!("That was every hint ({total}). `solution` shows the reference solution."),
    }
}

/// The reference solution, or why it is not open yet.
pub fn solution(challenge: &Challenge, earned: &Earned) -> Result<String, String> {
    if !earned.may_see_solution(challenge) {
        return Err(format!(
            "The solution opens once you have solved the challenge or seen all {} hints (you have seen {}): type `hint`.",
            challenge.hints.len(),
            earned.hints
        ));
    }
    let mut out = String::new();
    if !challenge.solution_text.is_empty() {
        out.push_str(&challenge.solution_text);
        out.push_str("\n\n");
    }
    for c in &challenge.solution {
        out.push_str(&render_command(c, |name| format!("{name}#")));
        out.push('\n');
    }
    Ok(out)
}

/// After a command in the challenge's shell: the status line, and on the
/// first time every goal holds, the news (recorded in the progress file).
pub fn status(session: &Session, challenge: &Challenge, colour: bool) -> String {
    let results = evaluate_all(session, challenge);
    let mut out = status_line(challenge, &results, colour);
    out.push('\n');
    let mut earned = Earned::load(&session.lab, &challenge.id);
    if results.iter().all(Result::is_ok) && !earned.solved {
        earned.solved = true;
        let _ = earned.save(&session.lab, &challenge.id);
        crate::lesson::progress::mark_done(&super::progress_key(&challenge.id));
        let news = format!(
            "Solved: {}. Recorded in your progress (`netlings lesson list`). `solution` shows the reference solution; `exit` leaves the lab.",
            challenge.title
        );
        out.push_str(&if colour {
            news.green().bold().to_string()
        } else {
            news
        });
        out.push('\n');
    }
    out
}

/// How `run` opens the learner's shell: the CLI's way of running a
/// command on a lab host.
pub type ShellRunner = fn(&Lab, ShellCommand) -> i32;

/// `challenge run`: a fresh lab, the setup, the goal, and a shell whose
/// prompt shows the status line. `reference` is how the shell's commands
/// find the challenge again (its id, or its file's path).
pub fn run(challenge: &Challenge, reference: &str, lab: Option<&str>, shell: ShellRunner) -> i32 {
    let colour = std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::env::var_os("NO_COLOR").is_none();
    let name = lab
        .map(str::to_string)
        .unwrap_or_else(|| format!("challenge-{}-{}", challenge.id, std::process::id()));
    let session = match Session::start_named(&name) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    let bold = |s: &str| {
        if colour {
            s.bold().to_string()
        } else {
            s.to_string()
        }
    };
    println!(
        "{}\n\n{}\n",
        bold(&format!("# {}", challenge.title)),
        challenge.goal
    );
    println!("Setting up the lab:");
    for cmd in &challenge.setup {
        if let Err(why) = run_quietly(&session, cmd) {
            eprintln!("the challenge's setup failed: {why}");
            return 1;
        }
        println!("  {}", render_command(cmd, |c| format!("{c}#")));
    }
    println!();
    println!("Goals (the status line before each prompt shows which hold):");
    for g in &challenge.goals {
        let kind = if g.keep { "keep" } else { "goal" };
        println!("  - {kind}: {}", g.title);
    }
    println!(
        "\nA shell on the lab's Docker host follows: `docker ...` works. Type `hint` for a hint ({} in all), `solution` once solved or after every hint, `exit` to leave (the lab goes with it).\n",
        challenge.hints.len()
    );
    let sh = match prepare_shell(&session.lab, reference) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    signal_guard::SHELL_OPEN.store(true, std::sync::atomic::Ordering::SeqCst);
    let code = shell(&session.lab, sh);
    let earned = Earned::load(&session.lab, &challenge.id);
    if earned.solved {
        println!("Challenge {} solved.", challenge.id);
    } else {
        println!(
            "Challenge {} not solved yet: `netlings challenge run {reference}` starts it again.",
            challenge.id
        );
    }
    code
}

/// The lab's shell (see `lab::shell`), as bash with the challenge's start
/// file: the status line before every prompt, `hint` and `solution`.
fn prepare_shell(lab: &Lab, reference: &str) -> Result<ShellCommand, String> {
    let mut sh = crate::lab::shell::prepare(lab)?;
    let rc = lab.dir().join("challenge-rc");
    let base = lab.dir().join("shellrc");
    let text = format!(
        "PS1=\"${{PS1:-\\$ }}\"\n. {}\n\
         hint() {{ netlings challenge hint; }}\n\
         solution() {{ netlings challenge solution; }}\n\
         PROMPT_COMMAND='netlings challenge status'\n",
        crate::lesson::format::quote_word(&base.display().to_string())
    );
    std::fs::write(&rc, text).map_err(|e| format!("cannot prepare the shell: {e}"))?;
    // The status line needs bash's PROMPT_COMMAND, whatever $SHELL is.
    sh.argv = vec![
        "/bin/bash".into(),
        "--rcfile".into(),
        rc.display().to_string(),
    ];
    sh.env.retain(|v| !v.starts_with("PS1="));
    sh.env.push(format!("{CHALLENGE_ENV}={reference}"));
    Ok(sh)
}

/// In a challenge's shell: which challenge (its id or file).
pub const CHALLENGE_ENV: &str = "NETLINGS_CHALLENGE";

/// How one challenge came out of `verify`.
pub fn verify_one(challenge: &Challenge, lab_name: &str) -> Result<String, String> {
    let session = Session::start_named(lab_name)?;
    for cmd in &challenge.setup {
        run_quietly(&session, cmd).map_err(|why| format!("setup: {why}"))?;
    }
    let start = evaluate_all(&session, challenge);
    for (g, r) in challenge.goals.iter().zip(&start) {
        match (g.keep, r) {
            (false, Ok(())) => {
                return Err(format!(
                    "goal `{}` already holds at the start: its checks cannot tell solved from not",
                    g.title
                ))
            }
            (true, Err(why)) => {
                return Err(format!(
                    "keep `{}` does not hold at the start: {why}",
                    g.title
                ))
            }
            _ => {}
        }
    }
    for cmd in &challenge.solution {
        run_quietly(&session, cmd).map_err(|why| format!("solution: {why}"))?;
    }
    let end = evaluate_all(&session, challenge);
    for (g, r) in challenge.goals.iter().zip(&end) {
        if let Err(why) = r {
            return Err(format!(
                "after the solution, `{}` does not hold: {why}",
                g.title
            ));
        }
    }
    let goals = challenge.goals.iter().filter(|g| !g.keep).count();
    let keeps = challenge.goals.len() - goals;
    Ok(format!(
        "{goals} goal{} fail at the start{}, all hold after the solution",
        if goals == 1 { "" } else { "s" },
        if keeps > 0 {
            format!(" ({keeps} kept)")
        } else {
            String::new()
        }
    ))
}

/// `challenge verify`: each challenge in a lab of its own, all at once;
/// one line each. Exit 0 when every one holds, else 1.
pub fn verify(challenges: &[Challenge]) -> i32 {
    let results: Vec<Result<String, String>> = std::thread::scope(|scope| {
        let runs: Vec<_> = challenges
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let lab = format!("chverify-{}-{}-{i}", std::process::id(), short(&c.id));
                scope.spawn(move || verify_one(c, &lab))
            })
            .collect();
        runs.into_iter()
            .map(|r| {
                r.join()
                    .unwrap_or_else(|_| Err("verification panicked".into()))
            })
            .collect()
    });
    let mut failed = 0;
    for (c, r) in challenges.iter().zip(&results) {
        match r {
            Ok(what) => println!("✔ {} {what}", c.id),
            Err(why) => {
                failed += 1;
                println!("✘ {} {why}", c.id)
            }
        }
    }
    let n = challenges.len();
    let plural = if n == 1 { "" } else { "s" };
    if failed == 0 {
        println!("{n} challenge{plural} verified");
        0
    } else {
        println!("{failed} of {n} challenge{plural} failed verification");
        1
    }
}

/// A lab name part: letters, digits and `-` only, not too long.
fn short(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(24)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge() -> Challenge {
        super::super::format::parse(
            "c/01-x.md",
            "# X\n\nDo it.\n\n## Setup\n\n$ docker network create n\n\n\
             ## Goal: a reaches b\n\n- reach a -> b:80\n\n\
             ## Keep: b answers\n\n- reach b -> b:80\n\n\
             ## Hint\n\nOne.\n\n## Hint\n\nTwo.\n\n\
             ## Solution\n\nJoin them.\n\n$ docker network connect n a\n",
        )
        .unwrap()
    }

    #[test]
    fn the_status_line_marks_each_goal() {
        let c = challenge();
        let line = status_line(&c, &[Err("no".into()), Ok(())], false);
        assert_eq!(line, "[x] ✘ a reaches b  ✔ b answers");
    }

    #[test]
    fn hints_come_in_order_and_open_the_solution() {
        let c = challenge();
        let mut e = Earned::default();
        assert!(solution(&c, &e)
            .unwrap_err()
            .contains("seen all 2 hints (you have seen 0)"));
        assert_eq!(next_hint(&c, &mut e), "hint 1/2: One.");
        assert!(solution(&c, &e).is_err());
        assert_eq!(next_hint(&c, &mut e), "hint 2/2: Two.");
        assert!(next_hint(&c, &mut e).starts_with("That was every hint (2)"));
        assert_eq!(
            solution(&c, &e).unwrap(),
            "Join them.\n\n$ docker network connect n a\n"
        );
        let solved = Earned {
            hints: 0,
            solved: true,
        };
        assert!(solution(&c, &solved).is_ok());
    }

    #[test]
    fn what_was_earned_reads_back() {
        let e = Earned {
            hints: 2,
            solved: true,
        };
        let text = format!("hints {}\nsolved\n", e.hints);
        assert_eq!(Earned::parse(&text), e);
        assert_eq!(Earned::parse(""), Earned::default());
    }
}
