//! Docker's embedded DNS server (127.0.0.11), as Docker 20.10 answers
//! (libnetwork `resolver.go`).
//!
//! `respond` is the protocol: one query packet in, one reply packet out (or
//! "forward it", or "drop it"), no I/O. `serve` moves bytes between the
//! sockets the engine bound inside a container's network namespace and
//! `respond`, and forwards what the lab does not know to the container's
//! `--dns` servers. Every server runs on [`DnsRuntime`], a thread of its
//! own, never on the engine's.
//!
//! What is answered, as Docker does:
//! - A: the addresses, shuffled (a uniform random permutation, Go's
//!   `shuffleAddr`) when there are several; a seeded sequence in
//!   deterministic labs, so lessons print the same bytes every time;
//! - AAAA: the IPv6 addresses (on a network with `--ipv6`), shuffled alike;
//!   AAAA of a name known without IPv6, and MX of a known name: NOERROR
//!   without answers;
//! - PTR of `d.c.b.a.in-addr.arpa.` or of an address's 32 nibbles
//!   `.ip6.arpa.` (lower case, as libnetwork matches the suffix):
//!   `name.network.`; a PTR name with neither `.in-addr.arpa.` nor
//!   `.ip6.arpa.` at its end gets no reply at all;
//! - everything else, and names the lab does not know, is forwarded to the
//!   container's `--dns` servers (at most 3, 4 s each, from the container's
//!   own network namespace). Without `--dns`, Docker forwards to the host's
//!   resolvers; a lab host's resolver knows no names, so the answer is
//!   NXDOMAIN at once, without the round trip;
//! - with `--dns-option ndots:N` set by the user, an A or AAAA question for
//!   a name without a dot the lab does not know gets NOERROR without
//!   answers instead of being forwarded (the client then tries its search
//!   domains).
//!
//! Wire shape follows the captures (`02-user-network-dns.txt`): no name
//! compression and no OPT record in replies, so `dig` shows the same
//! "MSG SIZE rcvd" (46 bytes for `flappy A`, 98 for the PTR).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_proto::op::{Header, Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, PTR};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{
    BinDecodable, BinDecoder, BinEncodable, BinEncoder, NameEncoding,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::sys::backoff::Backoff;

/// What the engine knows, as seen by one asking container (scope = networks it shares with the target).
pub trait Records: Send + Sync + 'static {
    /// IPv4 addresses for `name` (as asked: case kept, no trailing dot) as
    /// seen by container `asker` (full container id). None = unknown name.
    /// Which parts compare case-insensitively is the records' business.
    fn lookup_a(&self, asker: &str, name: &str) -> Option<Vec<std::net::Ipv4Addr>>;
    /// Reverse lookup: "name.network" (no trailing dot) for an address the asker can see.
    fn lookup_ptr(&self, asker: &str, ip: std::net::Ipv4Addr) -> Option<String>;
    /// IPv6 addresses for `name`, found as `lookup_a` finds the name: Some
    /// and empty for a name known without IPv6. By default, none.
    fn lookup_aaaa(&self, asker: &str, name: &str) -> Option<Vec<std::net::Ipv6Addr>> {
        self.lookup_a(asker, name).map(|_| Vec::new())
    }
    /// Reverse lookup of an IPv6 address; by default, none.
    fn lookup_ptr6(&self, _asker: &str, _ip: std::net::Ipv6Addr) -> Option<String> {
        None
    }
}

/// Docker's embedded DNS answers with this TTL (libnetwork `respTTL`).
const TTL: u32 = 600;

/// Plain DNS over UDP without EDNS may carry 512 bytes (RFC 1035 4.2.1).
const UDP_MIN_PAYLOAD: usize = 512;

/// A TCP message has a 16-bit length prefix.
const TCP_MAX_MESSAGE: usize = u16::MAX as usize;

/// libnetwork `maxExtDNS`: only the first three `--dns` servers are tried.
pub const MAX_EXT_DNS: usize = 3;

/// libnetwork `extIOTimeout`: for connecting to, writing to and reading
/// from one external server.
pub const EXT_IO_TIMEOUT: Duration = Duration::from_secs(4);

/// Forwarded queries in flight per container; more are dropped (Docker
/// allows 1024 and then tries the next server, which ends the same way),
/// so a flood of unknown names cannot pile up tasks or sockets.
const MAX_IN_FLIGHT: usize = 128;

/// The order of several addresses in an answer.
pub struct Shuffle(Option<Mutex<u64>>);

impl Shuffle {
    /// As the records give them (for tests of other things).
    pub fn keep() -> Shuffle {
        Shuffle(None)
    }
    /// Random, as Docker (seeded from the OS).
    pub fn random() -> Shuffle {
        use std::hash::{BuildHasher, Hasher};
        let seed = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        Shuffle::seeded(seed)
    }
    /// The same permutations, in the same order, for the same seed: a
    /// deterministic lab's answers are reproducible.
    pub fn seeded(seed: u64) -> Shuffle {
        Shuffle(Some(Mutex::new(seed | 1)))
    }
    /// Go's `shuffleAddr`: Fisher-Yates from the end.
    pub fn apply<T>(&self, items: &mut [T]) {
        let Some(state) = &self.0 else {
            return;
        };
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        for i in (1..items.len()).rev() {
            // xorshift64*
            *s ^= *s >> 12;
            *s ^= *s << 25;
            *s ^= *s >> 27;
            let r = s.wrapping_mul(0x2545_F491_4F6C_DD1D);
            let j = (r % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// The external servers of one container (`--dns`) and whether the user
/// set `ndots` (`--dns-option ndots:N`).
#[derive(Clone, Debug, Default)]
pub struct Upstream {
    pub servers: Vec<Ipv4Addr>,
    pub ndots_set: bool,
}

/// Opens sockets in the asking container's network namespace, as Docker
/// dials external servers from the container's (`ExecFunc`): forwarded
/// queries go where the container's own traffic could, never elsewhere.
/// Both are blocking calls; the server makes them on the blocking pool.
pub trait Dial: Send + Sync + 'static {
    /// A UDP socket bound to an ephemeral port.
    fn udp(&self) -> std::io::Result<std::net::UdpSocket>;
    /// A TCP connection to `to`, given up after `timeout`.
    fn tcp(&self, to: SocketAddr, timeout: Duration) -> std::io::Result<std::net::TcpStream>;
}

/// Everything one container's server answers with.
pub struct Answerer {
    /// The container's full id ("" for the lab host's resolver).
    pub asker: String,
    pub records: Arc<dyn Records>,
    pub shuffle: Arc<Shuffle>,
    pub upstream: Upstream,
}

/// What to do with one query.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Reply(Vec<u8>),
    /// The lab does not know: ask the external servers.
    Forward,
    /// No reply at all.
    Drop,
}

/// Pure: builds the reply for one query packet. None = drop (unparseable
/// beyond a header, or a PTR name that is no reverse name).
///
/// Also None for packets with the QR bit set: a server never answers an
/// answer, or two resolvers could bounce packets forever (Docker drops them
/// too). The reply is not truncated for UDP; `serve` does that. Addresses
/// keep the records' order, and what would be forwarded is NXDOMAIN.
pub fn answer(query: &[u8], asker: &str, records: &dyn Records) -> Option<Vec<u8>> {
    let a = Answerer {
        asker: asker.to_string(),
        records: Arc::new(NoneKnown),
        shuffle: Arc::new(Shuffle::keep()),
        upstream: Upstream::default(),
    };
    match respond_with(query, &a, records, Transport::Tcp) {
        Outcome::Reply(r) => Some(r),
        Outcome::Forward | Outcome::Drop => None,
    }
}

/// Records that know nothing (what the lab host's resolver answers from).
pub struct NoneKnown;

impl Records for NoneKnown {
    fn lookup_a(&self, _: &str, _: &str) -> Option<Vec<Ipv4Addr>> {
        None
    }
    fn lookup_ptr(&self, _: &str, _: Ipv4Addr) -> Option<String> {
        None
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Transport {
    Udp,
    Tcp,
}

fn respond(query: &[u8], a: &Answerer, transport: Transport) -> Outcome {
    respond_with(query, a, &*a.records, transport)
}

fn respond_with(
    query: &[u8],
    a: &Answerer,
    records: &dyn Records,
    transport: Transport,
) -> Outcome {
    let reply = |m: &Message| encode(m).map_or(Outcome::Drop, Outcome::Reply);
    // Read the header alone first: with it we can still say FORMERR/NOTIMP
    // to the right id when the rest is garbage.
    let Ok(header) = Header::read(&mut BinDecoder::new(query)) else {
        return Outcome::Drop;
    };
    let meta = header.metadata;
    if meta.message_type == MessageType::Response {
        return Outcome::Drop;
    }

    let mut msg = Message::response(meta.id, meta.op_code);
    // Like miekg/dns `SetReply` plus libnetwork's `setCommonFlags`: RD and CD
    // copied, RA set, never AA.
    msg.metadata.recursion_desired = meta.recursion_desired;
    msg.metadata.checking_disabled = meta.checking_disabled;
    msg.metadata.recursion_available = true;

    if meta.op_code != OpCode::Query {
        msg.metadata.response_code = ResponseCode::NotImp;
        return reply(&msg);
    }
    let request = match Message::from_vec(query) {
        Ok(m) if m.queries.len() == 1 => m,
        // Docker (miekg/dns) rejects anything but exactly one question.
        _ => {
            msg.metadata.response_code = ResponseCode::FormErr;
            return reply(&msg);
        }
    };
    let question = &request.queries[0];
    msg.add_query(question.clone());

    // The name as asked, without its trailing dot: the records decide
    // which parts compare case-insensitively, and the reply echoes it as
    // asked (`dig FLAPPY` gets `FLAPPY. 600 IN A`).
    let fqdn = question.name().to_ascii();
    let key = fqdn.strip_suffix('.').unwrap_or(&fqdn);

    let qtype = question.query_type();
    let known = match qtype {
        RecordType::A => match records.lookup_a(&a.asker, key) {
            Some(mut ips) => {
                a.shuffle.apply(&mut ips);
                for ip in ips {
                    msg.add_answer(Record::from_rdata(
                        question.name().clone(),
                        TTL,
                        RData::A(A(ip)),
                    ));
                }
                true
            }
            None => false,
        },
        // A name on an IPv6 network: its IPv6 addresses, shuffled as A
        // records are. A known name without such data: NOERROR, no answers
        // (libnetwork's ipv6Miss, and its "implicit MX").
        RecordType::AAAA => match records.lookup_aaaa(&a.asker, key) {
            Some(mut ips) => {
                a.shuffle.apply(&mut ips);
                for ip in ips {
                    msg.add_answer(Record::from_rdata(
                        question.name().clone(),
                        TTL,
                        RData::AAAA(AAAA(ip)),
                    ));
                }
                true
            }
            None => false,
        },
        RecordType::MX => records.lookup_a(&a.asker, key).is_some(),
        RecordType::PTR => {
            let Some(reverse) = reverse_name(&fqdn) else {
                // libnetwork: "invalid PTR query", and no reply.
                return Outcome::Drop;
            };
            let target = reverse.and_then(|ip| match ip {
                IpAddr::V4(ip) => records.lookup_ptr(&a.asker, ip),
                IpAddr::V6(ip) => records.lookup_ptr6(&a.asker, ip),
            });
            match target {
                Some(target) => match Name::from_ascii(format!("{target}.")) {
                    Ok(name) => {
                        msg.add_answer(Record::from_rdata(
                            question.name().clone(),
                            TTL,
                            RData::PTR(PTR(name)),
                        ));
                        true
                    }
                    // The engine gave a name DNS cannot carry: its bug, not the asker's.
                    Err(_) => {
                        msg.metadata.response_code = ResponseCode::ServFail;
                        true
                    }
                },
                None => false,
            }
        }
        // SRV (swarm services only), TXT and the rest: not the lab's.
        _ => false,
    };
    if !known {
        let single_label = !key.contains('.');
        if a.upstream.ndots_set && single_label && matches!(qtype, RecordType::A | RecordType::AAAA)
        {
            // Empty NOERROR: the client goes on with its search domains.
        } else if !a.upstream.servers.is_empty() {
            return Outcome::Forward;
        } else {
            // What the lab host's resolver, Docker's upstream here, answers.
            msg.metadata.response_code = ResponseCode::NXDomain;
        }
    }

    let limit = match transport {
        // miekg's `MaxMsgSize - 1`, as libnetwork limits TCP replies.
        Transport::Tcp => TCP_MAX_MESSAGE - 1,
        Transport::Udp => usize::from(request.max_payload()).max(UDP_MIN_PAYLOAD),
    };
    let Some(bytes) = encode(&msg) else {
        return Outcome::Drop;
    };
    // (TC here means the encoder could not fit every answer in 64 KiB.)
    let cut = bytes.get(2).is_some_and(|flags| flags & 0x02 != 0);
    if bytes.len() <= limit && !cut {
        return Outcome::Reply(bytes);
    }
    // Too big for the transport: libnetwork's `truncateResp` drops answers
    // from the end until the reply fits, and over UDP sets TC so the client
    // may retry over TCP. All answers of one reply have the same size.
    // (The encoder may have cut the answers itself at 64 KiB and set TC:
    // the sizes are measured anew.)
    msg.metadata.truncation = transport == Transport::Udp;
    let mut answers = std::mem::take(&mut msg.answers);
    let (Some(bare), Some(first)) = (encode(&msg), answers.first().cloned()) else {
        return reply(&msg);
    };
    msg.answers = vec![first];
    let each = encode(&msg).map_or(usize::MAX, |one| one.len() - bare.len());
    answers.truncate(limit.saturating_sub(bare.len()) / each.max(1));
    msg.answers = answers;
    reply(&msg)
}

/// A PTR question's name (with its trailing dot, as sent), as libnetwork
/// reads it: None if it ends in neither `.in-addr.arpa.` nor `.ip6.arpa.`
/// (compared in lower case only); Some(None) for one that names no
/// container address (partial, or not `a.b.c.d` written as Go writes an
/// address; for IPv6, not 32 lower-case nibbles).
fn reverse_name(fqdn: &str) -> Option<Option<IpAddr>> {
    if let Some(rev) = fqdn.strip_suffix(".in-addr.arpa.") {
        let parts: Vec<&str> = rev.split('.').collect();
        let [d, c, b, a] = parts[..] else {
            return Some(None);
        };
        let ip: Option<Ipv4Addr> = format!("{a}.{b}.{c}.{d}").parse().ok();
        // libnetwork compares with the reversed `ip.String()`: "02" is no "2".
        return Some(
            ip.filter(|ip| {
                let o = ip.octets();
                format!("{}.{}.{}.{}", o[3], o[2], o[1], o[0]) == rev
            })
            .map(IpAddr::V4),
        );
    }
    let rev = fqdn.strip_suffix(".ip6.arpa.")?;
    // Docker 20.10 answers `nslookup fd00:1::99` (the full nibble form).
    let nibbles: Vec<&str> = rev.split('.').collect();
    let ok = nibbles.len() == 32
        && nibbles.iter().all(|n| {
            n.len() == 1
                && n.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
    if !ok {
        return Some(None);
    }
    let hex: String = nibbles.iter().rev().copied().collect();
    Some(
        u128::from_str_radix(&hex, 16)
            .ok()
            .map(|v| IpAddr::V6(Ipv6Addr::from(v))),
    )
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

/// Asks the external servers in turn, as libnetwork's `ServeDNS` does: a
/// NOERROR reply, or an authoritative NXDOMAIN, ends the search; any other
/// reply is kept while the next server is tried, and the last one kept is
/// the answer; a server that does not answer in time makes the kept reply
/// go (None: the client gets nothing and times out, as on Docker).
async fn forward(
    query: &[u8],
    servers: &[Ipv4Addr],
    transport: Transport,
    dial: &Arc<dyn Dial>,
    (port, timeout): (u16, Duration),
) -> Option<Vec<u8>> {
    let mut kept = None;
    for server in servers.iter().take(MAX_EXT_DNS) {
        let to = SocketAddr::from((*server, port));
        let got = match transport {
            Transport::Udp => exchange_udp(query, to, dial, timeout).await,
            Transport::Tcp => exchange_tcp(query, to, dial, timeout).await,
        };
        let reply = match got {
            Exchange::Reply(r) => r,
            // Connecting failed: the kept reply stays.
            Exchange::NoConnection => continue,
            Exchange::NoReply => {
                kept = None;
                continue;
            }
        };
        let Ok(header) = Header::read(&mut BinDecoder::new(&reply)) else {
            kept = None;
            continue;
        };
        let meta = header.metadata;
        let done = match meta.response_code {
            ResponseCode::NoError => true,
            ResponseCode::NXDomain => meta.authoritative,
            _ => false,
        };
        kept = Some(reply);
        if done {
            break;
        }
    }
    kept
}

enum Exchange {
    Reply(Vec<u8>),
    NoConnection,
    NoReply,
}

async fn exchange_udp(
    query: &[u8],
    to: SocketAddr,
    dial: &Arc<dyn Dial>,
    timeout: Duration,
) -> Exchange {
    let dial = dial.clone();
    let sock = match tokio::task::spawn_blocking(move || dial.udp()).await {
        Ok(Ok(s)) => s,
        _ => return Exchange::NoConnection,
    };
    let sock = match sock
        .set_nonblocking(true)
        .and_then(|()| UdpSocket::from_std(sock))
    {
        Ok(s) => s,
        Err(_) => return Exchange::NoConnection,
    };
    if sock.connect(to).await.is_err() {
        return Exchange::NoConnection;
    }
    let mut buf = vec![0u8; 65_536];
    let io = async {
        sock.send(query).await?;
        loop {
            let n = sock.recv(&mut buf).await?;
            // Only the reply to this query (same id) counts.
            if n >= 12 && buf[..2] == query[..2] {
                return Ok::<usize, std::io::Error>(n);
            }
        }
    };
    match tokio::time::timeout(timeout, io).await {
        Ok(Ok(n)) => Exchange::Reply(buf[..n].to_vec()),
        _ => Exchange::NoReply,
    }
}

async fn exchange_tcp(
    query: &[u8],
    to: SocketAddr,
    dial: &Arc<dyn Dial>,
    timeout: Duration,
) -> Exchange {
    let dial = dial.clone();
    let stream = match tokio::task::spawn_blocking(move || dial.tcp(to, timeout)).await {
        Ok(Ok(s)) => s,
        _ => return Exchange::NoConnection,
    };
    let mut stream = match stream
        .set_nonblocking(true)
        .and_then(|()| TcpStream::from_std(stream))
    {
        Ok(s) => s,
        Err(_) => return Exchange::NoConnection,
    };
    let Ok(len) = u16::try_from(query.len()) else {
        return Exchange::NoReply;
    };
    let io = async {
        let mut out = Vec::with_capacity(2 + query.len());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(query);
        stream.write_all(&out).await?;
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).await?;
        let mut body = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut body).await?;
        Ok::<Vec<u8>, std::io::Error>(body)
    };
    match tokio::time::timeout(timeout, io).await {
        Ok(Ok(body)) => Exchange::Reply(body),
        _ => Exchange::NoReply,
    }
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
    /// For each external server a query is forwarded to.
    upstream: Duration,
    /// The external servers' port: 53 (tests, as nobody, use another).
    upstream_port: u16,
}

const TCP_LIMITS: TcpLimits = TcpLimits {
    idle: Duration::from_secs(5),
    io: Duration::from_secs(2),
    max_conns: 64,
    upstream: EXT_IO_TIMEOUT,
    upstream_port: 53,
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

    /// Serves `answerer` (see [`serve`]) on sockets bound, non-blocking, in
    /// its network namespace, forwarding through `dial`; aborting the
    /// handle stops the server and closes them.
    pub fn serve(
        &self,
        udp: std::net::UdpSocket,
        tcp: std::net::TcpListener,
        answerer: Answerer,
        dial: Option<Arc<dyn Dial>>,
    ) -> std::io::Result<tokio::task::AbortHandle> {
        // Registered with this runtime's reactor, not the caller's.
        let _here = self.0.enter();
        let udp = UdpSocket::from_std(udp)?;
        let tcp = TcpListener::from_std(tcp)?;
        Ok(self.0.spawn(serve(udp, tcp, answerer, dial)).abort_handle())
    }
}

/// Serves UDP and TCP (2-byte length prefix) on sockets the engine already bound inside the container's netns.
/// Runs until the sockets are dropped/the task is aborted; never panics, never stops on bad input.
pub async fn serve(
    udp: UdpSocket,
    tcp: TcpListener,
    answerer: Answerer,
    dial: Option<Arc<dyn Dial>>,
) {
    serve_with(udp, tcp, answerer, dial, TCP_LIMITS).await
}

/// One server's shared parts.
struct Server {
    answerer: Answerer,
    dial: Option<Arc<dyn Dial>>,
    in_flight: Arc<Semaphore>,
    limits: TcpLimits,
}

impl Server {
    /// Forwards, within the in-flight bound; None = no reply.
    async fn forward(&self, query: &[u8], transport: Transport) -> Option<Vec<u8>> {
        let dial = self.dial.as_ref()?;
        let _permit = self.in_flight.clone().try_acquire_owned().ok()?;
        forward(
            query,
            &self.answerer.upstream.servers,
            transport,
            dial,
            (self.limits.upstream_port, self.limits.upstream),
        )
        .await
    }
}

async fn serve_with(
    udp: UdpSocket,
    tcp: TcpListener,
    answerer: Answerer,
    dial: Option<Arc<dyn Dial>>,
    limits: TcpLimits,
) {
    let name = tcp
        .local_addr()
        .map_or_else(|_| "?".into(), |a| a.to_string());
    let who = if answerer.asker.is_empty() {
        "the lab host".to_string()
    } else {
        answerer.asker.chars().take(12).collect()
    };
    let server = Arc::new(Server {
        answerer,
        dial,
        in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        limits,
    });
    // Both loops share this task, so aborting it stops everything; TCP
    // connections and forwarded UDP queries live in JoinSets owned by the
    // loops, which abort them when dropped.
    tokio::join!(
        serve_udp(
            Arc::new(udp),
            &server,
            Backoff::new(format!("dns {name}/udp of {who}"))
        ),
        serve_tcp(
            &tcp,
            &server,
            Backoff::new(format!("dns {name}/tcp of {who}"))
        )
    );
}

/// The hot path: one buffer, no task and no lock per answered packet; a
/// forwarded query gets a task of its own, so a slow external server never
/// holds up the names the lab knows.
async fn serve_udp(udp: Arc<UdpSocket>, server: &Arc<Server>, mut errors: Backoff) {
    // Room for any datagram, so a big one is never cut and mistaken for garbage.
    let mut buf = vec![0u8; 65_536];
    let mut forwards = JoinSet::new();
    loop {
        let (len, peer) = tokio::select! {
            got = udp.recv_from(&mut buf) => match got {
                Ok(got) => got,
                Err(e) => {
                    pause_after(&e, &mut errors).await;
                    continue;
                }
            },
            Some(_) = forwards.join_next(), if !forwards.is_empty() => continue,
        };
        match respond(&buf[..len], &server.answerer, Transport::Udp) {
            // A client gone away is its problem; UDP promises nothing.
            Outcome::Reply(reply) => {
                let _ = udp.send_to(&reply, peer).await;
            }
            Outcome::Forward if forwards.len() < MAX_IN_FLIGHT => {
                let (query, udp, server) = (buf[..len].to_vec(), udp.clone(), server.clone());
                forwards.spawn(async move {
                    if let Some(reply) = server.forward(&query, Transport::Udp).await {
                        let _ = udp.send_to(&reply, peer).await;
                    }
                });
            }
            Outcome::Forward | Outcome::Drop => {}
        }
    }
}

async fn serve_tcp(tcp: &TcpListener, server: &Arc<Server>, mut errors: Backoff) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = tcp.accept() => match accepted {
                Ok((stream, _)) if conns.len() < server.limits.max_conns => {
                    conns.spawn(serve_conn(stream, server.clone()));
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
async fn serve_conn(mut stream: TcpStream, server: Arc<Server>) {
    let limits = server.limits;
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
        let reply = match respond(&msg, &server.answerer, Transport::Tcp) {
            Outcome::Reply(r) => r,
            Outcome::Forward => match server.forward(&msg, Transport::Tcp).await {
                Some(r) => r,
                None => continue,
            },
            Outcome::Drop => continue,
        };
        // Replies are kept within u16, so the prefix is exact.
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
            self.a.get(&name.to_ascii_lowercase()).cloned()
        }
        fn lookup_ptr(&self, asker: &str, ip: Ipv4Addr) -> Option<String> {
            if asker != ASKER {
                return None;
            }
            self.ptr.get(&ip).cloned()
        }
    }

    /// `respond` for the lab's answers alone (no upstream).
    fn respond_t(packet: &[u8], f: &Fake, transport: Transport) -> Option<Vec<u8>> {
        let a = Answerer {
            asker: ASKER.into(),
            records: Arc::new(NoneKnown),
            shuffle: Arc::new(Shuffle::keep()),
            upstream: Upstream::default(),
        };
        match respond_with(packet, &a, f, transport) {
            Outcome::Reply(r) => Some(r),
            _ => None,
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
        // The records get the name as asked: which parts ignore case is
        // theirs to say (a network's name does not).
        assert_eq!(
            *f.asked.lock().unwrap(),
            vec!["FLAPPY".to_string(), "Flappy.Flappy-Public".to_string()]
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
    fn aaaa_and_mx_of_a_known_name_are_empty_noerror() {
        let f = Fake::lab();
        for (id, rtype) in [(15578, RecordType::AAAA), (28402, RecordType::MX)] {
            let (bytes, msg) = ask(&f, id, "flappy", rtype);
            assert_eq!(msg.metadata.id, id);
            assert_eq!(msg.metadata.response_code, ResponseCode::NoError, "{rtype}");
            assert!(msg.answers.is_empty(), "{rtype}");
            assert_eq!(msg.queries[0].query_type(), rtype);
            // dig: "MSG SIZE rcvd: 24" for AAAA and MX.
            assert_eq!(bytes.len(), 24, "{rtype}");
        }
    }

    /// Docker 20.10 forwards what its resolver does not handle: `nslookup
    /// -type=txt a1` for a container's name is NXDOMAIN from the host's
    /// resolver (a lab host's knows no names), NOERROR from a `--dns`
    /// server that has no TXT for it.
    #[test]
    fn other_types_of_a_known_name_are_not_the_labs() {
        let f = Fake::lab();
        for rtype in [
            RecordType::TXT,
            RecordType::ANY,
            RecordType::SRV,
            RecordType::CNAME,
        ] {
            let (_, msg) = ask(&f, 9, "flappy", rtype);
            assert_eq!(
                msg.metadata.response_code,
                ResponseCode::NXDomain,
                "{rtype}"
            );
            let q = query(9, "flappy", rtype);
            let a = forwarding(&f);
            assert_eq!(
                respond_with(&q, &a, &f, Transport::Udp),
                Outcome::Forward,
                "{rtype}"
            );
        }
    }

    fn forwarding(_: &Fake) -> Answerer {
        Answerer {
            asker: ASKER.into(),
            records: Arc::new(NoneKnown),
            shuffle: Arc::new(Shuffle::keep()),
            upstream: Upstream {
                servers: vec![Ipv4Addr::new(10, 9, 9, 9)],
                ndots_set: false,
            },
        }
    }

    #[test]
    fn unknown_names_go_to_the_dns_servers_and_known_ones_never() {
        let f = Fake::lab();
        let mut a = forwarding(&f);
        for (name, rtype) in [
            ("example.com", RecordType::A),
            ("nope", RecordType::A),
            ("nope", RecordType::AAAA),
            ("nope", RecordType::MX),
            ("9.0.18.172.in-addr.arpa.", RecordType::PTR),
        ] {
            let q = query(1, name, rtype);
            assert_eq!(respond_with(&q, &a, &f, Transport::Udp), Outcome::Forward);
        }
        for (name, rtype) in [
            ("flappy", RecordType::A),
            ("flappy", RecordType::AAAA),
            ("2.0.18.172.in-addr.arpa.", RecordType::PTR),
        ] {
            let q = query(1, name, rtype);
            assert!(matches!(
                respond_with(&q, &a, &f, Transport::Udp),
                Outcome::Reply(_)
            ));
        }
        // --dns-option ndots:2 (Docker 20.10: `nslookup foo` in such a
        // container never reaches the --dns server; foo.example.org does).
        a.upstream.ndots_set = true;
        for rtype in [RecordType::A, RecordType::AAAA] {
            let q = query(2, "nope", rtype);
            let Outcome::Reply(r) = respond_with(&q, &a, &f, Transport::Udp) else {
                panic!("answered locally");
            };
            let msg = Message::from_vec(&r).unwrap();
            assert_eq!(msg.metadata.response_code, ResponseCode::NoError);
            assert!(msg.answers.is_empty());
        }
        for (name, rtype) in [("nope", RecordType::MX), ("foo.example.org", RecordType::A)] {
            let q = query(3, name, rtype);
            assert_eq!(respond_with(&q, &a, &f, Transport::Udp), Outcome::Forward);
        }
    }

    /// Docker 20.10, six `nslookup web` for three containers behind
    /// `--network-alias web`: 3 4 2, 3 2 4, 3 4 2, 4 2 3, 3 4 2, 2 3 4.
    /// A random order each time; a seeded one repeats itself.
    #[test]
    fn several_addresses_are_shuffled_reproducibly_when_seeded() {
        let ips: Vec<u8> = (1..=5).collect();
        let orders = |shuffle: &Shuffle| -> Vec<Vec<u8>> {
            (0..40)
                .map(|_| {
                    let mut v = ips.clone();
                    shuffle.apply(&mut v);
                    v
                })
                .collect()
        };
        let seeded = orders(&Shuffle::seeded(7));
        assert_eq!(seeded, orders(&Shuffle::seeded(7)));
        assert_ne!(seeded, orders(&Shuffle::seeded(8)));
        let distinct: std::collections::HashSet<_> = seeded.iter().collect();
        assert!(distinct.len() > 20, "{distinct:?}");
        for order in &seeded {
            let mut sorted = order.clone();
            sorted.sort();
            assert_eq!(sorted, ips);
        }
        // Every element reaches every place.
        for place in 0..5 {
            let seen: std::collections::HashSet<u8> = seeded.iter().map(|o| o[place]).collect();
            assert_eq!(seen.len(), 5);
        }
        let mut one = vec![1];
        Shuffle::seeded(1).apply(&mut one);
        assert_eq!(one, vec![1]);
        let keep = orders(&Shuffle::keep());
        assert!(keep.iter().all(|o| *o == ips));
    }

    #[test]
    fn the_server_shuffles_a_records() {
        let f = Fake::lab();
        let a = Answerer {
            asker: ASKER.into(),
            records: Arc::new(NoneKnown),
            shuffle: Arc::new(Shuffle::seeded(3)),
            upstream: Upstream::default(),
        };
        let seen: std::collections::HashSet<Vec<Ipv4Addr>> = (0..20)
            .map(|i| {
                let Outcome::Reply(r) =
                    respond_with(&query(i, "web", RecordType::A), &a, &f, Transport::Udp)
                else {
                    panic!("a reply");
                };
                a_addrs(&Message::from_vec(&r).unwrap())
            })
            .collect();
        assert_eq!(seen.len(), 2, "both orders of two addresses");
    }

    #[test]
    fn unknown_names_are_nxdomain_for_every_type() {
        let f = Fake::lab();
        // (A PTR question for it is no reverse name: dropped, see
        // `ptr_answers_name_dot_network`.)
        for rtype in [
            RecordType::A,
            RecordType::AAAA,
            RecordType::MX,
            RecordType::TXT,
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
        // Docker 20.10: `nslookup -type=ptr 2.0.19.172.IN-ADDR.ARPA` gets
        // no reply at all (";; connection timed out"): libnetwork matches
        // the suffix in lower case and drops the rest. So for any PTR name
        // that is no reverse name.
        for name in ["2.0.18.172.IN-ADDR.ARPA.", "flappy.", "in-addr.arpa."] {
            let q = query(1, name, RecordType::PTR);
            assert_eq!(answer(&q, ASKER, &f), None, "{name}");
        }
    }

    #[test]
    fn ipv6_reverse_names_read_as_docker_answers_them() {
        // Docker 20.10: `nslookup fd00:1::99` asks this name.
        let name = "9.9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa.";
        assert_eq!(
            reverse_name(name),
            Some(Some("fd00:1::99".parse().unwrap()))
        );
        assert_eq!(reverse_name("9.9.d.f.ip6.arpa."), Some(None));
        assert_eq!(reverse_name(&name.replace("d.f", "D.F")), Some(None));
        assert_eq!(
            reverse_name("2.0.18.172.in-addr.arpa."),
            Some(Some("172.18.0.2".parse().unwrap()))
        );
    }

    #[test]
    fn unknown_or_partial_ptr_is_nxdomain() {
        let f = Fake::lab();
        for name in [
            "9.0.18.172.in-addr.arpa.",
            "18.172.in-addr.arpa.",
            "02.0.18.172.in-addr.arpa.",
            "1.2.0.18.172.in-addr.arpa.",
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
        // libnetwork's truncateResp: as many answers as fit, and TC.
        // 12 + 11 (question) + 23 * 21 = 506. Docker 20.10, 28 containers
        // behind alias `crowd`: "udp len 506 tc 1 answers 23", over TCP
        // all 28 (611 bytes), and busybox nslookup prints 23 addresses.
        let udp = respond_t(&q, &f, Transport::Udp).unwrap();
        assert_eq!(udp.len(), 506);
        let msg = Message::from_vec(&udp).unwrap();
        assert!(msg.metadata.truncation);
        assert_eq!(a_addrs(&msg), many[..23]);
        assert_eq!(msg.queries[0].name().to_ascii(), "crowd.");
        // EDNS0 asks for more room: it is given.
        let mut big = query_msg(13, "crowd", RecordType::A);
        let mut edns = hickory_proto::op::Edns::new();
        edns.set_max_payload(1232);
        big.set_edns(edns);
        let udp = respond_t(&big.to_vec().unwrap(), &f, Transport::Udp).unwrap();
        let msg = Message::from_vec(&udp).unwrap();
        assert!(msg.metadata.truncation);
        assert_eq!(msg.answers.len(), (1232 - 23) / 21);
        // TCP: at most 65534 bytes, without TC.
        let crowd: Vec<Ipv4Addr> = (0..4000u32)
            .map(|i| Ipv4Addr::from(0x0a00_0000 + i))
            .collect();
        f.a.insert("crowd".into(), crowd.clone());
        let tcp = respond_t(&q, &f, Transport::Tcp).unwrap();
        let msg = Message::from_vec(&tcp).unwrap();
        assert!(!msg.metadata.truncation);
        assert_eq!(a_addrs(&msg), crowd[..(65534 - 23) / 21]);
        // A small answer is not touched.
        let small = respond_t(&query(12, "flappy", RecordType::A), &f, Transport::Udp).unwrap();
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
            if let Some(reply) = respond_t(packet, f, transport) {
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
        let answerer = Answerer {
            asker: ASKER.to_string(),
            records: Arc::new(Fake::lab()),
            shuffle: Arc::new(Shuffle::keep()),
            upstream: Upstream::default(),
        };
        let task = tokio::spawn(serve_with(udp, tcp, answerer, None, limits));
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

    /// Forwarded queries leave from the host here (the engine's dial
    /// makes them in the container's namespace).
    struct LocalDial;

    impl Dial for LocalDial {
        fn udp(&self) -> std::io::Result<std::net::UdpSocket> {
            std::net::UdpSocket::bind("127.0.0.1:0")
        }
        fn tcp(&self, to: SocketAddr, timeout: Duration) -> std::io::Result<std::net::TcpStream> {
            std::net::TcpStream::connect_timeout(&to, timeout)
        }
    }

    /// How a fake external server answers.
    #[derive(Clone, Copy)]
    enum Upstream1 {
        /// NOERROR with `A 10.9.9.<n>`.
        Answer(u8),
        Rcode(ResponseCode, bool),
        Silent,
    }

    fn upstream_reply(query: &[u8], how: Upstream1) -> Option<Vec<u8>> {
        let q = Message::from_vec(query).ok()?;
        let mut m = Message::response(q.metadata.id, OpCode::Query);
        m.metadata.recursion_available = true;
        m.add_query(q.queries[0].clone());
        match how {
            Upstream1::Answer(n) => {
                m.add_answer(Record::from_rdata(
                    q.queries[0].name().clone(),
                    60,
                    RData::A(A(Ipv4Addr::new(10, 9, 9, n))),
                ));
            }
            Upstream1::Rcode(code, aa) => {
                m.metadata.response_code = code;
                m.metadata.authoritative = aa;
            }
            Upstream1::Silent => return None,
        }
        m.to_vec().ok()
    }

    /// A fake external server on `ip:port`, UDP and TCP; counts queries.
    async fn fake_upstream(
        ip: Ipv4Addr,
        port: u16,
        how: Upstream1,
    ) -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
        let udp = UdpSocket::bind((ip, port)).await.unwrap();
        let port = udp.local_addr().unwrap().port();
        let tcp = TcpListener::bind((ip, port)).await.unwrap();
        let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = seen.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 1500];
            loop {
                let (n, peer) = udp.recv_from(&mut buf).await.unwrap();
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if let Some(r) = upstream_reply(&buf[..n], how) {
                    udp.send_to(&r, peer).await.unwrap();
                }
            }
        });
        let count = seen.clone();
        tokio::spawn(async move {
            loop {
                let (mut s, _) = tcp.accept().await.unwrap();
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut len = [0u8; 2];
                s.read_exact(&mut len).await.unwrap();
                let mut q = vec![0u8; usize::from(u16::from_be_bytes(len))];
                s.read_exact(&mut q).await.unwrap();
                if let Some(r) = upstream_reply(&q, how) {
                    s.write_all(&(r.len() as u16).to_be_bytes()).await.unwrap();
                    s.write_all(&r).await.unwrap();
                }
                // Keep the connection open until the client goes.
                let _ = s.read(&mut [0u8; 1]).await;
            }
        });
        (port, seen)
    }

    async fn start_forwarding(
        servers: Vec<Ipv4Addr>,
        port: u16,
    ) -> (SocketAddrs, tokio::task::JoinHandle<()>) {
        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addrs = SocketAddrs {
            udp: udp.local_addr().unwrap(),
            tcp: tcp.local_addr().unwrap(),
        };
        let answerer = Answerer {
            asker: ASKER.to_string(),
            records: Arc::new(Fake::lab()),
            shuffle: Arc::new(Shuffle::keep()),
            upstream: Upstream {
                servers,
                ndots_set: false,
            },
        };
        let limits = TcpLimits {
            upstream: Duration::from_millis(300),
            upstream_port: port,
            ..TCP_LIMITS
        };
        let dial: Arc<dyn Dial> = Arc::new(LocalDial);
        let task = tokio::spawn(serve_with(udp, tcp, answerer, Some(dial), limits));
        (addrs, task)
    }

    async fn ask_udp(client: &UdpSocket, id: u16, name: &str) -> Option<Message> {
        client.send(&query(id, name, RecordType::A)).await.unwrap();
        let mut buf = [0u8; 1500];
        loop {
            let n = tokio::time::timeout(Duration::from_secs(2), client.recv(&mut buf))
                .await
                .ok()?
                .unwrap();
            let m = Message::from_vec(&buf[..n]).unwrap();
            if m.metadata.id == id {
                return Some(m);
            }
        }
    }

    #[tokio::test]
    async fn unknown_names_are_forwarded_in_docker_order() {
        let run = async {
            let silent = Ipv4Addr::new(127, 0, 0, 2);
            let servfail = Ipv4Addr::new(127, 0, 0, 3);
            let good = Ipv4Addr::new(127, 0, 0, 4);
            let nx = Ipv4Addr::new(127, 0, 0, 5);
            let (port, silent_seen) = fake_upstream(silent, 0, Upstream1::Silent).await;
            fake_upstream(
                servfail,
                port,
                Upstream1::Rcode(ResponseCode::ServFail, false),
            )
            .await;
            let (_, good_seen) = fake_upstream(good, port, Upstream1::Answer(9)).await;
            fake_upstream(nx, port, Upstream1::Rcode(ResponseCode::NXDomain, true)).await;
            let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();

            // SERVFAIL from the first: the next is asked.
            let (addrs, task) = start_forwarding(vec![servfail, good], port).await;
            client.connect(addrs.udp).await.unwrap();
            let m = ask_udp(&client, 1, "example.com").await.expect("a reply");
            assert_eq!(a_addrs(&m), vec![Ipv4Addr::new(10, 9, 9, 9)]);
            // The lab's own names never leave.
            let before = good_seen.load(std::sync::atomic::Ordering::SeqCst);
            let m = ask_udp(&client, 2, "flappy").await.expect("a reply");
            assert_eq!(a_addrs(&m), vec![Ipv4Addr::new(172, 18, 0, 2)]);
            assert_eq!(good_seen.load(std::sync::atomic::Ordering::SeqCst), before);
            // Over TCP too.
            let mut stream = TcpStream::connect(addrs.tcp).await.unwrap();
            let q = query(3, "example.com", RecordType::A);
            stream
                .write_all(&(q.len() as u16).to_be_bytes())
                .await
                .unwrap();
            stream.write_all(&q).await.unwrap();
            let m = read_tcp_reply(&mut stream).await;
            assert_eq!(
                (m.metadata.id, a_addrs(&m)),
                (3, vec![Ipv4Addr::new(10, 9, 9, 9)])
            );
            task.abort();

            // An authoritative NXDOMAIN ends the search.
            let (addrs, task) = start_forwarding(vec![nx, good], port).await;
            let before = good_seen.load(std::sync::atomic::Ordering::SeqCst);
            let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            client.connect(addrs.udp).await.unwrap();
            let m = ask_udp(&client, 4, "nothing.example")
                .await
                .expect("a reply");
            assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
            assert_eq!(good_seen.load(std::sync::atomic::Ordering::SeqCst), before);
            task.abort();

            // A silent server is given up after the timeout; meanwhile the
            // lab's names are answered at once.
            let (addrs, task) = start_forwarding(vec![silent, good], port).await;
            let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            client.connect(addrs.udp).await.unwrap();
            client
                .send(&query(5, "slow.example", RecordType::A))
                .await
                .unwrap();
            let started = std::time::Instant::now();
            let m = ask_udp(&client, 6, "flappy").await.expect("a reply");
            assert_eq!(a_addrs(&m), vec![Ipv4Addr::new(172, 18, 0, 2)]);
            assert!(started.elapsed() < Duration::from_millis(250));
            let m = ask_udp(&client, 5, "slow.example").await.expect("a reply");
            assert_eq!(a_addrs(&m), vec![Ipv4Addr::new(10, 9, 9, 9)]);
            assert!(started.elapsed() >= Duration::from_millis(250));
            assert!(silent_seen.load(std::sync::atomic::Ordering::SeqCst) >= 1);
            task.abort();

            // Only silence: no reply at all, as on Docker (the client times out).
            let (addrs, task) = start_forwarding(vec![silent], port).await;
            let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            client.connect(addrs.udp).await.unwrap();
            client
                .send(&query(7, "slow.example", RecordType::A))
                .await
                .unwrap();
            let mut buf = [0u8; 512];
            let got = tokio::time::timeout(Duration::from_millis(600), client.recv(&mut buf)).await;
            assert!(got.is_err(), "no reply");
            task.abort();
        };
        tokio::time::timeout(Duration::from_secs(20), run)
            .await
            .expect("test timed out");
    }

    #[tokio::test]
    async fn only_three_servers_are_tried() {
        let ips: Vec<Ipv4Addr> = (10..14).map(|n| Ipv4Addr::new(127, 0, 0, n)).collect();
        let (port, _) =
            fake_upstream(ips[0], 0, Upstream1::Rcode(ResponseCode::Refused, false)).await;
        fake_upstream(
            ips[1],
            port,
            Upstream1::Rcode(ResponseCode::ServFail, false),
        )
        .await;
        fake_upstream(
            ips[2],
            port,
            Upstream1::Rcode(ResponseCode::NXDomain, false),
        )
        .await;
        let (_, fourth) = fake_upstream(ips[3], port, Upstream1::Answer(4)).await;
        let (addrs, task) = start_forwarding(ips, port).await;
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        client.connect(addrs.udp).await.unwrap();
        // The last reply kept is the answer: the third's NXDOMAIN.
        let m = ask_udp(&client, 1, "x.example").await.expect("a reply");
        assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
        assert_eq!(fourth.load(std::sync::atomic::Ordering::SeqCst), 0);
        task.abort();
    }
}
