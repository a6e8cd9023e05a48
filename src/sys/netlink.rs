//! rtnetlink operations the engine needs: bridges, veth pairs, addresses and
//! default routes. Each call is one request on an existing connection.

use futures_util::TryStreamExt;
use rtnetlink::packet_route::link::{InfoData, InfoVeth};
use rtnetlink::{Handle, LinkBridge, LinkMessageBuilder, LinkUnspec, RouteMessageBuilder};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

fn err(e: rtnetlink::Error) -> io::Error {
    match e {
        rtnetlink::Error::NetlinkError(m) => match m.code {
            Some(code) => io::Error::from_raw_os_error(-code.get()),
            None => io::Error::other("netlink error"),
        },
        other => io::Error::other(other.to_string()),
    }
}

/// Starts a connection on the current tokio runtime over a socket that was
/// opened (possibly inside another namespace) by `ns::netlink_socket`.
pub fn connect(socket: OwnedFd) -> Handle {
    use rtnetlink::sys::TokioSocket;
    let raw = std::os::fd::IntoRawFd::into_raw_fd(socket);
    // SAFETY: we own `raw`; TokioSocket takes that ownership over.
    let socket = unsafe { TokioSocket::from_raw_fd(raw) };
    let (conn, handle, _) = rtnetlink::from_socket(socket);
    tokio::spawn(conn);
    handle
}

/// A connection in the caller's own network namespace.
pub fn connect_here() -> io::Result<Handle> {
    let (conn, handle, _) = rtnetlink::new_connection()?;
    tokio::spawn(conn);
    Ok(handle)
}

pub async fn link_index(handle: &Handle, name: &str) -> io::Result<u32> {
    let mut links = handle.link().get().match_name(name.to_string()).execute();
    match links.try_next().await.map_err(err)? {
        Some(msg) => Ok(msg.header.index),
        None => Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no link {name}"),
        )),
    }
}

/// Creates a bridge with its gateway address, up; or, given a parked spare
/// (see `park_bridge`), renames and readdresses that one instead. If the
/// address cannot be added, the bridge is deleted (a spare is parked
/// again), so a failed `network create` leaves none behind.
pub async fn create_bridge(
    handle: &Handle,
    name: &str,
    mac: [u8; 6],
    gateway: Ipv4Addr,
    prefix: u8,
    spare: Option<u32>,
) -> io::Result<u32> {
    let index = match spare {
        Some(index) => {
            let msg = LinkUnspec::new_with_index(index)
                .name(name.to_string())
                .address(mac.to_vec())
                .up()
                .build();
            handle.link().set(msg).execute().await.map_err(err)?;
            index
        }
        None => {
            let msg = LinkBridge::new(name).address(mac.to_vec()).build();
            handle.link().add(msg).execute().await.map_err(err)?;
            link_index(handle, name).await?
        }
    };
    if let Err(e) = add_ipv4_address(handle, index, gateway, prefix).await {
        let _ = match spare {
            Some(i) => park_bridge(handle, i, &format!("nl-spare{i}")).await,
            None => delete_link(handle, index).await,
        };
        return Err(e);
    }
    Ok(index)
}

/// `ip addr add IP/PREFIX dev INDEX`. rtnetlink's builder leaves out the
/// local address of a multicast IPv4 address, which the kernel then
/// refuses; `ip` sends it, and Docker's bridges get such addresses.
async fn add_ipv4_address(handle: &Handle, index: u32, ip: Ipv4Addr, prefix: u8) -> io::Result<()> {
    use rtnetlink::packet_route::address::AddressAttribute;
    let mut req = handle.address().add(index, ip.into(), prefix);
    if ip.is_multicast() {
        let attrs = &mut req.message_mut().attributes;
        attrs.push(AddressAttribute::Address(ip.into()));
        attrs.push(AddressAttribute::Local(ip.into()));
        if prefix < 31 {
            let brd = u32::from(ip) | (u32::MAX >> prefix);
            attrs.push(AddressAttribute::Broadcast(Ipv4Addr::from(brd)));
        }
    }
    req.execute().await.map_err(err)
}

/// `ip -6 addr add IP/PREFIX dev INDEX nodad`: usable at once, as
/// Docker's addresses are (`ip addr` shows them with `flags 02`).
pub async fn add_ipv6_address(
    handle: &Handle,
    index: u32,
    ip: Ipv6Addr,
    prefix: u8,
) -> io::Result<()> {
    use rtnetlink::packet_route::address::AddressHeaderFlags;
    let mut req = handle.address().add(index, ip.into(), prefix);
    req.message_mut().header.flags |= AddressHeaderFlags::Nodad;
    req.execute().await.map_err(err)
}

/// An interface's name, by index.
pub async fn link_name(handle: &Handle, index: u32) -> io::Result<String> {
    use rtnetlink::packet_route::link::LinkAttribute;
    let mut links = handle.link().get().match_index(index).execute();
    let msg = links.try_next().await.map_err(err)?;
    msg.and_then(|m| {
        m.attributes.into_iter().find_map(|a| match a {
            LinkAttribute::IfName(n) => Some(n),
            _ => None,
        })
    })
    .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no link {index}")))
}

/// Takes a portless bridge out of service without unregistering it (the
/// kernel spends 40-50 ms on that, holding RTNL): down, no address, and a
/// spare's name, ready for the next network.
pub async fn park_bridge(handle: &Handle, index: u32, spare_name: &str) -> io::Result<()> {
    let msg = LinkUnspec::new_with_index(index)
        .down()
        .name(spare_name.to_string())
        .build();
    handle.link().set(msg).execute().await.map_err(err)?;
    let mut addrs = handle
        .address()
        .get()
        .set_link_index_filter(index)
        .execute();
    while let Some(a) = addrs.try_next().await.map_err(err)? {
        handle.address().del(a).execute().await.map_err(err)?;
    }
    Ok(())
}

pub async fn delete_link(handle: &Handle, index: u32) -> io::Result<()> {
    handle.link().del(index).execute().await.map_err(err)
}

/// One veth pair: the host end enslaved to the bridge and up, the container
/// end created directly inside the container's namespace with its final name
/// and MAC (moving it afterwards costs ~10x more; docs/field-notes.md).
pub async fn create_veth(
    handle: &Handle,
    host_name: &str,
    bridge_index: u32,
    peer_name: &str,
    peer_mac: [u8; 6],
    peer_netns: &OwnedFd,
    mtu: Option<u32>,
) -> io::Result<()> {
    let mut peer = LinkMessageBuilder::<LinkUnspec>::new()
        .name(peer_name.to_string())
        .address(peer_mac.to_vec())
        .txqueuelen(0)
        .setns_by_fd(peer_netns.as_raw_fd());
    let mut host = LinkMessageBuilder::<LinkUnspec>::new_with_info_kind(
        rtnetlink::packet_route::link::InfoKind::Veth,
    )
    .name(host_name.to_string());
    if let Some(mtu) = mtu {
        peer = peer.mtu(mtu);
        host = host.mtu(mtu);
    }
    let msg = host
        .set_info_data(InfoData::Veth(InfoVeth::Peer(peer.build())))
        .controller(bridge_index)
        .up()
        .build();
    handle.link().add(msg).execute().await.map_err(err)
}

/// `ip link set NAME type bridge_slave isolated on`: the bridge forwards
/// nothing between two isolated ports; the bridge's own address (the lab
/// host) is still reached.
pub async fn isolate_bridge_port(handle: &Handle, name: &str) -> io::Result<()> {
    use rtnetlink::packet_route::link::InfoBridgePort;
    let index = link_index(handle, name).await?;
    let msg = rtnetlink::LinkBridgePort::new(index)
        .append_info_data(InfoBridgePort::Isolated(true))
        .build();
    // Port options travel as IFLA_LINKINFO slave data, which the kernel
    // reads in RTM_NEWLINK only.
    handle.link().set_port(msg).execute().await.map_err(err)
}

/// Inside the container: address on the interface, interface up.
pub async fn configure_interface(
    handle: &Handle,
    name: &str,
    ip: Ipv4Addr,
    prefix: u8,
) -> io::Result<u32> {
    let index = link_index(handle, name).await?;
    add_ipv4_address(handle, index, ip, prefix).await?;
    let up = LinkUnspec::new_with_index(index).up().build();
    handle.link().set(up).execute().await.map_err(err)?;
    Ok(index)
}

/// `ip route get DST`: Ok if the kernel has a route to it, else its errno.
pub async fn route_to(handle: &Handle, dst: Ipv4Addr) -> io::Result<()> {
    let msg = RouteMessageBuilder::<Ipv4Addr>::new()
        .destination_prefix(dst, 32)
        .build();
    let mut routes = handle.route().get(msg).execute();
    while routes.try_next().await.map_err(err)?.is_some() {}
    Ok(())
}

/// `ip [-6] route replace default via GW dev IF`.
pub async fn replace_default_route(handle: &Handle, gateway: IpAddr, index: u32) -> io::Result<()> {
    let route = match gateway {
        IpAddr::V4(gw) => RouteMessageBuilder::<Ipv4Addr>::new()
            .gateway(gw)
            .output_interface(index)
            .build(),
        IpAddr::V6(gw) => RouteMessageBuilder::<Ipv6Addr>::new()
            .gateway(gw)
            .output_interface(index)
            .build(),
    };
    handle
        .route()
        .add(route)
        .replace()
        .execute()
        .await
        .map_err(err)
}

/// Removes the default route of a family, if any (when the last network
/// is disconnected).
pub async fn delete_default_route(handle: &Handle, v6: bool) -> io::Result<()> {
    let route = if v6 {
        RouteMessageBuilder::<Ipv6Addr>::new().build()
    } else {
        RouteMessageBuilder::<Ipv4Addr>::new().build()
    };
    match handle.route().del(route).execute().await {
        Ok(()) => Ok(()),
        Err(e) => {
            let e = err(e);
            if e.raw_os_error() == Some(libc::ESRCH) {
                Ok(())
            } else {
                Err(e)
            }
        }
    }
}

/// A plain veth pair, `name` here and `peer_name` created directly in
/// `peer_netns`; both ends down, no addresses.
pub async fn create_veth_into(
    handle: &Handle,
    name: &str,
    peer_name: &str,
    peer_netns: &OwnedFd,
) -> io::Result<()> {
    let peer = LinkMessageBuilder::<LinkUnspec>::new()
        .name(peer_name.to_string())
        .setns_by_fd(peer_netns.as_raw_fd())
        .build();
    let msg = LinkMessageBuilder::<LinkUnspec>::new_with_info_kind(
        rtnetlink::packet_route::link::InfoKind::Veth,
    )
    .name(name.to_string())
    .set_info_data(InfoData::Veth(InfoVeth::Peer(peer)))
    .build();
    handle.link().add(msg).execute().await.map_err(err)
}

/// Every IPv4 network in use here: each address's subnet and each route's
/// destination, as (address, prefix length).
pub async fn ipv4_networks(handle: &Handle) -> io::Result<Vec<(Ipv4Addr, u8)>> {
    use rtnetlink::packet_route::address::AddressAttribute;
    use rtnetlink::packet_route::route::{RouteAddress, RouteAttribute};
    use rtnetlink::packet_route::AddressFamily;
    use std::net::IpAddr;
    let mut nets = Vec::new();
    let mut addrs = handle.address().get().execute();
    while let Some(msg) = addrs.try_next().await.map_err(err)? {
        if msg.header.family != AddressFamily::Inet {
            continue;
        }
        for attr in &msg.attributes {
            if let AddressAttribute::Address(IpAddr::V4(ip)) = attr {
                nets.push((*ip, msg.header.prefix_len));
            }
        }
    }
    let all = RouteMessageBuilder::<Ipv4Addr>::new().build();
    let mut routes = handle.route().get(all).execute();
    while let Some(msg) = routes.try_next().await.map_err(err)? {
        for attr in &msg.attributes {
            if let RouteAttribute::Destination(RouteAddress::Inet(ip)) = attr {
                nets.push((*ip, msg.header.destination_prefix_length));
            }
        }
    }
    Ok(nets)
}
