//! The userland proxy: what one `docker-proxy` process does for one
//! published port, run as threads inside the engine.
//!
//! Design notes (why it looks like this):
//! * Plain threads, not tokio tasks. Sockets live in the network namespace
//!   of the thread that creates them, and a thread inherits the namespace of
//!   the thread that spawns it. The listener is bound in the caller's thread
//!   and every upstream socket is created on threads spawned from it, so
//!   calling `start_*` on a thread that has joined the lab's netns puts the
//!   whole proxy there. It also works whether or not a runtime is around.
//! * Stopping is synchronous: the handle closes a pipe that every loop
//!   polls, then joins the listening thread, so when `stop()` (or drop)
//!   returns the port can be bound again.
//! * TCP data moves with splice(2) through a 1 MiB pipe, without
//!   SPLICE_F_MORE (it collapsed throughput in the field notes), one thread
//!   per direction. Half-close is forwarded like docker-proxy does
//!   (CloseRead on the source, CloseWrite on the destination). Both
//!   sockets use cubic, which does not pace (see [`CONGESTION_CONTROL`]).
//! * Throughput had two modes (#18). Most of the slow one was pacing: the
//!   algorithm used to be switched to cubic after the connections were
//!   established, when BBR's init had already turned pacing on for good,
//!   so the pump's upstream socket ran a pacing timer whose rate follows
//!   the measured RTT (a scheduling hiccup lowers it). Chosen before
//!   establishment, the timer is gone (perf: tcp_pace_kick 4% of the
//!   machine's CPU -> 0) and the pump's CPU per GiB fell from ~140 ms to
//!   ~75 ms; in an interleaved series from a cubic sender the median went
//!   from 63-66% of direct to 83-87%. What is left is the machine: per GiB
//!   a proxied transfer costs ~450 ms of CPU in three threads (sender ~160,
//!   pump ~75, receiver ~215), direct ~380 ms in two, so on two cores the
//!   proxied path peaks near 88% of a direct path whose sender has a core
//!   of its own. A 256 KiB pipe (66% median), SO_RCVLOWAT (85%), polling
//!   only after EAGAIN (82%), a 64 KiB pipe and SPLICE_F_MORE were no
//!   better than this design, nor were smaller socket buffers on either
//!   side (1 MiB: 73-75%, 512 KiB and a 256 KiB pipe: 67%, against 79%).
//!   perf over 4 GiB puts 88% of the extra CPU in the sender's and the
//!   receiver's own copies (copy_to_iter +65%, copy_from_iter +23%), not
//!   in the proxy (splice ~3%): the longer chain keeps more data queued,
//!   so it is colder when copied.
//! * UDP keeps one connected upstream socket per client, expires it after
//!   90 s without traffic (docker-proxy's UDPConnTrackTimeout), and sends
//!   replies from the listening socket so clients see the published address.
//!   Each thread takes what is queued in one recvmmsg and passes it on in
//!   one sendmmsg per client (6-8 datagrams per call in the bench, system
//!   calls 400k -> 57k per 100k echoes). That gained only ~10%: a proxied
//!   datagram crosses the stack twice, so each costs about twice a direct
//!   one, and the published port answers at about half the direct rate.
//! * Load is bounded, because the proxy shares the engine's fds with the lab
//!   socket and everything else: a TCP listener carries at most
//!   [`MAX_TCP_CONNS`] connections and all listeners together at most half
//!   of the engine's fds; connections beyond that are reset at once. A UDP
//!   listener keeps at most [`MAX_UDP_FLOWS`] clients. Accept errors
//!   (EMFILE...) are logged and waited out, never the end of a listener.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{fcntl, splice, FcntlArg, OFlag, SpliceFFlags};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{pthread_sigmask, SigSet, SigmaskHow, Signal};
use nix::sys::socket::{
    bind, listen, setsockopt, socket, sockopt, AddressFamily, Backlog, SockFlag, SockType,
    SockaddrStorage,
};
use nix::unistd::pipe2;

use crate::sys::backoff::Backoff;
use crate::sys::datagrams::Batch;

/// docker-proxy's UDPConnTrackTimeout.
pub const UDP_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// Field notes: a 1 MiB pipe is what made splice fast.
const PIPE_SIZE: usize = 1 << 20;
/// What Go's listen uses on Linux (somaxconn); `ss` shows 4096 for docker-proxy.
const LISTEN_BACKLOG: i32 = 4096;
/// Connections one TCP listener (one published port, one address family)
/// carries at once. Each holds [`FDS_PER_CONN`] of the engine's fds and two
/// threads, so 1024 cost some 6,000 fds and 2,000 threads: that fits within
/// the engine's open-files limit (raised to the hard limit, 20,000 on the
/// test machines) with room left for the lab socket, DNS and containers,
/// and it is far more than a lesson, a browser or an `ab -c 100` opens.
/// Without a cap, a container opening 3,600 connections took every fd of
/// the engine, whose next accept() on the lab socket failed and ended the
/// lab. Beyond the cap a connection is accepted and reset at once, as by an
/// overloaded server: the client learns now, instead of waiting in the
/// backlog to be served after it gave up.
pub const MAX_TCP_CONNS: usize = 1024;
/// The engine fds a proxied TCP connection holds: the client and upstream
/// sockets, and a splice pipe (two fds) per direction.
const FDS_PER_CONN: usize = 6;
/// Proxied TCP connections of every listener of the engine, against
/// [`lab_wide_budget`].
static LAB_CONNS: AtomicUsize = AtomicUsize::new(0);
/// Clients one UDP listener keeps a flow for; each flow holds an fd and a
/// thread for up to [`UDP_IDLE_TIMEOUT`]. Datagrams from further clients
/// are dropped (UDP promises nothing) until a flow expires, as a full
/// conntrack table does.
pub const MAX_UDP_FLOWS: usize = 1024;
/// Largest UDP payload.
const UDP_BUF: usize = 65535;
/// Datagrams a UDP listener takes and passes on per system call. Room for
/// that many of the largest is reserved, but memory is only touched as
/// datagrams fill it: 1,400-byte ones use a page per slot.
const UDP_BATCH: usize = 16;
/// The same for each client's reply thread: there are up to
/// [`MAX_UDP_FLOWS`] of them, and a backend answering with the largest
/// datagrams fills every slot, so 4 (256 KiB a flow, 256 MiB at most for a
/// listener; one datagram at a time kept 64 MiB) where the bench saw 6-8.
const UDP_REPLY_BATCH: usize = 4;
/// Buffer of the read/write fallback, used only if splice is refused.
const COPY_BUF: usize = 256 * 1024;
/// Worker threads only run small loops; keep their memory small.
const THREAD_STACK: usize = 128 * 1024;
/// Both hops of a proxied connection are links inside this machine
/// (loopback, a veth), where pacing buys nothing. A kernel whose default is
/// BBR paces every socket with a timer; that cost the proxy 16 points of
/// throughput (77% of direct, 93% with cubic, over 15 alternating 1 GiB
/// transfers from a BBR sender on the lab host). It must be chosen before
/// the connection is established: BBR's init, run at establishment, turns
/// the socket's pacing on, and switching to cubic afterwards leaves it on
/// (the kernel's `sk_pacing_status`), timer and all. Setting a
/// non-default algorithm needs CAP_NET_ADMIN over the netns, which the
/// engine has, rootless too.
const CONGESTION_CONTROL: &str = "cubic";

/// A running proxy. Dropping it, or [`ProxyHandle::stop`], closes the
/// listening socket before returning, ends the proxy's threads and cuts the
/// connections still open.
pub struct ProxyHandle {
    local_addr: SocketAddr,
    /// Where connections go (the container's address and port).
    target: SocketAddr,
    /// Write end of the stop pipe; closing it wakes every poll() of the proxy.
    stop_tx: Option<OwnedFd>,
    main: Option<JoinHandle<()>>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ProxyHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyHandle")
            .field("local_addr", &self.local_addr)
            .field("running", &self.stop_tx.is_some())
            .finish()
    }
}

impl ProxyHandle {
    /// The bound address (with the real port if 0 was asked for).
    #[cfg(test)]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// TCP: connections being forwarded. UDP: clients with a live flow.
    #[cfg(test)]
    pub fn active(&self) -> usize {
        lock(&self.shared.tcp).len() + lock(&self.shared.udp).len()
    }

    /// Stops the proxy; the port is free when this returns.
    #[cfg(test)]
    pub fn stop(mut self) {
        self.shutdown();
    }

    pub fn target(&self) -> SocketAddr {
        self.target
    }

    /// Stops in place (the handle stays, inert), so its port is free now.
    pub fn shutdown_now(&mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(tx) = self.stop_tx.take() else {
            return;
        };
        self.shared.stopped.store(true, Ordering::SeqCst);
        drop(tx);
        if let Some(main) = self.main.take() {
            // Quick: the main loop wakes on the closed pipe, and the UDP one
            // joins its reply threads, which wake the same way.
            let _ = main.join();
        }
        // TCP pumps block in splice(); shutting the sockets down wakes them.
        for (a, b) in lock(&self.shared.tcp).values() {
            let _ = a.shutdown(Shutdown::Both);
            let _ = b.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for ProxyHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

type ConnPair = (Arc<TcpStream>, Arc<TcpStream>);

struct Shared {
    stopped: AtomicBool,
    next_id: AtomicU64,
    /// Live TCP connections: (client, upstream), so stop() can cut them.
    tcp: Mutex<HashMap<u64, ConnPair>>,
    udp: Mutex<HashMap<SocketAddr, Arc<UdpFlow>>>,
    /// TCP connections holding a [`Slot`], from accept until closed (a
    /// superset of `tcp`, which fills once the upstream connects).
    slots: AtomicUsize,
    /// At most this many at once: TCP connections, or UDP flows.
    cap: usize,
}

impl Shared {
    fn new(cap: usize) -> Shared {
        Shared {
            stopped: AtomicBool::new(false),
            next_id: AtomicU64::new(0),
            tcp: Mutex::default(),
            udp: Mutex::default(),
            slots: AtomicUsize::new(0),
            cap,
        }
    }
}

/// A proxied TCP connection's place under the caps, given back on drop.
struct Slot(Arc<Shared>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.slots.fetch_sub(1, Ordering::SeqCst);
        LAB_CONNS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A place for one more connection, or why there is none.
fn take_slot(shared: &Arc<Shared>) -> Result<Slot, String> {
    if shared.slots.fetch_add(1, Ordering::SeqCst) >= shared.cap {
        shared.slots.fetch_sub(1, Ordering::SeqCst);
        return Err(format!(
            "{} connections open, the most one published port carries; refusing more",
            shared.cap
        ));
    }
    let budget = lab_wide_budget();
    if LAB_CONNS.fetch_add(1, Ordering::SeqCst) >= budget {
        LAB_CONNS.fetch_sub(1, Ordering::SeqCst);
        shared.slots.fetch_sub(1, Ordering::SeqCst);
        return Err(format!(
            "{budget} connections open on all published ports, half of the engine's fds; refusing more"
        ));
    }
    Ok(Slot(shared.clone()))
}

/// How many proxied connections all listeners together may hold: half of
/// the engine's open-files limit, so that a flood on several ports still
/// leaves the other half to the lab socket, the DNS servers and new
/// containers. Read each time: the engine raises its limit at start.
fn lab_wide_budget() -> usize {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit on our stack.
    let soft = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 {
        usize::try_from(lim.rlim_cur).unwrap_or(usize::MAX)
    } else {
        1024
    };
    (soft / 2 / FDS_PER_CONN).max(1)
}

/// Turns a connection away: SO_LINGER 0 makes the close a reset, which
/// the client sees at once as "connection reset" rather than an answer.
fn refuse(client: TcpStream) {
    let _ = setsockopt(
        &client,
        sockopt::Linger,
        &libc::linger {
            l_onoff: 1,
            l_linger: 0,
        },
    );
}

/// A poisoned lock only means a worker panicked; the map is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A socket of `addr`'s family, in the calling thread's netns.
fn socket_for(addr: SocketAddr, ty: SockType) -> io::Result<OwnedFd> {
    let family = if addr.is_ipv4() {
        AddressFamily::Inet
    } else {
        AddressFamily::Inet6
    };
    Ok(socket(family, ty, SockFlag::SOCK_CLOEXEC, None)?)
}

/// Creates a socket bound to `addr` in the calling thread's netns.
fn bound_socket(addr: SocketAddr, ty: SockType) -> io::Result<OwnedFd> {
    let fd = socket_for(addr, ty)?;
    if ty == SockType::Stream {
        // Like Go's listeners: rebinding right after a stop must not trip
        // over TIME_WAIT. Not for UDP, where it would let two proxies share
        // a port.
        setsockopt(&fd, sockopt::ReuseAddr, &true)?;
    }
    if addr.is_ipv6() {
        // `::` and `0.0.0.0` are separate binds, as with docker-proxy.
        setsockopt(&fd, sockopt::Ipv6V6Only, &true)?;
    }
    bind(fd.as_raw_fd(), &SockaddrStorage::from(addr))?;
    Ok(fd)
}

/// A proxy thread must not die of SIGPIPE: splice() into a closed socket
/// raises it (unlike std's writes, which pass MSG_NOSIGNAL), and the engine
/// may have restored the default action for its CLI. Blocked, it stays
/// pending on this thread and is never delivered.
fn block_sigpipe() {
    let mut set = SigSet::empty();
    set.add(Signal::SIGPIPE);
    let _ = pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None);
}

fn spawn<F: FnOnce() + Send + 'static>(name: &str, f: F) -> io::Result<JoinHandle<()>> {
    thread::Builder::new()
        .name(name.to_string())
        .stack_size(THREAD_STACK)
        .spawn(move || {
            block_sigpipe();
            f()
        })
}

/// Waits until `fd` is readable or the proxy is stopping: Some(true) to go
/// on, Some(false) on stop, None on timeout.
fn wait_readable(fd: &impl AsFd, stop: &OwnedFd, timeout: PollTimeout) -> io::Result<Option<bool>> {
    let mut fds = [
        PollFd::new(fd.as_fd(), PollFlags::POLLIN),
        PollFd::new(stop.as_fd(), PollFlags::POLLIN),
    ];
    match poll(&mut fds, timeout) {
        Ok(0) => return Ok(None), // timed out
        Ok(_) => {}
        Err(Errno::EINTR) => return Ok(Some(true)),
        Err(e) => return Err(e.into()),
    }
    if fds[1].revents().is_some_and(|r| !r.is_empty()) {
        return Ok(Some(false));
    }
    Ok(Some(true))
}

fn stop_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    Ok(pipe2(OFlag::O_CLOEXEC)?)
}

/// Waits `d`, or less if the proxy is stopping: false then.
fn pause(stop: &OwnedFd, d: Duration) -> bool {
    let mut fds = [PollFd::new(stop.as_fd(), PollFlags::POLLIN)];
    let timeout = PollTimeout::try_from(d).unwrap_or(PollTimeout::MAX);
    !matches!(poll(&mut fds, timeout), Ok(n) if n > 0)
}

/// Starts a TCP proxy from `listen` to `target`. Binds before returning, so
/// a bind error (EADDRINUSE, EACCES...) comes back here, as `io::Error` with
/// its errno. Call it on a thread in the namespace where both the listener
/// and the upstream connections belong.
pub fn start_tcp(listen_addr: SocketAddr, target: SocketAddr) -> io::Result<ProxyHandle> {
    start_tcp_with_cap(listen_addr, target, MAX_TCP_CONNS)
}

/// [`start_tcp`] with another cap on concurrent connections (tests).
fn start_tcp_with_cap(
    listen_addr: SocketAddr,
    target: SocketAddr,
    cap: usize,
) -> io::Result<ProxyHandle> {
    let fd = bound_socket(listen_addr, SockType::Stream)?;
    // Before listen(): accepted connections inherit it and never run the
    // default's init (see [`CONGESTION_CONTROL`]).
    set_congestion_control(&fd);
    let backlog = Backlog::new(LISTEN_BACKLOG).unwrap_or(Backlog::MAXCONN);
    listen(&fd, backlog)?;
    let listener = TcpListener::from(fd);
    // Non-blocking so a connection reset between poll and accept cannot
    // block the loop (and with it, stop()).
    listener.set_nonblocking(true)?;
    let local_addr = listener.local_addr()?;
    let (stop_rx, stop_tx) = stop_pipe()?;
    let shared = Arc::new(Shared::new(cap));
    let sh = shared.clone();
    let main = spawn("netlings-proxy-tcp", move || {
        tcp_accept_loop(listener, target, stop_rx, sh)
    })?;
    Ok(ProxyHandle {
        local_addr,
        target,
        stop_tx: Some(stop_tx),
        main: Some(main),
        shared,
    })
}

fn tcp_accept_loop(
    listener: TcpListener,
    target: SocketAddr,
    stop_rx: OwnedFd,
    shared: Arc<Shared>,
) {
    let name = listener
        .local_addr()
        .map_or_else(|_| "?".into(), |a| a.to_string());
    let mut errors = Backoff::new(format!("proxy {name}/tcp"));
    loop {
        match wait_readable(&listener, &stop_rx, PollTimeout::NONE) {
            Ok(Some(false)) => return,
            Ok(_) => {}
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
        if shared.stopped.load(Ordering::SeqCst) {
            return;
        }
        loop {
            match listener.accept() {
                Ok((client, _)) => match take_slot(&shared) {
                    Ok(slot) => {
                        let sh = shared.clone();
                        // If no thread can be had, the closure is dropped:
                        // the client is closed and the slot given back.
                        let _ = spawn("netlings-proxy-conn", move || {
                            tcp_connection(client, target, sh, slot)
                        });
                    }
                    Err(why) => {
                        refuse(client);
                        errors.log(why);
                    }
                },
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    // Out of fds or memory: wait (connections close in
                    // their own time) instead of spinning; never give up.
                    if let Some(d) = errors.after(&e) {
                        if !pause(&stop_rx, d) {
                            return;
                        }
                        break;
                    }
                }
            }
        }
    }
}

/// Carries one connection; `_slot` holds its place under the caps until it
/// is over.
fn tcp_connection(client: TcpStream, target: SocketAddr, shared: Arc<Shared>, _slot: Slot) {
    // Accepted sockets are blocking (O_NONBLOCK is not inherited on Linux);
    // make sure, since splice() below relies on it.
    let _ = client.set_nonblocking(false);
    // docker-proxy drops the client when the backend refuses; so do we.
    let Ok(upstream) = connect_with_congestion(target, CONGESTION_CONTROL) else {
        return;
    };
    // Go sets TCP_NODELAY on every connection; docker-proxy inherits that.
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let client = Arc::new(client);
    let upstream = Arc::new(upstream);

    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    {
        let mut conns = lock(&shared.tcp);
        // Checked under the lock stop() sweeps with, so no connection slips
        // in after the sweep.
        if shared.stopped.load(Ordering::SeqCst) {
            return;
        }
        conns.insert(id, (client.clone(), upstream.clone()));
    }

    let (c2, u2) = (client.clone(), upstream.clone());
    match spawn("netlings-proxy-pump", move || pump(&u2, &c2)) {
        Ok(back) => {
            pump(&client, &upstream);
            let _ = back.join();
        }
        Err(_) => {
            let _ = client.shutdown(Shutdown::Both);
            let _ = upstream.shutdown(Shutdown::Both);
        }
    }
    lock(&shared.tcp).remove(&id);
}

/// Sets [`CONGESTION_CONTROL`] on a socket not yet connected or listening.
fn set_congestion_control(sock: &impl AsFd) {
    set_congestion(sock, CONGESTION_CONTROL);
}

/// Unavailable algorithm: the default stays, only slower.
fn set_congestion(sock: &impl AsFd, cc: &str) {
    let _ = setsockopt(sock, sockopt::TcpCongestion, &OsString::from(cc));
}

/// A blocking TCP connection with congestion control `cc` chosen before
/// connect() (see [`CONGESTION_CONTROL`] for why before), else the
/// default's: callers that must know read it back.
pub(crate) fn connect_with_congestion(target: SocketAddr, cc: &str) -> io::Result<TcpStream> {
    let fd = socket_for(target, SockType::Stream)?;
    set_congestion(&fd, cc);
    nix::sys::socket::connect(fd.as_raw_fd(), &SockaddrStorage::from(target))?;
    Ok(TcpStream::from(fd))
}

/// Copies one direction until EOF or error, then half-closes like
/// docker-proxy: no more reading from `from`, no more writing to `to`.
fn pump(from: &TcpStream, to: &TcpStream) {
    if let SpliceEnd::Unsupported = splice_copy(from, to) {
        let _ = copy_fallback(from, to);
    }
    let _ = from.shutdown(Shutdown::Read);
    let _ = to.shutdown(Shutdown::Write);
}

enum SpliceEnd {
    /// EOF or an error of the connection: either way this direction is over.
    Done,
    /// splice() refused the very first move: nothing was lost, copy instead.
    Unsupported,
}

/// socket -> pipe -> socket; the kernel moves page references, no copy
/// through user space.
fn splice_copy(from: &TcpStream, to: &TcpStream) -> SpliceEnd {
    let Ok((pr, pw)) = pipe2(OFlag::O_CLOEXEC) else {
        return SpliceEnd::Unsupported;
    };
    // May fail above /proc/sys/fs/pipe-max-size for an unprivileged user;
    // a smaller pipe still works, only slower.
    let size = fcntl(&pw, FcntlArg::F_SETPIPE_SZ(PIPE_SIZE as i32))
        .ok()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(64 * 1024);
    let flags = SpliceFFlags::SPLICE_F_MOVE;
    let mut moved_any = false;
    loop {
        // Wait in poll(POLLIN), not in splice(): a reader blocked in
        // splice() sleeps on the socket's one wait queue and is woken by
        // every write-space event too, so the idle direction's thread woke
        // 190-390 times per GiB sent the other way (perf sched, 7-36 ms of
        // CPU per GiB) as ACKs freed the upstream send buffer. A poll()
        // waiter is only woken for the events it asked for.
        let mut fds = [PollFd::new(from.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) | Err(Errno::EINTR) => {}
            Err(_) => return SpliceEnd::Done,
        }
        let n = match splice(from, None, &pw, None, size, flags) {
            Ok(0) => return SpliceEnd::Done,
            Ok(n) => n,
            Err(Errno::EINTR) => continue,
            Err(Errno::EINVAL | Errno::ENOSYS) if !moved_any => return SpliceEnd::Unsupported,
            Err(_) => return SpliceEnd::Done,
        };
        moved_any = true;
        let mut left = n;
        while left > 0 {
            match splice(&pr, None, to, None, left, flags) {
                Ok(0) => return SpliceEnd::Done,
                Ok(m) => left -= m,
                Err(Errno::EINTR) => continue,
                Err(_) => return SpliceEnd::Done,
            }
        }
    }
}

fn copy_fallback(mut from: &TcpStream, mut to: &TcpStream) -> io::Result<()> {
    let mut buf = vec![0u8; COPY_BUF];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        to.write_all(&buf[..n])?;
    }
}

/// Starts a UDP proxy from `listen` to `target`, with docker-proxy's 90 s
/// idle timeout per client. Binds before returning (no SO_REUSEADDR, so a
/// taken port fails with EADDRINUSE).
pub fn start_udp(listen_addr: SocketAddr, target: SocketAddr) -> io::Result<ProxyHandle> {
    start_udp_with(listen_addr, target, UDP_IDLE_TIMEOUT, MAX_UDP_FLOWS)
}

/// [`start_udp`] with another idle timeout and cap on clients (tests).
fn start_udp_with(
    listen_addr: SocketAddr,
    target: SocketAddr,
    idle: Duration,
    cap: usize,
) -> io::Result<ProxyHandle> {
    let fd = bound_socket(listen_addr, SockType::Datagram)?;
    let sock = UdpSocket::from(fd);
    // Non-blocking: a full send buffer drops the datagram (as a network
    // would) instead of stalling the loop, and reads drain until EAGAIN.
    sock.set_nonblocking(true)?;
    let local_addr = sock.local_addr()?;
    let (stop_rx, stop_tx) = stop_pipe()?;
    let shared = Arc::new(Shared::new(cap));
    let sh = shared.clone();
    let main = spawn("netlings-proxy-udp", move || {
        udp_main_loop(Arc::new(sock), target, idle, Arc::new(stop_rx), sh)
    })?;
    Ok(ProxyHandle {
        local_addr,
        target,
        stop_tx: Some(stop_tx),
        main: Some(main),
        shared,
    })
}

struct UdpFlow {
    upstream: UdpSocket,
    /// Milliseconds since `epoch` of the last datagram either way.
    last_active: AtomicU64,
    epoch: Instant,
}

impl UdpFlow {
    fn touch(&self) {
        let ms = self.epoch.elapsed().as_millis() as u64;
        self.last_active.store(ms, Ordering::Relaxed);
    }
    fn idle_for(&self) -> Duration {
        let now = self.epoch.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last_active.load(Ordering::Relaxed)))
    }
}

fn udp_main_loop(
    sock: Arc<UdpSocket>,
    target: SocketAddr,
    idle: Duration,
    stop_rx: Arc<OwnedFd>,
    shared: Arc<Shared>,
) {
    let mut batch = Batch::new(UDP_BATCH, UDP_BUF);
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    let name = sock
        .local_addr()
        .map_or_else(|_| "?".into(), |a| a.to_string());
    let mut errors = Backoff::new(format!("proxy {name}/udp"));
    loop {
        match wait_readable(&*sock, &stop_rx, PollTimeout::NONE) {
            Ok(Some(false)) => break,
            Ok(_) => {}
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
        if shared.stopped.load(Ordering::SeqCst) {
            break;
        }
        loop {
            let n = match batch.recv(&*sock) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // WouldBlock ends the round; other errors (a stray ICMP
                // report) are not fatal for the listener either.
                Err(_) => break,
            };
            // A client's datagrams in a row go upstream in one call.
            let mut first = 0;
            while first < n {
                let client = batch.peer(first);
                let end = (first + 1..n)
                    .find(|&i| batch.peer(i) != client)
                    .unwrap_or(n);
                let Some(client) = client else {
                    first = end;
                    continue;
                };
                match udp_flow(&sock, client, target, idle, &stop_rx, &shared, &mut workers) {
                    Ok(flow) => {
                        flow.touch();
                        // A refusal (ECONNREFUSED reports an earlier
                        // datagram nobody took) drops that datagram only;
                        // docker-proxy ignores it too, until the flow times out.
                        batch.send(&flow.upstream, first..end, None);
                    }
                    Err(why) => errors.log(why),
                }
                first = end;
            }
        }
        workers.retain(|w| !w.is_finished());
    }
    for w in workers {
        let _ = w.join();
    }
}

/// The flow of `client`, created (with its reply thread) on first use; or
/// why there is none, and the datagram is dropped.
fn udp_flow(
    sock: &Arc<UdpSocket>,
    client: SocketAddr,
    target: SocketAddr,
    idle: Duration,
    stop_rx: &Arc<OwnedFd>,
    shared: &Arc<Shared>,
    workers: &mut Vec<JoinHandle<()>>,
) -> Result<Arc<UdpFlow>, String> {
    {
        let flows = lock(&shared.udp);
        if let Some(f) = flows.get(&client) {
            return Ok(f.clone());
        }
        if flows.len() >= shared.cap {
            return Err(format!(
                "{} clients with a live flow, the most one published port keeps; dropping datagrams of new ones",
                shared.cap
            ));
        }
    }
    let local: SocketAddr = if target.is_ipv4() {
        (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let upstream = || -> io::Result<UdpSocket> {
        let upstream = UdpSocket::bind(local)?;
        upstream.connect(target)?;
        upstream.set_nonblocking(true)?;
        Ok(upstream)
    };
    let upstream = upstream().map_err(|e| format!("no socket for a new client: {e}"))?;
    let flow = Arc::new(UdpFlow {
        upstream,
        last_active: AtomicU64::new(0),
        epoch: Instant::now(),
    });
    lock(&shared.udp).insert(client, flow.clone());
    let (f, s, st, sh) = (flow.clone(), sock.clone(), stop_rx.clone(), shared.clone());
    match spawn("netlings-proxy-udp-reply", move || {
        udp_reply_loop(f, client, s, idle, st, sh)
    }) {
        Ok(w) => workers.push(w),
        Err(e) => {
            lock(&shared.udp).remove(&client);
            return Err(format!("no thread for a new client: {e}"));
        }
    }
    Ok(flow)
}

/// Sends the backend's answers to `client` from the listening socket, until
/// the flow has been idle for `idle` or the proxy stops.
fn udp_reply_loop(
    flow: Arc<UdpFlow>,
    client: SocketAddr,
    sock: Arc<UdpSocket>,
    idle: Duration,
    stop_rx: Arc<OwnedFd>,
    shared: Arc<Shared>,
) {
    let mut batch = Batch::new(UDP_REPLY_BATCH, UDP_BUF);
    loop {
        let quiet = flow.idle_for();
        if quiet >= idle {
            break;
        }
        // +1 ms: poll rounds down, and waking just before the deadline would spin.
        let left = idle - quiet + Duration::from_millis(1);
        let timeout = PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX);
        match wait_readable(&flow.upstream, &stop_rx, timeout) {
            Ok(Some(false)) => return,
            Ok(None) => continue, // re-check idleness: the client may have spoken
            Ok(Some(true)) => {}
            Err(_) => break,
        }
        loop {
            match batch.recv(&flow.upstream) {
                Ok(n) => {
                    flow.touch();
                    batch.send(&*sock, 0..n, Some(client));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // Nothing listening in the container (yet): keep the flow,
                // as docker-proxy does.
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => break,
                Err(_) => {
                    forget_flow(&shared, client, &flow);
                    return;
                }
            }
        }
    }
    forget_flow(&shared, client, &flow);
}

fn forget_flow(shared: &Shared, client: SocketAddr, flow: &Arc<UdpFlow>) {
    let mut flows = lock(&shared.udp);
    // Only our own entry: a new flow may already have replaced it.
    if flows.get(&client).is_some_and(|f| Arc::ptr_eq(f, flow)) {
        flows.remove(&client);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;
    use std::sync::mpsc;

    const T: Duration = Duration::from_secs(10);

    fn lo() -> SocketAddr {
        "127.0.0.1:0".parse().unwrap()
    }

    fn ipv6_loopback_works() -> bool {
        TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_ok()
    }

    /// Echo server: echoes until EOF, then half-closes. Serves `n` connections.
    fn echo_server(n: usize) -> SocketAddr {
        let l = TcpListener::bind(lo()).unwrap();
        let addr = l.local_addr().unwrap();
        thread::spawn(move || {
            for _ in 0..n {
                let (mut s, _) = l.accept().unwrap();
                thread::spawn(move || {
                    let mut buf = [0u8; 65536];
                    loop {
                        match s.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(k) => {
                                if s.write_all(&buf[..k]).is_err() {
                                    return;
                                }
                            }
                        }
                    }
                    let _ = s.shutdown(Shutdown::Write);
                });
            }
        });
        addr
    }

    fn pattern(len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| (i.wrapping_mul(31) ^ (i >> 11)) as u8)
            .collect()
    }

    fn connect(addr: SocketAddr) -> TcpStream {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(T)).unwrap();
        s.set_write_timeout(Some(T)).unwrap();
        s
    }

    #[test]
    fn tcp_round_trip_with_client_half_close() {
        let echo = echo_server(3);
        let proxy = start_tcp(lo(), echo).unwrap();
        // Several connections at once, each with its own data.
        let clients: Vec<_> = (0..3)
            .map(|i| {
                let addr = proxy.local_addr();
                thread::spawn(move || {
                    let data = pattern(3 * 1024 * 1024 + i * 7);
                    let s = connect(addr);
                    let mut w = s.try_clone().unwrap();
                    let d2 = data.clone();
                    let writer = thread::spawn(move || {
                        w.write_all(&d2).unwrap();
                        // Half-close: the echo server must still answer everything.
                        w.shutdown(Shutdown::Write).unwrap();
                    });
                    let mut got = Vec::new();
                    (&s).read_to_end(&mut got).unwrap();
                    writer.join().unwrap();
                    assert!(got == data, "data corrupted through the proxy");
                })
            })
            .collect();
        for c in clients {
            c.join().unwrap();
        }
    }

    /// Both sockets of a proxied connection carry [`CONGESTION_CONTROL`]
    /// from their start: the accepted one by inheritance from the listener
    /// (nothing sets it after accept()), the upstream one set before
    /// connect(). Where this process may not choose the algorithm (an
    /// ordinary user outside a namespace of its own), both keep the default.
    #[test]
    fn proxied_sockets_use_the_proxys_congestion_control_from_the_start() {
        let probe = socket(
            AddressFamily::Inet,
            SockType::Stream,
            SockFlag::empty(),
            None,
        )
        .unwrap();
        set_congestion_control(&probe);
        let expected = nix::sys::socket::getsockopt(&probe, sockopt::TcpCongestion).unwrap();
        let echo = echo_server(1);
        let proxy = start_tcp(lo(), echo).unwrap();
        let s = connect(proxy.local_addr());
        (&s).write_all(b"x").unwrap();
        (&s).read_exact(&mut [0u8; 1]).unwrap();
        let conns: Vec<_> = lock(&proxy.shared.tcp).values().cloned().collect();
        assert_eq!(conns.len(), 1);
        let (client, upstream) = &conns[0];
        for sock in [&**client, &**upstream] {
            let cc = nix::sys::socket::getsockopt(sock, sockopt::TcpCongestion).unwrap();
            assert_eq!(cc, expected);
        }
    }

    /// A small request after a bulk transfer is answered at once: nothing
    /// in the pump holds data back for a batch (a batching experiment,
    /// SO_RCVLOWAT, was measured slower and removed; this test stays).
    #[test]
    fn a_request_after_a_bulk_transfer_is_not_held_back() {
        let echo = echo_server(1);
        let proxy = start_tcp(lo(), echo).unwrap();
        let s = connect(proxy.local_addr());
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let bulk = pattern(16 * 1024 * 1024);
        let mut w = s.try_clone().unwrap();
        let sent = bulk.clone();
        let writer = thread::spawn(move || w.write_all(&sent).unwrap());
        let mut got = vec![0u8; bulk.len()];
        (&s).read_exact(&mut got).unwrap();
        writer.join().unwrap();
        assert!(got == bulk, "data corrupted through the proxy");
        for round in 0..3 {
            let ping = format!("ping {round}");
            (&s).write_all(ping.as_bytes()).unwrap();
            let mut back = vec![0u8; ping.len()];
            (&s).read_exact(&mut back)
                .expect("the small request came back: nothing held it");
            assert_eq!(back, ping.as_bytes());
        }
    }

    #[test]
    fn tcp_upstream_half_close_is_forwarded() {
        let l = TcpListener::bind(lo()).unwrap();
        let target = l.local_addr().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            s.write_all(b"hello").unwrap();
            s.shutdown(Shutdown::Write).unwrap();
            let mut rest = Vec::new();
            s.read_to_end(&mut rest).unwrap();
            tx.send(rest).unwrap();
        });
        let proxy = start_tcp(lo(), target).unwrap();
        let mut s = connect(proxy.local_addr());
        let mut greeting = Vec::new();
        s.read_to_end(&mut greeting).unwrap(); // EOF arrives while we can still write
        assert_eq!(greeting, b"hello");
        s.write_all(b"still here").unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        assert_eq!(rx.recv_timeout(T).unwrap(), b"still here");
    }

    #[test]
    fn tcp_refused_backend_closes_client() {
        let dead = TcpListener::bind(lo()).unwrap().local_addr().unwrap(); // closed again
        let proxy = start_tcp(lo(), dead).unwrap();
        let mut s = connect(proxy.local_addr());
        let mut buf = [0u8; 1];
        // EOF or reset, but not a hang.
        assert!(matches!(s.read(&mut buf), Ok(0) | Err(_)));
    }

    #[test]
    fn tcp_stop_frees_port_and_cuts_connections() {
        let echo = echo_server(1);
        let proxy = start_tcp(lo(), echo).unwrap();
        let addr = proxy.local_addr();
        let mut s = connect(addr);
        s.write_all(b"x").unwrap();
        let mut b = [0u8; 1];
        s.read_exact(&mut b).unwrap();
        assert_eq!(proxy.active(), 1);
        proxy.stop();
        // Free at once: a plain listener can take the port.
        let again = TcpListener::bind(addr).expect("port still bound after stop()");
        drop(again);
        // The open connection is cut.
        assert!(matches!(s.read(&mut b), Ok(0) | Err(_)));
        // And so is drop.
        let p2 = start_tcp(addr, echo).unwrap();
        drop(p2);
        TcpListener::bind(addr).unwrap();
    }

    /// A client of a proxy whose cap is reached: its connection is reset,
    /// not answered.
    fn assert_refused(addr: SocketAddr) {
        let mut s = connect(addr);
        let _ = s.write_all(b"x");
        let mut b = [0u8; 1];
        assert!(
            matches!(s.read(&mut b), Ok(0) | Err(_)),
            "a connection beyond the cap was carried"
        );
    }

    #[test]
    fn tcp_connections_beyond_the_cap_are_refused_until_one_closes() {
        let echo = echo_server(4);
        let proxy = start_tcp_with_cap(lo(), echo, 3).unwrap();
        let addr = proxy.local_addr();
        let mut held: Vec<TcpStream> = (0..3)
            .map(|_| {
                let mut s = connect(addr);
                s.write_all(b"x").unwrap();
                let mut b = [0u8; 1];
                s.read_exact(&mut b).unwrap();
                s
            })
            .collect();
        assert_refused(addr);
        assert_refused(addr);
        assert_eq!(proxy.shared.slots.load(Ordering::SeqCst), 3);
        // One closes: its place is free again once the proxy has seen it.
        drop(held.pop());
        let deadline = Instant::now() + T;
        while proxy.shared.slots.load(Ordering::SeqCst) > 2 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        let mut s = connect(addr);
        s.write_all(b"y").unwrap();
        let mut b = [0u8; 1];
        s.read_exact(&mut b).unwrap();
        assert_eq!(&b, b"y");
    }

    #[test]
    fn tcp_bind_errors_come_back() {
        let taken = TcpListener::bind(lo()).unwrap();
        let e = start_tcp(taken.local_addr().unwrap(), lo()).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EADDRINUSE));
        assert_eq!(e.kind(), io::ErrorKind::AddrInUse);
        // A wildcard listener blocks a specific address on the same port.
        let p = start_tcp("0.0.0.0:0".parse().unwrap(), lo()).unwrap();
        let port = p.local_addr().port();
        let e = start_tcp(SocketAddr::from(([127, 0, 0, 1], port)), lo()).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EADDRINUSE));
    }

    #[test]
    fn ipv6_wildcard_is_separate_from_ipv4() {
        if !ipv6_loopback_works() {
            eprintln!("no IPv6 here; skipped");
            return;
        }
        let echo = echo_server(1);
        let v4 = start_tcp("0.0.0.0:0".parse().unwrap(), echo).unwrap();
        let port = v4.local_addr().port();
        // V6ONLY: `::` on the same port binds beside 0.0.0.0.
        let v6 = start_tcp(SocketAddr::from((Ipv6Addr::UNSPECIFIED, port)), echo).unwrap();
        let mut s = connect(SocketAddr::from((Ipv6Addr::LOCALHOST, port)));
        s.write_all(b"v6").unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        assert_eq!(got, b"v6");
        drop(v6);
        drop(v4);
    }

    #[test]
    fn works_inside_current_thread_runtime() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let echo = echo_server(1);
            let proxy = start_tcp(lo(), echo).unwrap();
            let addr = proxy.local_addr();
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(b"async").await.unwrap();
            s.shutdown().await.unwrap();
            let mut got = Vec::new();
            s.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"async");
            // No await between stop and rebind: the port is free at once.
            proxy.stop();
            let again = start_tcp(addr, echo).unwrap();
            drop(again);
        });
    }

    fn udp_echo() -> SocketAddr {
        let s = UdpSocket::bind(lo()).unwrap();
        let addr = s.local_addr().unwrap();
        thread::spawn(move || {
            let mut buf = [0u8; 65535];
            while let Ok((n, from)) = s.recv_from(&mut buf) {
                let mut reply = b"echo:".to_vec();
                reply.extend_from_slice(&buf[..n]);
                let _ = s.send_to(&reply, from);
            }
        });
        addr
    }

    fn udp_client() -> UdpSocket {
        let c = UdpSocket::bind(lo()).unwrap();
        c.set_read_timeout(Some(T)).unwrap();
        c
    }

    #[test]
    fn udp_round_trip_per_client() {
        let echo = udp_echo();
        let proxy = start_udp(lo(), echo).unwrap();
        let (a, b) = (udp_client(), udp_client());
        let mut buf = [0u8; 65535];
        for (c, msg) in [
            (&a, &b"from a"[..]),
            (&b, &b"from b"[..]),
            (&a, &b"again a"[..]),
        ] {
            c.send_to(msg, proxy.local_addr()).unwrap();
            let (n, from) = c.recv_from(&mut buf).unwrap();
            // Replies come from the published address, not the backend.
            assert_eq!(from, proxy.local_addr());
            assert_eq!(&buf[..n], [&b"echo:"[..], msg].concat().as_slice());
        }
        assert_eq!(proxy.active(), 2);
        // A large datagram survives intact.
        let big = pattern(60000);
        a.send_to(&big, proxy.local_addr()).unwrap();
        let (n, _) = a.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[5..n], big.as_slice());
    }

    #[test]
    fn udp_bursts_of_two_clients_come_back_whole_in_order_to_each() {
        // Sent back to back, the datagrams queue up and the proxy takes
        // them in batches with both clients' datagrams mixed.
        let echo = udp_echo();
        let proxy = start_udp(lo(), echo).unwrap();
        let (a, b) = (udp_client(), udp_client());
        let msg = |who: u8, i: usize| {
            let mut m = vec![who, i as u8];
            m.extend(pattern(1 + i * 97 % 1500));
            m
        };
        for i in 0..24 {
            a.send_to(&msg(b'a', i), proxy.local_addr()).unwrap();
            b.send_to(&msg(b'b', i), proxy.local_addr()).unwrap();
        }
        let mut buf = [0u8; 2048];
        for (c, who) in [(&a, b'a'), (&b, b'b')] {
            for i in 0..24 {
                let (n, from) = c.recv_from(&mut buf).unwrap();
                assert_eq!(from, proxy.local_addr());
                assert_eq!(&buf[..n], [&b"echo:"[..], &msg(who, i)].concat().as_slice());
            }
        }
        assert_eq!(proxy.active(), 2);
    }

    #[test]
    fn udp_clients_beyond_the_cap_are_dropped() {
        let echo = udp_echo();
        let proxy = start_udp_with(lo(), echo, UDP_IDLE_TIMEOUT, 2).unwrap();
        let mut buf = [0u8; 64];
        let (a, b, c) = (udp_client(), udp_client(), udp_client());
        for client in [&a, &b] {
            client.send_to(b"in", proxy.local_addr()).unwrap();
            client.recv_from(&mut buf).unwrap();
        }
        c.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        c.send_to(b"out", proxy.local_addr()).unwrap();
        assert!(c.recv_from(&mut buf).is_err(), "a third client got a flow");
        assert_eq!(proxy.active(), 2);
        // The clients that have a flow keep it.
        a.send_to(b"again", proxy.local_addr()).unwrap();
        let (n, _) = a.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"echo:again");
    }

    #[test]
    fn udp_idle_flows_expire() {
        let echo = udp_echo();
        let proxy = start_udp_with(lo(), echo, Duration::from_millis(200), MAX_UDP_FLOWS).unwrap();
        let c = udp_client();
        let mut buf = [0u8; 64];
        c.send_to(b"1", proxy.local_addr()).unwrap();
        c.recv_from(&mut buf).unwrap();
        assert_eq!(proxy.active(), 1);
        let deadline = Instant::now() + T;
        while proxy.active() > 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(proxy.active(), 0);
        // A new flow is made on the next datagram.
        c.send_to(b"2", proxy.local_addr()).unwrap();
        let (n, _) = c.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"echo:2");
    }

    #[test]
    fn udp_stop_frees_port_and_conflicts_fail() {
        let echo = udp_echo();
        let proxy = start_udp(lo(), echo).unwrap();
        let addr = proxy.local_addr();
        let c = udp_client();
        c.send_to(b"x", addr).unwrap();
        let mut buf = [0u8; 16];
        c.recv_from(&mut buf).unwrap();
        // No SO_REUSEADDR on UDP: a second bind of the same port fails.
        let e = start_udp(addr, echo).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EADDRINUSE));
        proxy.stop();
        UdpSocket::bind(addr).expect("UDP port still bound after stop()");
    }

    #[test]
    fn udp_backend_not_listening_keeps_proxy_alive() {
        let dead = UdpSocket::bind(lo()).unwrap().local_addr().unwrap();
        let proxy = start_udp(lo(), dead).unwrap();
        let c = udp_client();
        c.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut buf = [0u8; 16];
        for _ in 0..3 {
            c.send_to(b"x", proxy.local_addr()).unwrap();
            assert!(c.recv_from(&mut buf).is_err()); // no answer, no crash
        }
        assert_eq!(proxy.active(), 1);
    }
}
