//! Following the lab while a capture runs: interfaces that appear (a new
//! container's veth on the lab host and its eth0 and lo, a container's
//! eth1 after `network connect`) get sockets the moment they are seen.
//!
//! The lab host's links are watched by netlink notifications. A new
//! container's namespace comes from the engine, and this process cannot
//! ask the engine once it has joined a rootless lab's user namespace, so a
//! child forked before the join (the watcher) asks for it. The engine tells
//! the watcher of each start and holds the container's process until the
//! capture has opened its interfaces (`engine::start_gate`): the watcher
//! passes the namespace up the socket pair, with what the engine says of
//! the container (its addresses: names in the lines), and the capture
//! answers one byte once its sockets are open.

use super::lab::{describe, Iface};
use super::socket::{self, Link};
use crate::engine::api::{AnnouncedStart, Request, Response};
use crate::inspect::TopoContainer;
use crate::lab::{client, Lab};
use crate::sys::fdpass::{send_line, LineReader};
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// How long the watcher waits for the capture to open a new container's
/// interfaces: a little less than the engine waits for the watcher.
const ACK_WAIT: Duration = Duration::from_millis(1500);

/// A network namespace of the lab and its links as last read.
struct Space {
    /// None: the lab host.
    container: Option<String>,
    ns: OwnedFd,
    /// The namespace's (dev, inode): containers sharing one are one space.
    id: (u64, u64),
    links: Vec<Link>,
    /// Whether `links` needs reading again.
    stale: bool,
}

fn ns_id(fd: &OwnedFd) -> io::Result<(u64, u64)> {
    let st = nix::sys::stat::fstat(fd.as_fd()).map_err(io::Error::from)?;
    Ok((st.st_dev, st.st_ino))
}

/// Where an interface is: its space and index there.
type Key = (usize, u32);

/// The watcher child: its end of the socket pair and its pid.
struct Watcher {
    sock: OwnedFd,
    reader: LineReader,
    /// Namespaces received whose line has not all come yet.
    pending: Vec<OwnedFd>,
    /// Containers received whose interfaces are not acknowledged yet.
    to_ack: usize,
    pid: nix::unistd::Pid,
}

/// The lab's namespaces, which interfaces have sockets, and what tells of
/// new ones.
pub struct Follow {
    spaces: Vec<Space>,
    /// Per interface (by its number in the capture): where it is.
    at: Vec<Key>,
    /// Whether new interfaces are opened (`all`, or a container's name).
    target: Option<String>,
    notifications: Option<OwnedFd>,
    watcher: Option<Watcher>,
    /// Containers the watcher reported, as the engine described them.
    pub appeared: Vec<TopoContainer>,
    rcvbuf: usize,
    snaplen: usize,
}

impl Follow {
    /// The lab host's namespace and the containers' known now; `target`
    /// says which new interfaces to open (None: none).
    pub fn new(
        host: OwnedFd,
        containers: Vec<(String, OwnedFd)>,
        target: Option<String>,
        rcvbuf: usize,
        snaplen: usize,
    ) -> io::Result<Follow> {
        let mut f = Follow {
            spaces: Vec::new(),
            at: Vec::new(),
            notifications: None,
            watcher: None,
            appeared: Vec::new(),
            target,
            rcvbuf,
            snaplen,
        };
        f.add_space(None, host)?;
        for (c, ns) in containers {
            f.add_space(Some(c), ns)?;
        }
        if f.target.is_some() {
            f.notifications = Some(crate::sys::ns::run_in_netns(
                &f.spaces[0].ns,
                socket::link_notifications,
            )?);
        }
        Ok(f)
    }

    /// Hands the watcher (forked before the user namespace was joined)
    /// over.
    pub fn set_watcher(&mut self, sock: OwnedFd, pid: nix::unistd::Pid) {
        self.watcher = Some(Watcher {
            sock,
            reader: LineReader::new(),
            pending: Vec::new(),
            to_ack: 0,
            pid,
        });
    }

    fn add_space(&mut self, container: Option<String>, ns: OwnedFd) -> io::Result<bool> {
        let id = ns_id(&ns)?;
        if self.spaces.iter().any(|s| s.id == id) {
            return Ok(false);
        }
        self.spaces.push(Space {
            container,
            ns,
            id,
            links: Vec::new(),
            stale: true,
        });
        Ok(true)
    }

    /// Reads every space's links again; the interfaces described, each
    /// with where it is, in `describe`'s order.
    pub fn listing(&mut self) -> io::Result<Vec<(Key, Iface)>> {
        // Only what may have changed is read: a new container's space is
        // read at once, before its first packets.
        for s in self.spaces.iter_mut().filter(|s| s.stale) {
            // A namespace whose last process ended has only `lo` left; one
            // that cannot be read has nothing to capture.
            s.links = crate::sys::ns::run_in_netns(&s.ns, socket::links_here).unwrap_or_default();
            s.stale = false;
        }
        let host = &self.spaces[0].links;
        let containers: Vec<(String, Vec<Link>)> = self.spaces[1..]
            .iter()
            .map(|s| (s.container.clone().unwrap_or_default(), s.links.clone()))
            .collect();
        let keys = self
            .spaces
            .iter()
            .enumerate()
            .flat_map(|(k, s)| s.links.iter().map(move |l| (k, l.index)));
        Ok(keys.zip(describe(host, &containers)).collect())
    }

    /// Opens sockets on the interfaces of `listing` not yet open that
    /// `want` chooses; appends them to `ifaces` and `live` (interface
    /// number, socket). Sockets of interfaces gone from the listing are
    /// closed, their drops returned. Known interfaces get what they are
    /// joined to refreshed (a veth's peer seen after it).
    pub fn open_new(
        &mut self,
        listing: Vec<(Key, Iface)>,
        want: &dyn Fn(&Iface) -> bool,
        ifaces: &mut Vec<Iface>,
        live: &mut Vec<(usize, OwnedFd)>,
    ) -> io::Result<(Vec<usize>, u64)> {
        let mut dropped = 0;
        live.retain(|(n, fd)| {
            let here = listing
                .iter()
                .any(|(k, i)| *k == self.at[*n] && i.label == ifaces[*n].label);
            if !here {
                dropped += socket::drops(fd.as_raw_fd());
            }
            here
        });
        let mut new: Vec<(Key, Iface)> = Vec::new();
        for (key, iface) in listing {
            match self
                .at
                .iter()
                .zip(ifaces.iter_mut())
                .find(|(k, i)| **k == key && i.label == iface.label)
            {
                Some((_, known)) => {
                    known.bridge = iface.bridge;
                    known.peer = iface.peer;
                    known.is_bridge = iface.is_bridge;
                }
                None if want(&iface) => new.push((key, iface)),
                None => {}
            }
        }
        let mut added = Vec::new();
        for (k, space) in self.spaces.iter().enumerate() {
            let indexes: Vec<u32> = new
                .iter()
                .filter(|((s, _), _)| *s == k)
                .map(|((_, i), _)| *i)
                .collect();
            if indexes.is_empty() {
                continue;
            }
            let (rcvbuf, snaplen) = (self.rcvbuf, self.snaplen);
            let fds = crate::sys::ns::run_in_netns(&space.ns, move || {
                indexes
                    .into_iter()
                    .map(|i| match socket::open(i, rcvbuf, snaplen) {
                        Ok(fd) => Ok(Some(fd)),
                        // Gone since it was listed (a container removed).
                        Err(e) if socket::is_gone(&e) => Ok(None),
                        Err(e) => Err(e),
                    })
                    .collect::<io::Result<Vec<_>>>()
            })?;
            for (((_, index), iface), fd) in new.iter().filter(|((s, _), _)| *s == k).zip(fds) {
                let Some(fd) = fd else { continue };
                let n = ifaces.len();
                ifaces.push(iface.clone());
                self.at.push((k, *index));
                live.push((n, fd));
                added.push(n);
            }
        }
        Ok((added, dropped))
    }

    /// Reads the lab again and opens what appeared, as the target says
    /// (`all`: everything; a container: its interfaces).
    pub fn rescan(
        &mut self,
        ifaces: &mut Vec<Iface>,
        live: &mut Vec<(usize, OwnedFd)>,
    ) -> io::Result<(Vec<usize>, u64)> {
        let listing = self.listing()?;
        let target = self.target.clone();
        let want = |i: &Iface| match target.as_deref() {
            Some("all") => true,
            Some(c) => i.container.as_deref() == Some(c),
            None => false,
        };
        self.open_new(listing, &want, ifaces, live)
    }

    /// The descriptors to poll besides the packet sockets.
    pub fn fds(&self) -> Vec<RawFd> {
        let mut v: Vec<RawFd> = self.notifications.iter().map(|f| f.as_raw_fd()).collect();
        v.extend(self.watcher.iter().map(|w| w.sock.as_raw_fd()));
        v
    }

    /// After poll: takes what `ready` (from `fds`) says: notifications
    /// (the watcher is told to look at once) and new containers'
    /// namespaces. Whether the lab should be read again.
    pub fn on_ready(&mut self, ready: RawFd) -> io::Result<bool> {
        if self.notifications.as_ref().map(|f| f.as_raw_fd()) == Some(ready) {
            if !socket::drain(ready) {
                return Ok(false);
            }
            // A new veth on the lab host: a new container's, or a known
            // container's new interface (`network connect`). A container
            // left with `lo` alone (removed, or on no network) gets none,
            // and is not read again: a long capture over many containers
            // stays quick.
            for s in &mut self.spaces {
                s.stale |= s.container.is_none() || s.links.iter().any(|l| !l.loopback);
            }
            return Ok(true);
        }
        let Some(w) = &mut self.watcher else {
            return Ok(false);
        };
        let fds = match w.reader.read_some(ready) {
            Ok(Some(fds)) => fds,
            // The watcher ended (the lab stopped): nothing new comes.
            Ok(None) | Err(_) => {
                self.stop_watcher();
                return Ok(false);
            }
        };
        w.pending.extend(fds);
        // One namespace comes with each line.
        let mut got = Vec::new();
        while let Some(name) = w.reader.take_line() {
            if !w.pending.is_empty() {
                got.push((name, w.pending.remove(0)));
            }
        }
        if got.is_empty() {
            return Ok(false);
        }
        w.to_ack += got.len();
        for (line, ns) in got {
            let Ok(c) = serde_json::from_str::<TopoContainer>(&line) else {
                continue;
            };
            // A namespace known already (`--net container:`) is not added.
            self.add_space(Some(c.name.clone()), ns)?;
            // The watcher lists the running containers when it registers.
            if !self.appeared.contains(&c) {
                self.appeared.push(c);
            }
        }
        // Its veths on the lab host are there already (the engine made
        // them before it told), whether or not their notice came yet.
        self.spaces[0].stale = true;
        Ok(true)
    }

    /// Tells the watcher that the containers received have their sockets
    /// open (call after `rescan`): the engine then lets them run.
    pub fn acknowledge(&mut self) {
        let Some(w) = &mut self.watcher else {
            return;
        };
        while w.to_ack > 0 {
            // SAFETY: one byte from a live local to a socket we own.
            let sent = unsafe {
                libc::send(
                    w.sock.as_raw_fd(),
                    b"!".as_ptr() as *const libc::c_void,
                    1,
                    libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
                )
            };
            if sent != 1 {
                break;
            }
            w.to_ack -= 1;
        }
    }

    fn stop_watcher(&mut self) {
        if let Some(w) = self.watcher.take() {
            let _ = nix::sys::signal::kill(w.pid, nix::sys::signal::Signal::SIGKILL);
            let _ = nix::sys::wait::waitpid(w.pid, None);
        }
    }
}

impl Drop for Follow {
    fn drop(&mut self) {
        self.stop_watcher();
    }
}

/// Forks the watcher: call it while this process has one thread, before
/// joining the lab's user namespace.
pub fn spawn_watcher(lab: &Lab) -> io::Result<(OwnedFd, nix::unistd::Pid)> {
    use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
    let (ours, theirs) = socketpair(
        AddressFamily::Unix,
        SockType::Stream,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
    .map_err(io::Error::from)?;
    // SAFETY: the process has one thread (the caller's promise), so the
    // child may run ordinary code; it leaves by _exit.
    match unsafe { nix::unistd::fork() }.map_err(io::Error::from)? {
        nix::unistd::ForkResult::Parent { child } => Ok((ours, child)),
        nix::unistd::ForkResult::Child => {
            drop(ours);
            // SAFETY: prctl with plain integer arguments.
            unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
            watch(lab, theirs);
            // SAFETY: ends the child without running the parent's exit code.
            unsafe { libc::_exit(0) }
        }
    }
}

/// Waits up to `wait` for a byte from the capture: Some(true) a byte (an
/// acknowledgement), Some(false) nothing yet, None the capture is gone.
fn from_capture(sock: &OwnedFd, wait: Duration) -> Option<bool> {
    let mut p = libc::pollfd {
        fd: sock.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one live pollfd.
    let n = unsafe { libc::poll(&mut p, 1, wait.as_millis() as libc::c_int) };
    if n <= 0 {
        return Some(false);
    }
    let mut b = [0u8; 1];
    // SAFETY: b is a live local of the size given.
    let got = unsafe {
        libc::recv(
            sock.as_raw_fd(),
            b.as_mut_ptr() as *mut libc::c_void,
            1,
            libc::MSG_DONTWAIT,
        )
    };
    match got {
        1 => Some(true),
        0 => None,
        _ => Some(false),
    }
}

/// Hands one container's namespace to the capture and waits until it has
/// opened what it wants (its acknowledgement). False: the capture is gone.
fn hand_over(sock: &OwnedFd, c: &TopoContainer, net: &OwnedFd) -> bool {
    let line = serde_json::to_string(c).unwrap_or_default();
    if send_line(sock.as_raw_fd(), &line, &[net.as_raw_fd()]).is_err() {
        return false;
    }
    let until = Instant::now() + ACK_WAIT;
    loop {
        match from_capture(sock, until.saturating_duration_since(Instant::now())) {
            None => return false,
            Some(true) => return true,
            // Late: the engine stops waiting for this watcher anyway.
            Some(false) if Instant::now() >= until => return true,
            Some(false) => {}
        }
    }
}

/// Hands the announced containers over: the numbers to acknowledge, or
/// None once the capture is gone.
fn hand_over_all(
    sock: &OwnedFd,
    starts: Vec<AnnouncedStart>,
    fds: Vec<OwnedFd>,
) -> Option<Vec<u64>> {
    let mut fds = fds.into_iter();
    let mut done = Vec::new();
    for a in starts {
        let net = if a.netns { fds.next() } else { None };
        let c = serde_json::from_str::<TopoContainer>(&a.container);
        if let (Some(net), Ok(c)) = (net, c) {
            if !hand_over(sock, &c, &net) {
                return None;
            }
        }
        done.push(a.seq);
    }
    Some(done)
}

/// The watcher's loop, until the capture goes away or the lab stops. It
/// registers with the engine, which lists the containers running then and
/// afterwards announces each start, holding the container's process until
/// the capture has its namespace (`engine::start_gate`).
fn watch(lab: &Lab, sock: OwnedFd) {
    let mut watcher: Option<u64> = None;
    let mut done: Vec<u64> = Vec::new();
    loop {
        if from_capture(&sock, Duration::ZERO).is_none() {
            break;
        }
        let Some(id) = watcher else {
            match client::call(lab, &Request::StartsWatch, &[]) {
                Ok((
                    Ok(Response::Watcher {
                        watcher: id,
                        running,
                    }),
                    fds,
                )) => {
                    watcher = Some(id);
                    if hand_over_all(&sock, running, fds).is_none() {
                        break;
                    }
                }
                _ => return,
            }
            continue;
        };
        let req = Request::StartsPoll {
            watcher: id,
            done: std::mem::take(&mut done),
        };
        match client::call(lab, &req, &[]) {
            Ok((Ok(Response::Starts { starts }), fds)) => match hand_over_all(&sock, starts, fds) {
                Some(acked) => done = acked,
                None => break,
            },
            // Dropped for answering late: registers again.
            Ok(_) => watcher = None,
            Err(_) => return,
        }
    }
    if let Some(id) = watcher {
        let _ = client::call(lab, &Request::StartsUnwatch { watcher: id }, &[]);
    }
}
