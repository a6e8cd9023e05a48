//! `ip addr` and `ip route` in busybox's format, read over netlink from the
//! namespace the applet runs in.

use futures_util::TryStreamExt;
use rtnetlink::packet_route::address::AddressAttribute;
use rtnetlink::packet_route::link::{LinkAttribute, LinkFlags};
use rtnetlink::packet_route::route::{RouteAddress, RouteAttribute, RouteProtocol, RouteScope};
use rtnetlink::packet_route::AddressFamily;
use std::net::{IpAddr, Ipv4Addr};

pub struct Link {
    pub index: u32,
    pub name: String,
    pub flags: Vec<&'static str>,
    pub mtu: u32,
    pub qlen: u32,
    pub mac: Vec<u8>,
    pub broadcast: Vec<u8>,
    pub peer: Option<u32>,
    pub peer_in_other_ns: bool,
    pub loopback: bool,
    pub addrs: Vec<Addr>,
}

pub struct Addr {
    pub ip: Ipv4Addr,
    pub prefix: u8,
    pub brd: Option<Ipv4Addr>,
    pub scope: &'static str,
    pub label: String,
}

pub struct Route {
    pub dst: Option<(Ipv4Addr, u8)>,
    pub gateway: Option<Ipv4Addr>,
    pub dev: String,
    pub scope_link: bool,
    pub src: Option<Ipv4Addr>,
    pub proto_kernel: bool,
}

pub fn main(args: &[String]) -> i32 {
    let words: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let what = match words.first().copied() {
        Some("a" | "addr" | "address") => Some(Cmd::Addr),
        Some("r" | "ro" | "route") => Some(Cmd::Route),
        Some("l" | "link") => Some(Cmd::Link),
        _ => None,
    };
    let rest = words.get(1..).unwrap_or_default();
    let listing = rest.is_empty() || matches!(rest, ["list" | "show" | "ls"]);
    let Some(what) = what.filter(|_| listing) else {
        // Anything but a plain listing is the machine's iproute2, with the
        // container's (lack of) privileges: `ip link set eth0 down` then
        // fails as it does on Docker.
        return super::exec_host_program(
            "ip",
            args,
            "Usage: ip [OPTIONS] address|route|link [COMMAND]",
        );
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ip: {e}");
            return 1;
        }
    };
    match rt.block_on(read_state(matches!(what, Cmd::Route))) {
        Ok((links, routes)) => {
            let text = match what {
                Cmd::Addr => render_addr(&links, true),
                Cmd::Link => render_addr(&links, false),
                Cmd::Route => render_routes(&routes),
            };
            print!("{text}");
            0
        }
        Err(e) => {
            eprintln!("ip: {e}");
            1
        }
    }
}

enum Cmd {
    Addr,
    Route,
    Link,
}

async fn read_state(with_routes: bool) -> std::io::Result<(Vec<Link>, Vec<Route>)> {
    let (conn, handle, _) = rtnetlink::new_connection()?;
    tokio::spawn(conn);
    let err = |e: rtnetlink::Error| std::io::Error::other(e.to_string());
    let mut links = Vec::new();
    let mut stream = handle.link().get().execute();
    while let Some(msg) = stream.try_next().await.map_err(err)? {
        let f = msg.header.flags;
        let mut link = Link {
            index: msg.header.index,
            name: String::new(),
            flags: Vec::new(),
            mtu: 0,
            qlen: 0,
            mac: Vec::new(),
            broadcast: Vec::new(),
            peer: None,
            peer_in_other_ns: false,
            loopback: f.contains(LinkFlags::Loopback),
            addrs: Vec::new(),
        };
        for (flag, name) in [
            (LinkFlags::Loopback, "LOOPBACK"),
            (LinkFlags::Broadcast, "BROADCAST"),
            (LinkFlags::Pointopoint, "POINTOPOINT"),
            (LinkFlags::Multicast, "MULTICAST"),
            (LinkFlags::Noarp, "NOARP"),
            (LinkFlags::Up, "UP"),
            (LinkFlags::LowerUp, "LOWER_UP"),
        ] {
            if f.contains(flag) {
                link.flags.push(name);
            }
        }
        for a in &msg.attributes {
            match a {
                LinkAttribute::IfName(n) => link.name = n.clone(),
                LinkAttribute::Mtu(m) => link.mtu = *m,
                LinkAttribute::TxQueueLen(q) => link.qlen = *q,
                LinkAttribute::Address(m) => link.mac = m.clone(),
                LinkAttribute::Broadcast(b) => link.broadcast = b.clone(),
                LinkAttribute::Link(i) => link.peer = Some(*i),
                LinkAttribute::LinkNetNsId(_) => link.peer_in_other_ns = true,
                _ => {}
            }
        }
        links.push(link);
    }
    let mut addrs = handle.address().get().execute();
    while let Some(msg) = addrs.try_next().await.map_err(err)? {
        if msg.header.family != AddressFamily::Inet {
            continue;
        }
        let mut ip = None;
        let mut brd = None;
        let mut label = String::new();
        for a in &msg.attributes {
            match a {
                AddressAttribute::Local(IpAddr::V4(v)) => ip = Some(*v),
                AddressAttribute::Address(IpAddr::V4(v)) if ip.is_none() => ip = Some(*v),
                AddressAttribute::Broadcast(v) => brd = Some(*v),
                AddressAttribute::Label(l) => label = l.clone(),
                _ => {}
            }
        }
        let scope = match u8::from(msg.header.scope) {
            254 => "host",
            253 => "link",
            _ => "global",
        };
        if let (Some(ip), Some(link)) = (ip, links.iter_mut().find(|l| l.index == msg.header.index))
        {
            link.addrs.push(Addr {
                ip,
                prefix: msg.header.prefix_len,
                brd,
                scope,
                label,
            });
        }
    }
    let mut routes = Vec::new();
    if with_routes {
        let filter = rtnetlink::RouteMessageBuilder::<Ipv4Addr>::new().build();
        let mut rs = handle.route().get(filter).execute();
        while let Some(msg) = rs.try_next().await.map_err(err)? {
            if msg.header.table != 254 {
                continue;
            }
            let mut r = Route {
                dst: None,
                gateway: None,
                dev: String::new(),
                scope_link: msg.header.scope == RouteScope::Link,
                src: None,
                proto_kernel: msg.header.protocol == RouteProtocol::Kernel,
            };
            for a in &msg.attributes {
                match a {
                    RouteAttribute::Destination(RouteAddress::Inet(d)) => {
                        r.dst = Some((*d, msg.header.destination_prefix_length))
                    }
                    RouteAttribute::Gateway(RouteAddress::Inet(g)) => r.gateway = Some(*g),
                    RouteAttribute::PrefSource(RouteAddress::Inet(s)) => r.src = Some(*s),
                    RouteAttribute::Oif(i) => {
                        r.dev = links
                            .iter()
                            .find(|l| l.index == *i)
                            .map(|l| l.name.clone())
                            .unwrap_or_default()
                    }
                    _ => {}
                }
            }
            routes.push(r);
        }
    }
    Ok((links, routes))
}

fn mac(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// busybox `ip addr` (or `ip link` without the inet lines).
pub fn render_addr(links: &[Link], with_addrs: bool) -> String {
    let mut out = String::new();
    for l in links {
        let name = match l.peer {
            Some(p) if l.peer_in_other_ns => format!("{}@if{p}", l.name),
            _ => l.name.clone(),
        };
        let mut flags = l.flags.clone();
        // iproute2/busybox print M-DOWN when the link's parent is not up
        // here; a veth whose peer lives in another namespace always shows it.
        if l.peer.is_some() && l.peer_in_other_ns {
            flags.push("M-DOWN");
        }
        out.push_str(&format!(
            "{}: {name}: <{}> mtu {} qdisc noqueue ",
            l.index,
            flags.join(","),
            l.mtu
        ));
        if l.qlen > 0 {
            out.push_str(&format!("qlen {}", l.qlen));
        }
        out.push('\n');
        let kind = if l.loopback { "loopback" } else { "ether" };
        out.push_str(&format!(
            "    link/{kind} {} brd {}\n",
            mac(&l.mac),
            mac(&l.broadcast)
        ));
        if !with_addrs {
            continue;
        }
        for a in &l.addrs {
            let brd = a.brd.map(|b| format!(" brd {b}")).unwrap_or_default();
            out.push_str(&format!(
                "    inet {}/{}{brd} scope {} {}\n",
                a.ip, a.prefix, a.scope, a.label
            ));
            out.push_str("       valid_lft forever preferred_lft forever\n");
        }
    }
    out
}

/// busybox `ip route`: default first as the kernel lists it, trailing spaces
/// and the double space before `src` included.
pub fn render_routes(routes: &[Route]) -> String {
    let mut out = String::new();
    for r in routes {
        let dst = match r.dst {
            Some((ip, p)) => format!("{ip}/{p}"),
            None => "default".into(),
        };
        let mut line = dst;
        if let Some(g) = r.gateway {
            line.push_str(&format!(" via {g}"));
        }
        line.push_str(&format!(" dev {} ", r.dev));
        if r.scope_link {
            line.push_str("scope link ");
        }
        if let Some(s) = r.src {
            line.push_str(&format!(" src {s} "));
        }
        let _ = r.proto_kernel;
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addr_output_matches_busybox() {
        let links = vec![
            Link {
                index: 1,
                name: "lo".into(),
                flags: vec!["LOOPBACK", "UP", "LOWER_UP"],
                mtu: 65536,
                qlen: 1000,
                mac: vec![0; 6],
                broadcast: vec![0; 6],
                peer: None,
                peer_in_other_ns: false,
                loopback: true,
                addrs: vec![Addr {
                    ip: Ipv4Addr::LOCALHOST,
                    prefix: 8,
                    brd: None,
                    scope: "host",
                    label: "lo".into(),
                }],
            },
            Link {
                index: 10,
                name: "eth0".into(),
                flags: vec!["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
                mtu: 1500,
                qlen: 0,
                mac: vec![2, 0x42, 0xac, 0x11, 0, 2],
                broadcast: vec![0xff; 6],
                peer: Some(11),
                peer_in_other_ns: true,
                loopback: false,
                addrs: vec![Addr {
                    ip: "172.17.0.2".parse().unwrap(),
                    prefix: 16,
                    brd: Some("172.17.255.255".parse().unwrap()),
                    scope: "global",
                    label: "eth0".into(),
                }],
            },
        ];
        let expected = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
10: eth0@if11: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue 
    link/ether 02:42:ac:11:00:02 brd ff:ff:ff:ff:ff:ff
    inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0
       valid_lft forever preferred_lft forever
";
        assert_eq!(render_addr(&links, true), expected);
    }

    #[test]
    fn route_output_matches_busybox() {
        let routes = vec![
            Route {
                dst: None,
                gateway: Some("172.17.0.1".parse().unwrap()),
                dev: "eth0".into(),
                scope_link: false,
                src: None,
                proto_kernel: false,
            },
            Route {
                dst: Some(("172.17.0.0".parse().unwrap(), 16)),
                gateway: None,
                dev: "eth0".into(),
                scope_link: true,
                src: Some("172.17.0.2".parse().unwrap()),
                proto_kernel: true,
            },
        ];
        assert_eq!(
            render_routes(&routes),
            "default via 172.17.0.1 dev eth0 \n172.17.0.0/16 dev eth0 scope link  src 172.17.0.2 \n"
        );
    }
}
