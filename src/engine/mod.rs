//! The engine: one per lab, it owns the lab's networks, containers and their
//! runtime resources, and carries out `Request`s. It runs inside the lab
//! host's namespaces (see `lab::daemon`), as PID 1 of the lab.
//!
//! - `networks`: create, remove, connect, disconnect; interfaces and routes;
//! - `containers`: create, start, stop, remove; processes and exits;
//! - `files`: each container's hosts, hostname and resolv.conf, and links;
//! - `published`: published ports and their proxies;
//! - `embedded_dns`: the DNS servers and the view they answer from;
//! - `server`: a request's dispatch, and the waits outside the lock;
//! - `host`: the effects on the lab host, real (`LinuxHost`) or faked.

pub mod api;
pub mod console;
mod containers;
mod copy;
pub mod dns_view;
mod embedded_dns;
pub mod error;
pub mod events;
pub mod execs;
#[cfg(test)]
mod fake;
mod files;
pub mod host;
pub mod logs;
mod networks;
mod published;
mod server;
pub mod start_gate;
#[cfg(test)]
mod tests;
mod top;
pub mod validate;

pub use crate::model::{self, ids, ipam};
pub use files::{LAB_HOST_RESOLVER, LAB_HOST_RESOLV_CONF};
pub use server::{handle, handle_watcher, poll_watcher, start_container, wait_for};

use api::ApiError;
use host::{Host, LinuxHost};
use ids::{Clock, Sequence};
use ipam::{AddressPool, PoolAllocator};
use model::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use tokio::sync::Mutex;

pub type Shared<H = LinuxHost> = Arc<Mutex<Engine<H>>>;

pub struct Engine<H: Host = LinuxHost> {
    /// Networks and containers, as plain data: what every view reads.
    pub state: LabState,
    pub seq: Sequence,
    pub clock: Clock,
    pub deterministic: bool,
    pools: PoolAllocator,
    host: H,
    /// What is live of each running container, by container id.
    live: HashMap<String, Live<H>>,
    /// What detached containers printed, by container id, until `rm`.
    logs: HashMap<String, Arc<std::sync::Mutex<logs::ContainerLog>>>,
    /// Exec instances (the Engine API's), newest last.
    execs: Vec<execs::ExecRecord>,
    /// Their ids: a sequence of their own, so that a deterministic lab's
    /// container and network ids do not depend on how many execs ran
    /// (the CLI's exec makes none).
    exec_ids: Sequence,
    /// Docker's event stream.
    events: events::Events,
    /// Each container's console, from its creation until `rm`.
    consoles: HashMap<String, Arc<console::Console>>,
    /// Woken when a container's process exits, with its exit code.
    exit_waiters: HashMap<String, Vec<tokio::sync::oneshot::Sender<i32>>>,
    /// Per-container files (hosts, hostname, resolv.conf) and root file
    /// systems, on a tmpfs that exists only in the lab's mount namespace.
    files_dir: PathBuf,
    /// Whether the engine runs in a user namespace of its own (rootless).
    rootless: bool,
    /// The machine's program directories, which each container's root
    /// file system lays out the same way.
    program_dirs: Vec<(String, crate::rootfs::HostDir)>,
    /// Bridges of removed networks, parked for reuse (see `network_rm`).
    spare_bridges: Vec<u32>,
    /// Host ports taken by published container ports.
    host_ports: crate::ports::PortAllocator,
    /// What the embedded DNS servers answer from, rebuilt after each change
    /// so that lookups never wait for the engine's lock.
    dns: Arc<std::sync::RwLock<dns_view::DnsView>>,
    /// The order of several addresses in DNS answers: random, as Docker's,
    /// or a seeded sequence in deterministic labs.
    dns_order: Arc<crate::dns::Shuffle>,
    me: Weak<Mutex<Engine<H>>>,
    /// Captures that follow the lab, told of each start (see `start_gate`).
    pub start_gate: Arc<start_gate::StartGate>,
}

/// A running container's live resources; dropping them stops its DNS
/// server and proxies.
struct Live<H: Host> {
    netns: H::Netns,
    dns: Option<H::DnsServer>,
    proxies: Vec<crate::ports::Published<H::Proxy>>,
}

pub struct EngineConfig {
    pub deterministic: bool,
    pub files_dir: PathBuf,
    pub rootless: bool,
}

type OpResult<T> = Result<T, ApiError>;

impl Engine<LinuxHost> {
    /// Sets up the lab host (the default bridge and its resolver) and
    /// returns the engine. Must run inside the lab's namespaces, on a
    /// tokio runtime.
    pub async fn boot(cfg: EngineConfig) -> std::io::Result<Shared> {
        let host = LinuxHost::new(cfg.rootless, &cfg.files_dir)?;
        let program_dirs = host.program_dirs().to_vec();
        // Docker takes ephemeral ports from the (per-namespace) local port range.
        let ephemeral = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
            .ok()
            .and_then(|t| crate::ports::parse_ip_local_port_range(&t))
            .unwrap_or(crate::ports::DEFAULT_EPHEMERAL_RANGE);
        let shared = Engine::new(host, cfg, program_dirs, ephemeral).await?;
        // On docker0's address, which exists from now on.
        shared
            .lock()
            .await
            .host
            .serve_lab_host_dns(LAB_HOST_RESOLVER, Arc::new(embedded_dns::NoRecords))?;
        Ok(shared)
    }
}

impl<H: Host> Engine<H> {
    /// An engine on `host` with the predefined networks: bridge (whose
    /// bridge, docker0, it creates), host and none.
    pub async fn new(
        host: H,
        cfg: EngineConfig,
        program_dirs: Vec<(String, crate::rootfs::HostDir)>,
        ephemeral_ports: (u16, u16),
    ) -> std::io::Result<Shared<H>> {
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
        let mut pools = PoolAllocator::default();
        let mut networks = Vec::new();
        let subnet = pools.allocate(&[]).expect("the first pool");
        let gateway = subnet.host(1);
        let mac = networks::bridge_mac(&mut seq);
        let index = host
            .create_bridge("docker0", mac, gateway, subnet.prefix, None)
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
            config: NetworkConfig::default(),
            enable_ipv6: false,
            v6: None,
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
                config: NetworkConfig::default(),
                enable_ipv6: false,
                v6: None,
            });
        }
        let engine = Engine {
            state: LabState {
                networks,
                containers: Vec::new(),
            },
            seq,
            clock,
            deterministic: cfg.deterministic,
            pools,
            host,
            live: HashMap::new(),
            exit_waiters: HashMap::new(),
            consoles: HashMap::new(),
            execs: Vec::new(),
            exec_ids: if cfg.deterministic {
                Sequence::seeded(0x6578_6563_7320_6964)
            } else {
                Sequence::from_os()
            },
            events: events::Events::default(),
            logs: HashMap::new(),
            files_dir: cfg.files_dir,
            rootless: cfg.rootless,
            program_dirs,
            spare_bridges: Vec::new(),
            host_ports: crate::ports::PortAllocator::with_range(ephemeral_ports),
            dns: Arc::default(),
            dns_order: Arc::new(if cfg.deterministic {
                crate::dns::Shuffle::seeded(0x6e65_746c_696e_6773)
            } else {
                crate::dns::Shuffle::random()
            }),
            me: Weak::new(),
            start_gate: Arc::default(),
        };
        let shared = Arc::new(Mutex::new(engine));
        shared.lock().await.me = Arc::downgrade(&shared);
        Ok(shared)
    }

    // ---- lookups -------------------------------------------------------

    /// A container by name (with or without the leading slash), full id or
    /// unique id prefix, as Docker resolves them.
    pub fn find_container(&self, key: &str) -> OpResult<usize> {
        let key = key.strip_prefix('/').unwrap_or(key);
        self.state.container_index(key).map_err(|none| {
            if none {
                ApiError::not_found(format!("No such container: {key}"))
            } else {
                ApiError::invalid(format!("Multiple IDs found with provided prefix: {key}"))
            }
        })
    }

    pub fn find_network(&self, key: &str) -> OpResult<usize> {
        self.state
            .network_index(key)
            .ok_or_else(|| ApiError::not_found(format!("network {key} not found")))
    }

    /// A container's console (made on first use).
    pub fn console(&mut self, id: &str) -> Arc<console::Console> {
        self.consoles.entry(id.to_string()).or_default().clone()
    }

    pub fn containers(&self) -> &[Container] {
        &self.state.containers
    }

    pub fn networks(&self) -> &[Network] {
        &self.state.networks
    }
}
