//! Container commands beyond the tutorials' path: `create`, `kill`,
//! `rename`, `wait`, `container prune`, each printing what Docker 20.10's
//! client prints.

use super::docker_cmd::run_spec;
use super::lab_access::{call, daemon_error, fail};
use crate::engine::api::{Request, Response};
use crate::lab::Lab;
use std::io::{BufRead, Write};
use std::time::Duration;

/// `docker create`: the id, or the daemon's error (exit 1: unlike `run`,
/// Docker's client does not prefix it or add a help line).
pub(super) fn create(lab: &Lab, a: super::RunArgs) -> i32 {
    let spec = match run_spec(&a, "create") {
        Ok(s) => s,
        Err(code) => return code,
    };
    let warnings =
        crate::engine::validate::create_warnings(spec.network.as_deref(), !spec.publish.is_empty());
    match call(lab, Request::Create { spec }, &[]) {
        Ok((Response::Created { id }, _)) => {
            super::docker_cmd::print_warnings(&warnings);
            println!("{id}");
            0
        }
        Ok((other, _)) => fail(&other.unexpected().message),
        Err(e) => fail(&daemon_error(&e)),
    }
}

/// `docker kill [-s SIGNAL] CONTAINER...`: each name on success.
pub(super) fn kill(lab: &Lab, a: super::KillArgs) -> i32 {
    let mut code = 0;
    for name in &a.containers {
        let req = Request::Kill {
            container: name.clone(),
            signal: a.signal.clone(),
        };
        match call(lab, req, &[]) {
            Ok(_) => println!("{name}"),
            Err(e) => {
                eprintln!("{}", daemon_error(&e));
                code = 1;
            }
        }
    }
    code
}

pub(super) fn rename(lab: &Lab, container: String, new_name: String) -> i32 {
    let req = Request::Rename {
        container: container.clone(),
        name: new_name,
    };
    match call(lab, req, &[]) {
        Ok(_) => 0,
        Err(e) => {
            eprintln!("{}", daemon_error(&e));
            fail(&format!(
                "Error: failed to rename container named {container}"
            ))
        }
    }
}

/// `docker wait CONTAINER...`: each exit code once it has stopped.
pub(super) fn wait(lab: &Lab, containers: &[String]) -> i32 {
    let mut code = 0;
    for name in containers {
        match call(
            lab,
            Request::Wait {
                container: name.clone(),
            },
            &[],
        ) {
            Ok((Response::Exited { exit_code }, _)) => println!("{exit_code}"),
            Ok((other, _)) => code = fail(&other.unexpected().message),
            Err(e) => code = fail(&daemon_error(&e)),
        }
    }
    code
}

/// `docker container prune [-f]`, with Docker's question unless forced.
pub(super) fn prune(lab: &Lab, force: bool) -> i32 {
    if !force {
        print!("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        // Declined, Docker's client still reports what it reclaimed.
        if !matches!(answer.trim(), "y" | "Y") {
            println!("Total reclaimed space: 0B");
            return 0;
        }
    }
    match call(lab, Request::ContainerPrune, &[]) {
        Ok((Response::Deleted { ids }, _)) => {
            if !ids.is_empty() {
                println!("Deleted Containers:");
                for id in &ids {
                    println!("{id}");
                }
                println!();
            }
            // Layers live on the lab's tmpfs; Docker counts its image
            // layers' bytes, which a lab does not have.
            println!("Total reclaimed space: 0B");
            0
        }
        Ok((other, _)) => fail(&other.unexpected().message),
        Err(e) => fail(&daemon_error(&e)),
    }
}

/// `docker logs [-f] [--tail N] [-t]`: stdout's lines on stdout, stderr's
/// on stderr; `-f` follows until the container stops.
pub(super) fn logs(lab: &Lab, a: super::LogsArgs) -> i32 {
    // Docker's daemon reads a tail it cannot parse as "all".
    let tail = a.tail.as_deref().and_then(|t| t.parse::<usize>().ok());
    // Docker's client turns --since and --until into times itself.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128);
    let mut window = LogWindow {
        details: a.details,
        ..LogWindow::default()
    };
    for (flag, value, bound) in [
        ("since", &a.since, &mut window.since_ns),
        ("until", &a.until, &mut window.until_ns),
    ] {
        if let Some(v) = value {
            match crate::gotext::docker_time_ns(v, now) {
                Ok(t) => *bound = Some(t),
                Err(e) => return fail(&format!("invalid value for \"{flag}\": {e}")),
            }
        }
    }
    stream_logs(lab, &a.container, 0, tail, a.timestamps, a.follow, &window)
}

/// `logs --since/--until/--details`: which lines, and how they are shown.
#[derive(Default)]
struct LogWindow {
    /// Lines from this time on and up to `until_ns`, both included.
    since_ns: Option<i128>,
    until_ns: Option<i128>,
    /// Each line after a space: the (empty) attributes Docker shows.
    details: bool,
}

impl LogWindow {
    fn holds(&self, time_ns: i128) -> bool {
        self.since_ns.is_none_or(|s| time_ns >= s) && self.until_ns.is_none_or(|u| time_ns <= u)
    }
}

/// `docker start -a CONTAINER`: its output from this start on, until it
/// exits, and its exit code (the engine keeps the output; this follows it).
pub(super) fn start_attached(lab: &Lab, containers: &[String]) -> i32 {
    let [name] = containers else {
        return fail("you cannot start and attach multiple containers at once");
    };
    // Where its log stands: what this start prints comes after.
    let after = match call(
        lab,
        Request::Logs {
            container: name.clone(),
            after: 0,
            tail: Some(0),
        },
        &[],
    ) {
        Ok((Response::Logs { next, .. }, _)) => next,
        Ok((other, _)) => return fail(&other.unexpected().message),
        Err(e) if e.is_not_found() => return fail(&format!("Error: {}", e.message)),
        Err(e) => return fail(&daemon_error(&e)),
    };
    if let Err(e) = call(
        lab,
        Request::Start {
            container: name.clone(),
        },
        &[],
    ) {
        return fail(&daemon_error(&e));
    }
    let code = stream_logs(lab, name, after, None, false, true, &LogWindow::default());
    if code != 0 {
        return code;
    }
    match call(
        lab,
        Request::Wait {
            container: name.clone(),
        },
        &[],
    ) {
        Ok((Response::Exited { exit_code }, _)) => exit_code,
        Ok((other, _)) => fail(&other.unexpected().message),
        Err(e) => fail(&daemon_error(&e)),
    }
}

/// Prints a container's log from position `after` (its last `tail`
/// lines), following it until the container stops if `follow`.
fn stream_logs(
    lab: &Lab,
    container: &str,
    mut after: u64,
    mut tail: Option<usize>,
    timestamps: bool,
    follow: bool,
    window: &LogWindow,
) -> i32 {
    let mut stopped_seen = false;
    loop {
        let req = Request::Logs {
            container: container.to_string(),
            after,
            tail: tail.take(),
        };
        let running = match call(lab, req, &[]) {
            Ok((
                Response::Logs {
                    lines,
                    next,
                    running,
                },
                _,
            )) => {
                print_log_lines(&lines, timestamps, window);
                after = next;
                running
            }
            Ok((other, _)) => return fail(&other.unexpected().message),
            Err(e) if e.is_not_found() => return fail(&format!("Error: {}", e.message)),
            Err(e) => return fail(&daemon_error(&e)),
        };
        // Following ends at --until, as Docker's does.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        if !follow || stopped_seen || window.until_ns.is_some_and(|u| u < now) {
            return 0;
        }
        // Once it has stopped, one more read takes what its last moment
        // wrote into the pipes.
        stopped_seen = !running;
        std::thread::sleep(Duration::from_millis(if running { 100 } else { 50 }));
    }
}

fn print_log_lines(lines: &[crate::engine::logs::LogLine], timestamps: bool, window: &LogWindow) {
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    for l in lines.iter().filter(|l| window.holds(i128::from(l.time_ns))) {
        let w: &mut dyn Write = if l.stream == 2 { &mut err } else { &mut out };
        if timestamps {
            let _ = write!(w, "{} ", crate::engine::ids::rfc3339(i128::from(l.time_ns)));
        }
        if window.details {
            let _ = w.write_all(b" ");
        }
        let _ = w.write_all(l.text.as_bytes());
    }
    let _ = out.flush();
}
