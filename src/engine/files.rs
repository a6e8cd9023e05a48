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

/// The container's DNS flags, checked as Docker's client checks them.
pub(super) fn dns_config(spec: &super::api::RunSpec) -> OpResult<crate::model::DnsConfig> {
    use super::validate;
    let servers = spec
        .dns
        .iter()
        .map(|d| validate::dns_flag(d))
        .collect::<Result<_, _>>()
        .map_err(ApiError::invalid)?;
    let search = spec
        .dns_search
        .iter()
        .map(|d| validate::dns_search_flag(d))
        .collect::<Result<_, _>>()
        .map_err(ApiError::invalid)?;
    for o in &spec.dns_options {
        validate::dns_option_flag(o).map_err(ApiError::invalid)?;
    }
    Ok(crate::model::DnsConfig {
        servers,
        search,
        options: spec.dns_options.clone(),
    })
}

/// libnetwork `resolvconf.Build`: search, nameservers, options.
fn build_resolv_conf(servers: &[&str], search: &[String], options: &[String]) -> String {
    let mut out = String::new();
    let search = search.join(" ");
    if !search.is_empty() && search.trim_matches(' ') != "." {
        out += &format!("search {search}\n");
    }
    for s in servers {
        out += &format!("nameserver {s}\n");
    }
    let options = options.join(" ");
    if !options.trim_matches(' ').is_empty() {
        out += &format!("options {options}\n");
    }
    out
}

/// Whether the user set ndots (libnetwork `rebuildDNS`: the first option
/// that mentions ndots decides). Err for one that is no `ndots:N` with
/// N >= 0: Docker 20.10 then fails to rebuild resolv.conf, logs it and
/// runs the container without the embedded server (`docker run --network
/// n --dns-option ndots:x` keeps the host's nameserver and `options
/// ndots:x`).
pub(super) fn user_ndots(dns: &crate::model::DnsConfig) -> Result<bool, ()> {
    let Some(option) = dns.options.iter().find(|o| o.contains("ndots")) else {
        return Ok(false);
    };
    match option.split(':').collect::<Vec<_>>()[..] {
        [_, n] if n.parse::<i64>().is_ok_and(|n| n >= 0) => Ok(true),
        _ => Err(()),
    }
}

/// A container's resolv.conf, as Docker 20.10 writes it (libnetwork
/// `setupDNS`, then `rebuildDNS` when the embedded server answers), and
/// what that server forwards to.
///
/// - No DNS flag: the lab host's file as is, or, with the embedded server,
///   `nameserver 127.0.0.11` and `options ndots:0`.
/// - Flags: each of `--dns`, `--dns-search`, `--dns-option` replaces the
///   host's nameservers, search domains or options. Without the embedded
///   server the result is the file. With it, the nameservers become
///   127.0.0.11 (plus any IPv6 ones, which the server does not forward
///   to), `ndots:0` is added unless the user set ndots, and the IPv4
///   `--dns` servers are where unknown names go.
///
/// When the servers are the lab host's (no `--dns`), Docker would forward
/// to the lab host's resolver, which knows no names: the upstream is left
/// empty, and the embedded server answers NXDOMAIN itself.
pub(super) fn resolv_conf(
    dns: &crate::model::DnsConfig,
    embedded: bool,
) -> (String, crate::dns::Upstream) {
    let mut upstream = crate::dns::Upstream::default();
    let no_flags = dns.servers.is_empty() && dns.search.is_empty() && dns.options.is_empty();
    if no_flags {
        let text = if embedded {
            EMBEDDED_RESOLV_CONF
        } else {
            LAB_HOST_RESOLV_CONF
        };
        return (text.to_string(), upstream);
    }
    // The lab host's file has one nameserver, no search and no options.
    let host_servers = [LAB_HOST_RESOLVER.ip().to_string()];
    let servers: Vec<&str> = if dns.servers.is_empty() {
        host_servers.iter().map(String::as_str).collect()
    } else {
        dns.servers.iter().map(String::as_str).collect()
    };
    if !embedded || user_ndots(dns) == Err(()) {
        return (
            build_resolv_conf(&servers, &dns.search, &dns.options),
            upstream,
        );
    }
    if !dns.servers.is_empty() {
        upstream.servers = servers.iter().filter_map(|s| s.parse().ok()).collect();
    }
    upstream.ndots_set = user_ndots(dns) == Ok(true);
    let mut listed = vec!["127.0.0.11"];
    listed.extend(servers.iter().filter(|s| s.contains(':')));
    let mut options = dns.options.clone();
    if !upstream.ndots_set {
        options.push("ndots:0".into());
    }
    (build_resolv_conf(&listed, &dns.search, &options), upstream)
}

impl<H: Host> Engine<H> {
    pub(super) fn container_dir(&self, id: &str) -> PathBuf {
        self.files_dir.join(id)
    }

    pub(super) fn write_files(&mut self, ci: usize) -> OpResult<()> {
        let c = &self.state.containers[ci];
        let dir = self.container_dir(&c.id);
        std::fs::create_dir_all(&dir)?;
        // `--net container:NAME`: the other container's files, as Docker
        // mounts them (a copy here, made at each start).
        if let Some(other) = c.network_mode.strip_prefix("container:") {
            let other = &self.state.containers[self.find_container(other)?];
            let from = self.container_dir(&other.id);
            for file in ["hostname", "resolv.conf", "hosts"] {
                std::fs::copy(from.join(file), dir.join(file))?;
            }
            return Ok(());
        }
        std::fs::write(dir.join("hostname"), format!("{}\n", c.hostname))?;
        let on_user_net = c.endpoints.iter().any(|e| {
            self.state
                .network_by_id(&e.network_id)
                .is_some_and(|n| n.has_dns())
        });
        let (resolv, _) = resolv_conf(&c.dns, on_user_net);
        std::fs::write(dir.join("resolv.conf"), resolv)?;
        self.write_hosts(ci)
    }

    /// /etc/hosts as Docker writes it: fixed lines, link lines, self lines.
    pub(super) fn write_hosts(&self, ci: usize) -> OpResult<()> {
        let c = &self.state.containers[ci];
        // On the host's network Docker copies the host's /etc/hosts (the
        // lab host's are the machine's files), unless --add-host needs its own.
        if c.network_mode.starts_with("container:") {
            return Ok(());
        }
        if c.network_mode == "host" && c.extra_hosts.is_empty() {
            let hosts = std::fs::read("/etc/hosts").unwrap_or_default();
            std::fs::write(self.container_dir(&c.id).join("hosts"), hosts)?;
            return Ok(());
        }
        let Some(sb) = c.sandbox.as_ref() else {
            return Ok(());
        };
        // `--add-host` lines come first, then links: Docker adds both as
        // extra hosts, in that order.
        let mut links: Vec<crate::links::HostsEntry> = c
            .extra_hosts
            .iter()
            .filter_map(|h| h.split_once(':'))
            .map(|(name, ip)| crate::links::HostsEntry {
                ip: ip.to_string(),
                names: vec![name.to_string()],
            })
            .collect();
        self.each_link_source(ci, |source| {
            links.push(crate::links::link_hosts_entry(source));
        });
        let fqdn = match c.domainname.as_str() {
            "" => c.hostname.clone(),
            domain => format!("{}.{domain}", c.hostname),
        };
        let selfs: Vec<_> = sb
            .hosts_self
            .iter()
            .map(|ip| crate::links::self_hosts_entry(&ip.to_string(), &fqdn))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DnsConfig;

    fn cfg(servers: &[&str], search: &[&str], options: &[&str]) -> DnsConfig {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        DnsConfig {
            servers: v(servers),
            search: v(search),
            options: v(options),
        }
    }

    /// Files and `HostConfig` as Docker 20.10 wrote them for
    /// `run --network n --dns 172.17.0.1 --dns 10.0.0.99 --dns-search
    /// example.org --dns-search lab.test --dns-option ndots:2 --dns-option
    /// timeout:1` (d1), `run --dns 172.17.0.1 --dns-search example.org
    /// --dns-option timeout:1` on the default bridge (d2), `run --network n
    /// --dns-search example.org` (d3) and `run --network n --dns
    /// 172.17.0.1` (d4).
    #[test]
    fn resolv_conf_is_dockers() {
        let d1 = cfg(
            &["172.17.0.1", "10.0.0.99"],
            &["example.org", "lab.test"],
            &["ndots:2", "timeout:1"],
        );
        let (text, up) = resolv_conf(&d1, true);
        assert_eq!(
            text,
            "search example.org lab.test\nnameserver 127.0.0.11\noptions ndots:2 timeout:1\n"
        );
        assert_eq!(
            up.servers,
            vec![Ipv4Addr::new(172, 17, 0, 1), Ipv4Addr::new(10, 0, 0, 99)]
        );
        assert!(up.ndots_set);

        let d2 = cfg(&["172.17.0.1"], &["example.org"], &["timeout:1"]);
        let (text, _) = resolv_conf(&d2, false);
        assert_eq!(
            text,
            "search example.org\nnameserver 172.17.0.1\noptions timeout:1\n"
        );

        let d3 = cfg(&[], &["example.org"], &[]);
        let (text, up) = resolv_conf(&d3, true);
        assert_eq!(
            text,
            "search example.org\nnameserver 127.0.0.11\noptions ndots:0\n"
        );
        assert!(up.servers.is_empty() && !up.ndots_set);

        let d4 = cfg(&["172.17.0.1"], &[], &[]);
        let (text, up) = resolv_conf(&d4, true);
        assert_eq!(text, EMBEDDED_RESOLV_CONF);
        assert_eq!(up.servers, vec![Ipv4Addr::new(172, 17, 0, 1)]);

        // Docker 20.10, `--network n --dns ::1 --dns 10.1.1.1`: IPv6
        // servers are listed, not forwarded to.
        let (text, up) = resolv_conf(&cfg(&["::1", "10.1.1.1"], &[], &[]), true);
        assert_eq!(
            text,
            "nameserver 127.0.0.11\nnameserver ::1\noptions ndots:0\n"
        );
        assert_eq!(up.servers, vec![Ipv4Addr::new(10, 1, 1, 1)]);

        // An ndots Docker cannot read: no embedded server, the file as
        // without it.
        let (text, up) = resolv_conf(&cfg(&[], &[], &["ndots:x"]), true);
        assert_eq!(text, "nameserver 172.17.0.1\noptions ndots:x\n");
        assert!(up.servers.is_empty());
        for bad in ["ndots:-1", "ndots", "ndots:1:2"] {
            assert_eq!(user_ndots(&cfg(&[], &[], &[bad])), Err(()), "{bad}");
        }
        assert_eq!(user_ndots(&cfg(&[], &[], &["ndots:0"])), Ok(true));
        assert_eq!(user_ndots(&cfg(&[], &[], &["timeout:1"])), Ok(false));

        // No flags: as before.
        let (text, _) = resolv_conf(&DnsConfig::default(), false);
        assert_eq!(text, LAB_HOST_RESOLV_CONF);
        // `--dns-search .` writes no search line.
        let (text, _) = resolv_conf(&cfg(&[], &["."], &[]), false);
        assert_eq!(text, "nameserver 172.17.0.1\n");
    }
}
