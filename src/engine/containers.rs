//! Containers: create, start (and the undoing of a failed start), exits,
//! stop signals and removal, and what `exec` needs to join one.

use super::api::{AnnouncedStart, ApiError, ExecPlan, RunSpec};
use super::host::{Host, ProcessIo, Spawn, SpawnFailure};
use super::model::{self, *};
use super::validate::{self, IpFlag};
use super::{ids, Engine, Live, OpResult};
use crate::images::{self, Image};
use std::os::fd::OwnedFd;

/// What the engine keeps of a console: what it reads, by stream (1
/// stdout, 2 stderr), where it writes the process's input, and a
/// terminal's master.
pub(super) type HeldConsole = (Vec<(u8, OwnedFd)>, Option<OwnedFd>, Option<OwnedFd>);

impl<H: Host> Engine<H> {
    /// `docker create`: validates everything, allocates nothing on the host.
    pub fn create(&mut self, spec: &RunSpec) -> OpResult<usize> {
        let image: &'static Image = images::lookup(&spec.image)
            .ok_or_else(|| ApiError::not_found(images::unknown_image_error(&spec.image)))?;
        let name = match &spec.name {
            Some(n) => {
                let n = n.strip_prefix('/').unwrap_or(n);
                if !model::valid_name(n) {
                    return Err(ApiError::invalid(format!(
                        "Invalid container name ({n}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
                    )));
                }
                if let Some(other) = self.state.containers.iter().find(|c| c.name == n) {
                    return Err(ApiError::conflict(format!(
                        "Conflict. The container name \"/{n}\" is already in use by container \"{}\". You have to remove (or rename) that container to be able to reuse that name.",
                        other.id
                    )));
                }
                n.to_string()
            }
            None => loop {
                let n = self.seq.name();
                if !self.state.containers.iter().any(|c| c.name == n) {
                    break n;
                }
            },
        };
        let mode = spec.network.clone().unwrap_or_else(|| "default".into());
        let net_key = if mode == "default" {
            "bridge"
        } else {
            mode.as_str()
        };
        // `--net container:NAME` shares a container's network namespace and
        // has no endpoint of its own. NAME is kept by id if it exists; it
        // must exist and run at start (Docker checks there).
        validate::network_mode_conflicts(&mode, spec).map_err(ApiError::invalid)?;
        let joined = match mode.strip_prefix("container:") {
            Some(other) => Some(match self.find_container(other) {
                Ok(oi) => self.state.containers[oi].id.clone(),
                Err(_) => other.to_string(),
            }),
            None => None,
        };
        // A network that does not exist fails the start, not the create,
        // as on Docker (create 201, start 404).
        let net = match self.find_network(net_key) {
            _ if joined.is_some() => None,
            Ok(ni) => Some(&self.state.networks[ni]),
            Err(e) if e.is_not_found() && !matches!(net_key, "bridge" | "host" | "none") => None,
            Err(e) => return Err(e),
        };
        let mut ip = spec
            .ip
            .as_deref()
            .map(|s| validate::requested_ip(s, IpFlag::Run))
            .transpose()
            .map_err(ApiError::invalid)?;
        let mut ip6 = spec
            .ip6
            .as_deref()
            .map(|s| validate::requested_ip6(s, IpFlag::Run))
            .transpose()
            .map_err(ApiError::invalid)?;
        // `--mac-address` goes to the network of the network mode (Docker's
        // `buildCreateEndpointOptions`); an API caller gets the daemon's check.
        let mac = spec
            .mac_address
            .as_deref()
            .map(|m| {
                crate::model::ipam::parse_mac(m)
                    .ok_or_else(|| ApiError::invalid(format!("{m} is not a valid mac address")))
            })
            .transpose()?;
        let mut aliases = spec.aliases.clone();
        if mode == "default" {
            // Without --network, Docker keeps --ip and --network-alias for
            // a network called "default" that no endpoint joins: both are
            // silently dropped (facts #63, #78, #103, #110).
            ip = None;
            ip6 = None;
            aliases.clear();
        }
        let hostname = match spec.hostname.as_deref() {
            Some("") | None => None,
            Some(h) => {
                validate::hostname(h).map_err(ApiError::invalid)?;
                Some(h.to_string())
            }
        };
        // On the host's network Docker names it as the host is named: the
        // lab host, whose UTS namespace the engine is in.
        let hostname = hostname.or_else(|| {
            (mode == "host")
                .then(|| nix::unistd::gethostname().ok()?.into_string().ok())
                .flatten()
        });
        let mut links = Vec::new();
        let mut dns_links = Vec::new();
        for flag in &spec.links {
            let (source, alias) = crate::links::parse_link_flag(flag).map_err(ApiError::invalid)?;
            let si = self.find_container(&source).map_err(|_| {
                ApiError::invalid(format!(
                    "could not get container for {source}: No such container: {source}"
                ))
            })?;
            let src = &self.state.containers[si];
            // Whether the source runs is checked at start, as Docker does.
            if net.is_some_and(|n| n.is_default) {
                links.push(Link {
                    source_id: src.id.clone(),
                    alias,
                });
            } else {
                dns_links.push(format!("{}:{alias}", src.name));
            }
        }
        // Docker's client refuses these (facts #104); the daemon's words
        // are for a request that comes another way.
        if !aliases.is_empty() && net.is_some_and(|n| !n.user_defined()) {
            return Err(ApiError::invalid(
                "network-scoped alias is supported only for containers in user defined networks",
            ));
        }
        let endpoints = match net {
            Some(net) if net.driver == Driver::Bridge => vec![EndpointConfig {
                network_id: net.id.clone(),
                aliases,
                from_connect: false,
                links: dns_links,
                ip,
                ip6,
                mac,
                network_name: net.name.clone(),
            }],
            // A network that does not exist (yet) is configured by name, as
            // Docker shows it; the start looks it up, and `network
            // disconnect` can drop it.
            None if joined.is_none() && !matches!(mode.as_str(), "default" | "host" | "none") => {
                vec![EndpointConfig {
                    network_id: String::new(),
                    aliases,
                    from_connect: false,
                    links: dns_links,
                    ip,
                    ip6,
                    mac,
                    network_name: mode.clone(),
                }]
            }
            _ => Vec::new(),
        };
        let network_mode = match (net, &joined) {
            (_, Some(id)) => format!("container:{id}"),
            (Some(n), _) if n.driver == Driver::Bridge && n.is_default => "default".to_string(),
            (Some(n), _) => n.name.clone(),
            (None, _) => mode.clone(),
        };
        let mut port_specs = Vec::new();
        for flag in &spec.publish {
            port_specs.extend(crate::ports::parse_publish(flag).map_err(ApiError::invalid)?);
        }
        let mut image_exposed: Vec<crate::ports::PortKey> = image
            .exposed
            .iter()
            .filter_map(|k| k.parse().ok())
            .collect();
        for flag in &spec.expose {
            for key in crate::ports::parse_expose(flag).map_err(ApiError::invalid)? {
                if !image_exposed.contains(&key) {
                    image_exposed.push(key);
                }
            }
        }
        for host in &spec.add_hosts {
            validate::add_host(host).map_err(ApiError::invalid)?;
        }
        let labels = model::labels(&spec.labels);
        let domainname = spec.domainname.clone().unwrap_or_default();
        let mac_address = spec.mac_address.clone().unwrap_or_default();
        let capabilities = model::capabilities::effective(
            crate::rootfs::default_capability_mask(),
            &spec.cap_add,
            &spec.cap_drop,
        )
        .map_err(|e| {
            if e.contains("outside netlings' scope") {
                ApiError::with(super::error::Kind::NotImplemented, e)
            } else {
                ApiError::invalid(e)
            }
        })?;
        model::capabilities::sysctls_in_scope(&spec.sysctls)
            .map_err(|e| ApiError::with(super::error::Kind::NotImplemented, e))?;
        // Checked before anything is made: nothing is left if it fails.
        let dns = super::files::dns_config(spec)?;
        let id = self.seq.id();
        let image_env: Vec<String> = image.env.iter().map(|s| s.to_string()).collect();
        let env = crate::links::merge_config_env(&image_env, &spec.env);
        let cmd = if spec.cmd.is_empty() {
            image.cmd.iter().map(|s| s.to_string()).collect()
        } else {
            spec.cmd.clone()
        };
        let workdir = spec
            .workdir
            .clone()
            .unwrap_or_else(|| image.working_dir.to_string());
        // The container's own root file system, kept until `rm`.
        let layer =
            crate::rootfs::layer_entries(&self.program_dirs, image.files, &workdir, !self.rootless);
        let dir = self.container_dir(&id);
        if let Err(e) = std::fs::create_dir(&dir)
            .and_then(|_| crate::sys::rootfs::populate(&dir.join("root"), &layer))
        {
            if let Err(cleanup) = std::fs::remove_dir_all(&dir) {
                self.log_cleanup_errors("removing a half-made layer", vec![cleanup.into()]);
            }
            return Err(ApiError::system(format!(
                "creating the container's file system: {e}"
            )));
        }
        let layer_bytes = crate::sys::rootfs::file_bytes(&dir.join("root"));
        let created_ns = self.clock.tick();
        self.state.containers.push(Container {
            hostname: hostname.unwrap_or_else(|| id[..12].to_string()),
            id,
            name,
            image,
            created_ns,
            cmd,
            env,
            workdir,
            tty: spec.tty,
            open_stdin: spec.interactive,
            auto_remove: spec.auto_remove,
            network_mode,
            exposed: crate::ports::exposed_with_published(&image_exposed, &port_specs),
            port_specs,
            publish_all: spec.publish_all,
            links,
            endpoints,
            dns,
            extra_hosts: spec.add_hosts.clone(),
            labels,
            domainname,
            mac_address,
            cap_add: spec.cap_add.clone(),
            cap_drop: spec.cap_drop.clone(),
            capabilities,
            sysctls: spec.sysctls.clone(),
            layer_bytes,
            state: State {
                status: Status::Created,
                pid: 0,
                exit_code: 0,
                error: String::new(),
                started_ns: 0,
                finished_ns: 0,
            },
            restart_count: 0,
            sandbox: None,
            last_sandbox_id: String::new(),
        });
        let ci = self.state.containers.len() - 1;
        self.container_event(ci, "create", &[]);
        Ok(ci)
    }

    /// Starts a created or exited container: sandbox, endpoints, files, then
    /// the process. Any failure undoes what was made.
    pub async fn start(&mut self, ci: usize, stdio: Option<ProcessIo>) -> OpResult<()> {
        if self.state.containers[ci].running() {
            return Ok(());
        }
        for link in &self.state.containers[ci].links {
            let Some(si) = self.state.container_by_id(&link.source_id) else {
                return Err(ApiError::invalid(
                    "Cannot link to a container that was removed",
                ));
            };
            if !self.state.containers[si].running() {
                return Err(ApiError::invalid(crate::links::not_running_error(
                    &self.state.containers[si].name,
                    &self.state.containers[ci].name,
                    &link.alias,
                )));
            }
            // Legacy links live on the default bridge (libnetwork's
            // sandbox options): a source only on user networks is refused.
            if self
                .state
                .bridge_endpoint(&self.state.containers[si])
                .is_none()
            {
                return Err(ApiError::invalid(format!(
                    "Cannot link to /{}, as it does not belong to the default network",
                    self.state.containers[si].name
                )));
            }
        }
        match self.start_inner(ci, stdio).await {
            Ok(()) => {
                self.container_event(ci, "start", &[]);
                Ok(())
            }
            Err(e) => {
                self.teardown(ci).await;
                self.state.containers[ci].state.error = e.message.clone();
                self.state.containers[ci].state.exit_code = failed_start_exit_code(&e.message);
                Err(e)
            }
        }
    }

    async fn start_inner(&mut self, ci: usize, stdio: Option<ProcessIo>) -> OpResult<()> {
        // A network configured before it existed, by name.
        for i in 0..self.state.containers[ci].endpoints.len() {
            let cfg = &self.state.containers[ci].endpoints[i];
            if cfg.network_id.is_empty() {
                if let Ok(ni) = self.find_network(&cfg.network_name) {
                    let id = self.state.networks[ni].id.clone();
                    self.state.containers[ci].endpoints[i].network_id = id;
                }
            }
        }
        let mode = &self.state.containers[ci].network_mode;
        let joined = mode.strip_prefix("container:").map(str::to_string);
        // Its network may not exist (any more): Docker fails the start;
        // once disconnected from it, it starts on no network at all.
        if joined.is_none()
            && !matches!(mode.as_str(), "default" | "host" | "none")
            && self.find_network(mode).is_err()
            && self.state.containers[ci]
                .endpoints
                .iter()
                .any(|e| e.network_name == *mode)
        {
            return Err(ApiError::not_found(format!("network {mode} not found")));
        }
        let use_host_ns = self.state.containers[ci].network_mode == "host";
        let netns = match &joined {
            Some(other) => {
                let oi = self.find_container(other)?;
                let other = &self.state.containers[oi];
                match self.live.get(&other.id).filter(|_| other.running()) {
                    Some(live) => {
                        let netns = self.host.share_netns(&live.netns)?;
                        // Docker's start copies the other's Config.Hostname
                        // (inspect shows it; a created one keeps its own).
                        self.state.containers[ci].hostname = other.hostname.clone();
                        netns
                    }
                    None => {
                        return Err(ApiError::system(format!(
                            "cannot join network of a non running container: {}",
                            other.id
                        )))
                    }
                }
            }
            None => self.host.create_netns(use_host_ns).await?,
        };
        let id = self.state.containers[ci].id.clone();
        self.live.insert(
            id.clone(),
            Live {
                netns,
                dns: None,
                proxies: Vec::new(),
            },
        );
        self.state.containers[ci].sandbox = Some(Sandbox {
            id: self.seq.id(),
            ..Sandbox::default()
        });
        let configs = self.state.containers[ci].endpoints.clone();
        for cfg in &configs {
            self.attach(ci, cfg).await?;
            let actor = self.network_actor(&cfg.network_id);
            self.network_event(actor, "connect", &[("container", id.clone())]);
        }
        // Docker meets this in its network hook, which runc reports.
        if let Some(e) = self.gateway_route_error(ci).await {
            let time = ids::rfc3339_seconds(self.clock.tick());
            return Err(ApiError::system(validate::gateway_hook_error(&time, &e)));
        }
        self.update_gateway(ci).await?;
        self.apply_sysctls(ci)?;
        self.publish_ports(ci)?;
        self.write_files(ci)?;
        self.ensure_dns(ci, false)?;
        // The DNS servers answer on a thread of their own: the container's
        // first query may come before this call returns, so the view must
        // know it already (a failed spawn's teardown refreshes it again).
        self.refresh_dns();
        self.announce_start(ci).await;
        let pid = self.spawn_main(ci, stdio).await?;
        let now = self.clock.tick();
        let c = &mut self.state.containers[ci];
        c.state = State {
            status: Status::Running,
            pid,
            exit_code: 0,
            error: String::new(),
            started_ns: now,
            finished_ns: c.state.finished_ns,
        };
        self.watch_exit(ci, pid);
        self.refresh_link_recipients(ci)?;
        Ok(())
    }

    /// Captures following the lab open the container's interfaces before
    /// its process sends anything (see `start_gate`).
    async fn announce_start(&self, ci: usize) {
        if !self.start_gate.watched() {
            return;
        }
        let c = &self.state.containers[ci];
        let description =
            match serde_json::to_string(&crate::inspect::topo_container(&self.state, c)) {
                Ok(d) => d,
                Err(_) => return,
            };
        let netns = self
            .live
            .get(&c.id)
            .and_then(|l| self.host.netns_fd(&l.netns));
        self.start_gate
            .announce(description, netns, super::start_gate::ACK_WAIT)
            .await;
    }

    /// Docker's SizeRw and SizeRootFs: the bytes the container's layer
    /// gained since it was made (what it wrote), and those with its image's
    /// (as `images` shows them).
    pub fn container_sizes(&self, c: &Container) -> (u64, u64) {
        let layer = crate::sys::rootfs::file_bytes(&self.container_dir(&c.id).join("root"));
        let written = layer.saturating_sub(c.layer_bytes);
        (written, written + c.image.size_bytes())
    }

    /// `--sysctl`, as runc applies them: not where the container has the
    /// lab host's network namespace.
    fn apply_sysctls(&self, ci: usize) -> OpResult<()> {
        let c = &self.state.containers[ci];
        if c.sysctls.is_empty() {
            return Ok(());
        }
        if c.network_mode == "host" {
            if let Some(e) = model::capabilities::sysctl_in_host_namespace(&c.sysctls) {
                return Err(ApiError::system(e));
            }
        }
        let live = self.live.get(&c.id).expect("live sandbox before sysctls");
        let pairs: Vec<(String, String)> = c
            .sysctls
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.host
            .apply_sysctls(&live.netns, &pairs)
            .map_err(|cause| ApiError::system(validate::oci_init_error(&cause)))
    }

    /// For a capture's watcher that registers: the running containers, each
    /// with its network namespace.
    pub fn running_for_watcher(&self) -> (Vec<AnnouncedStart>, Vec<OwnedFd>) {
        let mut fds = Vec::new();
        let mut running = Vec::new();
        for c in self.state.containers.iter().filter(|c| c.running()) {
            let Ok(description) =
                serde_json::to_string(&crate::inspect::topo_container(&self.state, c))
            else {
                continue;
            };
            let netns = self
                .live
                .get(&c.id)
                .and_then(|l| self.host.netns_fd(&l.netns));
            running.push(AnnouncedStart {
                seq: 0,
                container: description,
                netns: netns.is_some(),
            });
            fds.extend(netns);
        }
        (running, fds)
    }

    async fn spawn_main(&mut self, ci: usize, stdio: Option<ProcessIo>) -> OpResult<i32> {
        let env = self.process_env(ci)?;
        // With a caller's terminal (`run -it` of the CLI) the process
        // uses it; else its console is the engine's: its output goes to
        // its log and to attached clients, as on Docker.
        let (with_tty, open_stdin) = {
            let c = &self.state.containers[ci];
            (c.tty, c.open_stdin)
        };
        let (stdio, console) = match stdio {
            Some(s) => (Some(s), None),
            None => match self.host.open_console(with_tty, open_stdin)? {
                Some(super::host::ConsoleEnds {
                    stdio,
                    readers,
                    stdin,
                    pty,
                    master_from,
                }) => (Some(stdio), Some((readers, stdin, pty, master_from))),
                None => (None, None),
            },
        };
        let tty = with_tty && stdio.is_some();
        let c = &self.state.containers[ci];
        let live = self.live.get(&c.id).expect("live sandbox before spawn");
        let cwd = if c.workdir.is_empty() {
            "/"
        } else {
            &c.workdir
        };
        let spawn = Spawn {
            cmd: c.cmd.clone(),
            env,
            cwd: cwd.to_string(),
            hostname: self.uts_hostname(ci),
            dir: self.container_dir(&c.id),
            tty,
            // A rootless lab's user namespace maps only root.
            user: if self.rootless {
                None
            } else {
                c.image.user_ids()
            },
            capabilities: c.capabilities,
            stdio,
        };
        let pid = self
            .host
            .spawn(&live.netns, spawn)
            .await
            .map_err(|e| match e {
                SpawnFailure::Prepare(e) => {
                    ApiError::system(format!("preparing the container's file system: {e}"))
                }
                SpawnFailure::Spawn(crate::sys::process::SpawnError::Setup { step, error }) => {
                    ApiError::system(validate::oci_init_error(&format!(
                        "{step}: {}",
                        validate::go_errno(&error)
                    )))
                }
                SpawnFailure::Spawn(crate::sys::process::SpawnError::Exec(error)) => {
                    ApiError::invalid(validate::oci_exec_error(&exec_failure(&c.cmd[0], &error)))
                }
            })?;
        if let Some((mut readers, mut stdin, mut pty, master_from)) = console {
            if let Some(from) = master_from {
                (readers, stdin, pty) =
                    self.terminal_console(pid, from, "the container's terminal")?;
            }
            let id = c.id.clone();
            let log = self.logs.entry(id.clone()).or_default().clone();
            self.console(&id).started(stdin, pty, readers, Some(log));
        }
        Ok(pid)
    }

    /// The console of a process that made its terminal inside the
    /// container: its master, read as its output and written as its input.
    /// A process whose terminal did not come back is killed; `what` heads
    /// the error.
    pub(super) fn terminal_console(
        &self,
        pid: i32,
        from: OwnedFd,
        what: &str,
    ) -> OpResult<HeldConsole> {
        let held = self.host.terminal_master(from).and_then(|master| {
            Ok((
                vec![(1, master.try_clone()?)],
                Some(master.try_clone()?),
                Some(master),
            ))
        });
        held.map_err(|e| {
            self.host.signal(pid, nix::sys::signal::Signal::SIGKILL);
            ApiError::system(format!("{what}: {e}"))
        })
    }

    /// The hostname a container's process sees: its own, or with `--net
    /// container:NAME` the other container's, as Docker sets it.
    pub(super) fn uts_hostname(&self, ci: usize) -> String {
        let c = &self.state.containers[ci];
        c.network_mode
            .strip_prefix("container:")
            .and_then(|other| self.find_container(other).ok())
            .map_or_else(
                || c.hostname.clone(),
                |oi| self.state.containers[oi].hostname.clone(),
            )
    }

    /// `docker logs`: the lines after `after` (the last `tail` of them),
    /// the next position to ask from, and whether more may come.
    pub fn logs(
        &self,
        key: &str,
        after: u64,
        tail: Option<usize>,
    ) -> OpResult<(Vec<super::logs::LogLine>, u64, bool)> {
        let ci = self.find_container(key)?;
        let c = &self.state.containers[ci];
        let (lines, next) = match self.logs.get(&c.id) {
            Some(log) => log
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .read(after, tail),
            None => (Vec::new(), 0),
        };
        Ok((lines, next, c.running()))
    }

    fn watch_exit(&self, ci: usize, pid: i32) {
        let rx = self.host.watch_exit(pid);
        let me = self.me.clone();
        let id = self.state.containers[ci].id.clone();
        tokio::spawn(async move {
            let code = rx.await.unwrap_or(137);
            if let Some(engine) = me.upgrade() {
                engine.lock().await.on_exit(&id, pid, code).await;
            }
        });
    }

    pub(super) async fn on_exit(&mut self, id: &str, pid: i32, code: i32) {
        let Some(ci) = self.state.container_by_id(id) else {
            return;
        };
        if self.state.containers[ci].state.pid != pid {
            return;
        }
        let now = self.clock.tick();
        let c = &mut self.state.containers[ci];
        c.state.status = Status::Exited;
        c.state.exit_code = code;
        c.state.pid = 0;
        c.state.finished_ns = now;
        for w in self.exit_waiters.remove(id).unwrap_or_default() {
            let _ = w.send(code);
        }
        if let Some(console) = self.consoles.get(id) {
            console.stopped();
        }
        self.container_event(ci, "die", &[("exitCode", code.to_string())]);
        self.teardown(ci).await;
        if self.state.containers[ci].auto_remove {
            self.remove_at(ci).await;
        }
    }

    /// Releases a container's runtime: veths, addresses back to their pools,
    /// ports, the namespace. Every step runs even if one before it failed;
    /// the failures are logged.
    pub(super) async fn teardown(&mut self, ci: usize) {
        let c = &mut self.state.containers[ci];
        let sandbox = c.sandbox.take();
        if let Some(sb) = &sandbox {
            c.last_sandbox_id = sb.id.clone();
        }
        let live = self.live.remove(&c.id);
        let mut errors = Vec::new();
        // Closing the namespace would destroy its veths too, but only a
        // moment later, in the kernel's own time; an address handed out
        // again meanwhile would exist twice on the bridge. So: now.
        let netns = live.as_ref().map(|l| &l.netns);
        if let (Some(sb), Some(netns)) = (&sandbox, netns) {
            for ep in &sb.endpoints {
                if let Err(e) = self.host.remove_interface(netns, ep.ifindex).await {
                    errors.push(ApiError::from(e));
                }
            }
        }
        // Proxies and the DNS server stop as the live sandbox drops.
        drop(live);
        let id = self.state.containers[ci].id.clone();
        for ep in sandbox.iter().flat_map(|sb| &sb.endpoints) {
            let actor = self.network_actor(&ep.network_id);
            self.network_event(actor, "disconnect", &[("container", id.clone())]);
        }
        self.host_ports.release_owner(&self.state.containers[ci].id);
        for ep in sandbox.iter().flat_map(|sb| &sb.endpoints) {
            let Some(net) = self
                .state
                .networks
                .iter_mut()
                .find(|n| n.id == ep.network_id)
            else {
                continue;
            };
            if let Some(pool) = net.pool.as_mut() {
                pool.release(ep.ip);
            }
            if let (Some(p6), Some(v)) = (net.v6_pool(), ep.v6) {
                p6.release(v.ip);
            }
        }
        self.refresh_dns();
        self.log_cleanup_errors(&format!("tearing down container {id}"), errors);
    }

    /// Errors of a cleanup that went on regardless: the engine's log gets
    /// each of them.
    pub(super) fn log_cleanup_errors(&self, what: &str, errors: Vec<ApiError>) {
        for e in errors {
            eprintln!("netlings engine: {what}: {e}");
        }
    }

    pub(super) async fn remove_at(&mut self, ci: usize) {
        self.teardown(ci).await;
        self.container_event(ci, "destroy", &[]);
        let id = self.state.containers[ci].id.clone();
        // The writable layer goes with the container, as on Docker.
        if let Err(e) = std::fs::remove_dir_all(self.container_dir(&id)) {
            if e.kind() != std::io::ErrorKind::NotFound {
                self.log_cleanup_errors(&format!("removing container {id}"), vec![e.into()]);
            }
        }
        self.state.containers.remove(ci);
        self.exit_waiters.remove(&id);
        self.logs.remove(&id);
        self.consoles.remove(&id);
        for c in &mut self.state.containers {
            c.links.retain(|l| l.source_id != id);
        }
    }

    /// Signals the process and returns a receiver for its exit.
    pub(super) fn signal_stop(
        &mut self,
        ci: usize,
        sig: nix::sys::signal::Signal,
    ) -> Option<tokio::sync::oneshot::Receiver<i32>> {
        let c = &self.state.containers[ci];
        if !c.running() {
            return None;
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.exit_waiters.entry(c.id.clone()).or_default().push(tx);
        self.host.signal(c.state.pid, sig);
        Some(rx)
    }

    /// A receiver for the exit of container `ci`'s current (or next) process.
    pub(super) fn exit_receiver(&mut self, ci: usize) -> tokio::sync::oneshot::Receiver<i32> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let id = self.state.containers[ci].id.clone();
        self.exit_waiters.entry(id).or_default().push(tx);
        rx
    }

    pub async fn rm(&mut self, ci: usize, force: bool) -> OpResult<()> {
        let c = &self.state.containers[ci];
        if c.running() {
            if !force {
                return Err(ApiError::conflict(format!(
                    "You cannot remove a running container {}. Stop the container before attempting removal or force remove",
                    c.id
                )));
            }
            self.host
                .signal(c.state.pid, nix::sys::signal::Signal::SIGKILL);
            // The exit arrives later and finds no container: nothing to do.
        }
        self.remove_at(ci).await;
        Ok(())
    }

    /// `docker kill`: a signal to the container's first process (SIGKILL
    /// unless named: `KILL`, `SIGKILL` or `9`). Its exit comes as any exit.
    pub fn kill(&mut self, key: &str, signal: Option<&str>) -> OpResult<()> {
        let sig = match signal {
            None => nix::sys::signal::Signal::SIGKILL,
            Some(s) => {
                parse_signal(s).ok_or_else(|| ApiError::invalid(format!("Invalid signal: {s}")))?
            }
        };
        let ci = self.find_container(key).map_err(|e| {
            ApiError::with(
                e.kind,
                format!("Cannot kill container: {key}: {}", e.message),
            )
        })?;
        let c = &self.state.containers[ci];
        if !c.running() {
            return Err(ApiError::conflict(format!(
                "Cannot kill container: {key}: Container {} is not running",
                c.id
            )));
        }
        self.host.signal(c.state.pid, sig);
        self.container_event(ci, "kill", &[("signal", (sig as i32).to_string())]);
        Ok(())
    }

    /// `docker rename`: a new name, which DNS answers for at once.
    pub fn rename(&mut self, key: &str, new_name: &str) -> OpResult<()> {
        let ci = self.find_container(key)?;
        let new_name = new_name.strip_prefix('/').unwrap_or(new_name);
        if self.state.containers[ci].name == new_name {
            return Err(ApiError::invalid(
                "Renaming a container with the same name as its current name",
            ));
        }
        if !model::valid_name(new_name) {
            return Err(ApiError::invalid(format!(
                "Error when allocating new name: Invalid container name (/{new_name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
            )));
        }
        if let Some(other) = self.state.containers.iter().find(|c| c.name == new_name) {
            return Err(ApiError::conflict(format!(
                "Error when allocating new name: Conflict. The container name \"/{new_name}\" is already in use by container \"{}\". You have to remove (or rename) that container to be able to reuse that name.",
                other.id
            )));
        }
        let old = std::mem::replace(&mut self.state.containers[ci].name, new_name.to_string());
        self.refresh_dns();
        self.container_event(ci, "rename", &[("oldName", format!("/{old}"))]);
        Ok(())
    }

    /// `docker container prune`: removes every container that does not
    /// run; their ids, sorted as Docker lists them.
    pub async fn prune_containers(&mut self) -> Vec<String> {
        let mut ids = Vec::new();
        while let Some(ci) = self.state.containers.iter().position(|c| !c.running()) {
            ids.push(self.state.containers[ci].id.clone());
            self.remove_at(ci).await;
        }
        ids.sort();
        ids
    }

    /// `rm --link /web/db`: drops the link; the recipient's /etc/hosts
    /// loses the line at once (Docker refreshes the sandbox).
    pub fn rm_link(&mut self, path: &str) -> OpResult<()> {
        let (recipient, alias) = crate::links::parse_link_path(path).map_err(ApiError::invalid)?;
        let missing = || ApiError::not_found(format!("No such container: {path}"));
        let ri = self.find_container(&recipient).map_err(|_| missing())?;
        let c = &mut self.state.containers[ri];
        let before = c.links.len();
        c.links.retain(|l| l.alias != alias);
        if c.links.len() == before {
            return Err(missing());
        }
        self.write_hosts(ri)
    }

    pub fn exec_plan(
        &self,
        ci: usize,
        extra_env: &[String],
        workdir: Option<String>,
        tty: bool,
    ) -> OpResult<(ExecPlan, Vec<OwnedFd>)> {
        let c = &self.state.containers[ci];
        if !c.running() {
            return Err(ApiError::conflict(format!(
                "Container {} is not running",
                c.id
            )));
        }
        // Recomputed now: link blocks carry the sources' current addresses.
        let blocks = self.link_env_blocks(ci)?;
        let env =
            crate::links::exec_env(&c.env, &c.hostname, tty, &blocks, extra_env, c.image.home());
        let kinds = self.ns_kinds();
        let fds = self.host.namespaces(Some(c.state.pid), &kinds)?;
        Ok((
            ExecPlan {
                env,
                workdir: workdir.unwrap_or_else(|| {
                    if c.workdir.is_empty() {
                        "/".into()
                    } else {
                        c.workdir.clone()
                    }
                }),
                namespaces: kinds.iter().map(|s| s.to_string()).collect(),
                user: if self.rootless {
                    None
                } else {
                    c.image.user_ids()
                },
                capabilities: Some(c.capabilities),
            },
            fds,
        ))
    }

    fn ns_kinds(&self) -> Vec<&'static str> {
        let mut kinds = Vec::new();
        if self.rootless {
            kinds.push("user");
        }
        kinds.extend(["ipc", "uts", "net", "pid", "mnt"]);
        kinds
    }

    pub fn lab_host_plan(&self) -> OpResult<(ExecPlan, Vec<OwnedFd>)> {
        let kinds = self.ns_kinds();
        let fds = self.host.namespaces(None, &kinds)?;
        Ok((
            ExecPlan {
                env: Vec::new(),
                workdir: String::new(),
                namespaces: kinds.iter().map(|s| s.to_string()).collect(),
                user: None,
                capabilities: None,
            },
            fds,
        ))
    }

    pub fn ps_rows(
        &mut self,
        all: bool,
        size: bool,
        filters: &[(String, String)],
    ) -> OpResult<Vec<crate::inspect::PsRow>> {
        use crate::model::container_filters;
        container_filters::check(filters).map_err(ApiError::invalid)?;
        for (_, v) in filters
            .iter()
            .filter(|(k, _)| k == "before" || k == "since")
        {
            self.find_container(v)
                .map_err(|_| ApiError::system(format!("no such container {v}")))?;
        }
        let all = all || container_filters::imply_all(filters);
        // Reading the (virtual) clock moves it, so ages are never zero.
        let now = self.clock.tick();
        let mut rows: Vec<(i128, crate::inspect::PsRow)> = self
            .state
            .containers
            .iter()
            .filter(|c| all || c.running())
            .filter(|c| container_filters::matches(&self.state, c, filters))
            .map(|c| {
                let mut row = crate::inspect::ps_row(&self.state, c, now);
                if size {
                    (row.size_rw, row.size_root_fs) = self.container_sizes(c);
                }
                (c.created_ns, row)
            })
            .collect();
        // Newest first, as Docker lists them.
        rows.sort_by_key(|r| std::cmp::Reverse(r.0));
        Ok(rows.into_iter().map(|(_, r)| r).collect())
    }
}

/// A signal as `docker kill -s` takes it: a name with or without `SIG`, in
/// any case, or a number.
fn parse_signal(s: &str) -> Option<nix::sys::signal::Signal> {
    use std::str::FromStr;
    if let Ok(n) = s.parse::<i32>() {
        return nix::sys::signal::Signal::try_from(n).ok();
    }
    let upper = s.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    nix::sys::signal::Signal::from_str(&name).ok()
}

/// runc's words for a command that cannot be executed.
/// State.ExitCode after a failed start, as dockerd 20.10 sets it
/// (`daemon/start.go`): 127 for a command that is not there, 126 for one
/// that cannot be run, else 128.
pub fn failed_start_exit_code(message: &str) -> i32 {
    if message.contains("executable file not found")
        || message.contains("no such file or directory")
    {
        127
    } else if message.contains("permission denied") {
        126
    } else {
        128
    }
}

fn exec_failure(cmd0: &str, error: &std::io::Error) -> String {
    match (error.kind(), cmd0.contains('/')) {
        (std::io::ErrorKind::NotFound, false) => {
            format!("exec: \"{cmd0}\": executable file not found in $PATH")
        }
        (std::io::ErrorKind::NotFound, true) => {
            format!("exec: \"{cmd0}\": stat {cmd0}: no such file or directory")
        }
        _ => format!("exec: \"{cmd0}\": {}", validate::go_errno(error)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_failed_start_exits_as_dockerd_records_it() {
        // Docker 20.10.24: `run -d training/webapp nosuchcmd` left
        // State.ExitCode 127.
        let not_found = "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"nosuchcmd\": executable file not found in $PATH: unknown";
        assert_eq!(super::failed_start_exit_code(not_found), 127);
        assert_eq!(
            super::failed_start_exit_code("exec: \"/etc\": permission denied"),
            126
        );
        assert_eq!(super::failed_start_exit_code("network n not found"), 128);
    }
}
