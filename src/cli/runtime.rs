//! What each command does on the client side: pick the lab (starting it if
//! needed), send the request, print the reply the way Docker prints it.

use super::exec::Attach;
use super::ps_filter::{FilterError, PsFilter};
use super::{DockerCommand, LabCommand, NetworkCommand};
use crate::engine::api::{ApiError, ExecPlan, PsRow, Request, RunSpec};
use crate::engine::validate;
use crate::inspect::table;
use crate::lab::{self, client, daemon, Lab};
use serde_json::Value;
use std::os::fd::{AsRawFd, OwnedFd};

/// Picks the lab and starts it if it is not running, as Docker's CLI
/// expects a daemon to be there. Commands of a lab's owner start nothing
/// (`IN_LAB`); in a lab's shell a new lab would also be nested in the
/// first one's namespaces.
fn ensure_lab(flag: Option<&str>) -> Result<Lab, String> {
    let lab = Lab::chosen(flag)?;
    if let Ok(inside) = std::env::var(IN_LAB) {
        return match lab.status()? {
            lab::Status::Running { .. } => Ok(lab),
            _ if inside == lab.name => Err(format!("lab {} has stopped", lab.name)),
            _ => Err(format!(
                "lab {} is not running, and a command run in lab {inside} starts no lab",
                lab.name
            )),
        };
    }
    daemon::ensure_running(&lab, daemon::StartOptions::default())?;
    Ok(lab)
}

/// Set to a lab's name for the commands its owner runs in it (a shell, a
/// lesson's steps): they never start a lab, so a step still running when
/// its lesson is killed cannot bring the lab back without an owner.
pub const IN_LAB: &str = "NETLINGS_IN_LAB";

fn fail(msg: &str) -> i32 {
    eprintln!("{msg}");
    1
}

/// One request; Ok(value) or the error already printed with `prefix`.
fn call(lab: &Lab, req: Request, fds: &[i32]) -> Result<(Value, Vec<OwnedFd>), ApiError> {
    match client::call(lab, &req, fds) {
        Ok((Ok(v), fds)) => Ok((v, fds)),
        Ok((Err(e), _)) => Err(e),
        Err(msg) => Err(ApiError::unavailable(msg)),
    }
}

fn daemon_error(e: &ApiError) -> String {
    format!("Error response from daemon: {}", e.message)
}

pub fn docker(cmd: DockerCommand, lab_flag: Option<&str>) -> i32 {
    let lab = match ensure_lab(lab_flag) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    match cmd {
        DockerCommand::Run(a) => run(&lab, a),
        DockerCommand::Exec(a) => exec(&lab, a),
        DockerCommand::Ps(a) => ps(&lab, a),
        DockerCommand::Port { container, port } => port_cmd(&lab, &container, port.as_deref()),
        DockerCommand::Inspect(a) => {
            inspect(&lab, &a.names, a.format.as_deref(), a.kind.as_deref())
        }
        DockerCommand::Stop(a) => each(
            &a.containers,
            "stop",
            |c| Request::Stop {
                container: c.into(),
                timeout: a.time,
            },
            &lab,
        ),
        DockerCommand::Start { containers } => each(
            &containers,
            "start",
            |c| Request::Start {
                container: c.into(),
            },
            &lab,
        ),
        DockerCommand::Restart(a) => each(
            &a.containers,
            "restart",
            |c| Request::Restart {
                container: c.into(),
                timeout: a.time,
            },
            &lab,
        ),
        DockerCommand::Rm(a) => {
            if a.link {
                each(&a.names, "rm", |c| Request::RmLink { path: c.into() }, &lab)
            } else {
                each(
                    &a.names,
                    "rm",
                    |c| Request::Rm {
                        container: c.into(),
                        force: a.force,
                    },
                    &lab,
                )
            }
        }
        DockerCommand::Network(n) => network(&lab, n),
    }
}

/// After a command killed by SIGKILL: if its lab went down with it, say
/// so. A dying engine's socket closes within moments of its containers'
/// end, so it is asked a few times before the lab counts as alive.
fn say_if_the_lab_died(lab: &Lab, code: i32) {
    if code != 137 {
        return;
    }
    for _ in 0..10 {
        if !matches!(lab.status(), Ok(lab::Status::Running { .. })) {
            eprintln!("{}", client::stopped_during(lab));
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Runs one request per name, printing each name on success as Docker does.
fn each(names: &[String], verb: &str, req: impl Fn(&str) -> Request, lab: &Lab) -> i32 {
    let mut failed = Vec::new();
    for name in names {
        match call(lab, req(name), &[]) {
            Ok(_) => println!("{name}"),
            Err(e) => {
                if e.is_not_found() && verb == "rm" {
                    eprintln!("Error: {}", e.message);
                } else {
                    eprintln!("{}", daemon_error(&e));
                }
                failed.push(name.clone());
            }
        }
    }
    if failed.is_empty() {
        0
    } else {
        if verb == "start" {
            eprintln!("Error: failed to start containers: {}", failed.join(", "));
        }
        1
    }
}

fn run(lab: &Lab, a: super::RunArgs) -> i32 {
    let prog = super::prog_name();
    // Docker's flag parser refuses `-e =x`, in its own words, unprefixed.
    if let Some(e) = a.env.iter().find_map(|v| validate::env_flag(v).err()) {
        eprintln!("{e}\nSee '{prog} run --help'.");
        return 125;
    }
    // Docker's client checks -p itself: "docker: Invalid hostPort: 70000."
    for flag in &a.publish {
        if let Err(e) = crate::ports::parse_publish(flag) {
            eprintln!("{prog}: {e}.\nSee '{prog} run --help'.");
            return 125;
        }
    }
    // And aliases on a network that is named but not user-defined (facts
    // #104); without --network they are dropped (`Engine::create`).
    if let (Some(mode), false) = (&a.network, a.network_alias.is_empty()) {
        if !validate::user_defined_mode(mode) {
            eprintln!("{prog}: network-scoped aliases are only supported for user-defined networks.\nSee '{prog} run --help'.");
            return 125;
        }
    }
    let spec = RunSpec {
        image: a.image,
        name: a.name,
        cmd: a.command,
        env: expand_env(a.env),
        network: a.network,
        hostname: a.hostname,
        publish: a.publish,
        publish_all: a.publish_all,
        links: a.link,
        aliases: a.network_alias,
        ip: a.ip,
        auto_remove: a.rm,
        tty: a.tty,
        interactive: a.interactive,
        workdir: a.workdir,
    };
    let attach = !a.detach;
    let result = if attach && a.tty {
        run_with_pty(lab, spec)
    } else {
        // Without -i the container's stdin is empty, as in Docker.
        let null = std::fs::File::open("/dev/null").ok();
        let stdin_fd = match (&null, a.interactive) {
            (Some(f), false) => f.as_raw_fd(),
            _ => 0,
        };
        let fds: Vec<i32> = if attach { vec![stdin_fd, 1, 2] } else { vec![] };
        call(lab, Request::Run { spec, attach }, &fds)
    };
    match result {
        Ok((v, _)) => {
            if attach {
                v["exit_code"].as_i64().unwrap_or(0) as i32
            } else {
                println!("{}", v["id"].as_str().unwrap_or(""));
                0
            }
        }
        Err(e) => {
            if let (Some(id), false) = (&e.created, attach) {
                println!("{id}");
            }
            // Docker's client adds its help line only to errors of create.
            if e.created.is_some() {
                eprintln!("{prog}: {}.", daemon_error(&e));
            } else {
                eprintln!("{prog}: {}.\nSee '{prog} run --help'.", daemon_error(&e));
            }
            e.exit_code("run")
        }
    }
}

/// `run -t` attached: the container gets a pty slave as its terminal; we
/// relay until the engine replies that the container has exited.
fn run_with_pty(lab: &Lab, spec: RunSpec) -> Result<(Value, Vec<OwnedFd>), ApiError> {
    let mut pty = super::tty::Pty::open()
        .map_err(|e| ApiError::system(format!("cannot allocate a terminal: {e}")))?;
    let slave = pty.slave.take().expect("a fresh pty has its slave");
    let (done_r, done_w) = nix::unistd::pipe().map_err(|e| ApiError::system(e.to_string()))?;
    let lab = lab.clone();
    let waiter = std::thread::spawn(move || {
        let raw = slave.as_raw_fd();
        let reply = call(&lab, Request::Run { spec, attach: true }, &[raw, raw, raw]);
        drop(slave);
        drop(done_w);
        reply
    });
    pty.relay_until(done_r.as_raw_fd());
    drop(pty);
    waiter
        .join()
        .unwrap_or_else(|_| Err(ApiError::system("the run request failed")))
}

fn exec(lab: &Lab, a: super::ExecArgs) -> i32 {
    // The same flag, the same check as `run`'s.
    if let Some(e) = a.env.iter().find_map(|v| validate::env_flag(v).err()) {
        eprintln!("{e}\nSee '{} exec --help'.", super::prog_name());
        return 125;
    }
    let req = Request::ExecPrepare {
        container: a.container.clone(),
        env: expand_env(a.env),
        workdir: a.workdir,
        tty: a.tty,
    };
    match call(lab, req, &[]) {
        Ok((v, fds)) => {
            let plan: ExecPlan = match serde_json::from_value(v) {
                Ok(p) => p,
                Err(e) => return fail(&format!("bad exec plan: {e}")),
            };
            let attach = match (a.detach, a.tty) {
                (true, _) => Attach::Detached,
                (false, true) => Attach::Tty,
                (false, false) => Attach::Inherit,
            };
            let code = super::exec::run_in_namespaces(&plan, fds, &a.command, None, true, attach);
            say_if_the_lab_died(lab, code);
            code
        }
        Err(e) => fail(&daemon_error(&e)),
    }
}

fn ps(lab: &Lab, a: super::PsArgs) -> i32 {
    if !a.extra.is_empty() {
        let prog = super::prog_name();
        return fail(&format!(
            "\"{prog} ps\" accepts no arguments.\nSee '{prog} ps --help'."
        ));
    }
    let filter = match PsFilter::parse(&a.filter) {
        Ok(f) => f,
        Err(FilterError::BadFormat(e)) => {
            let prog = super::prog_name();
            eprintln!("{e}\nSee '{prog} ps --help'.");
            return 125;
        }
        Err(FilterError::Invalid(e)) => return fail(&e),
    };
    let rows: Vec<PsRow> = match call(
        lab,
        Request::Ps {
            all: a.all || a.latest || filter.implies_all(),
        },
        &[],
    ) {
        Ok((v, _)) => serde_json::from_value(v).unwrap_or_default(),
        Err(e) => return fail(&daemon_error(&e)),
    };
    let rows = rows.into_iter().filter(|r| filter.matches(r));
    // -l: the newest container that passes the filters.
    let rows: Vec<PsRow> = rows.take(if a.latest { 1 } else { usize::MAX }).collect();
    if a.quiet {
        for r in rows {
            println!("{}", if a.no_trunc { &r.id[..] } else { &r.id[..12] });
        }
        return 0;
    }
    print!("{}", ps_table(&rows, a.no_trunc));
    0
}

pub fn ps_table(rows: &[PsRow], no_trunc: bool) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let cmd: Vec<String> = vec![r.command.clone()];
            vec![
                if no_trunc {
                    r.id.clone()
                } else {
                    r.id[..12].to_string()
                },
                r.image.clone(),
                if no_trunc {
                    format!("\"{}\"", r.command)
                } else {
                    crate::inspect::ps_command(&cmd)
                },
                format!(
                    "{} ago",
                    crate::engine::ids::human_duration((r.now_ns - r.created_ns) as i128)
                ),
                r.status.clone(),
                r.ports.clone(),
                r.name.clone(),
            ]
        })
        .collect();
    table::render(
        &[
            "CONTAINER ID",
            "IMAGE",
            "COMMAND",
            "CREATED",
            "STATUS",
            "PORTS",
            "NAMES",
        ],
        &cells,
    )
}

fn port_cmd(lab: &Lab, container: &str, port: Option<&str>) -> i32 {
    let req = Request::Port {
        container: container.into(),
        filter: port.map(str::to_string),
    };
    match call(lab, req, &[]) {
        Ok((v, _)) => {
            for line in v.as_array().into_iter().flatten() {
                println!("{}", line.as_str().unwrap_or(""));
            }
            0
        }
        Err(e) => fail(&format!("Error: {}", e.message)),
    }
}

/// Prints inspect output for every name; missing ones are reported after.
fn inspect(lab: &Lab, names: &[String], format: Option<&str>, kind: Option<&str>) -> i32 {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for name in names {
        match call(
            lab,
            Request::Inspect {
                name: name.clone(),
                kind: kind.map(str::to_string),
            },
            &[],
        ) {
            Ok((v, _)) => found.push(v),
            Err(e) => errors.push(e),
        }
    }
    let code = print_inspect(&found, format);
    for e in &errors {
        eprintln!("Error: {}", e.message);
    }
    if errors.is_empty() {
        code
    } else {
        1
    }
}

fn print_inspect(found: &[Value], format: Option<&str>) -> i32 {
    match format {
        Some(tpl) => {
            for v in found {
                match crate::inspect::template::render(tpl, v) {
                    Ok(text) => println!("{text}"),
                    Err(e) => return fail(&e.0),
                }
            }
            0
        }
        None => {
            println!("{}", to_docker_json(&Value::Array(found.to_vec())));
            0
        }
    }
}

/// JSON the way Docker's CLI indents it: four spaces, `[]` for empty.
pub fn to_docker_json(v: &Value) -> String {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    serde::Serialize::serialize(v, &mut ser).expect("JSON values serialize");
    String::from_utf8(buf).unwrap_or_default()
}

fn network(lab: &Lab, cmd: NetworkCommand) -> i32 {
    match cmd {
        NetworkCommand::Create {
            driver,
            subnet,
            gateway,
            name,
        } => {
            // Docker's client pairs gateways with subnets before asking.
            if let Err(e) = validate::consolidate_ipam(subnet.as_deref(), gateway.as_deref()) {
                return fail(&e);
            }
            match call(
                lab,
                Request::NetworkCreate {
                    name,
                    driver,
                    subnet,
                    gateway,
                },
                &[],
            ) {
                Ok((v, _)) => {
                    println!("{}", v.as_str().unwrap_or(""));
                    0
                }
                Err(e) => fail(&daemon_error(&e)),
            }
        }
        NetworkCommand::Ls { quiet, no_trunc } => {
            let nets = match call(lab, Request::NetworkLs, &[]) {
                Ok((Value::Array(a), _)) => a,
                Ok(_) => Vec::new(),
                Err(e) => return fail(&daemon_error(&e)),
            };
            let id = |n: &Value| {
                let id = n["id"].as_str().unwrap_or("").to_string();
                if no_trunc {
                    id
                } else {
                    id.chars().take(12).collect()
                }
            };
            if quiet {
                for n in &nets {
                    println!("{}", id(n));
                }
                return 0;
            }
            let rows: Vec<Vec<String>> = nets
                .iter()
                .map(|n| {
                    vec![
                        id(n),
                        n["name"].as_str().unwrap_or("").into(),
                        n["driver"].as_str().unwrap_or("").into(),
                        n["scope"].as_str().unwrap_or("").into(),
                    ]
                })
                .collect();
            print!(
                "{}",
                table::render(&["NETWORK ID", "NAME", "DRIVER", "SCOPE"], &rows)
            );
            0
        }
        NetworkCommand::Inspect { format, names } => {
            let mut found = Vec::new();
            let mut missing = Vec::new();
            for name in &names {
                match call(
                    lab,
                    Request::Inspect {
                        name: name.clone(),
                        kind: Some("network".into()),
                    },
                    &[],
                ) {
                    Ok((v, _)) => found.push(v),
                    Err(_) => missing.push(name.clone()),
                }
            }
            let code = print_inspect(&found, format.as_deref());
            for m in &missing {
                eprintln!("Error: No such network: {m}");
            }
            if missing.is_empty() {
                code
            } else {
                1
            }
        }
        NetworkCommand::Connect {
            alias,
            ip,
            network,
            container,
        } => {
            match call(
                lab,
                Request::NetworkConnect {
                    network,
                    container,
                    aliases: alias,
                    ip,
                },
                &[],
            ) {
                Ok(_) => 0,
                Err(e) => fail(&daemon_error(&e)),
            }
        }
        NetworkCommand::Disconnect {
            force,
            network,
            container,
        } => {
            match call(
                lab,
                Request::NetworkDisconnect {
                    network,
                    container,
                    force,
                },
                &[],
            ) {
                Ok(_) => 0,
                Err(e) => fail(&daemon_error(&e)),
            }
        }
        NetworkCommand::Rm { names } => {
            let mut code = 0;
            for name in names {
                match call(lab, Request::NetworkRm { name: name.clone() }, &[]) {
                    Ok(_) => println!("{name}"),
                    Err(e) => {
                        eprintln!("{}", daemon_error(&e));
                        code = 1;
                    }
                }
            }
            code
        }
    }
}

pub fn lab_command(cmd: LabCommand, lab_flag: Option<&str>) -> i32 {
    let pick = |name: Option<String>| Lab::chosen(name.as_deref().or(lab_flag));
    match cmd {
        LabCommand::Start {
            name,
            deterministic,
            expose,
        } => {
            let lab = match pick(name) {
                Ok(l) => l,
                Err(e) => return fail(&e),
            };
            let opts = daemon::StartOptions {
                deterministic,
                owner: None,
            };
            match start_lab(&lab, opts, expose) {
                Ok(started) => {
                    match started {
                        daemon::Started::Fresh { pid } => {
                            println!("lab {} started (engine pid {pid})", lab.name)
                        }
                        daemon::Started::AlreadyRunning { pid } => {
                            println!("lab {} is already running (engine pid {pid})", lab.name)
                        }
                    }
                    announce_exposure(&lab);
                    0
                }
                Err(e) => fail(&e),
            }
        }
        LabCommand::Stop { name } => {
            match pick(name).and_then(|l| daemon::stop(&l).map(|s| (l, s))) {
                Ok((l, daemon::Stopped::Stopped)) => {
                    println!("lab {} stopped", l.name);
                    0
                }
                Ok((l, daemon::Stopped::WasCrashed)) => {
                    println!(
                        "lab {} had stopped unexpectedly; what it left (its log too) is removed",
                        l.name
                    );
                    0
                }
                Err(e) => fail(&e),
            }
        }
        LabCommand::Ls => {
            // Someone else's state is not an empty list.
            if let Err(e) = lab::ownership::verify(&lab::state_root()) {
                return fail(&e);
            }
            let mut rows = Vec::new();
            for l in lab::all_labs() {
                let status = match l.status() {
                    // A lab being started looks crashed until it answers:
                    // ask again once its starter has let go.
                    Ok(lab::Status::Crashed) => l
                        .lock()
                        .and_then(|_lock| l.status())
                        .unwrap_or(lab::Status::Crashed),
                    Ok(s) => s,
                    Err(e) => return fail(&e),
                };
                rows.push(match status {
                    lab::Status::Running { pid } => {
                        let containers = match client::call(&l, &Request::Info, &[]) {
                            Ok((Ok(info), _)) => info["containers"].to_string(),
                            _ => "?".into(),
                        };
                        vec![
                            l.name.clone(),
                            pid.to_string(),
                            containers,
                            "running".into(),
                            crate::lab::expose::recorded(&l)
                                .map_or("-".into(), |e| e.lab_ip.to_string()),
                        ]
                    }
                    lab::Status::Crashed => {
                        vec![
                            l.name.clone(),
                            "-".into(),
                            "-".into(),
                            "crashed".into(),
                            "-".into(),
                        ]
                    }
                    lab::Status::Stopped => continue,
                });
            }
            print!(
                "{}",
                table::render(
                    &["NAME", "ENGINE PID", "CONTAINERS", "STATE", "EXPOSED AT"],
                    &rows
                )
            );
            0
        }
        LabCommand::Exec { name, command } => {
            let lab = match pick(name) {
                Ok(l) => l,
                Err(e) => return fail(&e),
            };
            match lab.status() {
                Ok(lab::Status::Running { .. }) => lab_host_exec(&lab, &command, None, false),
                Ok(_) => fail(&format!(
                    "lab {} is not running (start it with: netlings lab start {})",
                    lab.name, lab.name
                )),
                Err(e) => fail(&e),
            }
        }
    }
}

/// Starts `lab` (or finds it running), and with `expose` links this
/// machine to its host. A failed exposure stops a lab it started.
fn start_lab(
    lab: &Lab,
    opts: daemon::StartOptions,
    expose: bool,
) -> Result<daemon::Started, String> {
    if expose {
        crate::lab::expose::check_allowed()?;
    }
    let started = daemon::ensure_running(lab, opts)?;
    if !expose {
        return Ok(started);
    }
    match (started, crate::lab::expose::recorded(lab)) {
        (daemon::Started::AlreadyRunning { .. }, Some(_)) => {}
        (daemon::Started::AlreadyRunning { .. }, None) => {
            return Err(format!(
                "lab {} is already running without --expose; stop it first",
                lab.name
            ))
        }
        (daemon::Started::Fresh { pid }, _) => {
            if let Err(e) = crate::lab::expose::expose(lab, pid) {
                let _ = daemon::stop(lab);
                return Err(format!("{e}; lab {} not started", lab.name));
            }
        }
    }
    Ok(started)
}

/// Says where an exposed lab opens, if it is exposed.
fn announce_exposure(lab: &Lab) {
    if let Some(e) = crate::lab::expose::recorded(lab) {
        println!(
            "exposed: this machine is {} on {}, the lab host {} on {}; published ports open at {}:PORT",
            e.host_ip,
            e.interface,
            e.lab_ip,
            crate::lab::expose::LAB_INTERFACE,
            e.lab_ip
        );
    }
}

/// Runs a command on the lab's Docker host, with the caller's environment;
/// `tty`: on a terminal of its own (a shell's job control needs one in the
/// lab's PID namespace).
fn lab_host_exec(lab: &Lab, command: &[String], env: Option<Vec<String>>, tty: bool) -> i32 {
    match call(lab, Request::LabHostPrepare, &[]) {
        Ok((v, fds)) => {
            let plan: ExecPlan = match serde_json::from_value(v) {
                Ok(p) => p,
                Err(e) => return fail(&format!("bad plan: {e}")),
            };
            let env =
                env.unwrap_or_else(|| std::env::vars().map(|(k, v)| format!("{k}={v}")).collect());
            let cwd = std::env::current_dir()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            let plan = ExecPlan {
                workdir: cwd,
                ..plan
            };
            let attach = if tty { Attach::Tty } else { Attach::Inherit };
            let code =
                super::exec::run_in_namespaces(&plan, fds, command, Some(env), false, attach);
            say_if_the_lab_died(lab, code);
            code
        }
        Err(e) => fail(&e.message),
    }
}

/// A shell on a running lab's Docker host, `docker` on its PATH, its
/// prompt naming the lab.
pub fn shell_on(lab: &Lab) -> i32 {
    let bin = lab.dir().join("bin");
    let shell = std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/bash".into());
    let rc = lab.dir().join("shellrc");
    let prompt = format!("(lab {}) ", lab.name);
    // bash reads ~/.bashrc, which sets PS1: the rc file adds the lab's name
    // after it.
    let made = std::fs::create_dir_all(&bin)
        .and_then(|_| {
            for name in ["docker", "netlings"] {
                let link = bin.join(name);
                if !link.exists() {
                    std::os::unix::fs::symlink(std::env::current_exe()?, link)?;
                }
            }
            Ok(())
        })
        .and_then(|_| std::fs::write(&rc, bash_rc(&prompt)));
    if let Err(e) = made {
        return fail(&format!("cannot prepare the shell: {e}"));
    }
    let mut env: Vec<String> = std::env::vars()
        .filter(|(k, _)| !matches!(k.as_str(), "PATH" | "NETLINGS_LAB" | "PS1"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    env.push(format!(
        "PATH={}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    ));
    env.push(format!("NETLINGS_LAB={}", lab.name));
    env.push(format!("{IN_LAB}={}", lab.name));
    // Inside the lab's user namespace everyone is root: the lab's state is
    // named here, not guessed from the uid.
    env.push(format!(
        "NETLINGS_STATE_DIR={}",
        lab::state_root().display()
    ));
    let mut command = vec![shell.clone()];
    if shell.ends_with("bash") {
        command.extend(["--rcfile".to_string(), rc.display().to_string()]);
    } else {
        // POSIX shells expand no \w in PS1.
        env.push(format!("PS1={prompt}$ "));
    }
    let tty = std::io::IsTerminal::is_terminal(&std::io::stdin());
    lab_host_exec(lab, &command, Some(env), tty)
}

/// The shell's start file: the user's own settings, then the lab in front
/// of the prompt.
fn bash_rc(prompt: &str) -> String {
    format!(
        "[ -n \"$BASH_VERSION\" ] && [ -f ~/.bashrc ] && . ~/.bashrc\n\
         PS1=\"{prompt}${{PS1:-\\$ }}\"\n"
    )
}

/// A shell on a lab's Docker host, with `docker` on PATH. The lab is a new
/// one, named `shell-PID` or by `--lab`, and goes away when the shell
/// exits (or this process dies); a lab that was already running is only
/// visited, and stays.
pub fn shell(expose: bool, lab_flag: Option<&str>) -> i32 {
    let name = lab_flag
        .map(str::to_string)
        .unwrap_or_else(|| format!("shell-{}", std::process::id()));
    let lab = match Lab::new(&name) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let opts = daemon::StartOptions {
        deterministic: false,
        owner: Some(std::process::id()),
    };
    let owned = match start_lab(&lab, opts, expose) {
        Ok(daemon::Started::Fresh { .. }) => true,
        Ok(daemon::Started::AlreadyRunning { .. }) => false,
        Err(e) => return fail(&e),
    };
    announce_exposure(&lab);
    if owned {
        eprintln!("netlings: a shell on lab {name}'s Docker host; `docker ...` acts on this lab. Exit to remove the lab.");
    } else {
        eprintln!("netlings: a shell on lab {name}'s Docker host (it was running already, and stays when you exit).");
    }
    let code = shell_on(&lab);
    if owned {
        let _ = daemon::stop(&lab);
    }
    code
}

pub fn topology(lab_flag: Option<&str>) -> i32 {
    let lab = match ensure_lab(lab_flag) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    match crate::lesson::runner::topology(&lab) {
        Ok(text) => {
            print!("{text}");
            0
        }
        Err(e) => fail(&e),
    }
}

pub fn lesson_command(cmd: super::LessonCommand, lab_flag: Option<&str>) -> i32 {
    use crate::lesson;
    match cmd {
        super::LessonCommand::List => {
            let lessons = match lesson::all() {
                Ok(l) => l,
                Err(e) => return fail(&e.to_string()),
            };
            let done = lesson::progress::completed();
            let rows: Vec<Vec<String>> = lessons
                .iter()
                .map(|l| {
                    vec![
                        l.id.clone(),
                        l.title.clone(),
                        l.steps.len().to_string(),
                        if done.contains(&l.id) {
                            "done".into()
                        } else {
                            "-".into()
                        },
                    ]
                })
                .collect();
            print!(
                "{}",
                table::render(&["LESSON", "TITLE", "STEPS", "COMPLETED"], &rows)
            );
            println!(
                "\nStart with: netlings lesson run {}",
                lessons
                    .first()
                    .map(|l| l.id.as_str())
                    .unwrap_or("default-bridge")
            );
            0
        }
        super::LessonCommand::Run {
            name,
            auto,
            pace,
            from,
            shell,
        } => {
            if let Some(p) = pace.filter(|p| !(0.0..=3600.0).contains(p)) {
                return fail(&format!(
                    "--pace {p:?}: give the seconds between steps, from 0 to 3600"
                ));
            }
            match lesson::find(&name) {
                Ok(l) => lesson::runner::run(
                    &l,
                    &lesson::runner::Options {
                        auto,
                        pace,
                        from,
                        shell,
                        lab: lab_flag.map(str::to_string),
                    },
                ),
                Err(e) => fail(&e),
            }
        }
        super::LessonCommand::Verify {
            paths,
            snapshots,
            accept,
            format,
            report,
            jobs,
        } => lesson::verify::verify(&lesson::verify::Options {
            paths,
            snapshots,
            accept,
            format,
            report,
            jobs,
        }),
        super::LessonCommand::Transcript { name } => match lesson::find(&name) {
            Ok(l) => match lesson::runner::transcript(&l, lab_flag) {
                Ok(t) => {
                    print!("{t}");
                    0
                }
                Err((t, why)) => {
                    print!("{t}");
                    fail(&why)
                }
            },
            Err(e) => fail(&e),
        },
    }
}

/// `-e KEY` takes KEY's value from the client's environment, as Docker's
/// client does; unset, it goes as a bare KEY (which unsets an image value).
fn expand_env(env: Vec<String>) -> Vec<String> {
    env.into_iter()
        .map(|e| match std::env::var(&e) {
            Ok(v) if !e.contains('=') => format!("{e}={v}"),
            _ => e,
        })
        .collect()
}
