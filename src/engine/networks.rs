//! Networks: create, remove, connect and disconnect, and what joining one
//! means for a running container (an interface, an address, the default
//! route).

use super::api::{ApiError, NetworkSpec, NetworkSummary, PoolSpec};
use super::host::{Host, PortConfig};
use super::ipam::{self, AddressPool, AddressPool6, Subnet, Subnet6};
use super::model::container_filters::anchored_match;
use super::model::*;
use super::validate::{self, IpFlag};
use super::{Engine, OpResult};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

impl<H: Host> Engine<H> {
    /// `network create NAME [--driver D] [--subnet S] [--gateway G]`.
    pub async fn network_create(
        &mut self,
        name: &str,
        driver: Option<&str>,
        subnet: Option<&str>,
        gateway: Option<&str>,
    ) -> OpResult<String> {
        self.network_create_spec(&NetworkSpec {
            name: name.to_string(),
            driver: driver.map(str::to_string),
            subnet: subnet.map(str::to_string),
            gateway: gateway.map(str::to_string),
            ..NetworkSpec::default()
        })
        .await
    }

    /// `network create` with all its flags; the daemon's checks, in its
    /// order, come before anything is made.
    pub async fn network_create_spec(&mut self, spec: &NetworkSpec) -> OpResult<String> {
        let name = spec.name.as_str();
        match spec.driver.as_deref().unwrap_or("bridge") {
            "bridge" => {}
            other => {
                return Err(ApiError::not_found(format!(
                    "plugin \"{other}\" not found (netlings supports only the bridge driver)"
                )))
            }
        }
        validate::network_name(name).map_err(ApiError::invalid)?;
        if self.state.networks.iter().any(|n| n.name == name) {
            return Err(ApiError::conflict(format!(
                "network with name {name} already exists"
            )));
        }
        match spec.ipam_driver.as_deref().unwrap_or("default") {
            "default" => {}
            other => return Err(ApiError::not_found(format!("plugin \"{other}\" not found"))),
        }
        // The pools by family: Docker's daemon sorts them so (inspect
        // shows IPv4 first whatever the order of `--subnet`).
        let mut pools: Vec<PoolSpec> = Vec::new();
        if spec.subnet.is_some() || spec.gateway.is_some() || spec.ip_range.is_some() {
            pools.push(PoolSpec {
                subnet: spec.subnet.clone(),
                gateway: spec.gateway.clone(),
                ip_range: spec.ip_range.clone(),
            });
        }
        pools.extend(spec.more_pools.iter().cloned());
        let is_v6 = |p: &PoolSpec| p.subnet.as_deref().is_some_and(|s| s.contains(':'));
        let (v6_pools, v4_pools): (Vec<PoolSpec>, Vec<PoolSpec>) =
            pools.into_iter().partition(is_v6);
        // A lab has no IPv6 pools of its own (Docker 20.10's words when it
        // has none): `--ipv6` needs an IPv6 `--subnet`.
        if spec.ipv6 && v6_pools.is_empty() {
            return Err(ApiError::forbidden(
                "could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network",
            ));
        }
        let in_use: Vec<Subnet> = self
            .state
            .networks
            .iter()
            .filter_map(|n| n.subnet())
            .collect();
        // Every pool is requested (and checked for overlap) before the
        // bridge driver refuses a second one of a family.
        let mut v4_subnets = Vec::new();
        for p in v4_pools.iter().filter_map(|p| p.subnet.as_deref()) {
            let s = validate::subnet(p).map_err(ApiError::invalid)?;
            if in_use.iter().chain(&v4_subnets).any(|u| u.overlaps(&s)) {
                return Err(ApiError::forbidden(
                    "Pool overlaps with other one on this address space",
                ));
            }
            v4_subnets.push(s);
        }
        let mut v6_subnets: Vec<Subnet6> = Vec::new();
        for p in v6_pools.iter().filter_map(|p| p.subnet.as_deref()) {
            let s: Subnet6 = p
                .parse()
                .map_err(|e| ApiError::invalid(format!("Invalid subnet {p} : {e}")))?;
            let taken = self
                .state
                .networks
                .iter()
                .filter_map(|n| n.v6.as_ref().map(|v| v.pool.subnet))
                .chain(v6_subnets.iter().copied())
                .any(|u| u.overlaps(&s));
            if taken {
                return Err(ApiError::forbidden(
                    "Pool overlaps with other one on this address space",
                ));
            }
            v6_subnets.push(s);
        }
        if v4_pools.len() > 1 || v6_pools.len() > 1 {
            return Err(ApiError::forbidden(
                "bridge driver doesn't support multiple subnets",
            ));
        }
        let v4 = v4_pools.into_iter().next().unwrap_or_default();
        let subnet_text = v4.subnet.as_deref();
        let subnet = match v4_subnets.first() {
            Some(s) => *s,
            None => self
                .pools
                .allocate(&in_use)
                .ok_or_else(|| ApiError::unavailable("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network"))?,
        };
        let range = match (&v4.ip_range, subnet_text) {
            (Some(r), Some(_)) => Some(validate::ip_range(subnet, r).map_err(ApiError::invalid)?),
            (Some(_), None) => {
                return Err(ApiError::invalid(
                    "every ip-range or gateway must have a corresponding subnet",
                ))
            }
            (None, _) => None,
        };
        // Docker's client has matched the gateway to the subnet already
        // (`validate::consolidate_ipam`); the daemon allocates it.
        let gateway = v4.gateway.as_deref();
        let gateway_ip =
            match gateway {
                Some(g) => Some(g.parse::<Ipv4Addr>().map_err(|_| {
                    ApiError::invalid(format!("no matching subnet for gateway {g}"))
                })?),
                None => None,
            };
        let gateway_ip =
            validate::network_gateway(subnet, range, gateway_ip).map_err(ApiError::invalid)?;
        let mut pool = AddressPool::new(subnet, gateway_ip);
        if let Some(r) = range {
            pool = pool.with_range(r);
        }
        let mut v6 = match (v6_pools.into_iter().next(), v6_subnets.first()) {
            (Some(p), Some(s)) => Some(ipv6_config(p, *s)?),
            _ => None,
        };
        let aux = validate::key_values(&spec.aux_addresses);
        for (k, a) in &aux {
            let taken = |why: String| {
                ApiError::forbidden(format!(
                    "failed to allocate secondary ip address ({k}:{a}): {why}"
                ))
            };
            if let Some(v6) = v6.as_mut().filter(|v| {
                a.parse::<Ipv6Addr>()
                    .is_ok_and(|ip| v.pool.subnet.contains(ip))
            }) {
                let ip: Ipv6Addr = a.parse().expect("checked above");
                v6.pool.reserve(ip).map_err(taken)?;
                v6.aux_addresses.insert(k.clone(), a.clone());
                continue;
            }
            let ip = a.parse::<Ipv4Addr>().ok().filter(|ip| subnet.contains(*ip));
            let Some(ip) = ip else {
                return Err(ApiError::invalid(format!(
                    "no matching subnet for aux-address {a}"
                )));
            };
            pool.reserve(ip).map_err(taken)?;
        }
        let aux: Vec<(String, String)> = aux
            .into_iter()
            .filter(|(k, _)| !v6.as_ref().is_some_and(|v| v.aux_addresses.contains_key(k)))
            .collect();
        let options: BTreeMap<String, String> =
            validate::key_values(&spec.options).into_iter().collect();
        let parsed = validate::bridge_options(&options).map_err(ApiError::invalid)?;
        // Multicast, loopback and 0.0.0.0/8 subnets are accepted, as Docker
        // accepts them (facts #34-#36): the bridge takes the address, and it
        // is each container's start that fails, in Docker's words, when the
        // kernel has no route to such a gateway (`gateway_route_error`).
        let id = self.seq.id();
        let bridge = match parsed.bridge_name {
            Some(b) => {
                // Docker 20.10 lets a second network take a bridge that
                // exists (docker0 too), and the two then share it; here a
                // network's bridge is its own.
                if let Some(n) = self.state.networks.iter().find(|n| n.bridge == b) {
                    return Err(ApiError::conflict(format!(
                        "bridge {b} is network {}'s: each network needs a bridge of its own",
                        n.name
                    )));
                }
                b
            }
            None => format!("br-{}", &id[..12]),
        };
        let mac = bridge_mac(&mut self.seq);
        let spare = self.spare_bridges.pop();
        let made = self
            .host
            .create_bridge(&bridge, mac, gateway_ip, subnet.prefix, spare)
            .await;
        let index = match made {
            Ok(i) => i,
            Err(e) => {
                self.spare_bridges.extend(spare);
                return Err(e.into());
            }
        };
        if let Some(v) = v6.as_ref().filter(|_| spec.ipv6) {
            let on = self
                .host
                .bridge_ipv6(index, v.pool.gateway, v.pool.subnet.prefix)
                .await;
            if let Err(e) = on {
                // No half-made network: the bridge goes back to the spares.
                let parked = self
                    .host
                    .park_bridge(index, &format!("nl-spare{index}"))
                    .await;
                match parked {
                    Ok(()) => self.spare_bridges.push(index),
                    Err(p) => self.log_cleanup_errors("undoing a network", vec![p.into()]),
                }
                return Err(e.into());
            }
        }
        let created_ns = self.clock.tick();
        self.state.networks.push(Network {
            id: id.clone(),
            name: name.to_string(),
            created_ns,
            driver: Driver::Bridge,
            is_default: false,
            pool: Some(pool),
            ipam_subnet: subnet_text.map(str::to_string),
            ipam_gateway: gateway.map(str::to_string),
            bridge,
            bridge_index: index,
            config: NetworkConfig {
                internal: spec.internal,
                labels: validate::key_values(&spec.labels).into_iter().collect(),
                options,
                ip_range: v4.ip_range.clone(),
                aux_addresses: aux.into_iter().collect(),
                attachable: spec.attachable,
                ipam_options: validate::key_values(&spec.ipam_options)
                    .into_iter()
                    .collect(),
            },
            enable_ipv6: spec.ipv6,
            v6,
        });
        Ok(id)
    }

    /// `network ls`: every network that passes `filters` (KEY=VALUE, as
    /// Docker's daemon reads them), by name.
    pub fn network_list(&self, filters: &[String]) -> OpResult<Vec<NetworkSummary>> {
        let filter = NetworkFilter::parse(filters, false).map_err(ApiError::invalid)?;
        let mut nets: Vec<NetworkSummary> = self
            .state
            .networks
            .iter()
            .filter(|n| filter.matches(&self.state, n, self.clock_now()))
            .map(summary)
            .collect();
        // Docker's client sorts them so: no-x9 before no-x13.
        nets.sort_by(|a, b| natural_cmp(&a.name, &b.name));
        Ok(nets)
    }

    /// `network prune`: removes every user-defined network that no
    /// running container is on and that passes `filters` (label, label!,
    /// until); the names removed, by name.
    pub async fn network_prune(&mut self, filters: &[String]) -> OpResult<Vec<String>> {
        let filter = NetworkFilter::parse(filters, true).map_err(ApiError::invalid)?;
        let now = self.clock_now();
        let mut names: Vec<String> = self
            .state
            .networks
            .iter()
            .filter(|n| n.user_defined() && !in_use(&self.state, n))
            .filter(|n| filter.matches(&self.state, n, now))
            .map(|n| n.name.clone())
            .collect();
        names.sort();
        let mut removed = Vec::new();
        for name in names {
            match self.network_rm(&name).await {
                Ok(()) => removed.push(name),
                Err(e) => self.log_cleanup_errors("pruning networks", vec![e]),
            }
        }
        Ok(removed)
    }

    pub fn clock_now(&self) -> i128 {
        self.clock.peek()
    }

    pub async fn network_rm(&mut self, key: &str) -> OpResult<()> {
        let ni = self.find_network(key)?;
        let net = &self.state.networks[ni];
        if net.is_default || net.driver != Driver::Bridge {
            return Err(ApiError::forbidden(format!(
                "{} is a pre-defined network and cannot be removed",
                net.name
            )));
        }
        let active = self
            .state
            .containers
            .iter()
            .any(|c| c.endpoint(&net.id).is_some());
        if active {
            return Err(ApiError::forbidden(format!(
                "error while removing network: network {} id {} has active endpoints",
                net.name, net.id
            )));
        }
        // Unregistering a bridge costs the kernel 40-50 ms under RTNL; a
        // parked bridge costs nothing and serves the next `network create`.
        let spare_name = format!("nl-spare{}", net.bridge_index);
        let index = net.bridge_index;
        self.host.park_bridge(index, &spare_name).await?;
        self.spare_bridges.push(index);
        let id = self.state.networks[ni].id.clone();
        self.state.networks.remove(ni);
        // Stopped containers forget a network they were connected to; the
        // one they were created on stays in their inspect, as on Docker
        // 20.10, and their next start fails for it (`network X not found`).
        for c in &mut self.state.containers {
            c.endpoints
                .retain(|e| e.network_id != id || !e.from_connect);
        }
        Ok(())
    }

    pub async fn network_connect(
        &mut self,
        network: &str,
        container: &str,
        aliases: Vec<String>,
        links: Vec<String>,
        ip: Option<&str>,
    ) -> OpResult<()> {
        self.network_connect_with(network, container, aliases, links, ip, None)
            .await
    }

    /// `network connect [--alias A] [--link T:A] [--ip IP] [--ip6 IP6]
    /// NETWORK CONTAINER`.
    pub async fn network_connect_with(
        &mut self,
        network: &str,
        container: &str,
        aliases: Vec<String>,
        links: Vec<String>,
        ip: Option<&str>,
        ip6: Option<&str>,
    ) -> OpResult<()> {
        let ni = self.find_network(network)?;
        let ci = self.find_container(container)?;
        let net = &self.state.networks[ni];
        // The endpoint's settings are checked first, in the daemon's order
        // (validateNetworkingConfig), so an alias on the default bridge is
        // refused even for a container already on it (facts #105-#107).
        let ip = ip
            .map(|s| validate::requested_ip(s, IpFlag::Connect))
            .transpose()
            .map_err(ApiError::invalid)?;
        let ip6 = ip6
            .map(|s| validate::requested_ip6(s, IpFlag::Connect))
            .transpose()
            .map_err(ApiError::invalid)?;
        if let (Some(ip), false) = (ip, net.user_defined()) {
            validate::ip_on_network(false, None, ip).map_err(ApiError::invalid)?;
        }
        if let (Some(_), false) = (ip6, net.user_defined()) {
            return Err(ApiError::invalid(validate::IP_ON_PREDEFINED));
        }
        if !aliases.is_empty() && !net.user_defined() {
            return Err(ApiError::invalid(
                "network-scoped alias is supported only for containers in user defined networks",
            ));
        }
        if let Some(ip) = ip {
            validate::ip_on_network(true, net.configured_subnet(), ip)
                .map_err(ApiError::invalid)?;
        }
        if ip6.is_some() {
            validate::ip6_on_network(net.v6.as_ref().map(|v| v.pool.subnet))
                .map_err(ApiError::invalid)?;
        }
        // Docker 20.10's `updateNetworkSettings`, in its order and words.
        let c = &self.state.containers[ci];
        if c.network_mode == "host" || c.network_mode.starts_with("container:") {
            return Err(ApiError::invalid(
                "container sharing network namespace with another container or host cannot be connected to any other network",
            ));
        }
        if net.driver == Driver::Host {
            return Err(ApiError::invalid(
                "container cannot be disconnected from host network or connected to host network",
            ));
        }
        if net.driver != Driver::Bridge || c.network_mode == "none" {
            return Err(ApiError::invalid(
                "container cannot be connected to multiple networks with one of the networks in private (none) mode",
            ));
        }
        if c.endpoints.iter().any(|e| e.network_id == net.id) {
            return Err(ApiError::forbidden(format!(
                "endpoint with name {} already exists in network {}",
                c.name, net.name
            )));
        }
        let cfg = EndpointConfig {
            mac: None,
            network_name: net.name.clone(),
            network_id: net.id.clone(),
            aliases,
            from_connect: true,
            // As given: inspect shows them so, and the DNS view answers an
            // ALIAS of a TARGET:ALIAS pair with TARGET's address (libnetwork
            // ignores other shapes); a TARGET that does not exist is no
            // error, as on Docker.
            links,
            ip,
            ip6,
        };
        if !self.state.containers[ci].running() {
            // A stopped container takes its address at start.
            self.state.containers[ci].endpoints.push(cfg);
            return Ok(());
        }
        // A failed connect leaves nothing: no endpoint, no address, and no
        // entry in the container's networks (Docker 20.10 leaves one with
        // an empty address, facts #71, #86: a bug not copied).
        self.attach(ci, &cfg).await?;
        self.state.containers[ci].endpoints.push(cfg);
        let joined = match self.gateway_route_error(ci).await {
            Some(e) => Err(ApiError::system(e)),
            None => self.update_gateway(ci).await,
        };
        if let Err(e) = joined {
            let id = self.state.networks[ni].id.clone();
            self.state.containers[ci]
                .endpoints
                .retain(|e| e.network_id != id);
            let mut undo = Vec::new();
            undo.extend(self.detach(ci, &id).await.err());
            undo.extend(self.update_gateway(ci).await.err());
            self.log_cleanup_errors("undoing a failed connect", undo);
            return Err(e);
        }
        self.retarget_ports(ci)?;
        self.publish_if_external(ci)?;
        self.ensure_dns(ci, true)?;
        self.write_hosts(ci)?;
        self.refresh_dns();
        Ok(())
    }

    /// Docker 20.10's order of checks (DisconnectContainerFromNetwork): a
    /// missing container with `force` is a stale endpoint to delete, which
    /// a lab never has; a stopped container forgets the network by name,
    /// even one that is gone; `force` lets a running one off a network that
    /// is gone with "not connected" words.
    pub async fn network_disconnect(
        &mut self,
        network: &str,
        container: &str,
        force: bool,
    ) -> OpResult<()> {
        let ci = match self.find_container(container) {
            Ok(ci) => ci,
            Err(e) if force && e.is_not_found() => {
                self.find_network(network)?;
                return Err(ApiError::not_found(format!(
                    "endpoint {container} not found"
                )));
            }
            Err(e) => return Err(e),
        };
        let found = self.find_network(network);
        let c = &mut self.state.containers[ci];
        if !c.running() || (found.is_err() && force) {
            let id = found
                .as_ref()
                .ok()
                .map(|&ni| self.state.networks[ni].id.clone());
            let pos = c
                .endpoints
                .iter()
                .position(|e| e.network_name == network || Some(&e.network_id) == id.as_ref());
            let Some(pos) = pos.filter(|_| !c.running()) else {
                return Err(ApiError::system(format!(
                    "container {} is not connected to the network {network}",
                    c.id
                )));
            };
            c.endpoints.remove(pos);
            return Ok(());
        }
        let ni = found?;
        let net_id = self.state.networks[ni].id.clone();
        if self.state.containers[ci].network_mode == "host"
            && self.state.networks[ni].driver == Driver::Host
        {
            return Err(ApiError::invalid(
                "container cannot be disconnected from host network or connected to host network",
            ));
        }
        let c = &mut self.state.containers[ci];
        let Some(pos) = c.endpoints.iter().position(|e| e.network_id == net_id) else {
            return Err(ApiError::system(format!(
                "container {} is not connected to network {}",
                c.id, self.state.networks[ni].name
            )));
        };
        c.endpoints.remove(pos);
        if self.state.containers[ci].running() {
            self.detach(ci, &net_id).await?;
            // Docker 20.10 removes every /etc/hosts line with the container's
            // hostname here, even those of networks it stays on.
            if let Some(sb) = self.state.containers[ci].sandbox.as_mut() {
                sb.hosts_self.clear();
            }
            self.delete_own_hosts_lines(ci)?;
            self.update_gateway(ci).await?;
            self.retarget_ports(ci)?;
            self.refresh_dns();
        }
        Ok(())
    }

    /// Joins a container's sandbox to one network: address, veth pair,
    /// interface up, and a self line in /etc/hosts.
    pub(super) async fn attach(&mut self, ci: usize, cfg: &EndpointConfig) -> OpResult<()> {
        let ni = self
            .state
            .networks
            .iter()
            .position(|n| n.id == cfg.network_id)
            .ok_or_else(|| ApiError::not_found(format!("network {} not found", cfg.network_id)))?;
        let veth = format!("veth{}", self.seq.hex(7));
        let endpoint_id = self.seq.id();
        let net = &mut self.state.networks[ni];
        if let Some(ip) = cfg.ip {
            validate::ip_on_network(net.user_defined(), net.configured_subnet(), ip)
                .map_err(ApiError::invalid)?;
        }
        if cfg.ip6.is_some() {
            if !net.user_defined() {
                return Err(ApiError::invalid(validate::IP_ON_PREDEFINED));
            }
            validate::ip6_on_network(net.v6.as_ref().map(|v| v.pool.subnet))
                .map_err(ApiError::invalid)?;
        }
        let pool = net.pool.as_mut().expect("bridge networks have a pool");
        let ip = match cfg.ip {
            Some(ip) => {
                pool.take(ip).map_err(ApiError::conflict)?;
                ip
            }
            None => pool.allocate().ok_or_else(|| {
                ApiError::unavailable(format!(
                    "no available IPv4 addresses on this network's address pools: {} ({})",
                    net.name, net.id
                ))
            })?,
        };
        let (net_name0, net_id0) = (net.name.clone(), net.id.clone());
        // The IPv6 address, on a network with `--ipv6` only (an `--ip6`
        // elsewhere is kept and ignored, as Docker 20.10 does).
        let v6 = match (net.v6_pool(), cfg.ip6) {
            (Some(p6), want) => {
                let got = match want {
                    Some(IpAddr::V4(a)) => Err(ApiError::invalid(format!(
                        "Invalid address {a}: It does not belong to any of this network's subnets"
                    ))),
                    Some(IpAddr::V6(ip6)) => p6.take(ip6).map(|()| ip6).map_err(|e| {
                        if e.starts_with("Invalid address") {
                            ApiError::invalid(e)
                        } else if e.starts_with("bit does not") {
                            // dockerd answers 500 there.
                            ApiError::system(e)
                        } else {
                            ApiError::conflict(e)
                        }
                    }),
                    None => p6.allocate().ok_or_else(|| {
                        ApiError::unavailable(format!(
                            "no available IPv6 addresses on this network's address pools: {net_name0} ({net_id0})"
                        ))
                    }),
                };
                match got {
                    Ok(ip6) => Some(Endpoint6 {
                        ip: ip6,
                        prefix: p6.subnet.prefix,
                        gateway: p6.gateway,
                    }),
                    Err(e) => {
                        if let Some(p) = net.pool.as_mut() {
                            p.release(ip);
                        }
                        return Err(e);
                    }
                }
            }
            (None, _) => None,
        };
        let pool = net.pool.as_mut().expect("bridge networks have a pool");
        let (prefix, gateway, bridge_index) = (pool.subnet.prefix, pool.gateway, net.bridge_index);
        let port = port_config(&net.config);
        let (net_name, bridge) = (net.name.clone(), net.bridge.clone());
        let c = &self.state.containers[ci];
        let container_name = c.name.clone();
        let live = self.live.get(&c.id).expect("live sandbox while attaching");
        let sb = c.sandbox.as_ref().expect("sandbox exists while attaching");
        let ifname = format!("eth{}", sb.next_if);
        let made = self
            .host
            .add_interface(
                &live.netns,
                &veth,
                bridge_index,
                &ifname,
                cfg.mac.unwrap_or(ipam::mac_for(ip)),
                ip,
                prefix,
                v6.map(|v| (v.ip, v.prefix)),
                port,
            )
            .await
            .map_err(|e| {
                // The one error with Docker's words: a full bridge.
                if e.raw_os_error() == Some(libc::EXFULL) {
                    ApiError::system(validate::endpoint_error(
                        &container_name,
                        &net_name,
                        &veth,
                        &bridge,
                        &e,
                    ))
                } else {
                    e.into()
                }
            });
        let ifindex = match made {
            Ok(i) => i,
            Err(e) => {
                let net = &mut self.state.networks[ni];
                if let Some(p) = net.pool.as_mut() {
                    p.release(ip);
                }
                if let (Some(p6), Some(v)) = (net.v6_pool(), v6) {
                    p6.release(v.ip);
                }
                return Err(e);
            }
        };
        let sb = self.state.containers[ci]
            .sandbox
            .as_mut()
            .expect("sandbox exists while attaching");
        sb.next_if += 1;
        sb.hosts_self.push(IpAddr::V4(ip));
        sb.hosts_self.extend(v6.map(|v| IpAddr::V6(v.ip)));
        sb.endpoints.push(Endpoint {
            network_id: cfg.network_id.clone(),
            endpoint_id,
            ip,
            prefix,
            gateway,
            ifname,
            ifindex,
            mac: cfg.mac.unwrap_or(ipam::mac_for(ip)),
            v6,
        });
        Ok(())
    }

    pub(super) async fn detach(&mut self, ci: usize, network_id: &str) -> OpResult<()> {
        let c = &mut self.state.containers[ci];
        let (Some(sb), Some(live)) = (c.sandbox.as_mut(), self.live.get(&c.id)) else {
            return Ok(());
        };
        let Some(pos) = sb.endpoints.iter().position(|e| e.network_id == network_id) else {
            return Ok(());
        };
        let ep = sb.endpoints.remove(pos);
        sb.hosts_self
            .retain(|ip| *ip != IpAddr::V4(ep.ip) && ep.v6.is_none_or(|v| *ip != IpAddr::V6(v.ip)));
        self.host.remove_interface(&live.netns, ep.ifindex).await?;
        if let Some(pool) = self
            .state
            .networks
            .iter_mut()
            .find(|n| n.id == network_id)
            .and_then(|n| n.pool.as_mut())
        {
            pool.release(ep.ip);
        }
        if let (Some(p6), Some(v)) = (
            self.state
                .networks
                .iter_mut()
                .find(|n| n.id == network_id)
                .and_then(|n| n.v6_pool()),
            ep.v6,
        ) {
            p6.release(v.ip);
        }
        Ok(())
    }

    /// libnetwork asks the kernel for a route to the gateway before it sets
    /// the default route, and fails without one: a gateway in a multicast,
    /// loopback or 0.0.0.0/8 subnet, which Docker lets a network have.
    pub(super) async fn gateway_route_error(&self, ci: usize) -> Option<String> {
        let c = &self.state.containers[ci];
        let live = self.live.get(&c.id)?;
        let ep = self.state.gateway_endpoint(c)?;
        match self.host.route_to(&live.netns, ep.gateway).await {
            Ok(()) => None,
            Err(e) => Some(validate::gateway_route_error(ep.gateway, &e)),
        }
    }

    pub(super) async fn update_gateway(&mut self, ci: usize) -> OpResult<()> {
        let c = &self.state.containers[ci];
        let Some(live) = self.live.get(&c.id) else {
            return Ok(());
        };
        let gw = self.state.gateway_endpoint(c);
        let via = gw.map(|ep| (ep.gateway, ep.ifindex));
        // libnetwork sets both families' default routes from the gateway
        // endpoint: IPv6 only when that endpoint has an IPv6 address.
        let via6 = gw.and_then(|ep| Some((ep.v6?.gateway, ep.ifindex)));
        let had6 = c.sandbox.as_ref().is_some_and(|sb| sb.v6_route);
        self.host.set_default_route(&live.netns, via).await?;
        if via6.is_some() || had6 {
            self.host.set_default_route6(&live.netns, via6).await?;
            if let Some(sb) = self.state.containers[ci].sandbox.as_mut() {
                sb.v6_route = via6.is_some();
            }
        }
        Ok(())
    }
}

/// A network's IPv6 pool from its `--subnet`, `--ip-range` and
/// `--gateway` (the client matched them to the subnet).
fn ipv6_config(p: PoolSpec, subnet: Subnet6) -> OpResult<Ipv6Config> {
    let range = match &p.ip_range {
        Some(r) => {
            let bad = || ApiError::invalid(format!("no matching subnet for range {r}"));
            let range: Subnet6 = r.parse().map_err(|_| bad())?;
            if range.prefix < subnet.prefix || !subnet.contains(range.addr) {
                return Err(bad());
            }
            Some(range)
        }
        None => None,
    };
    let gateway = match &p.gateway {
        Some(g) => {
            let ip = g
                .parse::<Ipv6Addr>()
                .ok()
                .filter(|ip| subnet.contains(*ip))
                .ok_or_else(|| ApiError::invalid(format!("no matching subnet for gateway {g}")))?;
            if ip == subnet.addr {
                return Err(ApiError::forbidden(format!(
                    "failed to allocate gateway ({g}): Address already in use"
                )));
            }
            Some(ip)
        }
        None => None,
    };
    Ok(Ipv6Config {
        pool: AddressPool6::new(subnet, range, gateway),
        subnet: p.subnet.unwrap_or_default(),
        gateway: p.gateway,
        ip_range: p.ip_range,
        aux_addresses: BTreeMap::new(),
    })
}

pub(super) fn bridge_mac(seq: &mut super::ids::Sequence) -> [u8; 6] {
    let r = seq.next_u64().to_be_bytes();
    [0x02, 0x42, r[0], r[1], r[2], r[3]]
}

/// The options that shape a container's port on the bridge, as the
/// network was created with them (checked then).
fn port_config(config: &NetworkConfig) -> PortConfig {
    let parsed = validate::bridge_options(&config.options).unwrap_or_default();
    PortConfig {
        // 0 is Docker's "the default".
        mtu: parsed
            .mtu
            .and_then(|m| u32::try_from(m).ok())
            .filter(|m| *m > 0),
        isolated: !parsed.icc,
    }
}

/// Whether a running container is on the network (what `prune` keeps and
/// `dangling=false` lists).
fn in_use(state: &LabState, n: &Network) -> bool {
    state.containers.iter().any(|c| c.endpoint(&n.id).is_some())
}

/// One row of `network ls`.
fn summary(n: &Network) -> NetworkSummary {
    NetworkSummary {
        id: n.id.clone(),
        name: n.name.clone(),
        driver: n.driver.as_str().to_string(),
        scope: "local".to_string(),
        internal: n.config.internal,
        created: super::ids::go_time_string(n.created_ns),
        labels: n.config.labels.clone(),
        ipv6: n.enable_ipv6,
    }
}

/// `network ls --filter` and `network prune --filter`, as Docker's daemon
/// reads them: values of one key are alternatives, keys all apply.
#[derive(Debug, Default)]
pub(crate) struct NetworkFilter {
    fields: BTreeMap<String, Vec<String>>,
}

impl NetworkFilter {
    /// The keys `network ls` takes, or `prune`'s (label, label!, until),
    /// with the daemon's words for the rest.
    pub(crate) fn parse(args: &[String], prune: bool) -> Result<NetworkFilter, String> {
        let accepted: &[&str] = if prune {
            &["label", "label!", "until"]
        } else {
            &["dangling", "driver", "id", "label", "name", "scope", "type"]
        };
        let mut f = NetworkFilter::default();
        for arg in args {
            let (k, v) = arg.split_once('=').unwrap_or((arg, ""));
            let k = k.trim().to_ascii_lowercase();
            if !accepted.contains(&k.as_str()) {
                return Err(format!("Invalid filter '{k}'"));
            }
            let values = f.fields.entry(k).or_default();
            if !values.iter().any(|x| x == v) {
                values.push(v.to_string());
            }
        }
        if let Some(d) = f.fields.get("dangling") {
            if d.len() > 1 {
                return Err(r#"got more than one value for filter key "dangling""#.into());
            }
            if !["0", "1", "true", "false"].contains(&d[0].as_str()) {
                return Err(r#"invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")"#.into());
            }
        }
        for t in f.fields.get("type").into_iter().flatten() {
            if t != "custom" && t != "builtin" {
                return Err(format!("invalid filter: 'type'='{t}'"));
            }
        }
        if let Some(u) = f.fields.get("until") {
            if u.len() > 1 {
                return Err("more than one until filter specified".into());
            }
            crate::gotext::docker_time_ns(&u[0], 0)?;
        }
        Ok(f)
    }

    pub(crate) fn matches(&self, state: &LabState, n: &Network, now_ns: i128) -> bool {
        let any = |key: &str, hit: &dyn Fn(&str) -> bool| {
            self.fields
                .get(key)
                .is_none_or(|vs| vs.iter().any(|v| hit(v)))
        };
        let builtin = !n.user_defined();
        any("driver", &|v| v == n.driver.as_str())
            && any("name", &|v| anchored_match(v, &n.name))
            && any("id", &|v| anchored_match(v, &n.id))
            && any("scope", &|v| v == "local")
            && any("type", &|v| (v == "builtin") == builtin)
            && any("dangling", &|v| {
                let dangling = !builtin && !in_use(state, n);
                dangling == (v == "1" || v == "true")
            })
            && match_labels(self.fields.get("label"), &n.config.labels)
            && self
                .fields
                .get("label!")
                .is_none_or(|vs| !match_labels(Some(vs), &n.config.labels))
            && any("until", &|v| {
                crate::gotext::docker_time_ns(v, now_ns).is_ok_and(|until| n.created_ns < until)
            })
    }
}

/// Docker's MatchKVList: every `KEY` must be a label, every `KEY=VALUE`
/// a label with that value.
fn match_labels(
    values: Option<&Vec<String>>,
    labels: &std::collections::BTreeMap<String, String>,
) -> bool {
    let Some(values) = values else {
        return true;
    };
    values.iter().all(|v| match v.split_once('=') {
        Some((k, want)) => labels.get(k).is_some_and(|have| have == want),
        None => labels.contains_key(v.as_str()),
    })
}

/// Docker's order of names (sortorder.NaturalLess): runs of digits compare
/// as numbers (fewer leading zeros first when equal), and come before
/// other characters; the rest compares bytewise.
pub(crate) fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (da, db) = (a[i].is_ascii_digit(), b[j].is_ascii_digit());
        if da != db {
            return if da {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        if !da {
            if a[i] != b[j] {
                return a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
            continue;
        }
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let (nz_a, nz_b) = (i, j);
        while i < a.len() && a[i].is_ascii_digit() {
            i += 1;
        }
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let by_len = (i - nz_a).cmp(&(j - nz_b));
        if by_len != Ordering::Equal {
            return by_len;
        }
        let by_digits = a[nz_a..i].cmp(&b[nz_b..j]);
        if by_digits != Ordering::Equal {
            return by_digits;
        }
        if nz_a != nz_b {
            return nz_a.cmp(&nz_b);
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod natural_order_tests {
    use super::natural_cmp;

    #[test]
    fn names_sort_as_dockers_network_ls() {
        // Docker 20.10.24's `network ls` order, observed.
        let want = [
            "no-aa-int",
            "no-int",
            "no-p3",
            "no-pub",
            "no-x9",
            "no-x13",
            "no-x14",
            "no-x15",
            "no-x19",
            "no-zz-pub",
        ];
        let mut names = want.to_vec();
        names.reverse();
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, want);
        let mut more = ["a01", "a1", "a", "a0", "ab", "a2"];
        more.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(more, ["a", "a0", "a1", "a01", "a2", "ab"]);
    }
}
