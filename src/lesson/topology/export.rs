//! The lab's picture for documents and slides: Mermaid (GitHub and most
//! wikis draw it), Graphviz dot, or the plain data as JSON. Bridges and
//! containers are nodes, each interface an edge between them (a container
//! on two networks simply has two), published ports edges from the lab
//! host. Pure and deterministic: input order decides.

use super::{split_port, TopoContainer, TopoNetwork};
use crate::inspect::Topology;

/// Node ids are positional (n1, c1): names may hold `-` and `.`, which
/// Mermaid reads as edge syntax.
struct Ids<'a> {
    networks: &'a [TopoNetwork],
}

impl Ids<'_> {
    fn network(&self, name: &str) -> Option<String> {
        self.networks
            .iter()
            .position(|n| n.name == name)
            .map(|i| format!("n{}", i + 1))
    }
}

fn container_id(i: usize) -> String {
    format!("c{}", i + 1)
}

/// A network node's lines; with `--ipv6`, its IPv6 subnet and gateway too.
fn network_lines(n: &TopoNetwork) -> Vec<String> {
    let mut lines = vec![
        n.name.clone(),
        format!("{} {}", n.bridge, n.subnet),
        format!("gateway {}", n.gateway),
    ];
    if let (Some(s), Some(g)) = (&n.subnet6, &n.gateway6) {
        lines.push(s.clone());
        lines.push(format!("gateway {g}"));
    }
    lines
}

/// "0.0.0.0:443->443/tcp" as an edge label: "0.0.0.0:443 to 443/tcp".
fn port_label(p: &str) -> Option<String> {
    split_port(p).map(|(ctr, host)| format!("{host} to {ctr}"))
}

fn has_ports(containers: &[TopoContainer]) -> bool {
    containers
        .iter()
        .any(|c| c.published.iter().any(|p| split_port(p).is_some()))
}

/// Mermaid text inside `"..."`: its own entity for a quote.
fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
}

pub fn mermaid(networks: &[TopoNetwork], containers: &[TopoContainer]) -> String {
    let ids = Ids { networks };
    let mut out = String::from("flowchart LR\n");
    if has_ports(containers) {
        out.push_str("    host([\"lab host\"])\n");
    }
    for (i, n) in networks.iter().enumerate() {
        let label = network_lines(n)
            .iter()
            .map(|l| mermaid_text(l))
            .collect::<Vec<_>>()
            .join("<br>");
        out.push_str(&format!("    n{}{{{{\"{label}\"}}}}\n", i + 1));
    }
    for (i, c) in containers.iter().enumerate() {
        out.push_str(&format!(
            "    {}[\"{}\"]\n",
            container_id(i),
            mermaid_text(&c.name)
        ));
    }
    for (i, c) in containers.iter().enumerate() {
        for e in &c.endpoints {
            if let Some(n) = ids.network(&e.network) {
                let label = mermaid_text(&format!("{} {}", e.ifname, e.addresses()));
                out.push_str(&format!("    {} ---|\"{label}\"| {n}\n", container_id(i)));
            }
        }
    }
    for (i, c) in containers.iter().enumerate() {
        for label in c.published.iter().filter_map(|p| port_label(p)) {
            let label = mermaid_text(&label);
            out.push_str(&format!("    host -->|\"{label}\"| {}\n", container_id(i)));
        }
    }
    out
}

/// A dot string literal.
fn dot_text(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

pub fn dot(networks: &[TopoNetwork], containers: &[TopoContainer]) -> String {
    let ids = Ids { networks };
    let mut out =
        String::from("graph lab {\n    rankdir=LR;\n    node [fontname=\"monospace\"];\n");
    if has_ports(containers) {
        out.push_str("    host [label=\"lab host\", shape=box3d];\n");
    }
    for (i, n) in networks.iter().enumerate() {
        // Lines joined with dot's own `\n` escape, after quoting.
        let label = network_lines(n)
            .iter()
            .map(|l| {
                let q = dot_text(l);
                q[1..q.len() - 1].to_string()
            })
            .collect::<Vec<_>>()
            .join("\\n");
        out.push_str(&format!(
            "    n{} [label=\"{label}\", shape=hexagon];\n",
            i + 1
        ));
    }
    for (i, c) in containers.iter().enumerate() {
        out.push_str(&format!(
            "    {} [label={}, shape=box];\n",
            container_id(i),
            dot_text(&c.name)
        ));
    }
    for (i, c) in containers.iter().enumerate() {
        for e in &c.endpoints {
            if let Some(n) = ids.network(&e.network) {
                let label = dot_text(&format!("{} {}", e.ifname, e.addresses()));
                out.push_str(&format!(
                    "    {} -- {n} [label={label}];\n",
                    container_id(i)
                ));
            }
        }
    }
    for (i, c) in containers.iter().enumerate() {
        for label in c.published.iter().filter_map(|p| port_label(p)) {
            out.push_str(&format!(
                "    host -- {} [label={}, dir=forward];\n",
                container_id(i),
                dot_text(&label)
            ));
        }
    }
    out.push_str("}\n");
    out
}

/// The data the pictures are drawn from, as the engine sends it.
pub fn json(networks: &[TopoNetwork], containers: &[TopoContainer]) -> String {
    let t = Topology {
        networks: networks.to_vec(),
        containers: containers.to_vec(),
    };
    let mut s = serde_json::to_string_pretty(&t).expect("topology serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::TopoEndpoint;
    use std::collections::BTreeSet;

    fn lab() -> (Vec<TopoNetwork>, Vec<TopoContainer>) {
        let net = |name: &str, subnet: &str, gw: &str, br: &str| TopoNetwork {
            name: name.into(),
            subnet: subnet.into(),
            gateway: gw.into(),
            bridge: br.into(),
            subnet6: None,
            gateway6: None,
        };
        let ep = |n: &str, ip: &str, i: &str| TopoEndpoint {
            network: n.into(),
            ip: ip.into(),
            ifname: i.into(),
            ip6: None,
        };
        (
            vec![
                net(
                    "flappy-public",
                    "172.18.0.0/16",
                    "172.18.0.1",
                    "br-73fefaeb1a1d",
                ),
                net(
                    "flappy-private",
                    "172.19.0.0/16",
                    "172.19.0.1",
                    "br-ec908528eeaf",
                ),
            ],
            vec![
                TopoContainer {
                    name: "network-gate".into(),
                    endpoints: vec![
                        ep("flappy-public", "172.18.0.2", "eth0"),
                        ep("flappy-private", "172.19.0.3", "eth1"),
                    ],
                    published: vec![],
                },
                TopoContainer {
                    name: "ssl-term".into(),
                    endpoints: vec![ep("flappy-public", "172.18.0.3", "eth0")],
                    published: vec!["0.0.0.0:443->443/tcp".into(), "5000/udp".into()],
                },
            ],
        )
    }

    /// Node ids declared (`id[`, `id{{`, `id([`) and ids used in edges.
    fn mermaid_ids(text: &str) -> (BTreeSet<String>, Vec<(String, String)>) {
        let mut declared = BTreeSet::new();
        let mut edges = Vec::new();
        for line in text.lines().skip(1) {
            let line = line.trim();
            if let Some((from, rest)) = line.split_once(" ---|").or(line.split_once(" -->|")) {
                let (_, to) = rest.rsplit_once("| ").expect("edge label closed");
                edges.push((from.to_string(), to.to_string()));
            } else {
                let id: String = line
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                assert!(!id.is_empty() && line[id.len()..].contains('"'), "{line}");
                declared.insert(id);
            }
        }
        (declared, edges)
    }

    #[test]
    fn mermaid_is_a_flowchart_whose_edges_join_declared_nodes() {
        let (n, c) = lab();
        let text = mermaid(&n, &c);
        assert_eq!(
            text,
            r#"flowchart LR
    host(["lab host"])
    n1{{"flappy-public<br>br-73fefaeb1a1d 172.18.0.0/16<br>gateway 172.18.0.1"}}
    n2{{"flappy-private<br>br-ec908528eeaf 172.19.0.0/16<br>gateway 172.19.0.1"}}
    c1["network-gate"]
    c2["ssl-term"]
    c1 ---|"eth0 172.18.0.2"| n1
    c1 ---|"eth1 172.19.0.3"| n2
    c2 ---|"eth0 172.18.0.3"| n1
    host -->|"0.0.0.0:443 to 443/tcp"| c2
"#
        );
        let (declared, edges) = mermaid_ids(&text);
        assert_eq!(edges.len(), 4);
        for (a, b) in edges {
            assert!(declared.contains(&a) && declared.contains(&b), "{a} -- {b}");
        }
        // Every quoted string is closed on its line.
        for line in text.lines() {
            assert_eq!(line.matches('"').count() % 2, 0, "{line}");
        }
    }

    #[test]
    fn dot_statements_are_closed_and_edges_join_declared_nodes() {
        let (n, c) = lab();
        let text = dot(&n, &c);
        assert!(text.starts_with("graph lab {\n") && text.ends_with("}\n"));
        let body: Vec<&str> = text.lines().skip(1).take_while(|l| *l != "}").collect();
        let mut declared = BTreeSet::new();
        let mut edges = 0;
        for line in &body {
            assert!(line.ends_with(';'), "{line}");
            assert_eq!(
                line.replace("\\\"", "").matches('"').count() % 2,
                0,
                "{line}"
            );
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.get(1) == Some(&"--") {
                edges += 1;
                for id in [words[0], words[2]] {
                    assert!(declared.contains(id), "{id} undeclared: {line}");
                }
            } else if line.contains("[label=") {
                declared.insert(words[0]);
            }
        }
        assert_eq!(edges, 4);
        assert!(text.contains("n2 [label=\"flappy-private\\nbr-ec908528eeaf 172.19.0.0/16\\ngateway 172.19.0.1\", shape=hexagon];"));
        assert!(text.contains("host -- c2 [label=\"0.0.0.0:443 to 443/tcp\", dir=forward];"));
    }

    #[test]
    fn quotes_in_labels_are_escaped() {
        assert_eq!(dot_text(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(mermaid_text("a\"b"), "a#quot;b");
    }

    #[test]
    fn json_round_trips() {
        let (n, c) = lab();
        let t: Topology = serde_json::from_str(&json(&n, &c)).unwrap();
        assert_eq!(t.networks, n);
        assert_eq!(t.containers, c);
    }

    #[test]
    fn no_ports_no_host_node() {
        let (n, mut c) = lab();
        c[1].published.clear();
        assert!(!mermaid(&n, &c).contains("host"));
        assert!(!dot(&n, &c).contains("host"));
    }

    #[test]
    fn an_ipv6_address_beside_the_ipv4_one_in_every_format() {
        let (mut n, mut c) = lab();
        // IPv4 only: no "ip6" key, as before IPv6 existed.
        assert!(!json(&n, &c).contains("ip6"));
        assert!(!json(&n, &c).contains("subnet6"));
        n[0].subnet6 = Some("fd00:1::/64".into());
        n[0].gateway6 = Some("fd00:1::1".into());
        assert!(mermaid(&n, &c).contains("<br>fd00:1::/64<br>gateway fd00:1::1\""));
        assert!(dot(&n, &c).contains("\\nfd00:1::/64\\ngateway fd00:1::1\""));
        let v4 = c[0].endpoints[0].ip.clone();
        c[0].endpoints[0].ip6 = Some("fd00:1::2".into());
        let label = format!("eth0 {v4} fd00:1::2");
        assert!(
            mermaid(&n, &c).contains(&format!("|\"{label}\"|")),
            "{}",
            mermaid(&n, &c)
        );
        assert!(
            dot(&n, &c).contains(&format!("[label=\"{label}\"]")),
            "{}",
            dot(&n, &c)
        );
        let j = json(&n, &c);
        assert!(j.contains("\"ip6\": \"fd00:1::2\""), "{j}");
        let t: Topology = serde_json::from_str(&j).unwrap();
        assert_eq!(t.containers, c);
    }
}
