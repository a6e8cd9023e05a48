//! The engine: one per lab, it owns the lab's networks, containers and their
//! runtime resources, and carries out `Request`s. It runs inside the lab
//! host's namespaces (see `lab::daemon`), as PID 1 of the lab.

pub mod api;
pub mod dns_view;
pub mod ids;
pub mod ipam;
pub mod model;
pub mod validate;

use crate::images::{self, Image};
use crate::inspect;
use crate::sys::{self, process::Reaper};
use api::{ApiError, ExecPlan, Reply, Request, RunSpec};
use ids::{Clock, Sequence};
use ipam::{AddressPool, PoolAllocator, Subnet};
use model::*;
use serde_json::{json, Value};
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use tokio::sync::Mutex;
use validate::IpFlag;

pub type Shared = Arc<Mutex<Engine>>;

pub struct Engine {
    pub networks: Vec<Network>,
    pub containers: Vec<Container>,
    pub seq: Sequence,
    pub clock: Clock,
    pub deterministic: bool,
    pools: PoolAllocator,
    host: rtnetlink::Handle,
    reaper: Reaper,
    /// Our own executable, for built-in images and applets.
    exe: OwnedFd,
    /// Per-container files (hosts, hostname, resolv.conf), on a tmpfs that
    /// exists only in the lab's mount namespace.
    files_dir: PathBuf,
    /// Whether the engine runs in a user namespace of its own (rootless).
    rootless: bool,
    /// The machine as containers' root file systems need to know it.
    rootfs_host: crate::rootfs::Host,
    /// Bridges of removed networks, parked for reuse (see `network_rm`).
    spare_bridges: Vec<u32>,
    /// Host ports taken by published container ports.
    host_ports: crate::ports::PortAllocator,
    /// What the embedded DNS servers answer from, rebuilt after each change
    /// so that lookups never wait for the engine's lock.
    dns: Arc<std::sync::RwLock<dns_view::DnsView>>,
    /// Where the DNS servers run: not on the engine's thread.
    dns_rt: crate::dns::DnsRuntime,
    me: Weak<Mutex<Engine>>,
}

/// resolv.conf of containers on user-defined networks.
const EMBEDDED_RESOLV_CONF: &str = "nameserver 127.0.0.11\noptions ndots:0\n";

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

/// What the embedded DNS servers see of the engine.
struct LiveRecords(Arc<std::sync::RwLock<dns_view::DnsView>>);

impl crate::dns::Records for LiveRecords {
    fn lookup_a(&self, asker: &str, name: &str) -> Option<Vec<Ipv4Addr>> {
        let view = self.0.read().unwrap_or_else(|e| e.into_inner());
        view.lookup_a(asker, name)
    }
    fn lookup_ptr(&self, asker: &str, ip: Ipv4Addr) -> Option<String> {
        let view = self.0.read().unwrap_or_else(|e| e.into_inner());
        view.lookup_ptr(asker, ip)
    }
}

/// The lab host's resolver: no upstream, so every name is unknown.
struct NoRecords;

impl crate::dns::Records for NoRecords {
    fn lookup_a(&self, _: &str, _: &str) -> Option<Vec<Ipv4Addr>> {
        None
    }
    fn lookup_ptr(&self, _: &str, _: Ipv4Addr) -> Option<String> {
        None
    }
}

pub struct EngineConfig {
    pub deterministic: bool,
    pub files_dir: PathBuf,
    pub rootless: bool,
}

type OpResult<T> = Result<T, ApiError>;

impl Engine {
    /// Sets up the lab host (the default bridge) and returns the engine.
    /// Must run inside the lab's namespaces, on a tokio runtime.
    pub async fn boot(cfg: EngineConfig) -> std::io::Result<Shared> {
        let host = sys::netlink::connect_here()?;
        let exe: OwnedFd = std::fs::File::open("/proc/self/exe")?.into();
        let mut seq = if cfg.deterministic {
            Sequence::seeded(0x6e65_746c_696e_6773)
        } else {
            Sequence::from_os()
        };
        let mut clock = if cfg.deterministic {
            Clock::virtual_clock()
        } else {
            Clock::Real
        };
        let dns_rt = crate::dns::DnsRuntime::start()?;
        let mut pools = PoolAllocator::default();
        let mut networks = Vec::new();
        let subnet = pools.allocate(&[]).expect("the first pool");
        let gateway = subnet.host(1);
        let mac = bridge_mac(&mut seq);
        let index =
            sys::netlink::create_bridge(&host, "docker0", mac, gateway, subnet.prefix, None)
                .await?;
        let created = clock.tick();
        networks.push(Network {
            id: seq.id(),
            name: "bridge".into(),
            created_ns: created,
            driver: Driver::Bridge,
            is_default: true,
            pool: Some(AddressPool::new(subnet, gateway)),
            ipam_subnet: None,
            ipam_gateway: None,
            bridge: "docker0".into(),
            bridge_index: index,
        });
        for (name, driver) in [("host", Driver::Host), ("none", Driver::Null)] {
            networks.push(Network {
                id: seq.id(),
                name: name.into(),
                created_ns: created,
                driver,
                is_default: false,
                pool: None,
                ipam_subnet: None,
                ipam_gateway: None,
                bridge: String::new(),
                bridge_index: 0,
            });
        }
        let engine = Engine {
            networks,
            containers: Vec::new(),
            seq,
            clock,
            deterministic: cfg.deterministic,
            pools,
            host,
            reaper: Reaper::start(),
            exe,
            files_dir: cfg.files_dir,
            rootless: cfg.rootless,
            rootfs_host: crate::rootfs::Host {
                program_dirs: sys::rootfs::host_program_dirs(),
                rootless: cfg.rootless,
            },
            spare_bridges: Vec::new(),
            // Docker takes ephemeral ports from the (per-namespace) local port range.
            host_ports: crate::ports::PortAllocator::with_range(
                std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
                    .ok()
                    .and_then(|t| crate::ports::parse_ip_local_port_range(&t))
                    .unwrap_or(crate::ports::DEFAULT_EPHEMERAL_RANGE),
            ),
            dns: Arc::default(),
            dns_rt,
            me: Weak::new(),
        };
        let udp = std::net::UdpSocket::bind(LAB_HOST_RESOLVER)?;
        udp.set_nonblocking(true)?;
        let tcp = std::net::TcpListener::bind(LAB_HOST_RESOLVER)?;
        tcp.set_nonblocking(true)?;
        engine
            .dns_rt
            .serve(udp, tcp, String::new(), Arc::new(NoRecords))?;
        let shared = Arc::new(Mutex::new(engine));
        shared.lock().await.me = Arc::downgrade(&shared);
        Ok(shared)
    }

    // ---- lookups -------------------------------------------------------

    /// A container by name (with or without the leading slash), full id or
    /// unique id prefix, as Docker resolves them.
    pub fn find_container(&self, key: &str) -> OpResult<usize> {
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
            [] => Err(ApiError::not_found(format!("No such container: {key}"))),
            _ => Err(ApiError::new(format!(
                "Multiple IDs found with provided prefix: {key}"
            ))),
        }
    }

    pub fn find_network(&self, key: &str) -> OpResult<usize> {
        if let Some(i) = self
            .networks
            .iter()
            .position(|n| n.name == key || n.id == key)
        {
            return Ok(i);
        }
        let matches: Vec<usize> = (0..self.networks.len())
            .filter(|&i| !key.is_empty() && self.networks[i].id.starts_with(key))
            .collect();
        match matches.as_slice() {
            [i] => Ok(*i),
            _ => Err(ApiError::not_found(format!("network {key} not found"))),
        }
    }

    pub fn network_by_id(&self, id: &str) -> Option<&Network> {
        self.networks.iter().find(|n| n.id == id)
    }

    fn container_by_id(&self, id: &str) -> Option<usize> {
        self.containers.iter().position(|c| c.id == id)
    }

    // ---- networks ------------------------------------------------------

    pub async fn network_create(
        &mut self,
        name: &str,
        driver: Option<&str>,
        subnet: Option<&str>,
        gateway: Option<&str>,
    ) -> OpResult<String> {
        match driver.unwrap_or("bridge") {
            "bridge" => {}
            other => {
                return Err(ApiError::new(format!(
                    "plugin \"{other}\" not found (netlings supports only the bridge driver)"
                )))
            }
        }
        validate::network_name(name).map_err(ApiError::new)?;
        if self.networks.iter().any(|n| n.name == name) {
            return Err(ApiError::new(format!(
                "network with name {name} already exists"
            )));
        }
        let in_use: Vec<Subnet> = self.networks.iter().filter_map(|n| n.subnet()).collect();
        let subnet_text = subnet;
        let subnet = match subnet {
            Some(s) => {
                let s = validate::subnet(s).map_err(ApiError::new)?;
                if in_use.iter().any(|u| u.overlaps(&s)) {
                    return Err(ApiError::new("Pool overlaps with other one on this address space"));
                }
                s
            }
            None => self
                .pools
                .allocate(&in_use)
                .ok_or_else(|| ApiError::new("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network"))?,
        };
        // Docker's client has matched the gateway to the subnet already
        // (`validate::consolidate_ipam`); the daemon allocates it.
        let gateway_ip = match gateway {
            Some(g) => Some(
                g.parse::<Ipv4Addr>()
                    .map_err(|_| ApiError::new(format!("no matching subnet for gateway {g}")))?,
            ),
            None => None,
        };
        let gateway_ip = validate::network_gateway(subnet, gateway_ip).map_err(ApiError::new)?;
        // Multicast, loopback and 0.0.0.0/8 subnets are accepted, as Docker
        // accepts them (facts #34-#36): the bridge takes the address, and it
        // is each container's start that fails, in Docker's words, when the
        // kernel has no route to such a gateway (`gateway_route_error`).
        let id = self.seq.id();
        let bridge = format!("br-{}", &id[..12]);
        let mac = bridge_mac(&mut self.seq);
        let spare = self.spare_bridges.pop();
        let made =
            sys::netlink::create_bridge(&self.host, &bridge, mac, gateway_ip, subnet.prefix, spare)
                .await;
        let index = match made {
            Ok(i) => i,
            Err(e) => {
                self.spare_bridges.extend(spare);
                return Err(e.into());
            }
        };
        let created_ns = self.clock.tick();
        self.networks.push(Network {
            id: id.clone(),
            name: name.to_string(),
            created_ns,
            driver: Driver::Bridge,
            is_default: false,
            pool: Some(AddressPool::new(subnet, gateway_ip)),
            ipam_subnet: subnet_text.map(str::to_string),
            ipam_gateway: gateway.map(str::to_string),
            bridge,
            bridge_index: index,
        });
        Ok(id)
    }

    pub async fn network_rm(&mut self, key: &str) -> OpResult<()> {
        let ni = self.find_network(key)?;
        let net = &self.networks[ni];
        if net.is_default || net.driver != Driver::Bridge {
            return Err(ApiError::new(format!(
                "{} is a pre-defined network and cannot be removed",
                net.name
            )));
        }
        let active = self
            .containers
            .iter()
            .any(|c| c.endpoint(&net.id).is_some());
        if active {
            return Err(ApiError::new(format!(
                "error while removing network: network {} id {} has active endpoints",
                net.name, net.id
            )));
        }
        // Unregistering a bridge costs the kernel 40-50 ms under RTNL; a
        // parked bridge costs nothing and serves the next `network create`.
        let spare_name = format!("nl-spare{}", net.bridge_index);
        sys::netlink::park_bridge(&self.host, net.bridge_index, &spare_name).await?;
        self.spare_bridges.push(net.bridge_index);
        let id = net.id.clone();
        self.networks.remove(ni);
        // Stopped containers forget it, as Docker's do on their next start.
        for c in &mut self.containers {
            c.endpoints.retain(|e| e.network_id != id);
        }
        Ok(())
    }

    pub async fn network_connect(
        &mut self,
        network: &str,
        container: &str,
        aliases: Vec<String>,
        ip: Option<&str>,
    ) -> OpResult<()> {
        let ni = self.find_network(network)?;
        let ci = self.find_container(container)?;
        let net = &self.networks[ni];
        // The endpoint's settings are checked first, in the daemon's order
        // (validateNetworkingConfig), so an alias on the default bridge is
        // refused even for a container already on it (facts #105-#107).
        let ip = ip
            .map(|s| validate::requested_ip(s, IpFlag::Connect))
            .transpose()
            .map_err(ApiError::new)?;
        if let (Some(ip), false) = (ip, net.user_defined()) {
            validate::ip_on_network(false, None, ip).map_err(ApiError::new)?;
        }
        if !aliases.is_empty() && !net.user_defined() {
            return Err(ApiError::new(
                "network-scoped alias is supported only for containers in user defined networks",
            ));
        }
        if let Some(ip) = ip {
            validate::ip_on_network(true, net.configured_subnet(), ip).map_err(ApiError::new)?;
        }
        if net.driver != Driver::Bridge {
            return Err(ApiError::new(format!(
                "container cannot be disconnected from host network or connected to {} network",
                net.name
            )));
        }
        let c = &self.containers[ci];
        if c.network_mode == "host" || c.network_mode == "none" {
            return Err(ApiError::new(
                "container cannot be disconnected from host network or connected to host network"
                    .to_string(),
            ));
        }
        if c.endpoints.iter().any(|e| e.network_id == net.id) {
            return Err(ApiError::new(format!(
                "endpoint with name {} already exists in network {}",
                c.name, net.name
            )));
        }
        let cfg = EndpointConfig {
            network_id: net.id.clone(),
            aliases,
            from_connect: true,
            links: Vec::new(),
            ip,
        };
        if !self.containers[ci].running() {
            // A stopped container takes its address at start.
            self.containers[ci].endpoints.push(cfg);
            return Ok(());
        }
        // A failed connect leaves nothing: no endpoint, no address, and no
        // entry in the container's networks (Docker 20.10 leaves one with
        // an empty address, facts #71, #86: a bug not copied).
        self.attach(ci, &cfg).await?;
        self.containers[ci].endpoints.push(cfg);
        let joined = match self.gateway_route_error(ci).await {
            Some(e) => Err(ApiError::new(e)),
            None => self.update_gateway(ci).await,
        };
        if let Err(e) = joined {
            let id = self.networks[ni].id.clone();
            self.containers[ci].endpoints.retain(|e| e.network_id != id);
            let _ = self.detach(ci, &id).await;
            let _ = self.update_gateway(ci).await;
            return Err(e);
        }
        self.retarget_ports(ci)?;
        self.ensure_dns(ci, true)?;
        self.write_hosts(ci)?;
        self.refresh_dns();
        Ok(())
    }

    pub async fn network_disconnect(&mut self, network: &str, container: &str) -> OpResult<()> {
        let ni = self.find_network(network)?;
        let ci = self.find_container(container)?;
        let net_id = self.networks[ni].id.clone();
        let c = &mut self.containers[ci];
        let Some(pos) = c.endpoints.iter().position(|e| e.network_id == net_id) else {
            return Err(ApiError::new(format!(
                "container {} is not connected to network {}",
                c.id, self.networks[ni].name
            )));
        };
        c.endpoints.remove(pos);
        if self.containers[ci].running() {
            self.detach(ci, &net_id).await?;
            // Docker 20.10 removes every /etc/hosts line with the container's
            // hostname here, even those of networks it stays on.
            if let Some(sb) = self.containers[ci].sandbox.as_mut() {
                sb.hosts_self.clear();
            }
            let c = &self.containers[ci];
            let path = self.container_dir(&c.id).join("hosts");
            let text = std::fs::read_to_string(&path)?;
            std::fs::write(&path, crate::links::delete_hosts_lines(&text, &c.hostname))?;
            self.update_gateway(ci).await?;
            self.retarget_ports(ci)?;
            self.refresh_dns();
        }
        Ok(())
    }

    // ---- containers ----------------------------------------------------

    /// `docker create`: validates everything, allocates nothing on the host.
    pub fn create(&mut self, spec: &RunSpec) -> OpResult<usize> {
        let image: &'static Image = images::lookup(&spec.image)
            .ok_or_else(|| ApiError::not_found(images::unknown_image_error(&spec.image)))?;
        let name = match &spec.name {
            Some(n) => {
                let n = n.strip_prefix('/').unwrap_or(n);
                if !model::valid_name(n) {
                    return Err(ApiError::new(format!(
                        "Invalid container name ({n}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
                    )));
                }
                if let Some(other) = self.containers.iter().find(|c| c.name == n) {
                    return Err(ApiError::new(format!(
                        "Conflict. The container name \"/{n}\" is already in use by container \"{}\". You have to remove (or rename) that container to be able to reuse that name",
                        other.id
                    )));
                }
                n.to_string()
            }
            None => loop {
                let n = self.seq.name();
                if !self.containers.iter().any(|c| c.name == n) {
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
        let ni = self.find_network(net_key)?;
        let net = &self.networks[ni];
        let mut ip = spec
            .ip
            .as_deref()
            .map(|s| validate::requested_ip(s, IpFlag::Run))
            .transpose()
            .map_err(ApiError::new)?;
        let mut aliases = spec.aliases.clone();
        if mode == "default" {
            // Without --network, Docker keeps --ip and --network-alias for
            // a network called "default" that no endpoint joins: both are
            // silently dropped (facts #63, #78, #103, #110).
            ip = None;
            aliases.clear();
        }
        let hostname = match spec.hostname.as_deref() {
            Some("") | None => None,
            Some(h) => {
                validate::hostname(h).map_err(ApiError::new)?;
                Some(h.to_string())
            }
        };
        let mut links = Vec::new();
        let mut dns_links = Vec::new();
        for flag in &spec.links {
            let (source, alias) = crate::links::parse_link_flag(flag).map_err(ApiError::new)?;
            let si = self.find_container(&source).map_err(|_| {
                ApiError::not_found(format!(
                    "could not get container for {source}: No such container: {source}"
                ))
            })?;
            let src = &self.containers[si];
            // Whether the source runs is checked at start, as Docker does.
            if net.is_default {
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
        if !aliases.is_empty() && !net.user_defined() {
            return Err(ApiError::new(
                "network-scoped alias is supported only for containers in user defined networks",
            ));
        }
        let endpoints = match net.driver {
            Driver::Bridge => vec![EndpointConfig {
                network_id: net.id.clone(),
                aliases,
                from_connect: false,
                links: dns_links,
                ip,
            }],
            _ => Vec::new(),
        };
        let network_mode = match net.driver {
            Driver::Bridge if net.is_default => "default".to_string(),
            _ => net.name.clone(),
        };
        let mut port_specs = Vec::new();
        for flag in &spec.publish {
            port_specs.extend(crate::ports::parse_publish(flag).map_err(ApiError::new)?);
        }
        let image_exposed: Vec<crate::ports::PortKey> = image
            .exposed
            .iter()
            .filter_map(|k| k.parse().ok())
            .collect();
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
        let layer = crate::rootfs::layer_entries(
            &self.rootfs_host.program_dirs,
            image.files,
            &workdir,
            !self.rootless,
        );
        let dir = self.container_dir(&id);
        if let Err(e) =
            std::fs::create_dir(&dir).and_then(|_| sys::rootfs::populate(&dir.join("root"), &layer))
        {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(ApiError::new(format!(
                "creating the container's file system: {e}"
            )));
        }
        let created_ns = self.clock.tick();
        self.containers.push(Container {
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
            exit_waiters: Vec::new(),
        });
        Ok(self.containers.len() - 1)
    }

    /// Starts a created or exited container: sandbox, endpoints, files, then
    /// the process. Any failure undoes what was made.
    pub async fn start(&mut self, ci: usize, stdio: Option<[OwnedFd; 3]>) -> OpResult<()> {
        if self.containers[ci].running() {
            return Ok(());
        }
        for link in &self.containers[ci].links {
            let Some(si) = self.container_by_id(&link.source_id) else {
                return Err(ApiError::new("Cannot link to a container that was removed"));
            };
            if !self.containers[si].running() {
                return Err(ApiError::new(crate::links::not_running_error(
                    &self.containers[si].name,
                    &self.containers[ci].name,
                    &link.alias,
                )));
            }
        }
        match self.start_inner(ci, stdio).await {
            Ok(()) => Ok(()),
            Err(e) => {
                self.teardown(ci).await;
                self.containers[ci].state.error = e.message.clone();
                self.containers[ci].state.exit_code = 128;
                Err(e)
            }
        }
    }

    async fn start_inner(&mut self, ci: usize, stdio: Option<[OwnedFd; 3]>) -> OpResult<()> {
        let use_host_ns = self.containers[ci].network_mode == "host";
        let created = if use_host_ns {
            sys::ns::NewNetns {
                netns: std::fs::File::open("/proc/self/ns/net")?.into(),
                netlink: sys::ns::netlink_socket()?,
            }
        } else {
            sys::ns::create_netns()?
        };
        let sandbox_id = self.seq.id();
        self.containers[ci].sandbox = Some(Sandbox {
            id: sandbox_id,
            netns: created.netns,
            netlink: sys::netlink::connect(created.netlink),
            next_if: 0,
            endpoints: Vec::new(),
            hosts_self: Vec::new(),
            tasks: Vec::new(),
            published: Vec::new(),
        });
        let configs = self.containers[ci].endpoints.clone();
        for cfg in &configs {
            self.attach(ci, cfg).await?;
        }
        // Docker meets this in its network hook, which runc reports.
        if let Some(e) = self.gateway_route_error(ci).await {
            let time = ids::rfc3339_seconds(self.clock.tick());
            return Err(ApiError::new(validate::gateway_hook_error(&time, &e)));
        }
        self.update_gateway(ci).await?;
        self.publish_ports(ci)?;
        self.write_files(ci)?;
        self.ensure_dns(ci, false)?;
        // The DNS servers answer on a thread of their own: the container's
        // first query may come before this call returns, so the view must
        // know it already (a failed spawn's teardown refreshes it again).
        self.refresh_dns();
        let pid = self.spawn_main(ci, stdio)?;
        let now = self.clock.tick();
        let c = &mut self.containers[ci];
        c.state = State {
            status: Status::Running,
            pid: pid.as_raw(),
            exit_code: 0,
            error: String::new(),
            started_ns: now,
            finished_ns: c.state.finished_ns,
        };
        self.watch_exit(ci, pid);
        self.refresh_link_recipients(ci)?;
        Ok(())
    }

    /// Joins a container's sandbox to one network: address, veth pair,
    /// interface up, and a self line in /etc/hosts.
    async fn attach(&mut self, ci: usize, cfg: &EndpointConfig) -> OpResult<()> {
        let ni = self
            .networks
            .iter()
            .position(|n| n.id == cfg.network_id)
            .ok_or_else(|| ApiError::not_found(format!("network {} not found", cfg.network_id)))?;
        let veth = format!("veth{}", self.seq.hex(7));
        let endpoint_id = self.seq.id();
        let net = &mut self.networks[ni];
        if let Some(ip) = cfg.ip {
            validate::ip_on_network(net.user_defined(), net.configured_subnet(), ip)
                .map_err(ApiError::new)?;
        }
        let pool = net.pool.as_mut().expect("bridge networks have a pool");
        let ip = match cfg.ip {
            Some(ip) => {
                pool.take(ip).map_err(ApiError::new)?;
                ip
            }
            None => pool.allocate().ok_or_else(|| {
                ApiError::new(format!(
                    "no available IPv4 addresses on this network's address pools: {} ({})",
                    net.name, net.id
                ))
            })?,
        };
        let (prefix, gateway, bridge_index) = (pool.subnet.prefix, pool.gateway, net.bridge_index);
        let (net_name, bridge) = (net.name.clone(), net.bridge.clone());
        let container_name = self.containers[ci].name.clone();
        let sb = self.containers[ci]
            .sandbox
            .as_mut()
            .expect("sandbox exists while attaching");
        let ifname = format!("eth{}", sb.next_if);
        let made = async {
            sys::netlink::create_veth(
                &self.host,
                &veth,
                bridge_index,
                &ifname,
                ipam::mac_for(ip),
                &sb.netns,
            )
            .await
            .map_err(|e| {
                // The one error with Docker's words: a full bridge.
                if e.raw_os_error() == Some(libc::EXFULL) {
                    ApiError::new(validate::endpoint_error(
                        &container_name,
                        &net_name,
                        &veth,
                        &bridge,
                        &e,
                    ))
                } else {
                    e.into()
                }
            })?;
            sys::netlink::configure_interface(&sb.netlink, &ifname, ip, prefix)
                .await
                .map_err(ApiError::from)
        }
        .await;
        let ifindex = match made {
            Ok(i) => i,
            Err(e) => {
                // The veth may exist: deleting the host end removes both.
                if let Ok(i) = sys::netlink::link_index(&self.host, &veth).await {
                    let _ = sys::netlink::delete_link(&self.host, i).await;
                }
                if let Some(p) = self.networks[ni].pool.as_mut() {
                    p.release(ip);
                }
                return Err(e);
            }
        };
        sb.next_if += 1;
        sb.hosts_self.push(ip);
        sb.endpoints.push(Endpoint {
            network_id: cfg.network_id.clone(),
            endpoint_id,
            ip,
            prefix,
            gateway,
            ifname,
            ifindex,
        });
        Ok(())
    }

    async fn detach(&mut self, ci: usize, network_id: &str) -> OpResult<()> {
        let Some(sb) = self.containers[ci].sandbox.as_mut() else {
            return Ok(());
        };
        let Some(pos) = sb.endpoints.iter().position(|e| e.network_id == network_id) else {
            return Ok(());
        };
        let ep = sb.endpoints.remove(pos);
        sb.hosts_self.retain(|ip| *ip != ep.ip);
        sys::netlink::delete_link(&sb.netlink, ep.ifindex).await?;
        if let Some(pool) = self
            .networks
            .iter_mut()
            .find(|n| n.id == network_id)
            .and_then(|n| n.pool.as_mut())
        {
            pool.release(ep.ip);
        }
        Ok(())
    }

    /// A container's live endpoint on the default bridge, where links live.
    fn bridge_endpoint<'a>(&self, c: &'a Container) -> Option<&'a Endpoint> {
        let bridge = self.networks.iter().find(|n| n.is_default)?;
        c.endpoint(&bridge.id)
    }

    /// The endpoint that carries the default route: first network by name.
    pub fn gateway_endpoint<'a>(&'a self, c: &'a Container) -> Option<&'a Endpoint> {
        let sb = c.sandbox.as_ref()?;
        let id = model::gateway_network(sb.endpoints.iter().filter_map(|e| {
            self.network_by_id(&e.network_id)
                .map(|n| (e.network_id.as_str(), n.name.as_str()))
        }))?;
        sb.endpoints.iter().find(|e| e.network_id == id)
    }

    /// libnetwork asks the kernel for a route to the gateway before it sets
    /// the default route, and fails without one: a gateway in a multicast,
    /// loopback or 0.0.0.0/8 subnet, which Docker lets a network have.
    async fn gateway_route_error(&self, ci: usize) -> Option<String> {
        let c = &self.containers[ci];
        let sb = c.sandbox.as_ref()?;
        let ep = self.gateway_endpoint(c)?;
        match sys::netlink::route_to(&sb.netlink, ep.gateway).await {
            Ok(()) => None,
            Err(e) => Some(validate::gateway_route_error(ep.gateway, &e)),
        }
    }

    async fn update_gateway(&mut self, ci: usize) -> OpResult<()> {
        let c = &self.containers[ci];
        let Some(sb) = c.sandbox.as_ref() else {
            return Ok(());
        };
        match self.gateway_endpoint(c) {
            Some(ep) => {
                sys::netlink::replace_default_route(&sb.netlink, ep.gateway, ep.ifindex).await?
            }
            None => sys::netlink::delete_default_route(&sb.netlink).await?,
        }
        Ok(())
    }

    /// Allocates host ports and starts a proxy for each, aimed at the
    /// gateway endpoint's address; Docker's wording if a port is taken.
    fn publish_ports(&mut self, ci: usize) -> OpResult<()> {
        let c = &self.containers[ci];
        if c.port_specs.is_empty() && !c.publish_all {
            return Ok(());
        }
        let Some(ep) = self.gateway_endpoint(c) else {
            return Ok(());
        };
        let (target_ip, ep_id) = (ep.ip, ep.endpoint_id.clone());
        let plan = crate::ports::plan_bindings(&c.port_specs, &c.exposed, c.publish_all, true);
        let (id, name) = (c.id.clone(), c.name.clone());
        let published = self
            .host_ports
            .allocate(&id, &plan, |pb, addr| start_proxy(pb.key, addr, target_ip))
            .map_err(|cause| {
                ApiError::new(crate::ports::external_connectivity_error(
                    &name, &ep_id, &cause,
                ))
            })?;
        if let Some(sb) = self.containers[ci].sandbox.as_mut() {
            sb.published = published;
        }
        Ok(())
    }

    /// After the gateway endpoint changed (connect, disconnect), published
    /// ports follow it, as Docker moves its DNAT rules and proxies.
    fn retarget_ports(&mut self, ci: usize) -> OpResult<()> {
        let target = self.gateway_endpoint(&self.containers[ci]).map(|e| e.ip);
        let (Some(ip), Some(sb)) = (target, self.containers[ci].sandbox.as_mut()) else {
            return Ok(());
        };
        for p in sb.published.iter_mut() {
            let wanted = std::net::SocketAddr::new(ip.into(), p.key.port);
            if p.handle.target() == wanted {
                continue;
            }
            let listen = std::net::SocketAddr::new(p.binding.host_ip, p.binding.host_port);
            // The old proxy lets go of the port before the new one binds it.
            p.handle.shutdown_now();
            p.handle = start_proxy(p.key, listen, ip)?;
        }
        Ok(())
    }

    fn container_dir(&self, id: &str) -> PathBuf {
        self.files_dir.join(id)
    }

    fn write_files(&mut self, ci: usize) -> OpResult<()> {
        let c = &self.containers[ci];
        let dir = self.container_dir(&c.id);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("hostname"), format!("{}\n", c.hostname))?;
        let on_user_net = c.endpoints.iter().any(|e| {
            self.network_by_id(&e.network_id)
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
    fn write_hosts(&self, ci: usize) -> OpResult<()> {
        let c = &self.containers[ci];
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

    /// Calls `f` with each running link source of container `ci`, as the
    /// links module describes it, in `--link` order; returns the first
    /// source that is not running, as (source name, alias).
    fn each_link_source(
        &self,
        ci: usize,
        mut f: impl FnMut(&crate::links::LinkSource),
    ) -> Option<(String, String)> {
        let c = &self.containers[ci];
        let mut stopped = None;
        for link in &c.links {
            let Some(si) = self.container_by_id(&link.source_id) else {
                continue;
            };
            let src = &self.containers[si];
            let ep = self.bridge_endpoint(src);
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
    fn link_env_blocks(&self, ci: usize) -> OpResult<Vec<Vec<String>>> {
        let name = &self.containers[ci].name;
        let mut blocks = Vec::new();
        if let Some((source, alias)) = self.each_link_source(ci, |s| {
            blocks.push(crate::links::link_env(name, s));
        }) {
            return Err(ApiError::new(crate::links::not_running_error(
                &source, name, &alias,
            )));
        }
        Ok(blocks)
    }

    /// A source came up, maybe with a new address: Docker edits each
    /// running recipient's /etc/hosts in place (libnetwork etchosts.Update).
    fn refresh_link_recipients(&self, source: usize) -> OpResult<()> {
        let src = &self.containers[source];
        let Some(ep) = self.bridge_endpoint(src) else {
            return Ok(());
        };
        let ip = ep.ip.to_string();
        for r in self.containers.iter().filter(|r| r.running()) {
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

    /// The process environment: PATH, HOSTNAME, link variables, the rest.
    /// The main process's env, in Docker's order: PATH, HOSTNAME, (TERM),
    /// link blocks, Config.Env, HOME. It is fixed at start: when a source
    /// moves later, only `exec` sees the new address.
    pub fn process_env(&self, ci: usize) -> OpResult<Vec<String>> {
        let c = &self.containers[ci];
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

    fn spawn_main(&mut self, ci: usize, stdio: Option<[OwnedFd; 3]>) -> OpResult<nix::unistd::Pid> {
        let env = self.process_env(ci)?;
        let c = &self.containers[ci];
        let sb = c.sandbox.as_ref().expect("sandbox before spawn");
        let dir = self.container_dir(&c.id);
        let root = dir.join("root");
        let plan = crate::rootfs::mount_plan(&self.rootfs_host, &dir);
        sys::rootfs::repair_targets(&root, &crate::rootfs::layer_targets(&plan))
            .map_err(|e| ApiError::new(format!("preparing the container's file system: {e}")))?;
        let path_var = env
            .iter()
            .find_map(|e| e.strip_prefix("PATH="))
            .unwrap_or("/usr/bin:/bin")
            .to_string();
        let program = resolve_program(&c.cmd[0], &path_var, self.exe.as_raw_fd());
        let attached = stdio.is_some();
        let stdio = match stdio {
            Some(s) => s,
            None => {
                let null = || -> std::io::Result<OwnedFd> {
                    Ok(std::fs::OpenOptions::new()
                        .read(true)
                        .write(true)
                        .open("/dev/null")?
                        .into())
                };
                [null()?, null()?, null()?]
            }
        };
        let cwd = if c.workdir.is_empty() {
            "/"
        } else {
            &c.workdir
        };
        let p = sys::process::ContainerProcess {
            program,
            argv: c.cmd.iter().map(|a| cstr(a)).collect(),
            env: env.iter().map(|e| cstr(e)).collect(),
            cwd: cstr(cwd),
            cwd_parents: std::path::Path::new(cwd)
                .ancestors()
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .skip(1)
                .map(|a| cstr(&a.to_string_lossy()))
                .collect(),
            hostname: cstr(&c.hostname),
            netns: sb.netns.try_clone()?,
            mounts: sys::rootfs::compile(&plan, &root),
            stdio,
            tty: c.tty && attached,
            // A rootless lab's user namespace maps only root.
            user: if self.rootless {
                None
            } else {
                c.image.user_ids()
            },
            capabilities: crate::rootfs::default_capability_mask(),
        };
        sys::process::spawn_container(&p, &self.reaper, &plan).map_err(|e| match e {
            sys::process::SpawnError::Setup { step, error } => ApiError::new(
                validate::oci_init_error(&format!("{step}: {}", validate::go_errno(&error))),
            ),
            sys::process::SpawnError::Exec(error) => {
                ApiError::new(validate::oci_exec_error(&exec_failure(&c.cmd[0], &error)))
            }
        })
    }

    fn watch_exit(&self, ci: usize, pid: nix::unistd::Pid) {
        let rx = self.reaper.watch(pid);
        let me = self.me.clone();
        let id = self.containers[ci].id.clone();
        tokio::spawn(async move {
            let code = rx.await.unwrap_or(137);
            if let Some(engine) = me.upgrade() {
                engine.lock().await.on_exit(&id, pid.as_raw(), code).await;
            }
        });
    }

    async fn on_exit(&mut self, id: &str, pid: i32, code: i32) {
        let Some(ci) = self.container_by_id(id) else {
            return;
        };
        if self.containers[ci].state.pid != pid {
            return;
        }
        let now = self.clock.tick();
        let c = &mut self.containers[ci];
        c.state.status = Status::Exited;
        c.state.exit_code = code;
        c.state.pid = 0;
        c.state.finished_ns = now;
        for w in c.exit_waiters.drain(..) {
            let _ = w.send(code);
        }
        self.teardown(ci).await;
        if self.containers[ci].auto_remove {
            self.remove_at(ci).await;
        }
    }

    /// Releases a container's runtime: veths, addresses back to their pools,
    /// ports, the namespace.
    async fn teardown(&mut self, ci: usize) {
        let Some(sb) = self.containers[ci].sandbox.take() else {
            return;
        };
        // Closing the namespace would destroy its veths too, but only a
        // moment later, in the kernel's own time; an address handed out
        // again meanwhile would exist twice on the bridge. So: now.
        for ep in &sb.endpoints {
            let _ = sys::netlink::delete_link(&sb.netlink, ep.ifindex).await;
        }
        self.host_ports.release_owner(&self.containers[ci].id);
        for ep in &sb.endpoints {
            if let Some(pool) = self
                .networks
                .iter_mut()
                .find(|n| n.id == ep.network_id)
                .and_then(|n| n.pool.as_mut())
            {
                pool.release(ep.ip);
            }
        }
        self.refresh_dns();
    }

    /// Starts the container's embedded DNS server, 127.0.0.11:53 (UDP and
    /// TCP) in its own network namespace, once it is on a user-defined
    /// network. `rewrite_resolv` points resolv.conf there too, as Docker
    /// does when a running default-bridge container is connected to one
    /// (at start, `write_files` has written it already).
    fn ensure_dns(&mut self, ci: usize, rewrite_resolv: bool) -> OpResult<()> {
        let c = &self.containers[ci];
        let Some(sb) = c.sandbox.as_ref() else {
            return Ok(());
        };
        let wanted = sb.endpoints.iter().any(|e| {
            self.network_by_id(&e.network_id)
                .is_some_and(|n| n.has_dns())
        });
        if !wanted || !sb.tasks.is_empty() {
            return Ok(());
        }
        let addr = std::net::SocketAddr::from(([127, 0, 0, 11], 53));
        let (udp, tcp) = sys::ns::run_in_netns(&sb.netns, move || {
            let udp = std::net::UdpSocket::bind(addr)?;
            udp.set_nonblocking(true)?;
            let tcp = std::net::TcpListener::bind(addr)?;
            tcp.set_nonblocking(true)?;
            Ok((udp, tcp))
        })?;
        let records = Arc::new(LiveRecords(self.dns.clone()));
        let id = c.id.clone();
        let task = self.dns_rt.serve(udp, tcp, id.clone(), records)?;
        // Owned by the sandbox at once, so no error below can leave it
        // serving after the container is gone.
        if let Some(sb) = self.containers[ci].sandbox.as_mut() {
            sb.tasks.push(task);
        }
        if rewrite_resolv {
            let path = self.container_dir(&id).join("resolv.conf");
            std::fs::write(path, EMBEDDED_RESOLV_CONF)?;
        }
        Ok(())
    }

    /// Rebuilds what the DNS servers answer from: every running
    /// container's addresses on user-defined networks.
    fn refresh_dns(&self) {
        let mut members = Vec::new();
        for c in &self.containers {
            let Some(sb) = c.sandbox.as_ref() else {
                continue;
            };
            for ep in &sb.endpoints {
                let Some(net) = self.network_by_id(&ep.network_id).filter(|n| n.has_dns()) else {
                    continue;
                };
                let cfg = c.endpoints.iter().find(|e| e.network_id == ep.network_id);
                members.push(dns_view::Member {
                    container_id: c.id.clone(),
                    name: c.name.clone(),
                    network_id: net.id.clone(),
                    network_name: net.name.clone(),
                    ip: ep.ip,
                    aliases: cfg.map(|e| e.aliases.clone()).unwrap_or_default(),
                    links: cfg
                        .into_iter()
                        .flat_map(|e| e.links.iter())
                        .filter_map(|l| l.split_once(':'))
                        .map(|(target, alias)| (target.to_string(), alias.to_string()))
                        .collect(),
                });
            }
        }
        let new = dns_view::DnsView { members };
        let mut view = self.dns.write().unwrap_or_else(|e| e.into_inner());
        let old = std::mem::replace(&mut *view, new);
        // The old view is freed after the lock is let go: DNS lookups on
        // their own thread wait only for the swap.
        drop(view);
        drop(old);
    }

    async fn remove_at(&mut self, ci: usize) {
        self.teardown(ci).await;
        let id = self.containers[ci].id.clone();
        // The writable layer goes with the container, as on Docker.
        let _ = std::fs::remove_dir_all(self.container_dir(&id));
        self.containers.remove(ci);
        for c in &mut self.containers {
            c.links.retain(|l| l.source_id != id);
        }
    }

    /// Signals the process and returns a receiver for its exit.
    fn signal_stop(
        &mut self,
        ci: usize,
        sig: nix::sys::signal::Signal,
    ) -> Option<tokio::sync::oneshot::Receiver<i32>> {
        let c = &mut self.containers[ci];
        if !c.running() {
            return None;
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        c.exit_waiters.push(tx);
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(c.state.pid), sig);
        Some(rx)
    }

    pub async fn rm(&mut self, ci: usize, force: bool) -> OpResult<()> {
        let c = &self.containers[ci];
        if c.running() {
            if !force {
                return Err(ApiError::new(format!(
                    "You cannot remove a running container {}. Stop the container before attempting removal or force remove",
                    c.id
                )));
            }
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(c.state.pid),
                nix::sys::signal::Signal::SIGKILL,
            );
            // The exit arrives later and finds no container: nothing to do.
        }
        self.remove_at(ci).await;
        Ok(())
    }

    /// `rm --link /web/db`: drops the link; the recipient's /etc/hosts
    /// loses the line at once (Docker refreshes the sandbox).
    pub fn rm_link(&mut self, path: &str) -> OpResult<()> {
        let (recipient, alias) = crate::links::parse_link_path(path).map_err(ApiError::new)?;
        let missing = || ApiError::not_found(format!("No such container: {path}"));
        let ri = self.find_container(&recipient).map_err(|_| missing())?;
        let c = &mut self.containers[ri];
        let before = c.links.len();
        c.links.retain(|l| l.alias != alias);
        if c.links.len() == before {
            return Err(missing());
        }
        self.write_hosts(ri)
    }

    // ---- views ---------------------------------------------------------

    pub fn exec_plan(
        &self,
        ci: usize,
        extra_env: &[String],
        workdir: Option<String>,
        tty: bool,
    ) -> OpResult<(ExecPlan, Vec<OwnedFd>)> {
        let c = &self.containers[ci];
        if !c.running() {
            return Err(ApiError::new(format!("Container {} is not running", c.id)));
        }
        // Recomputed now: link blocks carry the sources' current addresses.
        let blocks = self.link_env_blocks(ci)?;
        let env =
            crate::links::exec_env(&c.env, &c.hostname, tty, &blocks, extra_env, c.image.home());
        let kinds = self.ns_kinds();
        let fds = sys::ns::open_namespaces(&c.state.pid.to_string(), &kinds)?;
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
                capabilities: Some(crate::rootfs::default_capability_mask()),
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
        let fds = sys::ns::open_namespaces("self", &kinds)?;
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

    pub fn ps_rows(&mut self, all: bool) -> Vec<api::PsRow> {
        // Reading the (virtual) clock moves it, so ages are never zero.
        let now = self.clock.tick();
        let mut rows: Vec<(i128, api::PsRow)> = self
            .containers
            .iter()
            .filter(|c| all || c.running())
            .map(|c| (c.created_ns, inspect::ps_row(self, c, now)))
            .collect();
        // Newest first, as Docker lists them.
        rows.sort_by_key(|r| std::cmp::Reverse(r.0));
        rows.into_iter().map(|(_, r)| r).collect()
    }
}

/// Runs one request against the shared engine. Long waits (a stop's grace
/// period, an attached process) happen without holding the engine's lock.
pub async fn handle(engine: &Shared, req: Request, fds: Vec<OwnedFd>) -> (Reply, Vec<OwnedFd>) {
    let mut out_fds = Vec::new();
    let reply = match req {
        Request::Ping => Ok(json!("pong")),
        Request::Info => {
            let e = engine.lock().await;
            Ok(json!({
                "containers": e.containers.len(),
                "running": e.containers.iter().filter(|c| c.running()).count(),
                "networks": e.networks.len(),
                "deterministic": e.deterministic,
                "rootless": e.rootless,
            }))
        }
        Request::Run { spec, attach } => run(engine, spec, attach, fds).await,
        Request::Start { container } => {
            let mut e = engine.lock().await;
            match e.find_container(&container) {
                Ok(ci) => e.start(ci, None).await.map(|_| json!(null)),
                Err(err) => Err(err),
            }
        }
        Request::Stop { container, timeout } => {
            stop(engine, &container, timeout).await.map(|_| json!(null))
        }
        Request::Restart { container, timeout } => match stop(engine, &container, timeout).await {
            Ok(()) => {
                let mut e = engine.lock().await;
                match e.find_container(&container) {
                    Ok(ci) => {
                        e.containers[ci].restart_count += 1;
                        e.start(ci, None).await.map(|_| json!(null))
                    }
                    Err(err) => Err(err),
                }
            }
            Err(err) => Err(err),
        },
        Request::Rm { container, force } => {
            let mut e = engine.lock().await;
            match e.find_container(&container) {
                Ok(ci) => e.rm(ci, force).await.map(|_| json!(null)),
                Err(err) => Err(err),
            }
        }
        Request::RmLink { path } => engine.lock().await.rm_link(&path).map(|_| json!(null)),
        Request::Port { container, filter } => {
            let e = engine.lock().await;
            e.find_container(&container).and_then(|ci| {
                let c = &e.containers[ci];
                crate::ports::port_command_lines(&c.bindings(), filter.as_deref(), &c.name)
                    .map(|lines| json!(lines))
                    .map_err(|m| ApiError::new(m.trim_start_matches("Error: ").to_string()))
            })
        }
        Request::Ps { all } => {
            Ok(serde_json::to_value(engine.lock().await.ps_rows(all)).unwrap_or_default())
        }
        Request::Inspect { name, kind } => {
            let e = engine.lock().await;
            inspect_one(&e, &name, kind.as_deref())
        }
        Request::ExecPrepare {
            container,
            env,
            workdir,
            tty,
        } => {
            let e = engine.lock().await;
            match e
                .find_container(&container)
                .and_then(|ci| e.exec_plan(ci, &env, workdir, tty))
            {
                Ok((plan, fds)) => {
                    out_fds = fds;
                    Ok(serde_json::to_value(plan).unwrap_or_default())
                }
                Err(err) => Err(err),
            }
        }
        Request::LabHostPrepare => match engine.lock().await.lab_host_plan() {
            Ok((plan, fds)) => {
                out_fds = fds;
                Ok(serde_json::to_value(plan).unwrap_or_default())
            }
            Err(err) => Err(err),
        },
        Request::Wait { container } => wait(engine, &container).await,
        Request::NetworkCreate {
            name,
            driver,
            subnet,
            gateway,
        } => engine
            .lock()
            .await
            .network_create(
                &name,
                driver.as_deref(),
                subnet.as_deref(),
                gateway.as_deref(),
            )
            .await
            .map(|id| json!(id)),
        Request::NetworkLs => {
            let e = engine.lock().await;
            let mut nets: Vec<Value> = e
                .networks
                .iter()
                .map(|n| json!({"id": n.id, "name": n.name, "driver": n.driver.as_str(), "scope": "local"}))
                .collect();
            nets.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
            Ok(Value::Array(nets))
        }
        Request::NetworkConnect {
            network,
            container,
            aliases,
            ip,
        } => engine
            .lock()
            .await
            .network_connect(&network, &container, aliases, ip.as_deref())
            .await
            .map(|_| json!(null)),
        Request::NetworkDisconnect {
            network,
            container,
            force: _,
        } => engine
            .lock()
            .await
            .network_disconnect(&network, &container)
            .await
            .map(|_| json!(null)),
        Request::NetworkRm { name } => engine
            .lock()
            .await
            .network_rm(&name)
            .await
            .map(|_| json!(null)),
        Request::Topology => Ok(inspect::topology_data(&*engine.lock().await)),
        Request::Shutdown => {
            // The daemon exits after replying; the kernel tears the lab down.
            Ok(json!(null))
        }
    };
    (reply, out_fds)
}

fn inspect_one(e: &Engine, name: &str, kind: Option<&str>) -> Reply {
    if kind != Some("network") {
        if let Ok(ci) = e.find_container(name) {
            return Ok(inspect::container_json(e, &e.containers[ci]));
        }
    }
    if kind != Some("container") {
        if let Ok(ni) = e.find_network(name) {
            return Ok(inspect::network_json(e, &e.networks[ni]));
        }
    }
    Err(ApiError::not_found(format!("No such object: {name}")))
}

async fn run(engine: &Shared, spec: RunSpec, attach: bool, fds: Vec<OwnedFd>) -> Reply {
    let stdio: Option<[OwnedFd; 3]> = if attach {
        match <[OwnedFd; 3]>::try_from(fds) {
            Ok(s) => Some(s),
            Err(_) => return Err(ApiError::new("attach needs stdin, stdout and stderr")),
        }
    } else {
        None
    };
    let (id, rx) = {
        let mut e = engine.lock().await;
        let ci = e.create(&spec)?;
        let id = e.containers[ci].id.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        if attach {
            e.containers[ci].exit_waiters.push(tx);
        }
        if let Err(mut err) = e.start(ci, stdio).await {
            // Docker leaves the container in Created with the error recorded,
            // except with --rm.
            if spec.auto_remove {
                if let Ok(ci) = e.find_container(&id) {
                    e.remove_at(ci).await;
                }
            }
            err.created = Some(id);
            return Err(err);
        }
        (id, rx)
    };
    if !attach {
        return Ok(json!({ "id": id }));
    }
    let code = rx.await.unwrap_or(137);
    Ok(json!({ "id": id, "exit_code": code }))
}

async fn stop(engine: &Shared, container: &str, timeout: Option<u64>) -> OpResult<()> {
    let rx = {
        let mut e = engine.lock().await;
        let ci = e.find_container(container)?;
        e.signal_stop(ci, nix::sys::signal::Signal::SIGTERM)
    };
    let Some(rx) = rx else {
        return Ok(());
    };
    let grace = std::time::Duration::from_secs(timeout.unwrap_or(10));
    let mut rx = rx;
    if tokio::time::timeout(grace, &mut rx).await.is_err() {
        let rx2 = {
            let mut e = engine.lock().await;
            let ci = e.find_container(container)?;
            e.signal_stop(ci, nix::sys::signal::Signal::SIGKILL)
        };
        if let Some(rx2) = rx2 {
            let _ = rx2.await;
        }
    }
    Ok(())
}

async fn wait(engine: &Shared, container: &str) -> Reply {
    let rx = {
        let mut e = engine.lock().await;
        let ci = e.find_container(container)?;
        let c = &mut e.containers[ci];
        if !c.running() {
            return Ok(json!(c.state.exit_code));
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        c.exit_waiters.push(tx);
        rx
    };
    Ok(json!(rx.await.unwrap_or(137)))
}

/// A userland proxy from `listen` on the lab host to the container.
fn start_proxy(
    key: crate::ports::PortKey,
    listen: std::net::SocketAddr,
    ip: Ipv4Addr,
) -> std::io::Result<crate::proxy::ProxyHandle> {
    let target = std::net::SocketAddr::new(ip.into(), key.port);
    match key.proto {
        crate::ports::Proto::Tcp => crate::proxy::start_tcp(listen, target),
        crate::ports::Proto::Udp => crate::proxy::start_udp(listen, target),
    }
}

fn bridge_mac(seq: &mut Sequence) -> [u8; 6] {
    let r = seq.next_u64().to_be_bytes();
    [0x02, 0x42, r[0], r[1], r[2], r[3]]
}

fn cstr(s: &str) -> std::ffi::CString {
    std::ffi::CString::new(s.replace('\0', "")).unwrap_or_default()
}

/// A command's binary: a built-in (image program or applet) runs as our own
/// executable; anything else is searched for on the container's PATH by
/// its first process, inside its root.
fn resolve_program(cmd0: &str, path_var: &str, exe: std::os::fd::RawFd) -> sys::process::Program {
    let base = cmd0.rsplit('/').next().unwrap_or(cmd0);
    if crate::programs::lookup(base).is_some() {
        return sys::process::Program::SelfExe(exe);
    }
    sys::process::Program::Search(
        sys::process::search_paths(cmd0, path_var)
            .iter()
            .map(|p| cstr(p))
            .collect(),
    )
}

/// runc's words for a command that cannot be executed.
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
