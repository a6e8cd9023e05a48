//! What a serving loop (accept on the lab socket, a proxy, a DNS server)
//! does when accept() or recv() fails. Never stop serving: an accept loop
//! that returned on EMFILE once took the engine, and with it the whole lab,
//! down during a connection flood. An error that belongs to one connection
//! is skipped at once; anything else, above all running out of file
//! descriptors or memory (which only time cures, as connections close), is
//! written to the engine log and waited out briefly, so the loop neither
//! exits nor spins.

use std::fmt::Display;
use std::io;
use std::time::{Duration, Instant};

/// How long a loop waits before trying again after a shortage. Short enough
/// that a freed fd is used at once for a waiting client, long enough that a
/// loop at the limit costs nothing.
pub const PAUSE: Duration = Duration::from_millis(50);

/// One engine-log line per loop per second at most: a flood must not fill
/// the log (which sits on the disk) as fast as it fails.
const LOG_EVERY: Duration = Duration::from_secs(1);

/// The errors of one serving loop, with their log throttle.
pub struct Backoff {
    what: String,
    last_logged: Option<Instant>,
    suppressed: u64,
}

impl Backoff {
    /// `what` names the loop in the log, e.g. "lab socket".
    pub fn new(what: impl Into<String>) -> Backoff {
        Backoff {
            what: what.into(),
            last_logged: None,
            suppressed: 0,
        }
    }

    /// After `e` from accept() or recv(): None to try again at once, or how
    /// long to wait first (the error is logged then).
    pub fn after(&mut self, e: &io::Error) -> Option<Duration> {
        if of_one_connection(e) {
            return None;
        }
        self.log(format_args!("{e}; retrying every {} ms", PAUSE.as_millis()));
        Some(PAUSE)
    }

    /// Writes `msg` to the engine log (stderr), unless this loop wrote a
    /// line less than a second ago; the next line counts what was skipped.
    pub fn log(&mut self, msg: impl Display) {
        if let Some(skipped) = self.due(Instant::now()) {
            if skipped > 0 {
                eprintln!(
                    "{}: {msg} ({skipped} more since the last report)",
                    self.what
                );
            } else {
                eprintln!("{}: {msg}", self.what);
            }
        }
    }

    /// Some(lines skipped since the last one) if a line may be written now.
    fn due(&mut self, now: Instant) -> Option<u64> {
        match self.last_logged {
            Some(t) if now.duration_since(t) < LOG_EVERY => {
                self.suppressed += 1;
                None
            }
            _ => {
                self.last_logged = Some(now);
                Some(std::mem::take(&mut self.suppressed))
            }
        }
    }
}

/// Errors that concern one connection or datagram, not the listener: a
/// client that reset before accept, an ICMP error for an earlier reply, and
/// the network errors Linux's accept(2) passes on from the new socket
/// ("treat them like EAGAIN by retrying", says its manual).
fn of_one_connection(e: &io::Error) -> bool {
    use io::ErrorKind::*;
    matches!(
        e.kind(),
        Interrupted | WouldBlock | ConnectionAborted | ConnectionReset | ConnectionRefused
    ) || matches!(
        e.raw_os_error(),
        Some(
            libc::EPROTO
                | libc::EPERM
                | libc::ENETDOWN
                | libc::ENOPROTOOPT
                | libc::EHOSTDOWN
                | libc::ENONET
                | libc::EHOSTUNREACH
                | libc::EOPNOTSUPP
                | libc::ENETUNREACH
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(errno: i32) -> io::Error {
        io::Error::from_raw_os_error(errno)
    }

    #[test]
    fn shortages_are_waited_out_and_connection_errors_skipped() {
        let mut b = Backoff::new("test");
        for errno in [libc::EMFILE, libc::ENFILE, libc::ENOMEM, libc::ENOBUFS] {
            assert_eq!(b.after(&os(errno)), Some(PAUSE), "errno {errno}");
        }
        // Unknown errors too: waiting a little is never wrong, spinning is.
        assert_eq!(b.after(&os(libc::EINVAL)), Some(PAUSE));
        for errno in [
            libc::EINTR,
            libc::EAGAIN,
            libc::ECONNABORTED,
            libc::ECONNRESET,
            libc::ECONNREFUSED,
            libc::EPROTO,
            libc::ENETUNREACH,
        ] {
            assert_eq!(b.after(&os(errno)), None, "errno {errno}");
        }
    }

    #[test]
    fn at_most_one_line_a_second_with_a_count_of_the_rest() {
        let mut b = Backoff::new("test");
        let t0 = Instant::now();
        assert_eq!(b.due(t0), Some(0));
        assert_eq!(b.due(t0 + Duration::from_millis(10)), None);
        assert_eq!(b.due(t0 + Duration::from_millis(999)), None);
        assert_eq!(b.due(t0 + Duration::from_millis(1000)), Some(2));
        assert_eq!(b.due(t0 + Duration::from_millis(1001)), None);
        assert_eq!(b.due(t0 + Duration::from_millis(2500)), Some(1));
    }
}
