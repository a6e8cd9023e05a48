//! `netlings topology` at a terminal's width: the labs the lessons build
//! (as plain data: no lab, no root), drawn at 60, 80 and 120 columns, never
//! exceed the width and never lose a name, an address or a port; and the
//! exports (mermaid, dot, json) have the shapes their readers parse.

use netlings::inspect::{TopoContainer, TopoEndpoint, TopoNetwork, Topology};
use netlings::lesson::topology::{render, render_fit};

fn net(name: &str, subnet: &str, bridge: &str) -> TopoNetwork {
    let gateway = subnet.replace(".0.0/16", ".0.1");
    TopoNetwork {
        name: name.into(),
        subnet: subnet.into(),
        gateway,
        bridge: bridge.into(),
        subnet6: None,
        gateway6: None,
    }
}

fn ctr(name: &str, eps: &[(&str, &str, &str)], published: &[&str]) -> TopoContainer {
    TopoContainer {
        name: name.into(),
        endpoints: eps
            .iter()
            // "172.18.0.2 fd00:1::2": an endpoint with an IPv6 address.
            .map(|(n, i, ip)| {
                let (v4, v6) = match ip.split_once(' ') {
                    Some((v4, v6)) => (v4, Some(v6.to_string())),
                    None => (*ip, None),
                };
                TopoEndpoint {
                    network: n.to_string(),
                    ip: v4.to_string(),
                    ifname: i.to_string(),
                    ip6: v6,
                }
            })
            .collect(),
        published: published.iter().map(|p| p.to_string()).collect(),
    }
}

fn bridge() -> TopoNetwork {
    net("bridge", "172.17.0.0/16", "docker0")
}
fn public() -> TopoNetwork {
    net("flappy-public", "172.18.0.0/16", "br-73fefaeb1a1d")
}
fn private() -> TopoNetwork {
    net("flappy-private", "172.19.0.0/16", "br-ec908528eeaf")
}

/// Every `$ netlings topology` of the lessons, in lesson order.
fn lesson_labs() -> Vec<(&'static str, Topology)> {
    let gate = ctr(
        "network-gate",
        &[
            ("flappy-public", "eth0", "172.18.0.2"),
            ("flappy-private", "eth1", "172.19.0.3"),
        ],
        &[],
    );
    let flappy_private = ctr(
        "flappy",
        &[("flappy-private", "eth1", "172.19.0.2")],
        &["0.0.0.0:80->80/tcp", ":::80->80/tcp"],
    );
    let ssl_term = ctr(
        "ssl-term",
        &[("flappy-public", "eth0", "172.18.0.3")],
        &["0.0.0.0:443->443/tcp", ":::443->443/tcp"],
    );
    let web = |name: &str, ip: &str, ports: &[&str]| ctr(name, &[("bridge", "eth0", ip)], ports);
    vec![
        (
            "default-bridge",
            Topology {
                networks: vec![bridge()],
                containers: vec![web(
                    "flappy",
                    "172.17.0.2",
                    &["0.0.0.0:80->80/tcp", ":::80->80/tcp"],
                )],
            },
        ),
        (
            "user-network-dns",
            Topology {
                networks: vec![bridge(), public()],
                containers: vec![
                    web("lonely-1", "172.17.0.2", &[]),
                    web("lonely-2", "172.17.0.3", &[]),
                    ctr(
                        "flappy",
                        &[("flappy-public", "eth0", "172.18.0.2")],
                        &["0.0.0.0:80->80/tcp", ":::80->80/tcp"],
                    ),
                    ssl_term.clone(),
                ],
            },
        ),
        (
            "private-gateway",
            Topology {
                networks: vec![bridge(), public(), private()],
                containers: vec![flappy_private.clone(), gate.clone(), ssl_term],
            },
        ),
        (
            "private-gateway, the tutorial's mistake",
            Topology {
                networks: vec![bridge(), public(), private()],
                containers: vec![
                    flappy_private,
                    gate,
                    ctr(
                        "ssl-term",
                        &[
                            ("flappy-public", "eth0", "172.18.0.3"),
                            ("flappy-private", "eth1", "172.19.0.4"),
                        ],
                        &["0.0.0.0:443->443/tcp", ":::443->443/tcp"],
                    ),
                ],
            },
        ),
        (
            "port-mapping",
            Topology {
                networks: vec![bridge()],
                containers: vec![
                    web(
                        "web",
                        "172.17.0.2",
                        &["0.0.0.0:32768->5000/tcp", ":::32768->5000/tcp"],
                    ),
                    web(
                        "web-range",
                        "172.17.0.4",
                        &["0.0.0.0:8000->5000/tcp", ":::8000->5000/tcp"],
                    ),
                    web("web-lo", "172.17.0.3", &["127.0.0.1:80->5000/tcp"]),
                    web("web-lo-any", "172.17.0.5", &["127.0.0.1:32769->5000/tcp"]),
                    web("web-udp", "172.17.0.6", &["127.0.0.1:80->5000/udp"]),
                ],
            },
        ),
    ]
}

fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[test]
fn every_lesson_lab_fits_60_80_and_120_columns_and_keeps_its_facts() {
    fits_and_keeps_its_facts(lesson_labs());
}

/// A dual-stack lab (no lesson has one): long IPv6 addresses under the
/// IPv4 ones, on two networks, a container on both, published ports.
#[test]
fn a_dual_stack_lab_fits_and_keeps_its_ipv6_addresses() {
    let v6 = |n: TopoNetwork, s: &str, g: &str| TopoNetwork {
        subnet6: Some(s.into()),
        gateway6: Some(g.into()),
        ..n
    };
    let v6a = v6(
        net("v6-public", "172.18.0.0/16", "br-4b8e0f2d9a11"),
        "fd00:beef:cafe:1233::/64",
        "fd00:beef:cafe:1233::1",
    );
    let v6b = v6(
        net("v6-private", "172.19.0.0/16", "br-7c1d2e3f4a5b"),
        "fd00:beef:cafe:1234::/64",
        "fd00:beef:cafe:1234::1",
    );
    let lab = Topology {
        networks: vec![bridge(), v6a, v6b],
        containers: vec![
            ctr(
                "flappy",
                &[("v6-private", "eth0", "172.19.0.2 fd00:beef:cafe:1234::2")],
                &["0.0.0.0:80->80/tcp", ":::80->80/tcp"],
            ),
            ctr(
                "network-gate",
                &[
                    ("v6-public", "eth0", "172.18.0.2 fd00:beef:cafe:1233::2"),
                    ("v6-private", "eth1", "172.19.0.3 fd00:beef:cafe:1234::3"),
                ],
                &[],
            ),
            ctr(
                "ssl-term",
                &[("v6-public", "eth0", "172.18.0.3 fd00:beef:cafe:1233::3")],
                &["0.0.0.0:443->443/tcp", ":::443->443/tcp"],
            ),
            ctr("lonely", &[("bridge", "eth0", "172.17.0.2")], &[]),
        ],
    };
    let full = render_fit(&lab.networks, &lab.containers, None);
    // The IPv6 address under the IPv4 one, in the same box; one arrow per
    // interface in a gap.
    for line in [
        "│ bridge br-4b8e0f2d9a11  subnet 172.18.0.0/16  gateway 172.18.0.1 ",
        "│                         subnet fd00:beef:cafe:1233::/64  gateway fd00:beef:cafe:1233::1 │",
        "│   │ eth0  172.18.0.3             │◀─ 443/tcp ──",
        "│   │       fd00:beef:cafe:1233::3 │◀─ 443/tcp ──",
        "│ eth0  172.18.0.2              ▲ │",
        "│       fd00:beef:cafe:1233::2    │",
        "│ eth1  172.19.0.3              ▼ │",
        "│       fd00:beef:cafe:1234::3    │",
    ] {
        assert!(full.contains(line), "{line}:\n{full}");
    }
    fits_and_keeps_its_facts(vec![("dual stack", lab)]);
}

fn fits_and_keeps_its_facts(labs: Vec<(&str, Topology)>) {
    for (lesson, t) in labs {
        for width in [60, 80, 120] {
            let text = render_fit(&t.networks, &t.containers, Some(width));
            assert!(
                widest(&text) <= width,
                "{lesson} at {width} columns is {} wide:\n{text}",
                widest(&text)
            );
            for n in &t.networks {
                let v6 = n.subnet6.iter().chain(&n.gateway6);
                for fact in [&n.name, &n.bridge, &n.subnet, &n.gateway]
                    .into_iter()
                    .chain(v6)
                {
                    assert!(
                        text.contains(fact.as_str()),
                        "{lesson} at {width}: no {fact}:\n{text}"
                    );
                }
            }
            for c in &t.containers {
                assert!(
                    text.contains(&c.name),
                    "{lesson} at {width}: no {}:\n{text}",
                    c.name
                );
                for e in &c.endpoints {
                    for ip in std::iter::once(&e.ip).chain(&e.ip6) {
                        assert!(
                            text.contains(ip.as_str()),
                            "{lesson} at {width}: no {ip}:\n{text}"
                        );
                    }
                }
                for p in &c.published {
                    let (host, port) = p.split_once("->").unwrap();
                    assert!(
                        text.contains(host) && text.contains(port),
                        "{lesson} at {width}: no {p}:\n{text}"
                    );
                }
            }
        }
    }
}

/// Wide enough, the picture is the one lessons show; narrower, it is
/// another picture (not yet the list) for each lesson's lab at 80.
#[test]
fn the_full_picture_when_it_fits_and_a_narrower_picture_at_80() {
    for (lesson, t) in lesson_labs() {
        let full = render(&t.networks, &t.containers);
        assert_eq!(
            render_fit(&t.networks, &t.containers, Some(widest(&full))),
            full
        );
        assert_eq!(render_fit(&t.networks, &t.containers, None), full);
        let at_80 = render_fit(&t.networks, &t.containers, Some(80));
        assert!(at_80.contains('┌'), "{lesson} at 80 is a list:\n{at_80}");
    }
}

const GATEWAY_AT_60: &str = r#"
┌─ bridge ───────────────────────────────────┐
│ bridge docker0                             │
│ subnet 172.17.0.0/16  gateway 172.17.0.1   │
│   (no containers)                          │
└────────────────────────────────────────────┘

┌─ flappy-public ────────────────────────────┐
│ bridge br-73fefaeb1a1d                     │
│ subnet 172.18.0.0/16  gateway 172.18.0.1   │
│                                            │
│   ┌─ ssl-term ────────────────┐            │
│   │ eth0  172.18.0.3          │            │
│   │ port 0.0.0.0:443->443/tcp │            │
│   │ port :::443->443/tcp      │            │
│   └───────────────────────────┘            │
│                                            │
└───────────────────┬─ network-gate ──────┬──┘
                    │ eth0  172.18.0.2  ▲ │
                    │ eth1  172.19.0.3  ▼ │
┌─ flappy-private ──┴─────────────────────┴──┐
│ bridge br-ec908528eeaf                     │
│ subnet 172.19.0.0/16  gateway 172.19.0.1   │
│                                            │
│   ┌─ flappy ────────────────┐              │
│   │ eth1  172.19.0.2        │              │
│   │ port 0.0.0.0:80->80/tcp │              │
│   │ port :::80->80/tcp      │              │
│   └─────────────────────────┘              │
│                                            │
└────────────────────────────────────────────┘
"#;
const MISTAKE_AT_60: &str = r#"
┌─ bridge ─────────────────────────────────┐
│ bridge docker0                           │
│ subnet 172.17.0.0/16  gateway 172.17.0.1 │
│   (no containers)                        │
└──────────────────────────────────────────┘

┌─ flappy-public ──────────────────────────┐
│ bridge br-73fefaeb1a1d                   │
│ subnet 172.18.0.0/16  gateway 172.18.0.1 │
│                                          │
│   ┌─ network-gate ─────────┐             │
│   │ eth0  172.18.0.2       │             │
│   │ also on flappy-private │             │
│   └────────────────────────┘             │
│                                          │
│   ┌─ ssl-term ────────────────┐          │
│   │ eth0  172.18.0.3          │          │
│   │ also on flappy-private    │          │
│   │ port 0.0.0.0:443->443/tcp │          │
│   │ port :::443->443/tcp      │          │
│   └───────────────────────────┘          │
│                                          │
└──────────────────────────────────────────┘

┌─ flappy-private ─────────────────────────┐
│ bridge br-ec908528eeaf                   │
│ subnet 172.19.0.0/16  gateway 172.19.0.1 │
│                                          │
│   ┌─ flappy ────────────────┐            │
│   │ eth1  172.19.0.2        │            │
│   │ port 0.0.0.0:80->80/tcp │            │
│   │ port :::80->80/tcp      │            │
│   └─────────────────────────┘            │
│                                          │
│   ┌─ network-gate ────────┐              │
│   │ eth1  172.19.0.3      │              │
│   │ also on flappy-public │              │
│   └───────────────────────┘              │
│                                          │
│   ┌─ ssl-term ────────────┐              │
│   │ eth1  172.19.0.4      │              │
│   │ also on flappy-public │              │
│   └───────────────────────┘              │
│                                          │
└──────────────────────────────────────────┘
"#;

#[test]
fn private_gateway_at_60_columns() {
    let labs = lesson_labs();
    let t = &labs[2].1;
    let got = render_fit(&t.networks, &t.containers, Some(60));
    assert!(got == GATEWAY_AT_60[1..], "got:\n{got}");
    let t = &labs[3].1;
    let got = render_fit(&t.networks, &t.containers, Some(60));
    assert!(got == MISTAKE_AT_60[1..], "got:\n{got}");
}

/// Names too long for any picture at 60 columns: the list, cut with `…`.
#[test]
fn the_list_when_no_picture_fits() {
    let long = "a-container-name-long-enough-that-no-box-fits-in-sixty-columns";
    let t = Topology {
        networks: vec![bridge()],
        containers: vec![ctr(
            long,
            &[("bridge", "eth0", "172.17.0.2")],
            &["0.0.0.0:80->80/tcp"],
        )],
    };
    let got = render_fit(&t.networks, &t.containers, Some(60));
    assert!(!got.contains('┌'), "{got}");
    assert!(widest(&got) <= 60, "{got}");
    assert!(got.contains("network bridge: bridge docker0"), "{got}");
    assert!(got.contains('…'), "{got}");
    assert!(got.contains("0.0.0.0:80 -> a-container-name"), "{got}");
    // Narrower than 60 is laid out at 60.
    assert_eq!(render_fit(&t.networks, &t.containers, Some(20)), got);
}
