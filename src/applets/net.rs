//! `wget` and `nc -z`, enough of busybox's to fetch a page and to probe a
//! port from inside a container, resolving names the way the container does
//! (its /etc/hosts and /etc/resolv.conf, through the C library).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

fn resolve(host: &str, port: u16) -> Result<SocketAddr, String> {
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.find(|a| a.is_ipv4()))
        .ok_or_else(|| format!("bad address '{host}'"))
}

fn connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, String> {
    let addr = resolve(host, port)?;
    TcpStream::connect_timeout(&addr, timeout).map_err(|e| {
        if e.kind() == std::io::ErrorKind::TimedOut {
            "download timed out".to_string()
        } else {
            format!(
                "can't connect to remote host ({}): {}",
                addr.ip(),
                super::busybox_error(&e)
            )
        }
    })
}

/// Splits http://host[:port]/path.
pub fn parse_url(url: &str) -> Result<(String, u16, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("not an http URL: {url}"))?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().map_err(|_| format!("bad port in {url}"))?),
        None => (hostport, 80),
    };
    if host.is_empty() {
        return Err(format!("no host in {url}"));
    }
    Ok((host.to_string(), port, path.to_string()))
}

/// `wget [-q] [-O FILE|-] [-T SEC] [-S] URL`: the body goes to FILE or stdout.
pub fn wget(args: &[String]) -> i32 {
    let mut quiet = false;
    let mut output: Option<String> = None;
    let mut timeout = 10u64;
    let mut url = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-q" => quiet = true,
            "-qO-" | "-qO" => {
                quiet = true;
                output = Some(if a == "-qO-" {
                    "-".into()
                } else {
                    it.next().cloned().unwrap_or_default()
                });
            }
            "-O" => output = it.next().cloned(),
            "-O-" => output = Some("-".into()),
            "-T" => timeout = it.next().and_then(|t| t.parse().ok()).unwrap_or(10),
            "-S" | "--spider" => {}
            s if s.starts_with('-') => {}
            s => url = Some(s.to_string()),
        }
    }
    let Some(url) = url else {
        eprintln!("BusyBox-style wget: no URL given");
        return 1;
    };
    match fetch(&url, Duration::from_secs(timeout)) {
        Ok((status, body)) => {
            if !quiet {
                eprintln!(
                    "Connecting to {}",
                    url.trim_start_matches("http://")
                        .split('/')
                        .next()
                        .unwrap_or("")
                );
            }
            if !status.contains(" 200 ") {
                eprintln!("wget: server returned error: {}", status.trim_end());
                return 1;
            }
            let written = match output.as_deref() {
                Some("-") => std::io::stdout().write_all(&body),
                None => std::fs::write("index.html", &body),
                Some(f) => std::fs::write(f, &body),
            };
            if let Err(e) = written {
                eprintln!("wget: {e}");
                return 1;
            }
            0
        }
        Err(e) => {
            eprintln!("wget: {e}");
            1
        }
    }
}

/// GET url; returns the status line and the body.
pub fn fetch(url: &str, timeout: Duration) -> Result<(String, Vec<u8>), String> {
    let (host, port, path) = parse_url(url)?;
    let mut s = connect(&host, port, timeout)?;
    let _ = s.set_read_timeout(Some(timeout));
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: Wget\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).map_err(|e| {
        if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut {
            "download timed out".to_string()
        } else {
            e.to_string()
        }
    })?;
    let split = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("server sent no headers")?;
    let head = String::from_utf8_lossy(&resp[..split]).into_owned();
    let status = head.lines().next().unwrap_or("").to_string() + " ";
    Ok((status, resp[split + 4..].to_vec()))
}

/// `nc -z [-w SEC] HOST PORT`: exit 0 if a TCP connection opens.
pub fn nc(args: &[String]) -> i32 {
    let mut wait = 1u64;
    let mut rest = Vec::new();
    let mut it = args.iter();
    let (mut zero_io, mut udp, mut listen) = (false, false, false);
    let mut port = None;
    while let Some(a) = it.next() {
        match a.as_str() {
            "-w" => wait = it.next().and_then(|t| t.parse().ok()).unwrap_or(1),
            "-p" => port = it.next().and_then(|t| t.parse::<u16>().ok()),
            s if s.starts_with('-') && s.len() > 1 => {
                for flag in s[1..].chars() {
                    match flag {
                        'z' => zero_io = true,
                        'u' => udp = true,
                        'l' => listen = true,
                        _ => {}
                    }
                }
            }
            s => rest.push(s.to_string()),
        }
    }
    let timeout = Duration::from_secs(wait.max(1));
    match (udp, listen, zero_io) {
        (true, true, _) => match port {
            Some(p) => udp_echo(p),
            None => usage(),
        },
        (false, true, _) => match port {
            Some(p) => tcp_discard(p),
            None => usage(),
        },
        (true, false, _) if rest.len() == 2 => match rest[1].parse() {
            Ok(p) => udp_send(&rest[0], p, timeout),
            Err(_) => usage(),
        },
        (false, false, true) if rest.len() == 2 => {
            let Ok(port) = rest[1].parse::<u16>() else {
                eprintln!("nc: bad port '{}'", rest[1]);
                return 1;
            };
            match connect(&rest[0], port, timeout) {
                Ok(_) => 0,
                Err(e) => {
                    eprintln!("nc: {e}");
                    1
                }
            }
        }
        _ => usage(),
    }
}

fn usage() -> i32 {
    eprintln!(
                "usage: nc -z [-w SEC] HOST PORT | nc -u [-w SEC] HOST PORT | nc -u -l -p PORT | nc -l -p PORT\n\
         (netlings' nc probes TCP ports, sends stdin as one UDP datagram and prints the reply,\n\
         echoes UDP datagrams back, or reads and discards TCP connections)"
    );
    1
}

/// `nc -l -p PORT`: reads every TCP connection to its end and discards the
/// bytes, then closes it (so a sender knows everything arrived).
fn tcp_discard(port: u16) -> i32 {
    crate::sys::signals::exit_on_sigterm();
    let listener = match std::net::TcpListener::bind(("0.0.0.0", port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("nc: bind: {e}");
            return 1;
        }
    };
    for mut conn in listener.incoming().flatten() {
        std::thread::spawn(move || {
            // Large reads keep the receiver cheap (io::copy reads 8 KiB).
            let mut buf = vec![0u8; 1 << 20];
            while matches!(conn.read(&mut buf), Ok(n) if n > 0) {}
        });
    }
    0
}

/// `nc -u -l -p PORT`: answers every datagram with its own bytes.
fn udp_echo(port: u16) -> i32 {
    crate::sys::signals::exit_on_sigterm();
    let sock = match std::net::UdpSocket::bind(("0.0.0.0", port)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("nc: bind: {e}");
            return 1;
        }
    };
    let mut buf = vec![0u8; 65536];
    loop {
        if let Ok((n, from)) = sock.recv_from(&mut buf) {
            let _ = sock.send_to(&buf[..n], from);
        }
    }
}

/// `nc -u HOST PORT`: stdin as one datagram, the reply to stdout.
fn udp_send(host: &str, port: u16, timeout: Duration) -> i32 {
    let run = || -> Result<Vec<u8>, String> {
        let addr = resolve(host, port)?;
        let sock = std::net::UdpSocket::bind("0.0.0.0:0").map_err(|e| e.to_string())?;
        sock.set_read_timeout(Some(timeout))
            .map_err(|e| e.to_string())?;
        let mut data = Vec::new();
        std::io::stdin()
            .read_to_end(&mut data)
            .map_err(|e| e.to_string())?;
        sock.send_to(&data, addr).map_err(|e| e.to_string())?;
        let mut buf = vec![0u8; 65536];
        let (n, _) = sock
            .recv_from(&mut buf)
            .map_err(|_| "no reply".to_string())?;
        buf.truncate(n);
        Ok(buf)
    };
    match run() {
        Ok(reply) => {
            let _ = std::io::stdout().write_all(&reply);
            0
        }
        Err(e) => {
            eprintln!("nc: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("http://flappy/").unwrap(),
            ("flappy".into(), 80, "/".into())
        );
        assert_eq!(
            parse_url("http://172.17.0.2:5000").unwrap(),
            ("172.17.0.2".into(), 5000, "/".into())
        );
        assert_eq!(
            parse_url("http://a:8080/x/y").unwrap(),
            ("a".into(), 8080, "/x/y".into())
        );
        assert!(parse_url("https://a/").is_err());
        assert!(parse_url("http://:80/").is_err());
    }

    #[test]
    fn fetch_and_probe_a_local_server() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || crate::images::flappy::serve(l));
        let (status, body) = fetch(
            &format!("http://127.0.0.1:{port}/any"),
            Duration::from_secs(2),
        )
        .unwrap();
        assert!(status.starts_with("HTTP/1.0 200"));
        assert_eq!(body, crate::images::flappy::BODY.as_bytes());
        assert_eq!(nc(&["-z".into(), "127.0.0.1".into(), port.to_string()]), 0);
    }
}
