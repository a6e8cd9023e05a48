//! `quay.io/purplebooth/flappy-endpoint`: answers HTTP 200 to every request
//! on port 80, whatever the path or method.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

pub const BODY: &str = "<html><body><h1>flappy-endpoint: 200 OK</h1></body></html>\n";

pub fn main(_args: &[String]) -> i32 {
    crate::sys::signals::exit_on_sigterm();
    // On `::` and so IPv4 too, as the stand-in's busybox nc (`:::80`).
    match super::listen_all(80) {
        Ok(listener) => {
            serve(listener);
            0
        }
        Err(e) => {
            eprintln!("flappy-endpoint: listen on :80: {e}");
            1
        }
    }
}

pub fn serve(listener: TcpListener) {
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || answer(stream));
    }
}

/// Reads one request head and answers 200, then closes (HTTP/1.0 style).
fn answer(stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    let response = format!(
        "HTTP/1.0 200 OK\r\nServer: flappy-endpoint (netlings)\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        BODY.len(),
        BODY
    );
    let mut w = &stream;
    let _ = w.write_all(response.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn answers_200_to_any_path() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || serve(listener));
        for path in ["/", "/some/other/path"] {
            let mut s = TcpStream::connect(addr).unwrap();
            write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            assert!(out.starts_with("HTTP/1.0 200 OK\r\n"), "{out}");
            assert!(out.ends_with(BODY));
        }
    }
}
