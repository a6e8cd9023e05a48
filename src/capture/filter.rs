//! `--filter`: the part of tcpdump's language lessons use. `host H` (an
//! address or a container's name), `port N`, `tcp`, `udp`, `icmp` (IPv4's,
//! as in tcpdump), `icmp6`, `arp`,
//! combined with `and`/`&&`, `or`/`||`, `not`/`!` and parentheses; `and`
//! binds tighter than `or`. A pure parser and matcher.

use super::decode::{Decoded, Names, Proto};
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Host(IpAddr),
    Port(u16),
    Proto(Proto),
    Not(Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
}

impl Filter {
    pub fn matches(&self, d: &Decoded) -> bool {
        match self {
            Filter::Host(h) => d.src == Some(*h) || d.dst == Some(*h),
            Filter::Port(p) => d.sport == Some(*p) || d.dport == Some(*p),
            Filter::Proto(p) => d.proto == *p,
            Filter::Not(f) => !f.matches(d),
            Filter::And(a, b) => a.matches(d) && b.matches(d),
            Filter::Or(a, b) => a.matches(d) || b.matches(d),
        }
    }
}

fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let single = match c {
            '(' | ')' | '!' => Some(c.to_string()),
            '&' | '|' if chars.peek() == Some(&c) => {
                chars.next();
                Some(format!("{c}{c}"))
            }
            _ => None,
        };
        if c.is_whitespace() || single.is_some() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            out.extend(single);
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

struct Parser<'a> {
    toks: Vec<String>,
    at: usize,
    names: &'a Names,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.toks.get(self.at).map(String::as_str)
    }
    fn next(&mut self) -> Option<String> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }
    fn or(&mut self) -> Result<Filter, String> {
        let mut f = self.and()?;
        while matches!(self.peek(), Some("or" | "||")) {
            self.at += 1;
            f = Filter::Or(Box::new(f), Box::new(self.and()?));
        }
        Ok(f)
    }
    fn and(&mut self) -> Result<Filter, String> {
        let mut f = self.not()?;
        while matches!(self.peek(), Some("and" | "&&")) {
            self.at += 1;
            f = Filter::And(Box::new(f), Box::new(self.not()?));
        }
        Ok(f)
    }
    fn not(&mut self) -> Result<Filter, String> {
        if matches!(self.peek(), Some("not" | "!")) {
            self.at += 1;
            return Ok(Filter::Not(Box::new(self.not()?)));
        }
        self.atom()
    }
    fn atom(&mut self) -> Result<Filter, String> {
        let Some(t) = self.next() else {
            return Err("the filter ends where a term was expected".into());
        };
        match t.as_str() {
            "(" => {
                let f = self.or()?;
                match self.next().as_deref() {
                    Some(")") => Ok(f),
                    _ => Err("a `(` in the filter is not closed".into()),
                }
            }
            "tcp" => Ok(Filter::Proto(Proto::Tcp)),
            "udp" => Ok(Filter::Proto(Proto::Udp)),
            "icmp" => Ok(Filter::Proto(Proto::Icmp)),
            "icmp6" => Ok(Filter::Proto(Proto::Icmp6)),
            "arp" => Ok(Filter::Proto(Proto::Arp)),
            "host" => {
                let h = self
                    .next()
                    .ok_or("`host` needs an address or a container's name")?;
                if let Ok(ip) = h.parse() {
                    return Ok(Filter::Host(ip));
                }
                self.names
                    .iter()
                    .find(|(_, n)| **n == h)
                    .map(|(ip, _)| Filter::Host(*ip))
                    .ok_or_else(|| {
                        format!("host {h}: not an address, nor a running container of the lab")
                    })
            }
            "port" => {
                let p = self.next().ok_or("`port` needs a number")?;
                p.parse()
                    .map(Filter::Port)
                    .map_err(|_| format!("port {p}: not a port number"))
            }
            other => Err(format!(
                "`{other}` in the filter: expected host, port, tcp, udp, icmp, icmp6, arp, not, or `(`"
            )),
        }
    }
}

/// Parses a filter; container names in `host` are looked up in `names`.
pub fn parse(text: &str, names: &Names) -> Result<Filter, String> {
    let mut p = Parser {
        toks: tokens(text),
        at: 0,
        names,
    };
    let f = p.or()?;
    match p.peek() {
        None => Ok(f),
        Some(t) => Err(format!("`{t}` in the filter: expected and, or, or the end")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::decode::decode;
    use super::super::decode::tests::*;
    use super::*;

    fn m(expr: &str, frame: &[u8]) -> bool {
        parse(expr, &names()).unwrap().matches(&decode(frame))
    }

    #[test]
    fn terms() {
        let syn = tcp("S", 44312, 80, &[]);
        assert!(m("tcp", &syn));
        assert!(!m("udp", &syn));
        assert!(m("port 80", &syn) && m("port 44312", &syn) && !m("port 81", &syn));
        assert!(m("host flappy", &syn) && m("host 172.18.0.3", &syn));
        assert!(!m("host 172.18.0.9", &syn));
        assert!(m("icmp", &icmp_echo(A, B, false)));
        assert!(!m("icmp6", &icmp_echo(A, B, false)));
        // As in tcpdump: `icmp` is IPv4's; `icmp6` is every ICMPv6 message.
        let a6: [u8; 16] = "fd00::2".parse::<std::net::Ipv6Addr>().unwrap().octets();
        let b6: [u8; 16] = "fd00::3".parse::<std::net::Ipv6Addr>().unwrap().octets();
        let mut ping6 = Vec::new();
        etherparse::PacketBuilder::ethernet2([2; 6], [4; 6])
            .ipv6(a6, b6, 64)
            .icmpv6_echo_request(7, 1)
            .write(&mut ping6, &[0; 8])
            .unwrap();
        assert!(m("icmp6", &ping6) && !m("icmp", &ping6));
        let mut solicit = Vec::new();
        etherparse::PacketBuilder::ethernet2([2; 6], [0x33, 0x33, 0xff, 0, 0, 3])
            .ipv6(a6, b6, 255)
            .icmpv6(etherparse::Icmpv6Type::Unknown {
                type_u8: 135,
                code_u8: 0,
                bytes5to8: [0; 4],
            })
            .write(&mut solicit, &b6)
            .unwrap();
        assert!(m("icmp6 and host fd00::3", &solicit) && !m("icmp", &solicit));
        assert!(m("arp", &arp(true)) && m("arp and host flappy", &arp(true)));
        assert!(m(
            "udp and port 53",
            &udp(A, [127, 0, 0, 11], 4000, 53, &dns_query("x.", 1))
        ));
    }

    #[test]
    fn combinations_and_precedence() {
        let syn = tcp("S", 44312, 80, &[]);
        let ping = icmp_echo(A, B, false);
        assert!(m("tcp and port 80", &syn));
        assert!(!m("tcp and not port 80", &syn));
        assert!(m("not arp", &syn) && m("! arp", &syn));
        assert!(m("icmp or tcp and port 81", &ping)); // icmp or (tcp and port 81)
        assert!(!m("(icmp or tcp) and port 81", &ping));
        assert!(m("(tcp||icmp)&&host flappy", &ping));
        assert!(m("not (udp or arp)", &ping));
        assert!(m("not not icmp", &ping));
    }

    #[test]
    fn mistakes_get_one_clear_line() {
        let e = |s: &str| parse(s, &names()).unwrap_err();
        assert_eq!(e(""), "the filter ends where a term was expected");
        assert_eq!(e("tcp and"), "the filter ends where a term was expected");
        assert_eq!(e("(tcp"), "a `(` in the filter is not closed");
        assert_eq!(e("port http"), "port http: not a port number");
        assert_eq!(
            e("host nobody"),
            "host nobody: not an address, nor a running container of the lab"
        );
        assert_eq!(
            e("tcp udp"),
            "`udp` in the filter: expected and, or, or the end"
        );
        assert_eq!(
            e("sctp"),
            "`sctp` in the filter: expected host, port, tcp, udp, icmp, icmp6, arp, not, or `(`"
        );
    }
}
