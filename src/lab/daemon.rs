//! Starting, running and stopping a lab's engine. The engine enters its own
//! user (when not root), network, mount, UTS, IPC and PID namespaces, and is
//! PID 1 there: when it exits, for any reason, the kernel removes the lab.

use super::Lab;
use crate::engine::{self, api::Request, EngineConfig};
use crate::sys::backoff::Backoff;
use crate::sys::fdpass::{self, LineReader};
use nix::sched::{unshare, CloneFlags};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
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

/// Starts the lab's engine in the background and waits until it answers.
pub fn start(lab: &Lab, deterministic: bool) -> Result<i32, String> {
    if let Some(pid) = lab.engine_pid() {
        return Err(format!(
            "lab {} is already running (engine pid {pid})",
            lab.name
        ));
    }
    crate::sys::ns::probe_privileges()?;
    // A stale directory from a killed engine: clear it.
    let _ = std::fs::remove_dir_all(lab.dir());
    std::fs::create_dir_all(lab.files_dir())
        .map_err(|e| format!("cannot create {}: {e}", lab.dir().display()))?;
    let log = std::fs::File::create(lab.log_file()).map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg0("netlings-engine").arg("__engine").arg(&lab.name);
    // Inside its user namespace the engine is uid 0 and would pick root's
    // state dir: tell it where this lab lives.
    cmd.env("NETLINGS_STATE_DIR", super::state_root());
    if deterministic {
        cmd.arg("--deterministic");
    }
    use std::os::unix::process::CommandExt;
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
    if !status.success() {
        return Err(engine_failure(lab));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if lab.is_running() {
            return lab.engine_pid().ok_or_else(|| engine_failure(lab));
        }
        if lab.pid_file().exists() && lab.engine_pid().is_none() {
            return Err(engine_failure(lab));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Err(format!(
        "lab {} did not come up within 10 s; see {}",
        lab.name,
        lab.log_file().display()
    ))
}

fn engine_failure(lab: &Lab) -> String {
    let log = std::fs::read_to_string(lab.log_file()).unwrap_or_default();
    let last = log.lines().last().unwrap_or("no log").to_string();
    let _ = std::fs::remove_dir_all(lab.dir());
    format!("lab {} failed to start: {last}", lab.name)
}

/// Stops the lab: asks the engine to exit, then makes sure it has.
pub fn stop(lab: &Lab) -> Result<(), String> {
    let Some(pid) = lab.engine_pid() else {
        let existed = lab.dir().exists();
        let _ = std::fs::remove_dir_all(lab.dir());
        return if existed {
            Ok(())
        } else {
            Err(format!("lab {} is not running", lab.name))
        };
    };
    // Synchronous, so the interface name is free when this returns (the
    // kernel would delete it with the lab's namespace, but later).
    if let Some(exposure) = crate::expose::recorded(lab) {
        crate::expose::remove(&exposure);
    }
    let _ = super::client::call(lab, &Request::Shutdown, &[]);
    let pid = nix::unistd::Pid::from_raw(pid);
    let deadline = Instant::now() + Duration::from_secs(5);
    let alive = |pid: nix::unistd::Pid| {
        nix::sys::signal::kill(pid, None).is_ok() && !super::is_zombie(pid.as_raw())
    };
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    if alive(pid) {
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = std::fs::remove_dir_all(lab.dir());
    Ok(())
}

/// The hidden `__engine NAME` entry point. Runs single-threaded until the
/// namespaces exist (unshare of a user namespace refuses threaded callers).
pub fn engine_main(name: &str, deterministic: bool) -> i32 {
    let lab = match Lab::new(name) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
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
    // The new PID namespace applies to children: fork the engine as PID 1.
    // SAFETY: still single-threaded.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Parent { child }) => {
            if let Err(e) = std::fs::write(lab.pid_file(), format!("{child}\n")) {
                eprintln!("cannot write {}: {e}", lab.pid_file().display());
                let _ = nix::sys::signal::kill(child, nix::sys::signal::Signal::SIGKILL);
                return 1;
            }
            0
        }
        Ok(nix::unistd::ForkResult::Child) => match run_engine(&lab, deterministic, rootless) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("engine: {e}");
                1
            }
        },
        Err(e) => {
            eprintln!("cannot fork the engine: {e}");
            1
        }
    }
}

fn prepare_lab_host(lab: &Lab) -> std::io::Result<()> {
    use nix::mount::{mount, MsFlags};
    let none = None::<&str>;
    // Nothing we mount may propagate to the real host.
    mount(none, "/", none, MsFlags::MS_REC | MsFlags::MS_PRIVATE, none)?;
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
    nix::unistd::sethostname(format!("lab-{}", lab.name))?;
    // A fresh netns copies the host's sysctls; the lab must not forward
    // between bridges (that is how networks stay isolated here).
    std::fs::write("/proc/sys/net/ipv4/ip_forward", "0")?;
    let _ = std::fs::write("/proc/sys/net/ipv4/ping_group_range", "0 2147483647");
    // Networks here are IPv4-only (EnableIPv6: false, as Docker's default);
    // without IPv6 no link-local addresses are configured on every bridge
    // and veth, which keeps network creation and container starts flat.
    for path in [
        "/proc/sys/net/ipv6/conf/all/disable_ipv6",
        "/proc/sys/net/ipv6/conf/default/disable_ipv6",
    ] {
        let _ = std::fs::write(path, "1");
    }
    // Except on the lab host's loopback: published ports list `:::PORT`,
    // and on a Docker host `curl http://[::1]:PORT/` reaches them.
    let _ = std::fs::write("/proc/sys/net/ipv6/conf/lo/disable_ipv6", "0");
    crate::sys::ns::set_link_up("lo")?;
    Ok(())
}

fn run_engine(lab: &Lab, deterministic: bool, rootless: bool) -> Result<(), String> {
    // Die with our launcher's session if asked to stop by a signal.
    prepare_lab_host(lab).map_err(|e| format!("preparing the lab host: {e}"))?;
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
        let _ = std::fs::remove_file(lab.socket());
        let listener = tokio::net::UnixListener::bind(lab.socket())
            .map_err(|e| format!("binding {}: {e}", lab.socket().display()))?;
        let mut errors = Backoff::new("lab socket: accept");
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    let engine = engine.clone();
                    tokio::spawn(async move {
                        if let Err(e) = serve_connection(engine, stream).await {
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

async fn serve_connection(
    engine: engine::Shared,
    stream: tokio::net::UnixStream,
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
            let reply: crate::engine::api::Reply = Err(crate::engine::api::ApiError::new(format!(
                "bad request: {e}"
            )));
            return send(
                &stream,
                &serde_json::to_string(&reply).unwrap_or_default(),
                &[],
            )
            .await;
        }
    };
    let shutdown = matches!(req, Request::Shutdown);
    let (reply, out_fds) = engine::handle(&engine, req, fds).await;
    let text = serde_json::to_string(&reply)
        .unwrap_or_else(|e| format!("{{\"Err\":{{\"message\":\"{e}\"}}}}"));
    let raw: Vec<RawFd> = out_fds.iter().map(|f| f.as_raw_fd()).collect();
    send(&stream, &text, &raw).await?;
    if shutdown {
        // PID 1 leaving takes every container with it; the netns, bridges
        // and veths go with the last process that held them.
        std::process::exit(0);
    }
    Ok(())
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
