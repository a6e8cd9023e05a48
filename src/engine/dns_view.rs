//! Who can resolve whom: the embedded DNS answers from a snapshot of the
//! lab taken after every change, so lookups never wait for the engine.
//! A name resolves only for containers that share a user-defined network
//! with its owner, to the address on that shared network.

use std::net::Ipv4Addr;

/// One container's attachment to one user-defined network.
#[derive(Debug, Clone)]
pub struct Member {
    pub container_id: String,
    pub name: String,
    pub network_id: String,
    pub network_name: String,
    pub ip: Ipv4Addr,
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

/// `name` is `NAME.NETWORK` of `m`, compared without building that string
/// (this runs for every member on every query).
fn is_qualified_name(name: &str, m: &Member) -> bool {
    let (n, c, net) = (
        name.as_bytes(),
        m.name.as_bytes(),
        m.network_name.as_bytes(),
    );
    n.len() == c.len() + 1 + net.len()
        && n[..c.len()].eq_ignore_ascii_case(c)
        && n[c.len()] == b'.'
        && n[c.len() + 1..].eq_ignore_ascii_case(net)
}

impl DnsView {
    /// Addresses for `name` as `asker` sees them, in the asker's network order.
    pub fn lookup_a(&self, asker: &str, name: &str) -> Option<Vec<Ipv4Addr>> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let mut found = Vec::new();
        for mine in self.members.iter().filter(|m| m.container_id == asker) {
            let linked: Vec<&str> = mine
                .links
                .iter()
                .filter(|(_, alias)| alias.eq_ignore_ascii_case(&name))
                .map(|(target, _)| target.as_str())
                .collect();
            for m in self
                .members
                .iter()
                .filter(|m| m.network_id == mine.network_id)
            {
                let hit = m.name.eq_ignore_ascii_case(&name)
                    || m.container_id.len() >= 12 && m.container_id[..12] == name
                    || is_qualified_name(&name, m)
                    || m.aliases.iter().any(|a| a.eq_ignore_ascii_case(&name))
                    || linked.iter().any(|t| t.eq_ignore_ascii_case(&m.name));
                if hit && !found.contains(&m.ip) {
                    found.push(m.ip);
                }
            }
        }
        (!found.is_empty()).then_some(found)
    }

    /// `name.network` for an address on a network the asker is on.
    pub fn lookup_ptr(&self, asker: &str, ip: Ipv4Addr) -> Option<String> {
        self.members
            .iter()
            .filter(|mine| mine.container_id == asker)
            .find_map(|mine| {
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
            aliases: vec![],
            links: vec![],
        }
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
        assert_eq!(
            v.lookup_a(&gate, "FLAPPY.Flappy-Private."),
            Some(ip("172.19.0.2"))
        );
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
