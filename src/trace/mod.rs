//! `netlings trace`: what a command's packets did, flow by flow and hop by
//! hop, from a capture on every interface of the lab. Pure: interfaces,
//! frames and the lab's topology in, text out. Hops are ordered by how the
//! interfaces are joined (a veth's two ends, a bridge's ports), not by
//! clocks, and no time or ephemeral port is printed, so a deterministic
//! lab's traces are byte-stable.

use crate::capture::decode::{self, Decoded, Detail, Names, Proto};
use crate::capture::lab::Iface;
use crate::capture::Seen;
use crate::inspect::Topology;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

/// One frame decoded, where it was seen.
struct Frame {
    iface: usize,
    outgoing: bool,
    time: std::time::Duration,
    d: Decoded,
}

/// The same packet on every interface it crossed.
#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Debug)]
struct PacketKey {
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    sport: Option<u16>,
    dport: Option<u16>,
    ip_id: u16,
    detail: String,
}

fn packet_key(d: &Decoded) -> PacketKey {
    PacketKey {
        src: d.src,
        dst: d.dst,
        sport: d.sport,
        dport: d.dport,
        ip_id: d.ip_id,
        detail: format!("{:?}", d.detail),
    }
}

/// A conversation: both directions of a connection, an exchange of
/// datagrams, a ping, an ARP question.
#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Debug)]
enum FlowKey {
    Ports(u8, (IpAddr, u16), (IpAddr, u16)),
    Echo(IpAddr, IpAddr, u16),
    Arp(IpAddr, IpAddr),
    Other(String),
}

fn ordered<T: Ord>(a: T, b: T) -> (T, T) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

fn flow_key(d: &Decoded) -> FlowKey {
    let (src, dst) = (
        d.src.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        d.dst.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
    );
    match (&d.detail, d.sport, d.dport) {
        (Detail::Tcp { .. }, Some(s), Some(p)) => {
            let (a, b) = ordered((src, s), (dst, p));
            FlowKey::Ports(6, a, b)
        }
        (Detail::Udp { .. }, Some(s), Some(p)) => {
            let (a, b) = ordered((src, s), (dst, p));
            FlowKey::Ports(17, a, b)
        }
        (
            Detail::Icmp {
                id_seq: Some((id, _)),
                ..
            },
            _,
            _,
        ) => {
            let (a, b) = ordered(src, dst);
            FlowKey::Echo(a, b, *id)
        }
        (
            Detail::Icmp {
                quoted: Some((_, to, _)),
                ..
            },
            _,
            _,
        ) => {
            let (a, b) = ordered(dst, IpAddr::V4(*to));
            FlowKey::Arp(a, b)
        }
        (Detail::ArpRequest | Detail::ArpReply(_), _, _) => {
            let (a, b) = ordered(src, dst);
            FlowKey::Arp(a, b)
        }
        _ => FlowKey::Other(format!("{:?}", d.proto)),
    }
}

/// What the lab knows that a trace explains with.
pub struct Lab<'a> {
    pub ifaces: &'a [Iface],
    pub names: Names,
    /// Bridge name -> its gateway address.
    /// (bridge, gateway address): IPv4 and, with `--ipv6`, IPv6.
    gateways: Vec<(String, IpAddr)>,
    /// (host port, proto) -> (container, container port) for published ports.
    published: Vec<(u16, String, String, u16)>,
}

impl<'a> Lab<'a> {
    pub fn new(ifaces: &'a [Iface], topology: &Topology) -> Lab<'a> {
        let gateways = topology
            .networks
            .iter()
            .flat_map(|n| {
                std::iter::once(&n.gateway)
                    .chain(&n.gateway6)
                    .filter_map(|g| Some((n.bridge.clone(), g.parse().ok()?)))
            })
            .collect();
        let mut published = Vec::new();
        for c in &topology.containers {
            for p in &c.published {
                // "0.0.0.0:8080->80/tcp"
                let Some((host, ctr)) = p.split_once("->") else {
                    continue;
                };
                let host_port = host.rsplit(':').next().and_then(|p| p.parse().ok());
                let (port, proto) = ctr.split_once('/').unwrap_or((ctr, "tcp"));
                if let (Some(hp), Ok(cp)) = (host_port, port.parse()) {
                    let entry = (hp, proto.to_string(), c.name.clone(), cp);
                    if !published.contains(&entry) {
                        published.push(entry);
                    }
                }
            }
        }
        Lab {
            ifaces,
            names: crate::capture::lab::names_of(topology),
            gateways,
            published,
        }
    }

    fn gateway_of(&self, ip: IpAddr) -> Option<&str> {
        self.gateways
            .iter()
            .find(|(_, g)| *g == ip)
            .map(|(b, _)| b.as_str())
    }

    fn name(&self, ip: Option<IpAddr>) -> String {
        match ip {
            Some(ip) => self
                .names
                .get(&ip)
                .cloned()
                .unwrap_or_else(|| ip.to_string()),
            None => "?".into(),
        }
    }

    /// Hops of one packet: the interfaces in the order it crossed them,
    /// following veth pairs and bridges from the first sighting; a bridge
    /// it crossed between two ports is shown between them.
    fn hops(&self, sightings: &[&Frame]) -> Vec<String> {
        let mut left: Vec<&Frame> = sightings.to_vec();
        left.sort_by_key(|f| (f.time, f.iface));
        // Start where the packet was sent: a sighting no other leads to.
        let start = (0..left.len())
            .find(|&k| !left.iter().any(|o| self.leads_to(o, left[k])))
            .unwrap_or(0);
        let mut order = vec![left.remove(start)];
        while !left.is_empty() {
            let cur = order[order.len() - 1];
            let next = left.iter().position(|f| self.leads_to(cur, f)).unwrap_or(0);
            order.push(left.remove(next));
        }
        let mut out: Vec<String> = Vec::new();
        for (k, f) in order.iter().enumerate() {
            let i = &self.ifaces[f.iface];
            if k > 0 {
                let prev = &self.ifaces[order[k - 1].iface];
                // Port to port: the bridge forwarded it without its own
                // interface seeing it.
                if !order[k - 1].outgoing
                    && f.outgoing
                    && prev.bridge.is_some()
                    && prev.bridge == i.bridge
                    && !i.is_bridge
                {
                    out.push(prev.bridge.clone().unwrap_or_default());
                }
            }
            out.push(i.label.clone());
        }
        out.dedup();
        out
    }

    /// Whether a packet seen at `cur` goes next to `f`.
    fn leads_to(&self, cur: &Frame, f: &Frame) -> bool {
        let (here, there) = (&self.ifaces[cur.iface], &self.ifaces[f.iface]);
        if cur.outgoing && !here.is_bridge {
            // Out of one end of a veth, into the other.
            !f.outgoing && here.peer.as_deref() == Some(there.label.as_str())
        } else if cur.outgoing {
            // Out of a bridge, out of one of its ports.
            f.outgoing && there.bridge.as_deref() == Some(here.label.as_str())
        } else {
            // Into a bridge port: out of another port, or up into the
            // bridge itself (for the lab host).
            !here.is_bridge
                && here.container.is_none()
                && here.bridge.as_deref().is_some_and(|b| {
                    (f.outgoing
                        && there.bridge.as_deref() == Some(b)
                        && there.container.is_none()
                        && there.label != here.label)
                        || (!f.outgoing && there.label == b)
                })
        }
    }

    /// Why a packet stopped where it did, if the lab explains it.
    fn stopped(&self, d: &Decoded, last: &Frame) -> String {
        let i = &self.ifaces[last.iface];
        let dst = d.dst.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        if i.is_bridge && !last.outgoing {
            let for_host = self.gateways.iter().any(|(_, g)| *g == dst) || dst.is_loopback();
            if !for_host {
                return format!(
                    "stopped at {}: it reached the lab host, which forwards nothing between networks",
                    i.label
                );
            }
        }
        format!("no answer; last seen on {}", i.label)
    }
}

fn tcp_name(flags: &str) -> &'static str {
    match flags {
        "S" => "SYN",
        "S." => "SYN-ACK",
        f if f.contains('R') => "RST",
        f if f.contains('F') => "FIN",
        _ => "ACK",
    }
}

/// The trace of everything captured: one block per flow, in the order the
/// flows began.
pub fn trace(lab: &Lab, seen: &[Seen]) -> String {
    trace_with_paths(lab, seen).0
}

/// Each flow's number and the interfaces and bridges it crossed.
pub type Paths = Vec<(usize, Vec<String>)>;

/// Whether a packet belongs to a flow a trace explains. ICMPv6 other than
/// echoes (neighbour discovery, router solicitations) is the links' own
/// chatter, not a conversation of the command traced.
fn traced(d: &Decoded) -> bool {
    match d.proto {
        Proto::Other => false,
        Proto::Icmp6 => matches!(d.detail, Detail::Icmp { .. }),
        _ => true,
    }
}

/// [`trace`], and each numbered flow's interfaces (for the picture).
pub fn trace_with_paths(lab: &Lab, seen: &[Seen]) -> (String, Paths) {
    let frames: Vec<Frame> = seen
        .iter()
        .map(|s| Frame {
            iface: s.iface,
            outgoing: s.outgoing,
            time: s.time,
            d: decode::decode(&s.data),
        })
        .filter(|f| f.iface < lab.ifaces.len() && traced(&f.d))
        .collect();
    // Packets (sightings of one), and flows (packets of one conversation),
    // each in order of first sighting.
    let mut packets: Vec<(PacketKey, Vec<&Frame>)> = Vec::new();
    // A key's packets: a repeat (retransmission) on an interface already
    // in one is another packet.
    let mut by_key: BTreeMap<PacketKey, Vec<usize>> = BTreeMap::new();
    for f in &frames {
        let k = packet_key(&f.d);
        let same = by_key.entry(k.clone()).or_default();
        let open = same.iter().copied().find(|&i| {
            !packets[i]
                .1
                .iter()
                .any(|o| o.iface == f.iface && o.outgoing == f.outgoing)
        });
        match open {
            Some(i) => packets[i].1.push(f),
            None => {
                same.push(packets.len());
                packets.push((k, vec![f]));
            }
        }
    }
    packets.sort_by_key(|(_, fs)| fs.iter().map(|f| f.time).min());
    let mut flows: Vec<(FlowKey, Vec<&Vec<&Frame>>)> = Vec::new();
    for (_, fs) in &packets {
        let k = flow_key(&fs[0].d);
        match flows.iter_mut().find(|(fk, _)| *fk == k) {
            Some((_, ps)) => ps.push(fs),
            None => flows.push((k, vec![fs])),
        }
    }
    let mut out = String::new();
    let mut paths = Vec::new();
    let mut n = 0;
    // (container, port) a published socket was asked for: the proxy's
    // connection to it comes next.
    let mut proxied: Vec<(String, u16)> = Vec::new();
    for (key, packets) in &flows {
        let block = flow_text(lab, key, packets, &mut proxied);
        if block.is_empty() {
            continue;
        }
        n += 1;
        out.push_str(&format!("{n}. {block}"));
        let mut crossed: Vec<String> = packets.iter().flat_map(|p| lab.hops(p)).collect();
        crossed.sort();
        crossed.dedup();
        paths.push((n, crossed));
    }
    if out.is_empty() {
        out.push_str("no packets\n");
    }
    (out, paths)
}

/// The lab's picture data with every container interface and bridge a
/// flow crossed marked with the flows' numbers (`eth0  172.18.0.3  ◀ 1,2`).
pub fn marked(topology: &Topology, paths: &Paths) -> Topology {
    let flows_on = |label: &str| -> Option<String> {
        let ns: Vec<String> = paths
            .iter()
            .filter(|(_, crossed)| crossed.iter().any(|c| c == label))
            .map(|(n, _)| n.to_string())
            .collect();
        (!ns.is_empty()).then(|| format!("◀ {}", ns.join(",")))
    };
    let mut t = topology.clone();
    for n in &mut t.networks {
        if let Some(m) = flows_on(&n.bridge) {
            n.bridge = format!("{} {m}", n.bridge);
        }
    }
    for c in &mut t.containers {
        for e in &mut c.endpoints {
            if let Some(m) = flows_on(&format!("{}:{}", c.name, e.ifname)) {
                e.ip = format!("{}  {m}", e.ip);
            }
        }
    }
    t
}

fn hop_line(lab: &Lab, what: &str, p: &[&Frame]) -> String {
    format!("   {what:<9} {}\n", lab.hops(p).join(" > "))
}

/// Where an unanswered flow's first packet was last seen, and why it
/// went no further.
fn stop_line(lab: &Lab, first: &Decoded, sightings: &[&Frame]) -> String {
    let last = sightings.iter().max_by_key(|f| f.time).expect("a sighting");
    format!("   {}\n", lab.stopped(first, last))
}

fn flow_text(
    lab: &Lab,
    key: &FlowKey,
    packets: &[&Vec<&Frame>],
    proxied: &mut Vec<(String, u16)>,
) -> String {
    let first = &packets[0][0].d;
    let (mut from, to) = (lab.name(first.src), lab.name(first.dst));
    // On a container's loopback, 127.0.0.1 is that container.
    if first.src.is_some_and(|ip| ip.is_loopback()) {
        if let Some(c) = &lab.ifaces[packets[0][0].iface].container {
            from = c.clone();
        }
    }
    match key {
        FlowKey::Ports(6, ..) => {
            let dport = first.dport.unwrap_or(0);
            let mut s = format!("TCP {from} -> {to}.{dport}\n");
            s.push_str(&tcp_note(lab, first, proxied));
            let mut answered = false;
            let mut data = [(0usize, 0usize); 2];
            let mut closed = None;
            for p in packets {
                let d = &p[0].d;
                let Detail::Tcp { flags, len, .. } = &d.detail else {
                    continue;
                };
                let forward = d.src == first.src && d.sport == first.sport;
                match tcp_name(flags) {
                    "SYN" | "SYN-ACK" => {
                        answered |= !forward;
                        let line = hop_line(lab, tcp_name(flags), p);
                        // A retransmission takes the same way again; how
                        // many there are depends on timing, so none is shown.
                        if !s.ends_with(&line) {
                            s.push_str(&line);
                        }
                    }
                    "RST" => {
                        answered = true;
                        s.push_str(&hop_line(lab, "RST", p));
                        if !forward && data == [(0, 0); 2] {
                            s.push_str(&format!(
                                "   refused: nothing listens on {} port {}\n",
                                lab.name(d.src),
                                d.sport.unwrap_or(0)
                            ));
                        }
                        closed = Some("reset");
                    }
                    "FIN" => {
                        closed.get_or_insert("closed with FIN");
                    }
                    _ => {}
                }
                if *len > 0 {
                    let k = usize::from(!forward);
                    data[k].0 += 1;
                    data[k].1 += len;
                }
            }
            if !answered {
                s.push_str(&stop_line(lab, first, packets[0]));
            }
            // Neither packets nor bytes are counted: how writes become
            // segments depends on timing, and a request's size on the
            // client's version (curl's User-Agent).
            if data != [(0, 0); 2] {
                let way = match (data[0].1 > 0, data[1].1 > 0) {
                    (true, true) => format!("to {to} and back"),
                    (true, false) => format!("to {to} only"),
                    _ => format!("from {to} only"),
                };
                s.push_str(&format!(
                    "   data      {way}{}\n",
                    closed.map(|c| format!("; {c}")).unwrap_or_default()
                ));
            }
            s
        }
        FlowKey::Ports(..) => {
            let dport = first.dport.unwrap_or(0);
            let dns = dport == 53;
            let mut s = if dns {
                format!(
                    "DNS {from} -> {to}.53{}\n",
                    if first.dst == Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 11))) {
                        " (the embedded DNS server, in the container's own namespace)"
                    } else {
                        ""
                    }
                )
            } else {
                format!("UDP {from} -> {to}.{dport}\n")
            };
            let mut answered = false;
            // Each question, then its answer: concurrent questions (A and
            // AAAA) are answered in an order timing decides.
            let id = |p: &Vec<&Frame>| match &p[0].d.detail {
                Detail::Udp { dns: Some(q), .. } => Some((q.id, q.qtype.clone(), q.response)),
                _ => None,
            };
            let mut ordered: Vec<&Vec<&Frame>> = Vec::new();
            for p in packets.iter().filter(|p| !id(p).is_some_and(|i| i.2)) {
                ordered.push(p);
                if let Some((qid, qtype, _)) = id(p) {
                    let answer = Some((qid, qtype, true));
                    ordered.extend(packets.iter().filter(|a| id(a) == answer));
                }
            }
            for p in packets {
                if !ordered.iter().any(|o| std::ptr::eq(*o, *p)) {
                    ordered.push(p);
                }
            }
            for p in ordered {
                let d = &p[0].d;
                let forward = d.src == first.src && d.sport == first.sport;
                answered |= !forward;
                let what = match &d.detail {
                    Detail::Udp { dns: Some(q), .. } => decode::dns_text(q),
                    Detail::Udp { len, .. } => format!("{len} bytes"),
                    _ => continue,
                };
                s.push_str(&format!(
                    "   {:<9} {what}: {}\n",
                    if forward { "question" } else { "answer" },
                    lab.hops(p).join(" > ")
                ));
            }
            if !answered {
                s.push_str(&stop_line(lab, first, packets[0]));
            }
            s
        }
        FlowKey::Echo(..) => {
            let mut s = format!("ICMP echo {from} -> {to}\n");
            let mut answered = false;
            for p in packets.iter().take(2) {
                let d = &p[0].d;
                let reply = matches!(&d.detail, Detail::Icmp { kind: 0 | 129, .. });
                answered |= reply;
                s.push_str(&hop_line(lab, if reply { "reply" } else { "request" }, p));
            }
            if !answered {
                s.push_str(&stop_line(lab, first, packets[0]));
            }
            s
        }
        FlowKey::Arp(..) => {
            // Resolution that worked is not news; one that did not, or an
            // ICMP error, is where a path ended.
            let replied = packets
                .iter()
                .any(|p| matches!(p[0].d.detail, Detail::ArpReply(_)));
            let mut s = String::new();
            for p in packets {
                let d = &p[0].d;
                match &d.detail {
                    Detail::ArpRequest if !replied => {
                        s = format!(
                            "ARP who-has {} tell {}\n{}   no reply: nothing on that network has the address\n",
                            lab.name(d.dst),
                            lab.name(d.src),
                            hop_line(lab, "request", p)
                        );
                        break;
                    }
                    Detail::Icmp { .. } => {
                        s.push_str(&format!(
                            "{}\n{}",
                            decode::icmp_text(d, &lab.names),
                            hop_line(lab, &format!("from {}", lab.name(d.src)), p)
                        ));
                    }
                    _ => {}
                }
            }
            s
        }
        FlowKey::Other(_) => String::new(),
    }
}

/// What a TCP connection is, where the lab explains it: a published
/// port's socket on the lab host, or the proxy's own connection.
fn tcp_note(lab: &Lab, d: &Decoded, proxied: &mut Vec<(String, u16)>) -> String {
    let (Some(src), Some(dst), Some(dport)) = (d.src, d.dst, d.dport) else {
        return String::new();
    };
    let to_host = dst.is_loopback() || lab.gateway_of(dst).is_some();
    if to_host {
        if let Some((_, _, c, cp)) = lab
            .published
            .iter()
            .find(|(hp, pr, _, _)| *hp == dport && pr == "tcp")
        {
            proxied.push((c.clone(), *cp));
            return format!(
                "   to the lab host's socket for published port {dport}: the userland proxy accepts it and connects to {c}.{cp}\n"
            );
        }
    }
    if let Some(bridge) = lab.gateway_of(src) {
        let to = lab.name(Some(dst));
        if let Some(k) = proxied.iter().position(|(c, cp)| *c == to && *cp == dport) {
            proxied.remove(k);
            return format!(
                "   the userland proxy's own connection, from {bridge}'s gateway {src}: {to} sees the lab host as its client\n"
            );
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::decode::tests::*;
    use crate::inspect::{TopoContainer, TopoEndpoint, TopoNetwork};
    use std::time::Duration;

    /// ssl-term (172.18.0.3) and flappy (172.18.0.2) on one bridge.
    fn ifaces() -> Vec<Iface> {
        let i = |label: &str,
                 container: Option<&str>,
                 bridge: Option<&str>,
                 peer: Option<&str>,
                 is_bridge| Iface {
            label: label.into(),
            container: container.map(Into::into),
            loopback: label.ends_with("lo"),
            bridge: bridge.map(Into::into),
            peer: peer.map(Into::into),
            is_bridge,
        };
        vec![
            i("br-pub", None, None, None, true),
            i("vetha", None, Some("br-pub"), Some("ssl-term:eth0"), false),
            i("vethb", None, Some("br-pub"), Some("flappy:eth0"), false),
            i("ssl-term:lo", Some("ssl-term"), None, None, false),
            i(
                "ssl-term:eth0",
                Some("ssl-term"),
                Some("br-pub"),
                Some("vetha"),
                false,
            ),
            i(
                "flappy:eth0",
                Some("flappy"),
                Some("br-pub"),
                Some("vethb"),
                false,
            ),
        ]
    }

    fn topology() -> Topology {
        let ep = |ip: &str| TopoEndpoint {
            network: "pub".into(),
            ip: ip.into(),
            ifname: "eth0".into(),
            ip6: None,
        };
        Topology {
            networks: vec![TopoNetwork {
                name: "pub".into(),
                subnet: "172.18.0.0/16".into(),
                gateway: "172.18.0.1".into(),
                bridge: "br-pub".into(),
                subnet6: None,
                gateway6: None,
            }],
            containers: vec![
                TopoContainer {
                    name: "flappy".into(),
                    endpoints: vec![ep("172.18.0.2")],
                    published: vec!["0.0.0.0:8080->80/tcp".into()],
                },
                TopoContainer {
                    name: "ssl-term".into(),
                    endpoints: vec![ep("172.18.0.3")],
                    published: vec![],
                },
            ],
        }
    }

    /// Sightings of `frame` on `path` ((iface, outgoing)), in an order the
    /// clock would not give (hops come from the joins, not the times).
    fn along(t: &mut u64, frame: &[u8], path: &[(usize, bool)]) -> Vec<Seen> {
        let mut v: Vec<Seen> = path
            .iter()
            .map(|&(iface, outgoing)| {
                *t += 1;
                Seen {
                    iface,
                    outgoing,
                    time: Duration::from_nanos(*t),
                    orig_len: frame.len(),
                    data: frame.to_vec(),
                }
            })
            .collect();
        v.reverse();
        v
    }

    const THERE: [(usize, bool); 4] = [(4, true), (1, false), (2, true), (5, false)];
    const BACK: [(usize, bool); 4] = [(5, true), (2, false), (1, true), (4, false)];

    fn swap(mut f: Vec<u8>) -> Vec<u8> {
        // Source and destination addresses and ports, for the way back.
        for k in 0..4 {
            f.swap(26 + k, 30 + k);
        }
        f.swap(34, 36);
        f.swap(35, 37);
        f
    }

    #[test]
    fn an_allowed_path_dns_then_the_connection() {
        let (tops, ifs) = (topology(), ifaces());
        let lab = Lab::new(&ifs, &tops);
        let mut t = 0;
        let mut seen = Vec::new();
        let q = udp(A, [127, 0, 0, 11], 40000, 53, &dns_query("flappy.", 7));
        seen.extend(along(&mut t, &q, &[(3, false)]));
        let a = udp(
            [127, 0, 0, 11],
            A,
            53,
            40000,
            &dns_answer("flappy.", 7, Some(B)),
        );
        seen.extend(along(&mut t, &a, &[(3, false)]));
        seen.extend(along(&mut t, &tcp("S", 44312, 80, &[]), &THERE));
        seen.extend(along(&mut t, &swap(tcp("S.", 44312, 80, &[])), &BACK));
        seen.extend(along(
            &mut t,
            &tcp("P.", 44312, 80, b"GET / HTTP/1.0\r\n\r\n"),
            &THERE,
        ));
        seen.extend(along(&mut t, &swap(tcp("P.", 44312, 80, &[0; 100])), &BACK));
        seen.extend(along(&mut t, &tcp("F.", 44312, 80, &[]), &THERE));
        assert_eq!(
            trace(&lab, &seen),
            "1. DNS ssl-term -> 127.0.0.11.53 (the embedded DNS server, in the container's own namespace)
   question  A? flappy: ssl-term:lo
   answer    A flappy 172.18.0.2: ssl-term:lo
2. TCP ssl-term -> flappy.80
   SYN       ssl-term:eth0 > vetha > br-pub > vethb > flappy:eth0
   SYN-ACK   flappy:eth0 > vethb > br-pub > vetha > ssl-term:eth0
   data      to flappy and back; closed with FIN
"
        );
    }

    #[test]
    fn the_picture_marks_what_each_flow_crossed() {
        let (tops, ifs) = (topology(), ifaces());
        let lab = Lab::new(&ifs, &tops);
        let mut t = 0;
        let q = udp(A, [127, 0, 0, 11], 40000, 53, &dns_query("flappy.", 7));
        let mut seen = along(&mut t, &q, &[(3, false)]);
        seen.extend(along(&mut t, &tcp("S", 44312, 80, &[]), &THERE));
        let (_, paths) = trace_with_paths(&lab, &seen);
        assert_eq!(paths[0], (1, vec!["ssl-term:lo".to_string()]));
        let m = marked(&tops, &paths);
        assert_eq!(m.networks[0].bridge, "br-pub ◀ 2");
        assert_eq!(m.containers[0].endpoints[0].ip, "172.18.0.2  ◀ 2");
        assert_eq!(m.containers[1].endpoints[0].ip, "172.18.0.3  ◀ 2");
    }

    #[test]
    fn a_refused_connection_and_a_blocked_path() {
        let (tops, ifs) = (topology(), ifaces());
        let lab = Lab::new(&ifs, &tops);
        let mut t = 0;
        let mut seen = along(&mut t, &tcp("S", 44312, 81, &[]), &THERE);
        seen.extend(along(&mut t, &swap(tcp("R.", 44312, 81, &[])), &BACK));
        // A SYN for another network's container goes to the gateway (the
        // default route) and no further.
        let mut far = tcp("S", 44313, 80, &[]);
        far[30..34].copy_from_slice(&[172, 19, 0, 2]);
        seen.extend(along(&mut t, &far, &[(4, true), (1, false), (0, false)]));
        assert_eq!(
            trace(&lab, &seen),
            "1. TCP ssl-term -> flappy.81
   SYN       ssl-term:eth0 > vetha > br-pub > vethb > flappy:eth0
   RST       flappy:eth0 > vethb > br-pub > vetha > ssl-term:eth0
   refused: nothing listens on flappy port 81
2. TCP ssl-term -> 172.19.0.2.80
   SYN       ssl-term:eth0 > vetha > br-pub
   stopped at br-pub: it reached the lab host, which forwards nothing between networks
"
        );
    }

    #[test]
    fn the_proxys_two_connections() {
        let ifs = {
            let mut v = ifaces();
            v.push(Iface {
                label: "lo".into(),
                container: None,
                loopback: true,
                bridge: None,
                peer: None,
                is_bridge: false,
            });
            v
        };
        let tops = topology();
        let lab = Lab::new(&ifs, &tops);
        let mut t = 0;
        let mut to_host = tcp("S", 50000, 8080, &[]);
        to_host[26..30].copy_from_slice(&[127, 0, 0, 1]);
        to_host[30..34].copy_from_slice(&[127, 0, 0, 1]);
        let mut seen = along(&mut t, &to_host, &[(6, false)]);
        let mut proxied = tcp("S", 50001, 80, &[]);
        proxied[26..30].copy_from_slice(&[172, 18, 0, 1]);
        let direct = along(&mut t, &proxied, &[(0, true), (2, true), (5, false)]);
        // Alone, the lab host's connection to flappy is its own, not the proxy's.
        assert_eq!(
            trace(&lab, &direct),
            "1. TCP 172.18.0.1 -> flappy.80
   SYN       br-pub > vethb > flappy:eth0
   no answer; last seen on flappy:eth0
"
        );
        seen.extend(direct);
        let text = trace(&lab, &seen);
        assert_eq!(
            text,
            "1. TCP 127.0.0.1 -> 127.0.0.1.8080
   to the lab host's socket for published port 8080: the userland proxy accepts it and connects to flappy.80
   SYN       lo
   no answer; last seen on lo
2. TCP 172.18.0.1 -> flappy.80
   the userland proxy's own connection, from br-pub's gateway 172.18.0.1: flappy sees the lab host as its client
   SYN       br-pub > vethb > flappy:eth0
   no answer; last seen on flappy:eth0
"
        );
    }
}
