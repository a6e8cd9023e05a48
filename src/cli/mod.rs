//! Command-line definitions and output. `netlings` has its own commands
//! (lab, lesson, shell, topology, bench) and Docker's runtime commands; as
//! `docker` (argv[0]) it has only Docker's.

mod arg_errors;
mod capture_cmd;
mod challenge_cmd;
mod container_cmd;
mod cp_cmd;
pub mod cp_plan;
mod cp_tar;
mod docker_cmd;
mod env_file;
pub mod exec;
mod lab_access;
mod lab_cmd;
mod lesson_cmd;
pub mod ps_filter;
pub mod ps_format;
pub mod scope;
mod shell;
mod system_cmd;
pub mod top_cmd;
mod topology_cmd;
mod trace_cmd;
pub mod tty;
pub mod views;

use clap::{ArgAction, Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "netlings",
    version,
    about = "Learn container networking by running it: real namespaces, bridges, DNS and proxies, shaped like Docker",
    disable_help_subcommand = true
)]
pub struct Cli {
    /// The lab to act on (default: $NETLINGS_LAB, else "default"); for
    /// `shell` and `lesson run`, the name of the lab they make.
    #[arg(long, global = true, value_name = "NAME")]
    pub lab: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process, so the size of the Docker variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start, stop, list labs, or run a command on a lab's Docker host.
    #[command(subcommand)]
    Lab(LabCommand),
    /// An interactive shell on a fresh lab's Docker host; `docker` works there.
    Shell {
        /// Link this machine to the lab host, as `lab start --expose`. Root only.
        #[arg(long)]
        expose: bool,
    },
    /// Lessons: list, step through, verify against snapshots.
    #[command(subcommand)]
    Lesson(LessonCommand),
    /// Challenges: a goal to reach on your own, checked after every command.
    #[command(subcommand)]
    Challenge(ChallengeCommand),
    /// Draw the lab's networks and containers.
    Topology(topology_cmd::TopologyArgs),
    /// Measure the engine on this machine (prints medians; starts its own lab).
    Bench {
        /// Containers for the fill test.
        #[arg(long, default_value_t = 200)]
        containers: usize,
        /// Repetitions of each timed operation.
        #[arg(long, default_value_t = 50)]
        rounds: usize,
    },
    /// Bench helper run on a lab host: sends BYTES over TCP to ADDR and
    /// prints the seconds until the receiver has read them all, using
    /// congestion control CC if given.
    #[command(name = "__tcp-send", hide = true)]
    TcpSend {
        addr: String,
        bytes: u64,
        cc: Option<String>,
    },
    /// Packets on the lab's interfaces: one line each, or a pcapng file.
    Capture(capture_cmd::CaptureArgs),
    /// Run a netlings command while capturing every interface of the lab,
    /// then show each flow's path hop by hop.
    Trace(trace_cmd::TraceArgs),
    #[command(flatten)]
    Docker(DockerCommand),
}

#[derive(Subcommand, Debug)]
pub enum LessonCommand {
    /// Every lesson: title, steps, and whether you have completed it.
    #[command(alias = "ls")]
    List,
    /// Step through a lesson in a fresh lab (Enter runs the next step).
    Run {
        /// A lesson name (see `lesson list`) or a lesson file (*.md).
        name: String,
        /// Run every step without pausing; a failed check stops with exit 1.
        #[arg(long)]
        auto: bool,
        /// With --auto: seconds to pause between steps (for demos).
        #[arg(long, value_name = "SECONDS")]
        pace: Option<f64>,
        /// Start at step N; earlier steps run silently to rebuild the lab.
        #[arg(long, value_name = "N", default_value_t = 1)]
        from: usize,
        /// Open a shell in the lab after the last step.
        #[arg(long)]
        shell: bool,
    },
    /// Run lessons unattended, each in a lab of its own, and compare each
    /// with its snapshot. Exit 0: all hold; 1: a check failed or a
    /// snapshot differs; 2: a lesson file is broken.
    Verify {
        /// Lesson files, folders of them, or built-in lessons by name;
        /// none: every built-in lesson.
        paths: Vec<std::path::PathBuf>,
        /// Where the snapshots are (default: beside each lesson, in
        /// `snapshots/` if that folder is there; built in for built-ins).
        #[arg(long, value_name = "DIR")]
        snapshots: Option<std::path::PathBuf>,
        /// Write or update the snapshots of the lessons given (showing what
        /// changed).
        #[arg(long)]
        accept: bool,
        /// Also write a report for CI: junit or tap.
        #[arg(long, value_name = "FORMAT")]
        format: Option<String>,
        /// The report's file (default: netlings-verify.xml or .tap).
        #[arg(long, value_name = "FILE")]
        report: Option<std::path::PathBuf>,
        /// Lessons verified at once (default: the number of cores).
        #[arg(long, short = 'j', value_name = "N")]
        jobs: Option<usize>,
    },
    /// Read lesson files and report mistakes (FILE:LINE: message) without
    /// running anything. Exit 0: none; 1: some; 2: a file cannot be read.
    Check {
        /// Lesson files or folders of them; none: the built-in lessons.
        files: Vec<std::path::PathBuf>,
    },
    /// Print a lesson's plain transcript (what snapshots hold).
    #[command(hide = true)]
    Transcript { name: String },
}

#[derive(Subcommand, Debug)]
pub enum ChallengeCommand {
    /// Every challenge: title, goals, and whether you have solved it.
    #[command(alias = "ls")]
    List,
    /// Set up a challenge in a fresh lab and open a shell there; a status
    /// line before each prompt shows which goals hold.
    Run {
        /// A challenge name (see `challenge list`) or a challenge file (*.md).
        name: String,
    },
    /// Prove each challenge: its goals fail at the start and hold after its
    /// reference solution. Exit 0: all hold; 1: one does not; 2: a broken file.
    Verify {
        /// Challenge names or files; none: every built-in challenge.
        names: Vec<String>,
    },
    /// Read challenge files and report mistakes (FILE:LINE: message)
    /// without running anything. Exit 0: none; 1: some; 2: unreadable.
    Check {
        /// Challenge files; none: the built-in challenges.
        files: Vec<std::path::PathBuf>,
    },
    /// In a challenge's shell: which goals hold now.
    Status,
    /// In a challenge's shell: the next hint.
    Hint,
    /// In a challenge's shell: the reference solution (once solved, or
    /// after every hint).
    Solution,
}

#[derive(Subcommand, Debug)]
pub enum LabCommand {
    /// Start a lab (an engine owning its own namespaces).
    Start {
        name: Option<String>,
        /// Ids, names and times from a seeded sequence and a virtual clock.
        #[arg(long)]
        deterministic: bool,
        /// Link this machine to the lab host (192.168.99.100, like a VM's
        /// host-only network) so a browser here opens published ports. Root only.
        #[arg(long)]
        expose: bool,
    },
    /// Stop a lab; everything in it goes away.
    Stop { name: Option<String> },
    /// List labs: name, engine pid, containers, Docker's API socket.
    Ls,
    /// Print `export DOCKER_HOST=...` for a lab: `eval "$(netlings lab env)"`
    /// points Docker's own clients (docker, the SDKs, compose) at it.
    Env { name: Option<String> },
    /// Run a command on the lab's Docker host (its network namespace).
    Exec {
        name: Option<String>,
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
}

/// Docker's runtime commands, with Docker's flags.
// Run carries every flag of `docker run`; one per command, boxing buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum DockerCommand {
    /// Create and start a container.
    Run(RunArgs),
    /// Run a command in a running container.
    Exec(ExecArgs),
    /// List containers.
    Ps(PsArgs),
    /// List port mappings of a container.
    Port {
        container: String,
        port: Option<String>,
    },
    /// Low-level information on containers and networks.
    Inspect(InspectArgs),
    /// Stop running containers.
    Stop(StopArgs),
    /// Start stopped containers.
    Start {
        /// Attach STDOUT/STDERR and forward signals
        #[arg(short = 'a', long)]
        attach: bool,
        #[arg(required = true)]
        containers: Vec<String>,
    },
    /// Restart containers.
    Restart(StopArgs),
    /// Remove containers (or, with --link, a link).
    Rm(RmArgs),
    /// Manage networks.
    #[command(subcommand)]
    Network(NetworkCommand),
    /// Create a new container (start it with `start`).
    Create(RunArgs),
    /// Kill one or more running containers.
    Kill(KillArgs),
    /// Rename a container.
    Rename { container: String, new_name: String },
    /// Block until one or more containers stop, then print their exit codes.
    Wait {
        #[arg(required = true)]
        containers: Vec<String>,
    },
    /// List images (the built-in ones: a lab has no registry).
    Images,
    /// Manage images.
    #[command(subcommand)]
    Image(ImageCommand),
    /// Manage containers.
    #[command(subcommand)]
    Container(ContainerCommand),
    /// Fetch the logs of a container.
    Logs(LogsArgs),
    /// Show the netlings version information.
    Version,
    /// Display lab-wide information.
    Info,
    /// Display the running processes of a container
    Top(TopArgs),
    /// Copy files/folders between a container and the local filesystem
    Cp(CpArgs),
}

/// `cp CONTAINER:SRC_PATH DEST_PATH` or `cp SRC_PATH CONTAINER:DEST_PATH`.
#[derive(Args, Debug)]
pub struct CpArgs {
    /// Archive mode (copy all uid/gid information)
    #[arg(short = 'a', long)]
    pub archive: bool,
    /// Always follow symbol link in SRC_PATH
    #[arg(short = 'L', long = "follow-link")]
    pub follow_link: bool,
    pub src: String,
    pub dest: String,
}

/// `top CONTAINER [ps OPTIONS]`: what follows the container goes to ps.
#[derive(Args, Debug)]
pub struct TopArgs {
    pub container: String,
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub ps_args: Vec<String>,
}

#[derive(Args, Debug)]
pub struct LogsArgs {
    /// Follow log output
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Number of lines to show from the end of the logs (default "all")
    #[arg(short = 'n', long)]
    pub tail: Option<String>,
    /// Show timestamps
    #[arg(short = 't', long)]
    pub timestamps: bool,
    /// Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)
    #[arg(long)]
    pub since: Option<String>,
    /// Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)
    #[arg(long)]
    pub until: Option<String>,
    /// Show extra details provided to logs
    #[arg(long)]
    pub details: bool,
    pub container: String,
}

#[derive(Args, Debug)]
pub struct KillArgs {
    /// Signal to send to the container (default KILL).
    #[arg(short = 's', long)]
    pub signal: Option<String>,
    #[arg(required = true)]
    pub containers: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum ImageCommand {
    /// List images.
    #[command(alias = "list")]
    Ls,
}

/// `docker container ...`: the same commands under the object's name.
// Parsed once per process, so the size of the Run variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum ContainerCommand {
    /// List containers.
    #[command(alias = "ps", alias = "list")]
    Ls(PsArgs),
    /// Display detailed information on one or more containers.
    Inspect {
        /// Format the output using the given Go template.
        #[arg(short = 'f', long)]
        format: Option<String>,
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Create and start a container.
    Run(RunArgs),
    /// Create a new container.
    Create(RunArgs),
    /// Start one or more stopped containers.
    Start {
        /// Attach STDOUT/STDERR and forward signals
        #[arg(short = 'a', long)]
        attach: bool,
        #[arg(required = true)]
        containers: Vec<String>,
    },
    /// Stop one or more running containers.
    Stop(StopArgs),
    /// Restart one or more containers.
    Restart(StopArgs),
    /// Kill one or more running containers.
    Kill(KillArgs),
    /// Remove one or more containers.
    #[command(alias = "remove")]
    Rm(RmArgs),
    /// Run a command in a running container.
    Exec(ExecArgs),
    /// List port mappings or a specific mapping for the container.
    Port {
        container: String,
        port: Option<String>,
    },
    /// Rename a container.
    Rename { container: String, new_name: String },
    /// Block until one or more containers stop, then print their exit codes.
    Wait {
        #[arg(required = true)]
        containers: Vec<String>,
    },
    /// Fetch the logs of a container.
    Logs(LogsArgs),
    /// Remove all stopped containers.
    Prune {
        /// Do not prompt for confirmation.
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// Display the running processes of a container
    Top(TopArgs),
    /// Copy files/folders between a container and the local filesystem
    Cp(CpArgs),
}

impl ContainerCommand {
    /// The top-level command it is another name for (None: prune).
    pub fn into_docker(self) -> Result<DockerCommand, bool> {
        Ok(match self {
            ContainerCommand::Ls(a) => DockerCommand::Ps(a),
            ContainerCommand::Inspect { format, names } => DockerCommand::Inspect(InspectArgs {
                format,
                kind: Some("container".into()),
                names,
            }),
            ContainerCommand::Run(a) => DockerCommand::Run(a),
            ContainerCommand::Create(a) => DockerCommand::Create(a),
            ContainerCommand::Start { attach, containers } => {
                DockerCommand::Start { attach, containers }
            }
            ContainerCommand::Stop(a) => DockerCommand::Stop(a),
            ContainerCommand::Restart(a) => DockerCommand::Restart(a),
            ContainerCommand::Kill(a) => DockerCommand::Kill(a),
            ContainerCommand::Rm(a) => DockerCommand::Rm(a),
            ContainerCommand::Exec(a) => DockerCommand::Exec(a),
            ContainerCommand::Port { container, port } => DockerCommand::Port { container, port },
            ContainerCommand::Rename {
                container,
                new_name,
            } => DockerCommand::Rename {
                container,
                new_name,
            },
            ContainerCommand::Wait { containers } => DockerCommand::Wait { containers },
            ContainerCommand::Logs(a) => DockerCommand::Logs(a),
            ContainerCommand::Prune { force } => return Err(force),
            ContainerCommand::Top(a) => DockerCommand::Top(a),
            ContainerCommand::Cp(a) => DockerCommand::Cp(a),
        })
    }
}

#[derive(Args, Debug, Clone)]
#[command(disable_help_flag = true)]
pub struct RunArgs {
    #[arg(long, action = ArgAction::Help, help = "Print help")]
    pub help: Option<bool>,
    /// Run container in background and print container ID
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Assign a name to the container
    #[arg(long)]
    pub name: Option<String>,
    /// Connect a container to a network
    #[arg(long = "network", alias = "net")]
    pub network: Option<String>,
    /// Add network-scoped alias for the container
    #[arg(long = "network-alias", alias = "net-alias")]
    pub network_alias: Vec<String>,
    /// IPv4 address (e.g., 172.30.100.104)
    #[arg(long)]
    pub ip: Option<String>,
    /// IPv6 address (e.g., 2001:db8::33)
    #[arg(long)]
    pub ip6: Option<String>,
    /// Set environment variables
    #[arg(short = 'e', long = "env")]
    pub env: Vec<String>,
    /// Read in a file of environment variables
    #[arg(long = "env-file")]
    pub env_file: Vec<String>,
    /// Automatically remove the container when it exits
    #[arg(long)]
    pub rm: bool,
    /// Keep STDIN open even if not attached
    #[arg(short = 'i', long)]
    pub interactive: bool,
    /// Allocate a pseudo-TTY
    #[arg(short = 't', long)]
    pub tty: bool,
    /// Container host name
    #[arg(short = 'h', long)]
    pub hostname: Option<String>,
    /// Publish a container's port(s) to the host
    #[arg(short = 'p', long = "publish")]
    pub publish: Vec<String>,
    /// Publish all exposed ports to random ports
    #[arg(short = 'P', long = "publish-all")]
    pub publish_all: bool,
    /// Add link to another container
    #[arg(long)]
    pub link: Vec<String>,
    /// Working directory inside the container
    #[arg(short = 'w', long)]
    pub workdir: Option<String>,
    /// Set custom DNS servers
    #[arg(long)]
    pub dns: Vec<String>,
    /// Set custom DNS search domains
    #[arg(long = "dns-search")]
    pub dns_search: Vec<String>,
    /// Set DNS options
    #[arg(long = "dns-option", alias = "dns-opt")]
    pub dns_option: Vec<String>,
    /// Add a custom host-to-IP mapping (host:ip)
    #[arg(long = "add-host")]
    pub add_host: Vec<String>,
    /// Set meta data on a container
    #[arg(short = 'l', long)]
    pub label: Vec<String>,
    /// Expose a port or a range of ports
    #[arg(long)]
    pub expose: Vec<String>,
    /// Container NIS domain name
    #[arg(long)]
    pub domainname: Option<String>,
    /// Container MAC address (e.g., 92:d0:c6:0a:29:33)
    #[arg(long = "mac-address")]
    pub mac_address: Option<String>,
    /// Add Linux capabilities (beyond Docker's default set: NET_ADMIN, NET_BROADCAST)
    #[arg(long = "cap-add")]
    pub cap_add: Vec<String>,
    /// Drop Linux capabilities
    #[arg(long = "cap-drop")]
    pub cap_drop: Vec<String>,
    /// Sysctl options (net.* in a lab)
    #[arg(long)]
    pub sysctl: Vec<String>,
    pub image: String,
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ExecArgs {
    /// Keep STDIN open even if not attached
    #[arg(short = 'i', long)]
    pub interactive: bool,
    /// Allocate a pseudo-TTY
    #[arg(short = 't', long)]
    pub tty: bool,
    /// Detached mode: run command in the background
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Set environment variables
    #[arg(short = 'e', long = "env")]
    pub env: Vec<String>,
    /// Working directory inside the container
    #[arg(short = 'w', long)]
    pub workdir: Option<String>,
    /// Username or UID (format: <name|uid>[:<group|gid>])
    #[arg(short = 'u', long)]
    pub user: Option<String>,
    pub container: String,
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
    pub command: Vec<String>,
}

#[derive(Args, Debug)]
pub struct PsArgs {
    /// Show all containers (default shows just running)
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Show the latest created container (includes all states)
    #[arg(short = 'l', long)]
    pub latest: bool,
    /// Only display container IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Pretty-print containers using a Go template
    #[arg(long)]
    pub format: Option<String>,
    /// Show n last created containers (includes all states)
    #[arg(short = 'n', long = "last", allow_hyphen_values = true, value_parser = go_int)]
    pub last: Option<i64>,
    /// Display total file sizes
    #[arg(short = 's', long)]
    pub size: bool,
    /// Filter output based on conditions provided (name=, id=, status=)
    #[arg(short = 'f', long)]
    pub filter: Vec<String>,
    /// Docker refuses arguments here; we say so in Docker's words.
    #[arg(hide = true)]
    pub extra: Vec<String>,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Format the output using the given Go template
    #[arg(short = 'f', long)]
    pub format: Option<String>,
    /// Return JSON for specified type
    #[arg(long = "type")]
    pub kind: Option<String>,
    #[arg(required = true)]
    pub names: Vec<String>,
}

/// An int flag's value as pflag parses it (Go's `strconv.ParseInt(s, 0,
/// 64)`); clap's error carries the value, which `arg_errors` words as Go.
fn go_int(value: &str) -> Result<i64, &'static str> {
    crate::gotext::parse_int(value)
}

#[derive(Args, Debug)]
pub struct StopArgs {
    /// Seconds to wait for stop before killing it (default 10)
    // An int flag of pflag: Go's base prefixes, and `-t -1` takes -1 (a
    // negative time waits for the container however long it takes).
    #[arg(short = 't', long = "time", allow_hyphen_values = true, value_parser = go_int)]
    pub time: Option<i64>,
    #[arg(required = true)]
    pub containers: Vec<String>,
}

#[derive(Args, Debug)]
pub struct RmArgs {
    /// Force the removal of a running container (uses SIGKILL)
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Remove the specified link
    #[arg(short = 'l', long)]
    pub link: bool,
    #[arg(required = true)]
    pub names: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum NetworkCommand {
    /// Create a network.
    Create {
        /// Driver to manage the Network (only `bridge`).
        #[arg(short = 'd', long)]
        driver: Option<String>,
        /// Subnet in CIDR format: one IPv4 and, with --ipv6, one IPv6.
        #[arg(long)]
        subnet: Vec<String>,
        /// IPv4 or IPv6 Gateway for the master subnet.
        #[arg(long)]
        gateway: Vec<String>,
        /// Allocate container addresses from a sub-range.
        #[arg(long = "ip-range")]
        ip_range: Vec<String>,
        /// Addresses the network driver must not hand out (NAME=IP).
        #[arg(long = "aux-address")]
        aux_address: Vec<String>,
        /// Metadata on the network (KEY=VALUE).
        #[arg(long)]
        label: Vec<String>,
        /// Driver options (KEY=VALUE), e.g. com.docker.network.bridge.name=NAME.
        #[arg(short = 'o', long)]
        opt: Vec<String>,
        /// Restrict external access to the network.
        #[arg(long)]
        internal: bool,
        /// Enable manual container attachment.
        #[arg(long)]
        attachable: bool,
        /// Enable IPv6 networking (with an IPv6 --subnet: a lab has no IPv6 pool).
        #[arg(long)]
        ipv6: bool,
        /// IP Address Management driver (only `default`).
        #[arg(long = "ipam-driver")]
        ipam_driver: Option<String>,
        /// IPAM driver options (KEY=VALUE).
        #[arg(long = "ipam-opt")]
        ipam_opt: Vec<String>,
        name: String,
    },
    /// List networks.
    #[command(alias = "list")]
    Ls {
        /// Only display network IDs.
        #[arg(short = 'q', long)]
        quiet: bool,
        /// Do not truncate the output.
        #[arg(long)]
        no_trunc: bool,
        /// Filter output (driver, id, label, name, scope, type, dangling).
        #[arg(short = 'f', long)]
        filter: Vec<String>,
        /// Pretty-print networks using a Go template (`table` for a table).
        #[arg(long)]
        format: Option<String>,
    },
    /// Remove all unused networks.
    Prune {
        /// Do not prompt for confirmation.
        #[arg(short = 'f', long)]
        force: bool,
        /// Provide filter values (e.g. 'until=<timestamp>', 'label=KEY').
        #[arg(long)]
        filter: Vec<String>,
    },
    /// Display detailed information on networks.
    Inspect {
        /// Format the output using the given Go template.
        #[arg(short = 'f', long)]
        format: Option<String>,
        /// Verbose output for diagnostics (a local network shows the same)
        #[arg(short = 'v', long)]
        verbose: bool,
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Connect a container to a network.
    Connect {
        /// Add network-scoped alias for the container.
        #[arg(long)]
        alias: Vec<String>,
        /// IPv4 address (e.g., 172.30.100.104).
        #[arg(long)]
        ip: Option<String>,
        /// IPv6 address (e.g., 2001:db8::33)
        #[arg(long)]
        ip6: Option<String>,
        /// Add link to another container
        #[arg(long)]
        link: Vec<String>,
        network: String,
        container: String,
    },
    /// Disconnect a container from a network.
    Disconnect {
        /// Force the container to disconnect from a network.
        #[arg(short = 'f', long)]
        force: bool,
        network: String,
        container: String,
    },
    /// Remove networks.
    #[command(alias = "remove")]
    Rm {
        #[arg(required = true)]
        names: Vec<String>,
    },
}

/// The CLI when invoked as `docker`.
#[derive(Parser, Debug)]
#[command(
    name = "docker",
    about = "netlings' docker: Docker's runtime commands against a netlings lab"
)]
pub struct DockerCli {
    #[arg(long, global = true, value_name = "NAME", hide = true)]
    pub lab: Option<String>,
    #[command(subcommand)]
    pub command: DockerCommand,
}

/// The program name used in error prefixes: `docker:` or `netlings:`.
pub fn prog_name() -> String {
    std::env::args()
        .next()
        .map(|a| a.rsplit('/').next().unwrap_or(&a).to_string())
        .filter(|a| a == "docker")
        .unwrap_or_else(|| "netlings".into())
}

pub fn main_netlings(args: Vec<String>) -> i32 {
    if let Some((line, code)) = scope::refuse(&args, "netlings") {
        eprintln!("{line}");
        return code;
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => return parse_failure(&e, &args, "netlings"),
    };
    let lab = cli.lab.as_deref();
    match cli.command {
        Command::Lab(cmd) => lab_cmd::lab_command(cmd, lab),
        Command::Shell { expose } => shell::shell(expose, lab),
        Command::Topology(args) => topology_cmd::topology(args, lab),
        Command::Lesson(cmd) => lesson_cmd::lesson_command(cmd, lab),
        Command::Challenge(cmd) => challenge_cmd::challenge_command(cmd, lab),
        Command::Bench { containers, rounds } => crate::bench::main(containers, rounds),
        Command::TcpSend { addr, bytes, cc } => crate::bench::tcp_send(&addr, bytes, cc.as_deref()),
        Command::Capture(args) => capture_cmd::capture(args, lab),
        Command::Trace(args) => trace_cmd::trace(args, lab),
        Command::Docker(cmd) => docker_cmd::docker(cmd, lab),
    }
}

pub fn main_docker(args: Vec<String>) -> i32 {
    if let Some((line, code)) = scope::refuse(&args, "docker") {
        eprintln!("{line}");
        return code;
    }
    let cli = match DockerCli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => return parse_failure(&e, &args, "docker"),
    };
    docker_cmd::docker(cli.command, cli.lab.as_deref())
}

/// A command line the parser refused: Docker's words where Docker has
/// them, else clap's (and `--help`, which clap reports as an "error").
fn parse_failure(e: &clap::Error, args: &[String], prog: &str) -> i32 {
    if let Some((text, code)) = arg_errors::docker_words(e, args, prog) {
        eprintln!("{text}");
        return code;
    }
    let _ = e.print();
    if e.use_stderr() {
        125
    } else {
        0
    }
}

#[cfg(test)]
mod help_tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Options without a description, as "command path: --flag".
    fn undescribed(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let option = arg.get_long().is_some() || arg.get_short().is_some();
            if option && !arg.is_hide_set() && arg.get_help().is_none() {
                out.push(format!("{path}: --{}", arg.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            undescribed(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_option_of_every_command_says_what_it_does() {
        let mut missing = Vec::new();
        undescribed(&Cli::command(), "netlings", &mut missing);
        assert!(missing.is_empty(), "options without help: {missing:#?}");
    }
}

#[cfg(test)]
mod readme_tests {
    use clap::CommandFactory;

    /// The README lists every command the `docker` CLI accepts, and each
    /// command's flags (long `--time` or short `-t`, in backquotes) in the
    /// table row that names it (`| \`stop\`, \`restart\` | ...`). The object
    /// forms under `container` and `image` share their flags with the
    /// top-level commands, so only their names are looked for.
    #[test]
    fn the_readme_lists_every_docker_command_and_flag() {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
        let mut missing = Vec::new();
        let rows_of = |name: &str| -> Vec<&str> {
            readme
                .lines()
                .filter(|l| {
                    let first = l.split('|').nth(1).unwrap_or("");
                    l.starts_with('|') && first.contains(&format!("`{name}"))
                })
                .collect()
        };
        fn walk<'a>(
            cmd: &clap::Command,
            path: &str,
            readme: &str,
            rows_of: &dyn Fn(&str) -> Vec<&'a str>,
            missing: &mut Vec<String>,
        ) {
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                let name = sub.get_name();
                let here = format!("{path} {name}").trim().to_string();
                let listed = readme.contains(&format!("`{name}"))
                    || readme.contains(&format!("|{name}"))
                    || readme.contains(&format!("{name}|"));
                if !listed {
                    missing.push(here.clone());
                }
                let object_form = ["container", "image"].contains(&path) && name != "prune";
                let rows = rows_of(if path == "container" { &here } else { name });
                for arg in sub.get_arguments() {
                    if object_form || arg.is_positional() || arg.get_id() == "help" {
                        continue;
                    }
                    let long = arg.get_long().map(|l| format!("`--{l}"));
                    let short = arg.get_short().map(|s| format!("`-{s}"));
                    let found = [long.clone(), short]
                        .into_iter()
                        .flatten()
                        .any(|f| rows.iter().any(|r| r.contains(&f)));
                    if !found {
                        missing.push(format!("{here} {}", long.unwrap_or_default()));
                    }
                }
                walk(sub, &here, readme, rows_of, missing);
            }
        }
        walk(
            &super::DockerCli::command(),
            "",
            readme,
            &rows_of,
            &mut missing,
        );
        assert!(missing.is_empty(), "not in README.md: {missing:?}");
    }
}
