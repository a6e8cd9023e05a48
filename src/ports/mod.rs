//! Publishing container ports the way Docker 20.10 does: parsing `-p`,
//! allocating host ports, and printing what `docker ps`, `docker port` and
//! `docker inspect` show. Pure logic: no system calls here; the engine does
//! the binding (see [`PortAllocator::allocate`]).
//!
//! Behaviour follows, in this order of authority: the captured transcripts in
//! `shared/reference/docker-20.10`, then the code Docker 20.10.24 ships
//! (go-connections v0.4.0 `nat`, libnetwork's portallocator / portmapper /
//! bridge port_mapping, docker/cli 20.10 `DisplayablePorts` and `docker
//! port`). Error texts are Docker's, quirks included, because lessons compare
//! them with the reference byte for byte.

use std::collections::HashMap;
#[cfg(test)]
use std::collections::HashSet;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use serde_json::{Map, Value};

/// Transport protocol of a published or exposed port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Proto {
    type Err = String;
    /// Case-insensitive, as Docker lowercases the protocol of `-p`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_lowercase().as_str() {
            "tcp" => Ok(Proto::Tcp),
            "udp" => Ok(Proto::Udp),
            _ => Err(format!("Invalid proto: {s}")),
        }
    }
}

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

/// `net.IP.String()` as Docker prints host IPs (`::`, `0.0.0.0`, no brackets).
pub fn go_ip_string(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6.to_string(),
        },
        IpAddr::V4(v4) => v4.to_string(),
    }
}

/// `strconv.ParseUint(s, 10, 16)` with Go's error text.
fn go_parse_u16(s: &str) -> Result<u16, String> {
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

/// `strconv.Quote`, enough for error messages.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32))
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32))
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// go-connections `ParsePortRange`: "80" or "8000-9000". Like Docker it
/// looks only at the first two `-`-fields ("1-2-3" is 1-2).
fn parse_port_range(s: &str) -> Result<(u16, u16), String> {
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

/// An exposed port of an image or container: `5000/tcp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortKey {
    pub port: u16,
    pub proto: Proto,
}

impl PortKey {
    pub fn new(port: u16, proto: Proto) -> Self {
        PortKey { port, proto }
    }
}

impl fmt::Display for PortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.port, self.proto)
    }
}

impl FromStr for PortKey {
    type Err = String;
    /// "5000/tcp", "5000/udp", or "5000" (tcp), as in an image's EXPOSE.
    fn from_str(s: &str) -> Result<Self, String> {
        let (port, proto) = match s.split_once('/') {
            Some((p, "")) => (p, Proto::Tcp),
            Some((p, proto)) => (p, proto.parse()?),
            None => (s, Proto::Tcp),
        };
        Ok(PortKey {
            port: go_parse_u16(port)?,
            proto,
        })
    }
}

/// A live binding, as listed in inspect's `NetworkSettings.Ports`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub host_ip: IpAddr,
    pub host_port: u16,
}

/// What `/proc/sys/net/ipv4/ip_local_port_range` says on the reference host;
/// Docker 20.10 reads that file for its ephemeral range.
pub const DEFAULT_EPHEMERAL_RANGE: (u16, u16) = (32768, 60999);
/// Docker's range when that file cannot be read.
pub const DOCKER_FALLBACK_RANGE: (u16, u16) = (49153, 65535);
/// libnetwork's `maxAllocatePortAttempts`: an ephemeral port whose proxy
/// cannot bind is retried with the next one, this many times in all.
pub const MAX_ALLOCATE_ATTEMPTS: usize = 10;

/// Parses the content of `/proc/sys/net/ipv4/ip_local_port_range` ("32768\t60999").
pub fn parse_ip_local_port_range(text: &str) -> Option<(u16, u16)> {
    let mut it = text.split_whitespace();
    let a = it.next()?.parse::<u16>().ok()?;
    let b = it.next()?.parse::<u16>().ok()?;
    (a > 0 && a <= b).then_some((a, b))
}

/// Errors of the port allocator itself, with libnetwork's texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllocError {
    AlreadyAllocated { ip: IpAddr, port: u16 },
    AllPortsAllocated,
    InvalidRange(u16, u16),
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllocError::AlreadyAllocated { ip, port } => write!(
                f,
                "Bind for {}:{port} failed: port is already allocated",
                go_ip_string(ip)
            ),
            AllocError::AllPortsAllocated => f.write_str("all ports are allocated"),
            AllocError::InvalidRange(a, b) => write!(f, "invalid port range: {a}-{b}"),
        }
    }
}

impl std::error::Error for AllocError {}

/// One host-side binding to set up: Docker's operational port binding after
/// the IPv4/IPv6 split. `host_ports` is (0, 0) for ephemeral, (p, p) for a
/// fixed port, (a, b) for "first free in range".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedBinding {
    pub key: PortKey,
    pub host_ip: IpAddr,
    pub host_ports: (u16, u16),
}

/// A binding that was allocated and bound; `handle` is what the engine's bind
/// callback returned (the running proxy).
#[derive(Debug)]
pub struct Published<T> {
    pub key: PortKey,
    pub binding: Binding,
    pub handle: T,
}

impl<T> Published<T> {
    /// The (key, binding) pair the formatting functions take.
    pub fn pair(&self) -> (PortKey, Binding) {
        (self.key, self.binding.clone())
    }
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

#[derive(Debug, Default)]
struct PortMap {
    taken: HashMap<u16, String>,
    /// libnetwork keeps a "last handed out" cursor per range, so ephemeral
    /// ports move forward (32768, 32769, ...) instead of reusing the lowest.
    last: HashMap<(u16, u16), u16>,
}

/// Docker's port allocator (libnetwork `portallocator`): one pool per
/// (host IP, protocol), keyed by the exact address, so 0.0.0.0:80 and
/// 127.0.0.1:80 do not collide here (the kernel's bind catches that, with
/// another message), and `::` has its own ephemeral cursor, which is why the
/// IPv4 and IPv6 ports of one mapping can differ.
#[derive(Debug)]
pub struct PortAllocator {
    range: (u16, u16),
    maps: HashMap<(IpAddr, Proto), PortMap>,
}

impl Default for PortAllocator {
    fn default() -> Self {
        Self::new()
    }
}

impl PortAllocator {
    /// Ephemeral ports from [`DEFAULT_EPHEMERAL_RANGE`] (32768-60999).
    pub fn new() -> Self {
        Self::with_range(DEFAULT_EPHEMERAL_RANGE)
    }

    /// Ephemeral ports from `range` (e.g. from [`parse_ip_local_port_range`]);
    /// an unusable range falls back to Docker's 49153-65535.
    pub fn with_range(range: (u16, u16)) -> Self {
        let range = if range.0 > 0 && range.0 <= range.1 {
            range
        } else {
            DOCKER_FALLBACK_RANGE
        };
        PortAllocator {
            range,
            maps: HashMap::new(),
        }
    }

    #[cfg(test)]
    pub fn ephemeral_range(&self) -> (u16, u16) {
        self.range
    }

    /// libnetwork `RequestPortInRange`: `start == end > 0` asks for that
    /// port; `(0, 0)` for an ephemeral one; `start < end` for the first free
    /// port of that range (its own cursor).
    pub fn request(
        &mut self,
        owner: &str,
        ip: IpAddr,
        proto: Proto,
        start: u16,
        end: u16,
    ) -> Result<u16, AllocError> {
        let default_range = self.range;
        let map = self.maps.entry((ip, proto)).or_default();
        if start > 0 && start == end {
            if map.taken.contains_key(&start) {
                return Err(AllocError::AlreadyAllocated { ip, port: start });
            }
            map.taken.insert(start, owner.to_string());
            return Ok(start);
        }
        let (begin, last_port) = if start == 0 && end == 0 {
            default_range
        } else {
            if start == end || start == 0 || end == 0 || end < start {
                return Err(AllocError::InvalidRange(start, end));
            }
            (start, end)
        };
        let cursor = map.last.entry((begin, last_port)).or_insert(last_port);
        let mut port = u32::from(*cursor);
        for _ in 0..=(last_port - begin) {
            port += 1;
            if port > u32::from(last_port) {
                port = u32::from(begin);
            }
            let p = port as u16;
            if let std::collections::hash_map::Entry::Vacant(v) = map.taken.entry(p) {
                v.insert(owner.to_string());
                *cursor = p;
                return Ok(p);
            }
        }
        Err(AllocError::AllPortsAllocated)
    }

    /// Frees one port; true if it was allocated.
    pub fn release(&mut self, ip: IpAddr, proto: Proto, port: u16) -> bool {
        self.maps
            .get_mut(&(ip, proto))
            .is_some_and(|m| m.taken.remove(&port).is_some())
    }

    /// Frees every port of `owner` (a container stopping or being removed).
    /// Returns what was freed, sorted, so the engine can stop those proxies.
    pub fn release_owner(&mut self, owner: &str) -> Vec<(IpAddr, Proto, u16)> {
        let mut freed = Vec::new();
        for ((ip, proto), map) in self.maps.iter_mut() {
            map.taken.retain(|port, o| {
                if o == owner {
                    freed.push((*ip, *proto, *port));
                    false
                } else {
                    true
                }
            });
        }
        freed.sort();
        freed
    }

    /// Who holds (ip, proto, port), if anyone.
    #[cfg(test)]
    pub fn owner(&self, ip: IpAddr, proto: Proto, port: u16) -> Option<&str> {
        self.maps
            .get(&(ip, proto))
            .and_then(|m| m.taken.get(&port))
            .map(String::as_str)
    }

    /// Allocates and binds every planned binding of a container, as
    /// libnetwork's bridge driver does: for each binding, request a port,
    /// then call `bind` (the engine starts the userland proxy there). An
    /// ephemeral binding whose bind fails is retried with the next port, up
    /// to [`MAX_ALLOCATE_ATTEMPTS`] tries; an explicit port or range is not.
    /// On failure everything this call allocated is released (and the
    /// handles already returned by `bind` are dropped) and the error is
    /// Docker's text: `Bind for 0.0.0.0:80 failed: port is already allocated`
    /// or `Error starting userland proxy: listen tcp4 127.0.0.1:80: bind:
    /// address already in use`. The engine wraps it with
    /// [`external_connectivity_error`].
    pub fn allocate<T, F>(
        &mut self,
        owner: &str,
        plan: &[PlannedBinding],
        mut bind: F,
    ) -> Result<Vec<Published<T>>, String>
    where
        F: FnMut(&PlannedBinding, SocketAddr) -> io::Result<T>,
    {
        let mut done: Vec<Published<T>> = Vec::new();
        for pb in plan {
            let (start, end) = pb.host_ports;
            let mut last_err = String::new();
            let mut bound = None;
            for _ in 0..MAX_ALLOCATE_ATTEMPTS {
                match self.request(owner, pb.host_ip, pb.key.proto, start, end) {
                    Err(e) => last_err = e.to_string(),
                    Ok(port) => {
                        let addr = SocketAddr::new(pb.host_ip, port);
                        match bind(pb, addr) {
                            Ok(handle) => {
                                bound = Some((port, handle));
                                break;
                            }
                            Err(e) => {
                                self.release(pb.host_ip, pb.key.proto, port);
                                last_err = userland_proxy_error(pb.key.proto, addr, &e);
                            }
                        }
                    }
                }
                // No point retrying a port the user chose (libnetwork's rule).
                if start != 0 {
                    break;
                }
            }
            match bound {
                Some((port, handle)) => done.push(Published {
                    key: pb.key,
                    binding: Binding {
                        host_ip: pb.host_ip,
                        host_port: port,
                    },
                    handle,
                }),
                None => {
                    for p in &done {
                        self.release(p.binding.host_ip, p.key.proto, p.binding.host_port);
                    }
                    return Err(last_err);
                }
            }
        }
        Ok(done)
    }
}

/// The kernel's bind rules for the proxies' sockets, for dry runs and tests:
/// same protocol and port, same family (IPv6 sockets are V6ONLY), and either
/// address is the wildcard or both are equal. TCP listeners use SO_REUSEADDR,
/// which does not let two listeners share a port, so TCP and UDP behave alike.
#[cfg(test)]
#[derive(Debug, Default, Clone)]
pub struct BindModel {
    live: HashSet<(Proto, SocketAddr)>,
}

/// Linux EADDRINUSE.
#[cfg(test)]
const EADDRINUSE: i32 = 98;

#[cfg(test)]
impl BindModel {
    pub fn conflicts(&self, proto: Proto, addr: SocketAddr) -> bool {
        self.live.iter().any(|(p, a)| {
            *p == proto
                && a.port() == addr.port()
                && a.is_ipv4() == addr.is_ipv4()
                && (a.ip().is_unspecified() || addr.ip().is_unspecified() || a.ip() == addr.ip())
        })
    }

    /// Fails with EADDRINUSE like bind(2) would.
    pub fn bind(&mut self, proto: Proto, addr: SocketAddr) -> io::Result<()> {
        if self.conflicts(proto, addr) {
            return Err(io::Error::from_raw_os_error(EADDRINUSE));
        }
        self.live.insert((proto, addr));
        Ok(())
    }

    pub fn unbind(&mut self, proto: Proto, addr: SocketAddr) -> bool {
        self.live.remove(&(proto, addr))
    }
}

/// docker-proxy's start failure as the daemon reports it:
/// `Error starting userland proxy: listen tcp4 127.0.0.1:80: bind: address already in use`.
pub fn userland_proxy_error(proto: Proto, addr: SocketAddr, err: &io::Error) -> String {
    let family = if addr.is_ipv4() { "4" } else { "6" };
    format!(
        "Error starting userland proxy: listen {proto}{family} {addr}: bind: {}",
        go_errno_text(err)
    )
}

/// Go prints errno texts as strerror with a lower-case first letter.
fn go_errno_text(err: &io::Error) -> String {
    if let Some(code) = err.raw_os_error() {
        let text = io::Error::from_raw_os_error(code).to_string();
        let text = match text.rfind(" (os error ") {
            Some(i) => &text[..i],
            None => &text[..],
        };
        let mut chars = text.chars();
        return match chars.next() {
            Some(first) => first.to_lowercase().chain(chars).collect(),
            None => String::new(),
        };
    }
    if err.kind() == io::ErrorKind::AddrInUse {
        return "address already in use".to_string();
    }
    err.to_string()
}

/// The daemon's wrapper around a port failure:
/// `driver failed programming external connectivity on endpoint NAME (ID): CAUSE`.
pub fn external_connectivity_error(endpoint_name: &str, endpoint_id: &str, cause: &str) -> String {
    format!(
        "driver failed programming external connectivity on endpoint {endpoint_name} ({endpoint_id}): {cause}"
    )
}

/// One row of the daemon's `Ports` list for `docker ps`.
struct ApiPort {
    ip: String,
    private: u16,
    public: u16,
    ty: &'static str,
}

/// The PORTS column of `docker ps`, exactly as the 20.10 client prints it
/// (`DisplayablePorts`): exposed ports without a binding appear bare; ports
/// are sorted by container port, then host IP text, host port, protocol;
/// runs of consecutive ports are collapsed (`8000-8001/tcp`,
/// `0.0.0.0:8000-8001->8000-8001/tcp`) but only where host port equals
/// container port — others are listed one by one after all groups
/// (`127.0.0.1:80->5000/tcp`). IPv6 hosts are not bracketed (`:::80`).
/// A container that is not running shows an empty column in Docker: pass
/// empty slices then.
pub fn ps_ports_column(exposed: &[PortKey], bindings: &[(PortKey, Binding)]) -> String {
    let mut ports: Vec<ApiPort> = Vec::new();
    for key in exposed {
        if !bindings.iter().any(|(k, _)| k == key) {
            ports.push(ApiPort {
                ip: String::new(),
                private: key.port,
                public: 0,
                ty: key.proto.as_str(),
            });
        }
    }
    for (key, b) in bindings {
        ports.push(ApiPort {
            ip: go_ip_string(&b.host_ip),
            private: key.port,
            public: b.host_port,
            ty: key.proto.as_str(),
        });
    }
    ports.sort_by(|a, b| {
        a.private
            .cmp(&b.private)
            .then_with(|| a.ip.cmp(&b.ip))
            .then(a.public.cmp(&b.public))
            .then(a.ty.cmp(b.ty))
    });

    let mut groups: HashMap<String, (u16, u16)> = HashMap::new();
    let mut group_order: Vec<String> = Vec::new();
    let mut result: Vec<String> = Vec::new();
    let mut host_mappings: Vec<String> = Vec::new();
    for p in &ports {
        let current = p.private;
        let key = if p.ip.is_empty() {
            p.ty.to_string()
        } else {
            if p.public != current {
                host_mappings.push(format!("{}:{}->{}/{}", p.ip, p.public, p.private, p.ty));
                continue;
            }
            format!("{}/{}", p.ip, p.ty)
        };
        match groups.get_mut(&key) {
            None => {
                groups.insert(key.clone(), (current, current));
                group_order.push(key);
            }
            Some(g) if current == g.1.wrapping_add(1) => g.1 = current,
            Some(g) => {
                // Docker emits the finished run right away, before groups
                // that are still open: a quirk kept on purpose.
                result.push(form_group(&key, g.0, g.1));
                *g = (current, current);
            }
        }
    }
    for key in &group_order {
        let (first, last) = groups[key];
        result.push(form_group(key, first, last));
    }
    result.extend(host_mappings);
    result.join(", ")
}

fn form_group(key: &str, first: u16, last: u16) -> String {
    let (ip, ty) = match key.rsplit_once('/') {
        Some((ip, ty)) => (ip, ty),
        None => ("", key),
    };
    let mut group = first.to_string();
    if first != last {
        group = format!("{group}-{last}");
    }
    if !ip.is_empty() {
        group = format!("{ip}:{group}->{group}");
    }
    format!("{group}/{ty}")
}

/// `docker port NAME [PORT[/PROTO]]` output lines, or its error.
///
/// Without a filter: `5000/tcp -> 0.0.0.0:32768` per binding. Docker 20.10
/// walks a Go map here (random order); netlings sorts by port then protocol,
/// which is what the reference run shows. With a filter: `0.0.0.0:32768` per
/// binding of that port; the protocol defaults to tcp. A port that is not
/// published gives `Error: No public port '5000/tcp' published for NAME`
/// (the CLI prints it as is and exits 1); a malformed filter gives Go's
/// strconv error, as Docker does.
pub fn port_command_lines(
    bindings: &[(PortKey, Binding)],
    filter: Option<&str>,
    container_name: &str,
) -> Result<Vec<String>, String> {
    let line = |b: &Binding| format!("{}:{}", go_ip_string(&b.host_ip), b.host_port);
    let Some(filter) = filter.filter(|f| !f.is_empty()) else {
        let mut sorted: Vec<&(PortKey, Binding)> = bindings.iter().collect();
        sorted.sort_by_key(|(k, _)| *k); // stable: binding order kept within a port
        return Ok(sorted
            .into_iter()
            .map(|(k, b)| format!("{k} -> {}", line(b)))
            .collect());
    };
    let (port, proto) = match filter.split_once('/') {
        Some((p, proto)) if !proto.is_empty() => (p, proto),
        _ => (filter, "tcp"),
    };
    let nat_port = format!("{port}/{proto}");
    let (start, end) = if port.is_empty() {
        (0, 0)
    } else {
        parse_port_range(port)?
    };
    // A range or an unknown protocol can never match a published port.
    let wanted = match proto.parse::<Proto>() {
        Ok(p) if start == end => Some(PortKey::new(start, p)),
        _ => None,
    };
    let lines: Vec<String> = bindings
        .iter()
        .filter(|(k, _)| Some(*k) == wanted)
        .map(|(_, b)| line(b))
        .collect();
    if lines.is_empty() {
        return Err(format!(
            "Error: No public port '{nat_port}' published for {container_name}"
        ));
    }
    Ok(lines)
}

/// Keys in the order Go's encoding/json writes a map: sorted as strings
/// ("443/tcp" before "80/tcp").
fn go_sorted_keys(keys: impl IntoIterator<Item = PortKey>) -> Vec<PortKey> {
    let mut v: Vec<PortKey> = keys.into_iter().collect();
    v.sort_by_key(|k| k.to_string());
    v.dedup();
    v
}

fn binding_json(host_ip: String, host_port: String) -> Value {
    let mut m = Map::new();
    m.insert("HostIp".into(), Value::String(host_ip));
    m.insert("HostPort".into(), Value::String(host_port));
    Value::Object(m)
}

/// inspect `NetworkSettings.Ports` of a running container: exposed but
/// unpublished ports map to `null`, published ones to their live bindings
/// (IPv4 first, then `::`), e.g. `{"80/tcp": [{"HostIp": "0.0.0.0",
/// "HostPort": "80"}, {"HostIp": "::", "HostPort": "80"}]}`.
pub fn network_settings_ports_json(exposed: &[PortKey], bindings: &[(PortKey, Binding)]) -> Value {
    let keys = go_sorted_keys(
        exposed
            .iter()
            .copied()
            .chain(bindings.iter().map(|(k, _)| *k)),
    );
    let mut m = Map::new();
    for key in keys {
        let list: Vec<Value> = bindings
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, b)| binding_json(go_ip_string(&b.host_ip), b.host_port.to_string()))
            .collect();
        let v = if list.is_empty() {
            Value::Null
        } else {
            Value::Array(list)
        };
        m.insert(key.to_string(), v);
    }
    Value::Object(m)
}

/// inspect `HostConfig.PortBindings`: what `-p` asked for, with `HostIp: ""`
/// when no address was given and `HostPort` as written ("", "80", "8000-9000").
/// `{}` when nothing is published.
pub fn host_config_port_bindings_json(specs: &[PortSpec]) -> Value {
    let keys = go_sorted_keys(specs.iter().map(PortSpec::key));
    let mut m = Map::new();
    for key in keys {
        let list: Vec<Value> = specs
            .iter()
            .filter(|s| s.key() == key)
            .map(|s| {
                binding_json(
                    s.host_ip.map(|ip| go_ip_string(&ip)).unwrap_or_default(),
                    s.host_port_text(),
                )
            })
            .collect();
        m.insert(key.to_string(), Value::Array(list));
    }
    Value::Object(m)
}

/// inspect `Config.ExposedPorts`: `{"5000/tcp": {}}`. (Docker omits the
/// field when empty; that choice is the caller's.)
pub fn exposed_ports_json(exposed: &[PortKey]) -> Value {
    let mut m = Map::new();
    for key in go_sorted_keys(exposed.iter().copied()) {
        m.insert(key.to_string(), Value::Object(Map::new()));
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }
    fn key(s: &str) -> PortKey {
        s.parse().unwrap()
    }
    fn spec(ip_: Option<&str>, host: Option<(u16, u16)>, port: u16, proto: Proto) -> PortSpec {
        PortSpec {
            host_ip: ip_.map(ip),
            host_ports: host,
            container_port: port,
            proto,
        }
    }
    fn one(s: &str) -> PortSpec {
        let v = parse_publish(s).unwrap();
        assert_eq!(v.len(), 1, "{s}");
        v.into_iter().next().unwrap()
    }

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
    fn port_key_text() {
        assert_eq!(key("5000/tcp").to_string(), "5000/tcp");
        assert_eq!(key("5000").to_string(), "5000/tcp");
        assert_eq!(key("53/UDP"), PortKey::new(53, Proto::Udp));
        assert_eq!(
            "x/tcp".parse::<PortKey>().unwrap_err(),
            "strconv.ParseUint: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            "5000/sctpx".parse::<PortKey>().unwrap_err(),
            "Invalid proto: sctpx"
        );
        assert_eq!(Proto::Udp.to_string(), "udp");
    }

    // ---- allocation: the reference run replayed ----

    /// A small stand-in for the engine: allocator + kernel bind model.
    struct Host {
        alloc: PortAllocator,
        binds: BindModel,
    }

    impl Host {
        fn new() -> Self {
            Host {
                alloc: PortAllocator::new(),
                binds: BindModel::default(),
            }
        }
        fn run(
            &mut self,
            owner: &str,
            flags: &[&str],
            publish_all: bool,
        ) -> Result<Vec<(PortKey, Binding)>, String> {
            let specs: Vec<PortSpec> = flags
                .iter()
                .flat_map(|f| parse_publish(f).unwrap())
                .collect();
            let plan = plan_bindings(&specs, &[key("5000/tcp")], publish_all, true);
            let binds = &mut self.binds;
            let out = self.alloc.allocate(owner, &plan, |pb, addr| {
                let proto = pb.key.proto;
                binds.bind(proto, addr).map(|_| (proto, addr))
            })?;
            Ok(out.into_iter().map(|p| (p.key, p.binding)).collect())
        }
        fn rm(&mut self, owner: &str) {
            for (ip, proto, port) in self.alloc.release_owner(owner) {
                assert!(self.binds.unbind(proto, SocketAddr::new(ip, port)));
            }
        }
    }

    fn b(ip_: &str, port: u16) -> Binding {
        Binding {
            host_ip: ip(ip_),
            host_port: port,
        }
    }

    #[test]
    fn reference_run_allocations_and_errors() {
        let mut h = Host::new();
        let exposed = [key("5000/tcp")];

        // docker run -d -P training/webapp
        let thirsty = h.run("thirsty_gagarin", &[], true).unwrap();
        assert_eq!(
            thirsty,
            vec![
                (key("5000/tcp"), b("0.0.0.0", 32768)),
                (key("5000/tcp"), b("::", 32768))
            ]
        );
        assert_eq!(
            ps_ports_column(&exposed, &thirsty),
            "0.0.0.0:32768->5000/tcp, :::32768->5000/tcp"
        );
        assert_eq!(
            port_command_lines(&thirsty, Some("5000"), "thirsty_gagarin").unwrap(),
            vec!["0.0.0.0:32768", ":::32768"]
        );
        assert_eq!(
            port_command_lines(&thirsty, Some("5000/tcp"), "thirsty_gagarin").unwrap(),
            vec!["0.0.0.0:32768", ":::32768"]
        );
        assert_eq!(
            port_command_lines(&thirsty, None, "thirsty_gagarin").unwrap(),
            vec!["5000/tcp -> 0.0.0.0:32768", "5000/tcp -> :::32768"]
        );
        assert_eq!(
            port_command_lines(&thirsty, Some("6000"), "thirsty_gagarin").unwrap_err(),
            "Error: No public port '6000/tcp' published for thirsty_gagarin"
        );

        // -p 80:5000
        let volhard = h.run("condescending_volhard", &["80:5000"], false).unwrap();
        assert_eq!(
            port_command_lines(&volhard, Some("5000"), "condescending_volhard").unwrap(),
            vec!["0.0.0.0:80", ":::80"]
        );

        // The same again: the allocator refuses, and so does `docker start`.
        for _ in 0..2 {
            assert_eq!(
                h.run("practical_saha", &["80:5000"], false).unwrap_err(),
                "Bind for 0.0.0.0:80 failed: port is already allocated"
            );
        }

        // -p 8000-9000:5000 picks 8000.
        let lamarr = h
            .run("reverent_lamarr", &["8000-9000:5000"], false)
            .unwrap();
        assert_eq!(
            ps_ports_column(&exposed, &lamarr),
            "0.0.0.0:8000->5000/tcp, :::8000->5000/tcp"
        );

        // 127.0.0.1:80 passes the allocator but the bind fails.
        assert_eq!(
            h.run("adoring_joliot", &["127.0.0.1:80:5000"], false)
                .unwrap_err(),
            "Error starting userland proxy: listen tcp4 127.0.0.1:80: bind: address already in use"
        );
        assert_eq!(h.alloc.owner(ip("127.0.0.1"), Proto::Tcp, 80), None);

        h.rm("condescending_volhard");
        h.rm("practical_saha");
        h.rm("adoring_joliot");

        let mclaren = h
            .run("funny_mclaren", &["127.0.0.1:80:5000"], false)
            .unwrap();
        assert_eq!(
            port_command_lines(&mclaren, Some("5000"), "funny_mclaren").unwrap(),
            vec!["127.0.0.1:80"]
        );
        assert_eq!(
            ps_ports_column(&exposed, &mclaren),
            "127.0.0.1:80->5000/tcp"
        );

        // 127.0.0.1::5000: 32768 is taken on 0.0.0.0, so the proxy's bind
        // fails and the retry gets 32769 (as in the reference).
        let nash = h.run("fervent_nash", &["127.0.0.1::5000"], false).unwrap();
        assert_eq!(nash, vec![(key("5000/tcp"), b("127.0.0.1", 32769))]);
        assert_eq!(
            ps_ports_column(&exposed, &nash),
            "127.0.0.1:32769->5000/tcp"
        );

        let suth = h
            .run(
                "compassionate_sutherland",
                &["127.0.0.1:80:5000/udp"],
                false,
            )
            .unwrap();
        let suth_exposed = exposed_with_published(&exposed, &[one("127.0.0.1:80:5000/udp")]);
        assert_eq!(
            ps_ports_column(&suth_exposed, &suth),
            "5000/tcp, 127.0.0.1:80->5000/udp"
        );
        assert_eq!(
            port_command_lines(&suth, Some("5000"), "compassionate_sutherland").unwrap_err(),
            "Error: No public port '5000/tcp' published for compassionate_sutherland"
        );
        assert_eq!(
            port_command_lines(&suth, Some("5000/udp"), "compassionate_sutherland").unwrap(),
            vec!["127.0.0.1:80"]
        );
        assert_eq!(
            port_command_lines(&suth, None, "compassionate_sutherland").unwrap(),
            vec!["5000/udp -> 127.0.0.1:80"]
        );

        // Three flags: the IPv4 ephemeral port skips 32769 (bind conflict
        // with fervent_nash), the IPv6 one does not.
        let colden = h
            .run(
                "vigilant_colden",
                &["127.0.0.1:8080:5000", "127.0.0.1:8081:5000/udp", "5001"],
                false,
            )
            .unwrap();
        // Docker's allocation order (docker-proxy start order in the reference).
        assert_eq!(
            colden,
            vec![
                (key("5001/tcp"), b("0.0.0.0", 32770)),
                (key("5001/tcp"), b("::", 32769)),
                (key("5000/udp"), b("127.0.0.1", 8081)),
                (key("5000/tcp"), b("127.0.0.1", 8080)),
            ]
        );
        assert_eq!(
            port_command_lines(&colden, None, "vigilant_colden").unwrap(),
            vec![
                "5000/tcp -> 127.0.0.1:8080",
                "5000/udp -> 127.0.0.1:8081",
                "5001/tcp -> 0.0.0.0:32770",
                "5001/tcp -> :::32769",
            ]
        );
        let colden_exposed = exposed_with_published(
            &exposed,
            &[
                one("127.0.0.1:8080:5000"),
                one("127.0.0.1:8081:5000/udp"),
                one("5001"),
            ],
        );
        assert_eq!(
            ps_ports_column(&colden_exposed, &colden),
            "127.0.0.1:8080->5000/tcp, 127.0.0.1:8081->5000/udp, 0.0.0.0:32770->5001/tcp, :::32769->5001/tcp"
        );

        // --name web -P: the two families have separate cursors.
        let web = h.run("web", &[], true).unwrap();
        assert_eq!(
            ps_ports_column(&exposed, &web),
            "0.0.0.0:32771->5000/tcp, :::32770->5000/tcp"
        );
    }

    #[test]
    fn allocator_basics() {
        let any4 = ip("0.0.0.0");
        let mut a = PortAllocator::with_range((100, 102));
        assert_eq!(a.request("a", any4, Proto::Tcp, 0, 0), Ok(100));
        assert_eq!(a.request("a", any4, Proto::Tcp, 0, 0), Ok(101));
        // Other protocol and other address: separate pools.
        assert_eq!(a.request("b", any4, Proto::Udp, 0, 0), Ok(100));
        assert_eq!(a.request("b", ip("::"), Proto::Tcp, 0, 0), Ok(100));
        assert_eq!(
            a.request("b", ip("127.0.0.1"), Proto::Tcp, 101, 101),
            Ok(101)
        );
        assert!(a.release(any4, Proto::Tcp, 100));
        // The cursor moves on; a freed port comes back only after wrapping.
        assert_eq!(a.request("c", any4, Proto::Tcp, 0, 0), Ok(102));
        assert_eq!(a.request("c", any4, Proto::Tcp, 0, 0), Ok(100));
        assert_eq!(
            a.request("c", any4, Proto::Tcp, 0, 0),
            Err(AllocError::AllPortsAllocated)
        );
        assert_eq!(
            a.request("c", any4, Proto::Tcp, 101, 101)
                .unwrap_err()
                .to_string(),
            "Bind for 0.0.0.0:101 failed: port is already allocated"
        );
        assert_eq!(
            a.request("c", ip("::"), Proto::Tcp, 100, 100)
                .unwrap_err()
                .to_string(),
            "Bind for :::100 failed: port is already allocated"
        );
        assert_eq!(
            a.request("c", any4, Proto::Tcp, 0, 10)
                .unwrap_err()
                .to_string(),
            "invalid port range: 0-10"
        );
        assert_eq!(a.owner(any4, Proto::Tcp, 101), Some("a"));
        assert_eq!(a.release_owner("a"), vec![(any4, Proto::Tcp, 101)]);
        assert_eq!(a.owner(any4, Proto::Tcp, 101), None);
        assert!(!a.release(any4, Proto::Tcp, 101));
    }

    #[test]
    fn allocator_range_edges() {
        let any4 = ip("0.0.0.0");
        let mut a = PortAllocator::new();
        assert_eq!(a.request("x", any4, Proto::Tcp, 65534, 65535), Ok(65534));
        assert_eq!(a.request("x", any4, Proto::Tcp, 65534, 65535), Ok(65535));
        assert_eq!(
            a.request("x", any4, Proto::Tcp, 65534, 65535),
            Err(AllocError::AllPortsAllocated)
        );
        assert_eq!(
            PortAllocator::with_range((0, 0)).ephemeral_range(),
            DOCKER_FALLBACK_RANGE
        );
        assert_eq!(
            parse_ip_local_port_range("32768\t60999\n"),
            Some((32768, 60999))
        );
        assert_eq!(parse_ip_local_port_range("junk"), None);
    }

    #[test]
    fn explicit_port_is_not_retried_but_ephemeral_is() {
        let mut a = PortAllocator::with_range((100, 200));
        let plan = |ports| {
            vec![PlannedBinding {
                key: key("80/tcp"),
                host_ip: ip("127.0.0.1"),
                host_ports: ports,
            }]
        };
        let mut calls = 0;
        let r = a.allocate("x", &plan((8000, 9000)), |_, _| -> io::Result<()> {
            calls += 1;
            Err(io::Error::from_raw_os_error(13))
        });
        assert_eq!(calls, 1);
        assert_eq!(
            r.unwrap_err(),
            "Error starting userland proxy: listen tcp4 127.0.0.1:8000: bind: permission denied"
        );
        let mut calls = 0;
        let r = a.allocate("x", &plan((0, 0)), |_, _| -> io::Result<()> {
            calls += 1;
            Err(io::Error::from_raw_os_error(EADDRINUSE))
        });
        assert_eq!(calls, MAX_ALLOCATE_ATTEMPTS);
        assert_eq!(
            r.unwrap_err(),
            "Error starting userland proxy: listen tcp4 127.0.0.1:109: bind: address already in use"
        );
        // Nothing stays allocated after failures.
        assert!(a.release_owner("x").is_empty());
    }

    #[test]
    fn failed_allocation_releases_earlier_ports() {
        let mut a = PortAllocator::new();
        let specs = [one("80:80"), one("127.0.0.1:81:81")];
        let plan = plan_bindings(&specs, &[], false, true);
        let r = a.allocate("x", &plan, |_, addr| {
            if addr.port() == 81 {
                Err(io::Error::from_raw_os_error(EADDRINUSE))
            } else {
                Ok(())
            }
        });
        assert_eq!(
            r.unwrap_err(),
            "Error starting userland proxy: listen tcp4 127.0.0.1:81: bind: address already in use"
        );
        assert_eq!(a.owner(ip("0.0.0.0"), Proto::Tcp, 80), None);
        assert_eq!(a.owner(ip("::"), Proto::Tcp, 80), None);
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

    #[test]
    fn bind_model_rules() {
        let mut m = BindModel::default();
        let sa = |s: &str| s.parse::<SocketAddr>().unwrap();
        m.bind(Proto::Tcp, sa("0.0.0.0:80")).unwrap();
        assert!(m.bind(Proto::Tcp, sa("127.0.0.1:80")).is_err());
        m.bind(Proto::Udp, sa("127.0.0.1:80")).unwrap();
        m.bind(Proto::Tcp, sa("[::]:80")).unwrap(); // V6ONLY: separate
        assert!(m.bind(Proto::Tcp, sa("[::1]:80")).is_err());
        m.bind(Proto::Tcp, sa("127.0.0.1:81")).unwrap();
        assert!(m.bind(Proto::Tcp, sa("0.0.0.0:81")).is_err());
        assert!(m.unbind(Proto::Tcp, sa("0.0.0.0:80")));
        m.bind(Proto::Tcp, sa("127.0.0.1:80")).unwrap();
    }

    #[test]
    fn error_wrappers() {
        assert_eq!(
            external_connectivity_error(
                "practical_saha",
                "3f2191",
                "Bind for 0.0.0.0:80 failed: port is already allocated"
            ),
            "driver failed programming external connectivity on endpoint practical_saha (3f2191): Bind for 0.0.0.0:80 failed: port is already allocated"
        );
        let sa: SocketAddr = "[::]:80".parse().unwrap();
        assert_eq!(
            userland_proxy_error(Proto::Udp, sa, &io::Error::from(io::ErrorKind::AddrInUse)),
            "Error starting userland proxy: listen udp6 [::]:80: bind: address already in use"
        );
    }

    // ---- docker ps PORTS column ----

    #[test]
    fn ps_column_cases() {
        let k80 = key("80/tcp");
        let k443 = key("443/tcp");
        assert_eq!(
            ps_ports_column(&[k80], &[(k80, b("0.0.0.0", 80)), (k80, b("::", 80))]),
            "0.0.0.0:80->80/tcp, :::80->80/tcp"
        );
        assert_eq!(ps_ports_column(&[k80], &[]), "80/tcp");
        assert_eq!(ps_ports_column(&[], &[]), "");
        assert_eq!(
            ps_ports_column(
                &[k80, k443],
                &[(k443, b("0.0.0.0", 443)), (k443, b("::", 443))]
            ),
            "80/tcp, 0.0.0.0:443->443/tcp, :::443->443/tcp"
        );
        // Ranges collapse only where host port == container port.
        let (k8000, k8001) = (key("8000/tcp"), key("8001/tcp"));
        assert_eq!(
            ps_ports_column(
                &[],
                &[
                    (k8000, b("0.0.0.0", 8000)),
                    (k8001, b("0.0.0.0", 8001)),
                    (k8000, b("::", 8000)),
                    (k8001, b("::", 8001)),
                ]
            ),
            "0.0.0.0:8000-8001->8000-8001/tcp, :::8000-8001->8000-8001/tcp"
        );
        let (k5000, k5001) = (key("5000/tcp"), key("5001/tcp"));
        assert_eq!(
            ps_ports_column(
                &[],
                &[(k5000, b("0.0.0.0", 8000)), (k5001, b("0.0.0.0", 8001))]
            ),
            "0.0.0.0:8000->5000/tcp, 0.0.0.0:8001->5001/tcp"
        );
        assert_eq!(
            ps_ports_column(&[k5000, k5001, key("5002/udp"), key("5003/udp")], &[]),
            "5000-5001/tcp, 5002-5003/udp"
        );
        // Docker's quirk: a run closed early is printed before open groups.
        assert_eq!(
            ps_ports_column(&[k80, key("82/tcp")], &[(key("81/tcp"), b("0.0.0.0", 81))]),
            "80/tcp, 82/tcp, 0.0.0.0:81->81/tcp"
        );
        // Host IPs sort as text.
        assert_eq!(
            ps_ports_column(
                &[],
                &[
                    (k80, b("2.2.2.2", 1)),
                    (k80, b("10.0.0.1", 2)),
                    (k80, b("127.0.0.1", 3))
                ]
            ),
            "10.0.0.1:2->80/tcp, 127.0.0.1:3->80/tcp, 2.2.2.2:1->80/tcp"
        );
    }

    // ---- docker port ----

    #[test]
    fn port_command_edge_cases() {
        let k = key("5000/tcp");
        let bs = [(k, b("0.0.0.0", 32768))];
        assert_eq!(port_command_lines(&bs, Some(""), "n").unwrap().len(), 1);
        assert_eq!(
            port_command_lines(&bs, Some("05000"), "n").unwrap(),
            vec!["0.0.0.0:32768"]
        );
        assert_eq!(
            port_command_lines(&bs, Some("abc"), "n").unwrap_err(),
            "strconv.ParseUint: parsing \"abc\": invalid syntax"
        );
        assert_eq!(
            port_command_lines(&bs, Some("70000"), "n").unwrap_err(),
            "strconv.ParseUint: parsing \"70000\": value out of range"
        );
        assert_eq!(
            port_command_lines(&bs, Some("5000/sctp"), "n").unwrap_err(),
            "Error: No public port '5000/sctp' published for n"
        );
        assert_eq!(
            port_command_lines(&bs, Some("5000-5001"), "n").unwrap_err(),
            "Error: No public port '5000-5001/tcp' published for n"
        );
        assert_eq!(
            port_command_lines(&bs, Some("5000/"), "n").unwrap_err(),
            "strconv.ParseUint: parsing \"5000/\": invalid syntax"
        );
        assert!(port_command_lines(&[], None, "n").unwrap().is_empty());
    }

    // ---- inspect JSON ----

    #[test]
    fn inspect_json_shapes() {
        let k80 = key("80/tcp");
        assert_eq!(
            network_settings_ports_json(&[k80], &[(k80, b("0.0.0.0", 80)), (k80, b("::", 80))]),
            json!({"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "80"}, {"HostIp": "::", "HostPort": "80"}]})
        );
        assert_eq!(
            network_settings_ports_json(&[key("5432/tcp")], &[]),
            json!({"5432/tcp": null})
        );
        assert_eq!(
            host_config_port_bindings_json(&[one("80:80")]),
            json!({"80/tcp": [{"HostIp": "", "HostPort": "80"}]})
        );
        assert_eq!(host_config_port_bindings_json(&[]), json!({}));
        assert_eq!(
            host_config_port_bindings_json(&[
                one("127.0.0.1::5000"),
                one("8000-9000:5000"),
                one("[::1]:53:53/udp")
            ]),
            json!({
                "5000/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}, {"HostIp": "", "HostPort": "8000-9000"}],
                "53/udp": [{"HostIp": "::1", "HostPort": "53"}]
            })
        );
        assert_eq!(
            exposed_ports_json(&[key("5000/tcp")]),
            json!({"5000/tcp": {}})
        );
    }

    #[test]
    fn inspect_keys_sorted_as_go_strings() {
        let (k80, k443, k5000u) = (key("80/tcp"), key("443/tcp"), key("5000/udp"));
        let v = network_settings_ports_json(&[k80, k5000u, k443], &[(k443, b("0.0.0.0", 443))]);
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["443/tcp", "5000/udp", "80/tcp"]);
        // Key order and HostIp/HostPort order survive serialisation.
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"443/tcp":[{"HostIp":"0.0.0.0","HostPort":"443"}],"5000/udp":null,"80/tcp":null}"#
        );
    }
}
