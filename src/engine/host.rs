//! The engine's effects on the lab host, behind one interface: bridges,
//! namespaces, interfaces, routes, proxies, DNS servers and processes.
//! `LinuxHost` makes them real inside the lab's namespaces; tests drive the
//! engine's logic with a fake that records them (`engine::fake`), with no
//! root and no namespaces.

use crate::dns::Records;
use crate::ports::PortKey;
use crate::sys;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::Arc;

/// A running port proxy.
pub trait Proxy {
    /// Where it forwards to.
    fn target(&self) -> SocketAddr;
    /// Lets go of the listening port now (dropping it does too, later).
    fn shutdown_now(&mut self);
}

/// What the engine needs to start a container's first process.
pub struct Spawn {
    pub cmd: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub hostname: String,
    /// The container's directory: its root file system and its files.
    pub dir: PathBuf,
    pub tty: bool,
    pub user: Option<(u32, u32)>,
    /// The effective capability set (Docker's default, `--cap-add/drop`).
    pub capabilities: u64,
    /// The caller's stdin, stdout and stderr (`run` attached) or a
    /// terminal the process makes, else /dev/null.
    pub stdio: Option<ProcessIo>,
}

/// The environment variable that carries an exec's plan to `__exec`.
pub const EXEC_SPEC_VAR: &str = "NETLINGS_EXEC";

pub use crate::sys::process::ProcessIo;

/// A container console's ends (see `Host::open_console`).
pub struct ConsoleEnds {
    /// The process's stdin, stdout and stderr, or the terminal it makes;
    /// then `readers`, `stdin` and `pty` are its master's (see
    /// `Engine::terminal_console`), once it has started.
    pub stdio: ProcessIo,
    /// What the engine reads, by stream (1 stdout, 2 stderr).
    pub readers: Vec<(u8, OwnedFd)>,
    /// Where the engine writes the process's input.
    pub stdin: Option<OwnedFd>,
    /// The terminal's master, when there is one.
    pub pty: Option<OwnedFd>,
    /// Where a terminal the process makes sends its master.
    pub master_from: Option<OwnedFd>,
}

fn null_fd() -> io::Result<OwnedFd> {
    Ok(std::fs::File::open("/dev/null")?.into())
}

/// Why a container's process did not start.
#[derive(Debug)]
pub enum SpawnFailure {
    /// Its root file system could not be made ready.
    Prepare(io::Error),
    Spawn(sys::process::SpawnError),
}

/// How a container's interface joins its bridge, from the network's
/// options: `com.docker.network.driver.mtu`, and
/// `com.docker.network.bridge.enable_icc=false` as an isolated port.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PortConfig {
    pub mtu: Option<u32>,
    pub isolated: bool,
}

pub trait Host: Send + Sync + 'static {
    /// A container's network namespace.
    type Netns: Send + Sync + 'static;
    type Proxy: Proxy + Send + 'static;
    /// A DNS server; dropping it stops the server.
    type DnsServer: Send + 'static;

    /// A bridge with the gateway address, up; `spare` is a parked bridge to
    /// reuse. Returns its interface index.
    fn create_bridge(
        &self,
        name: &str,
        mac: [u8; 6],
        gateway: Ipv4Addr,
        prefix: u8,
        spare: Option<u32>,
    ) -> impl Future<Output = io::Result<u32>> + Send;
    /// `--ipv6`: IPv6 on the bridge (off on every interface of a lab by
    /// default) and the gateway address on it.
    fn bridge_ipv6(
        &self,
        index: u32,
        gateway: Ipv6Addr,
        prefix: u8,
    ) -> impl Future<Output = io::Result<()>> + Send;
    /// Takes a removed network's bridge down and renames it for reuse.
    fn park_bridge(
        &self,
        index: u32,
        spare_name: &str,
    ) -> impl Future<Output = io::Result<()>> + Send;
    /// A new network namespace, or the lab host's own for `--net host`.
    fn create_netns(&self, lab_host: bool) -> impl Future<Output = io::Result<Self::Netns>> + Send;
    /// Another handle on a container's namespace, for `--net
    /// container:NAME`: the namespace lives while either holds it.
    fn share_netns(&self, ns: &Self::Netns) -> io::Result<Self::Netns>;
    /// A descriptor of a container's namespace, for a capture to join
    /// (None where there is none: the fake host).
    fn netns_fd(&self, ns: &Self::Netns) -> Option<OwnedFd>;
    /// `--sysctl`: writes each value in the namespace's /proc/sys/net, as
    /// runc does; Err: runc's cause ("open PATH: no such file or
    /// directory").
    fn apply_sysctls(&self, ns: &Self::Netns, sysctls: &[(String, String)]) -> Result<(), String>;
    /// A veth pair: `veth` on the bridge, `ifname` in the namespace with
    /// the address, up. Leaves nothing behind when it fails. Returns the
    /// interface index in the namespace.
    #[allow(clippy::too_many_arguments)]
    fn add_interface(
        &self,
        ns: &Self::Netns,
        veth: &str,
        bridge_index: u32,
        ifname: &str,
        mac: [u8; 6],
        ip: Ipv4Addr,
        prefix: u8,
        ip6: Option<(Ipv6Addr, u8)>,
        port: PortConfig,
    ) -> impl Future<Output = io::Result<u32>> + Send;
    /// Deletes an interface of the namespace (and so its veth peer).
    fn remove_interface(
        &self,
        ns: &Self::Netns,
        ifindex: u32,
    ) -> impl Future<Output = io::Result<()>> + Send;
    /// Whether the kernel has a route to `gateway` in the namespace.
    fn route_to(
        &self,
        ns: &Self::Netns,
        gateway: Ipv4Addr,
    ) -> impl Future<Output = io::Result<()>> + Send;
    /// Sets the default route via (gateway, interface index), or removes it.
    fn set_default_route(
        &self,
        ns: &Self::Netns,
        via: Option<(Ipv4Addr, u32)>,
    ) -> impl Future<Output = io::Result<()>> + Send;
    /// The same for IPv6 (`default via fd00:1::1 dev eth0`).
    fn set_default_route6(
        &self,
        ns: &Self::Netns,
        via: Option<(Ipv6Addr, u32)>,
    ) -> impl Future<Output = io::Result<()>> + Send;
    /// A userland proxy from `listen` on the lab host to `target`.
    fn start_proxy(
        &self,
        key: PortKey,
        listen: SocketAddr,
        target: SocketAddr,
    ) -> io::Result<Self::Proxy>;
    /// The embedded DNS server at 127.0.0.11:53 in the namespace; what it
    /// forwards leaves from the namespace too.
    fn serve_dns(
        &self,
        ns: &Self::Netns,
        answerer: crate::dns::Answerer,
    ) -> io::Result<Self::DnsServer>;
    /// The ends of a container's console when no caller lends its own
    /// terminal: a terminal (`tty`) or pipes, and a stdin that stays open
    /// (`stdin`) or /dev/null. None: the output is not kept. A terminal is
    /// made by the process inside the container, as runc makes one, so it
    /// is /dev/pts/N in there; its master comes once it has started.
    fn open_console(&self, tty: bool, stdin: bool) -> io::Result<Option<ConsoleEnds>>;
    /// The master of the terminal a started process made, sent through
    /// `master_from`, the other end of its `ProcessIo::Terminal`.
    fn terminal_master(&self, master_from: OwnedFd) -> io::Result<OwnedFd>;
    /// Starts a container's first process in the namespace; its pid.
    fn spawn(
        &self,
        ns: &Self::Netns,
        p: Spawn,
    ) -> impl Future<Output = Result<i32, SpawnFailure>> + Send;
    /// Starts an exec instance's process: our `__exec` helper, which joins
    /// the namespaces in `fds` (kinds in `plan.namespaces`) and runs
    /// `argv` with `stdio`, or with a terminal it makes inside the
    /// container, which becomes its controlling terminal. Its pid, whose
    /// exit is the command's.
    fn spawn_exec(
        &self,
        plan: &super::api::ExecPlan,
        fds: Vec<OwnedFd>,
        argv: &[String],
        stdio: ProcessIo,
    ) -> io::Result<i32>;
    /// Resolves with the exit code of a process `spawn` started.
    fn watch_exit(&self, pid: i32) -> tokio::sync::oneshot::Receiver<i32>;
    fn signal(&self, pid: i32, signal: nix::sys::signal::Signal);
    /// The namespaces of a container's process, or of the lab host (None),
    /// in the order of `kinds`, for `exec` and `lab exec`.
    fn namespaces(&self, pid: Option<i32>, kinds: &[&str]) -> io::Result<Vec<OwnedFd>>;
    /// `docker top`: the pids of the processes in the PID namespace of a
    /// container's first process, as the lab host sees them.
    fn pids_in_namespace_of(&self, pid: i32) -> io::Result<Vec<u32>>;
    /// `docker top`: what runs `ps` on the lab host.
    fn ps_runner(&self) -> super::top::PsRunner;
}

/// The Linux host: everything happens in the lab's namespaces, where the
/// engine runs.
pub struct LinuxHost {
    netlink: rtnetlink::Handle,
    reaper: sys::process::Reaper,
    /// Our own executable, for built-in images and applets.
    exe: Arc<OwnedFd>,
    /// The machine as containers' root file systems need to know it.
    rootfs_host: crate::rootfs::Host,
    /// Where DNS servers run: not on the engine's thread.
    dns: crate::dns::DnsRuntime,
}

pub struct LinuxNetns {
    netns: OwnedFd,
    netlink: rtnetlink::Handle,
}

/// Sockets in a container's network namespace, for the queries its DNS
/// server forwards (Docker dials them from the container's namespace too).
struct NetnsDial(OwnedFd);

impl crate::dns::Dial for NetnsDial {
    fn udp(&self) -> io::Result<std::net::UdpSocket> {
        sys::ns::run_in_netns(&self.0, || {
            std::net::UdpSocket::bind(SocketAddr::from(([0, 0, 0, 0], 0)))
        })
    }
    fn tcp(&self, to: SocketAddr, timeout: std::time::Duration) -> io::Result<std::net::TcpStream> {
        // The socket is made in the namespace; connecting may wait out
        // `timeout` on the thread that made it.
        sys::ns::run_in_netns(&self.0, move || {
            std::net::TcpStream::connect_timeout(&to, timeout)
        })
    }
}

/// Stops its DNS server when dropped.
pub struct DnsTask(tokio::task::AbortHandle);

impl Drop for DnsTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Proxy for crate::proxy::ProxyHandle {
    fn target(&self) -> SocketAddr {
        crate::proxy::ProxyHandle::target(self)
    }
    fn shutdown_now(&mut self) {
        crate::proxy::ProxyHandle::shutdown_now(self)
    }
}

impl LinuxHost {
    /// Must run inside the lab's namespaces, on a tokio runtime.
    /// `files_dir` is the lab's private tmpfs.
    pub fn new(rootless: bool, files_dir: &std::path::Path) -> io::Result<LinuxHost> {
        let program_dirs = sys::rootfs::host_program_dirs();
        let usr_local = applets_tree(&program_dirs, &files_dir.join("usr-local"));
        Ok(LinuxHost {
            netlink: sys::netlink::connect_here()?,
            reaper: sys::process::Reaper::start(),
            exe: Arc::new(std::fs::File::open("/proc/self/exe")?.into()),
            rootfs_host: crate::rootfs::Host {
                program_dirs,
                rootless,
                usr_local,
            },
            dns: crate::dns::DnsRuntime::start()?,
        })
    }

    /// The lab host's resolver on `addr` (see `engine::LAB_HOST_RESOLVER`),
    /// serving for as long as the engine runs.
    pub fn serve_lab_host_dns(
        &self,
        addr: SocketAddr,
        records: Arc<dyn Records>,
    ) -> io::Result<()> {
        let (udp, tcp) = bind_dns(addr)?;
        let answerer = crate::dns::Answerer {
            asker: String::new(),
            records,
            shuffle: Arc::new(crate::dns::Shuffle::keep()),
            upstream: crate::dns::Upstream::default(),
        };
        // Dropping an AbortHandle leaves its task running.
        self.dns.serve(udp, tcp, answerer, None)?;
        Ok(())
    }

    pub fn program_dirs(&self) -> &[(String, crate::rootfs::HostDir)] {
        &self.rootfs_host.program_dirs
    }
}

/// The tree containers see as `/usr/local`, with the applets in its
/// `sbin` (see `rootfs::usr_local_plan`), made once per lab at `dir`.
/// Without it containers still run, with applets only as first words.
fn applets_tree(
    program_dirs: &[(String, crate::rootfs::HostDir)],
    dir: &std::path::Path,
) -> Option<PathBuf> {
    let machine = sys::rootfs::host_usr_local(program_dirs)?;
    let names = crate::applets::on_path();
    let made = sys::rootfs::own_executable().and_then(|exe| {
        let plan =
            crate::rootfs::usr_local_plan(&machine, &names, &exe, sys::rootfs::mount_flags(&exe));
        sys::rootfs::build_usr_local(dir, &plan)
    });
    match made {
        Ok(()) => Some(dir.to_path_buf()),
        Err(e) => {
            eprintln!("netlings engine: no applets on containers' PATH: {e}");
            None
        }
    }
}

fn bind_dns(addr: SocketAddr) -> io::Result<(std::net::UdpSocket, std::net::TcpListener)> {
    let udp = std::net::UdpSocket::bind(addr)?;
    udp.set_nonblocking(true)?;
    let tcp = std::net::TcpListener::bind(addr)?;
    tcp.set_nonblocking(true)?;
    Ok((udp, tcp))
}

impl Host for LinuxHost {
    type Netns = LinuxNetns;
    type Proxy = crate::proxy::ProxyHandle;
    type DnsServer = DnsTask;

    async fn create_bridge(
        &self,
        name: &str,
        mac: [u8; 6],
        gateway: Ipv4Addr,
        prefix: u8,
        spare: Option<u32>,
    ) -> io::Result<u32> {
        sys::netlink::create_bridge(&self.netlink, name, mac, gateway, prefix, spare).await
    }

    fn share_netns(&self, ns: &LinuxNetns) -> io::Result<LinuxNetns> {
        Ok(LinuxNetns {
            netns: ns.netns.try_clone()?,
            netlink: ns.netlink.clone(),
        })
    }

    fn netns_fd(&self, ns: &LinuxNetns) -> Option<OwnedFd> {
        ns.netns.try_clone().ok()
    }

    fn apply_sysctls(&self, ns: &LinuxNetns, sysctls: &[(String, String)]) -> Result<(), String> {
        let sysctls = sysctls.to_vec();
        // /proc/sys/net shows the namespace of the thread that opens it.
        let written = sys::ns::run_in_netns(&ns.netns, move || {
            Ok(sysctls.iter().try_for_each(|(k, v)| {
                use std::io::Write;
                let path = crate::model::capabilities::sysctl_path(k);
                let go = crate::gotext::go_errno;
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(|e| format!("open {path}: {}", go(&e)))?;
                f.write_all(v.as_bytes())
                    .map_err(|e| format!("write {path}: {}", go(&e)))
            }))
        });
        match written {
            Ok(r) => r,
            Err(e) => Err(format!("sysctl: {}", crate::gotext::go_errno(&e))),
        }
    }

    async fn bridge_ipv6(&self, index: u32, gateway: Ipv6Addr, prefix: u8) -> io::Result<()> {
        // The engine's thread is in the lab host's namespace: its
        // /proc/sys/net is the lab host's.
        let name = sys::netlink::link_name(&self.netlink, index).await?;
        sys::ns::set_ipv6(&name, true)?;
        sys::netlink::add_ipv6_address(&self.netlink, index, gateway, prefix).await
    }

    async fn park_bridge(&self, index: u32, spare_name: &str) -> io::Result<()> {
        sys::netlink::park_bridge(&self.netlink, index, spare_name).await?;
        // A spare serves the next network, IPv4-only unless it asks: off
        // again (no link-local address left behind). Best effort: a spare
        // never had IPv6 on most labs' kernels' defaults here.
        let _ = sys::ns::set_ipv6(spare_name, false);
        Ok(())
    }

    async fn create_netns(&self, lab_host: bool) -> io::Result<LinuxNetns> {
        let made = if lab_host {
            sys::ns::NewNetns {
                netns: std::fs::File::open("/proc/self/ns/net")?.into(),
                netlink: sys::ns::netlink_socket()?,
            }
        } else {
            // A thread of its own enters the new namespace (and ends
            // there); the engine's thread awaits it instead of joining.
            let (tx, rx) = tokio::sync::oneshot::channel();
            // Out of threads fails this start, not the engine.
            std::thread::Builder::new().spawn(move || {
                let _ = tx.send(sys::ns::enter_new_netns());
            })?;
            rx.await
                .map_err(|_| io::Error::other("namespace thread panicked"))??
        };
        Ok(LinuxNetns {
            netns: made.netns,
            netlink: sys::netlink::connect(made.netlink),
        })
    }

    async fn add_interface(
        &self,
        ns: &LinuxNetns,
        veth: &str,
        bridge_index: u32,
        ifname: &str,
        mac: [u8; 6],
        ip: Ipv4Addr,
        prefix: u8,
        ip6: Option<(Ipv6Addr, u8)>,
        port: PortConfig,
    ) -> io::Result<u32> {
        let made = async {
            sys::netlink::create_veth(
                &self.netlink,
                veth,
                bridge_index,
                ifname,
                mac,
                &ns.netns,
                port.mtu,
            )
            .await?;
            if port.isolated {
                sys::netlink::isolate_bridge_port(&self.netlink, veth).await?;
            }
            if ip6.is_some() {
                // IPv6 is off on every interface of a lab unless its network
                // has it: on for the bridge's end here, and for the
                // container's end and its `lo` (Docker shows ::1) there.
                sys::ns::set_ipv6(veth, true)?;
                let name = ifname.to_string();
                sys::ns::run_in_netns(&ns.netns, move || {
                    sys::ns::set_ipv6("lo", true)?;
                    sys::ns::set_ipv6(&name, true)
                })?;
            }
            let index = sys::netlink::configure_interface(&ns.netlink, ifname, ip, prefix).await?;
            if let Some((ip6, prefix6)) = ip6 {
                sys::netlink::add_ipv6_address(&ns.netlink, index, ip6, prefix6).await?;
            }
            Ok(index)
        }
        .await;
        if made.is_err() {
            // The veth may exist: deleting the host end removes both.
            if let Ok(i) = sys::netlink::link_index(&self.netlink, veth).await {
                if let Err(e) = sys::netlink::delete_link(&self.netlink, i).await {
                    eprintln!("netlings engine: removing {veth} after a failed attach: {e}");
                }
            }
        }
        made
    }

    async fn remove_interface(&self, ns: &LinuxNetns, ifindex: u32) -> io::Result<()> {
        sys::netlink::delete_link(&ns.netlink, ifindex).await
    }

    async fn route_to(&self, ns: &LinuxNetns, gateway: Ipv4Addr) -> io::Result<()> {
        sys::netlink::route_to(&ns.netlink, gateway).await
    }

    async fn set_default_route(
        &self,
        ns: &LinuxNetns,
        via: Option<(Ipv4Addr, u32)>,
    ) -> io::Result<()> {
        match via {
            Some((gateway, ifindex)) => {
                sys::netlink::replace_default_route(&ns.netlink, gateway.into(), ifindex).await
            }
            None => sys::netlink::delete_default_route(&ns.netlink, false).await,
        }
    }

    async fn set_default_route6(
        &self,
        ns: &LinuxNetns,
        via: Option<(Ipv6Addr, u32)>,
    ) -> io::Result<()> {
        match via {
            Some((gateway, ifindex)) => {
                sys::netlink::replace_default_route(&ns.netlink, gateway.into(), ifindex).await
            }
            None => sys::netlink::delete_default_route(&ns.netlink, true).await,
        }
    }

    fn start_proxy(
        &self,
        key: PortKey,
        listen: SocketAddr,
        target: SocketAddr,
    ) -> io::Result<crate::proxy::ProxyHandle> {
        match key.proto {
            crate::ports::Proto::Tcp => crate::proxy::start_tcp(listen, target),
            crate::ports::Proto::Udp => crate::proxy::start_udp(listen, target),
        }
    }

    fn serve_dns(&self, ns: &LinuxNetns, answerer: crate::dns::Answerer) -> io::Result<DnsTask> {
        let addr = SocketAddr::from(([127, 0, 0, 11], 53));
        let (udp, tcp) = sys::ns::run_in_netns(&ns.netns, move || bind_dns(addr))?;
        let dial: Arc<dyn crate::dns::Dial> = Arc::new(NetnsDial(ns.netns.try_clone()?));
        Ok(DnsTask(self.dns.serve(udp, tcp, answerer, Some(dial))?))
    }

    async fn spawn(&self, ns: &LinuxNetns, p: Spawn) -> Result<i32, SpawnFailure> {
        let netns = ns.netns.try_clone().map_err(SpawnFailure::Prepare)?;
        let (exe, reaper, rootfs_host) = (
            self.exe.clone(),
            self.reaper.clone(),
            self.rootfs_host.clone(),
        );
        // The first process's set-up waits for its exec (a vfork): a
        // thread of the blocking pool waits, not the engine's.
        tokio::task::spawn_blocking(move || {
            spawn_first_process(p, netns, &exe, &reaper, &rootfs_host)
        })
        .await
        .map_err(|e| SpawnFailure::Prepare(io::Error::other(e.to_string())))?
    }

    fn open_console(&self, tty: bool, stdin: bool) -> io::Result<Option<ConsoleEnds>> {
        use nix::fcntl::OFlag;
        let pipe = || nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(io::Error::from);
        if tty {
            let (ours, theirs) = sys::terminal::fd_channel()?;
            return Ok(Some(ConsoleEnds {
                stdio: ProcessIo::Terminal {
                    console: theirs,
                    size: None,
                },
                readers: Vec::new(),
                stdin: None,
                pty: None,
                master_from: Some(ours),
            }));
        }
        let (out_r, out_w) = pipe()?;
        let (err_r, err_w) = pipe()?;
        let (stdin_r, stdin_w) = if stdin {
            let (r, w) = pipe()?;
            (r, Some(w))
        } else {
            (null_fd()?, None)
        };
        Ok(Some(ConsoleEnds {
            stdio: ProcessIo::Fds([stdin_r, out_w, err_w]),
            readers: vec![(1, out_r), (2, err_r)],
            stdin: stdin_w,
            pty: None,
            master_from: None,
        }))
    }

    fn terminal_master(&self, master_from: OwnedFd) -> io::Result<OwnedFd> {
        // A first process sent it before its exec, which spawning waited
        // for; an exec's helper sends it within moments of starting, or
        // exits, which ends the wait too. Never wait long.
        let mut ready = [nix::poll::PollFd::new(
            std::os::fd::AsFd::as_fd(&master_from),
            nix::poll::PollFlags::POLLIN,
        )];
        if nix::poll::poll(&mut ready, nix::poll::PollTimeout::from(5000u16))? == 0 {
            return Err(io::Error::other("no terminal came back within 5 s"));
        }
        sys::terminal::receive_fd(&master_from)?
            .ok_or_else(|| io::Error::other("the process made no terminal"))
    }

    fn watch_exit(&self, pid: i32) -> tokio::sync::oneshot::Receiver<i32> {
        self.reaper.watch(nix::unistd::Pid::from_raw(pid))
    }

    fn spawn_exec(
        &self,
        plan: &super::api::ExecPlan,
        fds: Vec<OwnedFd>,
        argv: &[String],
        stdio: ProcessIo,
    ) -> io::Result<i32> {
        use std::os::unix::process::CommandExt;
        // A terminal: the helper makes it once inside and sends its
        // master through the console socket, placed after the namespaces.
        let (stdio, console) = match stdio {
            ProcessIo::Fds(fds) => (fds, None),
            ProcessIo::Terminal { console, .. } => {
                ([null_fd()?, null_fd()?, null_fd()?], Some(console))
            }
        };
        let mut fds = fds;
        let has_console = console.is_some();
        fds.extend(console);
        let spec =
            serde_json::json!({"plan": plan, "argv": argv, "console": has_console}).to_string();
        let mut cmd = std::process::Command::new("/proc/self/exe");
        cmd.arg0("netlings-exec")
            .arg("__exec")
            .env_clear()
            .env(EXEC_SPEC_VAR, spec);
        let [stdin, stdout, stderr] = stdio;
        cmd.stdin(stdin).stdout(stdout).stderr(stderr);
        let sources: Vec<i32> = fds.iter().map(|f| f.as_raw_fd()).collect();
        // SAFETY: only fcntl and dup2, async-signal-safe, on descriptors
        // this process holds, with a vector made before the fork.
        unsafe {
            cmd.pre_exec(move || {
                // Out of the way first: a source may sit where another goes.
                let mut high = [0i32; 16];
                for (n, fd) in sources.iter().enumerate().take(high.len()) {
                    high[n] = libc::fcntl(*fd, libc::F_DUPFD, 64);
                    if high[n] < 0 {
                        return Err(io::Error::last_os_error());
                    }
                }
                for (n, fd) in high.iter().enumerate().take(sources.len()) {
                    if libc::dup2(*fd, 3 + n as i32) < 0 {
                        return Err(io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        let pid = self.reaper.spawn(|| {
            cmd.spawn()
                .map(|child| nix::unistd::Pid::from_raw(child.id() as i32))
        })?;
        drop(fds);
        Ok(pid.as_raw())
    }

    fn signal(&self, pid: i32, signal: nix::sys::signal::Signal) {
        // A process that has just exited is no error: its exit is on its way.
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal);
    }

    fn namespaces(&self, pid: Option<i32>, kinds: &[&str]) -> io::Result<Vec<OwnedFd>> {
        let pid = pid.map_or("self".to_string(), |p| p.to_string());
        sys::ns::open_namespaces(&pid, kinds)
    }

    fn pids_in_namespace_of(&self, pid: i32) -> io::Result<Vec<u32>> {
        super::top::pids_in_namespace_of(pid)
    }

    fn ps_runner(&self) -> super::top::PsRunner {
        super::top::linux_ps_runner(self.reaper.clone())
    }
}

/// `LinuxHost::spawn`, on a thread of the blocking pool.
fn spawn_first_process(
    p: Spawn,
    netns: OwnedFd,
    exe: &OwnedFd,
    reaper: &sys::process::Reaper,
    rootfs_host: &crate::rootfs::Host,
) -> Result<i32, SpawnFailure> {
    let root = p.dir.join("root");
    let plan = crate::rootfs::mount_plan(rootfs_host, &p.dir);
    sys::rootfs::repair_targets(&root, &crate::rootfs::layer_targets(&plan))
        .map_err(SpawnFailure::Prepare)?;
    let path_var = p
        .env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or("/usr/bin:/bin")
        .to_string();
    let program = resolve_program(&p.cmd[0], &path_var, exe.as_raw_fd());
    let stdio = match p.stdio {
        Some(io) => io,
        None => {
            let null = || -> io::Result<OwnedFd> {
                Ok(std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open("/dev/null")?
                    .into())
            };
            let open = || Ok::<_, io::Error>([null()?, null()?, null()?]);
            ProcessIo::Fds(open().map_err(SpawnFailure::Prepare)?)
        }
    };
    let process = sys::process::ContainerProcess {
        program,
        argv: p.cmd.iter().map(|a| cstr(a)).collect(),
        env: p.env.iter().map(|e| cstr(e)).collect(),
        cwd: cstr(&p.cwd),
        cwd_parents: std::path::Path::new(&p.cwd)
            .ancestors()
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .skip(1)
            .map(|a| cstr(&a.to_string_lossy()))
            .collect(),
        hostname: cstr(&p.hostname),
        netns,
        mounts: sys::rootfs::compile(&plan, &root),
        io: stdio,
        tty: p.tty,
        user: p.user,
        capabilities: p.capabilities,
    };
    sys::process::spawn_container(&process, reaper, &plan)
        .map(|pid| pid.as_raw())
        .map_err(SpawnFailure::Spawn)
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
