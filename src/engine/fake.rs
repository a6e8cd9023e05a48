//! A fake lab host for the engine's unit tests: it records every effect,
//! keeps the live ones (namespaces, interfaces, routes, proxies, DNS
//! servers, processes) as plain data, and fails the call it is told to.
//! Nothing touches the machine; files go to a temporary directory.

use super::host::{Host, PortConfig, Proxy, Spawn, SpawnFailure};
use super::{Engine, EngineConfig, Shared};
use crate::ports::PortKey;
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The host effects, by name, for failure injection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    CreateBridge,
    ParkBridge,
    CreateNetns,
    AddInterface,
    RemoveInterface,
    RouteTo,
    SetDefaultRoute,
    StartProxy,
    ServeDns,
    Spawn,
    Sysctl,
}

/// One interface inside a namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    pub veth: String,
    pub bridge_index: u32,
    pub ip: Ipv4Addr,
    pub ip6: Option<Ipv6Addr>,
}

#[derive(Default)]
pub struct World {
    /// Every call, in order, as a line of text.
    pub log: Vec<String>,
    /// The call to fail next: this op, after this many successful calls.
    fail: Option<(Op, usize)>,
    calls: HashMap<Op, usize>,
    next_index: u32,
    next_ns: u32,
    next_pid: i32,
    /// Open namespaces (the lab host's is never counted).
    pub namespaces: Vec<u32>,
    /// (namespace, ifindex) -> interface.
    pub interfaces: BTreeMap<(u32, u32), Interface>,
    /// namespace -> default route (gateway, ifindex).
    pub default_routes: HashMap<u32, (Ipv4Addr, u32)>,
    /// namespace -> IPv6 default route (gateway, ifindex).
    pub default_routes6: HashMap<u32, (Ipv6Addr, u32)>,
    /// Gateways the kernel has no route to.
    pub unroutable: Vec<Ipv4Addr>,
    /// Live proxies: listen -> target.
    pub proxies: BTreeMap<SocketAddr, SocketAddr>,
    /// Namespaces with a DNS server.
    pub dns_servers: Vec<u32>,
    /// (container id, its `--dns` servers and ndots) of each DNS server started.
    pub dns_upstreams: Vec<(String, crate::dns::Upstream)>,
    /// pid -> namespace of each running process.
    pub processes: BTreeMap<i32, u32>,
    exits: HashMap<i32, tokio::sync::oneshot::Sender<i32>>,
    /// Signals sent: (pid, signal).
    pub signals: Vec<(i32, nix::sys::signal::Signal)>,
    /// What `ps` prints (`docker top`), and whether it refuses `-q`.
    pub ps_output: String,
    pub ps_refuses_q: bool,
}

impl World {
    /// Counts a call of `op`; an Err if it is the one to fail.
    fn call(&mut self, op: Op, line: String) -> io::Result<()> {
        let n = self.calls.entry(op).or_default();
        let this = *n;
        *n += 1;
        if self.fail == Some((op, this)) {
            self.fail = None;
            self.log.push(format!("{line} -> injected failure"));
            return Err(io::Error::other(format!("injected failure of {op:?}")));
        }
        self.log.push(line);
        Ok(())
    }
}

#[derive(Clone, Default)]
pub struct FakeHost(pub Arc<Mutex<World>>);

impl FakeHost {
    pub fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes the `nth` (from 0) next call of `op` fail.
    pub fn fail(&self, op: Op, nth: usize) {
        let mut w = self.world();
        let done = w.calls.get(&op).copied().unwrap_or(0);
        w.fail = Some((op, done + nth));
    }

    /// Ends a process with an exit code, as the reaper would report it.
    pub fn exit(&self, pid: i32, code: i32) {
        let tx = {
            let mut w = self.world();
            w.processes.remove(&pid);
            w.exits.remove(&pid)
        };
        if let Some(tx) = tx {
            let _ = tx.send(code);
        }
    }
}

pub struct FakeNetns {
    id: u32,
    world: Arc<Mutex<World>>,
    /// A second handle (`--net container:`): its drop leaves the namespace.
    shared: bool,
}

impl Drop for FakeNetns {
    /// As the kernel does when a namespace's last reference goes: its
    /// interfaces (and their veth peers) go with it.
    fn drop(&mut self) {
        if self.shared {
            return;
        }
        let mut w = self.world.lock().unwrap_or_else(|e| e.into_inner());
        w.namespaces.retain(|n| *n != self.id);
        let id = self.id;
        w.interfaces.retain(|(ns, _), _| *ns != id);
        w.default_routes.remove(&id);
        w.default_routes6.remove(&id);
    }
}

pub struct FakeProxy {
    listen: SocketAddr,
    target: SocketAddr,
    world: Arc<Mutex<World>>,
}

impl Proxy for FakeProxy {
    fn target(&self) -> SocketAddr {
        self.target
    }
    fn shutdown_now(&mut self) {
        let mut w = self.world.lock().unwrap_or_else(|e| e.into_inner());
        if w.proxies.get(&self.listen) == Some(&self.target) {
            w.proxies.remove(&self.listen);
        }
    }
}

impl Drop for FakeProxy {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

pub struct FakeDns {
    ns: u32,
    world: Arc<Mutex<World>>,
}

impl Drop for FakeDns {
    fn drop(&mut self) {
        let mut w = self.world.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = w.dns_servers.iter().position(|n| *n == self.ns) {
            w.dns_servers.remove(i);
        }
    }
}

impl Host for FakeHost {
    type Netns = FakeNetns;
    type Proxy = FakeProxy;
    type DnsServer = FakeDns;

    async fn create_bridge(
        &self,
        name: &str,
        _mac: [u8; 6],
        gateway: Ipv4Addr,
        prefix: u8,
        spare: Option<u32>,
    ) -> io::Result<u32> {
        let mut w = self.world();
        w.call(
            Op::CreateBridge,
            format!("create bridge {name} {gateway}/{prefix} spare {spare:?}"),
        )?;
        Ok(spare.unwrap_or_else(|| {
            w.next_index += 1;
            w.next_index
        }))
    }

    async fn bridge_ipv6(&self, index: u32, gateway: Ipv6Addr, prefix: u8) -> io::Result<()> {
        self.world().call(
            Op::CreateBridge,
            format!("bridge {index} ipv6 {gateway}/{prefix}"),
        )
    }

    async fn park_bridge(&self, index: u32, spare_name: &str) -> io::Result<()> {
        self.world().call(
            Op::ParkBridge,
            format!("park bridge {index} as {spare_name}"),
        )
    }

    async fn create_netns(&self, lab_host: bool) -> io::Result<FakeNetns> {
        let mut w = self.world();
        w.next_ns += 1;
        let id = if lab_host { 0 } else { w.next_ns };
        w.call(Op::CreateNetns, format!("create netns {id}"))?;
        if id != 0 {
            w.namespaces.push(id);
        }
        Ok(FakeNetns {
            id,
            world: self.0.clone(),
            shared: false,
        })
    }

    fn netns_fd(&self, _ns: &FakeNetns) -> Option<OwnedFd> {
        None
    }

    fn apply_sysctls(&self, ns: &FakeNetns, sysctls: &[(String, String)]) -> Result<(), String> {
        let mut w = self.world();
        for (k, v) in sysctls {
            w.call(Op::Sysctl, format!("sysctl {k}={v} in netns {}", ns.id))
                .map_err(|e| {
                    format!("write {}: {e}", crate::model::capabilities::sysctl_path(k))
                })?;
        }
        Ok(())
    }

    fn share_netns(&self, ns: &FakeNetns) -> io::Result<FakeNetns> {
        self.world()
            .call(Op::CreateNetns, format!("share netns {}", ns.id))?;
        Ok(FakeNetns {
            id: ns.id,
            world: self.0.clone(),
            shared: true,
        })
    }

    async fn add_interface(
        &self,
        ns: &FakeNetns,
        veth: &str,
        bridge_index: u32,
        ifname: &str,
        _mac: [u8; 6],
        ip: Ipv4Addr,
        prefix: u8,
        ip6: Option<(Ipv6Addr, u8)>,
        port: PortConfig,
    ) -> io::Result<u32> {
        let mut w = self.world();
        let extra = match port {
            PortConfig {
                mtu: None,
                isolated: false,
            } => String::new(),
            PortConfig { mtu, isolated } => format!(" mtu {mtu:?} isolated {isolated}"),
        };
        let extra = match ip6 {
            Some((ip6, p6)) => format!(" and {ip6}/{p6}{extra}"),
            None => extra,
        };
        w.call(
            Op::AddInterface,
            format!(
                "add {ifname} {ip}/{prefix} in netns {} via {veth} on bridge {bridge_index}{extra}",
                ns.id
            ),
        )?;
        w.next_index += 1;
        let ifindex = w.next_index;
        w.interfaces.insert(
            (ns.id, ifindex),
            Interface {
                name: ifname.to_string(),
                veth: veth.to_string(),
                bridge_index,
                ip,
                ip6: ip6.map(|(a, _)| a),
            },
        );
        Ok(ifindex)
    }

    async fn remove_interface(&self, ns: &FakeNetns, ifindex: u32) -> io::Result<()> {
        let mut w = self.world();
        w.call(
            Op::RemoveInterface,
            format!("remove interface {ifindex} of netns {}", ns.id),
        )?;
        w.interfaces.remove(&(ns.id, ifindex));
        if w.default_routes.get(&ns.id).map(|r| r.1) == Some(ifindex) {
            w.default_routes.remove(&ns.id);
        }
        if w.default_routes6.get(&ns.id).map(|r| r.1) == Some(ifindex) {
            w.default_routes6.remove(&ns.id);
        }
        Ok(())
    }

    async fn route_to(&self, ns: &FakeNetns, gateway: Ipv4Addr) -> io::Result<()> {
        let mut w = self.world();
        w.call(
            Op::RouteTo,
            format!("route to {gateway} in netns {}", ns.id),
        )?;
        if w.unroutable.contains(&gateway) {
            return Err(io::Error::from_raw_os_error(libc::ENETUNREACH));
        }
        Ok(())
    }

    async fn set_default_route(
        &self,
        ns: &FakeNetns,
        via: Option<(Ipv4Addr, u32)>,
    ) -> io::Result<()> {
        let mut w = self.world();
        w.call(
            Op::SetDefaultRoute,
            format!("default route in netns {}: {via:?}", ns.id),
        )?;
        match via {
            Some(v) => w.default_routes.insert(ns.id, v),
            None => w.default_routes.remove(&ns.id),
        };
        Ok(())
    }

    async fn set_default_route6(
        &self,
        ns: &FakeNetns,
        via: Option<(Ipv6Addr, u32)>,
    ) -> io::Result<()> {
        let mut w = self.world();
        w.call(
            Op::SetDefaultRoute,
            format!("default IPv6 route in netns {}: {via:?}", ns.id),
        )?;
        match via {
            Some(v) => w.default_routes6.insert(ns.id, v),
            None => w.default_routes6.remove(&ns.id),
        };
        Ok(())
    }

    fn start_proxy(
        &self,
        key: PortKey,
        listen: SocketAddr,
        target: SocketAddr,
    ) -> io::Result<FakeProxy> {
        let mut w = self.world();
        w.call(Op::StartProxy, format!("proxy {key} {listen} -> {target}"))?;
        if w.proxies.contains_key(&listen) {
            return Err(io::Error::from_raw_os_error(libc::EADDRINUSE));
        }
        w.proxies.insert(listen, target);
        Ok(FakeProxy {
            listen,
            target,
            world: self.0.clone(),
        })
    }

    fn serve_dns(&self, ns: &FakeNetns, answerer: crate::dns::Answerer) -> io::Result<FakeDns> {
        let mut w = self.world();
        w.call(
            Op::ServeDns,
            format!("dns for {} in netns {}", &answerer.asker[..12], ns.id),
        )?;
        w.dns_upstreams
            .push((answerer.asker.clone(), answerer.upstream.clone()));
        w.dns_servers.push(ns.id);
        Ok(FakeDns {
            ns: ns.id,
            world: self.0.clone(),
        })
    }

    async fn spawn(&self, ns: &FakeNetns, p: Spawn) -> Result<i32, SpawnFailure> {
        let mut w = self.world();
        w.call(
            Op::Spawn,
            format!("spawn {} in netns {}", p.cmd.join(" "), ns.id),
        )
        .map_err(SpawnFailure::Prepare)?;
        w.next_pid += 1;
        let pid = w.next_pid + 100;
        w.processes.insert(pid, ns.id);
        Ok(pid)
    }

    fn open_console(
        &self,
        _tty: bool,
        _stdin: bool,
    ) -> io::Result<Option<super::host::ConsoleEnds>> {
        Ok(None)
    }

    fn terminal_master(&self, _master_from: OwnedFd) -> io::Result<OwnedFd> {
        Err(io::Error::other("the fake host makes no terminals"))
    }

    fn spawn_exec(
        &self,
        _plan: &super::api::ExecPlan,
        _fds: Vec<OwnedFd>,
        argv: &[String],
        _stdio: super::host::ProcessIo,
    ) -> io::Result<i32> {
        let mut w = self.world();
        w.call(Op::Spawn, format!("exec {}", argv.join(" ")))?;
        w.next_pid += 1;
        Ok(w.next_pid + 100)
    }

    fn watch_exit(&self, pid: i32) -> tokio::sync::oneshot::Receiver<i32> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.world().exits.insert(pid, tx);
        rx
    }

    fn signal(&self, pid: i32, signal: nix::sys::signal::Signal) {
        self.world().signals.push((pid, signal));
    }

    fn namespaces(&self, _pid: Option<i32>, _kinds: &[&str]) -> io::Result<Vec<OwnedFd>> {
        Ok(Vec::new())
    }

    fn pids_in_namespace_of(&self, pid: i32) -> io::Result<Vec<u32>> {
        Ok(vec![pid as u32])
    }

    /// Answers with `World::ps_output`, logging each run's arguments; a
    /// run with `-q` fails when `ps_refuses_q` is set.
    fn ps_runner(&self) -> super::top::PsRunner {
        let world = self.0.clone();
        Arc::new(move |args: Vec<String>| {
            let mut w = world.lock().unwrap_or_else(|e| e.into_inner());
            w.log.push(format!("ps {}", args.join(" ")));
            let reply = if w.ps_refuses_q && args.iter().any(|a| a.starts_with("-q")) {
                Err("error: conflicting format options".to_string())
            } else {
                Ok(w.ps_output.clone().into_bytes())
            };
            Box::pin(async move { reply }) as super::top::PsFuture
        })
    }
}

/// An engine on a fake host, with its files in a temporary directory that
/// goes with it.
pub struct FakeLab {
    pub engine: Shared<FakeHost>,
    pub host: FakeHost,
    pub dir: PathBuf,
}

impl FakeLab {
    pub async fn new() -> FakeLab {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("netlings-fake-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let host = FakeHost::default();
        let cfg = EngineConfig {
            deterministic: true,
            files_dir: dir.clone(),
            // No chown of image users' files: tests run as anyone.
            rootless: true,
        };
        let engine = Engine::new(host.clone(), cfg, Vec::new(), (32768, 60999))
            .await
            .expect("an engine on a fake host");
        FakeLab { engine, host, dir }
    }
}

impl Drop for FakeLab {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
