//! `-t`: a pseudo-terminal of the container's own, as Docker allocates one.
//! The command gets the pty's slave as its controlling terminal (so a shell
//! in another PID namespace has job control), and the CLI relays bytes
//! between the user's terminal, in raw mode, and the pty's master.

use nix::sys::termios::{self, SetArg, Termios};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};

/// A terminal's master, made where the command runs (see
/// `sys::terminal`), relayed to ours while it is in raw mode.
pub struct Pty {
    pub master: OwnedFd,
    _raw: RawMode,
}

/// Our terminal in raw mode, restored on drop: the container's terminal
/// does the line editing and echo.
pub struct RawMode {
    saved: Option<Termios>,
}

fn stdin() -> BorrowedFd<'static> {
    // SAFETY: nothing in netlings closes fd 0, so it stays open for as
    // long as the 'static borrow.
    unsafe { BorrowedFd::borrow_raw(0) }
}

impl RawMode {
    /// Puts our terminal, if stdin is one, in raw mode.
    pub fn enter() -> RawMode {
        let saved = termios::tcgetattr(stdin()).ok();
        if let Some(orig) = &saved {
            let mut raw = orig.clone();
            termios::cfmakeraw(&mut raw);
            let _ = termios::tcsetattr(stdin(), SetArg::TCSANOW, &raw);
        }
        RawMode { saved }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if let Some(orig) = &self.saved {
            let _ = termios::tcsetattr(stdin(), SetArg::TCSANOW, orig);
        }
    }
}

/// Our terminal's size, for the terminal made for the command.
pub fn terminal_size() -> Option<libc::winsize> {
    // SAFETY: winsize is four integers; all zeroes is a valid value, and
    // TIOCGWINSZ fills it.
    unsafe {
        let mut size: libc::winsize = std::mem::zeroed();
        (libc::ioctl(0, libc::TIOCGWINSZ, &mut size) == 0).then_some(size)
    }
}

impl Pty {
    pub fn new(master: OwnedFd, raw: RawMode) -> Pty {
        Pty { master, _raw: raw }
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
