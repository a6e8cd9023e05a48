//! Published ports: host ports allocated for a container's `-p`/`-P`, each
//! served by a userland proxy aimed at the container's gateway endpoint.

use super::api::ApiError;
use super::host::{Host, Proxy};
use super::{Engine, OpResult};
use crate::model::Endpoint;
use std::net::SocketAddr;

/// Where the proxy listening on `listen` sends a connection: as
/// docker-proxy 20.10 is started, the `::` one to the container's IPv6
/// address when its gateway endpoint has one (`-host-ip :: -container-ip
/// fd00:1::5`), else, and from `0.0.0.0`, to its IPv4 address.
pub(crate) fn proxy_target(ep: &Endpoint, listen: SocketAddr, port: u16) -> SocketAddr {
    match (listen, ep.v6) {
        (SocketAddr::V6(_), Some(v6)) => SocketAddr::new(v6.ip.into(), port),
        _ => SocketAddr::new(ep.ip.into(), port),
    }
}

impl<H: Host> Engine<H> {
    /// Allocates host ports and starts a proxy for each, aimed at the
    /// gateway endpoint's address; Docker's wording if a port is taken.
    pub(super) fn publish_ports(&mut self, ci: usize) -> OpResult<()> {
        let c = &self.state.containers[ci];
        // Docker 20.10 publishes no port of a container whose gateway
        // endpoint is on an internal network: `docker port` shows none.
        if (c.port_specs.is_empty() && !c.publish_all) || !self.state.publishes_ports(c) {
            return Ok(());
        }
        let Some(ep) = self.state.gateway_endpoint(c) else {
            return Ok(());
        };
        let (target, ep_id) = (ep.clone(), ep.endpoint_id.clone());
        // `com.docker.network.bridge.host_binding_ipv4` of the gateway
        // endpoint's network: where a port bound to no address goes,
        // instead of 0.0.0.0 and :: (Docker 20.10: `-p 8090:80` gives
        // `80/tcp -> 127.0.0.1:8090` alone, `-P` the same address).
        let default_ip = self
            .state
            .network_by_id(&ep.network_id)
            .and_then(|n| super::validate::bridge_options(&n.config.options).ok())
            .and_then(|o| o.host_binding);
        let plan = match default_ip {
            None => crate::ports::plan_bindings(&c.port_specs, &c.exposed, c.publish_all, true),
            Some(ip) => {
                let specs: Vec<crate::ports::PortSpec> = c
                    .port_specs
                    .iter()
                    .map(|s| crate::ports::PortSpec {
                        host_ip: s.host_ip.or(Some(ip)),
                        ..s.clone()
                    })
                    .collect();
                let mut plan =
                    crate::ports::plan_bindings(&specs, &c.exposed, c.publish_all, false);
                // What -P adds, on ports no -p names.
                for p in &mut plan {
                    if !specs.iter().any(|s| s.key() == p.key) {
                        p.host_ip = ip;
                    }
                }
                plan
            }
        };
        let (id, name) = (c.id.clone(), c.name.clone());
        let host = &self.host;
        let published = self
            .host_ports
            .allocate(&id, &plan, |pb, listen| {
                host.start_proxy(pb.key, listen, proxy_target(&target, listen, pb.key.port))
            })
            .map_err(|cause| {
                ApiError::system(crate::ports::external_connectivity_error(
                    &name, &ep_id, &cause,
                ))
            })?;
        if let Some(sb) = self.state.containers[ci].sandbox.as_mut() {
            sb.bindings = published.iter().map(|p| p.pair()).collect();
        }
        if let Some(live) = self.live.get_mut(&id) {
            live.proxies = published;
        }
        Ok(())
    }

    /// After the gateway endpoint changed (connect, disconnect), published
    /// ports follow it, as Docker moves its DNAT rules and proxies.
    pub(super) fn retarget_ports(&mut self, ci: usize) -> OpResult<()> {
        let c = &self.state.containers[ci];
        let target = self.state.gateway_endpoint(c).cloned();
        let (Some(ep), Some(live)) = (target, self.live.get_mut(&c.id)) else {
            return Ok(());
        };
        for p in live.proxies.iter_mut() {
            let listen = SocketAddr::new(p.binding.host_ip, p.binding.host_port);
            let wanted = proxy_target(&ep, listen, p.key.port);
            if p.handle.target() == wanted {
                continue;
            }
            // The old proxy lets go of the port before the new one binds it.
            p.handle.shutdown_now();
            p.handle = self.host.start_proxy(p.key, listen, wanted)?;
        }
        Ok(())
    }

    /// A container that had no published ports because its only network
    /// was internal publishes them when it joins another network, as
    /// Docker 20.10 does (a later disconnect keeps them, as there).
    pub(super) fn publish_if_external(&mut self, ci: usize) -> OpResult<()> {
        let c = &self.state.containers[ci];
        let published = self.live.get(&c.id).is_some_and(|l| !l.proxies.is_empty());
        if published || !self.state.publishes_ports(c) {
            return Ok(());
        }
        self.publish_ports(ci)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Endpoint6;

    #[test]
    fn the_ipv6_proxy_aims_at_the_ipv6_address_when_there_is_one() {
        let mut ep = Endpoint {
            network_id: "n".into(),
            endpoint_id: "e".into(),
            ip: "172.30.0.5".parse().unwrap(),
            prefix: 16,
            gateway: "172.30.0.1".parse().unwrap(),
            ifname: "eth0".into(),
            ifindex: 2,
            mac: [2, 0x42, 172, 30, 0, 5],
            v6: None,
        };
        let any4: SocketAddr = "0.0.0.0:18080".parse().unwrap();
        let any6: SocketAddr = "[::]:18080".parse().unwrap();
        // Docker 20.10 on a v4-only network: both proxies to the v4 address.
        assert_eq!(
            proxy_target(&ep, any6, 80),
            "172.30.0.5:80".parse().unwrap()
        );
        ep.v6 = Some(Endpoint6 {
            ip: "fd00:1::5".parse().unwrap(),
            prefix: 64,
            gateway: "fd00:1::1".parse().unwrap(),
        });
        // On a dual-stack one: -host-ip :: -container-ip fd00:1::5.
        assert_eq!(
            proxy_target(&ep, any4, 80),
            "172.30.0.5:80".parse().unwrap()
        );
        assert_eq!(
            proxy_target(&ep, any6, 80),
            "[fd00:1::5]:80".parse().unwrap()
        );
    }
}
