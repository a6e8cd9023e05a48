//! `-t`: a pseudo-terminal of the container's own, as Docker allocates one.
//! The command gets the pty's slave as its controlling terminal (so a shell
//! in another PID namespace has job control), and the CLI relays bytes
//! between the user's terminal, in raw mode, and the pty's master.

use nix::pty::{openpty, Winsize};
use nix::sys::termios::{self, SetArg, Termios};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

pub struct Pty {
    pub master: OwnedFd,
    /// Closed (set to None) by the parent once the child holds it, or the
    /// master never sees the end.
    pub slave: Option<OwnedFd>,
    saved: Option<Termios>,
}

fn stdin() -> BorrowedFd<'static> {
    // SAFETY: nothing in netlings closes fd 0, so it stays open for as
    // long as the 'static borrow.
    unsafe { BorrowedFd::borrow_raw(0) }
}

impl Pty {
    /// Opens a pty sized like our terminal and puts our terminal in raw mode
    /// (restored on drop).
    pub fn open() -> io::Result<Pty> {
        // SAFETY: winsize is four integers; all zeroes is a valid value.
        let mut size: libc::winsize = unsafe { std::mem::zeroed() };
        // SAFETY: TIOCGWINSZ fills a winsize; failure leaves zeros.
        let have = unsafe { libc::ioctl(0, libc::TIOCGWINSZ, &mut size) } == 0;
        let ws = have.then_some(Winsize {
            ws_row: size.ws_row,
            ws_col: size.ws_col,
            ws_xpixel: 0,
            ws_ypixel: 0,
        });
        let pty = openpty(ws.as_ref(), None).map_err(io::Error::from)?;
        for fd in [&pty.master, &pty.slave] {
            nix::fcntl::fcntl(
                fd.as_fd(),
                nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
            )?;
        }
        let saved = termios::tcgetattr(stdin()).ok();
        if let Some(orig) = &saved {
            let mut raw = orig.clone();
            termios::cfmakeraw(&mut raw);
            let _ = termios::tcsetattr(stdin(), SetArg::TCSANOW, &raw);
        }
        Ok(Pty {
            master: pty.master,
            slave: Some(pty.slave),
            saved,
        })
    }

    /// Copies stdin to the master and the master to stdout until `child`
    /// exits (background jobs may keep the pty open, as in Docker they do
    /// not keep `exec` attached) or every slave holder has gone.
    pub fn relay(&self, child: i32) {
        // SAFETY: pidfd_open of our own child; -1 if the kernel lacks it.
        let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, child, 0) } as RawFd;
        self.relay_until(pidfd);
        if pidfd >= 0 {
            // SAFETY: closing the pidfd we opened.
            unsafe { libc::close(pidfd) };
        }
    }

    /// The relay loop; ends when `done` becomes readable and no output is
    /// pending, or when the master reports that the slave side is gone.
    pub fn relay_until(&self, done: RawFd) {
        let master = self.master.as_raw_fd();
        let pidfd = done;
        let mut stdin_open = true;
        let mut buf = [0u8; 8192];
        // A resized terminal resizes the pty (full-screen programs redraw).
        let resized = window_changes();
        let resized_fd = resized.as_ref().map_or(-1, |s| s.as_raw_fd());
        loop {
            let mut fds = [
                libc::pollfd {
                    fd: master,
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: if stdin_open { 0 } else { -1 },
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: pidfd,
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: resized_fd,
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            // SAFETY: four valid pollfds (negative fds are ignored).
            if unsafe { libc::poll(fds.as_mut_ptr(), 4, -1) } < 0 {
                if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                break;
            }
            if fds[0].revents != 0 {
                match read(master, &mut buf) {
                    Some(n) if n > 0 => write_all(1, &buf[..n]),
                    _ => break,
                }
            }
            if fds[1].revents != 0 {
                match read(0, &mut buf) {
                    Some(n) if n > 0 => write_all(master, &buf[..n]),
                    _ => stdin_open = false,
                }
            }
            if fds[3].revents != 0 {
                if let Some(sfd) = &resized {
                    let _ = sfd.read_signal();
                }
                copy_window_size(master);
            }
            if fds[2].revents != 0 && fds[0].revents & libc::POLLIN == 0 {
                // The command is gone and its last output has been copied.
                break;
            }
        }
    }
}

/// SIGWINCH as a readable fd (blocked, so it only arrives there).
fn window_changes() -> Option<nix::sys::signalfd::SignalFd> {
    use nix::sys::signal::{SigSet, Signal};
    let mut set = SigSet::empty();
    set.add(Signal::SIGWINCH);
    set.thread_block().ok()?;
    nix::sys::signalfd::SignalFd::with_flags(
        &set,
        nix::sys::signalfd::SfdFlags::SFD_CLOEXEC | nix::sys::signalfd::SfdFlags::SFD_NONBLOCK,
    )
    .ok()
}

/// Our terminal's size onto the pty's.
fn copy_window_size(master: RawFd) {
    // SAFETY: TIOCGWINSZ fills a local winsize, TIOCSWINSZ reads it.
    unsafe {
        let mut size: libc::winsize = std::mem::zeroed();
        if libc::ioctl(0, libc::TIOCGWINSZ, &mut size) == 0 {
            libc::ioctl(master, libc::TIOCSWINSZ, &size);
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Some(orig) = &self.saved {
            let _ = termios::tcsetattr(stdin(), SetArg::TCSANOW, orig);
        }
    }
}

fn read(fd: RawFd, buf: &mut [u8]) -> Option<usize> {
    loop {
        // SAFETY: reading into a valid buffer.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n >= 0 {
            return Some(n as usize);
        }
        if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            // EIO on the master: the last slave holder has gone.
            return None;
        }
    }
}

fn write_all(fd: RawFd, mut data: &[u8]) {
    while !data.is_empty() {
        // SAFETY: writing from a valid buffer.
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if n <= 0 {
            if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        data = &data[n as usize..];
    }
}

/// In the child: a new session with the pty slave as controlling terminal
/// and as stdin, stdout and stderr.
pub fn become_terminal_owner(slave: RawFd) {
    // SAFETY: setsid, ioctl and dup2 on descriptors of this process: raw,
    // async-signal-safe syscalls, as a forked child may make.
    unsafe {
        libc::setsid();
        libc::ioctl(slave, libc::TIOCSCTTY, 0);
        for i in 0..3 {
            libc::dup2(slave, i);
        }
    }
}
