//! The engine's side of the embedded DNS: a server per container on a
//! user-defined network, and the view of the lab they answer from.

use super::dns_view::{self, DnsView};
use super::files::resolv_conf;
use super::host::Host;
use super::{Engine, OpResult};
use std::net::Ipv4Addr;
use std::sync::{Arc, RwLock};

/// What the embedded DNS servers see of the engine.
struct LiveRecords(Arc<RwLock<DnsView>>);

impl crate::dns::Records for LiveRecords {
    fn lookup_a(&self, asker: &str, name: &str) -> Option<Vec<Ipv4Addr>> {
        let view = self.0.read().unwrap_or_else(|e| e.into_inner());
        view.lookup_a(asker, name)
    }
    fn lookup_ptr(&self, asker: &str, ip: Ipv4Addr) -> Option<String> {
        let view = self.0.read().unwrap_or_else(|e| e.into_inner());
        view.lookup_ptr(asker, ip)
    }
    fn lookup_ptr6(&self, asker: &str, ip: std::net::Ipv6Addr) -> Option<String> {
        let view = self.0.read().unwrap_or_else(|e| e.into_inner());
        view.lookup_ptr6(asker, ip)
    }
    fn lookup_aaaa(&self, asker: &str, name: &str) -> Option<Vec<std::net::Ipv6Addr>> {
        let view = self.0.read().unwrap_or_else(|e| e.into_inner());
        view.lookup_aaaa(asker, name)
    }
}

/// The lab host's resolver: no upstream, so every name is unknown.
pub(super) use crate::dns::NoneKnown as NoRecords;

impl<H: Host> Engine<H> {
    /// Starts the container's embedded DNS server, 127.0.0.11:53 (UDP and
    /// TCP) in its own network namespace, once it is on a user-defined
    /// network. `rewrite_resolv` points resolv.conf there too, as Docker
    /// does when a running default-bridge container is connected to one
    /// (at start, `write_files` has written it already).
    pub(super) fn ensure_dns(&mut self, ci: usize, rewrite_resolv: bool) -> OpResult<()> {
        let c = &self.state.containers[ci];
        let (Some(sb), Some(live)) = (c.sandbox.as_ref(), self.live.get(&c.id)) else {
            return Ok(());
        };
        let wanted = sb.endpoints.iter().any(|e| {
            self.state
                .network_by_id(&e.network_id)
                .is_some_and(|n| n.has_dns())
        });
        // An ndots option Docker cannot read leaves the container without
        // the server (see `files::user_ndots`).
        if !wanted || live.dns.is_some() || super::files::user_ndots(&c.dns).is_err() {
            return Ok(());
        }
        let id = c.id.clone();
        let (resolv, upstream) = resolv_conf(&c.dns, true);
        let answerer = crate::dns::Answerer {
            asker: id.clone(),
            records: Arc::new(LiveRecords(self.dns.clone())),
            shuffle: self.dns_order.clone(),
            upstream,
        };
        let server = self.host.serve_dns(&live.netns, answerer)?;
        // Owned by the live sandbox at once, so no error below can leave it
        // serving after the container is gone.
        if let Some(live) = self.live.get_mut(&id) {
            live.dns = Some(server);
        }
        if rewrite_resolv {
            let path = self.container_dir(&id).join("resolv.conf");
            std::fs::write(path, resolv)?;
        }
        Ok(())
    }

    /// Rebuilds what the DNS servers answer from: every running
    /// container's addresses on user-defined networks.
    pub(super) fn refresh_dns(&self) {
        let mut members = Vec::new();
        for c in &self.state.containers {
            let Some(sb) = c.sandbox.as_ref() else {
                continue;
            };
            for ep in &sb.endpoints {
                let Some(net) = self
                    .state
                    .network_by_id(&ep.network_id)
                    .filter(|n| n.has_dns())
                else {
                    continue;
                };
                let cfg = c.endpoints.iter().find(|e| e.network_id == ep.network_id);
                members.push(dns_view::Member {
                    container_id: c.id.clone(),
                    name: c.name.clone(),
                    network_id: net.id.clone(),
                    network_name: net.name.clone(),
                    ip: ep.ip,
                    ip6: ep.v6.map(|v| v.ip),
                    aliases: cfg.map(|e| c.endpoint_aliases(e)).unwrap_or_default(),
                    links: cfg
                        .into_iter()
                        .flat_map(|e| e.links.iter())
                        .filter_map(|l| l.split_once(':'))
                        .map(|(target, alias)| (target.to_string(), alias.to_string()))
                        .collect(),
                });
            }
        }
        let new = DnsView { members };
        let mut view = self.dns.write().unwrap_or_else(|e| e.into_inner());
        let old = std::mem::replace(&mut *view, new);
        // The old view is freed after the lock is let go: DNS lookups on
        // their own thread wait only for the swap.
        drop(view);
        drop(old);
    }

    /// What the DNS servers answer from now (for tests).
    #[cfg(test)]
    pub(super) fn dns_lookup_a(&self, asker: &str, name: &str) -> Option<Vec<Ipv4Addr>> {
        self.dns
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .lookup_a(asker, name)
    }
}
