//! Starting, running and stopping a lab's engine. The engine enters its own
//! user (when not root), network, mount, UTS, IPC and PID namespaces, and is
//! PID 1 there: when it exits, for any reason, the kernel removes the lab.

use super::{ownership, Lab, Status};
use crate::engine::{self, api::Request, EngineConfig};
use crate::sys::backoff::Backoff;
use crate::sys::fdpass::{self, LineReader};
use nix::sched::{unshare, CloneFlags};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// A request must arrive whole, and a reply be taken, within this; else the
/// connection is dropped. A client that stops sending or reading then costs
/// the engine one fd and a little memory for a while, never its attention:
/// replies are written without blocking, and the engine serves others
/// meanwhile. (Long operations, such as waiting for a container, are not
/// I/O and have no such limit.)
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest request line. A request carries at most a command line,
/// which Linux caps at 2 MiB (ARG_MAX) by default, so no CLI request comes
/// near it; a client sending without a newline is cut off here instead of
/// growing the engine's memory.
const MAX_REQUEST: usize = 4 << 20;

#[derive(Debug, Clone, Copy, Default)]
pub struct StartOptions {
    pub deterministic: bool,
    /// A process whose end ends the lab (a lesson run, a shell), even if it
    /// dies of SIGKILL and never gets to stop it.
    pub owner: Option<u32>,
}

/// How a lab came to be running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Started {
    Fresh { pid: i32 },
    AlreadyRunning { pid: i32 },
}

/// The lab running, started if it was not: under its lock, so of several
/// callers at once exactly one starts an engine and the rest use it.
pub fn ensure_running(lab: &Lab, opts: StartOptions) -> Result<Started, String> {
    if let Status::Running { pid } = lab.status()? {
        return Ok(Started::AlreadyRunning { pid });
    }
    let lock = lab.lock()?;
    let status = lab.status()?;
    if let Status::Running { pid } = status {
        return Ok(Started::AlreadyRunning { pid });
    }
    if status == Status::Crashed {
        keep_crash_log(lab)?;
    }
    match launch(lab, opts) {
        Ok(pid) => Ok(Started::Fresh { pid }),
        Err(e) => {
            // Nothing of the failed lab stays (its directory went with
            // `engine_failure`).
            lock.remove();
            remove_empty_state_root();
            Err(e)
        }
    }
}

/// A lab that had crashed: say so once, keep its log as engine.log.1, and
/// clear the rest for a fresh start. Caller holds the lock.
fn keep_crash_log(lab: &Lab) -> Result<(), String> {
    let kept = std::fs::rename(lab.log_file(), lab.crash_log()).is_ok();
    eprintln!(
        "netlings: lab {} had stopped unexpectedly (its engine exited without being stopped){}",
        lab.name,
        if kept {
            format!("; its log is kept at {}", lab.crash_log().display())
        } else {
            String::new()
        }
    );
    let entries = std::fs::read_dir(lab.dir()).map_err(|e| e.to_string())?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path == lab.crash_log() {
            continue;
        }
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        let removed = if is_dir {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(|e| format!("cannot clear {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Starts the lab's engine in the background and waits until it answers.
/// The caller holds the lab's lock and has found it not running.
fn launch(lab: &Lab, opts: StartOptions) -> Result<i32, String> {
    crate::sys::ns::probe_privileges()?;
    ownership::ensure(&lab.dir())?;
    match std::fs::create_dir(lab.files_dir()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot create {}: {e}", lab.files_dir().display())),
    }
    let log = std::fs::File::create(lab.log_file()).map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg0("netlings-engine").arg("__engine").arg(&lab.name);
    // Inside its user namespace the engine is uid 0 and would pick root's
    // state dir: tell it where this lab lives.
    cmd.env("NETLINGS_STATE_DIR", super::state_root());
    if opts.deterministic {
        cmd.arg("--deterministic");
    }
    if let Some(owner) = opts.owner {
        cmd.arg("--owner").arg(owner.to_string());
    }
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    cmd.stdin(std::process::Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log);
    // SAFETY: setsid is async-signal-safe; it detaches the engine from our
    // terminal so a Ctrl-C in the CLI does not reach it.
    unsafe {
        cmd.pre_exec(|| {
            nix::unistd::setsid().map_err(std::io::Error::from)?;
            Ok(())
        });
    }
    let mut launcher = cmd
        .spawn()
        .map_err(|e| format!("cannot start the engine: {e}"))?;
    let status = launcher.wait().map_err(|e| e.to_string())?;
    let engine_pid = std::fs::read_to_string(lab.pid_file())
        .ok()
        .and_then(|t| t.trim().parse::<i32>().ok());
    // A launcher that failed says why in the log. One killed by a signal
    // may have handed over an engine first (its pid is on record): that
    // engine is then waited for like any other.
    let handed_over = status.signal().is_some() && engine_pid.is_some();
    if !status.success() && !handed_over {
        return Err(engine_failure(lab));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        match super::client::connect(lab) {
            Ok((_, pid)) => return Ok(pid),
            Err(super::client::ConnectError::Refused(why)) => return Err(why),
            Err(super::client::ConnectError::NotListening) => {}
        }
        // The launcher's child, not yet reaped by anyone, tells us whether
        // it is still coming up.
        if let Some(pid) = engine_pid {
            if !alive(pid) {
                return Err(engine_failure(lab));
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Err(format!(
        "lab {} did not come up within 10 s; see {}",
        lab.name,
        lab.log_file().display()
    ))
}

/// Whether `pid` runs (a zombie has exited). Only for the engine we have
/// just launched, from our own PID namespace.
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            !s.rsplit(')')
                .next()
                .is_some_and(|r| r.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

fn engine_failure(lab: &Lab) -> String {
    let log = std::fs::read_to_string(lab.log_file()).unwrap_or_default();
    let last = log.lines().last().unwrap_or("no log").to_string();
    let _ = ownership::remove(&lab.dir());
    format!("lab {} failed to start: {last}", lab.name)
}

/// What `stop` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    Stopped,
    /// It had crashed; what it left is removed.
    WasCrashed,
}

/// Stops the lab: asks its engine to exit, and kills it if it will not;
/// only a process that answers on the lab's socket as our engine is ever
/// signalled.
pub fn stop(lab: &Lab) -> Result<Stopped, String> {
    let lock = lab.lock()?;
    let outcome = match lab.status()? {
        Status::Stopped => {
            lock.remove();
            remove_empty_state_root();
            return Err(format!("lab {} is not running", lab.name));
        }
        Status::Crashed => Stopped::WasCrashed,
        Status::Running { .. } => {
            // Synchronous, so the interface name is free when this returns
            // (the kernel would delete it with the lab's namespace, but later).
            if let Some(exposure) = crate::lab::expose::recorded(lab) {
                crate::lab::expose::remove(&exposure);
            }
            shut_down(lab)?;
            Stopped::Stopped
        }
    };
    ownership::remove(&lab.dir())?;
    lock.remove();
    remove_empty_state_root();
    Ok(outcome)
}

/// The state directory goes when its last lab has (best effort: a lab
/// starting meanwhile keeps it).
fn remove_empty_state_root() {
    let _ = std::fs::remove_dir(super::state_root());
}

/// Shuts the engine down by its socket. Its pid comes from the kernel
/// (SO_PEERCRED) and is pinned with a pidfd; a second connection then
/// proves the listener is still that process, so no recycled pid is hit.
fn shut_down(lab: &Lab) -> Result<(), String> {
    let refused = |e: super::client::ConnectError| match e {
        super::client::ConnectError::NotListening => None,
        super::client::ConnectError::Refused(why) => Some(why),
    };
    let (_, pid) = match super::client::connect(lab) {
        Ok(c) => c,
        Err(e) => return refused(e).map_or(Ok(()), Err),
    };
    // SAFETY: pidfd_open with integer arguments only.
    let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
    if raw < 0 {
        // Gone already.
        return Ok(());
    }
    // SAFETY: pidfd_open just returned this descriptor; nothing else owns it.
    let pidfd = unsafe { OwnedFd::from_raw_fd(raw) };
    let (stream, again) = match super::client::connect(lab) {
        Ok(c) => c,
        Err(e) => return refused(e).map_or(Ok(()), Err),
    };
    if again != pid {
        return Err(format!(
            "lab {}'s engine changed while stopping it; try again",
            lab.name
        ));
    }
    let _ = super::client::call_on(lab, &stream, &Request::Shutdown, &[]);
    if !wait_exit(&pidfd, Some(Duration::from_secs(5))) {
        // SAFETY: pidfd_send_signal on a pidfd that stays open here, with
        // no siginfo (null) and no flags.
        unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                pidfd.as_raw_fd(),
                libc::SIGKILL,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            )
        };
        wait_exit(&pidfd, Some(Duration::from_secs(2)));
    }
    Ok(())
}

/// Waits until the pidfd's process has exited, at most `timeout` (None:
/// for as long as it takes).
fn wait_exit(pidfd: &OwnedFd, timeout: Option<Duration>) -> bool {
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        let ms = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()).as_millis() as i32,
            None => -1,
        };
        let mut pfd = libc::pollfd {
            fd: pidfd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll reads and writes one pollfd on our stack.
        match unsafe { libc::poll(&mut pfd, 1, ms) } {
            n if n > 0 => return true,
            0 => return false,
            // EINTR: go on waiting.
            _ => {}
        }
    }
}

/// The hidden `__engine NAME [--deterministic] [--owner PID]` entry point.
/// Runs single-threaded until the namespaces exist (unshare of a user
/// namespace refuses threaded callers).
pub fn engine_main(args: &[String]) -> i32 {
    let name = args.first().cloned().unwrap_or_default();
    let deterministic = args.iter().any(|a| a == "--deterministic");
    let owner: Option<i32> = args
        .iter()
        .position(|a| a == "--owner")
        .and_then(|i| args.get(i + 1))
        .and_then(|p| p.parse().ok());
    let lab = match Lab::new(&name) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    // Nothing the starting CLI had open (a terminal, a directory) may live
    // on in the engine and its containers. The umask is Docker's, whatever
    // the CLI ran with: containers' files get the modes they get there,
    // and the lab's state is private by its 0700 directory and 0600 socket.
    // SAFETY: nothing in this process owns a descriptor from 3 up yet
    // (main and Lab::new open none), so closing them all breaks no OwnedFd;
    // umask only sets a mode mask.
    unsafe {
        libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32);
        libc::umask(0o022);
    }
    // Pinned before the owner could be gone: the engine ends when it ends.
    let owner_fd = match owner {
        Some(pid) => {
            // SAFETY: pidfd_open with integer arguments only.
            let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
            if fd < 0 {
                // Its starter is gone and will not clean up: we do.
                eprintln!("the lab's owner (pid {pid}) has already exited");
                remove_lab(&lab);
                return 1;
            }
            // SAFETY: pidfd_open just returned this descriptor; nothing
            // else owns it.
            Some(unsafe { OwnedFd::from_raw_fd(fd) })
        }
        None => None,
    };
    crate::sys::process::raise_fd_limit();
    let rootless = !nix::unistd::geteuid().is_root();
    if rootless {
        if let Err(e) = crate::sys::ns::enter_user_namespace() {
            eprintln!(
                "cannot create a user namespace ({e}): {}",
                crate::sys::ns::NO_PRIVILEGES
            );
            return 1;
        }
    }
    let flags = CloneFlags::CLONE_NEWNET
        | CloneFlags::CLONE_NEWNS
        | CloneFlags::CLONE_NEWPID
        | CloneFlags::CLONE_NEWUTS
        | CloneFlags::CLONE_NEWIPC;
    if let Err(e) = unshare(flags) {
        eprintln!("cannot create the lab's namespaces: {e}");
        return 1;
    }
    // The engine goes on only once its pid is on record: a launcher killed
    // before that (kill -9 at the wrong moment) leaves no engine nobody
    // knows of. The pipe says "recorded" with a byte, or nothing at all.
    let (handover_r, handover_w) = match nix::unistd::pipe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("cannot start the engine: {e}");
            return 1;
        }
    };
    // The new PID namespace applies to children: fork the engine as PID 1.
    // SAFETY: single-threaded still (nothing above starts a thread; the
    // runtime starts in the child), so the child may allocate and lock.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Parent { child }) => {
            drop(handover_r);
            if let Err(e) = std::fs::write(lab.pid_file(), format!("{child}\n")) {
                eprintln!("cannot write {}: {e}", lab.pid_file().display());
                let _ = nix::sys::signal::kill(child, nix::sys::signal::Signal::SIGKILL);
                return 1;
            }
            let _ = nix::unistd::write(&handover_w, b"!");
            0
        }
        Ok(nix::unistd::ForkResult::Child) => {
            drop(handover_w);
            let mut byte = [0u8; 1];
            if !matches!(nix::unistd::read(&handover_r, &mut byte), Ok(1)) {
                return 1;
            }
            drop(handover_r);
            match run_engine(&lab, deterministic, rootless, owner_fd) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("engine: {e}");
                    1
                }
            }
        }
        Err(e) => {
            eprintln!("cannot fork the engine: {e}");
            1
        }
    }
}

/// The lab host's own /run: a tmpfs that hides the machine's, so that
/// /var/run/docker.sock there is the lab's (and a real Docker's socket on
/// this machine is out of reach), with the labs' state directory bound
/// back in at its path. Nothing is written to the machine's /run.
fn private_run() -> std::io::Result<()> {
    use nix::mount::{mount, MsFlags};
    let none = None::<&str>;
    let run = std::fs::canonicalize("/var/run").unwrap_or_else(|_| "/run".into());
    let state = super::state_root();
    let kept = if state.starts_with(&run) {
        Some(std::fs::File::open(&state)?)
    } else {
        None
    };
    // /etc/resolv.conf may be a link into /run (systemd-resolved): its
    // target must exist again for the lab's resolv.conf to be bound there.
    let resolv_target = std::fs::canonicalize("/etc/resolv.conf")
        .ok()
        .filter(|t| t.starts_with(&run));
    mount(
        Some("tmpfs"),
        &run,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("mode=755,size=1m"),
    )?;
    if let Some(dir) = kept {
        std::fs::create_dir_all(&state)?;
        let from = format!("/proc/self/fd/{}", dir.as_raw_fd());
        mount(
            Some(from.as_str()),
            &state,
            none,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            none,
        )?;
    }
    if let Some(target) = resolv_target {
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&target, "")?;
    }
    Ok(())
}

/// /var/run/docker.sock on the lab host: the API socket, bound there in
/// the lab's private /run. A failure costs only that path (clients can
/// use the one in the lab's directory), so it is logged, not fatal.
fn bind_lab_host_docker_socket(lab: &Lab) {
    use nix::mount::{mount, MsFlags};
    let target = std::path::Path::new("/var/run/docker.sock");
    let made = std::fs::File::create(target).and_then(|_| {
        mount(
            Some(&lab.docker_socket()),
            target,
            None::<&str>,
            MsFlags::MS_BIND,
            None::<&str>,
        )
        .map_err(io::Error::from)
    });
    if let Err(e) = made {
        eprintln!("netlings engine: no /var/run/docker.sock on the lab host: {e}");
    }
}

fn prepare_lab_host(lab: &Lab, deterministic: bool) -> std::io::Result<()> {
    use nix::mount::{mount, MsFlags};
    let none = None::<&str>;
    // Nothing we mount may propagate to the real host.
    mount(none, "/", none, MsFlags::MS_REC | MsFlags::MS_PRIVATE, none)?;
    private_run()?;
    // A /proc for the lab's PID namespace, so pids mean what we think.
    mount(
        Some("proc"),
        "/proc",
        Some("proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        none,
    )?;
    // Containers' layers and files live here, only in the lab's mount
    // namespace. nodev: a node made with mknod in a layer opens nothing.
    // A quarter of memory at most, so a learner's `dd` cannot take it all.
    mount(
        Some("tmpfs"),
        &lab.files_dir(),
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("mode=755,size=25%"),
    )?;
    // The lab host resolves through the engine (see LAB_HOST_RESOLV_CONF).
    let resolv = lab.files_dir().join("resolv.conf");
    std::fs::write(&resolv, crate::engine::LAB_HOST_RESOLV_CONF)?;
    if std::path::Path::new("/etc/resolv.conf").exists() {
        mount(
            Some(&resolv),
            "/etc/resolv.conf",
            none,
            MsFlags::MS_BIND,
            none,
        )?;
    }
    // A deterministic lab's name holds a pid; its hostname (which `--net
    // host` containers show) must not, for transcripts to stay the same.
    nix::unistd::sethostname(if deterministic {
        "lab-host".to_string()
    } else {
        format!("lab-{}", lab.name)
    })?;
    // A fresh netns copies the host's sysctls; the lab must not forward
    // between bridges (that is how networks stay isolated here).
    std::fs::write("/proc/sys/net/ipv4/ip_forward", "0")?;
    let _ = std::fs::write("/proc/sys/net/ipv4/ping_group_range", "0 2147483647");
    // Networks are IPv4-only unless created with `--ipv6` (EnableIPv6:
    // false, as Docker's default): IPv6 is off on every interface, and
    // turned on only for a `--ipv6` network's bridge and veths. Without it
    // no link-local addresses are configured on every bridge and veth,
    // which keeps network creation and container starts flat. Nor does
    // the lab host forward IPv6 between bridges: networks stay isolated
    // in both families.
    for path in [
        "/proc/sys/net/ipv6/conf/all/disable_ipv6",
        "/proc/sys/net/ipv6/conf/default/disable_ipv6",
        "/proc/sys/net/ipv6/conf/all/forwarding",
    ] {
        let v = if path.ends_with("forwarding") {
            "0"
        } else {
            "1"
        };
        let _ = std::fs::write(path, v);
    }
    // Except on the lab host's loopback: published ports list `:::PORT`,
    // and on a Docker host `curl http://[::1]:PORT/` reaches them.
    let _ = std::fs::write("/proc/sys/net/ipv6/conf/lo/disable_ipv6", "0");
    crate::sys::ns::set_link_up("lo")?;
    Ok(())
}

fn run_engine(
    lab: &Lab,
    deterministic: bool,
    rootless: bool,
    owner: Option<OwnedFd>,
) -> Result<(), String> {
    prepare_lab_host(lab, deterministic).map_err(|e| format!("preparing the lab host: {e}"))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let engine = engine::Engine::boot(EngineConfig {
            deterministic,
            files_dir: lab.files_dir(),
            rootless,
        })
        .await
        .map_err(|e| format!("setting up the lab: {e}"))?;
        if let Some(owner) = owner {
            let (lab, engine) = (lab.clone(), engine.clone());
            // A thread of its own: it only waits, and must act even if the
            // runtime is busy. It takes the engine's lock first, so no
            // request is writing into the lab's directory while it goes.
            std::thread::spawn(move || {
                wait_exit(&owner, None);
                eprintln!("the lab's owner has exited: the lab goes with it");
                let _quiet = engine.blocking_lock();
                remove_lab(&lab);
                std::process::exit(0);
            });
        }
        let listener = bind_private(&lab.socket())?;
        // Docker's Engine API, for the genuine clients: in the lab's
        // directory for this machine, and at /var/run/docker.sock on the
        // lab host (a bind of the same socket; see `prepare_lab_host`).
        let api = bind_private(&lab.docker_socket())?;
        bind_lab_host_docker_socket(lab);
        tokio::spawn(crate::docker_api::serve(api, engine.clone(), refuse_peer));
        let mut errors = Backoff::new("lab socket: accept");
        let gate = engine.lock().await.start_gate.clone();
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    let engine = engine.clone();
                    let gate = gate.clone();
                    let lab = lab.clone();
                    tokio::spawn(async move {
                        if let Some(why) = refuse_peer(&stream) {
                            // The refusal is the reply to its request (read,
                            // not acted on): a client that is still sending
                            // gets it instead of a broken pipe.
                            let _ = tokio::time::timeout(IO_TIMEOUT, read_request(&stream)).await;
                            let reply: crate::engine::api::Reply =
                                Err(crate::engine::api::ApiError::forbidden(why));
                            let text = serde_json::to_string(&reply).unwrap_or_default();
                            let _ = send(&stream, &text, &[]).await;
                            return;
                        }
                        if let Err(e) = serve_connection(engine, &gate, stream, &lab).await {
                            eprintln!("connection: {e}");
                        }
                    });
                }
                // Out of fds (a flood on a published port) or memory: wait
                // for some to come back. Returning here would end the engine,
                // and with it every container of the lab.
                Err(e) => {
                    if let Some(pause) = errors.after(&e) {
                        tokio::time::sleep(pause).await;
                    }
                }
            }
        }
    })
}

/// Only the lab's owner (root in the engine's user namespace, which is
/// the owner's uid in a rootless lab) may drive it.
fn refuse_peer(stream: &tokio::net::UnixStream) -> Option<String> {
    let me = nix::unistd::geteuid().as_raw();
    match stream.peer_cred() {
        Ok(c) if c.uid() == me || c.uid() == 0 => None,
        Ok(c) => {
            eprintln!("refused a client with uid {} (pid {:?})", c.uid(), c.pid());
            Some("permission denied: this lab belongs to another user".into())
        }
        Err(e) => Some(format!("permission denied: {e}")),
    }
}

/// An engine leaving on its own (its owner died) takes its directory with
/// it; on `lab stop` the CLI removes it instead.
fn remove_lab(lab: &Lab) {
    // Every step runs; what fails is logged. Already gone is no failure.
    let mut errors = Vec::new();
    let gone = |e: &io::Error| e.kind() == io::ErrorKind::NotFound;
    match std::fs::remove_file(lab.socket()) {
        Err(e) if !gone(&e) => errors.push(format!("removing the socket: {e}")),
        _ => {}
    }
    match std::fs::remove_file(lab.docker_socket()) {
        Err(e) if !gone(&e) => errors.push(format!("removing the API socket: {e}")),
        _ => {}
    }
    match nix::mount::umount2(&lab.files_dir(), nix::mount::MntFlags::MNT_DETACH) {
        // EINVAL: not mounted (any more).
        Err(e) if e != nix::errno::Errno::EINVAL && e != nix::errno::Errno::ENOENT => {
            errors.push(format!("unmounting the files: {e}"))
        }
        _ => {}
    }
    if let Err(e) = ownership::remove(&lab.dir()) {
        errors.push(e);
    }
    match std::fs::remove_file(lab.lock_file()) {
        Err(e) if !gone(&e) => errors.push(format!("removing the lock file: {e}")),
        _ => {}
    }
    // The state root goes once no lab is left in it: not a failure if not.
    let _ = std::fs::remove_dir(super::state_root());
    for e in errors {
        eprintln!("removing lab {}: {e}", lab.name);
    }
}

async fn serve_connection(
    engine: engine::Shared,
    gate: &engine::start_gate::StartGate,
    stream: tokio::net::UnixStream,
    lab: &Lab,
) -> io::Result<()> {
    let Some((line, fds)) = tokio::time::timeout(IO_TIMEOUT, read_request(&stream))
        .await
        .map_err(|_| {
            io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "no whole request within {} s; dropped",
                    IO_TIMEOUT.as_secs()
                ),
            )
        })??
    else {
        return Ok(());
    };
    let req: Request = match serde_json::from_str(&line) {
        Ok(r) => r,
        Err(e) => {
            let reply: crate::engine::api::Reply = Err(crate::engine::api::ApiError::invalid(
                format!("bad request: {e}"),
            ));
            return send(
                &stream,
                &serde_json::to_string(&reply).unwrap_or_default(),
                &[],
            )
            .await;
        }
    };
    let shutdown = matches!(req, Request::Shutdown);
    let (reply, out_fds) = match req {
        // A watcher killed while it waits (its capture ended) is let go at
        // once: the next start does not wait for it.
        Request::StartsPoll { watcher, done } => {
            tokio::select! {
                answered = engine::poll_watcher(gate, watcher, &done) => answered,
                () = closed(&stream) => {
                    gate.unwatch(watcher);
                    return Ok(());
                }
            }
        }
        req => match engine::handle_watcher(gate, req).await {
            Ok(answered) => answered,
            Err(req) => engine::handle(&engine, req, fds).await,
        },
    };
    let text = serde_json::to_string(&reply)
        .unwrap_or_else(|e| format!("{{\"Err\":{{\"message\":\"{e}\"}}}}"));
    let raw: Vec<RawFd> = out_fds.iter().map(|f| f.as_raw_fd()).collect();
    send(&stream, &text, &raw).await?;
    if shutdown {
        // No socket left behind is how a stopped lab differs from a crashed
        // one. PID 1 leaving takes every container with it; the netns,
        // bridges and veths go with the last process that held them.
        let _ = std::fs::remove_file(lab.socket());
        std::process::exit(0);
    }
    Ok(())
}

/// Returns once the client closed its end (or sent what no request
/// follows with).
async fn closed(stream: &tokio::net::UnixStream) {
    let mut b = [0u8; 64];
    loop {
        if stream.readable().await.is_err() {
            return;
        }
        match stream.try_read(&mut b) {
            Ok(0) => return,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            // Bytes after the request are ignored.
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

/// One request line and the fds that came with it; None if the client
/// closed before sending one.
async fn read_request(
    stream: &tokio::net::UnixStream,
) -> io::Result<Option<(String, Vec<OwnedFd>)>> {
    let mut reader = LineReader::new();
    let mut fds: Vec<OwnedFd> = Vec::new();
    loop {
        if let Some(line) = reader.take_line() {
            if line.len() > MAX_REQUEST {
                break;
            }
            return Ok(Some((line, fds)));
        }
        if reader.buffered() > MAX_REQUEST {
            break;
        }
        stream.readable().await?;
        match stream.try_io(tokio::io::Interest::READABLE, || {
            reader.read_some(stream.as_raw_fd())
        }) {
            Ok(Some(more)) => fds.extend(more),
            Ok(None) => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
        if fds.len() > fdpass::MAX_FDS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("more than {} fds with a request; dropped", fdpass::MAX_FDS),
            ));
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        format!("request longer than {} MiB; dropped", MAX_REQUEST >> 20),
    ))
}

/// Writes a reply line (fds on its first byte) as the client takes it,
/// without ever blocking the engine's thread: a client that does not read
/// waits alone, and is dropped after [`IO_TIMEOUT`].
async fn send(stream: &tokio::net::UnixStream, text: &str, fds: &[RawFd]) -> io::Result<()> {
    let data = fdpass::with_newline(text);
    let write = async {
        let mut sent = 0;
        while sent < data.len() {
            stream.writable().await?;
            let attach = if sent == 0 { fds } else { &[] };
            match stream.try_io(tokio::io::Interest::WRITABLE, || {
                fdpass::send_some(stream.as_raw_fd(), &data[sent..], attach)
            }) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    };
    tokio::time::timeout(IO_TIMEOUT, write)
        .await
        .unwrap_or_else(|_| {
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "a reply of {} bytes not taken within {} s; dropped",
                    data.len(),
                    IO_TIMEOUT.as_secs()
                ),
            ))
        })
}

/// A listening socket at `path` that is owner-only (0600) from the moment
/// anyone can connect to it: bound under a temporary name, secured, then
/// renamed into place, so a client that races the engine's start never
/// finds it open wider (bind makes it 0755 under the umask).
fn bind_private(path: &std::path::Path) -> Result<tokio::net::UnixListener, String> {
    let staging = path.with_extension("sock.new");
    let _ = std::fs::remove_file(&staging);
    let listener = tokio::net::UnixListener::bind(&staging)
        .map_err(|e| format!("binding {}: {e}", path.display()))?;
    std::fs::set_permissions(
        &staging,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .and_then(|()| std::fs::rename(&staging, path))
    .map_err(|e| {
        let _ = std::fs::remove_file(&staging);
        format!("securing {}: {e}", path.display())
    })?;
    Ok(listener)
}
