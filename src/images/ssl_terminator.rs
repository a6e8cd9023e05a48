//! `purplebooth/nginx-ssl-terminator`: HTTPS on :443 with a self-signed
//! certificate made at start, and plain HTTP on :80; both pass each request
//! to `http://$UPSTREAM:80`. The upstream name is resolved per request
//! (through the container's resolver), so the chain keeps working as
//! containers come and go; a failure answers 502 with a one-line reason.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

pub fn main(_args: &[String]) -> i32 {
    crate::sys::signals::exit_on_sigterm();
    let upstream = match std::env::var("UPSTREAM") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            eprintln!("nginx-ssl-terminator: UPSTREAM is not set (run with -e UPSTREAM=name)");
            return 1;
        }
    };
    let tls = match tls_config(&hostname()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("nginx-ssl-terminator: certificate: {e}");
            return 1;
        }
    };
    let (http, https) = match (
        // `:::80` and `:::443`, as the stand-in's busybox nc listens.
        super::listen_all(80),
        super::listen_all(443),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("nginx-ssl-terminator: listen: {e}");
            return 1;
        }
    };
    let up = upstream.clone();
    std::thread::spawn(move || serve_http(http, up));
    serve_https(https, tls, upstream);
    0
}

fn hostname() -> String {
    nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "localhost".into())
}

/// A fresh self-signed certificate for this container, as the image's
/// entrypoint makes one at every start.
pub fn tls_config(host: &str) -> Result<Arc<rustls::ServerConfig>, String> {
    let cert = rcgen::generate_simple_self_signed(vec![host.to_string(), "localhost".to_string()])
        .map_err(|e| e.to_string())?;
    let der = cert.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(vec![der], key)
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(config))
}

pub fn serve_http(listener: TcpListener, upstream: String) {
    for stream in listener.incoming().flatten() {
        let upstream = upstream.clone();
        std::thread::spawn(move || {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = handle(stream, &upstream, 80);
        });
    }
}

pub fn serve_https(listener: TcpListener, tls: Arc<rustls::ServerConfig>, upstream: String) {
    for stream in listener.incoming().flatten() {
        let (tls, upstream) = (tls.clone(), upstream.clone());
        std::thread::spawn(move || {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let Ok(conn) = rustls::ServerConnection::new(tls) else {
                return;
            };
            let _ = handle(rustls::StreamOwned::new(conn, stream), &upstream, 80);
        });
    }
}

/// Reads one request, forwards it upstream, copies the answer back.
fn handle<S: Read + Write>(mut client: S, upstream: &str, port: u16) -> io::Result<()> {
    let (head, body) = read_request(&mut client)?;
    let response = match forward(&head, &body, upstream, port) {
        Ok(r) => r,
        Err(reason) => bad_gateway(&reason),
    };
    client.write_all(&response)?;
    client.flush()
}

/// The request head (up to the blank line) and any body it announces.
fn read_request<S: Read>(client: &mut S) -> io::Result<(Vec<String>, Vec<u8>)> {
    let mut reader = BufReader::new(client);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            break;
        }
        head.push(line);
        if head.len() > 100 {
            return Err(io::Error::other("request head too long"));
        }
    }
    let length = head
        .iter()
        .find_map(|h| {
            let (k, v) = h.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0)
        .min(16 << 20);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok((head, body))
}

/// Resolves the upstream now (not at start, so names that appear later
/// work) and relays the request as HTTP/1.0 with `Connection: close`.
fn forward(head: &[String], body: &[u8], upstream: &str, port: u16) -> Result<Vec<u8>, String> {
    let request_line = head.first().ok_or("empty request")?;
    let addrs: Vec<_> = (upstream, port)
        .to_socket_addrs()
        .map_err(|e| format!("upstream {upstream} could not be resolved ({e})"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("upstream {upstream} could not be resolved"));
    }
    // In the C library's order (an IPv6 address first on a dual-stack
    // network), the next one when a connect fails, as nginx tries an
    // upstream's addresses.
    let mut failure = String::new();
    let mut connected = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(3)) {
            Ok(s) => {
                connected = Some((s, addr));
                break;
            }
            Err(e) => {
                failure = format!("connect() to {addr} failed ({e}) while connecting to upstream")
            }
        }
    }
    let (mut up, addr) = connected.ok_or(failure)?;
    let _ = up.set_read_timeout(Some(Duration::from_secs(10)));
    let mut out = format!("{request_line}\r\n");
    for h in &head[1..] {
        let name = h.split(':').next().unwrap_or("").to_ascii_lowercase();
        if name != "connection" && name != "keep-alive" {
            out.push_str(h);
            out.push_str("\r\n");
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    up.write_all(out.as_bytes()).map_err(|e| e.to_string())?;
    up.write_all(body).map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    up.read_to_end(&mut response)
        .map_err(|e| format!("upstream {addr} did not answer ({e})"))?;
    if response.is_empty() {
        return Err(format!(
            "upstream {addr} closed the connection without answering"
        ));
    }
    Ok(response)
}

fn bad_gateway(reason: &str) -> Vec<u8> {
    let body = format!("502 Bad Gateway: {reason}\n");
    format!(
        "HTTP/1.1 502 Bad Gateway\r\nServer: nginx-ssl-terminator (netlings)\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upstream_on_loopback() -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || crate::images::flappy::serve(l));
        port
    }

    fn get<S: Read + Write>(mut s: S) -> String {
        s.write_all(b"GET /x HTTP/1.1\r\nHost: t\r\nConnection: keep-alive\r\n\r\n")
            .unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    }

    #[test]
    fn plain_http_is_relayed_and_failures_are_502() {
        let port = upstream_on_loopback();
        let (head, body) = (
            vec!["GET / HTTP/1.1".to_string(), "Host: t".to_string()],
            vec![],
        );
        let reply = String::from_utf8(forward(&head, &body, "127.0.0.1", port).unwrap()).unwrap();
        assert!(reply.starts_with("HTTP/1.0 200 OK"), "{reply}");
        let err = forward(&head, &body, "no-such-host.invalid", 80).unwrap_err();
        assert!(err.contains("could not be resolved"), "{err}");
        let bad = String::from_utf8(bad_gateway(&err)).unwrap();
        assert!(
            bad.starts_with("HTTP/1.1 502 Bad Gateway\r\n") && bad.ends_with(&format!("{err}\n"))
        );
    }

    #[test]
    fn https_terminates_with_a_self_signed_certificate() {
        let upstream = upstream_on_loopback();
        let tls = tls_config("localhost").unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        // The test's upstream listens on a random port, not 80: forward to it.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let conn = rustls::ServerConnection::new(tls.clone()).unwrap();
                let _ = handle(
                    rustls::StreamOwned::new(conn, stream),
                    "127.0.0.1",
                    upstream,
                );
            }
        });
        let client = tls_client_accepting_any_certificate();
        let conn = rustls::ClientConnection::new(client, "localhost".try_into().unwrap()).unwrap();
        let tcp = TcpStream::connect(addr).unwrap();
        let reply = get(rustls::StreamOwned::new(conn, tcp));
        assert!(reply.starts_with("HTTP/1.0 200 OK"), "{reply}");
    }

    /// Like `curl -k`: the certificate is self-signed.
    fn tls_client_accepting_any_certificate() -> Arc<rustls::ClientConfig> {
        #[derive(Debug)]
        struct AnyCert(Arc<rustls::crypto::CryptoProvider>);
        impl rustls::client::danger::ServerCertVerifier for AnyCert {
            fn verify_server_cert(
                &self,
                _: &rustls::pki_types::CertificateDer<'_>,
                _: &[rustls::pki_types::CertificateDer<'_>],
                _: &rustls::pki_types::ServerName<'_>,
                _: &[u8],
                _: rustls::pki_types::UnixTime,
            ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
                Ok(rustls::client::danger::ServerCertVerified::assertion())
            }
            fn verify_tls12_signature(
                &self,
                m: &[u8],
                c: &rustls::pki_types::CertificateDer<'_>,
                d: &rustls::DigitallySignedStruct,
            ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error>
            {
                rustls::crypto::verify_tls12_signature(
                    m,
                    c,
                    d,
                    &self.0.signature_verification_algorithms,
                )
            }
            fn verify_tls13_signature(
                &self,
                m: &[u8],
                c: &rustls::pki_types::CertificateDer<'_>,
                d: &rustls::DigitallySignedStruct,
            ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error>
            {
                rustls::crypto::verify_tls13_signature(
                    m,
                    c,
                    d,
                    &self.0.signature_verification_algorithms,
                )
            }
            fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
                self.0.signature_verification_algorithms.supported_schemes()
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
            .with_no_client_auth();
        Arc::new(config)
    }
}
