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
    match call(lab, Request::Create { spec }, &[]) {
        Ok((Response::Created { id }, _)) => {
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
    let mut tail = a.tail.as_deref().and_then(|t| t.parse::<usize>().ok());
    let mut after = 0;
    let mut stopped_seen = false;
    loop {
        let req = Request::Logs {
            container: a.container.clone(),
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
                print_log_lines(&lines, a.timestamps);
                after = next;
                running
            }
            Ok((other, _)) => return fail(&other.unexpected().message),
            Err(e) if e.is_not_found() => return fail(&format!("Error: {}", e.message)),
            Err(e) => return fail(&daemon_error(&e)),
        };
        if !a.follow || stopped_seen {
            return 0;
        }
        // Once it has stopped, one more read takes what its last moment
        // wrote into the pipes.
        stopped_seen = !running;
        std::thread::sleep(Duration::from_millis(if running { 100 } else { 50 }));
    }
}

fn print_log_lines(lines: &[crate::engine::logs::LogLine], timestamps: bool) {
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    for l in lines {
        let w: &mut dyn Write = if l.stream == 2 { &mut err } else { &mut out };
        if timestamps {
            let _ = write!(w, "{} ", crate::engine::ids::rfc3339(i128::from(l.time_ns)));
        }
        let _ = w.write_all(l.text.as_bytes());
    }
    let _ = out.flush();
}
