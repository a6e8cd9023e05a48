//! Who can resolve whom: the embedded DNS answers from a snapshot of the
//! lab taken after every change, so lookups never wait for the engine.
//! A name resolves only for containers that share a user-defined network
//! with its owner, to the address on that shared network.

use std::net::{Ipv4Addr, Ipv6Addr};

/// One container's attachment to one user-defined network.
#[derive(Debug, Clone)]
pub struct Member {
    pub container_id: String,
    pub name: String,
    pub network_id: String,
    pub network_name: String,
    pub ip: Ipv4Addr,
    /// Its IPv6 address there, on a network with `--ipv6`.
    pub ip6: Option<Ipv6Addr>,
    /// `--network-alias` names on this network.
    pub aliases: Vec<String>,
    /// `--link target:alias` on a user network: the alias resolves, for this
    /// container only, to the target.
    pub links: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct DnsView {
    pub members: Vec<Member>,
}

/// A name a network's records hold for `m`: its container name, its
/// `--network-alias` names and its short id, compared lower-cased as
/// libnetwork keys them (`addNameToIP`).
fn is_name_of(req_lower: &str, m: &Member) -> bool {
    m.name.eq_ignore_ascii_case(req_lower)
        || m.container_id.get(..12) == Some(req_lower)
        || m.aliases.iter().any(|a| a.eq_ignore_ascii_case(req_lower))
}

/// Addresses in order, each once.
fn distinct<T: PartialEq>(ips: impl Iterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for ip in ips {
        if !out.contains(&ip) {
            out.push(ip);
        }
    }
    out
}

impl DnsView {
    /// The asker's endpoints in libnetwork's sandbox order (`endpoint.Less`:
    /// for bridge networks that is by network name), which decides which
    /// network answers when several could.
    fn endpoints_of<'a>(&'a self, asker: &str) -> Vec<&'a Member> {
        let mut mine: Vec<&Member> = self
            .members
            .iter()
            .filter(|m| m.container_id == asker)
            .collect();
        mine.sort_by(|a, b| a.network_name.cmp(&b.network_name));
        mine
    }

    /// The members a network's records hold for `req` (any case), in
    /// member order (`network.ResolveName`); None if it knows no such name.
    fn network_lookup(&self, network_id: &str, req: &str) -> Option<Vec<&Member>> {
        let req = req.to_ascii_lowercase();
        let found: Vec<&Member> = self
            .members
            .iter()
            .filter(|m| m.network_id == network_id && is_name_of(&req, m))
            .collect();
        (!found.is_empty()).then_some(found)
    }

    /// Addresses for `name` (as asked: case kept, a trailing dot allowed) as
    /// `asker` sees them, by libnetwork's `sandbox.ResolveName`:
    /// - the whole name, then `A` in network `B` for each split `A.B` of it
    ///   from the right (so `web.shop` is `web` on network `shop`); the
    ///   network's name must match exactly, in case too;
    /// - for each, first the asker's `--link` aliases on a user network
    ///   (case-sensitive, as a Go map key), then the network's records
    ///   (case-insensitive);
    /// - the first of the asker's networks (by name) that knows the name
    ///   answers, with all of its addresses there: never a mix of networks.
    pub fn lookup_a(&self, asker: &str, name: &str) -> Option<Vec<Ipv4Addr>> {
        let found = self.lookup(asker, name)?;
        Some(distinct(found.iter().map(|m| m.ip)))
    }

    /// AAAA: the IPv6 addresses of the members `lookup_a` finds, from the
    /// same network (libnetwork resolves both types alike). Some and empty
    /// when the name is known there without IPv6 (its `ipv6Miss`: NOERROR,
    /// no answers, not forwarded).
    pub fn lookup_aaaa(&self, asker: &str, name: &str) -> Option<Vec<Ipv6Addr>> {
        let found = self.lookup(asker, name)?;
        Some(distinct(found.iter().filter_map(|m| m.ip6)))
    }

    fn lookup(&self, asker: &str, name: &str) -> Option<Vec<&Member>> {
        let name = name.strip_suffix('.').unwrap_or(name);
        let mine = self.endpoints_of(asker);
        let mut tries = vec![(name, None)];
        let mut rest = name;
        while let Some(i) = rest.rfind('.') {
            tries.push((&name[..i], Some(&name[i + 1..])));
            rest = &rest[..i];
        }
        for (req, network) in tries {
            let on = |m: &&&Member| network.is_none_or(|n| n == m.network_name);
            // A link alias of this endpoint, looked up as its target's name.
            for m in mine.iter().filter(on) {
                if let Some((target, _)) = m.links.iter().find(|(_, alias)| alias == req) {
                    if let Some(ips) = self.network_lookup(&m.network_id, target) {
                        return Some(ips);
                    }
                }
            }
            for m in mine.iter().filter(on) {
                if m.links.iter().any(|(_, alias)| alias == req) {
                    continue;
                }
                if let Some(ips) = self.network_lookup(&m.network_id, req) {
                    return Some(ips);
                }
            }
        }
        None
    }

    /// `name.network` for an address on one of the asker's networks, the
    /// first by name that has it (`sandbox.ResolveIP`); the container's
    /// name keeps its case.
    pub fn lookup_ptr6(&self, asker: &str, ip: Ipv6Addr) -> Option<String> {
        self.endpoints_of(asker).into_iter().find_map(|mine| {
            self.members
                .iter()
                .find(|m| m.network_id == mine.network_id && m.ip6 == Some(ip))
                .map(|m| format!("{}.{}", m.name, m.network_name))
        })
    }

    pub fn lookup_ptr(&self, asker: &str, ip: Ipv4Addr) -> Option<String> {
        self.endpoints_of(asker).into_iter().find_map(|mine| {
            self.members
                .iter()
                .find(|m| m.network_id == mine.network_id && m.ip == ip)
                .map(|m| format!("{}.{}", m.name, m.network_name))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, name: &str, net: &str, ip: &str) -> Member {
        Member {
            container_id: format!("{id}{}", "0".repeat(64 - id.len())),
            name: name.into(),
            network_id: format!("id-{net}"),
            network_name: net.into(),
            ip: ip.parse().unwrap(),
            ip6: None,
            aliases: vec![],
            links: vec![],
        }
    }

    #[test]
    fn aaaa_answers_the_v6_address_of_the_network_that_knows_the_name() {
        // Docker 20.10: `nslookup -type=aaaa v6c2` from v6c1 on v6n gives
        // fd00:1::99; a name known without IPv6 answers nothing (NOERROR).
        let mut a = member("aaaaaaaaaaaa", "v6c1", "v6n", "172.19.0.2");
        a.ip6 = Some("fd00:1::2".parse().unwrap());
        let mut b = member("bbbbbbbbbbbb", "v6c2", "v6n", "172.19.0.3");
        b.ip6 = Some("fd00:1::99".parse().unwrap());
        let c = member("cccccccccccc", "v4c", "v6n", "172.19.0.4");
        let view = DnsView {
            members: vec![a.clone(), b, c],
        };
        let asker = a.container_id.as_str();
        assert_eq!(
            view.lookup_aaaa(asker, "V6C2."),
            Some(vec!["fd00:1::99".parse().unwrap()])
        );
        let v4: std::net::Ipv4Addr = "172.19.0.3".parse().unwrap();
        assert_eq!(view.lookup_a(asker, "v6c2"), Some(vec![v4]));
        assert_eq!(view.lookup_aaaa(asker, "v4c"), Some(vec![]));
        assert_eq!(view.lookup_aaaa(asker, "nobody"), None);
        // Docker: `nslookup fd00:1::99` names v6c2.v6n.
        assert_eq!(
            view.lookup_ptr6(asker, "fd00:1::99".parse().unwrap()),
            Some("v6c2.v6n".to_string())
        );
    }

    fn lab() -> (DnsView, String, String, String) {
        // flappy on private; network-gate on public and private; ssl-term on public.
        let flappy = member("aaaaaaaaaaaa", "flappy", "flappy-private", "172.19.0.2");
        let gate_pub = member(
            "bbbbbbbbbbbb",
            "network-gate",
            "flappy-public",
            "172.18.0.3",
        );
        let gate_priv = member(
            "bbbbbbbbbbbb",
            "network-gate",
            "flappy-private",
            "172.19.0.3",
        );
        let mut ssl = member("cccccccccccc", "ssl-term", "flappy-public", "172.18.0.2");
        ssl.aliases.push("tls".into());
        let ids = (
            flappy.container_id.clone(),
            gate_pub.container_id.clone(),
            ssl.container_id.clone(),
        );
        (
            DnsView {
                members: vec![flappy, gate_pub, gate_priv, ssl],
            },
            ids.0,
            ids.1,
            ids.2,
        )
    }

    #[test]
    fn names_resolve_only_across_a_shared_network() {
        let (v, flappy, gate, ssl) = lab();
        let ip = |s: &str| -> Vec<Ipv4Addr> { vec![s.parse().unwrap()] };
        assert_eq!(v.lookup_a(&gate, "flappy"), Some(ip("172.19.0.2")));
        assert_eq!(v.lookup_a(&gate, "FLAPPY."), Some(ip("172.19.0.2")));
        assert_eq!(
            v.lookup_a(&gate, "flappy.flappy-private"),
            Some(ip("172.19.0.2"))
        );
        assert_eq!(v.lookup_a(&gate, "aaaaaaaaaaaa"), Some(ip("172.19.0.2")));
        assert_eq!(
            v.lookup_a(&ssl, "flappy"),
            None,
            "ssl-term shares no network with flappy"
        );
        assert_eq!(v.lookup_a(&ssl, "network-gate"), Some(ip("172.18.0.3")));
        assert_eq!(v.lookup_a(&flappy, "network-gate"), Some(ip("172.19.0.3")));
        assert_eq!(v.lookup_a(&flappy, "tls"), None);
        assert_eq!(v.lookup_a(&gate, "tls"), Some(ip("172.18.0.2")));
        assert_eq!(v.lookup_a(&gate, "flappy.flappy-public"), None);
        // Docker 20.10: `nslookup WEB.net` resolves, `web.NET` is NXDOMAIN:
        // the network's name is compared exactly.
        assert_eq!(
            v.lookup_a(&gate, "FLAPPY.flappy-private."),
            Some(ip("172.19.0.2"))
        );
        assert_eq!(v.lookup_a(&gate, "flappy.Flappy-Private"), None);
        assert_eq!(
            v.lookup_a(&gate, "TLS.flappy-public"),
            Some(ip("172.18.0.2"))
        );
        assert_eq!(v.lookup_a(&gate, "tls.flappy-private"), None);
        for near_miss in [
            "flappy.flappy-privat",
            "flappy.flappy-privatex",
            "flapp.flappy-private",
            "flappy-flappy-private",
            "flappy..flappy-private",
        ] {
            assert_eq!(v.lookup_a(&gate, near_miss), None, "{near_miss}");
        }
        assert_eq!(v.lookup_a("no-such-asker", "flappy"), None);
    }

    #[test]
    fn link_aliases_resolve_for_the_linking_container_only() {
        let (mut v, flappy, gate, _) = lab();
        let mine = v
            .members
            .iter_mut()
            .find(|m| m.container_id == gate && m.network_name == "flappy-private")
            .unwrap();
        mine.links.push(("flappy".into(), "pg".into()));
        assert_eq!(
            v.lookup_a(&gate, "pg"),
            Some(vec!["172.19.0.2".parse().unwrap()])
        );
        assert_eq!(v.lookup_a(&flappy, "pg"), None);
        // Docker 20.10: `pg.net` resolves, `PG` is NXDOMAIN (a Go map key).
        assert_eq!(
            v.lookup_a(&gate, "pg.flappy-private"),
            Some(vec!["172.19.0.2".parse().unwrap()])
        );
        assert_eq!(v.lookup_a(&gate, "PG"), None);
        assert_eq!(v.lookup_a(&gate, "pg.flappy-public"), None);
    }

    /// Docker 20.10: `two` on networks z (joined first, 172.23.0.2) and b
    /// (172.21.0.2), asked by a container on both: `Address: 172.21.0.2`
    /// alone, the address on the network first by name.
    #[test]
    fn a_name_on_two_shared_networks_answers_from_the_first_by_name() {
        let mut v = DnsView::default();
        v.members
            .push(member("aaaaaaaaaaaa", "two", "z", "172.23.0.2"));
        v.members
            .push(member("aaaaaaaaaaaa", "two", "b", "172.21.0.2"));
        v.members
            .push(member("bbbbbbbbbbbb", "ask", "z", "172.23.0.3"));
        v.members
            .push(member("bbbbbbbbbbbb", "ask", "b", "172.21.0.3"));
        let ask = v.members[2].container_id.clone();
        assert_eq!(
            v.lookup_a(&ask, "two"),
            Some(vec!["172.21.0.2".parse().unwrap()])
        );
        assert_eq!(
            v.lookup_a(&ask, "two.z"),
            Some(vec!["172.23.0.2".parse().unwrap()])
        );
        assert_eq!(
            v.lookup_ptr(&ask, "172.23.0.2".parse().unwrap()).as_deref(),
            Some("two.z")
        );
    }

    /// Several containers behind one alias: every address, once.
    #[test]
    fn an_alias_of_several_containers_has_all_their_addresses() {
        let mut v = DnsView::default();
        for (id, name, ip) in [
            ("aaaaaaaaaaaa", "a1", "172.19.0.2"),
            ("bbbbbbbbbbbb", "a2", "172.19.0.3"),
            ("cccccccccccc", "Up", "172.19.0.4"),
        ] {
            let mut m = member(id, name, "n", ip);
            m.aliases.push("web".into());
            v.members.push(m);
        }
        let asker = v.members[0].container_id.clone();
        let ips: Vec<Ipv4Addr> = ["172.19.0.2", "172.19.0.3", "172.19.0.4"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(v.lookup_a(&asker, "web"), Some(ips.clone()));
        assert_eq!(v.lookup_a(&asker, "WEB.n"), Some(ips));
        assert_eq!(v.lookup_a(&asker, "web.N"), None);
        // A container's name keeps its case in a reverse answer.
        assert_eq!(
            v.lookup_ptr(&asker, "172.19.0.4".parse().unwrap())
                .as_deref(),
            Some("Up.n")
        );
        assert_eq!(
            v.lookup_a(&asker, "up"),
            Some(vec!["172.19.0.4".parse().unwrap()])
        );
    }

    #[test]
    fn reverse_lookups_name_the_network() {
        let (v, _, gate, ssl) = lab();
        assert_eq!(
            v.lookup_ptr(&gate, "172.19.0.2".parse().unwrap())
                .as_deref(),
            Some("flappy.flappy-private")
        );
        assert_eq!(v.lookup_ptr(&ssl, "172.19.0.2".parse().unwrap()), None);
    }
}
