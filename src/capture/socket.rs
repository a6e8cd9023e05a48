//! AF_PACKET sockets: one per interface, opened in the interface's network
//! namespace (a socket stays in the namespace it was made in), with kernel
//! timestamps and the kernel's drop count.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

const ETH_P_ALL: u16 = 0x0003;

/// A link of the calling thread's network namespace.
#[derive(Debug, Clone)]
pub struct Link {
    pub index: u32,
    pub name: String,
    /// A veth's peer index (in the other namespace), if any.
    pub peer: Option<u32>,
    /// The bridge it is a port of.
    pub master: Option<u32>,
    pub loopback: bool,
}

/// Every link of the calling thread's network namespace (a netlink dump on
/// a small runtime of its own: this runs on a namespace thread).
pub fn links_here() -> io::Result<Vec<Link>> {
    use futures_util::TryStreamExt;
    use rtnetlink::packet_route::link::{LinkAttribute, LinkFlags};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    rt.block_on(async {
        let handle = crate::sys::netlink::connect_here()?;
        let mut dump = handle.link().get().execute();
        let mut out = Vec::new();
        while let Some(msg) = dump
            .try_next()
            .await
            .map_err(|e| io::Error::other(e.to_string()))?
        {
            let mut link = Link {
                index: msg.header.index,
                name: String::new(),
                peer: None,
                master: None,
                loopback: msg.header.flags.contains(LinkFlags::Loopback),
            };
            for a in msg.attributes {
                match a {
                    LinkAttribute::IfName(n) => link.name = n,
                    LinkAttribute::Link(p) if p != link.index => link.peer = Some(p),
                    LinkAttribute::Controller(m) => link.master = Some(m),
                    _ => {}
                }
            }
            out.push(link);
        }
        out.sort_by_key(|l| l.index);
        Ok(out)
    })
}

fn check(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// A non-blocking packet socket on one interface of the calling thread's
/// namespace. Made with protocol 0 (receives nothing) and bound with
/// ETH_P_ALL, so no other interface's frames slip in before the bind.
/// A one-instruction filter keeps `snaplen` bytes of each frame, so the
/// kernel copies no more than that to us.
pub fn open(ifindex: u32, rcvbuf: usize, snaplen: usize) -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2); the descriptor is owned right away.
    let fd = unsafe {
        OwnedFd::from_raw_fd(check(libc::socket(
            libc::AF_PACKET,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            0,
        ))?)
    };
    let raw = fd.as_raw_fd();
    // SAFETY: sockaddr_ll is plain data; zeroes are valid.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = ETH_P_ALL.to_be();
    sll.sll_ifindex = ifindex as i32;
    let on: libc::c_int = 1;
    let buf = rcvbuf as libc::c_int;
    // SAFETY: setsockopt and bind read the values they are given, of the
    // sizes passed, on a socket we own.
    unsafe {
        // Past net.core.rmem_max with CAP_NET_ADMIN of the machine (root);
        // else as far as rmem_max allows.
        let set = |opt| {
            libc::setsockopt(
                raw,
                libc::SOL_SOCKET,
                opt,
                &buf as *const _ as *const libc::c_void,
                4,
            )
        };
        if set(libc::SO_RCVBUFFORCE) != 0 {
            set(libc::SO_RCVBUF);
        }
        check(libc::setsockopt(
            raw,
            libc::SOL_SOCKET,
            libc::SO_TIMESTAMPNS,
            &on as *const _ as *const libc::c_void,
            4,
        ))?;
        // The length on the wire, which the filter's cut hides from recvmsg.
        check(libc::setsockopt(
            raw,
            libc::SOL_PACKET,
            libc::PACKET_AUXDATA,
            &on as *const _ as *const libc::c_void,
            4,
        ))?;
        // BPF_RET | BPF_K: accept, keeping the first `snaplen` bytes.
        let keep = libc::sock_filter {
            code: 0x06,
            jt: 0,
            jf: 0,
            k: snaplen.min(u32::MAX as usize) as u32,
        };
        let prog = libc::sock_fprog {
            len: 1,
            filter: &keep as *const _ as *mut libc::sock_filter,
        };
        check(libc::setsockopt(
            raw,
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            &prog as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::sock_fprog>() as u32,
        ))?;
        check(libc::bind(
            raw,
            &sll as *const _ as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_ll>() as u32,
        ))?;
    }
    Ok(fd)
}

/// One frame as read: `len` bytes in the buffer of `orig_len` on the wire.
#[derive(Debug, Clone, Copy)]
pub struct Received {
    pub len: usize,
    pub orig_len: usize,
    /// Sent by this interface (else received by it).
    pub outgoing: bool,
    /// Since the Unix epoch, from the kernel.
    pub time: Duration,
}

/// Reads one frame into `buf` (cut to its size); None when none is waiting.
pub fn recv(fd: RawFd, buf: &mut [u8]) -> io::Result<Option<Received>> {
    // SAFETY: sockaddr_ll and msghdr are plain data; zeroes are valid.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr() as *mut libc::c_void,
        iov_len: buf.len(),
    };
    let mut control = [0u64; 16];
    // SAFETY: as above.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = &mut sll as *mut _ as *mut libc::c_void;
    msg.msg_namelen = std::mem::size_of::<libc::sockaddr_ll>() as u32;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr() as *mut libc::c_void;
    msg.msg_controllen = std::mem::size_of_val(&control);
    // SAFETY: every pointer in msg points at a live local of the size given.
    let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_TRUNC | libc::MSG_DONTWAIT) };
    if n < 0 {
        let e = io::Error::last_os_error();
        return match e.kind() {
            io::ErrorKind::WouldBlock => Ok(None),
            io::ErrorKind::Interrupted => Ok(None),
            // Its link was deleted (a container removed): the socket is
            // closed at the next reading of the lab.
            _ if is_gone(&e) => Ok(None),
            _ => Err(e),
        };
    }
    let mut time = None;
    let mut wire_len = None;
    // SAFETY: the CMSG macros walk the control buffer recvmsg filled, within
    // msg_controllen; a SCM_TIMESTAMPNS payload is a timespec.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_TIMESTAMPNS {
                let ts = std::ptr::read_unaligned(libc::CMSG_DATA(c) as *const libc::timespec);
                time = Some(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32));
            }
            if (*c).cmsg_level == libc::SOL_PACKET && (*c).cmsg_type == libc::PACKET_AUXDATA {
                let aux =
                    std::ptr::read_unaligned(libc::CMSG_DATA(c) as *const libc::tpacket_auxdata);
                wire_len = Some(aux.tp_len as usize);
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    let time = time.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
    });
    let n = n as usize;
    Ok(Some(Received {
        len: n.min(buf.len()),
        orig_len: wire_len.unwrap_or(n),
        outgoing: sll.sll_pkttype == libc::PACKET_OUTGOING,
        time,
    }))
}

/// Frames the kernel dropped on this socket since the last call (its
/// buffer was full).
pub fn drops(fd: RawFd) -> u64 {
    // SAFETY: tpacket_stats is two u32s; getsockopt fills at most `len`.
    unsafe {
        let mut st: libc::tpacket_stats = std::mem::zeroed();
        let mut len = std::mem::size_of::<libc::tpacket_stats>() as u32;
        if libc::getsockopt(
            fd,
            libc::SOL_PACKET,
            libc::PACKET_STATISTICS,
            &mut st as *mut _ as *mut libc::c_void,
            &mut len,
        ) == 0
        {
            st.tp_drops as u64
        } else {
            0
        }
    }
}

/// A netlink socket of the calling thread's namespace that wakes on every
/// link added, changed or removed there (RTNLGRP_LINK). Its messages are
/// only a signal: the caller reads the links again.
pub fn link_notifications() -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2); the descriptor is owned right away.
    let fd = unsafe {
        OwnedFd::from_raw_fd(check(libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            libc::NETLINK_ROUTE,
        ))?)
    };
    // SAFETY: sockaddr_nl is plain data; zeroes are valid.
    let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
    addr.nl_family = libc::AF_NETLINK as u16;
    addr.nl_groups = libc::RTMGRP_LINK as u32;
    // SAFETY: bind reads the address of the size given.
    check(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            &addr as *const _ as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_nl>() as u32,
        )
    })?;
    Ok(fd)
}

/// Reads and forgets what is waiting on a non-blocking socket; whether
/// anything was.
pub fn drain(fd: RawFd) -> bool {
    let mut buf = [0u8; 8192];
    let mut any = false;
    loop {
        // SAFETY: buf is a live local of the size given.
        let n = unsafe {
            libc::recv(
                fd,
                buf.as_mut_ptr() as *mut libc::c_void,
                buf.len(),
                libc::MSG_DONTWAIT,
            )
        };
        if n <= 0 {
            // ENOBUFS (notifications overflowed) also means: read again.
            if n < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ENOBUFS) {
                any = true;
                continue;
            }
            return any;
        }
        any = true;
    }
}

/// Whether a recv error says the interface is gone (its link deleted, or
/// its namespace's last process ended).
pub fn is_gone(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::ENETDOWN) | Some(libc::ENXIO) | Some(libc::ENODEV)
    )
}
