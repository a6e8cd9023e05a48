//! Docker's embedded DNS server (127.0.0.11), as Docker 20.10 answers.
//!
//! `answer` is the whole protocol: one query packet in, one reply packet out,
//! no I/O. `serve` only moves bytes between sockets the engine bound inside a
//! container's network namespace and `answer`. Every server runs on
//! [`DnsRuntime`], a thread of its own, never on the engine's.
//!
//! Deliberate differences from Docker: there is no upstream in a lab, so names
//! the engine does not know get NXDOMAIN at once (Docker would forward them,
//! and time out when the upstream is unreachable); and A records keep the
//! engine's order (Docker shuffles several addresses).
//!
//! Wire shape follows the captures (`02-user-network-dns.txt`): no name
//! compression and no OPT record in replies, so `dig` shows the same
//! "MSG SIZE rcvd" (46 bytes for `flappy A`, 98 for the PTR).

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use hickory_proto::op::{Header, Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, PTR};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{
    BinDecodable, BinDecoder, BinEncodable, BinEncoder, NameEncoding,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::JoinSet;

use crate::sys::backoff::Backoff;

/// What the engine knows, as seen by one asking container (scope = networks it shares with the target).
pub trait Records: Send + Sync + 'static {
    /// IPv4 addresses for `name` (already lower-cased, without trailing dot) as seen by container `asker` (full container id). None = unknown name.
    fn lookup_a(&self, asker: &str, name: &str) -> Option<Vec<std::net::Ipv4Addr>>;
    /// Reverse lookup: "name.network" (no trailing dot) for an address the asker can see.
    fn lookup_ptr(&self, asker: &str, ip: std::net::Ipv4Addr) -> Option<String>;
}

/// Docker's embedded DNS answers with this TTL (libnetwork `respTTL`).
const TTL: u32 = 600;

/// Plain DNS over UDP without EDNS may carry 512 bytes (RFC 1035 4.2.1).
const UDP_MIN_PAYLOAD: usize = 512;

/// A TCP message has a 16-bit length prefix.
const TCP_MAX_MESSAGE: usize = u16::MAX as usize;

/// Pure: builds the reply for one query packet. None = drop (unparseable beyond a header).
///
/// Also None for packets with the QR bit set: a server never answers an
/// answer, or two resolvers could bounce packets forever (Docker drops them
/// too). The reply is not truncated for UDP; `serve` does that.
pub fn answer(query: &[u8], asker: &str, records: &dyn Records) -> Option<Vec<u8>> {
    respond(query, asker, records, Transport::Tcp)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Transport {
    Udp,
    Tcp,
}

fn respond(
    query: &[u8],
    asker: &str,
    records: &dyn Records,
    transport: Transport,
) -> Option<Vec<u8>> {
    // Read the header alone first: with it we can still say FORMERR/NOTIMP
    // to the right id when the rest is garbage.
    let header = Header::read(&mut BinDecoder::new(query)).ok()?;
    let meta = header.metadata;
    if meta.message_type == MessageType::Response {
        return None;
    }

    let mut reply = Message::response(meta.id, meta.op_code);
    // Like miekg/dns `SetReply` plus libnetwork's `setCommonFlags`: RD and CD
    // copied, RA set, never AA.
    reply.metadata.recursion_desired = meta.recursion_desired;
    reply.metadata.checking_disabled = meta.checking_disabled;
    reply.metadata.recursion_available = true;

    if meta.op_code != OpCode::Query {
        reply.metadata.response_code = ResponseCode::NotImp;
        return encode(&reply);
    }
    let request = match Message::from_vec(query) {
        Ok(m) if m.queries.len() == 1 => m,
        // Docker (miekg/dns) rejects anything but exactly one question.
        _ => {
            reply.metadata.response_code = ResponseCode::FormErr;
            return encode(&reply);
        }
    };
    let question = &request.queries[0];
    reply.add_query(question.clone());

    // Lower-case for the lookup only: the reply echoes the name as asked
    // (`dig FLAPPY` gets `FLAPPY. 600 IN A`).
    let mut key = question.name().to_ascii();
    key.make_ascii_lowercase();
    if key.ends_with('.') {
        key.pop();
    }

    // Only a full d.c.b.a.in-addr.arpa name is a reverse lookup; any other
    // PTR question is treated like an unsupported type below.
    let reverse = match question.query_type() {
        RecordType::PTR => ptr_target(question.name()),
        _ => None,
    };
    match (question.query_type(), reverse) {
        (RecordType::A, _) => match records.lookup_a(asker, &key) {
            Some(ips) => {
                for ip in ips {
                    reply.add_answer(Record::from_rdata(
                        question.name().clone(),
                        TTL,
                        RData::A(A(ip)),
                    ));
                }
            }
            None => reply.metadata.response_code = ResponseCode::NXDomain,
        },
        (RecordType::PTR, Some(ip)) => {
            let target = records.lookup_ptr(asker, ip);
            match target.map(|t| Name::from_ascii(format!("{t}."))) {
                Some(Ok(name)) => {
                    reply.add_answer(Record::from_rdata(
                        question.name().clone(),
                        TTL,
                        RData::PTR(PTR(name)),
                    ));
                }
                // The engine gave a name DNS cannot carry: its bug, not the asker's.
                Some(Err(_)) => reply.metadata.response_code = ResponseCode::ServFail,
                None => reply.metadata.response_code = ResponseCode::NXDomain,
            }
        }
        // AAAA, MX and the rest: a known name exists but has no such data
        // (NOERROR, no answers), as Docker answers AAAA and MX.
        _ => {
            if records.lookup_a(asker, &key).is_none() {
                reply.metadata.response_code = ResponseCode::NXDomain;
            }
        }
    }

    let limit = match transport {
        Transport::Tcp => TCP_MAX_MESSAGE,
        Transport::Udp => usize::from(request.max_payload()).max(UDP_MIN_PAYLOAD),
    };
    let bytes = encode(&reply)?;
    if bytes.len() <= limit {
        return Some(bytes);
    }
    // Too big for the transport: header and question with TC set, so the
    // client retries over TCP (what miekg's `Truncate` amounts to here).
    reply.answers.clear();
    reply.metadata.truncation = true;
    encode(&reply)
}

/// `d.c.b.a.in-addr.arpa.` -> a.b.c.d; anything else (partial names,
/// ip6.arpa) is not a container address.
fn ptr_target(name: &Name) -> Option<Ipv4Addr> {
    let net = name.parse_arpa_name().ok()?;
    match net.addr() {
        std::net::IpAddr::V4(ip) if net.prefix_len() == 32 => Some(ip),
        _ => None,
    }
}

/// Encodes without name compression, as Docker's miekg/dns does, so replies
/// have Docker's sizes byte for byte.
fn encode(message: &Message) -> Option<Vec<u8>> {
    let mut buf = Vec::with_capacity(128);
    let mut encoder = BinEncoder::new(&mut buf);
    encoder.set_name_encoding(NameEncoding::Uncompressed);
    message.emit(&mut encoder).ok()?;
    Some(buf)
}

/// Timeouts for TCP clients; tests shorten them.
#[derive(Clone, Copy, Debug)]
struct TcpLimits {
    /// Between two messages on one connection (miekg/dns uses 8 s).
    idle: Duration,
    /// For the rest of a message once its length arrived, and for writing a reply.
    io: Duration,
    /// Open connections at once; more are closed at accept, so a client
    /// cannot exhaust the engine's file descriptors.
    max_conns: usize,
}

const TCP_LIMITS: TcpLimits = TcpLimits {
    idle: Duration::from_secs(5),
    io: Duration::from_secs(2),
    max_conns: 64,
};

/// The runtime every embedded DNS server of a lab runs on: a thread with a
/// tokio runtime of its own. The engine's thread does synchronous work
/// (container create and start write files and mount), and a reply written
/// to a slow client once stalled it; an answer must never wait behind
/// either, so DNS shares nothing with the engine but the lock-light view it
/// answers from.
#[derive(Clone)]
pub struct DnsRuntime(tokio::runtime::Handle);

impl DnsRuntime {
    /// Starts the thread; it runs as long as the process.
    pub fn start() -> std::io::Result<DnsRuntime> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = rt.handle().clone();
        std::thread::Builder::new()
            .name("netlings-dns".into())
            .spawn(move || rt.block_on(std::future::pending::<()>()))?;
        Ok(DnsRuntime(handle))
    }

    /// Serves `asker` (see [`serve`]) on sockets bound, non-blocking, in
    /// its network namespace; aborting the handle stops the server and
    /// closes them.
    pub fn serve(
        &self,
        udp: std::net::UdpSocket,
        tcp: std::net::TcpListener,
        asker: String,
        records: Arc<dyn Records>,
    ) -> std::io::Result<tokio::task::AbortHandle> {
        // Registered with this runtime's reactor, not the caller's.
        let _here = self.0.enter();
        let udp = UdpSocket::from_std(udp)?;
        let tcp = TcpListener::from_std(tcp)?;
        Ok(self.0.spawn(serve(udp, tcp, asker, records)).abort_handle())
    }
}

/// Serves UDP and TCP (2-byte length prefix) on sockets the engine already bound inside the container's netns.
/// Runs until the sockets are dropped/the task is aborted; never panics, never stops on bad input.
pub async fn serve(udp: UdpSocket, tcp: TcpListener, asker: String, records: Arc<dyn Records>) {
    serve_with(udp, tcp, asker, records, TCP_LIMITS).await
}

async fn serve_with(
    udp: UdpSocket,
    tcp: TcpListener,
    asker: String,
    records: Arc<dyn Records>,
    limits: TcpLimits,
) {
    let asker: Arc<str> = Arc::from(asker);
    let name = tcp
        .local_addr()
        .map_or_else(|_| "?".into(), |a| a.to_string());
    let who = if asker.is_empty() {
        "the lab host".to_string()
    } else {
        asker.chars().take(12).collect()
    };
    // Both loops share this task, so aborting it stops everything; TCP
    // connections live in a JoinSet owned by serve_tcp, which aborts them
    // when dropped.
    tokio::join!(
        serve_udp(
            &udp,
            &asker,
            &*records,
            Backoff::new(format!("dns {name}/udp of {who}"))
        ),
        serve_tcp(
            &tcp,
            &asker,
            &records,
            limits,
            Backoff::new(format!("dns {name}/tcp of {who}"))
        )
    );
}

/// The hot path: one buffer, no task and no lock per packet.
async fn serve_udp(udp: &UdpSocket, asker: &str, records: &dyn Records, mut errors: Backoff) {
    // Room for any datagram, so a big one is never cut and mistaken for garbage.
    let mut buf = vec![0u8; 65_536];
    loop {
        let (len, peer) = match udp.recv_from(&mut buf).await {
            Ok(got) => got,
            Err(e) => {
                pause_after(&e, &mut errors).await;
                continue;
            }
        };
        if let Some(reply) = respond(&buf[..len], asker, records, Transport::Udp) {
            // A client gone away is its problem; UDP promises nothing.
            let _ = udp.send_to(&reply, peer).await;
        }
    }
}

async fn serve_tcp(
    tcp: &TcpListener,
    asker: &Arc<str>,
    records: &Arc<dyn Records>,
    limits: TcpLimits,
    mut errors: Backoff,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = tcp.accept() => match accepted {
                Ok((stream, _)) if conns.len() < limits.max_conns => {
                    conns.spawn(serve_conn(stream, asker.clone(), records.clone(), limits));
                }
                Ok(_) => {} // over the limit: dropping the stream closes it
                Err(e) => pause_after(&e, &mut errors).await,
            },
            // Reap finished connections so `len()` counts live ones.
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

/// Several queries per connection (RFC 7766), closed after `limits.idle`
/// without one.
async fn serve_conn(
    mut stream: TcpStream,
    asker: Arc<str>,
    records: Arc<dyn Records>,
    limits: TcpLimits,
) {
    let _ = stream.set_nodelay(true);
    let mut msg = Vec::new();
    loop {
        let mut len = [0u8; 2];
        if !matches!(
            tokio::time::timeout(limits.idle, stream.read_exact(&mut len)).await,
            Ok(Ok(_))
        ) {
            return;
        }
        msg.resize(usize::from(u16::from_be_bytes(len)), 0);
        if !matches!(
            tokio::time::timeout(limits.io, stream.read_exact(&mut msg)).await,
            Ok(Ok(_))
        ) {
            return;
        }
        let Some(reply) = answer(&msg, &asker, &*records) else {
            continue;
        };
        // respond() keeps TCP replies within u16, so the prefix is exact.
        let Ok(reply_len) = u16::try_from(reply.len()) else {
            return;
        };
        let mut out = Vec::with_capacity(2 + reply.len());
        out.extend_from_slice(&reply_len.to_be_bytes());
        out.extend_from_slice(&reply);
        if !matches!(
            tokio::time::timeout(limits.io, stream.write_all(&out)).await,
            Ok(Ok(()))
        ) {
            return;
        }
    }
}

/// Errors a client can cause (an ICMP error for an earlier reply, a
/// connection reset before accept) are retried at once; anything else (out
/// of file descriptors, memory) is logged and gets a short pause, so the
/// loop neither spins nor stops.
async fn pause_after(e: &std::io::Error, errors: &mut Backoff) {
    if let Some(pause) = errors.after(e) {
        tokio::time::sleep(pause).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::Query;
    use std::collections::HashMap;
    use std::sync::Mutex;

    const ASKER: &str = "c0ffee";

    /// Two containers on flappy-public; "outsider" shares no network.
    #[derive(Default)]
    struct Fake {
        a: HashMap<String, Vec<Ipv4Addr>>,
        ptr: HashMap<Ipv4Addr, String>,
        asked: Mutex<Vec<String>>,
    }

    impl Fake {
        fn lab() -> Self {
            let mut f = Fake::default();
            let flappy = Ipv4Addr::new(172, 18, 0, 2);
            f.a.insert("flappy".into(), vec![flappy]);
            f.a.insert("flappy.flappy-public".into(), vec![flappy]);
            f.a.insert("528c8ec091a7".into(), vec![flappy]);
            f.a.insert("ssl-term".into(), vec![Ipv4Addr::new(172, 18, 0, 3)]);
            f.a.insert(
                "web".into(),
                vec![Ipv4Addr::new(10, 0, 0, 2), Ipv4Addr::new(10, 0, 0, 1)],
            );
            f.ptr.insert(flappy, "flappy.flappy-public".into());
            f
        }
    }

    impl Records for Fake {
        fn lookup_a(&self, asker: &str, name: &str) -> Option<Vec<Ipv4Addr>> {
            self.asked.lock().unwrap().push(name.to_string());
            if asker != ASKER {
                return None;
            }
            self.a.get(name).cloned()
        }
        fn lookup_ptr(&self, asker: &str, ip: Ipv4Addr) -> Option<String> {
            if asker != ASKER {
                return None;
            }
            self.ptr.get(&ip).cloned()
        }
    }

    fn query_msg(id: u16, name: &str, rtype: RecordType) -> Message {
        let mut m = Message::new(id, MessageType::Query, OpCode::Query);
        m.metadata.recursion_desired = true;
        m.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
        m
    }

    fn query(id: u16, name: &str, rtype: RecordType) -> Vec<u8> {
        query_msg(id, name, rtype).to_vec().unwrap()
    }

    fn ask(records: &Fake, id: u16, name: &str, rtype: RecordType) -> (Vec<u8>, Message) {
        let bytes = answer(&query(id, name, rtype), ASKER, records).expect("a reply");
        let msg = Message::from_vec(&bytes).expect("reply parses");
        (bytes, msg)
    }

    fn a_addrs(msg: &Message) -> Vec<Ipv4Addr> {
        msg.answers
            .iter()
            .map(|r| match &r.data {
                RData::A(A(ip)) => *ip,
                other => panic!("not an A record: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_record_is_docker_shaped() {
        let f = Fake::lab();
        let (bytes, msg) = ask(&f, 3906, "flappy.", RecordType::A);
        // dig: "MSG SIZE rcvd: 46", flags "qr rd ra".
        assert_eq!(bytes.len(), 46);
        assert_eq!(msg.metadata.id, 3906);
        assert_eq!(msg.metadata.message_type, MessageType::Response);
        assert_eq!(msg.metadata.op_code, OpCode::Query);
        assert!(msg.metadata.recursion_desired);
        assert!(msg.metadata.recursion_available);
        assert!(!msg.metadata.authoritative);
        assert!(!msg.metadata.truncation);
        assert_eq!(msg.metadata.response_code, ResponseCode::NoError);
        assert_eq!(msg.queries.len(), 1);
        assert_eq!(msg.queries[0].name().to_ascii(), "flappy.");
        assert_eq!(msg.queries[0].query_type(), RecordType::A);
        assert_eq!(msg.answers.len(), 1);
        assert_eq!(msg.answers[0].name.to_ascii(), "flappy.");
        assert_eq!(msg.answers[0].ttl, 600);
        assert_eq!(a_addrs(&msg), vec![Ipv4Addr::new(172, 18, 0, 2)]);
        assert!(msg.additionals.is_empty() && msg.edns.is_none());
        assert_eq!(*f.asked.lock().unwrap(), vec!["flappy".to_string()]);
    }

    #[test]
    fn name_dot_network_and_short_id() {
        let f = Fake::lab();
        let (bytes, msg) = ask(&f, 22239, "flappy.flappy-public.", RecordType::A);
        assert_eq!(bytes.len(), 74);
        assert_eq!(msg.answers[0].name.to_ascii(), "flappy.flappy-public.");
        assert_eq!(a_addrs(&msg), vec![Ipv4Addr::new(172, 18, 0, 2)]);
        let (_, msg) = ask(&f, 1, "528c8ec091a7", RecordType::A);
        assert_eq!(a_addrs(&msg), vec![Ipv4Addr::new(172, 18, 0, 2)]);
    }

    #[test]
    fn case_insensitive_but_echoed_as_asked() {
        let f = Fake::lab();
        let (bytes, msg) = ask(&f, 10555, "FLAPPY.", RecordType::A);
        assert_eq!(bytes.len(), 46);
        assert_eq!(msg.queries[0].name().to_ascii(), "FLAPPY.");
        assert_eq!(msg.answers[0].name.to_ascii(), "FLAPPY.");
        assert_eq!(a_addrs(&msg), vec![Ipv4Addr::new(172, 18, 0, 2)]);
        let (_, msg) = ask(&f, 2, "Flappy.Flappy-Public.", RecordType::A);
        assert_eq!(msg.answers[0].name.to_ascii(), "Flappy.Flappy-Public.");
        assert_eq!(
            *f.asked.lock().unwrap(),
            vec!["flappy".to_string(), "flappy.flappy-public".to_string()]
        );
    }

    #[test]
    fn several_addresses_keep_engine_order() {
        let f = Fake::lab();
        let (_, msg) = ask(&f, 5, "web", RecordType::A);
        assert_eq!(
            a_addrs(&msg),
            vec![Ipv4Addr::new(10, 0, 0, 2), Ipv4Addr::new(10, 0, 0, 1)]
        );
        assert!(msg.answers.iter().all(|r| r.ttl == 600));
    }

    #[test]
    fn rd_is_copied_not_forced() {
        let f = Fake::lab();
        let mut q = query_msg(77, "flappy", RecordType::A);
        q.metadata.recursion_desired = false;
        let reply = Message::from_vec(&answer(&q.to_vec().unwrap(), ASKER, &f).unwrap()).unwrap();
        assert!(!reply.metadata.recursion_desired);
        assert!(reply.metadata.recursion_available);
        assert_eq!(a_addrs(&reply), vec![Ipv4Addr::new(172, 18, 0, 2)]);
    }

    #[test]
    fn other_types_of_a_known_name_are_empty_noerror() {
        let f = Fake::lab();
        for (id, rtype) in [
            (15578, RecordType::AAAA),
            (28402, RecordType::MX),
            (9, RecordType::TXT),
            (10, RecordType::ANY),
        ] {
            let (bytes, msg) = ask(&f, id, "flappy", rtype);
            assert_eq!(msg.metadata.id, id);
            assert_eq!(msg.metadata.response_code, ResponseCode::NoError, "{rtype}");
            assert!(msg.answers.is_empty(), "{rtype}");
            assert_eq!(msg.queries[0].query_type(), rtype);
            // dig: "MSG SIZE rcvd: 24" for AAAA and MX.
            assert_eq!(bytes.len(), 24, "{rtype}");
        }
    }

    #[test]
    fn unknown_names_are_nxdomain_for_every_type() {
        let f = Fake::lab();
        for rtype in [
            RecordType::A,
            RecordType::AAAA,
            RecordType::MX,
            RecordType::PTR,
        ] {
            let (_, msg) = ask(&f, 36083, "no-such-container", rtype);
            assert_eq!(
                msg.metadata.response_code,
                ResponseCode::NXDomain,
                "{rtype}"
            );
            assert_eq!(msg.metadata.id, 36083);
            assert!(msg.answers.is_empty());
            assert_eq!(msg.queries[0].name().to_ascii(), "no-such-container.");
            assert!(msg.metadata.recursion_available);
        }
    }

    #[test]
    fn names_are_scoped_to_the_asker() {
        let f = Fake::lab();
        let reply = answer(&query(4, "flappy", RecordType::A), "outsider", &f).unwrap();
        let msg = Message::from_vec(&reply).unwrap();
        assert_eq!(msg.metadata.response_code, ResponseCode::NXDomain);
        let reply = answer(
            &query(4, "2.0.18.172.in-addr.arpa", RecordType::PTR),
            "outsider",
            &f,
        )
        .unwrap();
        let msg = Message::from_vec(&reply).unwrap();
        assert_eq!(msg.metadata.response_code, ResponseCode::NXDomain);
    }

    #[test]
    fn ptr_answers_name_dot_network() {
        let f = Fake::lab();
        let (bytes, msg) = ask(&f, 37224, "2.0.18.172.in-addr.arpa.", RecordType::PTR);
        assert_eq!(bytes.len(), 98);
        assert_eq!(msg.metadata.response_code, ResponseCode::NoError);
        assert_eq!(msg.answers.len(), 1);
        assert_eq!(msg.answers[0].name.to_ascii(), "2.0.18.172.in-addr.arpa.");
        assert_eq!(msg.answers[0].ttl, 600);
        match &msg.answers[0].data {
            RData::PTR(PTR(name)) => assert_eq!(name.to_ascii(), "flappy.flappy-public."),
            other => panic!("not a PTR: {other:?}"),
        }
        // Upper-case arpa labels are still a reverse name.
        let (_, msg) = ask(&f, 1, "2.0.18.172.IN-ADDR.ARPA.", RecordType::PTR);
        assert_eq!(msg.answers.len(), 1);
    }

    #[test]
    fn unknown_or_partial_ptr_is_nxdomain() {
        let f = Fake::lab();
        for name in [
            "9.0.18.172.in-addr.arpa.",
            "18.172.in-addr.arpa.",
            "2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.",
        ] {
            let (_, msg) = ask(&f, 3, name, RecordType::PTR);
            assert_eq!(msg.metadata.response_code, ResponseCode::NXDomain, "{name}");
            assert!(msg.answers.is_empty());
        }
    }

    #[test]
    fn malformed_after_a_good_header_is_formerr_with_id() {
        let f = Fake::lab();
        let good = query(0xBEEF, "flappy", RecordType::A);
        // Header claims one question, body is garbage.
        let mut bad = good[..12].to_vec();
        bad.extend_from_slice(&[0xC0, 0xFF, 0x01]);
        // No question at all, and two questions.
        let mut none = good[..12].to_vec();
        none[5] = 0;
        let mut two = query_msg(0xBEEF, "flappy", RecordType::A);
        two.add_query(Query::query(
            Name::from_ascii("web.").unwrap(),
            RecordType::A,
        ));
        for packet in [bad, none, two.to_vec().unwrap(), good[..20].to_vec()] {
            let reply = answer(&packet, ASKER, &f).expect("FORMERR reply");
            let msg = Message::from_vec(&reply).unwrap();
            assert_eq!(msg.metadata.id, 0xBEEF);
            assert_eq!(msg.metadata.response_code, ResponseCode::FormErr);
            assert_eq!(msg.metadata.message_type, MessageType::Response);
            assert!(msg.answers.is_empty());
        }
    }

    #[test]
    fn no_header_or_a_response_is_dropped() {
        let f = Fake::lab();
        assert_eq!(answer(&[], ASKER, &f), None);
        assert_eq!(answer(&[0x12, 0x34, 0x01], ASKER, &f), None);
        let good = query(7, "flappy", RecordType::A);
        assert_eq!(answer(&good[..11], ASKER, &f), None);
        // A reply fed back in must not be answered.
        let reply = answer(&good, ASKER, &f).unwrap();
        assert_eq!(answer(&reply, ASKER, &f), None);
    }

    #[test]
    fn other_opcodes_are_notimp() {
        let f = Fake::lab();
        for op in [
            OpCode::Status,
            OpCode::Notify,
            OpCode::Update,
            OpCode::Unknown(9),
        ] {
            let mut q = query_msg(4242, "flappy", RecordType::A);
            q.metadata.op_code = op;
            let reply = answer(&q.to_vec().unwrap(), ASKER, &f).expect("NOTIMP reply");
            let msg = Message::from_vec(&reply).unwrap();
            assert_eq!(msg.metadata.id, 4242);
            assert_eq!(msg.metadata.op_code, op);
            assert_eq!(msg.metadata.response_code, ResponseCode::NotImp);
            assert!(msg.answers.is_empty());
        }
    }

    #[test]
    fn udp_replies_over_512_bytes_are_truncated() {
        let mut f = Fake::lab();
        let many: Vec<Ipv4Addr> = (0..200).map(|i| Ipv4Addr::new(10, 1, 0, i as u8)).collect();
        f.a.insert("crowd".into(), many.clone());
        let q = query(11, "crowd", RecordType::A);
        let full = Message::from_vec(&answer(&q, ASKER, &f).unwrap()).unwrap();
        assert_eq!(a_addrs(&full), many);
        assert!(!full.metadata.truncation);
        let udp = respond(&q, ASKER, &f, Transport::Udp).unwrap();
        assert!(udp.len() <= 512);
        let msg = Message::from_vec(&udp).unwrap();
        assert!(msg.metadata.truncation);
        assert!(msg.answers.is_empty());
        assert_eq!(msg.queries[0].name().to_ascii(), "crowd.");
        // A small answer is not touched.
        let small = respond(
            &query(12, "flappy", RecordType::A),
            ASKER,
            &f,
            Transport::Udp,
        )
        .unwrap();
        assert_eq!(small.len(), 46);
    }

    /// xorshift64*: deterministic noise without a rand dependency.
    struct Noise(u64);
    impl Noise {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
    }

    /// Whatever comes back must be a parseable response to the same id.
    fn check_reply(packet: &[u8], f: &Fake) -> bool {
        for transport in [Transport::Udp, Transport::Tcp] {
            if let Some(reply) = respond(packet, ASKER, f, transport) {
                let msg = Message::from_vec(&reply).expect("our reply parses");
                assert_eq!(msg.metadata.message_type, MessageType::Response);
                assert_eq!(&reply[..2], &packet[..2], "id echoed");
                if transport == Transport::Udp {
                    assert!(reply.len() <= 65_535);
                }
            } else {
                return false;
            }
        }
        true
    }

    #[test]
    fn garbage_never_panics() {
        let f = Fake::lab();
        let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
        let mut answered = 0;
        for _ in 0..20_000 {
            let len = (noise.next() % 300) as usize;
            let mut packet: Vec<u8> = (0..len).map(|_| noise.next() as u8).collect();
            // Make half of them plausible queries (QR clear, opcode 0, one
            // question) so the parser gets past the header.
            if len >= 12 && noise.next() & 1 == 0 {
                packet[2] &= 0x07;
                packet[4] = 0;
                packet[5] = 1;
            }
            if check_reply(&packet, &f) {
                answered += 1;
            }
        }
        assert!(answered > 1000, "only {answered} answered");
    }

    #[test]
    fn every_truncation_and_bit_flip_of_a_query_is_safe() {
        let f = Fake::lab();
        let good = query(0x5151, "flappy.flappy-public", RecordType::A);
        for cut in 0..good.len() {
            let answered = check_reply(&good[..cut], &f);
            // Short of a header: dropped; with a header: FORMERR.
            assert_eq!(answered, cut >= 12, "cut at {cut}");
        }
        for bit in 0..good.len() * 8 {
            let mut flipped = good.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            check_reply(&flipped, &f);
        }
    }

    async fn start(limits: TcpLimits) -> (SocketAddrs, tokio::task::JoinHandle<()>) {
        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addrs = SocketAddrs {
            udp: udp.local_addr().unwrap(),
            tcp: tcp.local_addr().unwrap(),
        };
        let records: Arc<dyn Records> = Arc::new(Fake::lab());
        let task = tokio::spawn(serve_with(udp, tcp, ASKER.to_string(), records, limits));
        (addrs, task)
    }

    struct SocketAddrs {
        udp: std::net::SocketAddr,
        tcp: std::net::SocketAddr,
    }

    async fn read_tcp_reply(stream: &mut TcpStream) -> Message {
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).await.unwrap();
        let mut body = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut body).await.unwrap();
        Message::from_vec(&body).unwrap()
    }

    #[tokio::test]
    async fn serves_udp_and_tcp() {
        let limits = TcpLimits {
            idle: Duration::from_millis(300),
            ..TCP_LIMITS
        };
        let (addrs, task) = start(limits).await;
        let run = async {
            // UDP: garbage first, then a real query on the same socket.
            let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            client.connect(addrs.udp).await.unwrap();
            client.send(&[1, 2, 3]).await.unwrap();
            client
                .send(&query(1000, "FLAPPY", RecordType::A))
                .await
                .unwrap();
            let mut buf = [0u8; 1500];
            let n = client.recv(&mut buf).await.unwrap();
            let msg = Message::from_vec(&buf[..n]).unwrap();
            assert_eq!(msg.metadata.id, 1000);
            assert_eq!(msg.answers[0].name.to_ascii(), "FLAPPY.");
            assert_eq!(a_addrs(&msg), vec![Ipv4Addr::new(172, 18, 0, 2)]);
            client
                .send(&query(1001, "nope", RecordType::A))
                .await
                .unwrap();
            let n = client.recv(&mut buf).await.unwrap();
            let msg = Message::from_vec(&buf[..n]).unwrap();
            assert_eq!(
                (msg.metadata.id, msg.metadata.response_code),
                (1001, ResponseCode::NXDomain)
            );

            // TCP: two pipelined queries and one later query on one connection.
            let mut stream = TcpStream::connect(addrs.tcp).await.unwrap();
            let mut out = Vec::new();
            for (id, name, rtype) in [
                (2000, "ssl-term", RecordType::A),
                (2001, "2.0.18.172.in-addr.arpa", RecordType::PTR),
            ] {
                let q = query(id, name, rtype);
                out.extend_from_slice(&(q.len() as u16).to_be_bytes());
                out.extend_from_slice(&q);
            }
            stream.write_all(&out).await.unwrap();
            let first = read_tcp_reply(&mut stream).await;
            assert_eq!(first.metadata.id, 2000);
            assert_eq!(a_addrs(&first), vec![Ipv4Addr::new(172, 18, 0, 3)]);
            let second = read_tcp_reply(&mut stream).await;
            assert_eq!(second.metadata.id, 2001);
            match &second.answers[0].data {
                RData::PTR(PTR(name)) => assert_eq!(name.to_ascii(), "flappy.flappy-public."),
                other => panic!("not a PTR: {other:?}"),
            }
            // Garbage with a length prefix is skipped, the connection stays.
            stream.write_all(&[0, 3, 9, 9, 9]).await.unwrap();
            let q = query(2002, "flappy", RecordType::AAAA);
            stream
                .write_all(&(q.len() as u16).to_be_bytes())
                .await
                .unwrap();
            stream.write_all(&q).await.unwrap();
            let third = read_tcp_reply(&mut stream).await;
            assert_eq!((third.metadata.id, third.answers.len()), (2002, 0));
            assert_eq!(third.metadata.response_code, ResponseCode::NoError);

            // An idle connection is closed by the server.
            let started = std::time::Instant::now();
            let mut rest = Vec::new();
            let n = stream.read_to_end(&mut rest).await.unwrap();
            assert_eq!(n, 0);
            assert!(started.elapsed() >= Duration::from_millis(250));
        };
        tokio::time::timeout(Duration::from_secs(10), run)
            .await
            .expect("test timed out");
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
    }

    #[tokio::test]
    async fn abort_closes_open_tcp_connections() {
        let (addrs, task) = start(TCP_LIMITS).await;
        let mut stream = TcpStream::connect(addrs.tcp).await.unwrap();
        let q = query(1, "flappy", RecordType::A);
        stream
            .write_all(&(q.len() as u16).to_be_bytes())
            .await
            .unwrap();
        stream.write_all(&q).await.unwrap();
        assert_eq!(read_tcp_reply(&mut stream).await.metadata.id, 1);
        task.abort();
        let _ = task.await;
        // Well before the 5 s idle timeout, the connection is gone.
        let mut rest = Vec::new();
        let closed =
            tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut rest)).await;
        assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "{closed:?}");
    }
}
