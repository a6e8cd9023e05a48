//! Messages over a unix stream, each a line of JSON, the first chunk able to
//! carry file descriptors (SCM_RIGHTS). This is how a CLI hands its terminal
//! to a container and how the engine hands namespaces to a CLI.

use nix::sys::socket::{recvmsg, sendmsg, ControlMessage, ControlMessageOwned, MsgFlags};
use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

pub const MAX_FDS: usize = 8;

/// Sends `line` (a newline is added) with `fds` attached to its first byte.
/// Blocking (it waits for room on a non-blocking socket too): for the CLI.
pub fn send_line(sock: RawFd, line: &str, fds: &[RawFd]) -> io::Result<()> {
    let data = with_newline(line);
    let mut sent = 0;
    while sent < data.len() {
        let attach = if sent == 0 { fds } else { &[] };
        match send_some(sock, &data[sent..], attach) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => wait_fd(sock, libc::POLLOUT)?,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// `line` and its newline, as sent.
pub fn with_newline(line: &str) -> Vec<u8> {
    let mut data = Vec::with_capacity(line.len() + 1);
    data.extend_from_slice(line.as_bytes());
    data.push(b'\n');
    data
}

/// One sendmsg: as much of `data` as the socket takes now, with `fds`
/// attached to its first byte. On a non-blocking socket a full buffer is
/// `WouldBlock` (and then nothing, fds included, was sent); never SIGPIPE.
pub fn send_some(sock: RawFd, data: &[u8], fds: &[RawFd]) -> io::Result<usize> {
    let iov = [IoSlice::new(data)];
    let cmsgs = if fds.is_empty() {
        vec![]
    } else {
        vec![ControlMessage::ScmRights(fds)]
    };
    loop {
        match sendmsg::<()>(sock, &iov, &cmsgs, MsgFlags::MSG_NOSIGNAL, None) {
            Err(nix::Error::EINTR) => continue,
            other => return other.map_err(io::Error::from),
        }
    }
}

fn wait_fd(fd: RawFd, events: libc::c_short) -> io::Result<()> {
    let mut pfd = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    // SAFETY: poll reads and writes one pollfd on our stack.
    if unsafe { libc::poll(&mut pfd, 1, -1) } < 0 {
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    Ok(())
}

/// Reads bytes (and any fds) until a newline; `buf` keeps bytes after it for
/// the next call. Returns None at end of stream before any byte.
pub struct LineReader {
    buf: Vec<u8>,
}

impl Default for LineReader {
    fn default() -> Self {
        Self::new()
    }
}

impl LineReader {
    pub fn new() -> LineReader {
        LineReader { buf: Vec::new() }
    }

    /// One read; appends bytes and returns any fds received. Ok(None) at EOF.
    pub fn read_some(&mut self, sock: RawFd) -> io::Result<Option<Vec<OwnedFd>>> {
        let mut chunk = vec![0u8; 64 * 1024];
        let mut cmsg = nix::cmsg_space!([RawFd; MAX_FDS]);
        let mut iov = [IoSliceMut::new(&mut chunk)];
        let msg = recvmsg::<()>(sock, &mut iov, Some(&mut cmsg), MsgFlags::MSG_CMSG_CLOEXEC)?;
        let mut fds = Vec::new();
        for c in msg.cmsgs()? {
            if let ControlMessageOwned::ScmRights(received) = c {
                // SAFETY: the kernel just installed these descriptors for us.
                fds.extend(
                    received
                        .into_iter()
                        .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }),
                );
            }
        }
        let n = msg.bytes;
        if n == 0 {
            return Ok(None);
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(Some(fds))
    }

    /// Bytes read and not yet taken as a line.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Takes a complete line out of the buffer, if there is one.
    pub fn take_line(&mut self) -> Option<String> {
        let pos = self.buf.iter().position(|b| *b == b'\n')?;
        let line: Vec<u8> = self.buf.drain(..=pos).collect();
        Some(String::from_utf8_lossy(&line[..pos]).into_owned())
    }

    /// Blocking: a whole line with every fd that came with it.
    pub fn read_line(&mut self, sock: &impl AsRawFd) -> io::Result<Option<(String, Vec<OwnedFd>)>> {
        let mut fds = Vec::new();
        loop {
            if let Some(line) = self.take_line() {
                return Ok(Some((line, fds)));
            }
            match self.read_some(sock.as_raw_fd()) {
                Ok(Some(more)) => fds.extend(more),
                Ok(None) => return Ok(None),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}
