//! `ip addr|link|route|neigh` listings in busybox's format (the stand-in
//! images' `ip` is busybox's), read over netlink from the namespace the
//! applet runs in; changes go to the machine's iproute2.

use futures_util::TryStreamExt;
use rtnetlink::packet_route::address::AddressAttribute;
use rtnetlink::packet_route::link::{LinkAttribute, LinkFlags};
use rtnetlink::packet_route::neighbour::{NeighbourAddress, NeighbourAttribute, NeighbourFlags};
use rtnetlink::packet_route::route::{
    RouteAddress, RouteAttribute, RouteFlags, RouteProtocol, RouteScope, RouteType,
};
use rtnetlink::packet_route::AddressFamily;
use std::net::{IpAddr, Ipv4Addr};

/// One interface, as `ip link` and `ip addr` show it.
pub struct Link {
    pub index: u32,
    pub name: String,
    pub flags: Vec<&'static str>,
    pub mtu: u32,
    pub qlen: u32,
    pub mac: Vec<u8>,
    pub broadcast: Vec<u8>,
    pub peer: Option<u32>,
    pub peer_in_other_ns: bool,
    pub loopback: bool,
    pub addrs: Vec<Addr>,
}

pub struct Addr {
    pub ip: IpAddr,
    pub prefix: u8,
    pub brd: Option<Ipv4Addr>,
    pub scope: &'static str,
    pub label: String,
    /// IFA_F_* bits (IPv6 addresses show them: `tentative`, `flags 02`).
    pub flags: u32,
}

pub struct Route {
    pub dst: Option<(IpAddr, u8)>,
    pub gateway: Option<IpAddr>,
    pub dev: String,
    pub scope_link: bool,
    pub src: Option<IpAddr>,
    pub proto_kernel: bool,
    /// RTA_PRIORITY, which IPv6 routes carry (`metric 256`).
    pub metric: Option<u32>,
    /// A route type other than unicast, by name (`multicast`).
    pub kind: Option<&'static str>,
    pub is_v6: bool,
}

/// One entry of the neighbour (ARP) table.
pub struct Neigh {
    pub dst: IpAddr,
    pub ifindex: u32,
    pub lladdr: Option<Vec<u8>>,
    pub router: bool,
    pub proxy: bool,
    /// (refcnt, used, confirmed, updated), the last three in clock ticks.
    pub cache: Option<(u32, u32, u32, u32)>,
    pub probes: Option<u32>,
    /// NUD_* bits.
    pub state: u16,
}

/// What `-4`, `-6`, `-0` or `-f FAMILY` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Any,
    Inet,
    Inet6,
    /// `-0`, `-f link`: interfaces only.
    Link,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    Addr,
    Link,
    Route,
    Neigh,
}

/// A listing this applet prints itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub object: Object,
    pub family: Family,
    pub oneline: bool,
    /// `show [dev] NAME`.
    pub dev: Option<String>,
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    List(Query),
    /// busybox prints its usage (an option or object it does not know,
    /// such as iproute2's `-br`) and exits 1.
    Usage,
    /// A change (`link set`, `addr add`...) or a filter this applet does
    /// not cover: the machine's iproute2 carries it out.
    Host,
}

/// busybox's usage text (Debian's busybox-static 1.35, which the
/// stand-in images carry), byte for byte.
pub const USAGE: &str = include_str!("ip_usage.txt");

/// Whether `word` abbreviates `full`, as busybox's `index_in_substrings`.
fn abbreviates(word: &str, full: &str) -> bool {
    !word.is_empty() && full.starts_with(word)
}

/// Parses `ip [OPTIONS] OBJECT [COMMAND [ARGS]]` as busybox does.
pub fn parse(args: &[String]) -> Parsed {
    let mut family = Family::Any;
    let mut oneline = false;
    let mut i = 0;
    while let Some(opt) = args.get(i).filter(|a| a.starts_with('-') && a.len() > 1) {
        let o = opt.trim_start_matches('-');
        if abbreviates(o, "oneline") {
            oneline = true;
        } else if abbreviates(o, "family") {
            i += 1;
            family = match args.get(i).map(String::as_str) {
                Some("inet") => Family::Inet,
                Some("inet6") => Family::Inet6,
                Some("link") => Family::Link,
                _ => return Parsed::Usage,
            };
        } else if o == "4" {
            family = Family::Inet;
        } else if o == "6" {
            family = Family::Inet6;
        } else if o == "0" {
            family = Family::Link;
        } else {
            return Parsed::Usage;
        }
        i += 1;
    }
    let Some(word) = args.get(i) else {
        return Parsed::Usage;
    };
    let object = if abbreviates(word, "address") {
        Object::Addr
    } else if abbreviates(word, "route") {
        Object::Route
    } else if abbreviates(word, "link") {
        Object::Link
    } else if abbreviates(word, "neigh") {
        Object::Neigh
    } else if ["tunnel", "tunl", "rule"]
        .iter()
        .any(|k| abbreviates(word, k))
    {
        return Parsed::Host;
    } else {
        return Parsed::Usage;
    };
    let rest: Vec<&str> = args[i + 1..].iter().map(String::as_str).collect();
    let listing = |w: &str| match object {
        Object::Neigh => abbreviates(w, "show"),
        _ => ["show", "list", "lst"].iter().any(|k| abbreviates(w, k)),
    };
    let filters = match rest.as_slice() {
        [] => &[][..],
        [cmd, filters @ ..] if listing(cmd) => filters,
        _ => return Parsed::Host,
    };
    let dev = match (object, filters) {
        (_, []) => None,
        (Object::Route, _) => return Parsed::Host,
        (_, ["dev", name]) => Some(name.to_string()),
        (Object::Addr | Object::Link, [name])
            if !["to", "scope", "label", "up", "dev", "type", "master"].contains(name) =>
        {
            Some(name.to_string())
        }
        _ => return Parsed::Host,
    };
    Parsed::List(Query {
        object,
        family,
        oneline,
        dev,
    })
}

pub fn main(args: &[String]) -> i32 {
    let query = match parse(args) {
        Parsed::List(q) => q,
        Parsed::Usage => {
            eprint!("{USAGE}");
            return 1;
        }
        // The machine's iproute2, with the container's (lack of)
        // privileges: `ip link set eth0 down` then fails as on Docker.
        Parsed::Host => return super::exec_host_program("ip", args, USAGE.trim_end()),
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ip: {e}");
            return 1;
        }
    };
    let state = match rt.block_on(read_state(query.object)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ip: {e}");
            return 1;
        }
    };
    match render(&query, &state, clock_hz()) {
        Ok(text) => {
            print!("{text}");
            0
        }
        Err(e) => {
            eprintln!("ip: {e}");
            1
        }
    }
}

/// What the kernel told us.
#[derive(Default)]
pub struct State {
    pub links: Vec<Link>,
    pub routes: Vec<Route>,
    pub neighs: Vec<Neigh>,
}

/// The listing `q` asks for, or busybox's error for a missing device.
pub fn render(q: &Query, state: &State, hz: u32) -> Result<String, String> {
    let dev = match &q.dev {
        Some(name) => Some(
            state
                .links
                .iter()
                .find(|l| l.name == *name)
                .ok_or_else(|| format!("can't find device '{name}'"))?,
        ),
        None => None,
    };
    let only = |links: &[Link]| -> Vec<usize> {
        (0..links.len())
            .filter(|i| dev.is_none_or(|d| d.index == links[*i].index))
            .collect()
    };
    Ok(match q.object {
        Object::Addr | Object::Link => {
            let picked = only(&state.links);
            let links: Vec<&Link> = picked.iter().map(|i| &state.links[*i]).collect();
            if q.object == Object::Link {
                render_links(&links, Family::Link, q.oneline)
            } else {
                render_links(&links, q.family, q.oneline)
            }
        }
        Object::Route => {
            // busybox lists IPv4 routes unless -6 asks for IPv6 ones.
            let v6 = q.family == Family::Inet6;
            let picked: Vec<&Route> = state.routes.iter().filter(|r| r.is_v6 == v6).collect();
            render_routes(&picked)
        }
        Object::Neigh => render_neigh(
            &state.neighs,
            &state.links,
            q.family,
            dev.map(|d| d.index),
            hz,
        ),
    })
}

/// USER_HZ as busybox's `get_hz` finds it: /proc/net/psched's clock rate
/// when its resolution is 1 MHz, else the ticks of sysconf.
fn clock_hz() -> u32 {
    std::fs::read_to_string("/proc/net/psched")
        .ok()
        .and_then(|t| parse_psched(&t))
        .unwrap_or(100)
}

pub fn parse_psched(text: &str) -> Option<u32> {
    let words: Vec<u32> = text
        .split_whitespace()
        .filter_map(|w| u32::from_str_radix(w, 16).ok())
        .collect();
    match words.as_slice() {
        [_, _, 1_000_000, denom, ..] if *denom > 0 => Some(*denom),
        _ => None,
    }
}

async fn read_state(object: Object) -> std::io::Result<State> {
    let (conn, handle, _) = rtnetlink::new_connection()?;
    tokio::spawn(conn);
    let err = |e: rtnetlink::Error| std::io::Error::other(e.to_string());
    let mut links = Vec::new();
    let mut stream = handle.link().get().execute();
    while let Some(msg) = stream.try_next().await.map_err(err)? {
        let f = msg.header.flags;
        let mut link = Link {
            index: msg.header.index,
            name: String::new(),
            flags: Vec::new(),
            mtu: 0,
            qlen: 0,
            mac: Vec::new(),
            broadcast: Vec::new(),
            peer: None,
            peer_in_other_ns: false,
            loopback: f.contains(LinkFlags::Loopback),
            addrs: Vec::new(),
        };
        for (flag, name) in [
            (LinkFlags::Loopback, "LOOPBACK"),
            (LinkFlags::Broadcast, "BROADCAST"),
            (LinkFlags::Pointopoint, "POINTOPOINT"),
            (LinkFlags::Multicast, "MULTICAST"),
            (LinkFlags::Noarp, "NOARP"),
            (LinkFlags::Up, "UP"),
            (LinkFlags::LowerUp, "LOWER_UP"),
        ] {
            if f.contains(flag) {
                link.flags.push(name);
            }
        }
        for a in &msg.attributes {
            match a {
                LinkAttribute::IfName(n) => link.name = n.clone(),
                LinkAttribute::Mtu(m) => link.mtu = *m,
                LinkAttribute::TxQueueLen(q) => link.qlen = *q,
                LinkAttribute::Address(m) => link.mac = m.clone(),
                LinkAttribute::Broadcast(b) => link.broadcast = b.clone(),
                LinkAttribute::Link(i) => link.peer = Some(*i),
                LinkAttribute::LinkNetNsId(_) => link.peer_in_other_ns = true,
                _ => {}
            }
        }
        links.push(link);
    }
    let mut addrs = handle.address().get().execute();
    while let Some(msg) = addrs.try_next().await.map_err(err)? {
        if !matches!(
            msg.header.family,
            AddressFamily::Inet | AddressFamily::Inet6
        ) {
            continue;
        }
        let mut ip = None;
        let mut brd = None;
        let mut label = String::new();
        // busybox prints the header's 8 bits (IFA_FLAGS' upper ones, such
        // as noprefixroute, are not its business).
        let flags = u32::from(msg.header.flags.bits());
        for a in &msg.attributes {
            match a {
                AddressAttribute::Local(v) => ip = Some(*v),
                AddressAttribute::Address(v) if ip.is_none() => ip = Some(*v),
                AddressAttribute::Broadcast(v) => brd = Some(*v),
                AddressAttribute::Label(l) => label = l.clone(),
                _ => {}
            }
        }
        let scope = match u8::from(msg.header.scope) {
            254 => "host",
            253 => "link",
            _ => "global",
        };
        if let (Some(ip), Some(link)) = (ip, links.iter_mut().find(|l| l.index == msg.header.index))
        {
            link.addrs.push(Addr {
                ip,
                prefix: msg.header.prefix_len,
                brd,
                scope,
                label,
                flags,
            });
        }
    }
    let mut routes = Vec::new();
    if object == Object::Route {
        let v4 = rtnetlink::RouteMessageBuilder::<Ipv4Addr>::new().build();
        let v6 = rtnetlink::RouteMessageBuilder::<std::net::Ipv6Addr>::new().build();
        for filter in [v4, v6] {
            let mut rs = handle.route().get(filter).execute();
            while let Some(msg) = rs.try_next().await.map_err(err)? {
                let is_v6 = msg.header.address_family == AddressFamily::Inet6;
                let kind = msg.header.kind;
                // busybox: IPv4 routes of the main table; IPv6 routes of
                // any table but the local addresses' (and no cached ones).
                if is_v6 {
                    if kind == RouteType::Local || msg.header.flags.contains(RouteFlags::Cloned) {
                        continue;
                    }
                } else if msg.header.table != 254 {
                    continue;
                }
                let mut r = Route {
                    dst: None,
                    gateway: None,
                    dev: String::new(),
                    scope_link: msg.header.scope == RouteScope::Link,
                    src: None,
                    proto_kernel: msg.header.protocol == RouteProtocol::Kernel,
                    metric: None,
                    kind: match kind {
                        RouteType::Unicast => None,
                        RouteType::Multicast => Some("multicast"),
                        RouteType::Anycast => Some("anycast"),
                        RouteType::Broadcast => Some("broadcast"),
                        RouteType::Unreachable => Some("unreachable"),
                        RouteType::BlackHole => Some("blackhole"),
                        RouteType::Prohibit => Some("prohibit"),
                        _ => None,
                    },
                    is_v6,
                };
                let dst_len = msg.header.destination_prefix_length;
                for a in &msg.attributes {
                    match a {
                        RouteAttribute::Destination(RouteAddress::Inet(d)) => {
                            r.dst = Some(((*d).into(), dst_len))
                        }
                        RouteAttribute::Destination(RouteAddress::Inet6(d)) => {
                            r.dst = Some(((*d).into(), dst_len))
                        }
                        RouteAttribute::Gateway(RouteAddress::Inet(g)) => {
                            r.gateway = Some((*g).into())
                        }
                        RouteAttribute::Gateway(RouteAddress::Inet6(g)) => {
                            r.gateway = Some((*g).into())
                        }
                        RouteAttribute::PrefSource(RouteAddress::Inet(s)) => {
                            r.src = Some((*s).into())
                        }
                        RouteAttribute::Priority(m) => r.metric = Some(*m),
                        RouteAttribute::Oif(i) => {
                            r.dev = links
                                .iter()
                                .find(|l| l.index == *i)
                                .map(|l| l.name.clone())
                                .unwrap_or_default()
                        }
                        _ => {}
                    }
                }
                routes.push(r);
            }
        }
    }
    let mut neighs = Vec::new();
    if object == Object::Neigh {
        let mut ns = handle.neighbours().get().execute();
        while let Some(msg) = ns.try_next().await.map_err(err)? {
            let mut n = Neigh {
                dst: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                ifindex: msg.header.ifindex,
                lladdr: None,
                router: msg.header.flags.contains(NeighbourFlags::Router),
                proxy: msg.header.flags.contains(NeighbourFlags::Proxy),
                cache: None,
                probes: None,
                state: u16::from(msg.header.state),
            };
            let mut has_dst = false;
            for a in &msg.attributes {
                match a {
                    NeighbourAttribute::Destination(NeighbourAddress::Inet(v)) => {
                        n.dst = IpAddr::V4(*v);
                        has_dst = true;
                    }
                    NeighbourAttribute::Destination(NeighbourAddress::Inet6(v)) => {
                        n.dst = IpAddr::V6(*v);
                        has_dst = true;
                    }
                    NeighbourAttribute::LinkLayerAddress(l) => n.lladdr = Some(l.clone()),
                    NeighbourAttribute::CacheInfo(c) => {
                        n.cache = Some((c.refcnt, c.used, c.confirmed, c.updated))
                    }
                    NeighbourAttribute::Probes(p) => n.probes = Some(*p),
                    _ => {}
                }
            }
            if has_dst {
                neighs.push(n);
            }
        }
    }
    Ok(State {
        links,
        routes,
        neighs,
    })
}

fn mac(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// busybox `ip addr` and `ip link` (`family` Link): each interface's
/// header, its link line unless a family of addresses was asked for, and
/// its IPv4 addresses. One line per address (`-o`), or per interface for
/// `ip -o link`, with `\\` where the newlines were.
pub fn render_links(links: &[&Link], family: Family, oneline: bool) -> String {
    let mut out = String::new();
    let nl = if oneline { '\\' } else { '\n' };
    for l in links {
        // A family of addresses drops the interfaces without one (only a
        // network with `--ipv6` gives a container IPv6 addresses).
        let addrs: Vec<&Addr> = match family {
            Family::Link => Vec::new(),
            Family::Any => l.addrs.iter().collect(),
            Family::Inet => l.addrs.iter().filter(|a| a.ip.is_ipv4()).collect(),
            Family::Inet6 => l.addrs.iter().filter(|a| a.ip.is_ipv6()).collect(),
        };
        if addrs.is_empty() && matches!(family, Family::Inet | Family::Inet6) {
            continue;
        }
        if !(oneline && family != Family::Link) {
            let name = match l.peer {
                Some(p) if l.peer_in_other_ns => format!("{}@if{p}", l.name),
                _ => l.name.clone(),
            };
            let mut flags = l.flags.clone();
            // iproute2/busybox print M-DOWN when the link's parent is not
            // up here; a veth whose peer lives in another namespace always
            // shows it.
            if l.peer.is_some() && l.peer_in_other_ns {
                flags.push("M-DOWN");
            }
            // The kernel's IPv6 link dump (what busybox asks for with -6)
            // carries no qdisc.
            let qdisc = if family == Family::Inet6 {
                ""
            } else {
                "qdisc noqueue "
            };
            out.push_str(&format!(
                "{}: {name}: <{}> mtu {} {qdisc}",
                l.index,
                flags.join(","),
                l.mtu
            ));
            if l.qlen > 0 {
                out.push_str(&format!("qlen {}", l.qlen));
            }
            if matches!(family, Family::Any | Family::Link) {
                let kind = if l.loopback { "loopback" } else { "ether" };
                out.push(nl);
                out.push_str(&format!(
                    "    link/{kind} {} brd {}",
                    mac(&l.mac),
                    mac(&l.broadcast)
                ));
            }
            out.push('\n');
        }
        for a in addrs {
            if oneline {
                out.push_str(&format!("{}: {}", l.index, l.name));
            }
            if a.ip.is_ipv6() {
                out.push_str(&format!(
                    "    inet6 {}/{} scope {} {}",
                    a.ip,
                    a.prefix,
                    a.scope,
                    ipv6_flags(a.flags)
                ));
                out.push(nl);
                out.push_str("       valid_lft forever preferred_lft forever\n");
                continue;
            }
            let brd = a.brd.map(|b| format!(" brd {b}")).unwrap_or_default();
            out.push_str(&format!(
                "    inet {}/{}{brd} scope {} {}",
                a.ip, a.prefix, a.scope, a.label
            ));
            out.push(nl);
            out.push_str("       valid_lft forever preferred_lft forever\n");
        }
    }
    out
}

/// An IPv6 address's flags as busybox prints them (`print_addrinfo`):
/// the named ones, `dynamic` when not permanent, and the rest in hex
/// (`flags 02` is IFA_F_NODAD, Docker's addresses).
pub fn ipv6_flags(flags: u32) -> String {
    const TEMPORARY: u32 = 0x01;
    const DADFAILED: u32 = 0x08;
    const DEPRECATED: u32 = 0x20;
    const TENTATIVE: u32 = 0x40;
    const PERMANENT: u32 = 0x80;
    let mut rest = flags;
    let mut out = String::new();
    for (bit, name) in [
        (TEMPORARY, "temporary"),
        (TENTATIVE, "tentative"),
        (DADFAILED, "dadfailed"),
        (DEPRECATED, "deprecated"),
    ] {
        if rest & bit != 0 {
            rest &= !bit;
            out.push_str(name);
            out.push(' ');
        }
    }
    if rest & PERMANENT == 0 {
        out.push_str("dynamic ");
    }
    rest &= !PERMANENT;
    if rest != 0 {
        out.push_str(&format!("flags {rest:02x} "));
    }
    out
}

/// busybox `ip neigh`: entries in any state but NOARP (the kernel's own),
/// `dev` left out when the listing is for one device.
pub fn render_neigh(
    neighs: &[Neigh],
    links: &[Link],
    family: Family,
    dev: Option<u32>,
    hz: u32,
) -> String {
    const NUD_NOARP: u16 = 0x40;
    const NAMES: [(u16, &str); 8] = [
        (0x01, "INCOMPLETE"),
        (0x02, "REACHABLE"),
        (0x04, "STALE"),
        (0x08, "DELAY"),
        (0x10, "PROBE"),
        (0x20, "FAILED"),
        (0x40, "NOARP"),
        (0x80, "PERMANENT"),
    ];
    let hz = hz.max(1);
    let mut out = String::new();
    for n in neighs {
        let family_ok = match family {
            Family::Inet => n.dst.is_ipv4(),
            Family::Inet6 => n.dst.is_ipv6(),
            _ => true,
        };
        if !family_ok || dev.is_some_and(|d| d != n.ifindex) {
            continue;
        }
        if n.state & (0xff & !NUD_NOARP) == 0 && !n.proxy {
            continue;
        }
        out.push_str(&format!("{} ", n.dst));
        if dev.is_none() && n.ifindex != 0 {
            let name = links
                .iter()
                .find(|l| l.index == n.ifindex)
                .map_or(String::new(), |l| l.name.clone());
            out.push_str(&format!("dev {name} "));
        }
        if let Some(ll) = &n.lladdr {
            out.push_str(&format!("lladdr {}", mac(ll)));
        }
        if n.router {
            out.push_str(" router");
        }
        if n.proxy {
            out.push_str(" proxy");
        }
        if let Some((refcnt, used, confirmed, updated)) = n.cache {
            if refcnt != 0 {
                out.push_str(&format!(" ref {refcnt}"));
            }
            out.push_str(&format!(
                " used {}/{}/{}",
                used / hz,
                confirmed / hz,
                updated / hz
            ));
        }
        if let Some(p) = n.probes {
            out.push_str(&format!(" probes {p}"));
        }
        let mut sep = ' ';
        for (bit, name) in NAMES {
            if n.state & bit != 0 {
                out.push(sep);
                out.push_str(name);
                sep = ',';
            }
        }
        out.push('\n');
    }
    out
}

/// busybox `ip route`: default first as the kernel lists it, trailing spaces
/// and the double space before `src` included.
pub fn render_routes(routes: &[&Route]) -> String {
    let mut out = String::new();
    for r in routes {
        let dst = match r.dst {
            Some((ip, p)) => format!("{ip}/{p}"),
            None => "default".into(),
        };
        let mut line = r.kind.map(|k| format!("{k} ")).unwrap_or_default();
        line.push_str(&dst);
        if let Some(g) = r.gateway {
            line.push_str(&format!(" via {g}"));
        }
        line.push_str(&format!(" dev {} ", r.dev));
        if r.scope_link {
            line.push_str("scope link ");
        }
        if let Some(s) = r.src {
            line.push_str(&format!(" src {s} "));
        }
        if let Some(m) = r.metric {
            line.push_str(&format!(" metric {m} "));
        }
        let _ = r.proto_kernel;
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addr_output_matches_busybox() {
        let links = [
            Link {
                index: 1,
                name: "lo".into(),
                flags: vec!["LOOPBACK", "UP", "LOWER_UP"],
                mtu: 65536,
                qlen: 1000,
                mac: vec![0; 6],
                broadcast: vec![0; 6],
                peer: None,
                peer_in_other_ns: false,
                loopback: true,
                addrs: vec![Addr {
                    ip: Ipv4Addr::LOCALHOST.into(),
                    prefix: 8,
                    brd: None,
                    scope: "host",
                    label: "lo".into(),
                    flags: 0x80,
                }],
            },
            Link {
                index: 10,
                name: "eth0".into(),
                flags: vec!["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
                mtu: 1500,
                qlen: 0,
                mac: vec![2, 0x42, 0xac, 0x11, 0, 2],
                broadcast: vec![0xff; 6],
                peer: Some(11),
                peer_in_other_ns: true,
                loopback: false,
                addrs: vec![Addr {
                    ip: "172.17.0.2".parse().unwrap(),
                    prefix: 16,
                    brd: Some("172.17.255.255".parse().unwrap()),
                    scope: "global",
                    label: "eth0".into(),
                    flags: 0x80,
                }],
            },
        ];
        let expected = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
10: eth0@if11: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue 
    link/ether 02:42:ac:11:00:02 brd ff:ff:ff:ff:ff:ff
    inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0
       valid_lft forever preferred_lft forever
";
        let refs: Vec<&Link> = links.iter().collect();
        assert_eq!(render_links(&refs, Family::Any, false), expected);
    }

    #[test]
    fn route_output_matches_busybox() {
        let routes = [
            Route {
                dst: None,
                gateway: Some("172.17.0.1".parse().unwrap()),
                dev: "eth0".into(),
                scope_link: false,
                src: None,
                proto_kernel: false,
                metric: None,
                kind: None,
                is_v6: false,
            },
            Route {
                dst: Some(("172.17.0.0".parse().unwrap(), 16)),
                gateway: None,
                dev: "eth0".into(),
                scope_link: true,
                src: Some("172.17.0.2".parse().unwrap()),
                proto_kernel: true,
                metric: None,
                kind: None,
                is_v6: false,
            },
        ];
        assert_eq!(
            render_routes(&routes.iter().collect::<Vec<_>>()),
            "default via 172.17.0.1 dev eth0 \n172.17.0.0/16 dev eth0 scope link  src 172.17.0.2 \n"
        );
    }

    fn sample() -> State {
        let lo = Link {
            index: 1,
            name: "lo".into(),
            flags: vec!["LOOPBACK", "UP", "LOWER_UP"],
            mtu: 65536,
            qlen: 1000,
            mac: vec![0; 6],
            broadcast: vec![0; 6],
            peer: None,
            peer_in_other_ns: false,
            loopback: true,
            addrs: vec![Addr {
                ip: Ipv4Addr::LOCALHOST.into(),
                prefix: 8,
                brd: None,
                scope: "host",
                label: "lo".into(),
                flags: 0x80,
            }],
        };
        let eth = |index: u32, name: &str, ip: [u8; 4], net: [u8; 2]| Link {
            index,
            name: name.into(),
            flags: vec!["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
            mtu: 1500,
            qlen: 0,
            mac: vec![2, 0x42, ip[0], ip[1], ip[2], ip[3]],
            broadcast: vec![0xff; 6],
            peer: Some(index + 1),
            peer_in_other_ns: true,
            loopback: false,
            addrs: vec![Addr {
                ip: Ipv4Addr::from(ip).into(),
                prefix: 16,
                brd: Some(Ipv4Addr::new(net[0], net[1], 255, 255)),
                scope: "global",
                label: name.into(),
                flags: 0x80,
            }],
        };
        State {
            links: vec![
                lo,
                eth(130, "eth0", [172, 28, 0, 2], [172, 28]),
                eth(132, "eth1", [172, 17, 0, 3], [172, 17]),
            ],
            routes: vec![],
            neighs: vec![Neigh {
                dst: "172.17.0.1".parse().unwrap(),
                ifindex: 132,
                lladdr: Some(vec![2, 0x42, 0xc8, 0x28, 0xd2, 0xa9]),
                router: false,
                proxy: false,
                cache: Some((1, 120, 30, 30)),
                probes: Some(4),
                state: 0x02,
            }],
        }
    }

    fn run(line: &str) -> Result<String, String> {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        match parse(&args) {
            Parsed::List(q) => render(&q, &sample(), 1_000_000_000),
            other => Err(format!("{other:?}")),
        }
    }

    // Expected texts: Docker 20.10, `docker exec C ip ...` in a busybox
    // container on a user network (eth0) and the default bridge (eth1).
    #[test]
    fn oneline_addresses_are_dockers() {
        let want = "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
130: eth0    inet 172.28.0.2/16 brd 172.28.255.255 scope global eth0\\       valid_lft forever preferred_lft forever
132: eth1    inet 172.17.0.3/16 brd 172.17.255.255 scope global eth1\\       valid_lft forever preferred_lft forever
";
        assert_eq!(run("-o addr").unwrap(), want);
        assert_eq!(run("-o -4 a").unwrap(), want);
        assert_eq!(
            run("-o -4 a show eth1").unwrap(),
            want.lines().nth(2).unwrap().to_string() + "\n"
        );
    }

    #[test]
    fn a_family_drops_link_lines_and_empty_interfaces() {
        assert_eq!(
            run("-4 addr show eth1").unwrap(),
            "132: eth1@if133: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue 
    inet 172.17.0.3/16 brd 172.17.255.255 scope global eth1
       valid_lft forever preferred_lft forever
"
        );
        assert_eq!(run("-6 addr").unwrap(), "");
        assert_eq!(run("-6 route").unwrap(), "");
    }

    #[test]
    fn links_plain_and_oneline() {
        assert_eq!(
            run("link show eth1").unwrap(),
            "132: eth1@if133: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue 
    link/ether 02:42:ac:11:00:03 brd ff:ff:ff:ff:ff:ff
"
        );
        assert_eq!(
            run("l show dev eth1").unwrap(),
            run("-6 link show eth1").unwrap()
        );
        let one = run("-o link").unwrap();
        assert!(one.starts_with(
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
        ));
        assert!(one.ends_with(
            "132: eth1@if133: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue \\    link/ether 02:42:ac:11:00:03 brd ff:ff:ff:ff:ff:ff\n"
        ));
    }

    #[test]
    fn neighbours_as_busybox() {
        let want =
            "172.17.0.1 dev eth1 lladdr 02:42:c8:28:d2:a9 ref 1 used 0/0/0 probes 4 REACHABLE\n";
        assert_eq!(run("neigh").unwrap(), want);
        assert_eq!(run("-o n").unwrap(), want);
        assert_eq!(
            run("n show dev eth1").unwrap(),
            "172.17.0.1 lladdr 02:42:c8:28:d2:a9 ref 1 used 0/0/0 probes 4 REACHABLE\n"
        );
        assert_eq!(run("n show dev eth0").unwrap(), "");
    }

    #[test]
    fn missing_devices_and_unknown_words() {
        assert_eq!(
            run("a show nosuch"),
            Err("can't find device 'nosuch'".into())
        );
        let words = |l: &str| -> Vec<String> { l.split_whitespace().map(String::from).collect() };
        for usage in ["-br a", "-br link", "", "bogus", "-x a"] {
            assert_eq!(parse(&words(usage)), Parsed::Usage, "{usage}");
        }
        for host in [
            "link set eth0 down",
            "addr add 10.0.0.1/24 dev eth0",
            "route get 1.1.1.1",
            "rule",
        ] {
            assert_eq!(parse(&words(host)), Parsed::Host, "{host}");
        }
        for list in [
            "a",
            "addr",
            "address show",
            "a list",
            "a ls",
            "l",
            "link show",
            "r",
            "ro",
            "route list",
            "n",
            "neigh show",
        ] {
            assert!(matches!(parse(&words(list)), Parsed::List(_)), "{list}");
        }
        assert!(USAGE
            .starts_with("BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n"));
        assert_eq!(USAGE.len(), 668);
    }

    #[test]
    fn psched_gives_busybox_clock() {
        assert_eq!(
            parse_psched("000003e8 00000040 000f4240 3b9aca00\n"),
            Some(1_000_000_000)
        );
        assert_eq!(parse_psched("000003e8 00000040 00000001 3b9aca00\n"), None);
    }

    #[test]
    fn ipv6_addresses_and_routes_as_busybox_prints_them() {
        // Docker 20.10.24, busybox on a network made with
        // `--ipv6 --subnet fd00:1::/64` (indexes as that host numbered them).
        let v6 = |ip: &str, prefix: u8, scope: &'static str, flags: u32| Addr {
            ip: ip.parse().unwrap(),
            prefix,
            brd: None,
            scope,
            label: String::new(),
            flags,
        };
        let mut state = sample();
        state.links[0].addrs.push(v6("::1", 128, "host", 0x80));
        state.links[1].index = 20;
        state.links[1].peer = Some(21);
        state.links[1]
            .addrs
            .push(v6("fd00:1::2", 64, "global", 0x82));
        state.links[1]
            .addrs
            .push(v6("fe80::42:acff:fe13:2", 64, "link", 0xc0));
        state.links.truncate(2);
        let q = |family| Query {
            object: Object::Addr,
            family,
            oneline: false,
            dev: None,
        };
        assert_eq!(
            render(&q(Family::Inet6), &state, 100).unwrap(),
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qlen 1000
    inet6 ::1/128 scope host 
       valid_lft forever preferred_lft forever
20: eth0@if21: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 
    inet6 fd00:1::2/64 scope global flags 02 
       valid_lft forever preferred_lft forever
    inet6 fe80::42:acff:fe13:2/64 scope link tentative 
       valid_lft forever preferred_lft forever
"
        );
        let all = render(&q(Family::Any), &state, 100).unwrap();
        assert!(all.contains(
            "    inet 172.28.0.2/16 brd 172.28.255.255 scope global eth0
       valid_lft forever preferred_lft forever
    inet6 fd00:1::2/64 scope global flags 02 
"
        ));
        // -4 leaves the IPv6 addresses out.
        assert!(!render(&q(Family::Inet), &state, 100)
            .unwrap()
            .contains("inet6"));
        assert_eq!(ipv6_flags(0x00), "dynamic ");
        assert_eq!(ipv6_flags(0xa0), "deprecated ");

        let route = |dst: Option<(&str, u8)>, via: Option<&str>, metric, kind| Route {
            dst: dst.map(|(d, p)| (d.parse().unwrap(), p)),
            gateway: via.map(|g| g.parse().unwrap()),
            dev: "eth0".into(),
            scope_link: false,
            src: None,
            proto_kernel: true,
            metric: Some(metric),
            kind,
            is_v6: true,
        };
        let routes = [
            route(Some(("fd00:1::", 64)), None, 256, None),
            route(Some(("fe80::", 64)), None, 256, None),
            route(None, Some("fd00:1::1"), 1024, None),
            route(Some(("ff00::", 8)), None, 256, Some("multicast")),
        ];
        assert_eq!(
            render_routes(&routes.iter().collect::<Vec<_>>()),
            "fd00:1::/64 dev eth0  metric 256 
fe80::/64 dev eth0  metric 256 
default via fd00:1::1 dev eth0  metric 1024 
multicast ff00::/8 dev eth0  metric 256 
"
        );
        // `ip route` (IPv4) lists none of them.
        state.routes = routes.into_iter().collect();
        let q4 = Query {
            object: Object::Route,
            family: Family::Any,
            oneline: false,
            dev: None,
        };
        assert_eq!(render(&q4, &state, 100).unwrap(), "");
    }
}
