//! `netlings capture`: packets on a lab's interfaces, read by AF_PACKET
//! sockets inside its namespaces (no tcpdump needed), printed one line per
//! packet in tcpdump's shape with the lab's names, or written as pcapng
//! with every interface described.
//!
//! `decode` and `filter` are pure; `socket` holds the system calls; `lab`
//! finds and opens a lab's interfaces; `pcapng` writes files.

pub mod decode;
pub mod filter;
pub mod follow;
pub mod lab;
pub mod pcapng;
pub mod socket;

use decode::Names;
use filter::Filter;
use lab::{Iface, Opened};
use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What to do with the packets.
pub struct Options {
    /// Stop after this many packets (those the filter lets through).
    pub count: Option<u64>,
    pub filter: Option<Filter>,
    /// Bytes kept of each frame.
    pub snaplen: usize,
    /// Write pcapng here instead of printing lines.
    pub write: Option<pcapng::Writer>,
}

/// A packet as it was seen: on which interface, which way, when.
#[derive(Debug, Clone)]
pub struct Seen {
    pub iface: usize,
    pub outgoing: bool,
    pub time: Duration,
    pub orig_len: usize,
    pub data: Vec<u8>,
}

/// The counts tcpdump prints at the end.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub captured: u64,
    /// Frames the kernel dropped because we did not read fast enough.
    pub dropped: u64,
}

/// How long a frame waits for earlier ones from other interfaces.
const HOLD_BACK: Duration = Duration::from_millis(50);

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// SIGINT and SIGTERM end the capture; poll sees EINTR at once. A parent
/// that blocks them (a lesson does) passes its mask on, so they are
/// unblocked here.
fn stop_on_signals() {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
    let act = SigAction::new(
        SigHandler::Handler(on_stop),
        SaFlags::empty(),
        SigSet::empty(),
    );
    let mut set = SigSet::empty();
    for s in [Signal::SIGINT, Signal::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is
        // async-signal-safe.
        let _ = unsafe { sigaction(s, &act) };
        set.add(s);
    }
    let _ = set.thread_unblock();
}

/// `HH:MM:SS.micros` in local time, as tcpdump prints it.
pub fn clock(t: Duration) -> String {
    let secs = t.as_secs() as libc::time_t;
    // SAFETY: tm is plain data; localtime_r fills it from a valid time_t.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&secs, &mut tm);
        tm
    };
    format!(
        "{:02}:{:02}:{:02}.{:06}",
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        t.subsec_micros()
    )
}

/// One printed line: time, interface, direction, summary.
pub fn line(s: &Seen, ifaces: &[Iface], names: &Names) -> String {
    let d = decode::decode(&s.data);
    format!(
        "{} {} {} {}",
        clock(s.time),
        ifaces[s.iface].label,
        if s.outgoing { "Out" } else { "In " },
        decode::summary(&d, names)
    )
}

/// Reads one socket's frames (at most `max`) into `held`.
fn read_into(
    held: &mut Vec<Seen>,
    iface: usize,
    fd: &OwnedFd,
    loopback: bool,
    filter: &Option<Filter>,
    buf: &mut [u8],
    max: usize,
) -> std::io::Result<()> {
    for _ in 0..max {
        let Some(r) = socket::recv(fd.as_raw_fd(), buf)? else {
            break;
        };
        // On loopback a frame is seen leaving and arriving; tcpdump shows
        // it once, as it arrives.
        if r.outgoing && loopback {
            continue;
        }
        let data = &buf[..r.len];
        if let Some(f) = filter {
            if !f.matches(&decode::decode(data)) {
                continue;
            }
        }
        held.push(Seen {
            iface,
            outgoing: r.outgoing,
            time: r.time,
            orig_len: r.orig_len,
            data: data.to_vec(),
        });
    }
    Ok(())
}

/// Reads until a signal, `count`, or `until` says stop; prints lines or
/// writes the file. Interfaces that appear meanwhile are added to
/// `lab.ifaces` (and described in the file) as they are opened.
pub fn run(
    lab: &mut Opened,
    mut opts: Options,
    out: &mut dyn Write,
    until: &dyn Fn() -> bool,
) -> std::io::Result<Counts> {
    stop_on_signals();
    let mut counts = Counts::default();
    let mut buf = vec![0u8; opts.snaplen.max(64)];
    let mut held: Vec<Seen> = Vec::new();
    'outer: while !STOP.load(Ordering::SeqCst) && !until() {
        let extra = lab.follow.fds();
        let mut pfds: Vec<libc::pollfd> = lab
            .live
            .iter()
            .map(|(_, f)| f.as_raw_fd())
            .chain(extra.iter().copied())
            .map(|fd| libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        // SAFETY: pfds is a live array of pollfd of the length given.
        let n = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, 20) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        for (p, (k, fd)) in pfds.iter().zip(&lab.live) {
            if p.revents != 0 {
                // Bounded bites, so one busy interface does not starve
                // the others.
                let lo = lab.ifaces[*k].loopback;
                read_into(&mut held, *k, fd, lo, &opts.filter, &mut buf, 256)?;
            }
        }
        let mut rescan = false;
        for p in &pfds[lab.live.len()..] {
            if p.revents != 0 {
                rescan |= lab.follow.on_ready(p.fd)?;
            }
        }
        // Containers that appeared are named by their addresses.
        for c in &lab.follow.appeared {
            for e in &c.endpoints {
                if let Ok(ip) = e.ip.parse() {
                    // The newest holder of an address is its name.
                    lab.names.insert(ip, c.name.clone());
                }
            }
        }
        if rescan {
            let (added, dropped) = lab.follow.rescan(&mut lab.ifaces, &mut lab.live)?;
            counts.dropped += dropped;
            if let Some(w) = &mut opts.write {
                for k in added {
                    w.interface(&lab.ifaces[k])?;
                }
            }
        }
        lab.follow.acknowledge();
        // Sockets are read one after another, so frames are held back a
        // moment and put in time order across interfaces before they go.
        held.sort_by_key(|s| s.time);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let ripe = held.partition_point(|s| s.time + HOLD_BACK <= now);
        for seen in held.drain(..ripe) {
            emit(&seen, &mut opts.write, out, &lab.ifaces, &lab.names)?;
            counts.captured += 1;
            if opts.count.is_some_and(|c| counts.captured >= c) {
                break 'outer;
            }
        }
        out.flush()?;
    }
    // Stopped: what the sockets still hold is read (a command just
    // finished has sent its last packets), then everything held goes out
    // (unless -c was reached).
    for (k, fd) in &lab.live {
        let lo = lab.ifaces[*k].loopback;
        read_into(&mut held, *k, fd, lo, &opts.filter, &mut buf, usize::MAX)?;
    }
    held.sort_by_key(|s| s.time);
    for seen in held {
        if opts.count.is_some_and(|c| counts.captured >= c) {
            break;
        }
        emit(&seen, &mut opts.write, out, &lab.ifaces, &lab.names)?;
        counts.captured += 1;
    }
    out.flush()?;
    for (_, f) in &lab.live {
        counts.dropped += socket::drops(f.as_raw_fd());
    }
    if let Some(w) = opts.write.take() {
        w.finish()?;
    }
    Ok(counts)
}

fn emit(
    seen: &Seen,
    write: &mut Option<pcapng::Writer>,
    out: &mut dyn Write,
    ifaces: &[Iface],
    names: &Names,
) -> std::io::Result<()> {
    match write {
        Some(w) => w.packet(seen),
        None => writeln!(out, "{}", line(seen, ifaces, names)),
    }
}
