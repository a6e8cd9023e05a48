//! What detached containers print, kept for `docker logs`: line by line,
//! as Docker's json-file driver keeps it, with the stream and the time of
//! each line, at most `MAX_BYTES` per container (the oldest lines go).

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// A container's log keeps at most this much text.
pub const MAX_BYTES: usize = 1 << 20;

/// A line longer than this is logged in pieces, as Docker's 16 KiB
/// copier splits long lines.
const MAX_LINE: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// Position in the container's log, counting every line ever logged.
    pub seq: u64,
    /// 1: stdout, 2: stderr.
    pub stream: u8,
    /// Wall-clock time the line was read, ns since the epoch.
    pub time_ns: i64,
    /// The line, with its newline if it had one.
    pub text: String,
}

#[derive(Debug, Default)]
pub struct ContainerLog {
    lines: VecDeque<LogLine>,
    bytes: usize,
    next_seq: u64,
    /// A line still being written, per stream (1 and 2).
    partial: [Vec<u8>; 2],
}

impl ContainerLog {
    /// Appends what a stream delivered: every complete line becomes an
    /// entry; the rest waits for its newline (or `flush`).
    pub fn push(&mut self, stream: u8, data: &[u8], time_ns: i64) {
        let slot = usize::from(stream.clamp(1, 2) - 1);
        let mut pending = std::mem::take(&mut self.partial[slot]);
        pending.extend_from_slice(data);
        let mut start = 0;
        while let Some(nl) = pending[start..].iter().position(|b| *b == b'\n') {
            let end = start + nl + 1;
            self.add(stream, &pending[start..end], time_ns);
            start = end;
        }
        let mut rest = pending.split_off(start);
        while rest.len() >= MAX_LINE {
            let tail = rest.split_off(MAX_LINE);
            self.add(stream, &rest, time_ns);
            rest = tail;
        }
        self.partial[slot] = rest;
    }

    /// The stream ended: its unfinished line is logged as it is.
    pub fn flush(&mut self, stream: u8, time_ns: i64) {
        let slot = usize::from(stream.clamp(1, 2) - 1);
        let rest = std::mem::take(&mut self.partial[slot]);
        if !rest.is_empty() {
            self.add(stream, &rest, time_ns);
        }
    }

    fn add(&mut self, stream: u8, bytes: &[u8], time_ns: i64) {
        let text = String::from_utf8_lossy(bytes).into_owned();
        self.bytes += text.len();
        self.lines.push_back(LogLine {
            seq: self.next_seq,
            stream,
            time_ns,
            text,
        });
        self.next_seq += 1;
        while self.bytes > MAX_BYTES {
            match self.lines.pop_front() {
                Some(old) => self.bytes -= old.text.len(),
                None => break,
            }
        }
    }

    /// Lines from `after` on (a sequence number), the last `tail` of them
    /// if given; and the sequence number to ask from next time.
    pub fn read(&self, after: u64, tail: Option<usize>) -> (Vec<LogLine>, u64) {
        let fresh: Vec<&LogLine> = self.lines.iter().filter(|l| l.seq >= after).collect();
        let skip = tail.map_or(0, |t| fresh.len().saturating_sub(t));
        (
            fresh.into_iter().skip(skip).cloned().collect(),
            self.next_seq,
        )
    }
}

/// Reads one stream of a container's output (a pipe, or a terminal's
/// master) into its log and to its attached clients, until the process
/// (and every process that inherited it) has closed it.
pub async fn collect(
    stream: u8,
    fd: std::os::fd::OwnedFd,
    log: Option<std::sync::Arc<std::sync::Mutex<ContainerLog>>>,
    clients: tokio::sync::broadcast::Sender<super::console::Output>,
    _end: std::sync::Arc<super::console::EndOnDrop>,
) {
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64)
    };
    let _ = nix::fcntl::fcntl(
        &fd,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    );
    // SAFETY: the OwnedFd is moved into the AsyncFd, which alone closes it.
    let registered = unsafe {
        tokio::io::unix::AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE)
    };
    let Ok(afd) = registered else {
        return;
    };
    // Two readers a container, hundreds of containers: a small buffer
    // (64 KiB each made the engine 36 MiB bigger with 280 containers).
    let mut buf = vec![0u8; 4096];
    loop {
        let Ok(mut guard) = afd.readable().await else {
            break;
        };
        match guard.try_io(|inner| {
            nix::unistd::read(inner.get_ref(), &mut buf).map_err(std::io::Error::from)
        }) {
            // EOF, or EIO: a terminal whose last writer has gone.
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                if let Some(log) = &log {
                    log.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(stream, &buf[..n], now());
                }
                if clients.receiver_count() > 0 {
                    let _ = clients.send(super::console::Output::Data(
                        stream,
                        bytes::Bytes::copy_from_slice(&buf[..n]),
                    ));
                }
            }
            Err(_would_block) => continue,
        }
    }
    if let Some(log) = log {
        log.lock()
            .unwrap_or_else(|e| e.into_inner())
            .flush(stream, now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[LogLine]) -> Vec<(u8, &str)> {
        lines.iter().map(|l| (l.stream, l.text.as_str())).collect()
    }

    /// `sh -c 'echo out1; echo err1 >&2; printf partial; sleep 1; echo; echo out2'`
    /// as Docker 20.10 logged it.
    #[test]
    fn lines_are_kept_per_stream_and_partial_lines_wait() {
        let mut log = ContainerLog::default();
        log.push(1, b"out1\n", 1);
        log.push(2, b"err1\n", 2);
        log.push(1, b"partial", 3);
        assert_eq!(log.read(0, None).0.len(), 2, "the partial line waits");
        log.push(1, b"\nout2\n", 4);
        let (all, next) = log.read(0, None);
        assert_eq!(
            texts(&all),
            [
                (1, "out1\n"),
                (2, "err1\n"),
                (1, "partial\n"),
                (1, "out2\n")
            ]
        );
        assert_eq!(next, 4);
        // --tail 2 counts lines of both streams.
        assert_eq!(
            texts(&log.read(0, Some(2)).0),
            [(1, "partial\n"), (1, "out2\n")]
        );
        assert!(log.read(next, None).0.is_empty());
        log.push(2, b"no newline", 5);
        log.flush(2, 6);
        assert_eq!(texts(&log.read(next, None).0), [(2, "no newline")]);
    }

    #[test]
    fn the_oldest_lines_go_first_and_long_lines_are_split() {
        let mut log = ContainerLog::default();
        let line = "x".repeat(1023) + "\n";
        for _ in 0..(MAX_BYTES / 1024 + 10) {
            log.push(1, line.as_bytes(), 0);
        }
        let (lines, next) = log.read(0, None);
        assert_eq!(lines.len(), MAX_BYTES / 1024);
        assert_eq!(lines[0].seq, 10);
        assert_eq!(next, (MAX_BYTES / 1024 + 10) as u64);
        let mut log = ContainerLog::default();
        log.push(1, &vec![b'y'; MAX_LINE * 2 + 5], 0);
        assert_eq!(
            log.read(0, None).0.len(),
            2,
            "two full pieces; 5 bytes wait"
        );
    }
}
