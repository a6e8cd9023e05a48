//! `wget` and `nc -z`, enough of busybox's to fetch a page and to probe a
//! port from inside a container, resolving names the way the container does
//! (its /etc/hosts and /etc/resolv.conf, through the C library).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The first address the C library gives, as busybox takes it (no second
/// try): on a dual-stack network a name's IPv6 address comes first, so
/// Docker 20.10's busybox wget printed `Connecting to v6b-fl
/// ([fd00:1::2]:80)`.
fn resolve(host: &str, port: u16) -> Result<SocketAddr, String> {
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("bad address '{host}'"))
}

/// busybox's words for a failed connect: the address only for IPv4
/// (`can't connect to remote host (172.30.0.2): Connection refused`; to
/// fd00:1::2, `can't connect to remote host: Connection refused`).
pub fn connect_failure(addr: SocketAddr, e: &std::io::Error) -> String {
    match addr {
        SocketAddr::V4(a) => format!(
            "can't connect to remote host ({}): {}",
            a.ip(),
            super::busybox_error(e)
        ),
        SocketAddr::V6(_) => format!("can't connect to remote host: {}", super::busybox_error(e)),
    }
}

enum Failure {
    /// Resolving or connecting failed: busybox's words.
    Words(String),
    TimedOut,
}

fn connect(host: &str, port: u16, timeout: Duration) -> Result<(TcpStream, SocketAddr), Failure> {
    let addr = resolve(host, port).map_err(Failure::Words)?;
    TcpStream::connect_timeout(&addr, timeout)
        .map(|s| (s, addr))
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::TimedOut {
                Failure::TimedOut
            } else {
                Failure::Words(connect_failure(addr, &e))
            }
        })
}

/// The parts of http://host[:port]/path: the host (an IPv6 one without
/// its brackets), the port, the path, and host[:port] as written, which
/// wget's "Connecting to" line repeats.
#[derive(Debug, PartialEq, Eq)]
pub struct Url {
    pub host: String,
    pub port: u16,
    pub path: String,
    pub written: String,
}

/// Splits http://host[:port]/path; `[v6]` and `[v6]:port` as busybox takes
/// them, and its "bad address '[fd00:1::2'" for a bracket left open.
pub fn parse_url(url: &str) -> Result<Url, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("not an http URL: {url}"))?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let bad_port = || format!("bad port in {url}");
    let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
        let (h, after) = inner
            .split_once(']')
            .ok_or_else(|| format!("bad address '{hostport}'"))?;
        match after.strip_prefix(':') {
            Some(p) => (h, p.parse().map_err(|_| bad_port())?),
            None if after.is_empty() => (h, 80),
            None => return Err(format!("bad address '{hostport}'")),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().map_err(|_| bad_port())?),
            None => (hostport, 80),
        }
    };
    if host.is_empty() {
        return Err(format!("no host in {url}"));
    }
    Ok(Url {
        host: host.to_string(),
        port,
        path: path.to_string(),
        written: hostport.to_string(),
    })
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
    let connecting = |u: &Url, addr: SocketAddr| {
        if !quiet {
            // SocketAddr prints IPv6 in brackets, as busybox: [fd00:1::2]:80.
            eprintln!("Connecting to {} ({addr})", u.written);
        }
    };
    match fetch_with(&url, Duration::from_secs(timeout), connecting) {
        Ok((status, body)) => {
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
    fetch_with(url, timeout, |_, _| {})
}

/// GET url, telling `connecting` the address once it is resolved.
fn fetch_with(
    url: &str,
    timeout: Duration,
    connecting: impl Fn(&Url, SocketAddr),
) -> Result<(String, Vec<u8>), String> {
    let u = parse_url(url)?;
    let addr = resolve(&u.host, u.port)?;
    connecting(&u, addr);
    let mut s = TcpStream::connect_timeout(&addr, timeout).map_err(|e| {
        if e.kind() == std::io::ErrorKind::TimedOut {
            "download timed out".to_string()
        } else {
            connect_failure(addr, &e)
        }
    })?;
    let _ = s.set_read_timeout(Some(timeout));
    // The host as before the port (netlings never sent the port here, and
    // packet lengths in captures stay as they were); IPv6 in brackets.
    let host = match u.host.parse::<Ipv6Addr>() {
        Ok(_) => format!("[{}]", u.host),
        Err(_) => u.host.clone(),
    };
    write!(
        s,
        "GET {} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: Wget\r\nConnection: close\r\n\r\n",
        u.path
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

/// `nc [-z] [-w SEC] HOST PORT`, `nc -u HOST PORT`, `nc -l [-u] -p PORT`.
pub fn nc(args: &[String]) -> i32 {
    let mut wait = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    let (mut zero_io, mut udp, mut listen) = (false, false, false);
    let mut port = None;
    while let Some(a) = it.next() {
        match a.as_str() {
            "-w" => wait = it.next().and_then(|t| t.parse::<u64>().ok()),
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
    let timeout = Duration::from_secs(wait.unwrap_or(1).max(1));
    let target = |rest: &[String]| -> Option<Result<(String, u16), i32>> {
        (rest.len() == 2).then(|| match rest[1].parse::<u16>() {
            Ok(p) => Ok((rest[0].clone(), p)),
            Err(_) => {
                eprintln!("nc: bad port '{}'", rest[1]);
                Err(1)
            }
        })
    };
    match (udp, listen, zero_io) {
        (true, true, _) => match port {
            Some(p) => udp_echo(p),
            None => usage(),
        },
        (false, true, _) => match port {
            Some(p) => tcp_discard(p),
            None => usage(),
        },
        (true, false, _) => match target(&rest) {
            Some(Ok((host, p))) => udp_send(&host, p, timeout),
            Some(Err(code)) => code,
            None => usage(),
        },
        (false, false, zero_io) => match target(&rest) {
            Some(Ok((host, p))) => {
                // busybox's nc waits for a connection as long as the kernel
                // does unless -w is given; netlings' probe (-z) a second.
                let connect_timeout = match wait {
                    Some(_) => timeout,
                    None if zero_io => timeout,
                    None => Duration::from_secs(u64::from(u32::MAX)),
                };
                match connect(&host, p, connect_timeout) {
                    Ok((s, _)) if !zero_io => pipe(s),
                    Ok(_) => 0,
                    Err(Failure::Words(e)) => {
                        eprintln!("nc: {e}");
                        1
                    }
                    Err(Failure::TimedOut) => {
                        eprintln!("nc: timed out");
                        1
                    }
                }
            }
            Some(Err(code)) => code,
            None => usage(),
        },
    }
}

/// `nc HOST PORT`: stdin to the connection (its end closes our side for
/// writing, so a server reading to the end answers), the connection's
/// bytes to stdout until the peer closes.
fn pipe(s: TcpStream) -> i32 {
    let Ok(mut up) = s.try_clone() else {
        return 1;
    };
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut up);
        let _ = up.shutdown(std::net::Shutdown::Write);
    });
    let mut down = &s;
    match std::io::copy(&mut down, &mut std::io::stdout().lock()) {
        Ok(_) => 0,
        Err(e) => {
            eprintln!("nc: {}", super::busybox_error(&e));
            1
        }
    }
}

fn usage() -> i32 {
    eprintln!(
        "usage: nc [-z] [-w SEC] HOST PORT | nc -u [-w SEC] HOST PORT | nc -u -l -p PORT | nc -l -p PORT\n\
         (netlings' nc sends stdin over TCP and prints the answer, probes TCP ports (-z),\n\
         sends stdin as one UDP datagram and prints the reply, echoes UDP datagrams back,\n\
         or reads and discards TCP connections)"
    );
    1
}

/// `nc -l -p PORT`: reads every TCP connection to its end and discards the
/// bytes, then closes it (so a sender knows everything arrived).
fn tcp_discard(port: u16) -> i32 {
    crate::sys::signals::exit_on_sigterm();
    let listener = match crate::images::listen_all(port) {
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

/// `nc -u -l -p PORT`: answers every datagram with its own bytes, on IPv6
/// and IPv4 alike.
fn udp_echo(port: u16) -> i32 {
    crate::sys::signals::exit_on_sigterm();
    let sock = match std::net::UdpSocket::bind((Ipv6Addr::UNSPECIFIED, port))
        .or_else(|_| std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, port)))
    {
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
        let local: SocketAddr = match addr {
            SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
            SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
        };
        let sock = std::net::UdpSocket::bind(local).map_err(|e| e.to_string())?;
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
        let url = |host: &str, port, path: &str, written: &str| Url {
            host: host.into(),
            port,
            path: path.into(),
            written: written.into(),
        };
        assert_eq!(
            parse_url("http://flappy/").unwrap(),
            url("flappy", 80, "/", "flappy")
        );
        assert_eq!(
            parse_url("http://172.17.0.2:5000").unwrap(),
            url("172.17.0.2", 5000, "/", "172.17.0.2:5000")
        );
        assert_eq!(
            parse_url("http://a:8080/x/y").unwrap(),
            url("a", 8080, "/x/y", "a:8080")
        );
        assert!(parse_url("https://a/").is_err());
        assert!(parse_url("http://:80/").is_err());
    }

    #[test]
    fn ipv6_urls_as_busybox_takes_them() {
        let u = parse_url("http://[fd00:1::2]/").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.written.as_str()),
            ("fd00:1::2", 80, "[fd00:1::2]")
        );
        let u = parse_url("http://[fd00:1::2]:81/x").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str(), u.written.as_str()),
            ("fd00:1::2", 81, "/x", "[fd00:1::2]:81")
        );
        // Docker 20.10's busybox: wget: bad address '[fd00:1::2'
        assert_eq!(
            parse_url("http://[fd00:1::2/"),
            Err("bad address '[fd00:1::2'".to_string())
        );
        assert!(parse_url("http://[fd00:1::2]x/").is_err());
    }

    #[test]
    fn connect_failures_in_busyboxs_words() {
        let refused = std::io::Error::from_raw_os_error(libc::ECONNREFUSED);
        assert_eq!(
            connect_failure("172.30.0.2:81".parse().unwrap(), &refused),
            "can't connect to remote host (172.30.0.2): Connection refused"
        );
        assert_eq!(
            connect_failure("[fd00:1::2]:81".parse().unwrap(), &refused),
            "can't connect to remote host: Connection refused"
        );
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
