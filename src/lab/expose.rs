//! `lab start --expose`: a host-only link between this machine and the lab
//! host, like the network a VM gets from VirtualBox or docker-machine. A veth
//! pair joins the two: `nl-<lab>` on this machine (192.168.99.1) and `eth0`
//! on the lab host (192.168.99.100), so a browser here can open published
//! ports. Nothing else on this machine changes: no route beyond the /24 of
//! the link, no forwarding, no firewall rule; containers stay unreachable.
//!
//! The pair dies with the lab's network namespace even if the engine
//! crashes; `lab stop` deletes it first so the name is free at once.

use super::Lab;
use crate::sys::{netlink, ns};
use std::net::Ipv4Addr;
use std::os::fd::OwnedFd;

/// Subnets tried in order: 192.168.99.0/24 (docker-machine's), then up.
const FIRST_THIRD_OCTET: u8 = 99;
const LAST_THIRD_OCTET: u8 = 254;
const PREFIX: u8 = 24;
/// The lab host's interface, named as a VM's first NIC would be.
pub const LAB_INTERFACE: &str = "eth0";
/// Where a lab keeps its exposure, for `lab ls` and `lab stop`.
const RECORD_FILE: &str = "expose";

/// One lab's host-only link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    /// The interface on this machine.
    pub interface: String,
    /// This machine's address on the link.
    pub host_ip: Ipv4Addr,
    /// The lab host's address on the link: published ports open here.
    pub lab_ip: Ipv4Addr,
}

impl Exposure {
    fn record(&self) -> String {
        format!("{} {} {}\n", self.interface, self.host_ip, self.lab_ip)
    }

    fn parse_record(text: &str) -> Option<Exposure> {
        let mut words = text.split_whitespace();
        let interface = words.next()?.to_string();
        let host_ip = words.next()?.parse().ok()?;
        let lab_ip = words.next()?.parse().ok()?;
        Some(Exposure {
            interface,
            host_ip,
            lab_ip,
        })
    }
}

/// `nl-<lab>`, or a short hash when the lab name is too long for an
/// interface name (15 bytes).
pub fn interface_name(lab: &str) -> String {
    let name = format!("nl-{lab}");
    if name.len() <= 15 {
        return name;
    }
    // FNV-1a: stable across runs and versions, unlike std's hasher.
    let hash = lab.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("nl-{}-{:05x}", &lab[..6], hash & 0xf_ffff)
}

fn overlaps(a: Ipv4Addr, a_len: u8, b: Ipv4Addr, b_len: u8) -> bool {
    let len = a_len.min(b_len);
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    u32::from(a) & mask == u32::from(b) & mask
}

/// The first 192.168.N.0/24 that overlaps none of `taken` (this machine's
/// addresses and routes, default route excluded), with .1 for this machine
/// and .100 for the lab host.
pub fn pick_subnet(taken: &[(Ipv4Addr, u8)]) -> Option<(Ipv4Addr, Ipv4Addr)> {
    (FIRST_THIRD_OCTET..=LAST_THIRD_OCTET)
        .map(|n| Ipv4Addr::new(192, 168, n, 0))
        .find(|net| {
            taken
                .iter()
                .filter(|(_, len)| *len > 0)
                .all(|&(addr, len)| !overlaps(*net, PREFIX, addr, len))
        })
        .map(|net| {
            let [a, b, c, _] = net.octets();
            (Ipv4Addr::new(a, b, c, 1), Ipv4Addr::new(a, b, c, 100))
        })
}

/// The exposure `lab` was started with, if any.
pub fn recorded(lab: &Lab) -> Option<Exposure> {
    let text = std::fs::read_to_string(lab.dir().join(RECORD_FILE)).ok()?;
    Exposure::parse_record(&text)
}

/// Refuses early, before a lab is started for nothing.
pub fn check_allowed() -> Result<(), String> {
    if nix::unistd::geteuid().is_root() {
        Ok(())
    } else {
        Err("--expose needs root: it adds a network interface to this machine".to_string())
    }
}

/// Creates the link for the lab whose engine is `engine_pid`. On error
/// nothing is left on this machine.
pub fn expose(lab: &Lab, engine_pid: i32) -> Result<Exposure, String> {
    check_allowed()?;
    let lab_netns: OwnedFd = std::fs::File::open(format!("/proc/{engine_pid}/ns/net"))
        .map_err(|e| format!("cannot open the lab's network namespace: {e}"))?
        .into();
    let interface = interface_name(&lab.name);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let exposure = rt.block_on(async {
        let here = netlink::connect_here().map_err(|e| e.to_string())?;
        let taken = netlink::ipv4_networks(&here)
            .await
            .map_err(|e| format!("cannot list this machine's addresses: {e}"))?;
        let (host_ip, lab_ip) = pick_subnet(&taken)
            .ok_or("--expose: every subnet 192.168.99-254.0/24 is in use on this machine")?;
        let exposure = Exposure {
            interface: interface.clone(),
            host_ip,
            lab_ip,
        };
        netlink::create_veth_into(&here, &interface, LAB_INTERFACE, &lab_netns)
            .await
            .map_err(|e| format!("cannot create interface {interface}: {e}"))?;
        let configured = async {
            // Labs are IPv4-only: no link-local address or router
            // solicitations on this machine's end either.
            let _ = std::fs::write(
                format!("/proc/sys/net/ipv6/conf/{interface}/disable_ipv6"),
                "1",
            );
            netlink::configure_interface(&here, &interface, host_ip, PREFIX).await?;
            let socket = ns::run_in_netns(&lab_netns, ns::netlink_socket)?;
            let inside = netlink::connect(socket);
            netlink::configure_interface(&inside, LAB_INTERFACE, lab_ip, PREFIX).await?;
            Ok::<_, std::io::Error>(())
        }
        .await;
        if let Err(e) = configured {
            // Deleting one end deletes the pair.
            if let Ok(index) = netlink::link_index(&here, &interface).await {
                let _ = netlink::delete_link(&here, index).await;
            }
            return Err(format!("cannot configure interface {interface}: {e}"));
        }
        Ok(exposure)
    })?;
    if let Err(e) = std::fs::write(lab.dir().join(RECORD_FILE), exposure.record()) {
        remove(&exposure);
        return Err(format!("cannot record the exposure: {e}"));
    }
    Ok(exposure)
}

/// Deletes the link on this machine (best effort: it goes with the lab's
/// namespace anyway, only later).
pub fn remove(exposure: &Exposure) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    rt.block_on(async {
        let Ok(here) = netlink::connect_here() else {
            return;
        };
        if let Ok(index) = netlink::link_index(&here, &exposure.interface).await {
            let _ = netlink::delete_link(&here, index).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn first_free_subnet_is_docker_machines() {
        let taken = [(ip("10.0.2.15"), 24), (ip("127.0.0.1"), 8)];
        assert_eq!(
            pick_subnet(&taken),
            Some((ip("192.168.99.1"), ip("192.168.99.100")))
        );
    }

    #[test]
    fn taken_subnets_are_skipped() {
        // Another exposed lab, and a wider LAN covering .100 and .101.
        let taken = [
            (ip("192.168.99.1"), 24),
            (ip("192.168.100.0"), 23),
            (ip("0.0.0.0"), 0),
        ];
        assert_eq!(
            pick_subnet(&taken),
            Some((ip("192.168.102.1"), ip("192.168.102.100")))
        );
    }

    #[test]
    fn a_covering_network_takes_every_subnet() {
        assert_eq!(pick_subnet(&[(ip("192.168.0.0"), 16)]), None);
    }

    #[test]
    fn interface_names_fit_ifnamsiz() {
        assert_eq!(interface_name("demo"), "nl-demo");
        assert_eq!(interface_name("workshop-01"), "nl-workshop-01");
        let long = interface_name("a-very-long-lab-name");
        assert!(long.len() <= 15, "{long}");
        assert!(long.starts_with("nl-a-very"), "{long}");
        assert_ne!(long, interface_name("a-very-long-lab-name-2"));
        assert_eq!(long, interface_name("a-very-long-lab-name"));
    }

    #[test]
    fn records_round_trip() {
        let e = Exposure {
            interface: "nl-demo".into(),
            host_ip: ip("192.168.99.1"),
            lab_ip: ip("192.168.99.100"),
        };
        assert_eq!(Exposure::parse_record(&e.record()), Some(e));
        assert_eq!(Exposure::parse_record("nl-demo 1.2.3.4"), None);
    }
}
