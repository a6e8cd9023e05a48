//! Each container's files the engine writes and bind-mounts: hostname,
//! resolv.conf and /etc/hosts (with legacy links), and the link variables
//! of its environment.

use super::api::ApiError;
use super::host::Host;
use super::{Engine, OpResult};
use std::net::Ipv4Addr;
use std::path::PathBuf;

/// resolv.conf of containers on user-defined networks.
pub(super) const EMBEDDED_RESOLV_CONF: &str = "nameserver 127.0.0.11\noptions ndots:0\n";

/// The resolver on the lab host (see `LAB_HOST_RESOLV_CONF`).
pub const LAB_HOST_RESOLVER: std::net::SocketAddr =
    std::net::SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::new(172, 17, 0, 1)), 53);

/// The lab host's /etc/resolv.conf (bind-mounted in the lab's mount
/// namespace), which default-bridge containers copy as Docker copies the
/// host's. A lab has no internet, so its resolver is the engine itself,
/// on docker0's address, and it knows no names: lookups fail at once
/// instead of waiting for an upstream that cannot be reached.
pub const LAB_HOST_RESOLV_CONF: &str = "\
# The lab host's resolver is the netlings engine. A lab has no internet,
# so it knows no names: only user-defined networks resolve container names.
nameserver 172.17.0.1
";

impl<H: Host> Engine<H> {
    pub(super) fn container_dir(&self, id: &str) -> PathBuf {
        self.files_dir.join(id)
    }

    pub(super) fn write_files(&mut self, ci: usize) -> OpResult<()> {
        let c = &self.state.containers[ci];
        let dir = self.container_dir(&c.id);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("hostname"), format!("{}\n", c.hostname))?;
        let on_user_net = c.endpoints.iter().any(|e| {
            self.state
                .network_by_id(&e.network_id)
                .is_some_and(|n| n.has_dns())
        });
        let resolv = if on_user_net {
            EMBEDDED_RESOLV_CONF
        } else {
            LAB_HOST_RESOLV_CONF
        };
        std::fs::write(dir.join("resolv.conf"), resolv)?;
        self.write_hosts(ci)
    }

    /// /etc/hosts as Docker writes it: fixed lines, link lines, self lines.
    pub(super) fn write_hosts(&self, ci: usize) -> OpResult<()> {
        let c = &self.state.containers[ci];
        let Some(sb) = c.sandbox.as_ref() else {
            return Ok(());
        };
        let mut links = Vec::new();
        self.each_link_source(ci, |source| {
            links.push(crate::links::link_hosts_entry(source));
        });
        let selfs: Vec<_> = sb
            .hosts_self
            .iter()
            .map(|ip| crate::links::self_hosts_entry(&ip.to_string(), &c.hostname))
            .collect();
        let text = crate::links::render_hosts(&links, &selfs);
        // Rewrite in place: the file is bind-mounted, a rename would detach it.
        std::fs::write(self.container_dir(&c.id).join("hosts"), text)?;
        Ok(())
    }

    /// Docker 20.10's disconnect removes every /etc/hosts line with the
    /// container's hostname, even those of networks it stays on.
    pub(super) fn delete_own_hosts_lines(&self, ci: usize) -> OpResult<()> {
        let c = &self.state.containers[ci];
        let path = self.container_dir(&c.id).join("hosts");
        let text = std::fs::read_to_string(&path)?;
        std::fs::write(&path, crate::links::delete_hosts_lines(&text, &c.hostname))?;
        Ok(())
    }

    /// Calls `f` with each running link source of container `ci`, as the
    /// links module describes it, in `--link` order; returns the first
    /// source that is not running, as (source name, alias).
    fn each_link_source(
        &self,
        ci: usize,
        mut f: impl FnMut(&crate::links::LinkSource),
    ) -> Option<(String, String)> {
        let c = &self.state.containers[ci];
        let mut stopped = None;
        for link in &c.links {
            let Some(si) = self.state.container_by_id(&link.source_id) else {
                continue;
            };
            let src = &self.state.containers[si];
            let ep = self.state.bridge_endpoint(src);
            let (true, Some(ep)) = (src.running(), ep) else {
                stopped.get_or_insert_with(|| (src.name.clone(), link.alias.clone()));
                continue;
            };
            let exposed: Vec<(u16, &str)> = src
                .exposed
                .iter()
                .map(|k| (k.port, k.proto.as_str()))
                .collect();
            f(&crate::links::LinkSource {
                name: &src.name,
                alias: &link.alias,
                short_id: &src.hostname,
                ip: ep.ip,
                exposed: &exposed,
                env: &src.env,
            });
        }
        stopped
    }

    /// The link env blocks of container `ci`; Docker's error if a source is
    /// not running (for `exec`, and a start with a stopped source).
    pub(super) fn link_env_blocks(&self, ci: usize) -> OpResult<Vec<Vec<String>>> {
        let name = &self.state.containers[ci].name;
        let mut blocks = Vec::new();
        if let Some((source, alias)) = self.each_link_source(ci, |s| {
            blocks.push(crate::links::link_env(name, s));
        }) {
            return Err(ApiError::invalid(crate::links::not_running_error(
                &source, name, &alias,
            )));
        }
        Ok(blocks)
    }

    /// A source came up, maybe with a new address: Docker edits each
    /// running recipient's /etc/hosts in place (libnetwork etchosts.Update).
    pub(super) fn refresh_link_recipients(&self, source: usize) -> OpResult<()> {
        let src = &self.state.containers[source];
        let Some(ep) = self.state.bridge_endpoint(src) else {
            return Ok(());
        };
        let ip = ep.ip.to_string();
        for r in self.state.containers.iter().filter(|r| r.running()) {
            let aliases: Vec<&str> = r
                .links
                .iter()
                .filter(|l| l.source_id == src.id)
                .map(|l| l.alias.as_str())
                .collect();
            if aliases.is_empty() {
                continue;
            }
            let path = self.container_dir(&r.id).join("hosts");
            let mut text = std::fs::read_to_string(&path)?;
            for alias in aliases {
                text = crate::links::update_hosts_ip(&text, alias, &ip);
            }
            // In place: the file is bind-mounted.
            std::fs::write(&path, text)?;
        }
        Ok(())
    }

    /// The main process's env, in Docker's order: PATH, HOSTNAME, (TERM),
    /// link blocks, Config.Env, HOME. It is fixed at start: when a source
    /// moves later, only `exec` sees the new address.
    pub fn process_env(&self, ci: usize) -> OpResult<Vec<String>> {
        let c = &self.state.containers[ci];
        let blocks = self.link_env_blocks(ci)?;
        // c.env is Config.Env, already merged with the image's.
        Ok(crate::links::container_env_tty(
            &c.env,
            &[],
            &c.hostname,
            c.tty,
            &blocks,
            c.image.home(),
        ))
    }
}
