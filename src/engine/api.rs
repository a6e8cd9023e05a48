//! The engine's operations as plain data, independent of transport: the CLI
//! sends them over the lab's unix socket, and the same enum is what a future
//! Docker Engine API shim would translate to.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunSpec {
    pub image: String,
    pub name: Option<String>,
    /// Command override; empty means the image's.
    pub cmd: Vec<String>,
    pub env: Vec<String>,
    pub network: Option<String>,
    pub hostname: Option<String>,
    pub publish: Vec<String>,
    pub publish_all: bool,
    pub links: Vec<String>,
    pub aliases: Vec<String>,
    pub ip: Option<String>,
    /// `--ip6`, as given.
    #[serde(default)]
    pub ip6: Option<String>,
    pub auto_remove: bool,
    pub tty: bool,
    /// `-t` attached: the caller's terminal size, rows and columns, for the
    /// terminal the process makes (Docker's ConsoleSize).
    #[serde(default)]
    pub console_size: Option<[u16; 2]>,
    pub interactive: bool,
    pub workdir: Option<String>,
    /// `--dns`, `--dns-search`, `--dns-option`.
    #[serde(default)]
    pub dns: Vec<String>,
    #[serde(default)]
    pub dns_search: Vec<String>,
    #[serde(default)]
    pub dns_options: Vec<String>,
    /// `--add-host NAME:IP`, as given.
    #[serde(default)]
    pub add_hosts: Vec<String>,
    /// `--label KEY[=VALUE]`.
    #[serde(default)]
    pub labels: Vec<String>,
    /// `--expose PORT[-PORT][/PROTO]`.
    #[serde(default)]
    pub expose: Vec<String>,
    /// `--domainname`.
    #[serde(default)]
    pub domainname: Option<String>,
    /// `--mac-address`, as given.
    #[serde(default)]
    pub mac_address: Option<String>,
    /// `--cap-add`, `--cap-drop` as given.
    #[serde(default)]
    pub cap_add: Vec<String>,
    #[serde(default)]
    pub cap_drop: Vec<String>,
    /// `--sysctl KEY=VALUE`, checked by the client.
    #[serde(default)]
    pub sysctls: std::collections::BTreeMap<String, String>,
}

// Run carries every flag of `docker run`; one per command, boxing buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    Ping,
    /// Creates and starts; with `attach`, stdin/stdout/stderr fds come with
    /// the request and the reply waits for the process to exit.
    Run {
        spec: RunSpec,
        attach: bool,
    },
    Start {
        container: String,
    },
    /// `timeout`: seconds between SIGTERM and SIGKILL (10 when None); a
    /// negative one waits for the exit however long it takes, as Docker.
    Stop {
        container: String,
        timeout: Option<i64>,
    },
    Restart {
        container: String,
        timeout: Option<i64>,
    },
    Rm {
        container: String,
        force: bool,
    },
    /// `rm --link /recipient/alias`.
    RmLink {
        path: String,
    },
    /// `port CONTAINER [PORT[/PROTO]]`: the lines to print.
    Port {
        container: String,
        filter: Option<String>,
    },
    Ps {
        all: bool,
        /// `ps -s`: with each container's sizes.
        #[serde(default)]
        size: bool,
        /// `ps --filter`: (key, value) pairs (`model::container_filters`).
        #[serde(default)]
        filters: Vec<(String, String)>,
    },
    /// Container or network by name or id; `kind` is "container" or "network".
    Inspect {
        name: String,
        kind: Option<String>,
    },
    /// What `exec` needs: the namespaces come back as fds with the reply.
    ExecPrepare {
        container: String,
        env: Vec<String>,
        workdir: Option<String>,
        /// `exec -t`: Docker then adds TERM=xterm.
        #[serde(default)]
        tty: bool,
        /// `exec -u`; empty: the image's USER.
        #[serde(default)]
        user: String,
    },
    /// The lab host's namespaces, for `lab exec` and `shell`.
    LabHostPrepare,
    Wait {
        container: String,
    },
    NetworkCreate {
        name: String,
        driver: Option<String>,
        subnet: Option<String>,
        gateway: Option<String>,
    },
    NetworkLs,
    NetworkConnect {
        network: String,
        container: String,
        aliases: Vec<String>,
        ip: Option<String>,
        #[serde(default)]
        ip6: Option<String>,
        /// `--link TARGET:ALIAS`, kept as given (DNS aliases on a user network).
        #[serde(default)]
        links: Vec<String>,
    },
    NetworkDisconnect {
        network: String,
        container: String,
        force: bool,
    },
    NetworkRm {
        name: String,
    },
    Topology,
    Info,
    Shutdown,
    /// A capture following the lab registers to be told of starts (see
    /// `start_gate`); the reply has the containers running now.
    StartsWatch,
    /// A watcher acknowledges `done` and asks what started since; the
    /// reply waits a moment for something.
    StartsPoll {
        watcher: u64,
        done: Vec<u64>,
    },
    StartsUnwatch {
        watcher: u64,
    },
    /// `docker create`: validated and recorded, not started.
    Create {
        spec: RunSpec,
    },
    /// `docker kill [-s SIGNAL]`; None: SIGKILL.
    Kill {
        container: String,
        signal: Option<String>,
    },
    Rename {
        container: String,
        name: String,
    },
    /// `docker container prune`: removes every container not running.
    ContainerPrune,
    /// `network create` with all of Docker's flags.
    NetworkCreateSpec {
        spec: NetworkSpec,
    },
    /// `network ls --filter KEY=VALUE...`.
    NetworkList {
        filters: Vec<String>,
    },
    /// `network prune --filter KEY=VALUE...`.
    NetworkPrune {
        filters: Vec<String>,
    },
    /// `docker logs`: lines from position `after`, the last `tail` of them.
    Logs {
        container: String,
        after: u64,
        tail: Option<usize>,
    },
    /// `docker cp`: the container's directory comes as an fd with the
    /// reply (`Response::CopyDir`).
    CopyPrepare {
        container: String,
    },
    /// `docker top CONTAINER [ps OPTIONS]`; None: dockerd's `-ef`.
    Top {
        container: String,
        ps_args: Option<String>,
    },
}

/// `network create`'s flags, as given (`KEY=VALUE` where Docker takes a map).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NetworkSpec {
    pub name: String,
    pub driver: Option<String>,
    pub subnet: Option<String>,
    pub gateway: Option<String>,
    pub ip_range: Option<String>,
    pub aux_addresses: Vec<String>,
    pub labels: Vec<String>,
    pub options: Vec<String>,
    pub internal: bool,
    #[serde(default)]
    pub attachable: bool,
    #[serde(default)]
    pub ipv6: bool,
    #[serde(default)]
    pub ipam_driver: Option<String>,
    #[serde(default)]
    pub ipam_options: Vec<String>,
    /// IPAM pools after the first (`subnet`, `gateway`, `ip_range`): a
    /// second `--subnet`, as the client paired its gateway and range.
    #[serde(default)]
    pub more_pools: Vec<PoolSpec>,
}

/// One IPAM pool of `network create`: a subnet and what goes with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolSpec {
    pub subnet: Option<String>,
    pub gateway: Option<String>,
    pub ip_range: Option<String>,
}

pub use super::error::{Error as ApiError, Kind as ErrorKind};

/// A container about to start, as a watcher is told of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnnouncedStart {
    pub seq: u64,
    /// Its topology entry (`inspect::TopoContainer`) as JSON.
    pub container: String,
    pub netns: bool,
}

/// What the engine answers a request with, when it succeeds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Response {
    /// The request was carried out; there is nothing to tell.
    Done,
    /// `StartsWatch`: the watcher's id and the containers running now (as
    /// in `Starts`; nothing to acknowledge).
    Watcher {
        watcher: u64,
        running: Vec<AnnouncedStart>,
    },
    /// `StartsPoll`: containers about to start, each with its number (to
    /// acknowledge) and its topology entry as JSON; the network namespace
    /// of each one whose `netns` is true comes as an fd, in order.
    Starts {
        starts: Vec<AnnouncedStart>,
    },
    Pong,
    Info(LabInfo),
    /// The id of what was made (`network create`).
    Created {
        id: String,
    },
    /// `run`: the new container; attached, with its process's exit code.
    Run {
        id: String,
        exit_code: Option<i32>,
    },
    /// `wait`: a container's exit code.
    Exited {
        exit_code: i32,
    },
    /// Lines to print as they are (`port`).
    Lines {
        lines: Vec<String>,
    },
    Ps {
        rows: Vec<PsRow>,
    },
    /// Docker's inspect document: its shape is Docker's, kept as JSON so
    /// that keys keep their order.
    Inspect {
        json: serde_json::Value,
    },
    /// `exec` and `lab exec`; the namespaces come as fds with the reply.
    ExecPlan(ExecPlan),
    Networks {
        networks: Vec<NetworkSummary>,
    },
    Topology(Topology),
    /// Ids of what a prune removed, in Docker's order.
    Deleted {
        ids: Vec<String>,
    },
    Logs {
        lines: Vec<super::logs::LogLine>,
        /// The position to ask from for what comes later.
        next: u64,
        /// Whether the container runs (more may come).
        running: bool,
    },
    /// `network prune`: the names of the networks removed.
    Pruned {
        networks: Vec<String>,
    },
    /// `docker cp`: the container's id; its directory comes as an fd.
    CopyDir {
        id: String,
    },
    /// `docker top`: ps's column titles and the container's processes.
    Top {
        titles: Vec<String>,
        processes: Vec<Vec<String>>,
    },
}

impl Response {
    /// What an unexpected answer means: client and engine disagree.
    pub fn unexpected(self) -> ApiError {
        ApiError::system(format!("unexpected reply from the lab's engine: {self:?}"))
    }
}

/// `lab ls` reads these.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabInfo {
    pub containers: usize,
    pub running: usize,
    pub networks: usize,
    pub deterministic: bool,
    pub rootless: bool,
}

/// One row of `network ls`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NetworkSummary {
    pub id: String,
    pub name: String,
    pub driver: String,
    pub scope: String,
    #[serde(default)]
    pub internal: bool,
    /// Go's time.Time as `network ls --format {{.CreatedAt}}` prints it.
    #[serde(default)]
    pub created: String,
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
    /// EnableIPv6 (`network ls --format {{.IPv6}}`).
    #[serde(default)]
    pub ipv6: bool,
}

pub type Reply = Result<Response, ApiError>;

/// What `exec` runs with, besides the namespaces.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExecPlan {
    pub env: Vec<String>,
    pub workdir: String,
    /// Namespace kinds in the order of the fds that come with the reply.
    pub namespaces: Vec<String>,
    /// (uid, gid) of the image's USER, which `exec` runs as, as Docker does.
    #[serde(default)]
    pub user: Option<(u32, u32)>,
    /// The capability mask of a container's processes; None on the lab host.
    #[serde(default)]
    pub capabilities: Option<u64>,
}

pub use crate::inspect::{PsRow, Topology};
