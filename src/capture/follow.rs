//! Following the lab while a capture runs: interfaces that appear (a new
//! container's veth on the lab host and its eth0 and lo, a container's
//! eth1 after `network connect`) get sockets the moment they are seen.
//!
//! The lab host's links are watched by netlink notifications. A new
//! container's namespace comes from the engine, and this process cannot
//! ask the engine once it has joined a rootless lab's user namespace, so a
//! child forked before the join (the watcher) asks for it: at once when
//! the lab host's links change, and every `WATCH_EVERY` besides, and passes
//! each new container's namespace up the socket pair, with what the engine
//! says of it (its addresses: names in the lines).

use super::lab::{describe, Iface};
use super::socket::{self, Link};
use crate::engine::api::{Request, Response};
use crate::inspect::TopoContainer;
use crate::lab::{client, Lab};
use crate::sys::fdpass::{send_line, LineReader};
use std::collections::HashSet;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// How often the watcher asks for new containers when nothing changed on
/// the lab host (a container without a veth: `--network none`).
const WATCH_EVERY: Duration = Duration::from_millis(500);
/// After the lab host's links change: how often, and for how long, the
/// watcher asks (the engine answers once the container it is starting is
/// running).
const BURST_EVERY: Duration = Duration::from_millis(5);
const BURST_FOR: Duration = Duration::from_millis(1500);

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
            if let Some(w) = &self.watcher {
                // SAFETY: one byte from a live local to a socket we own.
                unsafe {
                    libc::send(
                        w.sock.as_raw_fd(),
                        b"?".as_ptr() as *const libc::c_void,
                        1,
                        libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
                    )
                };
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
        let mut any = false;
        for (line, ns) in got {
            let Ok(c) = serde_json::from_str::<TopoContainer>(&line) else {
                continue;
            };
            any |= self.add_space(Some(c.name.clone()), ns)?;
            self.appeared.push(c);
        }
        Ok(any)
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
/// joining the lab's user namespace. `known`: containers whose namespaces
/// the capture already has.
pub fn spawn_watcher(lab: &Lab, known: Vec<String>) -> io::Result<(OwnedFd, nix::unistd::Pid)> {
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
            watch(lab, theirs, known.into_iter().collect());
            // SAFETY: ends the child without running the parent's exit code.
            unsafe { libc::_exit(0) }
        }
    }
}

fn call(lab: &Lab, req: &Request) -> Option<(Response, Vec<OwnedFd>)> {
    match client::call(lab, req, &[]) {
        Ok((Ok(r), fds)) => Some((r, fds)),
        _ => None,
    }
}

/// The watcher's loop: until the capture goes away or the lab stops.
fn watch(lab: &Lab, sock: OwnedFd, mut sent: HashSet<String>) {
    let mut burst_until = Instant::now();
    loop {
        let every = if Instant::now() < burst_until {
            BURST_EVERY
        } else {
            WATCH_EVERY
        };
        let mut p = libc::pollfd {
            fd: sock.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one live pollfd.
        let n = unsafe { libc::poll(&mut p, 1, every.as_millis() as libc::c_int) };
        if n > 0 {
            let mut b = [0u8; 64];
            // SAFETY: b is a live local of the size given.
            let got = unsafe {
                libc::recv(
                    sock.as_raw_fd(),
                    b.as_mut_ptr() as *mut libc::c_void,
                    b.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if got == 0 {
                return;
            }
            burst_until = Instant::now() + BURST_FOR;
        }
        let Some((Response::Topology(t), _)) = call(lab, &Request::Topology) else {
            return;
        };
        sent.retain(|s| t.containers.iter().any(|c| &c.name == s));
        for c in &t.containers {
            if sent.contains(&c.name) {
                continue;
            }
            let req = Request::ExecPrepare {
                container: c.name.clone(),
                env: Vec::new(),
                workdir: None,
                tty: false,
            };
            // Not running (yet): asked again next time.
            let Some((Response::ExecPlan(plan), fds)) = call(lab, &req) else {
                continue;
            };
            let Some(net) = plan
                .namespaces
                .iter()
                .zip(fds)
                .find_map(|(k, fd)| (k == "net").then_some(fd))
            else {
                continue;
            };
            let line = serde_json::to_string(c).unwrap_or_default();
            if send_line(sock.as_raw_fd(), &line, &[net.as_raw_fd()]).is_err() {
                return;
            }
            sent.insert(c.name.clone());
        }
    }
}
