//! A lab's interfaces, found and opened for capture: the lab host's
//! (bridges, veths, lo) and every running container's, each with what it
//! is joined to. The engine hands over the namespaces as fds (as for
//! `lab exec`); this process joins the lab's user namespace, if it has
//! one, and opens its sockets in each network namespace.

use super::decode::Names;
use super::follow::Follow;
use super::socket::Link;
use crate::engine::api::{Request, Response};
use crate::inspect::Topology;
use crate::lab::{client, Lab};
use std::os::fd::{AsFd, OwnedFd};

/// One interface of the lab.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Iface {
    /// `docker0`, `veth1a2b3c4`, `lo` on the lab host; `flappy:eth0`,
    /// `flappy:lo` in a container.
    pub label: String,
    /// The container it is in; None: the lab host.
    pub container: Option<String>,
    pub loopback: bool,
    /// The bridge it is a port of (host side) or its veth's peer is.
    pub bridge: Option<String>,
    /// The label of a veth's other end.
    pub peer: Option<String>,
    /// Whether it is a bridge itself.
    pub is_bridge: bool,
}

impl Iface {
    /// What pcapng's if_description says.
    pub fn description(&self) -> String {
        let place = match &self.container {
            Some(c) => format!("in container {c}"),
            None => "on the lab host".to_string(),
        };
        let mut d = place;
        if self.is_bridge {
            d.push_str(", a bridge");
        }
        if let Some(p) = &self.peer {
            d.push_str(&format!(", veth peer {p}"));
        }
        if let Some(b) = &self.bridge {
            d.push_str(&format!(", on bridge {b}"));
        }
        d
    }
}

/// The lab's interfaces, sockets on those chosen, and what names mean.
pub struct Opened {
    pub ifaces: Vec<Iface>,
    /// Sockets open now, each with its entry of `ifaces` (interfaces that
    /// went away have none).
    pub live: Vec<(usize, OwnedFd)>,
    /// What brings interfaces that appear later.
    pub follow: Follow,
    pub names: Names,
    pub topology: Topology,
}

fn call(lab: &Lab, req: &Request) -> Result<(Response, Vec<OwnedFd>), String> {
    match client::call(lab, req, &[])? {
        (Ok(r), fds) => Ok((r, fds)),
        (Err(e), _) => Err(e.message),
    }
}

/// The fds of a reply's ExecPlan, by kind.
fn by_kind(r: Response, fds: Vec<OwnedFd>) -> Result<Vec<(String, OwnedFd)>, String> {
    match r {
        Response::ExecPlan(plan) => Ok(plan.namespaces.into_iter().zip(fds).collect()),
        other => Err(other.unexpected().message),
    }
}

fn take(kinds: &mut Vec<(String, OwnedFd)>, kind: &str) -> Option<OwnedFd> {
    let i = kinds.iter().position(|(k, _)| k == kind)?;
    Some(kinds.swap_remove(i).1)
}

fn same_namespace(fd: &OwnedFd, kind: &str) -> bool {
    let theirs = nix::sys::stat::fstat(fd.as_fd());
    let ours = nix::sys::stat::stat(format!("/proc/self/ns/{kind}").as_str());
    matches!((theirs, ours), (Ok(a), Ok(b)) if a.st_ino == b.st_ino && a.st_dev == b.st_dev)
}

/// Container names by address (every network they are on).
pub fn names_of(t: &Topology) -> Names {
    t.containers
        .iter()
        .flat_map(|c| {
            c.endpoints
                .iter()
                // IPv4 and, on a dual-stack network, IPv6 addresses.
                .flat_map(|e| std::iter::once(&e.ip).chain(&e.ip6))
                .filter_map(move |ip| Some((ip.parse().ok()?, c.name.clone())))
        })
        .collect()
}

/// The interfaces of the lab, in a stable order: the lab host's by index,
/// then each container's (in the engine's order) by index.
pub fn describe(host: &[Link], containers: &[(String, Vec<Link>)]) -> Vec<Iface> {
    let host_name = |i: u32| host.iter().find(|l| l.index == i).map(|l| l.name.clone());
    let mut out = Vec::new();
    for l in host {
        let peer = containers.iter().find_map(|(c, links)| {
            links
                .iter()
                .find(|cl| cl.peer == Some(l.index) && l.peer.is_some())
                .map(|cl| format!("{c}:{}", cl.name))
        });
        out.push(Iface {
            label: l.name.clone(),
            container: None,
            loopback: l.loopback,
            bridge: l.master.and_then(host_name),
            peer,
            is_bridge: host.iter().any(|o| o.master == Some(l.index))
                || l.name == "docker0"
                || l.name.starts_with("br-"),
        });
    }
    for (c, links) in containers {
        for l in links {
            let host_end = l.peer.and_then(|p| host.iter().find(|h| h.index == p));
            out.push(Iface {
                label: format!("{c}:{}", l.name),
                container: Some(c.clone()),
                loopback: l.loopback,
                bridge: host_end.and_then(|h| h.master).and_then(host_name),
                peer: host_end.map(|h| h.name.clone()),
                is_bridge: false,
            });
        }
    }
    out
}

/// Which interfaces a TARGET names: `all`, a label, or a container's name
/// (all of its interfaces).
pub fn select(ifaces: &[Iface], target: &str) -> Result<Vec<usize>, String> {
    let chosen: Vec<usize> = ifaces
        .iter()
        .enumerate()
        .filter(|(_, i)| {
            target == "all" || i.label == target || i.container.as_deref() == Some(target)
        })
        .map(|(k, _)| k)
        .collect();
    if chosen.is_empty() {
        let mut known: Vec<&str> = ifaces.iter().map(|i| i.label.as_str()).collect();
        known.push("all");
        return Err(format!(
            "no interface or container {target} in the lab; try one of: {}",
            known.join(", ")
        ));
    }
    Ok(chosen)
}

/// Finds the lab's interfaces and opens sockets on those `target` names.
/// Joins the lab's user namespace (a rootless lab's): call it while this
/// process has one thread, and talk to the engine before, not after.
pub fn open(lab: &Lab, target: &str, rcvbuf: usize, snaplen: usize) -> Result<Opened, String> {
    let topology = match call(lab, &Request::Topology)? {
        (Response::Topology(t), _) => t,
        (other, _) => return Err(other.unexpected().message),
    };
    let (r, fds) = call(lab, &Request::LabHostPrepare)?;
    let mut host_kinds = by_kind(r, fds)?;
    let mut container_nets = Vec::new();
    for c in &topology.containers {
        let req = Request::ExecPrepare {
            container: c.name.clone(),
            env: Vec::new(),
            workdir: None,
            tty: false,
            user: String::new(),
        };
        // A container that stopped since the topology was read is skipped.
        let Ok((r, fds)) = call(lab, &req) else {
            continue;
        };
        let mut kinds = by_kind(r, fds)?;
        if let Some(net) = take(&mut kinds, "net") {
            container_nets.push((c.name.clone(), net));
        }
    }
    let host_net = take(&mut host_kinds, "net").ok_or("the lab sent no network namespace")?;
    // `all` takes in new containers too, whose namespaces only the engine
    // has: a watcher forked now asks for them (see `follow`).
    let watcher = if target == "all" {
        Some(
            super::follow::spawn_watcher(lab)
                .map_err(|e| format!("cannot watch lab {}: {e}", lab.name))?,
        )
    } else {
        None
    };
    if let Some(user) = take(&mut host_kinds, "user") {
        if !same_namespace(&user, "user") {
            nix::sched::setns(user.as_fd(), nix::sched::CloneFlags::CLONE_NEWUSER)
                .map_err(|e| format!("cannot join lab {}'s user namespace: {e}", lab.name))?;
        }
    }
    let cannot = |e: std::io::Error| format!("cannot list the lab's interfaces: {e}");
    let is_container = topology.containers.iter().any(|c| c.name == target);
    // A container followed gets its new interfaces (`network connect`);
    // one interface named is that one alone.
    let follows = (target == "all" || is_container).then(|| target.to_string());
    let mut follow =
        Follow::new(host_net, container_nets, follows, rcvbuf, snaplen).map_err(cannot)?;
    if let Some((sock, pid)) = watcher {
        follow.set_watcher(sock, pid);
    }
    let listing = follow.listing().map_err(cannot)?;
    let all: Vec<Iface> = listing.iter().map(|(_, i)| i.clone()).collect();
    let chosen: Vec<String> = select(&all, target)?
        .into_iter()
        .map(|k| all[k].label.clone())
        .collect();
    let (mut ifaces, mut live) = (Vec::new(), Vec::new());
    follow
        .open_new(
            listing,
            &|i| chosen.contains(&i.label),
            &mut ifaces,
            &mut live,
        )
        .map_err(|e| format!("cannot open a capture socket in lab {}: {e}", lab.name))?;
    Ok(Opened {
        names: names_of(&topology),
        ifaces,
        live,
        follow,
        topology,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(index: u32, name: &str, peer: Option<u32>, master: Option<u32>) -> Link {
        Link {
            index,
            name: name.into(),
            peer,
            master,
            loopback: name == "lo",
        }
    }

    #[test]
    fn veth_ends_and_bridges_are_paired_by_index() {
        let host = vec![
            link(1, "lo", None, None),
            link(2, "docker0", None, None),
            link(5, "vethaaaaaaa", Some(2), Some(2)),
        ];
        let ctrs = vec![(
            "flappy".to_string(),
            vec![link(1, "lo", None, None), link(2, "eth0", Some(5), None)],
        )];
        let ifaces = describe(&host, &ctrs);
        let labels: Vec<&str> = ifaces.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(
            labels,
            ["lo", "docker0", "vethaaaaaaa", "flappy:lo", "flappy:eth0"]
        );
        assert!(ifaces[1].is_bridge);
        assert_eq!(ifaces[2].peer.as_deref(), Some("flappy:eth0"));
        assert_eq!(ifaces[2].bridge.as_deref(), Some("docker0"));
        assert_eq!(ifaces[4].peer.as_deref(), Some("vethaaaaaaa"));
        assert_eq!(ifaces[4].bridge.as_deref(), Some("docker0"));
        assert_eq!(
            ifaces[4].description(),
            "in container flappy, veth peer vethaaaaaaa, on bridge docker0"
        );
        assert_eq!(select(&ifaces, "flappy").unwrap(), [3, 4]);
        assert_eq!(select(&ifaces, "flappy:eth0").unwrap(), [4]);
        assert_eq!(select(&ifaces, "docker0").unwrap(), [1]);
        assert_eq!(select(&ifaces, "all").unwrap().len(), 5);
        assert_eq!(
            select(&ifaces, "nope").unwrap_err(),
            "no interface or container nope in the lab; try one of: lo, docker0, vethaaaaaaa, flappy:lo, flappy:eth0, all"
        );
    }
}
