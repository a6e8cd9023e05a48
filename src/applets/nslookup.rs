//! `nslookup` as busybox 1.35 prints it (the FEATURE_NSLOOKUP_BIG variant
//! in the captured images): `Server:`/`Address:` once, then one block per
//! query, each closed by a blank line.
//!
//! One deliberate difference: busybox prints each reply as it arrives, so
//! the A and AAAA blocks come in a racy order. Here all replies are collected
//! first and printed in query order (A before AAAA), so lessons are stable.
//!
//! Layout: `run` is the program without side effects other than the UDP
//! exchange; `render_*` and `describe_reply` turn reply bytes into text and
//! are pure.

use std::hash::{BuildHasher, Hasher};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RData, RecordType};

const USAGE: &str = "Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n\n\
                     Query DNS about HOST\n\n\
                     QUERY_TYPE: soa,ns,a,aaaa,cname,mx,txt,ptr,srv,any";

/// busybox's table: several `-type=` options are queried in this order, not
/// in the order given.
const QTYPES: [(&str, RecordType); 10] = [
    ("SOA", RecordType::SOA),
    ("NS", RecordType::NS),
    ("A", RecordType::A),
    ("AAAA", RecordType::AAAA),
    ("CNAME", RecordType::CNAME),
    ("MX", RecordType::MX),
    ("TXT", RecordType::TXT),
    ("SRV", RecordType::SRV),
    ("PTR", RecordType::PTR),
    ("ANY", RecordType::ANY),
];

/// Indexed by the header's 4-bit RCODE, as busybox prints them.
const RCODES: [&str; 16] = [
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
    "NXRRSET", "NOTAUTH", "NOTZONE", "11", "12", "13", "14", "15",
];

/// busybox reads replies into 512 bytes; a longer one arrives cut and fails
/// to parse there too.
const REPLY_BUF: usize = 512;

pub fn main(args: &[String]) -> i32 {
    let resolv_conf = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    // The UTS namespace's hostname, for busybox's default search domain.
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let out = run(args, &resolv_conf, hostname.trim());
    use std::io::Write;
    let _ = std::io::stderr().write_all(out.stderr.as_bytes());
    let _ = std::io::stdout().write_all(out.stdout.as_bytes());
    let _ = std::io::stdout().flush();
    out.code
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Output {
    fn fail(stderr: String) -> Self {
        Output {
            stdout: String::new(),
            stderr,
            code: 1,
        }
    }
}

/// The whole program, given the contents of /etc/resolv.conf and the hostname.
pub fn run(args: &[String], resolv_conf: &str, hostname: &str) -> Output {
    let opts = match parse_args(args) {
        Ok(o) => o,
        Err(ArgError::Usage) => return Output::fail(format!("{USAGE}\n")),
        Err(ArgError::Die(msg)) => return Output::fail(format!("nslookup: {msg}\n")),
    };
    let conf = parse_resolv_conf(resolv_conf, hostname);
    let server_names: Vec<String> = match &opts.server {
        Some(s) => vec![s.clone()],
        // No nameserver line: busybox falls back to localhost.
        None if conf.servers.is_empty() => vec!["127.0.0.1".to_string()],
        None => conf.servers.clone(),
    };
    // busybox resolves every server before sending anything and dies on a bad one.
    let mut servers = Vec::new();
    for name in server_names {
        match resolve_server(&name, opts.port) {
            Some(addr) => servers.push((name, addr)),
            None => return Output::fail(format!("nslookup: bad address '{name}'\n")),
        }
    }
    let planned = plan_queries(&opts, conf.search.as_deref());
    let mut packets = Vec::new();
    let first_id = random_u16();
    for (i, (name, rtype)) in planned.iter().enumerate() {
        // Distinct ids: replies are matched to queries by id alone.
        match build_query(first_id.wrapping_add(i as u16), name, *rtype) {
            Some(p) => packets.push(p),
            None => return Output::fail(format!("nslookup: can't resolve '{name}'\n")),
        }
    }
    let names: Vec<&str> = planned.iter().map(|(n, _)| n.as_str()).collect();

    let mut out = Output::default();
    let timeout = Duration::from_secs(u64::from(opts.timeout_secs));
    for (name, addr) in &servers {
        let ex = exchange(*addr, &packets, timeout, opts.retry);
        for err in &ex.errors {
            out.stderr.push_str(&format!("nslookup: {err}\n"));
        }
        if let Some(msg) = &ex.write_error {
            out.stderr
                .push_str(&format!("nslookup: write to '{name}': {msg}\n"));
        }
        if ex.got_packet {
            out.stdout.push_str(&render_server(name, *addr));
        }
        if ex.replies.iter().any(Option::is_some) {
            let (text, code) = render_replies(&names, &ex.replies, opts.debug);
            out.stdout.push_str(&text);
            out.code = code;
            return out;
        }
        // Nothing usable from this server: busybox tries the next one.
    }
    out.stdout.push_str(&render_timeout());
    out.code = 1;
    out
}

#[derive(Debug, PartialEq, Eq)]
enum ArgError {
    Usage,
    Die(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Options {
    /// Indexes into QTYPES; empty = guess (PTR for an address, else A + AAAA).
    types: Vec<usize>,
    port: u16,
    retry: u32,
    timeout_secs: u32,
    debug: bool,
    host: String,
    server: Option<String>,
}

/// busybox syntax: `-name=value` options, all before HOST, then an optional server.
fn parse_args(args: &[String]) -> Result<Options, ArgError> {
    let mut o = Options {
        types: Vec::new(),
        port: 53,
        retry: 2,
        timeout_secs: 5,
        debug: false,
        host: String::new(),
        server: None,
    };
    let mut rest = args;
    loop {
        let Some(arg) = rest.first() else {
            return Err(ArgError::Usage);
        };
        let Some(opt) = arg.strip_prefix('-') else {
            break;
        };
        rest = &rest[1..];
        let (key, val) = opt.split_once('=').unwrap_or((opt, ""));
        match key {
            "type" | "querytype" => {
                let Some(i) = QTYPES.iter().position(|(n, _)| n.eq_ignore_ascii_case(val)) else {
                    return Err(ArgError::Die(format!("invalid query type \"{val}\"")));
                };
                if !o.types.contains(&i) {
                    o.types.push(i);
                }
            }
            "port" => o.port = number(val, 1, u16::MAX.into())? as u16,
            "retry" => o.retry = number(val, 1, i32::MAX as u32)?,
            "debug" => o.debug = true,
            "t" | "timeout" => o.timeout_secs = number(val, 1, i32::MAX as u32 / 1000)?,
            _ => return Err(ArgError::Usage),
        }
    }
    o.types.sort_unstable();
    match rest {
        [host] => o.host = host.clone(),
        [host, server] => {
            o.host = host.clone();
            o.server = Some(server.clone());
        }
        _ => return Err(ArgError::Usage),
    }
    Ok(o)
}

/// busybox's xatou_range messages.
fn number(val: &str, lo: u32, hi: u32) -> Result<u32, ArgError> {
    match val.parse::<u64>() {
        Ok(n) if n >= u64::from(lo) && n <= u64::from(hi) => Ok(n as u32),
        Ok(_) => Err(ArgError::Die(format!(
            "number {val} is not in {lo}..{hi} range"
        ))),
        Err(_) => Err(ArgError::Die(format!("invalid number '{val}'"))),
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
struct ResolvConf {
    servers: Vec<String>,
    /// Space-separated domains, busybox keeps the raw string.
    search: Option<String>,
}

fn parse_resolv_conf(text: &str, hostname: &str) -> ResolvConf {
    let mut conf = ResolvConf::default();
    let mut have_search_directive = false;
    for line in text.lines() {
        let line = line.trim_start_matches([' ', '\t']);
        let Some((key, arg)) = line.split_once([' ', '\t']) else {
            continue;
        };
        let arg = arg.trim();
        if arg.is_empty() {
            continue;
        }
        match key {
            // `domain` counts only until a `search` line is seen.
            "domain" if !have_search_directive => conf.search = Some(arg.to_string()),
            "search" => {
                have_search_directive = true;
                conf.search = Some(arg.to_string());
            }
            "nameserver" => conf.servers.push(arg.to_string()),
            _ => {}
        }
    }
    if conf.search.is_none() {
        // Default search domain: the hostname's domain part, if any.
        if let Some((_, domain)) = hostname.split_once('.') {
            conf.search = Some(domain.to_string());
        }
    }
    if conf.search.as_deref() == Some(".") {
        conf.search = None;
    }
    conf
}

/// Queries in the order busybox sends them.
fn plan_queries(o: &Options, search: Option<&str>) -> Vec<(String, RecordType)> {
    let mut out = Vec::new();
    let mut add = |rtype: RecordType| {
        // Search domains apply to dotless names only, and replace the bare
        // name rather than adding to it.
        match search {
            Some(domains) if rtype != RecordType::PTR && !o.host.contains('.') => {
                for d in domains.split_whitespace() {
                    out.push((format!("{}.{d}", o.host), rtype));
                }
            }
            _ => out.push((o.host.clone(), rtype)),
        }
    };
    if o.types.is_empty() {
        if let Some(ptr) = make_ptr(&o.host) {
            return vec![(ptr, RecordType::PTR)];
        }
        add(RecordType::A);
        add(RecordType::AAAA);
    } else {
        for &i in &o.types {
            add(QTYPES[i].1);
        }
    }
    out
}

/// An address argument becomes its reverse name (IPv4-mapped IPv6 goes to
/// in-addr.arpa, as in busybox).
fn make_ptr(host: &str) -> Option<String> {
    let v4 = match host.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => v4,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4,
            None => {
                let mut s = String::with_capacity(72);
                for b in v6.octets().iter().rev() {
                    s.push_str(&format!("{:x}.{:x}.", b & 0xf, b >> 4));
                }
                s.push_str("ip6.arpa");
                return Some(s);
            }
        },
    };
    let [a, b, c, d] = v4.octets();
    Some(format!("{d}.{c}.{b}.{a}.in-addr.arpa"))
}

/// `1.2.3.4`, `1.2.3.4:5353`, `[::1]:53`, `::1`, or a host name.
fn resolve_server(name: &str, port: u16) -> Option<SocketAddr> {
    if let Ok(ip) = name.parse::<IpAddr>() {
        return Some(SocketAddr::new(ip, port));
    }
    if let Ok(sa) = name.parse::<SocketAddr>() {
        return Some(sa);
    }
    (name, port).to_socket_addrs().ok()?.next()
}

/// A standard query with RD set and no EDNS, like res_mkquery.
fn build_query(id: u16, name: &str, rtype: RecordType) -> Option<Vec<u8>> {
    let fqdn = if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    };
    let name = Name::from_ascii(fqdn).ok()?;
    let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
    msg.metadata.recursion_desired = true;
    msg.add_query(Query::query(name, rtype));
    msg.to_vec().ok()
}

fn random_u16() -> u16 {
    // RandomState is seeded from the OS per process; enough for query ids.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish() as u16
}

#[derive(Debug, Default)]
struct Exchange {
    /// Any datagram came back (busybox then prints the Server lines).
    got_packet: bool,
    /// Per query: the reply bytes and how long it took.
    replies: Vec<Option<(Vec<u8>, u128)>>,
    /// Read errors, already worded as busybox does (`read: Connection refused`).
    errors: Vec<String>,
    write_error: Option<String>,
}

/// busybox's send_queries: all queries on one connected socket, the
/// unanswered ones resent every `timeout / retry`, until `timeout`.
fn exchange(server: SocketAddr, packets: &[Vec<u8>], timeout: Duration, retry: u32) -> Exchange {
    let mut ex = Exchange {
        replies: vec![None; packets.len()],
        ..Exchange::default()
    };
    let local: SocketAddr = if server.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    }
    .parse()
    .expect("literal address");
    let sock = match UdpSocket::bind(local).and_then(|s| s.connect(server).map(|()| s)) {
        Ok(s) => s,
        Err(e) => {
            ex.write_error = Some(crate::gotext::strerror(&e));
            return ex;
        }
    };
    let retry_interval = timeout / retry.max(1);
    let start = Instant::now();
    let mut sent_at = start;
    let mut servfail_retries = 0;
    let mut need_send = true;
    let mut buf = [0u8; REPLY_BUF];
    while start.elapsed() < timeout {
        if need_send || sent_at.elapsed() >= retry_interval {
            for (p, r) in packets.iter().zip(&ex.replies) {
                if r.is_none() {
                    if let Err(e) = sock.send(p) {
                        ex.write_error = Some(crate::gotext::strerror(&e));
                        ex.replies.iter_mut().for_each(|r| *r = None);
                        return ex;
                    }
                }
            }
            sent_at = Instant::now();
            need_send = false;
            servfail_retries = 2 * packets.len();
        }
        let wait = retry_interval
            .saturating_sub(sent_at.elapsed())
            .max(Duration::from_millis(1));
        let _ = sock.set_read_timeout(Some(wait));
        let len = match sock.recv(&mut buf) {
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(e) => {
                ex.errors
                    .push(format!("read: {}", crate::gotext::strerror(&e)));
                continue;
            }
        };
        ex.got_packet = true;
        if len < 4 {
            continue;
        }
        let Some(qn) = packets.iter().position(|p| p[..2] == buf[..2]) else {
            continue;
        };
        if ex.replies[qn].is_some() {
            continue; // duplicate
        }
        // SERVFAIL: ask again at once, a bounded number of times.
        if buf[3] & 0x0f == 2 && servfail_retries > 0 {
            servfail_retries -= 1;
            let _ = sock.send(&packets[qn]);
            continue;
        }
        ex.replies[qn] = Some((buf[..len].to_vec(), start.elapsed().as_millis()));
        if ex.replies.iter().all(Option::is_some) {
            break;
        }
    }
    ex
}

/// Printed once, on the first datagram from a server.
pub fn render_server(name: &str, addr: SocketAddr) -> String {
    // SocketAddr prints 127.0.0.11:53 and [::1]:53, as busybox does.
    format!("Server:\t\t{name}\nAddress:\t{addr}\n\n")
}

pub fn render_timeout() -> String {
    ";; connection timed out; no servers could be reached\n\n".to_string()
}

/// One block per answered query, in query order, then the unanswered ones.
/// Returns the text and the exit status (1 if any reply was an error).
fn render_replies(
    names: &[&str],
    replies: &[Option<(Vec<u8>, u128)>],
    debug: bool,
) -> (String, i32) {
    let mut out = String::new();
    let mut code = 0;
    for (qn, (name, reply)) in names.iter().zip(replies).enumerate() {
        let Some((bytes, ms)) = reply else {
            continue;
        };
        if debug {
            out.push_str(&format!("Query #{qn} completed in {ms}ms:\n"));
        }
        let (text, ok) = describe_reply(name, bytes, debug);
        out.push_str(&text);
        if !ok {
            code = 1;
        }
    }
    let mut missing = false;
    for (name, reply) in names.iter().zip(replies) {
        if reply.is_none() {
            out.push_str(&format!("*** Can't find {name}: No answer\n"));
            missing = true;
        }
    }
    if missing {
        out.push('\n');
    }
    (out, code)
}

/// The block for one reply to the query for `name`, blank line included;
/// false if busybox would exit 1 for it.
pub fn describe_reply(name: &str, reply: &[u8], debug: bool) -> (String, bool) {
    let mut out = String::new();
    // Flags are read from the raw header, as busybox does: rcode is the
    // low 4 bits only (no EDNS extension).
    let rcode = reply.get(3).map_or(0, |b| usize::from(b & 0x0f));
    let ok = if rcode != 0 {
        out.push_str(&format!("** server can't find {name}: {}\n", RCODES[rcode]));
        false
    } else {
        let aa = reply.get(2).is_some_and(|b| b & 0x04 != 0);
        if !aa {
            out.push_str("Non-authoritative answer:\n");
        } else if debug {
            out.push_str("authoritative answer:\n");
        }
        match answers_text(reply) {
            Some(text) => {
                out.push_str(&text);
                true
            }
            None => {
                out.push_str(&format!("*** Can't find {name}: Parse error\n"));
                false
            }
        }
    };
    out.push('\n');
    (out, ok)
}

/// The answer section in busybox's words; None if the reply does not parse.
fn answers_text(reply: &[u8]) -> Option<String> {
    let msg = Message::from_vec(reply).ok()?;
    let mut out = String::new();
    // busybox picks the NS/CNAME/PTR wording at the first such record and
    // keeps it for the rest of the reply; reproduced, quirk included.
    let mut format: Option<&str> = None;
    for rr in &msg.answers {
        let owner = dname(&rr.name);
        match &rr.data {
            RData::A(a) => out.push_str(&format!("Name:\t{owner}\nAddress: {}\n", a.0)),
            RData::AAAA(a) => out.push_str(&format!("Name:\t{owner}\nAddress: {}\n", a.0)),
            RData::NS(n) => sticky(&mut out, &mut format, "nameserver", &owner, &n.0),
            RData::CNAME(n) => sticky(&mut out, &mut format, "canonical name", &owner, &n.0),
            RData::PTR(n) => sticky(&mut out, &mut format, "name", &owner, &n.0),
            RData::MX(mx) => out.push_str(&format!(
                "{owner}\tmail exchanger = {} {}\n",
                mx.preference,
                dname(&mx.exchange)
            )),
            RData::TXT(txt) => {
                // Only the first string, up to a NUL, and nothing if empty.
                let first = txt.txt_data.first()?;
                let text = first.split(|&b| b == 0).next().unwrap_or_default();
                if !first.is_empty() {
                    out.push_str(&format!("{owner}\ttext = \"{}\"\n", String::from_utf8_lossy(text)));
                }
            }
            RData::SRV(srv) => out.push_str(&format!(
                "{owner}\tservice = {} {} {} {}\n",
                srv.priority,
                srv.weight,
                srv.port,
                dname(&srv.target)
            )),
            RData::SOA(soa) => out.push_str(&format!(
                "{owner}\n\torigin = {}\n\tmail addr = {}\n\tserial = {}\n\trefresh = {}\n\tretry = {}\n\texpire = {}\n\tminimum = {}\n",
                dname(&soa.mname),
                dname(&soa.rname),
                soa.serial,
                // Printed unsigned, as ns_get32 reads them.
                soa.refresh as u32,
                soa.retry as u32,
                soa.expire as u32,
                soa.minimum
            )),
            _ => {}
        }
    }
    Some(out)
}

fn sticky(
    out: &mut String,
    format: &mut Option<&str>,
    word: &'static str,
    owner: &str,
    target: &Name,
) {
    let word = *format.get_or_insert(word);
    out.push_str(&format!("{owner}\t{word} = {}\n", dname(target)));
}

/// A name as the C resolver prints it: no trailing dot, the root as ".".
fn dname(name: &Name) -> String {
    let s = name.to_ascii();
    match s.strip_suffix('.') {
        Some(t) if !t.is_empty() => t.to_string(),
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::ResponseCode;
    use hickory_proto::rr::rdata::{A, CNAME, MX, PTR, SOA, SRV, TXT};
    use hickory_proto::rr::Record;
    use std::net::Ipv4Addr;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn name(n: &str) -> Name {
        Name::from_ascii(n).unwrap()
    }

    /// What Docker's embedded DNS sends for the tutorial's network.
    fn docker_reply(query: &[u8]) -> Vec<u8> {
        let q = Message::from_vec(query).unwrap();
        let question = q.queries[0].clone();
        let mut r = Message::response(q.metadata.id, OpCode::Query);
        r.metadata.recursion_desired = q.metadata.recursion_desired;
        r.metadata.recursion_available = true;
        r.add_query(question.clone());
        let lname = question.name().to_ascii().to_ascii_lowercase();
        let known = ["flappy.", "flappy.flappy-public.", "ssl-term."].contains(&lname.as_str());
        match (question.query_type(), lname.as_str()) {
            (RecordType::A, _) if known => {
                r.add_answer(Record::from_rdata(
                    question.name().clone(),
                    600,
                    RData::A(A(Ipv4Addr::new(172, 18, 0, 2))),
                ));
            }
            (RecordType::PTR, "2.0.18.172.in-addr.arpa.") => {
                r.add_answer(Record::from_rdata(
                    question.name().clone(),
                    600,
                    RData::PTR(PTR(name("flappy.flappy-public."))),
                ));
            }
            _ if known => {}
            _ => r.metadata.response_code = ResponseCode::NXDomain,
        }
        r.to_vec().unwrap()
    }

    fn reply_for(qname: &str, rtype: RecordType) -> Vec<u8> {
        docker_reply(&build_query(7, qname, rtype).unwrap())
    }

    /// A UDP responder on loopback for `run`; stops after `secs` idle.
    fn fake_server(answer: bool, secs: u64) -> (u16, Arc<AtomicUsize>) {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(secs)))
            .unwrap();
        let port = sock.local_addr().unwrap().port();
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = seen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while let Ok((n, peer)) = sock.recv_from(&mut buf) {
                counter.fetch_add(1, Ordering::SeqCst);
                if answer {
                    let _ = sock.send_to(&docker_reply(&buf[..n]), peer);
                }
            }
        });
        (port, seen)
    }

    const A_BLOCK: &str = "Non-authoritative answer:\nName:\tflappy\nAddress: 172.18.0.2\n\n";
    const EMPTY_BLOCK: &str = "Non-authoritative answer:\n\n";

    #[test]
    fn default_query_prints_a_then_empty_aaaa() {
        let (port, seen) = fake_server(true, 5);
        let out = run(
            &s(&[&format!("-port={port}"), "flappy"]),
            "nameserver 127.0.0.1\noptions ndots:0\n",
            "528c8ec091a7",
        );
        assert_eq!(
            out.stdout,
            format!("Server:\t\t127.0.0.1\nAddress:\t127.0.0.1:{port}\n\n{A_BLOCK}{EMPTY_BLOCK}")
        );
        assert_eq!((out.stderr.as_str(), out.code), ("", 0));
        assert_eq!(seen.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn type_a_and_type_aaaa_match_the_capture() {
        let (port, _) = fake_server(true, 5);
        let port_arg = format!("-port={port}");
        let head = format!("Server:\t\t127.0.0.1\nAddress:\t127.0.0.1:{port}\n\n");
        let out = run(&s(&[&port_arg, "-type=a", "flappy", "127.0.0.1"]), "", "");
        assert_eq!(out.stdout, format!("{head}{A_BLOCK}"));
        let out = run(
            &s(&[&port_arg, "-type=AAAA", "flappy", "127.0.0.1"]),
            "",
            "",
        );
        assert_eq!(out.stdout, format!("{head}{EMPTY_BLOCK}"));
        assert_eq!(out.code, 0);
        // The name is printed as the server echoed it.
        let out = run(
            &s(&[&port_arg, "-type=a", "FLAPPY.flappy-public", "127.0.0.1"]),
            "",
            "",
        );
        assert_eq!(
            out.stdout,
            format!("{head}Non-authoritative answer:\nName:\tFLAPPY.flappy-public\nAddress: 172.18.0.2\n\n")
        );
    }

    #[test]
    fn nxdomain_is_reported_per_query_with_status_1() {
        let (port, _) = fake_server(true, 5);
        let out = run(
            &s(&[&format!("-port={port}"), "no-such-container"]),
            "nameserver 127.0.0.1\n",
            "",
        );
        let line = "** server can't find no-such-container: NXDOMAIN\n\n";
        assert_eq!(
            out.stdout,
            format!("Server:\t\t127.0.0.1\nAddress:\t127.0.0.1:{port}\n\n{line}{line}")
        );
        assert_eq!(out.code, 1);
    }

    #[test]
    fn address_argument_does_a_ptr_lookup() {
        let (port, seen) = fake_server(true, 5);
        let out = run(
            &s(&[&format!("-port={port}"), "172.18.0.2", "127.0.0.1"]),
            "",
            "",
        );
        assert_eq!(
            out.stdout,
            format!(
                "Server:\t\t127.0.0.1\nAddress:\t127.0.0.1:{port}\n\n\
                 Non-authoritative answer:\n2.0.18.172.in-addr.arpa\tname = flappy.flappy-public\n\n"
            )
        );
        assert_eq!(out.code, 0);
        assert_eq!(seen.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn silent_server_times_out_after_retries() {
        let (port, seen) = fake_server(false, 3);
        let started = Instant::now();
        let out = run(
            &s(&[
                &format!("-port={port}"),
                "-timeout=1",
                "flappy",
                "127.0.0.1",
            ]),
            "",
            "",
        );
        let took = started.elapsed();
        assert_eq!(
            out.stdout,
            ";; connection timed out; no servers could be reached\n\n"
        );
        assert_eq!(out.code, 1);
        assert!(
            took >= Duration::from_millis(950) && took < Duration::from_secs(3),
            "{took:?}"
        );
        // Two sends (retry=2) of two queries (A, AAAA).
        assert_eq!(seen.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn closed_port_reports_refused_like_busybox() {
        let port = UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let port_arg = format!("-port={port}");
        // Two queries: the ICMP error for the first fails the second write,
        // and busybox gives up on that server at once.
        let started = Instant::now();
        let out = run(&s(&[&port_arg, "-t=1", "flappy", "127.0.0.1"]), "", "");
        assert!(started.elapsed() < Duration::from_millis(500));
        assert_eq!(out.stdout, render_timeout());
        assert_eq!(
            out.stderr,
            "nslookup: write to '127.0.0.1': Connection refused\n"
        );
        assert_eq!(out.code, 1);
        // One query: the error surfaces on read, once per send.
        let out = run(
            &s(&[&port_arg, "-t=1", "-type=a", "flappy", "127.0.0.1"]),
            "",
            "",
        );
        assert_eq!(out.stdout, render_timeout());
        assert_eq!(out.stderr, "nslookup: read: Connection refused\n".repeat(2));
        assert_eq!(out.code, 1);
    }

    #[test]
    fn usage_and_option_errors() {
        let usage = format!("{USAGE}\n");
        for args in [
            &[][..],
            &["-type=a"][..],
            &["a", "b", "c"][..],
            &["-bogus", "flappy"][..],
        ] {
            assert_eq!(
                run(&s(args), "", ""),
                Output::fail(usage.clone()),
                "{args:?}"
            );
        }
        assert_eq!(
            run(&s(&["-type=bogus", "flappy"]), "", "").stderr,
            "nslookup: invalid query type \"bogus\"\n"
        );
        assert_eq!(
            run(&s(&["-port=0", "x"]), "", "").stderr,
            "nslookup: number 0 is not in 1..65535 range\n"
        );
        assert_eq!(
            run(&s(&["-retry=x", "x"]), "", "").stderr,
            "nslookup: invalid number 'x'\n"
        );
        assert_eq!(
            run(&s(&["flappy", "not a server"]), "", "").stderr,
            "nslookup: bad address 'not a server'\n"
        );
    }

    #[test]
    fn options_parse_like_busybox() {
        let o = parse_args(&s(&[
            "-type=mx",
            "-querytype=A",
            "-type=soa",
            "-t=3",
            "-retry=4",
            "-debug",
            "h",
            "srv",
        ]))
        .unwrap();
        assert_eq!(o.types, vec![0, 2, 5]); // SOA, A, MX: table order
        assert_eq!((o.timeout_secs, o.retry, o.debug), (3, 4, true));
        assert_eq!((o.host.as_str(), o.server.as_deref()), ("h", Some("srv")));
        let planned = plan_queries(&o, None);
        let types: Vec<RecordType> = planned.iter().map(|(_, t)| *t).collect();
        assert_eq!(types, vec![RecordType::SOA, RecordType::A, RecordType::MX]);
        let o = parse_args(&s(&["flappy"])).unwrap();
        assert_eq!(
            (o.port, o.retry, o.timeout_secs, o.debug),
            (53, 2, 5, false)
        );
    }

    #[test]
    fn resolv_conf_servers_and_search() {
        let c = parse_resolv_conf(
            "# docker\nnameserver 127.0.0.11\noptions ndots:0\nnameserver\t10.0.0.1 \n",
            "abc",
        );
        assert_eq!(
            c,
            ResolvConf {
                servers: s(&["127.0.0.11", "10.0.0.1"]),
                search: None
            }
        );
        let c = parse_resolv_conf(
            "search a.example b.example\ndomain c.example\n",
            "h.d.example",
        );
        assert_eq!(c.search.as_deref(), Some("a.example b.example"));
        let c = parse_resolv_conf("domain c.example\n", "h.d.example");
        assert_eq!(c.search.as_deref(), Some("c.example"));
        let c = parse_resolv_conf("", "h.d.example");
        assert_eq!(c.search.as_deref(), Some("d.example"));
        let c = parse_resolv_conf("domain .\n", "h.d.example");
        assert_eq!(c.search, None);
    }

    #[test]
    fn search_domains_replace_dotless_names() {
        let o = parse_args(&s(&["flappy"])).unwrap();
        let planned = plan_queries(&o, Some("a.example  b.example"));
        let expect = vec![
            ("flappy.a.example".to_string(), RecordType::A),
            ("flappy.b.example".to_string(), RecordType::A),
            ("flappy.a.example".to_string(), RecordType::AAAA),
            ("flappy.b.example".to_string(), RecordType::AAAA),
        ];
        assert_eq!(planned, expect);
        let o = parse_args(&s(&["flappy.flappy-public"])).unwrap();
        assert_eq!(plan_queries(&o, Some("a.example")).len(), 2);
        assert_eq!(
            plan_queries(&o, Some("a.example"))[0].0,
            "flappy.flappy-public"
        );
        let o = parse_args(&s(&["172.18.0.2"])).unwrap();
        assert_eq!(
            plan_queries(&o, Some("a.example")),
            vec![("2.0.18.172.in-addr.arpa".to_string(), RecordType::PTR)]
        );
    }

    #[test]
    fn reverse_names() {
        assert_eq!(
            make_ptr("172.18.0.2").as_deref(),
            Some("2.0.18.172.in-addr.arpa")
        );
        assert_eq!(
            make_ptr("::ffff:172.18.0.2").as_deref(),
            Some("2.0.18.172.in-addr.arpa")
        );
        let v6 = make_ptr("fd00::2").unwrap();
        assert_eq!(v6, format!("2.0.{}d.f.ip6.arpa", "0.".repeat(28)));
        assert_eq!(make_ptr("flappy"), None);
        assert_eq!(make_ptr("172.18.0"), None);
    }

    #[test]
    fn render_in_query_order_with_missing_replies() {
        let a = reply_for("flappy", RecordType::A);
        let aaaa = reply_for("flappy", RecordType::AAAA);
        let (text, code) = render_replies(
            &["flappy", "flappy"],
            &[Some((a.clone(), 0)), Some((aaaa, 0))],
            false,
        );
        assert_eq!(
            (text.as_str(), code),
            (format!("{A_BLOCK}{EMPTY_BLOCK}").as_str(), 0)
        );
        let (text, code) = render_replies(&["flappy", "flappy"], &[Some((a, 0)), None], false);
        assert_eq!(
            text,
            format!("{A_BLOCK}*** Can't find flappy: No answer\n\n")
        );
        assert_eq!(code, 0);
        let (text, _) = render_replies(
            &["flappy"],
            &[Some((reply_for("flappy", RecordType::A), 3))],
            true,
        );
        assert!(
            text.starts_with("Query #0 completed in 3ms:\nNon-authoritative answer:\n"),
            "{text}"
        );
    }

    #[test]
    fn server_lines() {
        assert_eq!(
            render_server("127.0.0.11", "127.0.0.11:53".parse().unwrap()),
            "Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\n"
        );
        assert_eq!(
            render_server("::1", "[::1]:53".parse().unwrap()),
            "Server:\t\t::1\nAddress:\t[::1]:53\n\n"
        );
    }

    fn reply_with(aa: bool, rcode: ResponseCode, answers: Vec<Record>) -> Vec<u8> {
        let mut r = Message::response(1, OpCode::Query);
        r.metadata.authoritative = aa;
        r.metadata.response_code = rcode;
        r.add_query(Query::query(name("x.example."), RecordType::ANY));
        for a in answers {
            r.add_answer(a);
        }
        r.to_vec().unwrap()
    }

    #[test]
    fn record_formats() {
        let owner = name("x.example.");
        let rec = |d: RData| Record::from_rdata(owner.clone(), 60, d);
        let reply = reply_with(
            false,
            ResponseCode::NoError,
            vec![
                rec(RData::MX(MX::new(10, name("mail.example.")))),
                rec(RData::SRV(SRV::new(1, 2, 5432, name("db.example.")))),
                rec(RData::TXT(TXT::new(vec!["hello".into(), "ignored".into()]))),
                rec(RData::SOA(SOA::new(
                    name("ns.example."),
                    name("root.example."),
                    7,
                    3600,
                    600,
                    86400,
                    60,
                ))),
            ],
        );
        let (text, ok) = describe_reply("x.example", &reply, false);
        assert!(ok);
        assert_eq!(
            text,
            "Non-authoritative answer:\n\
             x.example\tmail exchanger = 10 mail.example\n\
             x.example\tservice = 1 2 5432 db.example\n\
             x.example\ttext = \"hello\"\n\
             x.example\n\torigin = ns.example\n\tmail addr = root.example\n\tserial = 7\n\trefresh = 3600\n\tretry = 600\n\texpire = 86400\n\tminimum = 60\n\n"
        );
    }

    #[test]
    fn cname_wording_sticks_like_busybox() {
        let reply = reply_with(
            false,
            ResponseCode::NoError,
            vec![
                Record::from_rdata(
                    name("www.example."),
                    60,
                    RData::CNAME(CNAME(name("x.example."))),
                ),
                Record::from_rdata(name("x.example."), 60, RData::PTR(PTR(name("y.example.")))),
            ],
        );
        let (text, _) = describe_reply("www.example", &reply, false);
        assert_eq!(
            text,
            "Non-authoritative answer:\nwww.example\tcanonical name = x.example\nx.example\tcanonical name = y.example\n\n"
        );
    }

    #[test]
    fn authoritative_errors_and_garbage() {
        let (text, ok) = describe_reply(
            "x.example",
            &reply_with(true, ResponseCode::NoError, vec![]),
            false,
        );
        assert_eq!((text.as_str(), ok), ("\n", true));
        let (text, _) = describe_reply(
            "x.example",
            &reply_with(true, ResponseCode::NoError, vec![]),
            true,
        );
        assert_eq!(text, "authoritative answer:\n\n");
        let (text, ok) = describe_reply(
            "x.example",
            &reply_with(false, ResponseCode::ServFail, vec![]),
            false,
        );
        assert_eq!(
            (text.as_str(), ok),
            ("** server can't find x.example: SERVFAIL\n\n", false)
        );
        let (text, ok) = describe_reply(
            "x.example",
            &reply_with(false, ResponseCode::Refused, vec![]),
            false,
        );
        assert_eq!(
            (text.as_str(), ok),
            ("** server can't find x.example: REFUSED\n\n", false)
        );
        // NOERROR header, cut mid-question.
        let cut = &reply_for("flappy", RecordType::A)[..15];
        let (text, ok) = describe_reply("flappy", cut, false);
        assert_eq!(
            (text.as_str(), ok),
            (
                "Non-authoritative answer:\n*** Can't find flappy: Parse error\n\n",
                false
            )
        );
        // Short junk never panics.
        for len in 0..12 {
            let _ = describe_reply("flappy", &[0u8; 12][..len], false);
        }
    }
}
