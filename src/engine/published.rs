//! Published ports: host ports allocated for a container's `-p`/`-P`, each
//! served by a userland proxy aimed at the container's gateway endpoint.

use super::api::ApiError;
use super::host::{Host, Proxy};
use super::{Engine, OpResult};
use std::net::SocketAddr;

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
        let (target_ip, ep_id) = (ep.ip, ep.endpoint_id.clone());
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
                host.start_proxy(
                    pb.key,
                    listen,
                    SocketAddr::new(target_ip.into(), pb.key.port),
                )
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
        let target = self.state.gateway_endpoint(c).map(|e| e.ip);
        let (Some(ip), Some(live)) = (target, self.live.get_mut(&c.id)) else {
            return Ok(());
        };
        for p in live.proxies.iter_mut() {
            let wanted = SocketAddr::new(ip.into(), p.key.port);
            if p.handle.target() == wanted {
                continue;
            }
            let listen = SocketAddr::new(p.binding.host_ip, p.binding.host_port);
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
