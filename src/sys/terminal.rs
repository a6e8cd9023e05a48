//! Terminals made where the command runs, as runc makes a container's
//! console: from the devpts mounted at /dev/pts of the current root. Every
//! container has a devpts of its own, so its command's terminal is
//! /dev/pts/N inside it and `tty` names it; a pty of the lab host's devpts
//! has no name in there ("not a tty").
//!
//! The two functions a child calls between fork (or vfork) and exec make
//! raw system calls on their arguments and the stack only.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// Opens a new terminal of the devpts behind /dev/ptmx, sized `size`:
/// (master, slave), both close-on-exec. An errno on failure.
pub fn open_here(size: Option<&libc::winsize>) -> Result<(RawFd, RawFd), i32> {
    let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
    // SAFETY: open of a static NUL-terminated path.
    let master = unsafe { libc::open(c"/dev/ptmx".as_ptr(), flags) };
    if master < 0 {
        return Err(errno());
    }
    let unlock: libc::c_int = 0;
    // SAFETY: ioctls on the master we just opened, with a local int and
    // the caller's winsize; TIOCGPTPEER (Linux 4.13) opens the slave
    // without a path, so no name needs formatting here.
    let slave = unsafe {
        if libc::ioctl(master, libc::TIOCSPTLCK, &unlock) < 0
            || size.is_some_and(|s| libc::ioctl(master, libc::TIOCSWINSZ, s) < 0)
        {
            -1
        } else {
            libc::ioctl(master, libc::TIOCGPTPEER, flags)
        }
    };
    if slave < 0 {
        let e = errno();
        // SAFETY: closing the master we opened.
        unsafe { libc::close(master) };
        return Err(e);
    }
    Ok((master, slave))
}

/// Sends `fd` through the unix socket `sock` with one byte (SCM_RIGHTS).
/// An errno on failure.
pub fn send_fd(sock: RawFd, fd: RawFd) -> Result<(), i32> {
    // Room for one cmsghdr and one int, aligned as cmsghdr needs.
    #[repr(C)]
    struct Control {
        header: libc::cmsghdr,
        fd: libc::c_int,
        _pad: [u8; 4],
    }
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    // SAFETY: plain data on our stack; the fields sendmsg reads are set
    // below, CMSG_LEN is arithmetic.
    unsafe {
        let mut control: Control = std::mem::zeroed();
        control.header.cmsg_level = libc::SOL_SOCKET;
        control.header.cmsg_type = libc::SCM_RIGHTS;
        control.header.cmsg_len = libc::CMSG_LEN(std::mem::size_of::<libc::c_int>() as u32) as _;
        control.fd = fd;
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = (&raw mut control).cast();
        msg.msg_controllen = libc::CMSG_SPACE(std::mem::size_of::<libc::c_int>() as u32) as _;
        loop {
            if libc::sendmsg(sock, &msg, libc::MSG_NOSIGNAL) == 1 {
                return Ok(());
            }
            let e = errno();
            if e != libc::EINTR {
                return Err(e);
            }
        }
    }
}

/// Waits for the fd a child sends with [`send_fd`]; None if every other
/// holder of the socket's peer closed it first (the child failed before).
pub fn receive_fd(sock: &impl AsRawFd) -> io::Result<Option<OwnedFd>> {
    use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
    let mut byte = [0u8; 1];
    let mut cmsg = nix::cmsg_space!(RawFd);
    loop {
        let mut iov = [io::IoSliceMut::new(&mut byte)];
        let msg = match recvmsg::<()>(
            sock.as_raw_fd(),
            &mut iov,
            Some(&mut cmsg),
            MsgFlags::MSG_CMSG_CLOEXEC,
        ) {
            Err(nix::Error::EINTR) => continue,
            other => other?,
        };
        if msg.bytes == 0 {
            return Ok(None);
        }
        for c in msg.cmsgs()? {
            if let ControlMessageOwned::ScmRights(fds) = c {
                let mut fds = fds.into_iter();
                // SAFETY: the kernel just installed these descriptors for us.
                let first = fds.next().map(|fd| unsafe { OwnedFd::from_raw_fd(fd) });
                for extra in fds {
                    // SAFETY: as above; only one was asked for.
                    drop(unsafe { OwnedFd::from_raw_fd(extra) });
                }
                return Ok(first);
            }
        }
    }
}

/// A unix socket pair for [`send_fd`] and [`receive_fd`], close-on-exec.
pub fn fd_channel() -> io::Result<(OwnedFd, OwnedFd)> {
    use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
    socketpair(
        AddressFamily::Unix,
        SockType::Stream,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
    .map_err(io::Error::from)
}

fn errno() -> i32 {
    io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(fd: RawFd) {
        // SAFETY: closing a descriptor the test opened.
        unsafe { libc::close(fd) };
    }

    #[test]
    fn a_terminal_made_here_is_sized_and_carries_bytes_both_ways() {
        let size = libc::winsize {
            ws_row: 41,
            ws_col: 117,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let (master, slave) = open_here(Some(&size)).unwrap();
        // SAFETY: winsize is plain data, and TIOCGWINSZ fills it.
        let (status, got) = unsafe {
            let mut got: libc::winsize = std::mem::zeroed();
            (libc::ioctl(slave, libc::TIOCGWINSZ, &mut got), got)
        };
        assert_eq!(status, 0);
        assert_eq!((got.ws_row, got.ws_col), (41, 117));
        let name = std::fs::read_link(format!("/proc/self/fd/{slave}")).unwrap();
        assert!(name.starts_with("/dev/pts/"), "{name:?}");
        // SAFETY: writes and reads on the two ends, from and into locals.
        unsafe {
            assert_eq!(libc::write(master, b"hi\n".as_ptr().cast(), 3), 3);
            let mut buf = [0u8; 8];
            let n = libc::read(slave, buf.as_mut_ptr().cast(), 8);
            assert_eq!(&buf[..n as usize], b"hi\n");
        }
        close(master);
        close(slave);
    }

    #[test]
    fn the_master_crosses_a_socket_and_is_the_same_terminal() {
        let (master, slave) = open_here(None).unwrap();
        let (ours, theirs) = fd_channel().unwrap();
        send_fd(theirs.as_raw_fd(), master).unwrap();
        close(master);
        let got = receive_fd(&ours).unwrap().expect("an fd came");
        // SAFETY: TIOCGPTN writes the terminal's number into a local int.
        let number = |fd: RawFd| unsafe {
            let mut n: libc::c_uint = 0;
            assert_eq!(libc::ioctl(fd, libc::TIOCGPTN, &mut n), 0);
            n
        };
        let slave_name = std::fs::read_link(format!("/proc/self/fd/{slave}")).unwrap();
        assert_eq!(
            slave_name,
            std::path::PathBuf::from(format!("/dev/pts/{}", number(got.as_raw_fd())))
        );
        close(slave);
        // The peer gone without sending: no fd, not an error.
        drop(theirs);
        assert!(receive_fd(&ours).unwrap().is_none());
    }
}
