//! `training/postgres`: not a database. Like the reference's stand-in
//! (`nc -ll -p 5432 -e /bin/cat`), it echoes every TCP connection on 5432
//! back to the client, which is enough to show that a linked container can
//! reach `db:5432`. The arguments (`-D ... -c config_file=...`) are ignored.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::Duration;

pub const PORT: u16 = 5432;

/// The one log line, as the stand-in prints it (without its "(stand-in...)"
/// note): real PostgreSQL 9.3 prints the same line when it is up.
pub const READY: &str = "LOG:  database system is ready to accept connections";

pub fn main(_args: &[String]) -> i32 {
    crate::sys::signals::exit_on_sigterm();
    // `:::5432`, as the stand-in's busybox nc listens.
    let listener = match super::listen_all(PORT) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("FATAL:  could not create any TCP/IP sockets: {e}");
            return 1;
        }
    };
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{READY}");
    let _ = out.flush();
    drop(out);
    serve(listener);
    0
}

/// Binds the listening socket at `addr` (tests: 127.0.0.1:0; `main`
/// listens on every address with `listen_all`).
pub fn listen(addr: &str) -> io::Result<TcpListener> {
    TcpListener::bind(addr)
}

/// Accepts forever, one thread per connection (nc -ll keeps listening).
pub fn serve(listener: TcpListener) {
    for conn in listener.incoming() {
        match conn {
            Ok(stream) => {
                // If no thread can be made, dropping the stream closes it.
                let _ = std::thread::Builder::new().spawn(move || echo(stream));
            }
            // EMFILE and friends: back off instead of spinning.
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Copies the client's bytes back until it stops sending, then half-closes,
/// as `cat` exiting on EOF does.
fn echo(stream: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    let mut r = &stream;
    let mut w = &stream;
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if w.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    let _ = stream.shutdown(Shutdown::Write);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoes_each_connection_until_eof() {
        let listener = listen("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || serve(listener));

        // `echo hello | nc -w 2 db 5432` prints hello.
        for msg in ["hello\n", "second connection\n"] {
            let mut s = TcpStream::connect(addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            s.write_all(msg.as_bytes()).unwrap();
            s.shutdown(Shutdown::Write).unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            assert_eq!(out, msg);
        }

        // Interactive use: each line comes back while the connection stays open.
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        for line in ["a\n", "bc\n"] {
            s.write_all(line.as_bytes()).unwrap();
            let mut got = vec![0u8; line.len()];
            s.read_exact(&mut got).unwrap();
            assert_eq!(got, line.as_bytes());
        }

        // More than one buffer's worth survives intact.
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let writer = {
            let mut s = s.try_clone().unwrap();
            let big = big.clone();
            std::thread::spawn(move || {
                s.write_all(&big).unwrap();
                s.shutdown(Shutdown::Write).unwrap();
            })
        };
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        writer.join().unwrap();
        assert_eq!(got, big);
    }
}
