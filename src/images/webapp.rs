//! `training/webapp`: the Flask app of Docker's "Linking containers" docs,
//! run as `python app.py`. It answers `Hello world!` on port 5000; like the
//! original, `PORT` changes the port and `PROVIDER` the word after "Hello".
//!
//! The HTTP response copies what the reference captured from its stand-in
//! (busybox httpd 1.35 serving a 12-byte index.html): HTTP/1.1, `Connection:
//! close`, `Content-type: text/html`, Last-Modified/ETag, Content-Length,
//! and one request per connection. The log copies the Flask dev server the
//! docs show in `docker logs`: ` * Running on http://0.0.0.0:5000/`, then
//! `172.17.0.1 - - [22/Nov/2026 09:51:25] "GET / HTTP/1.1" 200 -`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const DEFAULT_PORT: u16 = 5000;

/// busybox httpd gives a silent client this long before 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Cap on the request head, so a client cannot make us buffer without end.
const MAX_HEAD: usize = 16 * 1024;

/// What the app serves.
#[derive(Debug, Clone)]
pub struct App {
    /// `$PROVIDER`, "world" by default.
    pub provider: String,
    /// Unix time shown as Last-Modified and in the ETag. The stand-in used
    /// its index.html's mtime; we use the server's start time.
    pub modified: u64,
}

impl App {
    pub fn new(provider: &str) -> App {
        App {
            provider: provider.to_string(),
            modified: unix_now(),
        }
    }

    pub fn body(&self) -> String {
        format!("Hello {}!", self.provider)
    }
}

pub fn main(args: &[String]) -> i32 {
    // The image's CMD is `python app.py`; this "python" runs nothing else.
    if let Some(script) = args.first() {
        if script != "app.py" && !script.ends_with("/app.py") {
            eprintln!("python: can't open file '{script}': [Errno 2] No such file or directory");
            return 2;
        }
    }
    let port = match std::env::var("PORT") {
        Ok(p) => match p.trim().parse::<u16>() {
            Ok(n) => n,
            Err(_) => {
                eprintln!("ValueError: invalid literal for int() with base 10: '{p}'");
                return 1;
            }
        },
        Err(_) => DEFAULT_PORT,
    };
    let provider = std::env::var("PROVIDER").unwrap_or_else(|_| "world".to_string());

    crate::sys::signals::exit_on_sigterm();
    // `:::5000`, as the stand-in's busybox httpd listens (the original
    // app.py's Flask would bind 0.0.0.0 alone).
    let listener = match super::listen_all(port) {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "socket.error: [Errno {}] {e}",
                e.raw_os_error().unwrap_or(0)
            );
            return 1;
        }
    };
    log_line(&format!(" * Running on http://0.0.0.0:{port}/"));
    serve(listener, Arc::new(App::new(&provider)));
    0
}

/// Binds the listening socket at `addr` (tests: 127.0.0.1:0; `main`
/// listens on every address with `listen_all`).
pub fn listen(addr: &str) -> io::Result<TcpListener> {
    TcpListener::bind(addr)
}

/// Accepts forever, one thread per connection.
pub fn serve(listener: TcpListener, app: Arc<App>) {
    for conn in listener.incoming() {
        match conn {
            Ok(stream) => {
                let app = Arc::clone(&app);
                // If no thread can be made, dropping the stream closes it.
                let _ = std::thread::Builder::new().spawn(move || handle(stream, &app));
            }
            // EMFILE and friends: back off instead of spinning.
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// A parsed request head, as far as the app cares.
#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    /// `GET` or `HEAD` (case-insensitive, as busybox accepts).
    Get {
        head: bool,
        path: String,
        line: String,
    },
    /// Another method: 501.
    Other { line: String },
    /// Not a request line: 400.
    Bad { line: String },
}

/// Parses the first line of a request.
pub fn parse_request_line(line: &str) -> Request {
    let line = line.trim_end_matches(['\r', '\n']).to_string();
    let mut parts = line.split_ascii_whitespace();
    let (Some(method), Some(url)) = (parts.next(), parts.next()) else {
        return Request::Bad { line };
    };
    if !url.starts_with('/') {
        return Request::Bad { line };
    }
    let head = method.eq_ignore_ascii_case("HEAD");
    if !head && !method.eq_ignore_ascii_case("GET") {
        return Request::Other { line };
    }
    let path = url.split(['?', '#']).next().unwrap_or(url).to_string();
    Request::Get { head, path, line }
}

/// The status for a request: the app has one page, at `/` (busybox also
/// served it as `/index.html`).
pub fn status_for(req: &Request) -> u16 {
    match req {
        Request::Get { path, .. } if path == "/" || path == "/index.html" => 200,
        Request::Get { .. } => 404,
        Request::Other { .. } => 501,
        Request::Bad { .. } => 400,
    }
}

/// The full response bytes, shaped like busybox httpd's. `now` is Unix time.
pub fn response(status: u16, head_only: bool, app: &App, now: u64) -> Vec<u8> {
    let (reason, info) = match status {
        200 => ("OK", ""),
        400 => ("Bad Request", "Unsupported method"),
        404 => ("Not Found", "The requested URL was not found"),
        408 => ("Request Timeout", "No request appeared within 60 seconds"),
        501 => ("Not Implemented", "The requested method is not recognized"),
        _ => ("Internal Server Error", "Internal Server Error"),
    };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nDate: {}\r\nConnection: close\r\nContent-type: text/html\r\n",
        http_date(now)
    );
    let body = if status == 200 {
        let body = app.body();
        out.push_str(&format!(
            "Accept-Ranges: bytes\r\nLast-Modified: {}\r\nETag: \"{:x}-{:x}\"\r\nContent-Length: {}\r\n",
            http_date(app.modified),
            app.modified,
            body.len(),
            body.len()
        ));
        body
    } else {
        // Error pages carry no Content-Length; the close ends them.
        format!(
            "<HTML><HEAD><TITLE>{status} {reason}</TITLE></HEAD>\n<BODY><H1>{status} {reason}</H1>\n{info}\n</BODY></HTML>\n"
        )
    };
    out.push_str("\r\n");
    if !head_only {
        out.push_str(&body);
    }
    out.into_bytes()
}

/// The Flask (werkzeug) access log line.
pub fn access_log(peer: IpAddr, now: u64, request_line: &str, status: u16) -> String {
    let peer = match peer {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    format!(
        "{peer} - - [{}] \"{request_line}\" {status} -",
        log_date(now)
    )
}

fn handle(stream: TcpStream, app: &App) {
    let _ = stream.set_read_timeout(Some(REQUEST_TIMEOUT));
    let _ = stream.set_write_timeout(Some(REQUEST_TIMEOUT));
    let peer = stream.peer_addr().ok().map(super::peer_ip);

    let (req, timed_out) = read_head(&stream);
    let (status, head_only, line) = match &req {
        Some(r) => {
            let head = matches!(r, Request::Get { head: true, .. });
            let line = match r {
                Request::Get { line, .. } | Request::Other { line } | Request::Bad { line } => {
                    line.clone()
                }
            };
            (status_for(r), head, line)
        }
        None if timed_out => (408, false, String::new()),
        // The client went away before sending a request line.
        None => return,
    };

    let now = unix_now();
    let mut w = &stream;
    let _ = w.write_all(&response(status, head_only, app, now));
    let _ = w.flush();
    if let Some(peer) = peer {
        if !line.is_empty() {
            log_line(&access_log(peer, now, &line, status));
        }
    }
    close_gracefully(&stream);
}

/// Reads the request line and the headers up to the blank line. Returns the
/// parsed request line (None if nothing usable came) and whether the read
/// timed out.
fn read_head(stream: &TcpStream) -> (Option<Request>, bool) {
    let mut reader = BufReader::new(stream).take(MAX_HEAD as u64);
    let mut first: Option<Request> = None;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => return (first, false),
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf);
                let blank = line.trim_end_matches(['\r', '\n']).is_empty();
                match &first {
                    // Clients may send stray CRLFs before the request line.
                    None if blank => continue,
                    None => first = Some(parse_request_line(&line)),
                    Some(_) if blank => return (first, false),
                    Some(_) => {}
                }
            }
            Err(e) => {
                let timed_out = matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                );
                return (first, timed_out);
            }
        }
    }
}

/// Half-closes, then reads what the client still sends for a moment, so the
/// kernel does not answer unread data with a RST that could eat the response.
fn close_gracefully(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut sink = [0u8; 4096];
    let mut left: usize = 1 << 20;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let mut r = stream;
    while left > 0 && std::time::Instant::now() < deadline {
        match r.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}

fn log_line(s: &str) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{s}");
    let _ = out.flush();
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// (year, month 1-12, day, hour, minute, second, weekday 0=Sunday) in UTC.
fn civil(secs: u64) -> (i64, usize, u64, u64, u64, u64, usize) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days to civil date (proleptic Gregorian), era-based.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u64;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as usize;
    let year = yoe + era * 400 + i64::from(month <= 2);
    // 1970-01-01 was a Thursday.
    let weekday = ((days + 4).rem_euclid(7)) as usize;
    (
        year,
        month,
        day,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        weekday,
    )
}

/// RFC 1123 date, `Sun, 22 Nov 2026 09:51:25 GMT`.
pub fn http_date(secs: u64) -> String {
    let (y, mo, d, h, mi, s, wd) = civil(secs);
    format!(
        "{}, {d:02} {} {y} {h:02}:{mi:02}:{s:02} GMT",
        WEEKDAYS[wd],
        MONTHS[mo - 1]
    )
}

/// werkzeug's log date, `22/Nov/2026 09:51:25` (containers run in UTC).
pub fn log_date(secs: u64) -> String {
    let (y, mo, d, h, mi, s, _) = civil(secs);
    format!("{d:02}/{}/{y} {h:02}:{mi:02}:{s:02}", MONTHS[mo - 1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    /// 2026-11-22 09:51:25 UTC, the Date of the reference's `curl -i`.
    const REF_NOW: u64 = 1_795_341_085;
    /// 0x6b02b98c: the reference's Last-Modified / ETag time.
    const REF_MTIME: u64 = 0x6b02_b98c;

    fn app() -> App {
        App {
            provider: "world".into(),
            modified: REF_MTIME,
        }
    }

    #[test]
    fn response_matches_the_reference_capture() {
        // 04-port-mapping.txt: curl -sS -i http://127.0.0.1:32768/
        let got = String::from_utf8(response(200, false, &app(), REF_NOW)).unwrap();
        let want = "HTTP/1.1 200 OK\r
Date: Sun, 22 Nov 2026 09:51:25 GMT\r
Connection: close\r
Content-type: text/html\r
Accept-Ranges: bytes\r
Last-Modified: Sun, 22 Nov 2026 09:44:44 GMT\r
ETag: \"6b02b98c-c\"\r
Content-Length: 12\r
\r
Hello world!";
        assert_eq!(got, want);
        let head = String::from_utf8(response(200, true, &app(), REF_NOW)).unwrap();
        assert!(head.ends_with("Content-Length: 12\r\n\r\n"));
    }

    #[test]
    fn error_pages_and_provider() {
        let got = String::from_utf8(response(404, false, &app(), REF_NOW)).unwrap();
        assert!(got.starts_with("HTTP/1.1 404 Not Found\r\n"));
        assert!(!got.contains("Content-Length"));
        assert!(got.ends_with("\r\n\r\n<HTML><HEAD><TITLE>404 Not Found</TITLE></HEAD>\n<BODY><H1>404 Not Found</H1>\nThe requested URL was not found\n</BODY></HTML>\n"));
        let docker = App {
            provider: "Docker".into(),
            modified: 0,
        };
        assert_eq!(docker.body(), "Hello Docker!");
        let got = String::from_utf8(response(200, false, &docker, 0)).unwrap();
        assert!(got.contains("Content-Length: 13\r\n") && got.contains("ETag: \"0-d\"\r\n"));
        assert!(got.contains("Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"));
    }

    #[test]
    fn request_lines() {
        let get = parse_request_line("GET /?x=1 HTTP/1.1\r\n");
        assert_eq!(
            get,
            Request::Get {
                head: false,
                path: "/".into(),
                line: "GET /?x=1 HTTP/1.1".into()
            }
        );
        assert_eq!(status_for(&get), 200);
        assert_eq!(
            status_for(&parse_request_line("head /index.html HTTP/1.0")),
            200
        );
        assert_eq!(
            status_for(&parse_request_line("GET /favicon.ico HTTP/1.1")),
            404
        );
        assert_eq!(status_for(&parse_request_line("POST / HTTP/1.1")), 501);
        assert_eq!(status_for(&parse_request_line("garbage")), 400);
        assert_eq!(
            status_for(&parse_request_line("GET http://x/ HTTP/1.1")),
            400
        );
        assert_eq!(status_for(&parse_request_line("")), 400);
    }

    #[test]
    fn dates_and_log_line() {
        assert_eq!(http_date(951_868_799), "Tue, 29 Feb 2000 23:59:59 GMT");
        assert_eq!(log_date(REF_NOW), "22/Nov/2026 09:51:25");
        let mapped: IpAddr = "::ffff:172.17.0.1".parse().unwrap();
        assert_eq!(
            access_log(mapped, REF_NOW, "GET / HTTP/1.1", 200),
            "172.17.0.1 - - [22/Nov/2026 09:51:25] \"GET / HTTP/1.1\" 200 -"
        );
        assert_eq!(
            access_log(IpAddr::V4(Ipv4Addr::LOCALHOST), 0, "GET /x HTTP/1.0", 404),
            "127.0.0.1 - - [01/Jan/1970 00:00:00] \"GET /x HTTP/1.0\" 404 -"
        );
    }

    fn fetch(addr: std::net::SocketAddr, request: &str) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn serves_over_tcp_and_closes() {
        let listener = listen("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || serve(listener, Arc::new(App::new("world"))));

        // Keep-alive clients get the answer and then a close.
        let out = fetch(
            addr,
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n",
        );
        assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
        assert!(out.contains("\r\nConnection: close\r\n"));
        assert!(out.ends_with("\r\n\r\nHello world!"));

        let out = fetch(addr, "GET /nope HTTP/1.0\r\n\r\n");
        assert!(out.starts_with("HTTP/1.1 404 Not Found\r\n"), "{out}");

        // A body the server does not read must not turn into a RST that
        // loses the response.
        let big = "x".repeat(100_000);
        let out = fetch(
            addr,
            &format!(
                "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n{big}",
                big.len()
            ),
        );
        assert!(out.starts_with("HTTP/1.1 501 Not Implemented\r\n"), "{out}");

        // Several at once.
        let handles: Vec<_> = (0..8)
            .map(|_| std::thread::spawn(move || fetch(addr, "HEAD / HTTP/1.1\r\n\r\n")))
            .collect();
        for h in handles {
            let out = h.join().unwrap();
            assert!(out.ends_with("Content-Length: 12\r\n\r\n"), "{out}");
        }
    }
}
