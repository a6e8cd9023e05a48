//! Namespaces. A thread that joins or creates a network namespace creates its
//! sockets there, so namespace work runs on short-lived threads, never on the
//! runtime's own thread (see docs/field-notes.md).

use nix::sched::{setns, unshare, CloneFlags};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd};

fn nix_err(e: nix::Error) -> io::Error {
    io::Error::from_raw_os_error(e as i32)
}

/// Runs `f` on a new thread that has joined the network namespace `netns`.
pub fn run_in_netns<R: Send + 'static>(
    netns: &OwnedFd,
    f: impl FnOnce() -> io::Result<R> + Send + 'static,
) -> io::Result<R> {
    let fd = netns.try_clone()?;
    // Builder, not thread::spawn: out of threads is an error, not a panic
    // that takes the engine down.
    std::thread::Builder::new()
        .spawn(move || {
            setns(fd.as_fd(), CloneFlags::CLONE_NEWNET).map_err(nix_err)?;
            f()
        })?
        .join()
        .map_err(|_| io::Error::other("namespace thread panicked"))?
}

/// A container's fresh network namespace and a netlink socket inside it.
pub struct NewNetns {
    pub netns: OwnedFd,
    pub netlink: OwnedFd,
}

/// Creates a network namespace on a short-lived thread, with `lo` up, IPv6
/// off (as Docker leaves bridge containers, and it keeps per-container cost
/// flat), ICMP echo sockets allowed, and a netlink socket opened inside it.
pub fn create_netns() -> io::Result<NewNetns> {
    std::thread::Builder::new()
        .spawn(enter_new_netns)?
        .join()
        .map_err(|_| io::Error::other("namespace thread panicked"))?
}

/// The body of [`create_netns`]: moves the CALLING thread into a new
/// network namespace for good, so only a thread made for it may call it.
pub fn enter_new_netns() -> io::Result<NewNetns> {
    {
        unshare(CloneFlags::CLONE_NEWNET).map_err(nix_err)?;
        let netns: OwnedFd = File::open("/proc/thread-self/ns/net")?.into();
        for (path, value) in [
            ("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1"),
            ("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1"),
            ("/proc/sys/net/ipv4/ping_group_range", "0 2147483647"),
        ] {
            // Best effort: a kernel without IPv6 has no such file.
            let _ = std::fs::write(path, value);
        }
        set_link_up("lo")?;
        let netlink = netlink_socket()?;
        Ok(NewNetns { netns, netlink })
    }
}

/// IPv6 on or off for one interface of the calling thread's namespace
/// (a lab turns it off everywhere: `all` and `default`).
pub fn set_ipv6(ifname: &str, on: bool) -> io::Result<()> {
    std::fs::write(
        format!("/proc/sys/net/ipv6/conf/{ifname}/disable_ipv6"),
        if on { "0" } else { "1" },
    )
}

/// A non-blocking rtnetlink socket in the calling thread's network namespace.
pub fn netlink_socket() -> io::Result<OwnedFd> {
    use rtnetlink::sys::{protocols::NETLINK_ROUTE, Socket};
    let mut socket = Socket::new(NETLINK_ROUTE)?;
    socket.bind_auto()?;
    socket.set_non_blocking(true)?;
    // SAFETY: into_raw_fd hands over sole ownership of the descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(socket.into_raw_fd()) })
}

/// `ip link set NAME up` through an ioctl: cheaper than a netlink round trip
/// on a thread that has no runtime.
pub fn set_link_up(name: &str) -> io::Result<()> {
    let sock = nix::sys::socket::socket(
        nix::sys::socket::AddressFamily::Inet,
        nix::sys::socket::SockType::Datagram,
        nix::sys::socket::SockFlag::SOCK_CLOEXEC,
        None,
    )
    .map_err(nix_err)?;
    // SAFETY: ifreq is plain data; we fill the name and pass a valid pointer.
    unsafe {
        let mut req: libc::ifreq = std::mem::zeroed();
        for (dst, src) in req.ifr_name.iter_mut().zip(name.bytes()) {
            *dst = src as libc::c_char;
        }
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) < 0 {
            return Err(io::Error::last_os_error());
        }
        req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Makes the calling process root of a new user namespace mapped to the
/// caller's own uid and gid; the only mapping an unprivileged user may write.
pub fn enter_user_namespace() -> io::Result<()> {
    let uid = nix::unistd::getuid();
    let gid = nix::unistd::getgid();
    unshare(CloneFlags::CLONE_NEWUSER).map_err(nix_err)?;
    std::fs::write("/proc/self/setgroups", "deny")?;
    std::fs::write("/proc/self/uid_map", format!("0 {uid} 1"))?;
    std::fs::write("/proc/self/gid_map", format!("0 {gid} 1"))?;
    Ok(())
}

/// The namespaces a process is in, as open files, to hand to another process.
pub fn open_namespaces(pid: &str, kinds: &[&str]) -> io::Result<Vec<OwnedFd>> {
    kinds
        .iter()
        .map(|k| File::open(format!("/proc/{pid}/ns/{k}")).map(OwnedFd::from))
        .collect()
}

/// Joins namespaces (user first, so the rest are allowed). Single-threaded
/// callers only: setns into a user or mount namespace refuses threads.
pub fn join_namespaces(fds: &[OwnedFd]) -> io::Result<()> {
    for fd in fds {
        setns(fd.as_fd(), CloneFlags::empty()).map_err(nix_err)?;
    }
    Ok(())
}

/// Whether the calling process may create namespaces: as root, or through an
/// unprivileged user namespace. Checked in a child so nothing changes here.
pub fn probe_privileges() -> Result<(), String> {
    if nix::unistd::geteuid().is_root() {
        return Ok(());
    }
    // SAFETY: the child only makes raw syscalls (unshare, _exit), which
    // are async-signal-safe whatever threads the parent has.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Child) => {
            let ok = unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNET).is_ok();
            // SAFETY: _exit ends the child without running the parent's
            // atexit handlers or destructors.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) }
        }
        Ok(nix::unistd::ForkResult::Parent { child }) => {
            match nix::sys::wait::waitpid(child, None) {
                Ok(nix::sys::wait::WaitStatus::Exited(_, 0)) => Ok(()),
                _ => Err(NO_PRIVILEGES.to_string()),
            }
        }
        Err(e) => Err(format!("cannot fork: {e}")),
    }
}

pub const NO_PRIVILEGES: &str =
    "netlings needs network namespaces: run it as root (sudo netlings ...), \
or allow unprivileged user namespaces (sysctl -w kernel.unprivileged_userns_clone=1, \
and on Ubuntu also kernel.apparmor_restrict_unprivileged_userns=0)";
