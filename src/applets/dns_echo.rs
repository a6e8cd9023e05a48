//! `netlings-dns-echo ADDRESS`: a tiny DNS server on port 53 (UDP and
//! TCP) of the container's first address, so a lab, which has no internet, has an external server for
//! `--dns` to point at. It answers every A question with ADDRESS, names
//! that start with "nx" with an authoritative NXDOMAIN, and anything else
//! with NOERROR and no answers.

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{RData, Record, RecordType};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, UdpSocket};

pub fn main(args: &[String]) -> i32 {
    let Some(Ok(addr)) = args.first().map(|a| a.parse::<Ipv4Addr>()) else {
        eprintln!("Usage: netlings-dns-echo ADDRESS");
        return 1;
    };
    // The container's first address, not 0.0.0.0: netlings' embedded DNS
    // server holds 127.0.0.11:53 in the same namespace (Docker's listens
    // elsewhere and redirects with iptables).
    let Some(here) = nix::ifaddrs::getifaddrs().ok().and_then(|mut addrs| {
        addrs.find_map(|a| {
            let ip = a.address?.as_sockaddr_in()?.ip();
            (!ip.is_loopback()).then_some(ip)
        })
    }) else {
        eprintln!("netlings-dns-echo: no IPv4 address");
        return 1;
    };
    let (udp, tcp) = match (UdpSocket::bind((here, 53)), TcpListener::bind((here, 53))) {
        (Ok(u), Ok(t)) => (u, t),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("netlings-dns-echo: bind: {e}");
            return 1;
        }
    };
    std::thread::spawn(move || {
        for mut s in tcp.incoming().flatten() {
            let mut len = [0u8; 2];
            let mut q = Vec::new();
            let ok = s.read_exact(&mut len).is_ok() && {
                q.resize(usize::from(u16::from_be_bytes(len)), 0);
                s.read_exact(&mut q).is_ok()
            };
            if let Some(r) = ok.then(|| reply(&q, addr)).flatten() {
                let _ = s.write_all(&(r.len() as u16).to_be_bytes());
                let _ = s.write_all(&r);
            }
        }
    });
    let mut buf = [0u8; 1500];
    loop {
        let Ok((n, peer)) = udp.recv_from(&mut buf) else {
            continue;
        };
        if let Some(r) = reply(&buf[..n], addr) {
            let _ = udp.send_to(&r, peer);
        }
    }
}

fn reply(query: &[u8], addr: Ipv4Addr) -> Option<Vec<u8>> {
    let q = Message::from_vec(query).ok()?;
    if q.metadata.message_type != MessageType::Query || q.queries.len() != 1 {
        return None;
    }
    let question = &q.queries[0];
    let mut m = Message::response(q.metadata.id, q.metadata.op_code);
    m.metadata.recursion_desired = q.metadata.recursion_desired;
    m.metadata.recursion_available = true;
    m.add_query(question.clone());
    let name = question.name().to_ascii().to_ascii_lowercase();
    if name.starts_with("nx") {
        m.metadata.authoritative = true;
        m.metadata.response_code = ResponseCode::NXDomain;
    } else if question.query_type() == RecordType::A {
        m.add_answer(Record::from_rdata(
            question.name().clone(),
            60,
            RData::A(A(addr)),
        ));
    }
    m.to_vec().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::{OpCode, Query};
    use hickory_proto::rr::Name;

    fn ask(name: &str, rtype: RecordType) -> Message {
        let mut q = Message::new(7, MessageType::Query, OpCode::Query);
        q.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
        let r = reply(&q.to_vec().unwrap(), Ipv4Addr::new(10, 9, 9, 9)).unwrap();
        Message::from_vec(&r).unwrap()
    }

    #[test]
    fn answers_a_nxdomain_and_empty() {
        let m = ask("foo.example.", RecordType::A);
        assert_eq!(m.metadata.id, 7);
        assert_eq!(m.answers.len(), 1);
        assert_eq!(m.answers[0].data, RData::A(A(Ipv4Addr::new(10, 9, 9, 9))));
        let m = ask("nxthing.example.", RecordType::A);
        assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
        assert!(m.metadata.authoritative);
        let m = ask("foo.example.", RecordType::TXT);
        assert_eq!(m.metadata.response_code, ResponseCode::NoError);
        assert!(m.answers.is_empty());
    }
}
