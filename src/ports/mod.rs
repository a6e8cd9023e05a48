//! Publishing container ports the way Docker 20.10 does: parsing `-p`,
//! allocating host ports, and printing what `docker ps`, `docker port` and
//! `docker inspect` show. Pure logic: no system calls here; the engine does
//! the binding (see [`PortAllocator::allocate`]).
//!
//! Behaviour follows, in this order of authority: the captured transcripts in
//! `shared/reference/docker-20.10`, then the code Docker 20.10.24 ships
//! (go-connections v0.4.0 `nat`, libnetwork's portallocator / portmapper /
//! bridge port_mapping, docker/cli 20.10 `DisplayablePorts` and `docker
//! port`). Error texts are Docker's, quirks included, because lessons compare
//! them with the reference byte for byte.
//!
//! Three parts: [`publish`] reads `-p`/`--expose` and plans the host
//! bindings, [`allocator`] hands out host ports as libnetwork does, and
//! [`display`] prints them (and Docker's error texts). The types they share
//! are here.

mod allocator;
mod display;
mod publish;

#[cfg(test)]
pub use allocator::BindModel;
pub use allocator::{
    parse_ip_local_port_range, AllocError, PortAllocator, Published, DEFAULT_EPHEMERAL_RANGE,
    DOCKER_FALLBACK_RANGE, MAX_ALLOCATE_ATTEMPTS,
};
pub use display::{
    exposed_ports_json, external_connectivity_error, go_ip_string, host_config_port_bindings_json,
    network_settings_ports_json, port_command_lines, ps_ports_column, userland_proxy_error,
};
pub use publish::{
    exposed_with_published, parse_expose, parse_publish, plan_bindings, PlannedBinding, PortSpec,
};

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// Transport protocol of a published or exposed port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Proto {
    type Err = String;
    /// Case-insensitive, as Docker lowercases the protocol of `-p`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_lowercase().as_str() {
            "tcp" => Ok(Proto::Tcp),
            "udp" => Ok(Proto::Udp),
            _ => Err(format!("Invalid proto: {s}")),
        }
    }
}

/// An exposed port of an image or container: `5000/tcp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortKey {
    pub port: u16,
    pub proto: Proto,
}

impl PortKey {
    pub fn new(port: u16, proto: Proto) -> Self {
        PortKey { port, proto }
    }
}

impl fmt::Display for PortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.port, self.proto)
    }
}

impl FromStr for PortKey {
    type Err = String;
    /// "5000/tcp", "5000/udp", or "5000" (tcp), as in an image's EXPOSE.
    fn from_str(s: &str) -> Result<Self, String> {
        let (port, proto) = match s.split_once('/') {
            Some((p, "")) => (p, Proto::Tcp),
            Some((p, proto)) => (p, proto.parse()?),
            None => (s, Proto::Tcp),
        };
        Ok(PortKey {
            port: publish::go_parse_u16(port)?,
            proto,
        })
    }
}

/// A live binding, as listed in inspect's `NetworkSettings.Ports`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub host_ip: IpAddr,
    pub host_port: u16,
}

/// Helpers shared by the three parts' tests.
#[cfg(test)]
mod test_support {
    use super::*;

    pub fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }
    pub fn key(s: &str) -> PortKey {
        s.parse().unwrap()
    }
    pub fn spec(ip_: Option<&str>, host: Option<(u16, u16)>, port: u16, proto: Proto) -> PortSpec {
        PortSpec {
            host_ip: ip_.map(ip),
            host_ports: host,
            container_port: port,
            proto,
        }
    }
    pub fn one(s: &str) -> PortSpec {
        let v = parse_publish(s).unwrap();
        assert_eq!(v.len(), 1, "{s}");
        v.into_iter().next().unwrap()
    }
    pub fn b(ip_: &str, port: u16) -> Binding {
        Binding {
            host_ip: ip(ip_),
            host_port: port,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn port_key_text() {
        assert_eq!(key("5000/tcp").to_string(), "5000/tcp");
        assert_eq!(key("5000").to_string(), "5000/tcp");
        assert_eq!(key("53/UDP"), PortKey::new(53, Proto::Udp));
        assert_eq!(
            "x/tcp".parse::<PortKey>().unwrap_err(),
            "strconv.ParseUint: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            "5000/sctpx".parse::<PortKey>().unwrap_err(),
            "Invalid proto: sctpx"
        );
        assert_eq!(Proto::Udp.to_string(), "udp");
    }
}
