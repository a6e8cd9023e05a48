//! One captured frame as facts (addresses, ports, flags, DNS question or
//! answer) and as tcpdump's one-line summary with the lab's names. Pure:
//! bytes in, text out.

use etherparse::{LaxNetSlice, LaxSlicedPacket, TransportSlice};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Arp,
    /// ICMP over IPv4 (tcpdump's `icmp` means only that).
    Icmp,
    /// Every ICMPv6 message: echoes and neighbour discovery alike.
    Icmp6,
    Tcp,
    Udp,
    /// Another IP protocol, IPv6, or another ethertype.
    Other,
}

/// What the filter and the trace look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub proto: Proto,
    /// IP source and destination (IPv4 or IPv6); for ARP, sender and
    /// target.
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub sport: Option<u16>,
    pub dport: Option<u16>,
    /// IPv4's identification (IPv6 has none: a digest of the payload
    /// stands in): with the rest, one packet seen on several interfaces.
    pub ip_id: u16,
    pub detail: Detail,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    ArpRequest,
    /// The sender's hardware address.
    ArpReply([u8; 6]),
    /// echo request/reply with id and seq, else type and code.
    Icmp {
        kind: u8,
        code: u8,
        id_seq: Option<(u16, u16)>,
        /// For an error: the protocol and destination port it quotes.
        quoted: Option<(u8, Ipv4Addr, u16)>,
        len: usize,
    },
    Tcp {
        /// tcpdump's letters: S F R P U and `.` for ACK.
        flags: String,
        seq: u32,
        ack: Option<u32>,
        win: u16,
        len: usize,
    },
    Udp {
        len: usize,
        dns: Option<Dns>,
    },
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dns {
    pub id: u16,
    pub response: bool,
    /// "A", "AAAA", "PTR", ...
    pub qtype: String,
    /// Without the trailing dot.
    pub name: String,
    /// NOERROR, NXDOMAIN, ...: responses only.
    pub rcode: String,
    /// A records' addresses (and other records' types), in order.
    pub answers: Vec<String>,
}

/// Container names by address, from the lab.
pub type Names = BTreeMap<IpAddr, String>;

fn mac(b: &[u8]) -> [u8; 6] {
    let mut m = [0; 6];
    for (d, s) in m.iter_mut().zip(b) {
        *d = *s;
    }
    m
}

fn ip4(b: &[u8]) -> Option<Ipv4Addr> {
    <[u8; 4]>::try_from(b).ok().map(Ipv4Addr::from)
}

pub fn decode(frame: &[u8]) -> Decoded {
    let other = |what: String| Decoded {
        proto: Proto::Other,
        src: None,
        dst: None,
        sport: None,
        dport: None,
        ip_id: 0,
        detail: Detail::Other(what),
    };
    let Ok(p) = LaxSlicedPacket::from_ethernet(frame) else {
        return other(format!("truncated frame, length {}", frame.len()));
    };
    let ip = match &p.net {
        Some(LaxNetSlice::Arp(a)) => {
            let request = a.operation().0 == 1;
            return Decoded {
                proto: Proto::Arp,
                src: ip4(a.sender_protocol_addr()).map(IpAddr::V4),
                dst: ip4(a.target_protocol_addr()).map(IpAddr::V4),
                sport: None,
                dport: None,
                ip_id: 0,
                detail: if request {
                    Detail::ArpRequest
                } else {
                    Detail::ArpReply(mac(a.sender_hw_addr()))
                },
            };
        }
        Some(LaxNetSlice::Ipv4(ip)) => {
            let h = ip.header();
            let payload = (h.total_len() as usize).saturating_sub(h.slice().len());
            (
                IpAddr::V4(h.source_addr()),
                IpAddr::V4(h.destination_addr()),
                payload,
                h.identification(),
                h.protocol().0,
            )
        }
        Some(LaxNetSlice::Ipv6(ip)) => {
            let h = ip.header();
            // What follows the 14-byte Ethernet and 40-byte IPv6 headers,
            // folded to 16 bits: the same on every interface it crosses.
            let digest = frame
                .get(54..)
                .unwrap_or_default()
                .iter()
                .fold(0x811c_9dc5u32, |h, b| {
                    (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
                });
            (
                IpAddr::V6(h.source_addr()),
                IpAddr::V6(h.destination_addr()),
                h.payload_length() as usize,
                (digest ^ (digest >> 16)) as u16,
                h.next_header().0,
            )
        }
        None => {
            let ethertype = p
                .link
                .as_ref()
                .and_then(|l| l.to_header())
                .and_then(|h| h.ethernet2().map(|e| e.ether_type.0));
            return other(match ethertype {
                Some(t) => format!("ethertype 0x{t:04x}, length {}", frame.len()),
                None => format!("length {}", frame.len()),
            });
        }
    };
    let (src, dst, ip_payload, ip_id, protocol) = ip;
    let base = |proto, sport, dport, detail| Decoded {
        proto,
        src: Some(src),
        dst: Some(dst),
        sport,
        dport,
        ip_id,
        detail,
    };
    match &p.transport {
        Some(TransportSlice::Tcp(t)) => {
            let mut flags = String::new();
            for (on, c) in [
                (t.syn(), 'S'),
                (t.fin(), 'F'),
                (t.rst(), 'R'),
                (t.psh(), 'P'),
                (t.urg(), 'U'),
                (t.ack(), '.'),
            ] {
                if on {
                    flags.push(c);
                }
            }
            let len = ip_payload.saturating_sub(t.header_len());
            base(
                Proto::Tcp,
                Some(t.source_port()),
                Some(t.destination_port()),
                Detail::Tcp {
                    flags,
                    seq: t.sequence_number(),
                    ack: t.ack().then(|| t.acknowledgment_number()),
                    win: t.window_size(),
                    len,
                },
            )
        }
        Some(TransportSlice::Udp(u)) => {
            let (sport, dport) = (u.source_port(), u.destination_port());
            let dns = if sport == 53 || dport == 53 {
                dns(u.payload())
            } else {
                None
            };
            base(
                Proto::Udp,
                Some(sport),
                Some(dport),
                Detail::Udp {
                    len: (u.length() as usize).saturating_sub(8),
                    dns,
                },
            )
        }
        Some(TransportSlice::Icmpv4(i)) => {
            let (kind, code) = (i.type_u8(), i.code_u8());
            let b = i.bytes5to8();
            let id_seq = matches!(kind, 0 | 8).then(|| {
                (
                    u16::from_be_bytes([b[0], b[1]]),
                    u16::from_be_bytes([b[2], b[3]]),
                )
            });
            // Errors quote the IP header and 8 bytes of what they refuse.
            let quoted = (kind == 3).then(|| quoted_port(i.payload())).flatten();
            base(
                Proto::Icmp,
                None,
                None,
                Detail::Icmp {
                    kind,
                    code,
                    id_seq,
                    quoted,
                    len: ip_payload,
                },
            )
        }
        Some(TransportSlice::Icmpv6(i)) => {
            let (kind, code) = (i.type_u8(), i.code_u8());
            let b = i.bytes5to8();
            let id_seq = matches!(kind, 128 | 129).then(|| {
                (
                    u16::from_be_bytes([b[0], b[1]]),
                    u16::from_be_bytes([b[2], b[3]]),
                )
            });
            // Neighbour discovery names its target after 4 reserved bytes.
            let target = matches!(kind, 135 | 136)
                .then(|| <[u8; 16]>::try_from(i.payload().get(..16)?).ok())
                .flatten()
                .map(std::net::Ipv6Addr::from);
            let detail = match (kind, id_seq) {
                (_, Some(_)) => Detail::Icmp {
                    kind,
                    code,
                    id_seq,
                    quoted: None,
                    len: ip_payload,
                },
                _ => Detail::Other(icmp6_words(kind, code, target, ip_payload)),
            };
            base(Proto::Icmp6, None, None, detail)
        }
        _ => base(
            Proto::Other,
            None,
            None,
            Detail::Other(format!("ip-proto-{protocol}, length {ip_payload}")),
        ),
    }
}

/// tcpdump's words for an ICMPv6 message other than an echo.
fn icmp6_words(kind: u8, code: u8, target: Option<std::net::Ipv6Addr>, len: usize) -> String {
    let t = |what: &str| match target {
        Some(a) => format!("ICMP6, {what} {a}, length {len}"),
        None => format!("ICMP6, type {kind}, length {len}"),
    };
    match kind {
        1 => {
            let why = match code {
                0 => "unreachable route",
                3 => "unreachable address",
                4 => "unreachable port",
                _ => "destination unreachable",
            };
            format!("ICMP6, destination unreachable, {why}, length {len}")
        }
        133 => format!("ICMP6, router solicitation, length {len}"),
        134 => format!("ICMP6, router advertisement, length {len}"),
        135 => t("neighbor solicitation, who has"),
        136 => t("neighbor advertisement, tgt is"),
        143 => format!("ICMP6, multicast listener report v2, length {len}"),
        _ => format!("ICMP6, type {kind}, code {code}, length {len}"),
    }
}

fn quoted_port(q: &[u8]) -> Option<(u8, Ipv4Addr, u16)> {
    let ihl = (*q.first()? & 0x0f) as usize * 4;
    let proto = *q.get(9)?;
    let dst = ip4(q.get(16..20)?)?;
    let port = u16::from_be_bytes([*q.get(ihl + 2)?, *q.get(ihl + 3)?]);
    Some((proto, dst, port))
}

fn dns(payload: &[u8]) -> Option<Dns> {
    use hickory_proto::op::Message;
    use hickory_proto::rr::RData;
    let m = Message::from_vec(payload).ok()?;
    let q = m.queries.first()?;
    let name = q.name().to_ascii();
    Some(Dns {
        id: m.metadata.id,
        response: m.metadata.message_type == hickory_proto::op::MessageType::Response,
        qtype: q.query_type().to_string(),
        name: name.trim_end_matches('.').to_string(),
        rcode: rcode_name(u16::from(m.metadata.response_code)),
        answers: m
            .answers
            .iter()
            .map(|r| match &r.data {
                RData::A(a) => a.0.to_string(),
                RData::AAAA(a) => a.0.to_string(),
                other => other.record_type().to_string(),
            })
            .collect(),
    })
}

/// RFC 1035's names, as dig prints them.
fn rcode_name(code: u16) -> String {
    match code {
        0 => "NOERROR".into(),
        1 => "FORMERR".into(),
        2 => "SERVFAIL".into(),
        3 => "NXDOMAIN".into(),
        4 => "NOTIMP".into(),
        5 => "REFUSED".into(),
        n => format!("RCODE{n}"),
    }
}

fn host(ip: IpAddr, names: &Names) -> String {
    names.get(&ip).cloned().unwrap_or_else(|| ip.to_string())
}

fn endpoint(ip: Option<IpAddr>, port: Option<u16>, names: &Names) -> String {
    let h = ip.map(|ip| host(ip, names)).unwrap_or_default();
    match port {
        Some(p) => format!("{h}.{p}"),
        None => h,
    }
}

fn fmt_mac(m: &[u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The DNS part of a line: `A? flappy` or `A flappy 172.19.0.2`,
/// `NXDOMAIN A? nx.example`.
pub fn dns_text(d: &Dns) -> String {
    if !d.response {
        return format!("{}? {}", d.qtype, d.name);
    }
    if d.rcode != "NOERROR" {
        return format!("{} {}? {}", d.rcode, d.qtype, d.name);
    }
    if d.answers.is_empty() {
        return format!("{} {} (no records)", d.qtype, d.name);
    }
    format!("{} {} {}", d.qtype, d.name, d.answers.join(" "))
}

/// ICMP as tcpdump words it.
pub fn icmp_text(d: &Decoded, names: &Names) -> String {
    let Detail::Icmp {
        kind,
        code,
        id_seq,
        quoted,
        len,
    } = &d.detail
    else {
        return String::new();
    };
    match (kind, id_seq, quoted) {
        (128, Some((id, seq)), _) => {
            format!("ICMP6, echo request, id {id}, seq {seq}, length {len}")
        }
        (129, Some((id, seq)), _) => {
            format!("ICMP6, echo reply, id {id}, seq {seq}, length {len}")
        }
        (8, Some((id, seq)), _) => format!("ICMP echo request, id {id}, seq {seq}, length {len}"),
        (0, Some((id, seq)), _) => format!("ICMP echo reply, id {id}, seq {seq}, length {len}"),
        (3, _, Some((proto, dst, port))) if *code == 3 => {
            let p = match proto {
                6 => "tcp",
                17 => "udp",
                _ => "ip",
            };
            format!(
                "ICMP {} {p} port {port} unreachable, length {len}",
                host(IpAddr::V4(*dst), names)
            )
        }
        (3, _, Some((_, dst, _))) => {
            let why = match code {
                0 => "net",
                1 => "host",
                2 => "protocol",
                _ => "destination",
            };
            format!(
                "ICMP {} {why} unreachable, length {len}",
                host(IpAddr::V4(*dst), names)
            )
        }
        _ => format!("ICMP type {kind}, code {code}, length {len}"),
    }
}

/// tcpdump's summary of a frame, addresses replaced by the lab's names:
/// `IP ssl-term.44312 > flappy.80: Flags [S], seq 1, win 64240, length 0`.
pub fn summary(d: &Decoded, names: &Names) -> String {
    let name = |ip: Option<IpAddr>| ip.map(|ip| host(ip, names)).unwrap_or_default();
    // tcpdump's IPv6 lines start with IP6.
    let ip = if matches!(d.src, Some(IpAddr::V6(_))) {
        "IP6"
    } else {
        "IP"
    };
    match &d.detail {
        Detail::ArpRequest => format!(
            "ARP, Request who-has {} tell {}, length 28",
            name(d.dst),
            name(d.src)
        ),
        Detail::ArpReply(m) => {
            format!("ARP, Reply {} is-at {}, length 28", name(d.src), fmt_mac(m))
        }
        Detail::Icmp { .. } => format!(
            "{ip} {} > {}: {}",
            name(d.src),
            name(d.dst),
            icmp_text(d, names)
        ),
        Detail::Tcp {
            flags,
            seq,
            ack,
            win,
            len,
        } => {
            let ack = ack.map(|a| format!(", ack {a}")).unwrap_or_default();
            format!(
                "{ip} {} > {}: Flags [{flags}], seq {seq}{ack}, win {win}, length {len}",
                endpoint(d.src, d.sport, names),
                endpoint(d.dst, d.dport, names)
            )
        }
        Detail::Udp { len, dns } => {
            let what = match dns {
                Some(q) => format!("DNS {} ({len})", dns_text(q)),
                None => format!("UDP, length {len}"),
            };
            format!(
                "{ip} {} > {}: {what}",
                endpoint(d.src, d.sport, names),
                endpoint(d.dst, d.dport, names)
            )
        }
        Detail::Other(what) => match (d.src, d.dst) {
            (Some(_), Some(_)) => format!("{ip} {} > {}: {what}", name(d.src), name(d.dst)),
            _ => what.clone(),
        },
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use etherparse::PacketBuilder;

    pub const MAC_A: [u8; 6] = [2, 0x42, 172, 18, 0, 3];
    pub const MAC_B: [u8; 6] = [2, 0x42, 172, 18, 0, 2];
    pub const A: [u8; 4] = [172, 18, 0, 3];
    pub const B: [u8; 4] = [172, 18, 0, 2];

    pub fn names() -> Names {
        let mut n = Names::new();
        n.insert(A.into(), "ssl-term".into());
        n.insert(B.into(), "flappy".into());
        n
    }

    pub fn tcp(flags: &str, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
        let mut b = PacketBuilder::ethernet2(MAC_A, MAC_B)
            .ipv4(A, B, 64)
            .tcp(sport, dport, 1000, 64240);
        for f in flags.chars() {
            b = match f {
                'S' => b.syn(),
                'F' => b.fin(),
                'R' => b.rst(),
                'P' => b.psh(),
                '.' => b.ack(2000),
                _ => b,
            };
        }
        let mut out = Vec::new();
        b.write(&mut out, payload).unwrap();
        out
    }

    pub fn udp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        PacketBuilder::ethernet2(MAC_A, MAC_B)
            .ipv4(src, dst, 64)
            .udp(sport, dport)
            .write(&mut out, payload)
            .unwrap();
        out
    }

    pub fn icmp_echo(src: [u8; 4], dst: [u8; 4], reply: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let b = PacketBuilder::ethernet2(MAC_A, MAC_B).ipv4(src, dst, 64);
        let b = if reply {
            b.icmpv4_echo_reply(7, 1)
        } else {
            b.icmpv4_echo_request(7, 1)
        };
        b.write(&mut out, &[0; 56]).unwrap();
        out
    }

    pub fn arp(request: bool) -> Vec<u8> {
        let mut f = vec![0xff; 6];
        f.extend(MAC_A);
        f.extend([
            0x08,
            0x06,
            0,
            1,
            0x08,
            0,
            6,
            4,
            0,
            if request { 1 } else { 2 },
        ]);
        f.extend(MAC_A);
        f.extend(A);
        f.extend([0; 6]);
        f.extend(B);
        f
    }

    pub fn dns_query(name: &str, id: u16) -> Vec<u8> {
        use hickory_proto::op::{Message, MessageType, OpCode, Query};
        use hickory_proto::rr::{Name, RecordType};
        let mut m = Message::new(id, MessageType::Query, OpCode::Query);
        m.add_query(Query::query(Name::from_ascii(name).unwrap(), RecordType::A));
        m.to_vec().unwrap()
    }

    pub fn dns_answer(name: &str, id: u16, addr: Option<[u8; 4]>) -> Vec<u8> {
        use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
        use hickory_proto::rr::{rdata, Name, RData, Record, RecordType};
        let mut m = Message::new(id, MessageType::Response, OpCode::Query);
        let n = Name::from_ascii(name).unwrap();
        m.add_query(Query::query(n.clone(), RecordType::A));
        match addr {
            Some(a) => {
                m.add_answer(Record::from_rdata(n, 600, RData::A(rdata::A(a.into()))));
            }
            None => {
                m.metadata.response_code = ResponseCode::NXDomain;
            }
        }
        m.to_vec().unwrap()
    }

    #[test]
    fn tcp_lines_have_tcpdumps_shape_with_names() {
        let s = |f: &[u8]| summary(&decode(f), &names());
        assert_eq!(
            s(&tcp("S", 44312, 80, &[])),
            "IP ssl-term.44312 > flappy.80: Flags [S], seq 1000, win 64240, length 0"
        );
        assert_eq!(
            s(&tcp("P.", 44312, 80, b"GET /")),
            "IP ssl-term.44312 > flappy.80: Flags [P.], seq 1000, ack 2000, win 64240, length 5"
        );
        assert_eq!(
            s(&tcp("R.", 44312, 81, &[])),
            "IP ssl-term.44312 > flappy.81: Flags [R.], seq 1000, ack 2000, win 64240, length 0"
        );
    }

    #[test]
    fn dns_questions_and_answers() {
        let q = decode(&udp(
            A,
            [127, 0, 0, 11],
            40000,
            53,
            &dns_query("flappy.", 0x1234),
        ));
        assert_eq!(
            summary(&q, &names()),
            "IP ssl-term.40000 > 127.0.0.11.53: DNS A? flappy (24)"
        );
        let a = decode(&udp(
            [127, 0, 0, 11],
            A,
            53,
            40000,
            &dns_answer("flappy.", 0x1234, Some(B)),
        ));
        assert_eq!(
            summary(&a, &names()),
            "IP 127.0.0.11.53 > ssl-term.40000: DNS A flappy 172.18.0.2 (40)"
        );
        let nx = decode(&udp(
            [127, 0, 0, 11],
            A,
            53,
            40000,
            &dns_answer("nx.", 1, None),
        ));
        assert!(
            summary(&nx, &names()).ends_with("DNS NXDOMAIN A? nx (20)"),
            "{}",
            summary(&nx, &names())
        );
        // Not DNS on port 53: plain UDP.
        let junk = decode(&udp(A, B, 40000, 53, b"hello"));
        assert_eq!(
            summary(&junk, &names()),
            "IP ssl-term.40000 > flappy.53: UDP, length 5"
        );
    }

    #[test]
    fn icmp_and_arp() {
        assert_eq!(
            summary(&decode(&icmp_echo(A, B, false)), &names()),
            "IP ssl-term > flappy: ICMP echo request, id 7, seq 1, length 64"
        );
        assert_eq!(
            summary(&decode(&icmp_echo(B, A, true)), &names()),
            "IP flappy > ssl-term: ICMP echo reply, id 7, seq 1, length 64"
        );
        assert_eq!(
            summary(&decode(&arp(true)), &names()),
            "ARP, Request who-has flappy tell ssl-term, length 28"
        );
        assert_eq!(
            summary(&decode(&arp(false)), &names()),
            "ARP, Reply ssl-term is-at 02:42:ac:12:00:03, length 28"
        );
    }

    #[test]
    fn truncated_frames_still_give_their_headers() {
        let full = tcp("P.", 44312, 80, &[7; 1000]);
        let cut = decode(&full[..96]);
        assert_eq!(cut.proto, Proto::Tcp);
        assert!(
            summary(&cut, &names()).ends_with("length 1000"),
            "{}",
            summary(&cut, &names())
        );
        assert_eq!(decode(&full[..10]).proto, Proto::Other);
    }

    #[test]
    fn ipv6_frames_in_tcpdumps_words_with_the_labs_names() {
        let a6: [u8; 16] = "fd00:1::3".parse::<std::net::Ipv6Addr>().unwrap().octets();
        let b6: [u8; 16] = "fd00:1::2".parse::<std::net::Ipv6Addr>().unwrap().octets();
        let mut n = names();
        n.insert(IpAddr::from(a6), "bb".into());
        n.insert(IpAddr::from(b6), "fl".into());
        let mut syn = Vec::new();
        PacketBuilder::ethernet2(MAC_A, MAC_B)
            .ipv6(a6, b6, 64)
            .tcp(41000, 80, 1000, 64800)
            .syn()
            .write(&mut syn, &[])
            .unwrap();
        let d = decode(&syn);
        assert_eq!((d.proto, d.dport), (Proto::Tcp, Some(80)));
        assert_eq!(
            summary(&d, &n),
            "IP6 bb.41000 > fl.80: Flags [S], seq 1000, win 64800, length 0"
        );
        // Unnamed addresses as tcpdump prints them.
        assert_eq!(
            summary(&d, &Names::new()),
            "IP6 fd00:1::3.41000 > fd00:1::2.80: Flags [S], seq 1000, win 64800, length 0"
        );
        for (reply, words) in [(false, "echo request"), (true, "echo reply")] {
            let mut ping = Vec::new();
            let b = PacketBuilder::ethernet2(MAC_A, MAC_B).ipv6(a6, b6, 64);
            let b = if reply {
                b.icmpv6_echo_reply(7, 1)
            } else {
                b.icmpv6_echo_request(7, 1)
            };
            b.write(&mut ping, &[0; 56]).unwrap();
            let d = decode(&ping);
            assert_eq!(d.proto, Proto::Icmp6);
            assert_eq!(
                summary(&d, &n),
                format!("IP6 bb > fl: ICMP6, {words}, id 7, seq 1, length 64")
            );
        }
        // A neighbour solicitation names its target.
        let mut ns = Vec::new();
        PacketBuilder::ethernet2(MAC_A, MAC_B)
            .ipv6(a6, b6, 255)
            .icmpv6_raw(135, 0, [0; 4])
            .write(&mut ns, &b6)
            .unwrap();
        assert_eq!(
            summary(&decode(&ns), &n),
            "IP6 bb > fl: ICMP6, neighbor solicitation, who has fd00:1::2, length 24"
        );
        // The same packet on two interfaces has the same stand-in id.
        assert_eq!(decode(&syn).ip_id, decode(&syn.clone()).ip_id);
    }
}
