//! The lab's state: networks and containers as the engine records them.
//! Runtime handles (namespaces, netlink, tasks) hang off `Sandbox`, which
//! exists only while a container runs.

use super::ipam::{AddressPool, Subnet};
use crate::images::Image;
use std::net::Ipv4Addr;
use std::os::fd::OwnedFd;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    Bridge,
    Host,
    Null,
}

impl Driver {
    pub fn as_str(&self) -> &'static str {
        match self {
            Driver::Bridge => "bridge",
            Driver::Host => "host",
            Driver::Null => "null",
        }
    }
}

#[derive(Debug)]
pub struct Network {
    pub id: String,
    pub name: String,
    pub created_ns: i128,
    pub driver: Driver,
    /// The default `bridge` network (docker0): no DNS, links allowed.
    pub is_default: bool,
    /// Bridge networks only.
    pub pool: Option<AddressPool>,
    /// `--subnet` and `--gateway` as the user gave them: inspect shows
    /// them so (a subnet with host bits set stays as typed), and only a
    /// network with a subnet of the user's takes `--ip`.
    pub ipam_subnet: Option<String>,
    pub ipam_gateway: Option<String>,
    pub bridge: String,
    pub bridge_index: u32,
}

impl Network {
    pub fn subnet(&self) -> Option<Subnet> {
        self.pool.as_ref().map(|p| p.subnet)
    }
    /// User-defined bridge networks get the embedded DNS.
    pub fn has_dns(&self) -> bool {
        self.user_defined()
    }
    /// Not one of Docker's predefined networks (bridge, host, none).
    pub fn user_defined(&self) -> bool {
        self.driver == Driver::Bridge && !self.is_default
    }
    /// The subnet, if the user chose it (`--ip` needs one).
    pub fn configured_subnet(&self) -> Option<Subnet> {
        self.ipam_subnet.as_ref().and(self.subnet())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Created,
    Running,
    Exited,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Running => "running",
            Status::Exited => "exited",
        }
    }
}

#[derive(Debug, Clone)]
pub struct State {
    pub status: Status,
    /// The process's pid in the lab's PID namespace.
    pub pid: i32,
    pub exit_code: i32,
    pub error: String,
    pub started_ns: i128,
    pub finished_ns: i128,
}

/// A network the container is configured to join; it persists across
/// restarts, while the address and interface are made anew at each start.
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    pub network_id: String,
    /// `--network-alias` / `--alias`.
    pub aliases: Vec<String>,
    /// Joined by `network connect` (inspect shows `IPAMConfig: {}` then).
    pub from_connect: bool,
    /// `--link` on a user network: DNS aliases only, "target:alias".
    pub links: Vec<String>,
    /// `--ip`: a fixed address asked for.
    pub ip: Option<Ipv4Addr>,
}

/// A live attachment.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub network_id: String,
    pub endpoint_id: String,
    pub ip: Ipv4Addr,
    pub prefix: u8,
    pub gateway: Ipv4Addr,
    pub ifname: String,
    pub ifindex: u32,
}

/// A legacy link on the default bridge: `--link source:alias`.
#[derive(Debug, Clone)]
pub struct Link {
    pub source_id: String,
    pub alias: String,
}

pub struct Sandbox {
    pub id: String,
    pub netns: OwnedFd,
    pub netlink: rtnetlink::Handle,
    /// eth0, eth1, ...: Docker never reuses a number within one sandbox.
    pub next_if: u32,
    pub endpoints: Vec<Endpoint>,
    /// Self lines of /etc/hosts, in connect order (see `hosts_after_disconnect`).
    pub hosts_self: Vec<Ipv4Addr>,
    /// Background tasks of this sandbox (the DNS server).
    pub tasks: Vec<tokio::task::AbortHandle>,
    /// Published ports with their running proxies (dropping one stops it).
    pub published: Vec<crate::ports::Published<crate::proxy::ProxyHandle>>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

pub struct Container {
    pub id: String,
    pub name: String,
    pub image: &'static Image,
    pub created_ns: i128,
    /// Config.Cmd: the override, else the image's.
    pub cmd: Vec<String>,
    /// Config.Env: the image's env merged with `-e`.
    pub env: Vec<String>,
    pub hostname: String,
    pub workdir: String,
    pub tty: bool,
    pub open_stdin: bool,
    pub auto_remove: bool,
    /// HostConfig.NetworkMode: "default", a network name, "host" or "none".
    pub network_mode: String,
    /// `-p` flags, parsed.
    pub port_specs: Vec<crate::ports::PortSpec>,
    /// `-P`.
    pub publish_all: bool,
    /// Config.ExposedPorts: the image's EXPOSE plus published ports.
    pub exposed: Vec<crate::ports::PortKey>,
    pub links: Vec<Link>,
    pub endpoints: Vec<EndpointConfig>,
    pub state: State,
    pub restart_count: u32,
    pub sandbox: Option<Sandbox>,
    /// Woken when the process exits, with its exit code.
    pub exit_waiters: Vec<tokio::sync::oneshot::Sender<i32>>,
}

impl Container {
    pub fn short_id(&self) -> &str {
        &self.id[..12]
    }
    pub fn running(&self) -> bool {
        self.state.status == Status::Running
    }
    /// (port, binding) pairs of the live published ports.
    pub fn bindings(&self) -> Vec<(crate::ports::PortKey, crate::ports::Binding)> {
        self.sandbox
            .iter()
            .flat_map(|s| s.published.iter().map(|p| p.pair()))
            .collect()
    }

    pub fn endpoint(&self, network_id: &str) -> Option<&Endpoint> {
        self.sandbox
            .as_ref()
            .and_then(|s| s.endpoints.iter().find(|e| e.network_id == network_id))
    }
}

/// Docker picks the gateway endpoint (default route, published ports) by
/// network name when priorities are equal: the name that sorts first wins.
pub fn gateway_network<'a>(names: impl Iterator<Item = (&'a str, &'a str)>) -> Option<&'a str> {
    names.min_by(|a, b| a.1.cmp(b.1)).map(|(id, _)| id)
}

/// Docker's rule for container names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (networks:
/// `validate::network_name`).
pub fn valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_alphanumeric()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_is_the_first_name() {
        let nets = [
            ("id-pub", "flappy-public"),
            ("id-priv", "flappy-private"),
            ("id-zz", "zz-net"),
        ];
        assert_eq!(
            gateway_network(nets.iter().map(|(a, b)| (*a, *b))),
            Some("id-priv")
        );
        assert_eq!(gateway_network(std::iter::empty()), None);
    }

    #[test]
    fn names_follow_dockers_rule() {
        assert!(valid_name("flappy"));
        assert!(valid_name("network-gate"));
        assert!(valid_name("a.b_c"));
        assert!(!valid_name("x"));
        assert!(!valid_name("-bad"));
        assert!(!valid_name("has space"));
    }
}
