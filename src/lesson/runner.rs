//! Runs a lesson: a fresh deterministic lab, then each step's command for
//! real, its output, and its checks. Interactive (Enter runs the next step)
//! or unattended (`--auto`), and as a plain transcript for snapshots.

use super::format::{self, Check, Command, Lesson, Step};
use crate::engine::api::Request;
use crate::lab::{client, daemon, Lab};
use colored::Colorize;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::os::unix::process::CommandExt;

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

/// A lab for one lesson run, removed when dropped.
pub struct Session {
    pub lab: Lab,
}

impl Session {
    /// A fresh deterministic lab, owned by this process: it goes away with
    /// it, even if it is killed and never drops the session.
    pub fn start(lesson: &Lesson, name: Option<&str>) -> Result<Session, String> {
        let name = name
            .map(str::to_string)
            .unwrap_or_else(|| format!("lesson-{}-{}", lesson.id, std::process::id()));
        let lab = Lab::new(&name)?;
        let opts = daemon::StartOptions {
            deterministic: true,
            owner: Some(std::process::id()),
        };
        signal_guard::watch(&lab);
        match daemon::ensure_running(&lab, opts) {
            Ok(daemon::Started::Fresh { .. }) => Ok(Session { lab }),
            Ok(daemon::Started::AlreadyRunning { .. }) => {
                signal_guard::forget(&lab);
                Err(format!(
                    "lab {name} is already running; a lesson needs a fresh lab: stop it (netlings lab stop {name}) or choose another --lab"
                ))
            }
            Err(e) => {
                signal_guard::forget(&lab);
                Err(e)
            }
        }
    }

    fn netlings(&self, argv0: &str, args: &[String]) -> (i32, String) {
        let exe = match std::env::current_exe() {
            Ok(e) => e,
            Err(e) => return (126, e.to_string()),
        };
        let mut cmd = std::process::Command::new(exe);
        cmd.arg0(argv0)
            .args(args)
            .env("NETLINGS_LAB", &self.lab.name)
            .env(crate::lab::IN_LAB, &self.lab.name)
            .env("NO_COLOR", "1");
        run_merged(cmd)
    }

    fn docker(&self, args: &[&str]) -> (i32, String) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        self.netlings("docker", &args)
    }

    /// Runs a step's command; stdout and stderr together, as a terminal shows them.
    pub fn run(&self, command: &Command) -> (i32, String) {
        match command {
            Command::Docker(argv) => self.netlings("docker", argv),
            Command::InContainer { container, argv } => {
                let mut args = vec!["exec".to_string(), container.clone()];
                args.extend(argv.iter().cloned());
                self.netlings("docker", &args)
            }
            Command::LabHost(argv) => {
                let mut args = vec![
                    "lab".to_string(),
                    "exec".to_string(),
                    self.lab.name.clone(),
                    "--".to_string(),
                ];
                args.extend(argv.iter().cloned());
                self.netlings("netlings", &args)
            }
            Command::Topology => match topology(&self.lab) {
                Ok(text) => (0, text),
                Err(e) => (1, format!("{e}\n")),
            },
        }
    }

    /// `root@<short id>:<workdir>#`, the prompt a shell in the container shows.
    pub fn prompt(&self, container: &str) -> String {
        let req = Request::Inspect {
            name: container.to_string(),
            kind: Some("container".into()),
        };
        match client::call(&self.lab, &req, &[]) {
            Ok((Ok(v), _)) => {
                let host = v["Config"]["Hostname"].as_str().unwrap_or(container);
                let dir = v["Config"]["WorkingDir"]
                    .as_str()
                    .filter(|d| !d.is_empty())
                    .unwrap_or("/");
                format!("root@{host}:{dir}#")
            }
            _ => format!("root@{container}:/#"),
        }
    }

    /// Evaluates one check; Err says what was expected and what happened.
    pub fn check(&self, check: &Check, code: i32, output: &str) -> Result<(), String> {
        match check {
            Check::ExitStatus(want) => (code == *want)
                .then_some(())
                .ok_or_else(|| format!("expected exit status {want}, got {code}")),
            Check::Contains(text) => output
                .contains(text.as_str())
                .then_some(())
                .ok_or_else(|| format!("the output does not contain {text:?}")),
            Check::NotContains(text) => (!output.contains(text.as_str()))
                .then_some(())
                .ok_or_else(|| format!("the output contains {text:?}")),
            Check::Matches(glob) => format::output_matches(glob, output)
                .then_some(())
                .ok_or_else(|| format!("the output does not match {glob:?}")),
            Check::JsonEquals { path, value } => {
                let json: serde_json::Value = serde_json::from_str(output)
                    .map_err(|e| format!("the output is not JSON: {e}"))?;
                match format::json_path(&json, path) {
                    Some(v) if v == value => Ok(()),
                    Some(v) => Err(format!("{path} is {v}, expected {value}")),
                    None => Err(format!("{path} is missing")),
                }
            }
            Check::Reach {
                from,
                to,
                port,
                expect,
            } => {
                let port_text = port.to_string();
                let (c, out) = self.docker(&["exec", from, "nc", "-z", "-w", "1", to, &port_text]);
                match (c == 0, expect) {
                    (true, true) | (false, false) => Ok(()),
                    (false, true) => {
                        Err(format!("{from} cannot reach {to}:{port}: {}", out.trim()))
                    }
                    (true, false) => Err(format!("{from} can reach {to}:{port}, but should not")),
                }
            }
            Check::Resolves { name, from, expect } => {
                let (c, _) = self.docker(&["exec", from, "nslookup", name]);
                match (c == 0, expect) {
                    (true, true) | (false, false) => Ok(()),
                    (false, true) => Err(format!("{name} does not resolve from {from}")),
                    (true, false) => Err(format!("{name} resolves from {from}, but should not")),
                }
            }
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = daemon::stop(&self.lab);
        signal_guard::forget(&self.lab);
    }
}

/// Drop does not run when the process dies of a signal, so Ctrl-C, a closed
/// terminal or `kill` would leave a lesson's lab running. One thread takes
/// those signals (blocked everywhere else) and removes the labs in use.
pub mod signal_guard {
    use crate::lab::{daemon, Lab};
    use nix::sys::signal::{SigSet, Signal};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Mutex, Once};

    static LABS: Mutex<Vec<String>> = Mutex::new(Vec::new());
    static STARTED: Once = Once::new();
    /// While the learner's own shell runs, Ctrl-C is the shell's business.
    pub static SHELL_OPEN: AtomicBool = AtomicBool::new(false);

    fn signals() -> SigSet {
        let mut set = SigSet::empty();
        for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
            set.add(s);
        }
        set
    }

    pub fn watch(lab: &Lab) {
        STARTED.call_once(|| {
            // Threads inherit the mask: block before any other is spawned
            // (commands run as children get std's cleared mask).
            if signals().thread_block().is_err() {
                return;
            }
            let terminal = nix::sys::termios::tcgetattr(std::io::stdin()).ok();
            std::thread::spawn(move || loop {
                let Ok(sig) = signals().wait() else { return };
                if sig == Signal::SIGINT && SHELL_OPEN.load(Ordering::SeqCst) {
                    continue;
                }
                if let Some(t) = &terminal {
                    let stdin = std::io::stdin();
                    let _ =
                        nix::sys::termios::tcsetattr(&stdin, nix::sys::termios::SetArg::TCSANOW, t);
                }
                let names = std::mem::take(&mut *LABS.lock().unwrap_or_else(|e| e.into_inner()));
                for name in names {
                    if let Ok(lab) = Lab::new(&name) {
                        let _ = daemon::stop(&lab);
                    }
                }
                eprintln!();
                std::process::exit(128 + sig as i32);
            });
        });
        LABS.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(lab.name.clone());
    }

    pub fn forget(lab: &Lab) {
        LABS.lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|n| *n != lab.name);
    }
}

/// Runs a command with stdout and stderr on one pipe, as a terminal interleaves them.
fn run_merged(mut cmd: std::process::Command) -> (i32, String) {
    let (mut reader, writer) = match std::io::pipe() {
        Ok(p) => p,
        Err(e) => return (126, e.to_string()),
    };
    let err_writer = match writer.try_clone() {
        Ok(w) => w,
        Err(e) => return (126, e.to_string()),
    };
    cmd.stdin(std::process::Stdio::null())
        .stdout(writer)
        .stderr(err_writer);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return (126, e.to_string()),
    };
    // The command holds the only write ends now; ours went into `cmd`.
    drop(cmd);
    let mut out = Vec::new();
    let _ = reader.read_to_end(&mut out);
    let code = child.wait().ok().and_then(|s| s.code()).unwrap_or(128);
    (code, String::from_utf8_lossy(&out).into_owned())
}

/// The lab drawn as boxes (see `topology.rs`).
pub fn topology(lab: &Lab) -> Result<String, String> {
    use super::topology::{render, TopoContainer, TopoNetwork};
    let v = match client::call(lab, &Request::Topology, &[])? {
        (Ok(v), _) => v,
        (Err(e), _) => return Err(e.message),
    };
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let networks: Vec<TopoNetwork> = v["networks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| TopoNetwork {
            name: s(&n["name"]),
            subnet: s(&n["subnet"]),
            gateway: s(&n["gateway"]),
            bridge: s(&n["bridge"]),
        })
        .collect();
    let containers: Vec<TopoContainer> = v["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| TopoContainer {
            name: s(&c["name"]),
            endpoints: c["endpoints"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| (s(&e[0]), s(&e[1]), s(&e[2])))
                .collect(),
            published: c["published"]
                .as_array()
                .into_iter()
                .flatten()
                .map(s)
                .collect(),
        })
        .collect();
    Ok(render(&networks, &containers))
}

/// What happened in one step, for the transcript and the exit status.
pub struct StepResult {
    pub output: String,
    pub code: i32,
    /// (check as written, failure reason if it failed)
    pub checks: Vec<(String, Option<String>)>,
}

impl StepResult {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|(_, f)| f.is_none())
    }
}

pub fn run_step(session: &Session, step: &Step) -> StepResult {
    let (code, output) = session.run(&step.command);
    let checks = step
        .checks
        .iter()
        .map(|c| (c.to_string(), session.check(c, code, &output).err()))
        .collect();
    StepResult {
        output,
        code,
        checks,
    }
}

fn heading(n: usize, total: usize, title: &str) -> String {
    format!("── step {n}/{total}: {title} ")
}

/// Writes a step as the learner sees it: narrative, command, output, checks.
fn write_step(
    out: &mut String,
    session: &Session,
    step: &Step,
    n: usize,
    total: usize,
    result: Option<&StepResult>,
) {
    out.push_str(&format!("{}\n\n", heading(n, total, &step.title)));
    if !step.narrative.trim().is_empty() {
        out.push_str(step.narrative.trim_end());
        out.push_str("\n\n");
    }
    out.push_str(&format::render_command(&step.command, |c| {
        session.prompt(c)
    }));
    out.push('\n');
    if let Some(r) = result {
        out.push_str(&r.output);
        if !r.output.is_empty() && !r.output.ends_with('\n') {
            out.push('\n');
        }
        // A shell would not say it, but the status is part of the lesson.
        if r.code != 0 {
            out.push_str(&format!("[exit status {}]\n", r.code));
        }
        for (check, failure) in &r.checks {
            match failure {
                None => out.push_str(&format!("✔ {check}\n")),
                Some(why) => out.push_str(&format!("✘ {check}: {why}\n")),
            }
        }
        out.push('\n');
    }
}

/// The whole lesson, unattended, as plain text: what snapshots hold.
/// Err if a step's checks fail (the text up to there comes with it).
pub fn transcript(lesson: &Lesson, lab: Option<&str>) -> Result<String, (String, String)> {
    let session = Session::start(lesson, lab).map_err(|e| (String::new(), e))?;
    let mut out = format!("# {}\n\n", lesson.title);
    if !lesson.intro.trim().is_empty() {
        out.push_str(lesson.intro.trim_end());
        out.push_str("\n\n");
    }
    let total = lesson.steps.len();
    for (i, step) in lesson.steps.iter().enumerate() {
        let mut result = run_step(&session, step);
        // HTTP headers end in CRLF; a transcript is plain text (and insta
        // stores snapshots with LF line ends).
        result.output = mask_round_trip_times(&result.output).replace("\r\n", "\n");
        write_step(&mut out, &session, step, i + 1, total, Some(&result));
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
    let tty = std::io::stdout().is_terminal();
    colored::control::set_override(tty && std::env::var_os("NO_COLOR").is_none());
    let session = match Session::start(lesson, opts.lab.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
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
        // Keys pressed while the lab started (or cargo built) are not
        // answers to the first prompt.
        let _ = nix::sys::termios::tcflush(std::io::stdin(), nix::sys::termios::FlushArg::TCIFLUSH);
    }
    println!("{}\n", format!("# {}", lesson.title).bold());
    if from == 1 && !lesson.intro.trim().is_empty() {
        println!("{}\n", lesson.intro.trim_end());
    }
    let mut skipped = false;
    for (i, step) in lesson.steps.iter().enumerate() {
        let n = i + 1;
        if n < from {
            // Rebuild the state silently; a failure here is still a failure.
            let r = run_step(&session, step);
            if !r.passed() {
                eprintln!("{}", failure_line(lesson, n, step, &r).red());
                return 1;
            }
            continue;
        }
        println!("{}", heading(n, total, &step.title).bold().blue());
        println!();
        if !step.narrative.trim().is_empty() {
            println!("{}\n", step.narrative.trim_end());
        }
        println!(
            "{}",
            format::render_command(&step.command, |c| session.prompt(c))
                .cyan()
                .bold()
        );
        if !opts.auto {
            match ask(step) {
                Key::Run => {}
                Key::Skip => {
                    println!("{}\n", "(skipped)".dimmed());
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
        print!("{}", r.output);
        if !r.output.is_empty() && !r.output.ends_with('\n') {
            println!();
        }
        for (check, failure) in &r.checks {
            match failure {
                None => println!("{}", format!("✔ {check}").green()),
                Some(why) => println!("{}", format!("✘ {check}: {why}").red()),
            }
        }
        println!();
        if !r.passed() {
            let line = failure_line(lesson, n, step, &r);
            if opts.auto {
                eprintln!("{}", line.red());
                return 1;
            }
            println!(
                "{}",
                "This step did not go as the lesson expects; you can carry on or quit.".yellow()
            );
        }
        if let (true, Some(p)) = (opts.auto, opts.pace) {
            std::thread::sleep(std::time::Duration::from_secs_f64(p.max(0.0)));
        }
    }
    if !skipped && from == 1 {
        super::progress::mark_done(&lesson.id);
    }
    println!("{}", format!("Lesson {} done.", lesson.id).green().bold());
    if let Some(shell) = opts.shell {
        println!("A shell on this lab's Docker host: `docker ...` works; exit to end the lesson.");
        signal_guard::SHELL_OPEN.store(true, std::sync::atomic::Ordering::SeqCst);
        return shell(&session.lab);
    }
    0
}

enum Key {
    Run,
    Skip,
    Quit,
}

/// Enter runs, `s` skips, `q` quits, `h` shows the hint.
fn ask(step: &Step) -> Key {
    let stdin = std::io::stdin();
    loop {
        print!(
            "{}",
            "[Enter] run  [s] skip  [h] hint  [q] quit > ".dimmed()
        );
        let _ = std::io::stdout().flush();
        let line = match read_key() {
            Some(k) => {
                println!();
                k.to_string()
            }
            None => {
                let mut line = String::new();
                if stdin.lock().read_line(&mut line).unwrap_or(0) == 0 {
                    return Key::Quit;
                }
                line
            }
        };
        match line.trim() {
            "" => return Key::Run,
            "s" => return Key::Skip,
            "q" => return Key::Quit,
            "h" => match &step.hint {
                Some(h) => println!("{}", format!("hint: {h}").yellow()),
                None => println!("(this step has no hint)"),
            },
            other => println!("unknown key {other:?}"),
        }
    }
}

/// One keypress, without waiting for Enter, when stdin is a terminal;
/// None otherwise (then a line is read).
fn read_key() -> Option<char> {
    use nix::sys::termios::{tcgetattr, tcsetattr, LocalFlags, SetArg};
    let stdin = std::io::stdin();
    let saved = tcgetattr(&stdin).ok()?;
    let mut raw = saved.clone();
    raw.local_flags &= !(LocalFlags::ICANON | LocalFlags::ECHO);
    tcsetattr(&stdin, SetArg::TCSANOW, &raw).ok()?;
    let mut byte = [0u8; 1];
    let read = std::io::Read::read(&mut stdin.lock(), &mut byte);
    let _ = tcsetattr(&stdin, SetArg::TCSANOW, &saved);
    match (read, byte[0]) {
        (Ok(1), b'\r') => Some('\n'),
        // Ctrl-D or a closed terminal quits.
        (Ok(1), 4) | (Ok(0), _) | (Err(_), _) => Some('q'),
        (Ok(_), b) => Some(b as char),
    }
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
