//! Runs a lesson: a fresh deterministic lab, then each step's command for
//! real, its output, and its checks. Interactive (Enter runs the next step)
//! or unattended (`--auto`), and as a plain transcript for snapshots.

use super::checks::{run_step, StepResult};
use super::format::{Lesson, Step};
use super::keys::{self, Key};
use super::render::{Renderer, Style};
use super::session::{signal_guard, Session};
use crate::lab::Lab;
use std::io::IsTerminal;

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub auto: bool,
    /// Seconds to pause between steps in --auto (demos).
    pub pace: Option<f64>,
    /// 1-based; earlier steps run silently to rebuild the lab's state.
    pub from: usize,
    /// After the last step, open a shell in the lab with this (the CLI's
    /// way of running a command on a lab host).
    pub shell: Option<fn(&Lab) -> i32>,
    /// The lab's name (`--lab`), so an instructor can reach it; else
    /// `lesson-ID-PID`.
    pub lab: Option<String>,
}

/// The whole lesson, unattended, as plain text: what snapshots hold.
/// Err if a step's checks fail (the text up to there comes with it).
pub fn transcript(lesson: &Lesson, lab: Option<&str>) -> Result<String, (String, String)> {
    let session = Session::start(lesson, lab).map_err(|e| (String::new(), e))?;
    let look = Renderer::transcript();
    let mut out = look.lesson_head(lesson, true);
    let total = lesson.steps.len();
    for (i, step) in lesson.steps.iter().enumerate() {
        let mut result = run_step(&session, step);
        // HTTP headers end in CRLF; a transcript is plain text (and insta
        // stores snapshots with LF line ends).
        result.output = mask_round_trip_times(&result.output).replace("\r\n", "\n");
        out.push_str(&look.step_head(step, i + 1, total, |c| session.prompt(c)));
        out.push_str(&look.step_result(&result));
        if !result.passed() {
            let why = failure_line(lesson, i + 1, step, &result);
            return Err((out, why));
        }
    }
    Ok(out)
}

/// Round-trip times are the one thing a deterministic lab cannot fix, so a
/// transcript (what snapshots hold) shows ping's `time=0.185 ms` as
/// `time=… ms`, and its min/avg/max likewise. Checks still see the real
/// output, and a learner running the lesson sees real times.
pub fn mask_round_trip_times(output: &str) -> String {
    fn is_time(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    }
    let mut out = String::with_capacity(output.len());
    for line in output.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let masked = if let Some((head, rest)) = body.split_once(" time=") {
            match rest.strip_suffix(" ms") {
                Some(t) if is_time(t) => format!("{head} time=… ms"),
                _ => body.to_string(),
            }
        } else if let Some(rest) = body.strip_prefix("round-trip min/avg/max = ") {
            match rest.strip_suffix(" ms") {
                Some(t) if t.split('/').count() == 3 && t.split('/').all(is_time) => {
                    "round-trip min/avg/max = …/…/… ms".to_string()
                }
                _ => body.to_string(),
            }
        } else {
            body.to_string()
        };
        out.push_str(&masked);
        out.push_str(end);
    }
    out
}

fn failure_line(lesson: &Lesson, n: usize, step: &Step, r: &StepResult) -> String {
    let reasons: Vec<String> = r
        .checks
        .iter()
        .filter_map(|(c, f)| f.as_ref().map(|f| format!("{c}: {f}")))
        .collect();
    format!(
        "lesson {} failed at step {n} ({}): {}",
        lesson.id,
        step.title,
        reasons.join("; ")
    )
}

/// `lesson run`: step through with the learner, or run unattended.
pub fn run(lesson: &Lesson, opts: &Options) -> i32 {
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    colored::control::set_override(colour);
    let look = Renderer::terminal(colour);
    let mut session = match Session::start(lesson, opts.lab.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    session.width = crate::lesson::topology::terminal_width();
    let total = lesson.steps.len();
    let from = opts.from.max(1);
    if from > total {
        eprintln!(
            "lesson {} has {total} steps; --from {from} is past the end",
            lesson.id
        );
        return 2;
    }
    if !opts.auto && std::io::stdin().is_terminal() {
        keys::forget_typeahead();
    }
    print!("{}", look.lesson_head(lesson, from == 1));
    let mut skipped = false;
    for (i, step) in lesson.steps.iter().enumerate() {
        let n = i + 1;
        if n < from {
            // Rebuild the state silently; a failure here is still a failure.
            let r = run_step(&session, step);
            if !r.passed() {
                let line = failure_line(lesson, n, step, &r);
                eprintln!("{}", look.style(&line, Style::Failed));
                return 1;
            }
            continue;
        }
        print!("{}", look.step_head(step, n, total, |c| session.prompt(c)));
        if !opts.auto {
            match keys::ask(step, &look) {
                Key::Run => {}
                Key::Skip => {
                    println!("{}\n", look.style("(skipped)", Style::Quiet));
                    skipped = true;
                    continue;
                }
                Key::Quit => {
                    println!(
                        "Bye: `netlings lesson run {} --from {n}` picks up here.",
                        lesson.id
                    );
                    return 0;
                }
            }
        }
        let r = run_step(&session, step);
        print!("{}", look.step_result(&r));
        if !r.passed() {
            let line = failure_line(lesson, n, step, &r);
            if opts.auto {
                eprintln!("{}", look.style(&line, Style::Failed));
                return 1;
            }
            println!(
                "{}",
                look.style(
                    "This step did not go as the lesson expects; you can carry on or quit.",
                    Style::Note
                )
            );
        }
        if let (true, Some(p)) = (opts.auto, opts.pace) {
            std::thread::sleep(std::time::Duration::from_secs_f64(p.max(0.0)));
        }
    }
    if !skipped && from == 1 {
        super::progress::mark_done(&lesson.id);
    }
    println!(
        "{}",
        look.style(&format!("Lesson {} done.", lesson.id), Style::Done)
    );
    if let Some(shell) = opts.shell {
        println!("A shell on this lab's Docker host: `docker ...` works; exit to end the lesson.");
        signal_guard::SHELL_OPEN.store(true, std::sync::atomic::Ordering::SeqCst);
        return shell(&session.lab);
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_times_are_masked_and_nothing_else() {
        let ping = "PING db (172.17.0.4): 56 data bytes\n\
                    64 bytes from 172.17.0.4: seq=0 ttl=64 time=0.178 ms\n\
                    \n\
                    --- db ping statistics ---\n\
                    1 packets transmitted, 1 packets received, 0% packet loss\n\
                    round-trip min/avg/max = 0.178/0.178/12.5 ms\n";
        assert_eq!(
            mask_round_trip_times(ping),
            "PING db (172.17.0.4): 56 data bytes\n\
             64 bytes from 172.17.0.4: seq=0 ttl=64 time=… ms\n\
             \n\
             --- db ping statistics ---\n\
             1 packets transmitted, 1 packets received, 0% packet loss\n\
             round-trip min/avg/max = …/…/… ms\n"
        );
        let other = "uptime=5 ms\nrun time=soon ms\nno newline";
        assert_eq!(mask_round_trip_times(other), other);
    }
}
