//! The host port allocator: libnetwork's `portallocator`, and the retry
//! and release rules of its bridge driver around the proxies' binds.

use super::display::{go_ip_string, userland_proxy_error};
use super::{Binding, PlannedBinding, PortKey, Proto};
use std::collections::HashMap;
#[cfg(test)]
use std::collections::HashSet;
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};

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
    /// [`super::external_connectivity_error`].
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

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    // The reference run goes through all of ports: parse, plan, allocate, show.
    use super::super::*;
    use super::*;

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
}
