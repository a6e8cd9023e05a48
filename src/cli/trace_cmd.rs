//! `netlings trace -- COMMAND`: runs a netlings command while `capture
//! all` records every interface of the lab, then explains its packets
//! flow by flow, hop by hop (see `src/trace`).

use super::lab_access::{ensure_lab, fail};
use crate::capture::lab::Iface;
use crate::inspect::Topology;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

#[derive(clap::Args, Debug)]
pub struct TraceArgs {
    /// Then draw the lab, each interface and bridge a flow crossed marked
    /// with the flows' numbers.
    #[arg(long)]
    pub picture: bool,
    /// The netlings command to trace, e.g. `exec web wget -qO- http://db/`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// Containers of both readings, so names made or removed by the command
/// are known.
fn merged(before: Topology, after: Topology) -> Topology {
    let mut t = after;
    for c in before.containers {
        if !t.containers.iter().any(|o| o.name == c.name) {
            t.containers.push(c);
        }
    }
    for n in before.networks {
        if !t.networks.iter().any(|o| o.name == n.name) {
            t.networks.push(n);
        }
    }
    t
}

pub fn trace(args: TraceArgs, lab_flag: Option<&str>) -> i32 {
    let lab = match ensure_lab(lab_flag) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return fail(&format!("trace: {e}")),
    };
    let before = match crate::lesson::session::topology_data(&lab) {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let file = std::env::temp_dir().join(format!("netlings-trace-{}.pcapng", std::process::id()));
    // Packets are private: the capture writes into a file only we can read.
    {
        use std::os::unix::fs::OpenOptionsExt;
        if let Err(e) = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&file)
        {
            return fail(&format!("trace: {}: {e}", file.display()));
        }
    }
    let mut capture = match Command::new(&exe)
        .args([
            "--lab",
            &lab.name,
            "capture",
            "all",
            "-s",
            "2048",
            "--ifaces-json",
            "-w",
        ])
        .arg(&file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return fail(&format!("trace: cannot start the capture: {e}")),
    };
    let mut err = BufReader::new(capture.stderr.take().expect("piped stderr"));
    let (mut listening, mut json) = (String::new(), String::new());
    let _ = err.read_line(&mut listening);
    let _ = err.read_line(&mut json);
    let ifaces: Vec<Iface> = match serde_json::from_str(&json) {
        Ok(i) if listening.starts_with("listening on ") => i,
        _ => {
            let _ = capture.wait();
            let _ = std::fs::remove_file(&file);
            let why = if listening.is_empty() {
                json
            } else {
                listening
            };
            return fail(&format!("trace: the capture did not start: {}", why.trim()));
        }
    };
    let code = Command::new(&exe)
        .args(&args.command)
        .env("NETLINGS_LAB", &lab.name)
        .status()
        .map(|s| s.code().unwrap_or(128))
        .unwrap_or(127);
    // The capture reads what its sockets still hold when told to stop.
    let pid = nix::unistd::Pid::from_raw(capture.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT);
    let mut rest = String::new();
    let _ = err.read_to_string(&mut rest);
    let status = capture.wait();
    let read = crate::capture::pcapng::read(&file);
    let _ = std::fs::remove_file(&file);
    let seen = match (status, read) {
        (Ok(s), Ok((_, seen))) if s.success() => seen,
        (_, Err(e)) => return fail(&format!("trace: {e}")),
        _ => return fail(&format!("trace: the capture failed: {}", rest.trim())),
    };
    // The interfaces again, with those that appeared while it ran (a
    // container the command started), numbered as in the file.
    let ifaces: Vec<Iface> = rest
        .lines()
        .filter(|l| l.starts_with('['))
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or(ifaces);
    let after = crate::lesson::session::topology_data(&lab).unwrap_or_else(|_| before.clone());
    let appeared: Option<Topology> = rest
        .lines()
        .filter(|l| l.starts_with('{'))
        .find_map(|l| serde_json::from_str(l).ok());
    let mut topology = merged(before, after);
    // Containers the command started and removed are named too.
    if let Some(a) = appeared {
        topology = merged(a, topology);
    }
    let lab_view = crate::trace::Lab::new(&ifaces, &topology);
    // After a blank line: the command's output may not end with a newline.
    println!("\n── trace of `{}`", args.command.join(" "));
    let (text, paths) = crate::trace::trace_with_paths(&lab_view, &seen);
    print!("{text}");
    if args.picture {
        let m = crate::trace::marked(&topology, &paths);
        let width = crate::lesson::topology::terminal_width();
        println!();
        print!(
            "{}",
            crate::lesson::topology::render_fit(&m.networks, &m.containers, width)
        );
    }
    code
}
