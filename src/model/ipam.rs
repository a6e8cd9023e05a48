//! Address management, as Docker 20.10's default IPAM does it: pools for new
//! networks handed out in order (never the one just freed), and the lowest
//! free host address in a network, starting at .2.

use std::collections::BTreeSet;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An IPv4 subnet such as 172.18.0.0/16.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subnet {
    pub addr: Ipv4Addr,
    pub prefix: u8,
}

impl Subnet {
    pub fn new(addr: Ipv4Addr, prefix: u8) -> Subnet {
        let mask = Self::mask_of(prefix);
        Subnet {
            addr: Ipv4Addr::from(u32::from(addr) & mask),
            prefix,
        }
    }
    fn mask_of(prefix: u8) -> u32 {
        if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - prefix as u32)
        }
    }
    pub fn mask(&self) -> u32 {
        Self::mask_of(self.prefix)
    }
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & self.mask() == u32::from(self.addr)
    }
    pub fn overlaps(&self, other: &Subnet) -> bool {
        self.contains(other.addr) || other.contains(self.addr)
    }
    pub fn broadcast(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) | !self.mask())
    }
    /// The n-th address of the subnet (.1 is the usual gateway).
    pub fn host(&self, n: u32) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) + n)
    }
    pub fn size(&self) -> u64 {
        1u64 << (32 - self.prefix as u32)
    }
}

impl fmt::Display for Subnet {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl FromStr for Subnet {
    type Err = String;
    fn from_str(s: &str) -> Result<Subnet, String> {
        let bad = || format!("invalid CIDR address: {s}");
        let (a, p) = s.split_once('/').ok_or_else(bad)?;
        let addr: Ipv4Addr = a.parse().map_err(|_| bad())?;
        let prefix: u8 = p.parse().map_err(|_| bad())?;
        if prefix > 32 {
            return Err(bad());
        }
        Ok(Subnet::new(addr, prefix))
    }
}

/// Docker's default address pools: 172.17-31.0.0/16, then 192.168.0.0/16 cut
/// into /20s. 172.17 goes to the default bridge.
pub fn default_pools() -> Vec<Subnet> {
    let mut pools: Vec<Subnet> = (17..=31)
        .map(|b| Subnet::new(Ipv4Addr::new(172, b, 0, 0), 16))
        .collect();
    pools.extend((0..16).map(|i| Subnet::new(Ipv4Addr::new(192, 168, i * 16, 0), 20)));
    pools
}

/// Hands out pools for new networks. Like libnetwork, it remembers where it
/// stopped and carries on from there, so a freed pool is not reused at once.
#[derive(Debug, Clone)]
pub struct PoolAllocator {
    pools: Vec<Subnet>,
    next: usize,
}

impl Default for PoolAllocator {
    fn default() -> Self {
        PoolAllocator {
            pools: default_pools(),
            next: 0,
        }
    }
}

impl PoolAllocator {
    /// The next pool that overlaps none of `in_use`.
    pub fn allocate(&mut self, in_use: &[Subnet]) -> Option<Subnet> {
        let n = self.pools.len();
        for step in 0..n {
            let i = (self.next + step) % n;
            let candidate = self.pools[i];
            if !in_use.iter().any(|u| u.overlaps(&candidate)) {
                self.next = (i + 1) % n;
                return Some(candidate);
            }
        }
        None
    }
}

/// Host addresses taken inside one network. The gateway is reserved; the
/// lowest free address from .2 upward is handed out, and freed ones return.
#[derive(Debug, Clone)]
pub struct AddressPool {
    pub subnet: Subnet,
    pub gateway: Ipv4Addr,
    taken: BTreeSet<Ipv4Addr>,
    /// `--ip-range`: where automatic addresses come from.
    range: Option<Subnet>,
    /// `--aux-address`: held for devices outside Docker, never handed out.
    reserved: BTreeSet<Ipv4Addr>,
}

impl AddressPool {
    pub fn new(subnet: Subnet, gateway: Ipv4Addr) -> AddressPool {
        AddressPool {
            subnet,
            gateway,
            taken: BTreeSet::new(),
            range: None,
            reserved: BTreeSet::new(),
        }
    }

    /// Automatic addresses come from `range` only (`--ip-range`), from its
    /// first address on: libnetwork hands out a range's own network
    /// address when it is not the subnet's (10.77.5.0 of 10.77.5.0/24 in
    /// 10.77.0.0/16, as Docker 20.10 does).
    pub fn with_range(mut self, range: Subnet) -> AddressPool {
        self.range = Some(range);
        self
    }

    /// Holds an `--aux-address`: libnetwork's words if it is taken.
    pub fn reserve(&mut self, ip: Ipv4Addr) -> Result<(), String> {
        let fixed = [self.subnet.addr, self.subnet.broadcast(), self.gateway];
        if fixed.contains(&ip) || self.taken.contains(&ip) || !self.reserved.insert(ip) {
            return Err("Address already in use".to_string());
        }
        Ok(())
    }

    pub fn allocate(&mut self) -> Option<Ipv4Addr> {
        // The subnet's network and broadcast addresses are never handed out.
        let (first, last) = match self.range {
            Some(r) => (u32::from(r.addr), u32::from(r.broadcast())),
            None => (
                u32::from(self.subnet.addr),
                u32::from(self.subnet.broadcast()),
            ),
        };
        let fixed = [self.subnet.addr, self.subnet.broadcast(), self.gateway];
        (first..=last)
            .map(Ipv4Addr::from)
            .find(|ip| {
                !fixed.contains(ip) && !self.taken.contains(ip) && !self.reserved.contains(ip)
            })
            .inspect(|ip| {
                self.taken.insert(*ip);
            })
    }

    /// Takes a specific address (`--ip`). libnetwork's pool holds the
    /// network and broadcast addresses and the gateway, so all of these,
    /// like a taken one, are "in use" (facts #55-#57, #60).
    pub fn take(&mut self, ip: Ipv4Addr) -> Result<(), String> {
        if !self.subnet.contains(ip) {
            return Err(format!(
                "Invalid address {ip}: It does not belong to any of this network's subnets"
            ));
        }
        let fixed = [self.subnet.addr, self.subnet.broadcast(), self.gateway];
        if fixed.contains(&ip) || self.reserved.contains(&ip) || !self.taken.insert(ip) {
            return Err("Address already in use".to_string());
        }
        Ok(())
    }

    pub fn release(&mut self, ip: Ipv4Addr) {
        self.taken.remove(&ip);
    }

    #[cfg(test)]
    pub fn in_use(&self) -> usize {
        self.taken.len()
    }
}

/// An IPv6 subnet such as fd00:1::/64 (`--ipv6 --subnet`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subnet6 {
    pub addr: Ipv6Addr,
    pub prefix: u8,
}

impl Subnet6 {
    pub fn new(addr: Ipv6Addr, prefix: u8) -> Subnet6 {
        Subnet6 {
            addr: Ipv6Addr::from(u128::from(addr) & Self::mask_of(prefix)),
            prefix,
        }
    }
    fn mask_of(prefix: u8) -> u128 {
        if prefix == 0 {
            0
        } else {
            u128::MAX << (128 - prefix as u32)
        }
    }
    pub fn contains(&self, ip: Ipv6Addr) -> bool {
        u128::from(ip) & Self::mask_of(self.prefix) == u128::from(self.addr)
    }
    pub fn overlaps(&self, other: &Subnet6) -> bool {
        self.contains(other.addr) || other.contains(self.addr)
    }
    /// The last address of the subnet (IPv6 has no broadcast; libnetwork
    /// hands it out like any other).
    pub fn last(&self) -> Ipv6Addr {
        Ipv6Addr::from(u128::from(self.addr) | !Self::mask_of(self.prefix))
    }
}

impl fmt::Display for Subnet6 {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl FromStr for Subnet6 {
    type Err = String;
    fn from_str(s: &str) -> Result<Subnet6, String> {
        let bad = || format!("invalid CIDR address: {s}");
        let (a, p) = s.split_once('/').ok_or_else(bad)?;
        let addr: Ipv6Addr = a.parse().map_err(|_| bad())?;
        let prefix: u8 = p
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| p.parse().ok())
            .flatten()
            .ok_or_else(bad)?;
        if prefix > 128 {
            return Err(bad());
        }
        Ok(Subnet6::new(addr, prefix))
    }
}

/// The IPv6 addresses taken inside one network, as libnetwork's default
/// IPAM hands them out: the subnet's first address (`::`) is held, the
/// gateway is `::1` unless given, and containers get the lowest free
/// address from `::2` on (from the start of `--ip-range` when there is one).
#[derive(Debug, Clone)]
pub struct AddressPool6 {
    pub subnet: Subnet6,
    pub gateway: Ipv6Addr,
    range: Option<Subnet6>,
    taken: BTreeSet<Ipv6Addr>,
}

impl AddressPool6 {
    pub fn new(subnet: Subnet6, range: Option<Subnet6>, gateway: Option<Ipv6Addr>) -> AddressPool6 {
        // libnetwork allocates the gateway from the pool (the range's first
        // free address) when none is given: fd00:9::100 for the range
        // fd00:9::100/120, as Docker 20.10 showed.
        let first = range.unwrap_or(subnet).addr;
        let gateway = gateway.unwrap_or_else(|| {
            if first == subnet.addr {
                Ipv6Addr::from(u128::from(first) + 1)
            } else {
                first
            }
        });
        AddressPool6 {
            subnet,
            gateway,
            range,
            taken: BTreeSet::new(),
        }
    }

    fn held(&self, ip: Ipv6Addr) -> bool {
        ip == self.subnet.addr || ip == self.gateway || self.taken.contains(&ip)
    }

    pub fn allocate(&mut self) -> Option<Ipv6Addr> {
        let r = self.range.unwrap_or(self.subnet);
        let (first, last) = (u128::from(r.addr), u128::from(r.last()));
        // A /64 has 2^64 addresses: look at a bounded number of them (a
        // bridge holds at most 1024 ports anyway).
        // At most taken + 2 (the subnet's first address, the gateway)
        // candidates are held.
        let span = (last - first).min(self.taken.len() as u128 + 2);
        for n in first..=first + span {
            let ip = Ipv6Addr::from(n);
            if !self.held(ip) {
                self.taken.insert(ip);
                return Some(ip);
            }
        }
        None
    }

    /// Holds an `--aux-address`: libnetwork's words if it is taken.
    pub fn reserve(&mut self, ip: Ipv6Addr) -> Result<(), String> {
        if !self.subnet.contains(ip) || self.held(ip) {
            return Err("Address already in use".to_string());
        }
        self.taken.insert(ip);
        Ok(())
    }

    /// `--ip6`: libnetwork's words when it is not in the subnet or held.
    pub fn take(&mut self, ip: Ipv6Addr) -> Result<(), String> {
        if !self.subnet.contains(ip) {
            return Err(format!(
                "Invalid address {ip}: It does not belong to any of this network's subnets"
            ));
        }
        if self.beyond_sequence(ip) {
            return Err("bit does not belong to the sequence".to_string());
        }
        if self.held(ip) {
            return Err("Address already in use".to_string());
        }
        self.taken.insert(ip);
        Ok(())
    }

    /// libnetwork keeps a subnet's addresses in a bit sequence of at most
    /// 2^64 - 1 bits (2^64 overflows its count, which it then lowers by
    /// one), indexed by the address's low 64 bits: in a /64 or wider, the
    /// address whose low 64 bits are all ones has no bit, and `--ip6` for
    /// it gets "bit does not belong to the sequence" (Docker 20.10.24).
    fn beyond_sequence(&self, ip: Ipv6Addr) -> bool {
        self.subnet.prefix <= 64 && u128::from(ip) as u64 == u64::MAX
    }

    pub fn release(&mut self, ip: Ipv6Addr) {
        self.taken.remove(&ip);
    }
}

/// Docker's container MAC: 02:42 followed by the four IPv4 octets.
pub fn mac_for(ip: Ipv4Addr) -> [u8; 6] {
    let o = ip.octets();
    [0x02, 0x42, o[0], o[1], o[2], o[3]]
}

/// A MAC address as Go's `net.ParseMAC` reads a 6-byte one: six pairs of
/// hex digits separated by `:` or `-`, or three groups of four by `.`.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let hex: String = if s.len() == 14 && s.matches('.').count() == 2 {
        s.split('.')
            .all(|g| g.len() == 4)
            .then(|| s.replace('.', ""))?
    } else if s.len() == 17 {
        let sep = s.as_bytes()[2];
        if sep != b':' && sep != b'-' {
            return None;
        }
        let groups: Vec<&str> = s.split(sep as char).collect();
        (groups.len() == 6 && groups.iter().all(|g| g.len() == 2)).then(|| groups.concat())?
    } else {
        return None;
    };
    let mut mac = [0u8; 6];
    for (i, byte) in mac.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(mac)
}

pub fn format_mac(mac: &[u8]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn subnet_parsing_and_math() {
        let s: Subnet = "172.18.5.9/16".parse().unwrap();
        assert_eq!(s.to_string(), "172.18.0.0/16");
        assert_eq!(s.broadcast(), ip("172.18.255.255"));
        assert!(s.contains(ip("172.18.200.1")));
        assert!(!s.contains(ip("172.19.0.1")));
        assert_eq!(s.host(1), ip("172.18.0.1"));
        assert!("172.18.0.0".parse::<Subnet>().is_err());
        assert!("172.18.0.0/33".parse::<Subnet>().is_err());
        assert!("nonsense/8".parse::<Subnet>().is_err());
    }

    #[test]
    fn pools_follow_docker_order_and_skip_freed_ones() {
        let mut pa = PoolAllocator::default();
        let bridge = pa.allocate(&[]).unwrap();
        assert_eq!(bridge.to_string(), "172.17.0.0/16");
        let a = pa.allocate(&[bridge]).unwrap();
        let b = pa.allocate(&[bridge, a]).unwrap();
        assert_eq!(a.to_string(), "172.18.0.0/16");
        assert_eq!(b.to_string(), "172.19.0.0/16");
        // a and b freed: the next one is still 172.20, as in the reference.
        let c = pa.allocate(&[bridge]).unwrap();
        assert_eq!(c.to_string(), "172.20.0.0/16");
    }

    #[test]
    fn pools_skip_user_subnets_and_reach_192_168() {
        let mut pa = PoolAllocator::default();
        let user: Subnet = "172.18.0.0/16".parse().unwrap();
        let mut used = vec![pa.allocate(&[]).unwrap(), user];
        let next = pa.allocate(&used).unwrap();
        assert_eq!(next.to_string(), "172.19.0.0/16");
        used.push(next);
        for _ in 20..=31 {
            let s = pa.allocate(&used).unwrap();
            used.push(s);
        }
        assert_eq!(pa.allocate(&used).unwrap().to_string(), "192.168.0.0/20");
    }

    #[test]
    fn addresses_lowest_free_from_two_and_reused() {
        let subnet: Subnet = "172.17.0.0/16".parse().unwrap();
        let mut pool = AddressPool::new(subnet, ip("172.17.0.1"));
        assert_eq!(pool.allocate(), Some(ip("172.17.0.2")));
        assert_eq!(pool.allocate(), Some(ip("172.17.0.3")));
        assert_eq!(pool.allocate(), Some(ip("172.17.0.4")));
        pool.release(ip("172.17.0.2"));
        // A squatter takes the freed .2, as in the links reference.
        assert_eq!(pool.allocate(), Some(ip("172.17.0.2")));
        assert_eq!(pool.allocate(), Some(ip("172.17.0.5")));
        assert_eq!(pool.in_use(), 4);
    }

    #[test]
    fn addresses_skip_a_gateway_that_is_not_dot_one_and_run_out() {
        let subnet: Subnet = "10.9.0.0/30".parse().unwrap();
        let mut pool = AddressPool::new(subnet, ip("10.9.0.2"));
        assert_eq!(pool.allocate(), Some(ip("10.9.0.1")));
        assert_eq!(pool.allocate(), None);
        assert!(pool.take(ip("10.9.0.2")).is_err());
        assert!(pool.take(ip("10.8.0.1")).is_err());
    }

    #[test]
    fn fixed_addresses_refuse_what_libnetwork_holds() {
        let subnet: Subnet = "10.30.0.0/24".parse().unwrap();
        let mut pool = AddressPool::new(subnet, ip("10.30.0.1"));
        for held in ["10.30.0.0", "10.30.0.255", "10.30.0.1"] {
            assert_eq!(
                pool.take(ip(held)),
                Err("Address already in use".to_string()),
                "{held}"
            );
        }
        assert_eq!(pool.take(ip("10.30.0.5")), Ok(()));
        assert_eq!(
            pool.take(ip("10.30.0.5")),
            Err("Address already in use".to_string())
        );
        assert_eq!(
            pool.take(ip("10.31.0.5")),
            Err(
                "Invalid address 10.31.0.5: It does not belong to any of this network's subnets"
                    .to_string()
            )
        );
        // The lowest free address skips the fixed one.
        assert_eq!(pool.allocate(), Some(ip("10.30.0.2")));
        pool.release(ip("10.30.0.5"));
        assert_eq!(pool.take(ip("10.30.0.5")), Ok(()));
    }

    fn ip6(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_subnets_parse_and_contain() {
        let s: Subnet6 = "fd00:1::5/64".parse().unwrap();
        assert_eq!(s.to_string(), "fd00:1::/64");
        assert!(s.contains(ip6("fd00:1::ffff")));
        assert!(!s.contains(ip6("fd00:2::1")));
        assert_eq!(s.last(), ip6("fd00:1::ffff:ffff:ffff:ffff"));
        let inner: Subnet6 = "fd00:1::/80".parse().unwrap();
        assert!(s.overlaps(&inner) && inner.overlaps(&s));
        assert!(!s.overlaps(&"fd00:2::/64".parse().unwrap()));
        for bad in ["fd00::", "fd00::/129", "10.0.0.0/8", "fd00::/+8"] {
            assert!(bad.parse::<Subnet6>().is_err(), "{bad}");
        }
    }

    #[test]
    fn ipv6_addresses_as_docker_hands_them_out() {
        // Docker 20.10: gateway fd00:1::1, containers ::2, ::3; --ip6 ::99.
        let s: Subnet6 = "fd00:1::/64".parse().unwrap();
        let mut pool = AddressPool6::new(s, None, None);
        assert_eq!(pool.gateway, ip6("fd00:1::1"));
        assert_eq!(pool.allocate(), Some(ip6("fd00:1::2")));
        assert_eq!(pool.take(ip6("fd00:1::99")), Ok(()));
        assert_eq!(pool.allocate(), Some(ip6("fd00:1::3")));
        pool.release(ip6("fd00:1::2"));
        assert_eq!(pool.allocate(), Some(ip6("fd00:1::2")));
        // Docker: "Address already in use." for the gateway and a taken one.
        for held in ["fd00:1::1", "fd00:1::99", "fd00:1::"] {
            assert_eq!(
                pool.take(ip6(held)),
                Err("Address already in use".into()),
                "{held}"
            );
        }
        assert_eq!(
            pool.take(ip6("fd00:9::5")),
            Err(
                "Invalid address fd00:9::5: It does not belong to any of this network's subnets"
                    .into()
            )
        );
    }

    #[test]
    fn the_last_address_of_a_64_has_no_bit_in_libnetworks_sequence() {
        // Docker 20.10.24: --ip6 fd00:1::ffff:ffff:ffff:ffff on a /64 and
        // fd00:8::ffff:ffff:ffff:ffff on a /48 are refused; fd00:7::ff,
        // the last of a /120, is given; so is ::ffff:ffff:ffff:fffe.
        let words = Err("bit does not belong to the sequence".to_string());
        let s: Subnet6 = "fd00:1::/64".parse().unwrap();
        let mut pool = AddressPool6::new(s, None, None);
        assert_eq!(pool.take(ip6("fd00:1::ffff:ffff:ffff:ffff")), words);
        assert_eq!(pool.take(ip6("fd00:1::ffff:ffff:ffff:fffe")), Ok(()));
        let s: Subnet6 = "fd00:8::/48".parse().unwrap();
        let mut pool = AddressPool6::new(s, None, None);
        assert_eq!(pool.take(ip6("fd00:8::ffff:ffff:ffff:ffff")), words);
        let s: Subnet6 = "fd00:7::/120".parse().unwrap();
        let mut pool = AddressPool6::new(s, None, None);
        assert_eq!(pool.take(ip6("fd00:7::ff")), Ok(()));
        // Outside the subnet stays the subnet's refusal.
        assert!(pool
            .take(ip6("fd00:9::ffff:ffff:ffff:ffff"))
            .unwrap_err()
            .starts_with("Invalid address"));
    }

    #[test]
    fn ipv6_gateway_given_or_from_the_range() {
        // --gateway fd00:5::fe: the first container is still ::1 then ::2.
        let s: Subnet6 = "fd00:5::/64".parse().unwrap();
        let mut pool = AddressPool6::new(s, None, Some(ip6("fd00:5::fe")));
        assert_eq!(pool.allocate(), Some(ip6("fd00:5::1")));
        // --ip-range fd00:9::100/120: gateway ::100, first container ::101.
        let s: Subnet6 = "fd00:9::/64".parse().unwrap();
        let r: Subnet6 = "fd00:9::100/120".parse().unwrap();
        let mut pool = AddressPool6::new(s, Some(r), None);
        assert_eq!(pool.gateway, ip6("fd00:9::100"));
        assert_eq!(pool.allocate(), Some(ip6("fd00:9::101")));
        // A /127 runs out.
        let tiny: Subnet6 = "fd00:7::/127".parse().unwrap();
        let mut pool = AddressPool6::new(tiny, None, None);
        assert_eq!(pool.allocate(), None);
    }

    #[test]
    fn mac_is_02_42_plus_octets() {
        assert_eq!(format_mac(&mac_for(ip("172.18.0.3"))), "02:42:ac:12:00:03");
    }
}
