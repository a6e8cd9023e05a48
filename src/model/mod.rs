//! A lab's state as plain data: its networks and containers, as the engine
//! records them and as every view (inspect, ps, topology) reads them. No
//! handle to anything live is kept here: the engine keeps namespaces,
//! proxies and DNS servers beside this state, by container id.

pub mod capabilities;
pub mod container_filters;
pub mod ids;
pub mod ipam;

use crate::images::Image;
use ipam::{AddressPool, AddressPool6, Subnet};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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
    /// What `network create` was given besides the subnet and gateway.
    pub config: NetworkConfig,
    /// `--ipv6`: containers get an IPv6 address from `v6`.
    pub enable_ipv6: bool,
    /// An IPv6 `--subnet`, kept (and shown) with or without `--ipv6`, as
    /// Docker 20.10 keeps it.
    pub v6: Option<Ipv6Config>,
}

/// A network's IPv6 pool and its flags as given (inspect shows them so).
#[derive(Debug, Clone)]
pub struct Ipv6Config {
    pub pool: AddressPool6,
    pub subnet: String,
    pub gateway: Option<String>,
    pub ip_range: Option<String>,
    /// `--aux-address` entries in the IPv6 subnet.
    pub aux_addresses: BTreeMap<String, String>,
}

/// `network create --internal --label --opt --ip-range --aux-address`, as
/// given: inspect shows them so (Go marshals maps in key order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkConfig {
    pub internal: bool,
    pub labels: BTreeMap<String, String>,
    /// Driver options (`-o`), known or not: Docker keeps them all.
    pub options: BTreeMap<String, String>,
    pub ip_range: Option<String>,
    pub aux_addresses: BTreeMap<String, String>,
    /// `--attachable`: shown, as Docker shows it on a bridge network.
    pub attachable: bool,
    /// `--ipam-opt`: shown in IPAM.Options.
    pub ipam_options: BTreeMap<String, String>,
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
    /// Where containers take IPv6 addresses: only with `--ipv6` (Docker
    /// 20.10 keeps an IPv6 subnet without it, and hands out nothing).
    pub fn v6_pool(&mut self) -> Option<&mut AddressPool6> {
        let on = self.enable_ipv6;
        self.v6.as_mut().filter(|_| on).map(|v| &mut v.pool)
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
    /// `--ip6`: a fixed address asked for (`network connect` takes any
    /// address, and the pool refuses an IPv4 one).
    pub ip6: Option<IpAddr>,
    /// `--mac-address`, for the network of the container's network mode.
    pub mac: Option<[u8; 6]>,
    /// The network's name, which inspect still shows once it is removed.
    pub network_name: String,
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
    /// Its interface's MAC: `--mac-address`, else 02:42 and the address.
    pub mac: [u8; 6],
    /// On a network with `--ipv6`: its IPv6 address.
    pub v6: Option<Endpoint6>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint6 {
    pub ip: Ipv6Addr,
    pub prefix: u8,
    pub gateway: Ipv6Addr,
}

/// HostConfig.Dns, DnsSearch and DnsOptions: the `--dns` servers (as
/// addresses print), `--dns-search` domains and `--dns-option` options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsConfig {
    pub servers: Vec<String>,
    pub search: Vec<String>,
    pub options: Vec<String>,
}

/// A legacy link on the default bridge: `--link source:alias`.
#[derive(Debug, Clone)]
pub struct Link {
    pub source_id: String,
    pub alias: String,
}

/// What a running container's sandbox holds, as data.
#[derive(Debug, Clone, Default)]
pub struct Sandbox {
    pub id: String,
    /// eth0, eth1, ...: Docker never reuses a number within one sandbox.
    pub next_if: u32,
    pub endpoints: Vec<Endpoint>,
    /// Self lines of /etc/hosts, in connect order (see `hosts_after_disconnect`):
    /// each network's IPv4 address, then its IPv6 one, as Docker writes them.
    pub hosts_self: Vec<IpAddr>,
    /// Whether an IPv6 default route was set (to remove it when the
    /// gateway endpoint changes to one without IPv6).
    pub v6_route: bool,
    /// Published ports as bound, in the order they were bound.
    pub bindings: Vec<(crate::ports::PortKey, crate::ports::Binding)>,
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
    /// `--dns`, `--dns-search`, `--dns-option`.
    pub dns: DnsConfig,
    /// HostConfig.ExtraHosts: `--add-host` as given ("name:ip").
    pub extra_hosts: Vec<String>,
    /// Config.Labels, sorted by key as Docker shows them.
    pub labels: Vec<(String, String)>,
    /// Config.Domainname.
    pub domainname: String,
    /// Config.MacAddress: `--mac-address` as given, or empty.
    pub mac_address: String,
    /// HostConfig.CapAdd and CapDrop as given.
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    /// The effective capability set they make (see `capabilities`).
    pub capabilities: u64,
    /// HostConfig.Sysctls.
    pub sysctls: std::collections::BTreeMap<String, String>,
    /// The bytes of its layer as created (the image's files and the base
    /// every container gets): what it wrote since is its SizeRw.
    pub layer_bytes: u64,
    pub state: State,
    pub restart_count: u32,
    pub sandbox: Option<Sandbox>,
    /// The ID of the sandbox it last ran in: Docker keeps showing it (and
    /// its SandboxKey) once the container stops, until a start makes a new
    /// one. Empty until the first start.
    pub last_sandbox_id: String,
}

impl Container {
    pub fn short_id(&self) -> &str {
        &self.id[..12]
    }
    /// The aliases of its endpoint on a user-defined network once it is
    /// made, as dockerd's `updateNetworkConfig` extends them: the
    /// configured ones, the short id, and the hostname (`--hostname`;
    /// by default it is the short id), each once. The DNS answers to all.
    pub fn endpoint_aliases(&self, cfg: &EndpointConfig) -> Vec<String> {
        let mut aliases = cfg.aliases.clone();
        for name in [self.short_id(), self.hostname.as_str()] {
            if !aliases.iter().any(|a| a == name) {
                aliases.push(name.to_string());
            }
        }
        aliases
    }
    pub fn running(&self) -> bool {
        self.state.status == Status::Running
    }
    /// (port, binding) pairs of the live published ports.
    pub fn bindings(&self) -> Vec<(crate::ports::PortKey, crate::ports::Binding)> {
        self.sandbox
            .iter()
            .flat_map(|s| s.bindings.iter().cloned())
            .collect()
    }

    pub fn endpoint(&self, network_id: &str) -> Option<&Endpoint> {
        self.sandbox
            .as_ref()
            .and_then(|s| s.endpoints.iter().find(|e| e.network_id == network_id))
    }
}

/// Every network and container of a lab.
#[derive(Default)]
pub struct LabState {
    pub networks: Vec<Network>,
    pub containers: Vec<Container>,
}

impl LabState {
    /// A container by name (with or without the leading slash), full id or
    /// unique id prefix, as Docker resolves them: its index, or Err(true)
    /// when no container matches and Err(false) when several do.
    pub fn container_index(&self, key: &str) -> Result<usize, bool> {
        let key = key.strip_prefix('/').unwrap_or(key);
        if let Some(i) = self
            .containers
            .iter()
            .position(|c| c.id == key || c.name == key)
        {
            return Ok(i);
        }
        let matches: Vec<usize> = (0..self.containers.len())
            .filter(|&i| !key.is_empty() && self.containers[i].id.starts_with(key))
            .collect();
        match matches.as_slice() {
            [i] => Ok(*i),
            [] => Err(true),
            _ => Err(false),
        }
    }

    /// A network by name, full id or unique id prefix.
    pub fn network_index(&self, key: &str) -> Option<usize> {
        if let Some(i) = self
            .networks
            .iter()
            .position(|n| n.name == key || n.id == key)
        {
            return Some(i);
        }
        let matches: Vec<usize> = (0..self.networks.len())
            .filter(|&i| !key.is_empty() && self.networks[i].id.starts_with(key))
            .collect();
        match matches.as_slice() {
            [i] => Some(*i),
            _ => None,
        }
    }

    pub fn network_by_id(&self, id: &str) -> Option<&Network> {
        self.networks.iter().find(|n| n.id == id)
    }

    pub fn container_by_id(&self, id: &str) -> Option<usize> {
        self.containers.iter().position(|c| c.id == id)
    }

    /// The default bridge (docker0), where links live.
    pub fn default_bridge(&self) -> Option<&Network> {
        self.networks.iter().find(|n| n.is_default)
    }

    /// A container's live endpoint on the default bridge.
    pub fn bridge_endpoint<'a>(&self, c: &'a Container) -> Option<&'a Endpoint> {
        c.endpoint(&self.default_bridge()?.id)
    }

    /// The endpoint that carries the default route: first network by
    /// name, an internal network only when the container has no other
    /// (Docker 20.10: a container on an internal and a public network
    /// routes through the public one, whatever their names).
    pub fn gateway_endpoint<'a>(&'a self, c: &'a Container) -> Option<&'a Endpoint> {
        let sb = c.sandbox.as_ref()?;
        let on = |internal: bool| {
            gateway_network(sb.endpoints.iter().filter_map(|e| {
                self.network_by_id(&e.network_id)
                    .filter(|n| n.config.internal == internal)
                    .map(|n| (e.network_id.as_str(), n.name.as_str()))
            }))
        };
        let id = on(false).or_else(|| on(true))?;
        sb.endpoints.iter().find(|e| e.network_id == id)
    }

    /// Whether a container's ports are published: Docker publishes them on
    /// its gateway endpoint, and never on an internal network's.
    pub fn publishes_ports(&self, c: &Container) -> bool {
        self.gateway_endpoint(c)
            .and_then(|ep| self.network_by_id(&ep.network_id))
            .is_some_and(|n| !n.config.internal)
    }
}

/// Docker picks the gateway endpoint (default route, published ports) by
/// network name when priorities are equal: the name that sorts first wins.
pub fn gateway_network<'a>(names: impl Iterator<Item = (&'a str, &'a str)>) -> Option<&'a str> {
    names.min_by(|a, b| a.1.cmp(b.1)).map(|(id, _)| id)
}

/// `--label KEY[=VALUE]` flags as Config.Labels: sorted by key, the last
/// value of a key winning, a bare key with an empty value.
pub fn labels(flags: &[String]) -> Vec<(String, String)> {
    let mut map = std::collections::BTreeMap::new();
    for f in flags {
        let (k, v) = f.split_once('=').unwrap_or((f.as_str(), ""));
        map.insert(k.to_string(), v.to_string());
    }
    map.into_iter().collect()
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
