//! `-p`/`--publish` and `--expose` as the docker 20.10 CLI reads them
//! (go-connections v0.4.0 `nat`), and the host bindings Docker plans from
//! them.

use super::{PortKey, Proto};
use crate::gotext::go_quote;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One `-p` flag after parsing; a container-port range gives one per port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    /// `None` when the flag named no address (Docker then binds 0.0.0.0 and,
    /// if the engine wants it, `::`).
    pub host_ip: Option<IpAddr>,
    /// `None` = ephemeral. `Some((a, b))` with a < b = first free port in the
    /// range (only when the container side is a single port, as in Docker).
    /// `Some((0, 0))` comes from an explicit `-p 0:80`: also ephemeral, but
    /// kept so inspect shows `"HostPort": "0"` like Docker.
    pub host_ports: Option<(u16, u16)>,
    pub container_port: u16,
    pub proto: Proto,
}

impl PortSpec {
    pub fn key(&self) -> PortKey {
        PortKey {
            port: self.container_port,
            proto: self.proto,
        }
    }

    /// `HostConfig.PortBindings[..].HostPort`: "", "80" or "8000-9000".
    pub fn host_port_text(&self) -> String {
        match self.host_ports {
            None => String::new(),
            Some((a, b)) if a == b => a.to_string(),
            Some((a, b)) => format!("{a}-{b}"),
        }
    }
}

/// Netlings has no SCTP; Docker would accept it, so say so plainly instead
/// of pretending Docker rejects it.
const SCTP_UNSUPPORTED: &str =
    "sctp port mappings are not supported by netlings (tcp and udp only)";

/// Parses one `-p`/`--publish` value like docker 20.10's CLI: the long
/// syntax (`published=8080,target=80,protocol=udp`) is first rewritten to the
/// short one, then go-connections v0.4.0 `ParsePortSpec` rules apply,
/// including the order of its checks (so `70000:5000/sctpx` reports the host
/// port, not the protocol). Errors are Docker's texts without the CLI's
/// `docker: ` prefix and trailing `.`.
pub fn parse_publish(spec: &str) -> Result<Vec<PortSpec>, String> {
    let converted;
    let spec = if spec.contains('=') {
        converted = long_syntax_to_standard(spec)?;
        converted.as_str()
    } else {
        spec
    };

    let (raw_ip, host_port, container) = split_parts(spec);
    let (proto_text, container_port) = split_proto_port(container);

    // Docker strips the brackets of an IPv6 address with SplitHostPort(ip + ":").
    let ip_text = go_split_host(&format!("{raw_ip}:"))
        .map_err(|e| format!("Invalid ip address {raw_ip}: {e}"))?;
    let host_ip = if ip_text.is_empty() {
        None
    } else {
        Some(parse_go_ip(&ip_text).ok_or_else(|| format!("Invalid ip address: {ip_text}"))?)
    };
    if container_port.is_empty() {
        return Err(format!("No port specified: {spec}<empty>"));
    }
    let (c_start, c_end) = parse_port_range(container_port)
        .map_err(|_| format!("Invalid containerPort: {container_port}"))?;
    let host = if host_port.is_empty() {
        None
    } else {
        Some(parse_port_range(host_port).map_err(|_| format!("Invalid hostPort: {host_port}"))?)
    };
    if let Some((h_start, h_end)) = host {
        // A host range is allowed with a single container port: it is then
        // the range to pick a free port from.
        if c_end - c_start != h_end - h_start && c_end != c_start {
            return Err(format!(
                "Invalid ranges specified for container and host Ports: {container_port} and {host_port}"
            ));
        }
    }
    let proto = match proto_text.to_lowercase().as_str() {
        "tcp" => Proto::Tcp,
        "udp" => Proto::Udp,
        "sctp" => return Err(SCTP_UNSUPPORTED.to_string()),
        _ => return Err(format!("Invalid proto: {proto_text}")),
    };

    let count = u32::from(c_end - c_start) + 1;
    let mut out = Vec::with_capacity(count as usize);
    for i in 0..count {
        // i <= c_end - c_start, and for ranges h_end - h_start is the same, so no overflow.
        let offset = i as u16;
        let host_ports = host.map(|(hs, he)| {
            if c_start == c_end {
                (hs, he)
            } else {
                (hs + offset, hs + offset)
            }
        });
        out.push(PortSpec {
            host_ip,
            host_ports,
            container_port: c_start + offset,
            proto,
        });
    }
    Ok(out)
}

/// docker/cli `convertToStandardNotation`: `k=v,k=v` to `published:target/protocol`.
fn long_syntax_to_standard(spec: &str) -> Result<String, String> {
    let mut published = "";
    let mut target = "";
    let mut protocol = "tcp";
    for param in spec.split(',') {
        let mut it = param.split('=');
        let (Some(name), Some(value)) = (it.next(), it.next()) else {
            return Err(format!(
                "invalid publish opts format (should be name=value but got '{param}')"
            ));
        };
        match name {
            "published" => published = value,
            "target" => target = value,
            "protocol" => protocol = value,
            _ => {}
        }
    }
    Ok(format!("{published}:{target}/{protocol}"))
}

/// go-connections `splitParts`: the last two `:`-fields are the ports,
/// everything before is the IP (so an unbracketed IPv6 address is split
/// wrongly, exactly as in Docker).
fn split_parts(raw: &str) -> (String, &str, &str) {
    let parts: Vec<&str> = raw.split(':').collect();
    let n = parts.len();
    match n {
        1 => (String::new(), "", parts[0]),
        2 => (String::new(), parts[0], parts[1]),
        _ => (parts[..n - 2].join(":"), parts[n - 2], parts[n - 1]),
    }
}

/// go-connections v0.4.0 `SplitProtoPort`: returns (proto, port).
fn split_proto_port(raw: &str) -> (&str, &str) {
    let parts: Vec<&str> = raw.split('/').collect();
    if raw.is_empty() || parts[0].is_empty() {
        return ("", "");
    }
    if parts.len() == 1 {
        return ("tcp", raw);
    }
    if parts[1].is_empty() {
        return ("tcp", parts[0]);
    }
    (parts[1], parts[0])
}

/// Go's `net.SplitHostPort`, returning only the host; error texts are Go's
/// `AddrError` strings.
fn go_split_host(hostport: &str) -> Result<String, String> {
    let err = |why: &str| -> Result<String, String> { Err(format!("address {hostport}: {why}")) };
    let Some(i) = hostport.rfind(':') else {
        return err("missing port in address");
    };
    let (host, j, k);
    if hostport.starts_with('[') {
        let Some(end) = hostport.find(']') else {
            return err("missing ']' in address");
        };
        if end + 1 == hostport.len() {
            return err("missing port in address");
        } else if end + 1 != i {
            if hostport.as_bytes()[end + 1] == b':' {
                return err("too many colons in address");
            }
            return err("missing port in address");
        }
        host = &hostport[1..end];
        j = 1;
        k = end + 1;
    } else {
        host = &hostport[..i];
        if host.contains(':') {
            return err("too many colons in address");
        }
        j = 0;
        k = 0;
    }
    if hostport[j..].contains('[') {
        return err("unexpected '[' in address");
    }
    if hostport[k..].contains(']') {
        return err("unexpected ']' in address");
    }
    Ok(host.to_string())
}

/// Like Go's `net.ParseIP`; an IPv4-mapped IPv6 address is IPv4 (Go's
/// `To4() != nil`, which is what decides the bind family in Docker).
fn parse_go_ip(s: &str) -> Option<IpAddr> {
    match s.parse::<IpAddr>().ok()? {
        IpAddr::V6(v6) => Some(match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        }),
        v4 => Some(v4),
    }
}

/// `strconv.ParseUint(s, 10, 16)` with Go's error text.
pub(super) fn go_parse_u16(s: &str) -> Result<u16, String> {
    let fail = |why: &str| -> Result<u16, String> {
        Err(format!("strconv.ParseUint: parsing {}: {why}", go_quote(s)))
    };
    if s.is_empty() {
        return fail("invalid syntax");
    }
    let mut n: u32 = 0;
    // Go stops at the first problem, so "70000x" is out of range, "7x" is syntax.
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return fail("invalid syntax");
        }
        n = n * 10 + u32::from(b - b'0');
        if n > u32::from(u16::MAX) {
            return fail("value out of range");
        }
    }
    Ok(n as u16)
}

/// go-connections `ParsePortRange`: "80" or "8000-9000". Like Docker it
/// looks only at the first two `-`-fields ("1-2-3" is 1-2).
pub(super) fn parse_port_range(s: &str) -> Result<(u16, u16), String> {
    if s.is_empty() {
        return Err("Empty string specified for ports.".to_string());
    }
    if !s.contains('-') {
        let p = go_parse_u16(s)?;
        return Ok((p, p));
    }
    let mut parts = s.split('-');
    let start = go_parse_u16(parts.next().unwrap_or(""))?;
    let end = go_parse_u16(parts.next().unwrap_or(""))?;
    if end < start {
        return Err(format!("Invalid range specified for the Port: {s}"));
    }
    Ok((start, end))
}

/// One host-side binding to set up: Docker's operational port binding after
/// the IPv4/IPv6 split. `host_ports` is (0, 0) for ephemeral, (p, p) for a
/// fixed port, (a, b) for "first free in range".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedBinding {
    pub key: PortKey,
    pub host_ip: IpAddr,
    pub host_ports: (u16, u16),
}

/// Turns a container's `-p` specs into the ordered list of host bindings
/// Docker 20.10 would set up.
///
/// * `exposed`: the container's exposed ports (image EXPOSE, `--expose`);
///   ports of `specs` are added, as the docker CLI does.
/// * `publish_all`: `-P`; exposed ports without a `-p` get an ephemeral port.
/// * `ipv6`: also bind `::` for specs without a host IP (Docker does when the
///   host can listen on IPv6, as on the reference host). An explicit IPv6
///   host IP is bound regardless, an explicit IPv4 one never gets `::`.
///
/// Order: Docker sorts with go-connections' `SortPortMap` (explicit host
/// ports first, larger ports first, tcp first; an insertion sort for up to
/// 12 entries, with a comparator that is not a strict order). Docker seeds it
/// with Go's random map order; netlings seeds it with exposed order, then
/// `-p` order, which reproduces the reference run. Beyond 12 entries a plain
/// stable sort on the same three criteria is used. For each binding, IPv4
/// comes before IPv6.
pub fn plan_bindings(
    specs: &[PortSpec],
    exposed: &[PortKey],
    publish_all: bool,
    ipv6: bool,
) -> Vec<PlannedBinding> {
    /// (host IP, host ports) of one `-p`, as written.
    type Wanted = (Option<IpAddr>, Option<(u16, u16)>);
    struct Entry {
        key: PortKey,
        binding: Option<Wanted>,
    }
    let keys = exposed_with_published(exposed, specs);
    let mut entries: Vec<Entry> = Vec::new();
    for key in &keys {
        let mut any = false;
        for s in specs.iter().filter(|s| s.key() == *key) {
            any = true;
            entries.push(Entry {
                key: *key,
                binding: Some((s.host_ip, s.host_ports)),
            });
        }
        if !any {
            entries.push(Entry {
                key: *key,
                binding: None,
            });
        }
    }
    let host_start = |e: &Entry| match e.binding {
        Some((_, Some((start, _)))) => start,
        _ => 0,
    };
    // go-connections portMapSorter.Less, verbatim in meaning.
    let less = |a: &Entry, b: &Entry| {
        host_start(a) > host_start(b)
            || a.key.port > b.key.port
            || (a.key.port == b.key.port && a.key.proto == Proto::Tcp)
    };
    if entries.len() <= 12 {
        for i in 1..entries.len() {
            let mut j = i;
            while j > 0 && less(&entries[j], &entries[j - 1]) {
                entries.swap(j, j - 1);
                j -= 1;
            }
        }
    } else {
        entries.sort_by(|a, b| {
            host_start(b)
                .cmp(&host_start(a))
                .then(b.key.port.cmp(&a.key.port))
                .then(a.key.proto.cmp(&b.key.proto))
        });
    }

    // Docker then walks ports in order of first appearance, each with its
    // bindings in sorted order.
    let mut order: Vec<PortKey> = Vec::new();
    for e in &entries {
        if !order.contains(&e.key) {
            order.push(e.key);
        }
    }
    let mut plan = Vec::new();
    for key in order {
        let mut bindings: Vec<Wanted> = entries
            .iter()
            .filter(|e| e.key == key)
            .filter_map(|e| e.binding)
            .collect();
        if bindings.is_empty() {
            if !publish_all {
                continue;
            }
            bindings.push((None, None));
        }
        for (ip, ports) in bindings {
            let host_ports = ports.unwrap_or((0, 0));
            match ip {
                None => {
                    plan.push(PlannedBinding {
                        key,
                        host_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                        host_ports,
                    });
                    if ipv6 {
                        plan.push(PlannedBinding {
                            key,
                            host_ip: IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                            host_ports,
                        });
                    }
                }
                Some(ip) => plan.push(PlannedBinding {
                    key,
                    host_ip: ip,
                    host_ports,
                }),
            }
        }
    }
    plan
}

/// Exposed ports plus the ports named by `-p`, without duplicates, in that
/// order (the docker CLI adds published ports to `Config.ExposedPorts`).
/// `--expose PORT[-END][/PROTO]`, in Docker's client's words when wrong.
pub fn parse_expose(flag: &str) -> Result<Vec<PortKey>, String> {
    let (ports, proto) = match flag.split_once('/') {
        Some((p, "udp")) => (p, Proto::Udp),
        Some((p, _)) => (p, Proto::Tcp),
        None => (flag, Proto::Tcp),
    };
    let number = |s: &str| {
        s.parse::<u16>().map_err(|_| {
            let why = if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                "value out of range"
            } else {
                "invalid syntax"
            };
            format!(
                "invalid range format for --expose: {flag}, error: strconv.ParseUint: parsing \"{s}\": {why}"
            )
        })
    };
    let (start, end) = match ports.split_once('-') {
        Some((a, b)) => (number(a)?, number(b)?),
        None => {
            let p = number(ports)?;
            (p, p)
        }
    };
    if end < start {
        return Err(format!(
            "invalid range format for --expose: {flag}, error: Invalid range specified for the Port: {ports}"
        ));
    }
    Ok((start..=end).map(|p| PortKey::new(p, proto)).collect())
}

pub fn exposed_with_published(exposed: &[PortKey], specs: &[PortSpec]) -> Vec<PortKey> {
    let mut out: Vec<PortKey> = Vec::new();
    for k in exposed
        .iter()
        .copied()
        .chain(specs.iter().map(PortSpec::key))
    {
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

#[cfg(test)]
mod expose_tests {
    use super::*;

    #[test]
    fn expose_flags_as_dockers_client_reads_them() {
        let keys =
            |f: &str| parse_expose(f).map(|k| k.iter().map(|k| k.to_string()).collect::<Vec<_>>());
        assert_eq!(keys("7000"), Ok(vec!["7000/tcp".to_string()]));
        assert_eq!(
            keys("7100-7101/udp"),
            Ok(vec!["7100/udp".to_string(), "7101/udp".to_string()])
        );
        // Docker 20.10.24's words.
        assert_eq!(
            keys("abc"),
            Err("invalid range format for --expose: abc, error: strconv.ParseUint: parsing \"abc\": invalid syntax".into())
        );
        assert_eq!(
            keys("70000"),
            Err("invalid range format for --expose: 70000, error: strconv.ParseUint: parsing \"70000\": value out of range".into())
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    // ---- parsing: every form of the reference run and Docker's docs ----

    #[test]
    fn parse_forms_from_reference() {
        use Proto::*;
        assert_eq!(one("80:5000"), spec(None, Some((80, 80)), 5000, Tcp));
        assert_eq!(
            one("8000-9000:5000"),
            spec(None, Some((8000, 9000)), 5000, Tcp)
        );
        assert_eq!(
            one("127.0.0.1:80:5000"),
            spec(Some("127.0.0.1"), Some((80, 80)), 5000, Tcp)
        );
        assert_eq!(
            one("127.0.0.1::5000"),
            spec(Some("127.0.0.1"), None, 5000, Tcp)
        );
        assert_eq!(
            one("127.0.0.1:80:5000/udp"),
            spec(Some("127.0.0.1"), Some((80, 80)), 5000, Udp)
        );
        assert_eq!(one("5001"), spec(None, None, 5001, Tcp));
        assert_eq!(one("80:80"), spec(None, Some((80, 80)), 80, Tcp));
        assert_eq!(one("5000/udp"), spec(None, None, 5000, Udp));
        assert_eq!(one("5000/UDP"), spec(None, None, 5000, Udp));
        assert_eq!(one("5000/"), spec(None, None, 5000, Tcp));
        assert_eq!(
            one("0.0.0.0:80:80"),
            spec(Some("0.0.0.0"), Some((80, 80)), 80, Tcp)
        );
    }

    #[test]
    fn parse_ipv6_in_brackets() {
        assert_eq!(
            one("[::1]:80:5000"),
            spec(Some("::1"), Some((80, 80)), 5000, Proto::Tcp)
        );
        assert_eq!(
            one("[::]::5000/udp"),
            spec(Some("::"), None, 5000, Proto::Udp)
        );
        // An IPv4-mapped address is IPv4, as Go's To4() says.
        assert_eq!(
            one("[::ffff:127.0.0.1]:80:80").host_ip,
            Some(ip("127.0.0.1"))
        );
    }

    #[test]
    fn parse_ranges() {
        use Proto::*;
        assert_eq!(
            parse_publish("5000-5001").unwrap(),
            vec![spec(None, None, 5000, Tcp), spec(None, None, 5001, Tcp)]
        );
        assert_eq!(
            parse_publish("5000-5001:5000-5001").unwrap(),
            vec![
                spec(None, Some((5000, 5000)), 5000, Tcp),
                spec(None, Some((5001, 5001)), 5001, Tcp)
            ]
        );
        assert_eq!(
            parse_publish("127.0.0.1:8000-8001:5000-5001/udp").unwrap(),
            vec![
                spec(Some("127.0.0.1"), Some((8000, 8000)), 5000, Udp),
                spec(Some("127.0.0.1"), Some((8001, 8001)), 5001, Udp)
            ]
        );
        // Same-size ranges with a one-port container side collapse to one.
        assert_eq!(
            one("8000-8000:5000"),
            spec(None, Some((8000, 8000)), 5000, Tcp)
        );
        // Docker reads only the first two fields of a range.
        assert_eq!(parse_publish("5000-5001-7").unwrap().len(), 2);
    }

    #[test]
    fn parse_errors_are_dockers() {
        let err = |s: &str| parse_publish(s).unwrap_err();
        assert_eq!(err("70000:5000"), "Invalid hostPort: 70000");
        assert_eq!(err("127.0.0.1:80:5000/sctpx"), "Invalid proto: sctpx");
        assert_eq!(err("80:5000/SCTPX"), "Invalid proto: SCTPX");
        // Ports are checked before the protocol.
        assert_eq!(err("70000:5000/sctpx"), "Invalid hostPort: 70000");
        assert_eq!(err("80:abc"), "Invalid containerPort: abc");
        assert_eq!(err("80:70000"), "Invalid containerPort: 70000");
        assert_eq!(err("9000-8000:80"), "Invalid hostPort: 9000-8000");
        assert_eq!(err("-1:80"), "Invalid hostPort: -1");
        assert_eq!(err("+80:80"), "Invalid hostPort: +80");
        assert_eq!(
            err("8000-8002:5000-5001"),
            "Invalid ranges specified for container and host Ports: 5000-5001 and 8000-8002"
        );
        assert_eq!(
            err("80:5000-5001"),
            "Invalid ranges specified for container and host Ports: 5000-5001 and 80"
        );
        assert_eq!(err("80:"), "No port specified: 80:<empty>");
        assert_eq!(err(""), "No port specified: <empty>");
        assert_eq!(err("80:/udp"), "No port specified: 80:/udp<empty>");
        assert_eq!(err("300.1.1.1:80:80"), "Invalid ip address: 300.1.1.1");
        assert_eq!(err("localhost:80:80"), "Invalid ip address: localhost");
        assert_eq!(
            err("::1:80:5000"),
            "Invalid ip address ::1: address ::1:: too many colons in address"
        );
        assert_eq!(
            err("[::1:80:5000"),
            "Invalid ip address [::1: address [::1:: missing ']' in address"
        );
        assert_eq!(
            err("[::1]x:80:5000"),
            "Invalid ip address [::1]x: address [::1]x:: missing port in address"
        );
        assert_eq!(err("5000/sctp"), SCTP_UNSUPPORTED);
    }

    #[test]
    fn parse_long_syntax() {
        assert_eq!(
            parse_publish("published=8080,target=80,protocol=udp").unwrap(),
            vec![spec(None, Some((8080, 8080)), 80, Proto::Udp)]
        );
        assert_eq!(one("target=80"), spec(None, None, 80, Proto::Tcp));
        assert_eq!(
            parse_publish("target=80,mode").unwrap_err(),
            "invalid publish opts format (should be name=value but got 'mode')"
        );
        // Without '=' it is the short syntax.
        assert_eq!(
            parse_publish("target").unwrap_err(),
            "Invalid containerPort: target"
        );
        assert_eq!(
            parse_publish("published=80").unwrap_err(),
            "No port specified: 80:/tcp<empty>"
        );
    }

    #[test]
    fn parse_zero_host_port_is_kept() {
        let s = one("0:80");
        assert_eq!(s.host_ports, Some((0, 0)));
        assert_eq!(s.host_port_text(), "0");
        assert_eq!(one("8000-9000:80").host_port_text(), "8000-9000");
        assert_eq!(one("80").host_port_text(), "");
    }

    #[test]
    fn parse_never_panics_on_junk() {
        for s in [
            ":",
            "::",
            ":::",
            "[",
            "]",
            "[]:1:1",
            "/",
            "//",
            "1/",
            "/1",
            "-",
            "1-",
            "-1",
            "1--2",
            "65535-0",
            "0-65535",
            "é:ü",
            "\u{0}",
            "[::1]",
            "[::1]:",
            "1:2:3:4:5:6:7:8:9",
            "a=b=c",
            ",",
            "=",
            "99999999999999999999999",
        ] {
            let _ = parse_publish(s);
        }
        // Whole-range publish expands without trouble.
        assert_eq!(parse_publish("0-65535").unwrap().len(), 65536);
    }

    #[test]
    fn plan_families_and_order() {
        // Explicit IPv4 address: IPv4 only; explicit IPv6: IPv6 only;
        // none: both, or IPv4 only when the engine says no IPv6.
        let p = plan_bindings(&[one("127.0.0.1:80:80")], &[], false, true);
        assert_eq!(p.len(), 1);
        let p = plan_bindings(&[one("[::1]:80:80")], &[], false, false);
        assert_eq!(p[0].host_ip, ip("::1"));
        let p = plan_bindings(&[one("80:80")], &[], false, false);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].host_ip, ip("0.0.0.0"));

        // -P with EXPOSE 80 443: Docker maps the larger port first.
        let p = plan_bindings(&[], &[key("80/tcp"), key("443/tcp")], true, false);
        let ports: Vec<u16> = p.iter().map(|b| b.key.port).collect();
        assert_eq!(ports, vec![443, 80]);
        // Without -P, exposed ports are not bound.
        assert!(plan_bindings(&[], &[key("80/tcp")], false, true).is_empty());
        // Explicit host ports come before ephemeral ones.
        let p = plan_bindings(&[one("5001"), one("9000:5000")], &[], false, false);
        let ports: Vec<u16> = p.iter().map(|b| b.key.port).collect();
        assert_eq!(ports, vec![5000, 5001]);
        // Many entries take the stable fallback sort.
        let specs = parse_publish("5000-5019").unwrap();
        let p = plan_bindings(&specs, &[], false, false);
        assert_eq!(p.len(), 20);
        assert_eq!(p[0].key.port, 5019);
        assert_eq!(p[19].key.port, 5000);
    }
}
