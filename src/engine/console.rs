//! A container's console: what its first process prints, as it prints it,
//! for every client attached to it (the Engine API's attach), and the way
//! in to its stdin and terminal. It exists from the container's creation,
//! because a client attaches before it starts (`docker run` attaches, then
//! starts, so no output is lost).

use bytes::Bytes;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// What an attached client receives.
#[derive(Debug, Clone)]
pub enum Output {
    /// Bytes of stdout (1) or stderr (2); a terminal's are all stdout.
    Data(u8, Bytes),
    /// Every writer has closed: the process (and all that inherited its
    /// output) has exited.
    End,
}

/// Output chunks held for a slow client before it starts losing them: a
/// client that does not read must not grow the engine.
const BACKLOG: usize = 1024;

pub struct Console {
    output: broadcast::Sender<Output>,
    io: Mutex<ConsoleIo>,
    /// Bumped at each start: an attach waiting for stdin sees it.
    started: tokio::sync::watch::Sender<u64>,
}

#[derive(Default)]
struct ConsoleIo {
    /// The process's stdin (a pipe's write end, or the terminal's master).
    stdin: Option<Arc<OwnedFd>>,
    /// The terminal's master, for resizing.
    pty: Option<Arc<OwnedFd>>,
}

impl Default for Console {
    fn default() -> Self {
        Console {
            output: broadcast::channel(BACKLOG).0,
            io: Mutex::default(),
            started: tokio::sync::watch::channel(0).0,
        }
    }
}

impl Console {
    /// Output from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Output> {
        self.output.subscribe()
    }

    /// Changes at each start of the process.
    pub fn starts(&self) -> tokio::sync::watch::Receiver<u64> {
        self.started.subscribe()
    }

    /// The current process's stdin, if it has one open.
    pub fn stdin(&self) -> Option<Arc<OwnedFd>> {
        self.io
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .stdin
            .clone()
    }

    /// Sets the terminal's size, as `docker run -t` and the API's resize do.
    pub fn resize(&self, height: u16, width: u16) -> std::io::Result<()> {
        let pty = self
            .io
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pty
            .clone();
        match pty {
            Some(master) => set_window_size(&master, height, width),
            // No terminal: nothing to resize, and no error (Docker's
            // resize of a non-tty container succeeds too).
            None => Ok(()),
        }
    }

    /// A new process with these ends: readers feed the clients until the
    /// process and its children close their output.
    pub fn started(
        self: &Arc<Self>,
        stdin: Option<OwnedFd>,
        pty: Option<OwnedFd>,
        readers: Vec<(u8, OwnedFd)>,
        log: Option<Arc<Mutex<super::logs::ContainerLog>>>,
    ) {
        {
            let mut io = self.io.lock().unwrap_or_else(|e| e.into_inner());
            io.stdin = stdin.map(Arc::new);
            io.pty = pty.map(Arc::new);
        }
        self.started.send_modify(|n| *n += 1);
        let end = Arc::new(EndOnDrop(self.output.clone()));
        for (stream, fd) in readers {
            tokio::spawn(super::logs::collect(
                stream,
                fd,
                log.clone(),
                self.output.clone(),
                end.clone(),
            ));
        }
    }

    /// The attached client's input has ended: a pipe's stdin closes, so
    /// the process reads EOF (`echo hi | docker run -i ... cat`).
    pub fn close_stdin(&self) {
        let mut io = self.io.lock().unwrap_or_else(|e| e.into_inner());
        if io.pty.is_none() {
            io.stdin = None;
        }
    }

    /// The process has exited: its stdin goes (writers get EPIPE/EIO).
    pub fn stopped(&self) {
        let mut io = self.io.lock().unwrap_or_else(|e| e.into_inner());
        io.stdin = None;
        io.pty = None;
    }
}

/// Tells the clients that the output has ended when the last reader goes.
pub struct EndOnDrop(broadcast::Sender<Output>);

impl Drop for EndOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(Output::End);
    }
}

fn set_window_size(master: &OwnedFd, height: u16, width: u16) -> std::io::Result<()> {
    let ws = libc::winsize {
        ws_row: height,
        ws_col: width,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads a winsize from a valid local.
    let r = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &ws) };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Writes all of `data` to a non-blocking fd (a pipe or a terminal's
/// master), waiting for room without blocking the runtime.
pub async fn write_all(fd: &Arc<OwnedFd>, mut data: &[u8]) -> std::io::Result<()> {
    // SAFETY: DupFd owns its descriptor and nothing replaces or closes it
    // while the AsyncFd holds it.
    let afd = unsafe {
        tokio::io::unix::AsyncFd::register_with_interest(
            DupFd::of(fd)?,
            tokio::io::Interest::WRITABLE,
        )?
    };
    while !data.is_empty() {
        let mut guard = afd.writable().await?;
        match guard.try_io(|inner| {
            nix::unistd::write(&inner.get_ref().0, data).map_err(std::io::Error::from)
        }) {
            Ok(Ok(n)) => data = &data[n..],
            Ok(Err(e)) => return Err(e),
            Err(_would_block) => continue,
        }
    }
    Ok(())
}

/// A duplicate of a descriptor, so that one file can be registered with
/// the runtime by a reader and a writer at once.
pub struct DupFd(pub OwnedFd);

impl DupFd {
    pub fn of(fd: &OwnedFd) -> std::io::Result<DupFd> {
        Ok(DupFd(fd.try_clone()?))
    }
}

impl AsRawFd for DupFd {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.0.as_raw_fd()
    }
}
