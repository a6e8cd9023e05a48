//! Runs a lesson: a fresh deterministic lab, then each step's command for
//! real, its output, and its checks. Interactive (Enter runs the next step)
//! or unattended (`--auto`), and as a plain transcript for snapshots.

use super::checks::{run_step, StepResult};
use super::format::{Command, Lesson, Step};
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
    if from > 1 {
        println!(
            "{}",
            look.style(
                &if from == 2 {
                    "Step 1 runs first, without its output, to rebuild the lab:".to_string()
                } else {
                    format!(
                        "Steps 1 to {} run first, without their output, to rebuild the lab:",
                        from - 1
                    )
                },
                Style::Quiet
            )
        );
    }
    let mut skipped = 0;
    // Steps whose checks failed and the learner went on anyway.
    let mut carried_on = 0;
    let bye = |n: usize| {
        println!(
            "Bye: `netlings lesson run {} --from {n}` picks up here.",
            lesson.id
        );
    };
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
            println!(
                "{}",
                look.style(&format!("  ✔ {n}. {}", step.title), Style::Quiet)
            );
            if n + 1 == from {
                println!();
            }
            continue;
        }
        print!("{}", look.step_head(step, n, total, |c| session.prompt(c)));
        let mut skip_this = false;
        if !opts.auto {
            loop {
                match keys::ask(step, &look) {
                    Key::Run | Key::Retry => break,
                    Key::Skip => {
                        if let Some(what) = changes_lab(&step.command) {
                            let warning = format!(
                                "This step changes the lab (docker {what}): later steps build on it, and their checks fail without it. Skip it anyway? [y/N]"
                            );
                            if !keys::confirm(&warning, &look) {
                                continue;
                            }
                        }
                        println!("{}\n", look.style("(skipped)", Style::Quiet));
                        skipped += 1;
                        skip_this = true;
                        break;
                    }
                    Key::Quit => {
                        bye(n);
                        return 0;
                    }
                }
            }
        }
        if skip_this {
            continue;
        }
        loop {
            let r = run_step(&session, step);
            print!("{}", look.step_result(&r));
            if r.passed() {
                break;
            }
            let line = failure_line(lesson, n, step, &r);
            if opts.auto {
                eprintln!("{}", look.style(&line, Style::Failed));
                return 1;
            }
            println!(
                "{}",
                look.style(
                    "This step did not go as the lesson expects: run it again (say, after fixing something in another terminal), carry on, or quit.",
                    Style::Note
                )
            );
            match keys::after_failure(&look) {
                Key::Retry => continue,
                Key::Quit => {
                    bye(n);
                    return 0;
                }
                _ => {
                    carried_on += 1;
                    break;
                }
            }
        }
        if let (true, Some(p)) = (opts.auto, opts.pace) {
            std::thread::sleep(std::time::Duration::from_secs_f64(p.max(0.0)));
        }
    }
    // Steps before `--from` ran (silently) and passed too: a lesson quit
    // and picked up again with `--from` counts, as the quit message
    // promises.
    let completed = skipped == 0 && carried_on == 0;
    if completed {
        super::progress::mark_done(&lesson.id);
    }
    println!(
        "{}",
        look.style(&format!("Lesson {} done.", lesson.id), Style::Done)
    );
    if !completed {
        let why = if skipped > 0 {
            format!(
                "{skipped} step{} skipped",
                if skipped == 1 { " was" } else { "s were" }
            )
        } else {
            format!(
                "{carried_on} step{} not pass",
                if carried_on == 1 { " did" } else { "s did" }
            )
        };
        println!("(Not marked as completed in `netlings lesson list`: {why}.)");
    }
    println!("{}", next_pointer(&lesson.id));
    if let Some(shell) = opts.shell {
        println!("A shell on this lab's Docker host: `docker ...` works; exit to end the lesson.");
        signal_guard::SHELL_OPEN.store(true, std::sync::atomic::Ordering::SeqCst);
        return shell(&session.lab);
    }
    0
}

/// Where to go after lesson `id`: the next built-in lesson, or the
/// challenges after the last one (a lesson file of one's own: the list).
pub fn next_pointer(id: &str) -> String {
    let ids: Vec<String> = super::all()
        .map(|all| all.into_iter().map(|l| l.id).collect())
        .unwrap_or_default();
    match ids.iter().position(|l| l == id) {
        Some(i) => match ids.get(i + 1) {
            Some(next) => format!("Next: netlings lesson run {next}"),
            None => {
                "That was the last lesson. Next: solve problems on your own with `netlings challenge list`.".to_string()
            }
        },
        None => "More: netlings lesson list".to_string(),
    }
}

/// The Docker command a step runs if it changes the lab (creates, starts,
/// stops, connects or removes something), as `run` or `network connect`:
/// skipping such a step leaves later steps without what they build on.
pub fn changes_lab(command: &Command) -> Option<String> {
    let Command::Docker(argv) = command else {
        return None;
    };
    let words: Vec<&str> = argv
        .iter()
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .take(2)
        .collect();
    const CHANGES: &[&str] = &[
        "run",
        "create",
        "start",
        "stop",
        "restart",
        "rm",
        "kill",
        "rename",
        "pause",
        "unpause",
        "connect",
        "disconnect",
        "prune",
    ];
    match words[..] {
        [group @ ("network" | "container"), sub, ..] if CHANGES.contains(&sub) => {
            Some(format!("{group} {sub}"))
        }
        // A `--rm` one-off leaves nothing behind.
        ["run", ..] if argv.iter().any(|w| w == "--rm") => None,
        [cmd, ..] if CHANGES.contains(&cmd) => Some(cmd.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_that_change_the_lab_are_known() {
        let docker = |s: &str| Command::Docker(s.split(' ').map(str::to_string).collect());
        assert_eq!(
            changes_lab(&docker("run -d --name web x")).as_deref(),
            Some("run")
        );
        assert_eq!(
            changes_lab(&docker("network connect net web")).as_deref(),
            Some("network connect")
        );
        assert_eq!(
            changes_lab(&docker("network create --internal back")).as_deref(),
            Some("network create")
        );
        assert_eq!(changes_lab(&docker("network inspect bridge")), None);
        assert_eq!(changes_lab(&docker("ps -a")), None);
        assert_eq!(changes_lab(&docker("run --rm x cat /etc/hosts")), None);
        assert_eq!(changes_lab(&docker("port web")), None);
        assert_eq!(changes_lab(&Command::Topology), None);
        let inside = Command::InContainer {
            container: "web".into(),
            argv: vec!["rm".into(), "/tmp/x".into()],
        };
        assert_eq!(changes_lab(&inside), None);
    }

    #[test]
    fn each_lesson_points_to_the_next() {
        let ids: Vec<String> = super::super::all()
            .unwrap()
            .into_iter()
            .map(|l| l.id)
            .collect();
        assert_eq!(
            next_pointer(&ids[0]),
            format!("Next: netlings lesson run {}", ids[1])
        );
        assert!(next_pointer(ids.last().unwrap()).contains("netlings challenge list"));
        assert_eq!(next_pointer("my-own"), "More: netlings lesson list");
    }

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
