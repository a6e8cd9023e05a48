//! `netlings capture TARGET`: live lines or a pcapng file of a lab's
//! packets (see `src/capture`).

use super::lab_access::{ensure_lab, fail};
use crate::capture::{self, filter, lab, pcapng};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct CaptureArgs {
    /// An interface of the lab host (docker0, br-..., veth...), a
    /// container (all its interfaces) or one of its interfaces
    /// (flappy:eth1), or `all`.
    pub target: String,
    /// Write the packets to FILE as pcapng instead of printing them.
    #[arg(short = 'w', value_name = "FILE")]
    pub write: Option<PathBuf>,
    /// Stop after N packets.
    #[arg(short = 'c', value_name = "N")]
    pub count: Option<u64>,
    /// Only packets that match: host H, port N, tcp, udp, icmp, icmp6, arp,
    /// combined with and, or, not and parentheses.
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
    /// Bytes kept of each packet.
    #[arg(short = 's', value_name = "SNAPLEN", default_value_t = 262144)]
    pub snaplen: usize,
    /// For `trace`: the interfaces as JSON on stderr, after `listening on`
    /// and again (with those that appeared) before the counts.
    #[arg(long, hide = true)]
    pub ifaces_json: bool,
}

/// Socket buffer per interface: room for bursts while we write.
const RCVBUF: usize = 32 << 20;

pub fn capture(args: CaptureArgs, lab_flag: Option<&str>) -> i32 {
    let lab = match ensure_lab(lab_flag) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    if args.snaplen < 64 {
        return fail("capture: -s must be at least 64 bytes");
    }
    if args.count == Some(0) {
        return fail("capture: -c must be at least 1");
    }
    // Made before joining the lab's user namespace, as the user.
    let file = match &args.write {
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Some(f),
            Err(e) => return fail(&format!("capture: {}: {e}", p.display())),
        },
        None => None,
    };
    let mut opened = match lab::open(&lab, &args.target, RCVBUF, args.snaplen) {
        Ok(o) => o,
        Err(e) => {
            remove_unwritten(&args.write);
            return fail(&e);
        }
    };
    let filter = match args
        .filter
        .as_deref()
        .map(|f| filter::parse(f, &opened.names))
    {
        Some(Err(e)) => {
            remove_unwritten(&args.write);
            return fail(&format!("capture: {e}"));
        }
        Some(Ok(f)) => Some(f),
        None => None,
    };
    let write = match file {
        Some(f) => match pcapng::Writer::new(f, &opened.ifaces, args.snaplen) {
            Ok(w) => Some(w),
            Err(e) => return fail(&format!("capture: {e}")),
        },
        None => None,
    };
    let labels: Vec<&str> = opened.ifaces.iter().map(|i| i.label.as_str()).collect();
    eprintln!(
        "listening on {} (lab {}), snapshot length {} bytes",
        labels.join(", "),
        lab.name,
        args.snaplen
    );
    if args.ifaces_json {
        eprintln!(
            "{}",
            serde_json::to_string(&opened.ifaces).unwrap_or_default()
        );
    }
    let opts = capture::Options {
        count: args.count,
        filter,
        snaplen: args.snaplen,
        write,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match capture::run(&mut opened, opts, &mut out, &|| false) {
        Ok(c) => {
            if args.ifaces_json {
                // With those that appeared meanwhile, in the file's order.
                eprintln!(
                    "{}",
                    serde_json::to_string(&opened.ifaces).unwrap_or_default()
                );
                // And the containers that appeared, which may be gone now.
                let appeared = crate::inspect::Topology {
                    networks: Vec::new(),
                    containers: opened.follow.appeared.clone(),
                };
                eprintln!("{}", serde_json::to_string(&appeared).unwrap_or_default());
            }
            eprintln!("{} packets captured", c.captured);
            eprintln!("{} packets dropped by kernel", c.dropped);
            0
        }
        Err(e) => fail(&format!("capture: {e}")),
    }
}

/// A -w file made for a capture that never started is not left behind.
fn remove_unwritten(path: &Option<PathBuf>) {
    if let Some(p) = path {
        let _ = std::fs::remove_file(p);
    }
}
