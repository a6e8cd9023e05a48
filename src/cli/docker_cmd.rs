//! Docker's runtime commands (`run`, `exec`, `ps`, `network`...): send the
//! request to the lab, print the reply the way Docker prints it.

use super::exec::Attach;
use super::lab_access::{call, daemon_error, ensure_lab, fail, say_if_the_lab_died};
use super::ps_filter;
use super::views::{print_inspect, ps_table};
use super::{DockerCommand, NetworkCommand};
use crate::engine::api::{
    ApiError, NetworkSpec, NetworkSummary, PsRow, Request, Response, RunSpec,
};
use crate::engine::validate;
use crate::inspect::table;
use crate::lab::Lab;
use std::os::fd::{AsRawFd, OwnedFd};

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
        DockerCommand::Start {
            attach: true,
            containers,
        } => super::container_cmd::start_attached(&lab, &containers),
        DockerCommand::Start { containers, .. } => each(
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
                    if a.force { "rm -f" } else { "rm" },
                    |c| Request::Rm {
                        container: c.into(),
                        force: a.force,
                    },
                    &lab,
                )
            }
        }
        DockerCommand::Network(n) => network(&lab, n),
        DockerCommand::Create(a) => super::container_cmd::create(&lab, a),
        DockerCommand::Kill(a) => super::container_cmd::kill(&lab, a),
        DockerCommand::Rename {
            container,
            new_name,
        } => super::container_cmd::rename(&lab, container, new_name),
        DockerCommand::Wait { containers } => super::container_cmd::wait(&lab, &containers),
        DockerCommand::Images | DockerCommand::Image(_) => super::system_cmd::images(),
        DockerCommand::Logs(a) => super::container_cmd::logs(&lab, a),
        DockerCommand::Version => super::system_cmd::version(&lab),
        DockerCommand::Info => super::system_cmd::info(&lab),
        DockerCommand::Top(a) => super::top_cmd::top(&lab, &a.container, &a.ps_args),
        DockerCommand::Cp(a) => super::cp_cmd::cp(&lab, &a.src, &a.dest, a.follow_link),
        DockerCommand::Container(c) => match c.into_docker() {
            Ok(cmd) => docker(cmd, lab_flag),
            Err(force) => super::container_cmd::prune(&lab, force),
        },
    }
}

/// Runs one request per name, printing each name on success as Docker does.
fn each(names: &[String], verb: &str, req: impl Fn(&str) -> Request, lab: &Lab) -> i32 {
    let mut failed = Vec::new();
    for name in names {
        match call(lab, req(name), &[]) {
            Ok(_) => println!("{name}"),
            Err(e) => {
                if e.is_not_found() && verb.starts_with("rm") {
                    eprintln!("Error: {}", e.message);
                    // `rm -f` only says it: Docker's client exits 0.
                    if verb == "rm -f" {
                        continue;
                    }
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

/// Docker's client ends a `run` error with a period unless it has one.
fn with_period(mut text: String) -> String {
    if !text.ends_with('.') {
        text.push('.');
    }
    text
}

/// What Docker's client checks itself for `run` and `create` (`verb`),
/// then the request's spec; Err: the exit code, the error printed.
pub(super) fn run_spec(a: &super::RunArgs, verb: &str) -> Result<RunSpec, i32> {
    let prog = super::prog_name();
    // The files first, then -e, which overrides them (Docker's client).
    let from_files = match super::env_file::read_all(&a.env_file) {
        Ok(vars) => vars,
        Err(e) => {
            eprintln!("{prog}: {e}.\nSee '{prog} {verb} --help'.");
            return Err(125);
        }
    };
    // Docker's flag parser refuses `-e =x`, in its own words, unprefixed.
    if let Some(e) = a.env.iter().find_map(|v| validate::env_flag(v).err()) {
        eprintln!("{e}\nSee '{prog} {verb} --help'.");
        return Err(125);
    }
    // Docker's client checks -p itself: "docker: Invalid hostPort: 70000."
    for flag in &a.publish {
        if let Err(e) = crate::ports::parse_publish(flag) {
            eprintln!("{prog}: {e}.\nSee '{prog} {verb} --help'.");
            return Err(125);
        }
    }
    // --dns, --dns-search (in the words of Docker's flag parser), --dns-option.
    let dns_flags = (a.dns.iter().map(|d| validate::dns_flag(d).map(drop)))
        .chain(
            a.dns_search
                .iter()
                .map(|d| validate::dns_search_flag(d).map(drop)),
        )
        .chain(a.dns_option.iter().map(|o| validate::dns_option_flag(o)));
    for checked in dns_flags {
        if let Err(e) = checked {
            eprintln!("{e}\nSee '{prog} {verb} --help'.");
            return Err(125);
        }
    }
    // --add-host in the flag parser's words (no prefix); --expose in the
    // client's.
    if let Some(e) = a.add_host.iter().find_map(|h| validate::add_host(h).err()) {
        eprintln!("{e}\nSee '{prog} {verb} --help'.");
        return Err(125);
    }
    if let Some(e) = a
        .expose
        .iter()
        .find_map(|x| crate::ports::parse_expose(x).err())
    {
        eprintln!("{prog}: {e}.\nSee '{prog} {verb} --help'.");
        return Err(125);
    }
    // --mac-address: Go's net.ParseMAC, in the client's words.
    if let Some(mac) = a.mac_address.as_deref() {
        if crate::model::ipam::parse_mac(mac).is_none() {
            eprintln!("{prog}: {mac} is not a valid mac address.\nSee '{prog} {verb} --help'.");
            return Err(125);
        }
    }
    // --sysctl in the flag parser's words (no prefix).
    let mut sysctls = std::collections::BTreeMap::new();
    for flag in &a.sysctl {
        match crate::model::capabilities::sysctl_flag(flag) {
            Ok((k, v)) => {
                sysctls.insert(k, v);
            }
            Err(e) => {
                eprintln!("{e}\nSee '{prog} {verb} --help'.");
                return Err(125);
            }
        }
    }
    // And aliases on a network that is named but not user-defined (facts
    // #104); without --network they are dropped (`Engine::create`).
    if let (Some(mode), false) = (&a.network, a.network_alias.is_empty()) {
        if !validate::user_defined_mode(mode) {
            eprintln!("{prog}: network-scoped aliases are only supported for user-defined networks.\nSee '{prog} {verb} --help'.");
            return Err(125);
        }
    }
    // So are links once a network is named, even `bridge` (Docker 20.10.24's
    // client); without --network they are the default bridge's legacy links.
    if let (Some(mode), false) = (&a.network, a.link.is_empty()) {
        if !validate::user_defined_mode(mode) {
            eprintln!("{prog}: links are only supported for user-defined networks.\nSee '{prog} {verb} --help'.");
            return Err(125);
        }
    }
    let a = a.clone();
    Ok(RunSpec {
        console_size: None,
        image: a.image,
        name: a.name,
        cmd: a.command,
        env: from_files.into_iter().chain(expand_env(a.env)).collect(),
        network: a.network,
        hostname: a.hostname,
        publish: a.publish,
        publish_all: a.publish_all,
        links: a.link,
        aliases: a.network_alias,
        ip: a.ip,
        ip6: a.ip6,
        auto_remove: a.rm,
        tty: a.tty,
        interactive: a.interactive,
        workdir: a.workdir,
        dns: a.dns,
        dns_search: a.dns_search,
        dns_options: a.dns_option,
        add_hosts: a.add_host,
        labels: a.label,
        expose: a.expose,
        domainname: a.domainname,
        mac_address: a.mac_address,
        cap_add: a.cap_add,
        cap_drop: a.cap_drop,
        sysctls,
    })
}

fn run(lab: &Lab, a: super::RunArgs) -> i32 {
    let prog = super::prog_name();
    let spec = match run_spec(&a, "run") {
        Ok(s) => s,
        Err(code) => return code,
    };
    let attach = !a.detach;
    if attach && a.tty && a.interactive && !stdin_is_a_terminal() {
        return fail(NOT_A_TTY);
    }
    let warnings =
        crate::engine::validate::create_warnings(spec.network.as_deref(), !spec.publish.is_empty());
    // Docker's client prints them between create and start: before an
    // attached container's output, before a detached one's id.
    if attach {
        print_warnings(&warnings);
    }
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
        Ok((Response::Run { id, exit_code }, _)) => match exit_code {
            Some(code) if attach => code,
            _ => {
                print_warnings(&warnings);
                println!("{id}");
                0
            }
        },
        Ok((other, _)) => fail(&other.unexpected().message),
        Err(e) => {
            if let (Some(id), false) = (&e.created, attach) {
                print_warnings(&warnings);
                println!("{id}");
            }
            // Docker's client adds its help line only to errors of create.
            if e.created.is_some() {
                eprintln!("{prog}: {}", with_period(daemon_error(&e)));
            } else {
                eprintln!(
                    "{prog}: {}\nSee '{prog} run --help'.",
                    with_period(daemon_error(&e))
                );
            }
            match e.created {
                Some(_) => start_failure_exit_code(&e.message),
                None => e.exit_code("run"),
            }
        }
    }
}

/// A create's warnings as Docker's client prints them.
pub(super) fn print_warnings(warnings: &[String]) {
    for w in warnings {
        eprintln!("WARNING: {w}");
    }
}

/// Docker's client after a `run` whose start failed (`runStartContainerErr`):
/// 127 for a command not found, 126 for one that cannot be run, else 125.
fn start_failure_exit_code(message: &str) -> i32 {
    if message.contains("executable file not found")
        || message.contains("no such file or directory")
        || message.contains("system cannot find the file specified")
    {
        127
    } else if message.contains("permission denied") {
        126
    } else {
        125
    }
}

/// `run -t` attached: the container makes its terminal inside (as runc
/// does: its /dev/pts/0) and sends the master through the socket we lend;
/// we relay until the engine replies that the container has exited.
fn run_with_pty(lab: &Lab, mut spec: RunSpec) -> Result<(Response, Vec<OwnedFd>), ApiError> {
    let (ours, theirs) = crate::sys::terminal::fd_channel()
        .map_err(|e| ApiError::system(format!("cannot allocate a terminal: {e}")))?;
    spec.console_size = super::tty::terminal_size().map(|s| [s.ws_row, s.ws_col]);
    let raw_mode = super::tty::RawMode::enter();
    let (done_r, done_w) = nix::unistd::pipe().map_err(|e| ApiError::system(e.to_string()))?;
    let lab = lab.clone();
    let waiter = std::thread::spawn(move || {
        let reply = call(
            &lab,
            Request::Run { spec, attach: true },
            &[theirs.as_raw_fd()],
        );
        // No terminal will come now: ends the wait below if none came.
        drop(theirs);
        drop(done_w);
        reply
    });
    match crate::sys::terminal::receive_fd(&ours) {
        Ok(Some(master)) => {
            let pty = super::tty::Pty::new(master, raw_mode);
            pty.relay_until(done_r.as_raw_fd());
        }
        _ => drop(raw_mode),
    }
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
        user: a.user.clone().unwrap_or_default(),
    };
    match call(lab, req, &[]) {
        Ok((Response::ExecPlan(plan), fds)) => {
            if !a.detach && a.tty && a.interactive && !stdin_is_a_terminal() {
                return fail(NOT_A_TTY);
            }
            let attach = match (a.detach, a.tty) {
                (true, _) => Attach::Detached,
                (false, true) => Attach::Tty,
                (false, false) => Attach::Inherit,
            };
            let code = super::exec::run_in_namespaces(&plan, fds, &a.command, None, true, attach);
            say_if_the_lab_died(lab, code);
            code
        }
        Ok((other, _)) => fail(&other.unexpected().message),
        // Docker's client inspects the container first, and says so.
        Err(e) if e.kind == crate::engine::error::Kind::NotFound => {
            fail(&format!("Error: No such container: {}", a.container))
        }
        // runc's refusal comes in the exec's output, 126; with -d it is
        // the daemon's error.
        Err(e)
            if !a.detach
                && a.user
                    .as_deref()
                    .is_some_and(|u| e.message == crate::engine::execs::unknown_user(u)) =>
        {
            println!("{}", e.message);
            126
        }
        Err(e) => fail(&daemon_error(&e)),
    }
}

/// Docker's client refuses `-it` when its stdin is no terminal
/// (`CheckTty`), before it creates anything.
const NOT_A_TTY: &str = "the input device is not a TTY";

fn stdin_is_a_terminal() -> bool {
    nix::unistd::isatty(std::io::stdin()).unwrap_or(false)
}

fn ps(lab: &Lab, a: super::PsArgs) -> i32 {
    if !a.extra.is_empty() {
        let prog = super::prog_name();
        return fail(&format!(
            "\"{prog} ps\" accepts no arguments.\nSee '{prog} ps --help'."
        ));
    }
    let filters = match ps_filter::parse(&a.filter) {
        Ok(f) => f,
        Err(e) => {
            let prog = super::prog_name();
            eprintln!("{e}\nSee '{prog} ps --help'.");
            return 125;
        }
    };
    let rows: Vec<PsRow> = match call(
        lab,
        Request::Ps {
            // `-n N` (any N but Docker's default -1) lists all states too.
            all: a.all || a.latest || a.last.is_some_and(|n| n != -1),
            // Docker's client asks for sizes when the template shows them.
            size: a.size || a.format.as_deref().is_some_and(|f| f.contains(".Size")),
            filters,
        },
        &[],
    ) {
        Ok((Response::Ps { rows }, _)) => rows,
        Ok((other, _)) => return fail(&other.unexpected().message),
        Err(e) => return fail(&daemon_error(&e)),
    };
    let rows = rows.into_iter();
    // -l: the newest container that passes the filters; -n N: the N newest.
    let limit = match (a.latest, a.last) {
        (true, _) => 1,
        (false, Some(n)) if n > 0 => n as usize,
        _ => usize::MAX,
    };
    let rows: Vec<PsRow> = rows.take(limit).collect();
    if a.quiet {
        for r in rows {
            println!("{}", if a.no_trunc { &r.id[..] } else { &r.id[..12] });
        }
        return 0;
    }
    if let Some(format) = &a.format {
        return match super::ps_format::render(format, &rows, a.no_trunc) {
            Ok(text) => {
                print!("{text}");
                0
            }
            Err(e) => fail(&e),
        };
    }
    print!("{}", ps_table(&rows, a.no_trunc, a.size));
    0
}

fn port_cmd(lab: &Lab, container: &str, port: Option<&str>) -> i32 {
    let req = Request::Port {
        container: container.into(),
        filter: port.map(str::to_string),
    };
    match call(lab, req, &[]) {
        Ok((Response::Lines { lines }, _)) => {
            for line in lines {
                println!("{line}");
            }
            0
        }
        Ok((other, _)) => fail(&other.unexpected().message),
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
            Ok((Response::Inspect { json }, _)) => found.push(json),
            Ok((other, _)) => errors.push(other.unexpected()),
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

fn network(lab: &Lab, cmd: NetworkCommand) -> i32 {
    match cmd {
        NetworkCommand::Create {
            driver,
            subnet,
            gateway,
            ip_range,
            aux_address,
            label,
            opt,
            internal,
            attachable,
            ipv6,
            ipam_driver,
            ipam_opt,
            name,
        } => {
            // Docker's client pairs ranges, gateways and aux addresses with
            // subnets before asking.
            let aux = validate::key_values(&aux_address);
            let mut pools = match validate::consolidate_ipam(&subnet, &ip_range, &gateway, &aux) {
                Ok(p) => p.into_iter(),
                Err(e) => return fail(&e),
            };
            let first = pools.next().unwrap_or_default();
            let spec = NetworkSpec {
                name,
                driver,
                subnet: first.subnet,
                gateway: first.gateway,
                ip_range: first.ip_range,
                more_pools: pools.collect(),
                aux_addresses: aux_address,
                labels: label,
                options: opt,
                internal,
                attachable,
                ipv6,
                ipam_driver,
                ipam_options: ipam_opt,
            };
            match call(lab, Request::NetworkCreateSpec { spec }, &[]) {
                Ok((Response::Created { id }, _)) => {
                    println!("{id}");
                    0
                }
                Ok((other, _)) => fail(&other.unexpected().message),
                Err(e) => fail(&daemon_error(&e)),
            }
        }
        NetworkCommand::Ls {
            quiet,
            no_trunc,
            filter,
            format,
        } => {
            if let Some(bad) = filter.iter().find(|f| !f.contains('=')) {
                let prog = super::prog_name();
                eprintln!("invalid argument \"{bad}\" for \"-f, --filter\" flag: bad format of filter (expected name=value)\nSee '{prog} network ls --help'.");
                return 125;
            }
            let nets = match call(lab, Request::NetworkList { filters: filter }, &[]) {
                Ok((Response::Networks { networks }, _)) => networks,
                Ok((other, _)) => return fail(&other.unexpected().message),
                Err(e) => return fail(&daemon_error(&e)),
            };
            // Docker's client: -q wins over the default format and over
            // `table` alone, not over a template of the user's.
            let format = match format.as_deref() {
                None | Some("") | Some("table") if quiet => "{{.ID}}".to_string(),
                None | Some("") | Some("table") => {
                    "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}".to_string()
                }
                Some("raw") if quiet => "network_id: {{.ID}}\n".to_string(),
                Some("raw") => {
                    "network_id: {{.ID}}\nname: {{.Name}}\ndriver: {{.Driver}}\nscope: {{.Scope}}\n"
                        .to_string()
                }
                Some(f) => f.to_string(),
            };
            match network_ls_output(&nets, &format, no_trunc) {
                Ok(text) => {
                    print!("{text}");
                    0
                }
                Err(e) => fail(&e),
            }
        }
        NetworkCommand::Prune { force, filter } => {
            if let Some(bad) = filter.iter().find(|f| !f.contains('=')) {
                let prog = super::prog_name();
                eprintln!("invalid argument \"{bad}\" for \"--filter\" flag: bad format of filter (expected name=value)\nSee '{prog} network prune --help'.");
                return 125;
            }
            if !force && !confirm(PRUNE_WARNING) {
                return 0;
            }
            match call(lab, Request::NetworkPrune { filters: filter }, &[]) {
                Ok((Response::Pruned { networks }, _)) => {
                    if !networks.is_empty() {
                        println!("Deleted Networks:");
                        for n in networks {
                            println!("{n}");
                        }
                        println!();
                    }
                    0
                }
                Ok((other, _)) => fail(&other.unexpected().message),
                Err(e) => fail(&daemon_error(&e)),
            }
        }
        NetworkCommand::Inspect {
            format,
            names,
            verbose: _,
        } => {
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
                    Ok((Response::Inspect { json }, _)) => found.push(json),
                    Ok(_) | Err(_) => missing.push(name.clone()),
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
            ip6,
            link,
            network,
            container,
        } => {
            // The client checks each --link as pflag reads the flag.
            for l in &link {
                if let Err(e) = crate::links::check_link_flag(l) {
                    let prog = super::prog_name();
                    eprintln!("invalid argument {} for \"--link\" flag: {e}\nSee '{prog} network connect --help'.", crate::gotext::go_quote(l));
                    return 125;
                }
            }
            match call(
                lab,
                Request::NetworkConnect {
                    network,
                    container,
                    aliases: alias,
                    ip,
                    ip6,
                    links: link,
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
                    // The client's own words for a 404, as for `rm`.
                    Err(e) if e.is_not_found() => {
                        eprintln!("Error: No such network: {name}");
                        code = 1;
                    }
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

const PRUNE_WARNING: &str =
    "WARNING! This will remove all custom networks not used by at least one container.";

/// Docker's prompt: the question on stdout, and only "y" or "Y" goes on.
fn confirm(warning: &str) -> bool {
    use std::io::Write;
    print!("{warning}\nAre you sure you want to continue? [y/N] ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    answer
        .trim_end_matches(['\n', '\r'])
        .eq_ignore_ascii_case("y")
}

/// `network ls` through a Go template, as Docker's formatter runs it: a
/// `table` format gets a header row and its cells between tabs line up
/// (Go's tabwriter: at least ten wide, three spaces between); `\t` and
/// `\n` typed in any format are a tab and a newline.
pub(crate) fn network_ls_output(
    nets: &[NetworkSummary],
    format: &str,
    no_trunc: bool,
) -> Result<String, String> {
    let (table, body) = match format.strip_prefix("table") {
        Some(rest) => (true, rest),
        None => (false, format),
    };
    let body = body
        .trim_matches(' ')
        .replace("\\t", "\t")
        .replace("\\n", "\n");
    let render = |data: &serde_json::Value| {
        crate::inspect::template::render(&body, data).map_err(|e| {
            // Docker's rows are Go structs: a missing field is named so.
            match e.0.split_once(": map has no entry for key ") {
                Some((at, field)) => format!(
                    "{at}: can't evaluate field {} in type *network.networkContext",
                    field.trim_matches('"')
                ),
                None => e.0,
            }
        })
    };
    let mut out = String::new();
    if table {
        let header = serde_json::json!({
            "ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE",
            "IPv6": "IPV6", "Internal": "INTERNAL", "Labels": "LABELS", "CreatedAt": "CREATED AT",
        });
        out.push_str(&render(&header)?);
        out.push('\n');
    }
    for n in nets {
        let id: String = if no_trunc {
            n.id.clone()
        } else {
            n.id.chars().take(12).collect()
        };
        let labels: Vec<String> = n.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        // Keys in byte order, as `{{json .}}` prints Docker's row.
        let row = serde_json::json!({
            "CreatedAt": n.created,
            "Driver": n.driver,
            "ID": id,
            "IPv6": n.ipv6.to_string(),
            "Internal": n.internal.to_string(),
            "Labels": labels.join(","),
            "Name": n.name,
            "Scope": n.scope,
        });
        out.push_str(&render(&row)?);
        out.push('\n');
    }
    Ok(if table { table::tabwriter(&out) } else { out })
}
