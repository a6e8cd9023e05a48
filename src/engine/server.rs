//! A request's dispatch. Long waits (a stop's grace period, an attached
//! process) happen here, without holding the engine's lock.

use super::api::{AnnouncedStart, ApiError, LabInfo, Reply, Request, Response, RunSpec};
use super::host::{Host, ProcessIo};
use super::start_gate::{self, StartGate};
use super::{Engine, OpResult, Shared};
use crate::inspect;
use std::os::fd::OwnedFd;

/// Runs one request against the shared engine. Long waits (a stop's grace
/// period, an attached process) happen without holding the engine's lock.
pub async fn handle<H: Host>(
    engine: &Shared<H>,
    req: Request,
    fds: Vec<OwnedFd>,
) -> (Reply, Vec<OwnedFd>) {
    let mut out_fds = Vec::new();
    let reply = match req {
        Request::Ping => Ok(Response::Pong),
        Request::Info => {
            let e = engine.lock().await;
            Ok(Response::Info(LabInfo {
                containers: e.state.containers.len(),
                running: e.state.containers.iter().filter(|c| c.running()).count(),
                networks: e.state.networks.len(),
                deterministic: e.deterministic,
                rootless: e.rootless,
            }))
        }
        Request::Run { spec, attach } => run(engine, spec, attach, fds).await,
        Request::Start { container } => {
            let mut e = engine.lock().await;
            match e.find_container(&container) {
                Ok(ci) => e.start(ci, None).await.map(|_| Response::Done),
                Err(err) => Err(err),
            }
        }
        Request::Stop { container, timeout } => stop(engine, &container, timeout)
            .await
            .map(|_| Response::Done),
        Request::Restart { container, timeout } => match stop(engine, &container, timeout).await {
            Ok(()) => {
                let mut e = engine.lock().await;
                match e.find_container(&container) {
                    // RestartCount counts restarts by policy only (a lab has
                    // none): Docker 20.10 leaves it at 0 here.
                    Ok(ci) => e.start(ci, None).await.map(|_| Response::Done),
                    Err(err) => Err(err),
                }
            }
            Err(err) => Err(err),
        },
        Request::Rm { container, force } => {
            let mut e = engine.lock().await;
            match e.find_container(&container) {
                Ok(ci) => e.rm(ci, force).await.map(|_| Response::Done),
                Err(err) => Err(err),
            }
        }
        Request::Create { spec } => {
            let mut e = engine.lock().await;
            e.create(&spec).map(|ci| Response::Created {
                id: e.state.containers[ci].id.clone(),
            })
        }
        Request::Kill { container, signal } => {
            let mut e = engine.lock().await;
            e.kill(&container, signal.as_deref())
                .map(|_| Response::Done)
        }
        Request::Rename { container, name } => {
            let mut e = engine.lock().await;
            e.rename(&container, &name).map(|_| Response::Done)
        }
        Request::Logs {
            container,
            after,
            tail,
        } => engine
            .lock()
            .await
            .logs(&container, after, tail)
            .map(|(lines, next, running)| Response::Logs {
                lines,
                next,
                running,
            }),
        Request::ContainerPrune => Ok(Response::Deleted {
            ids: engine.lock().await.prune_containers().await,
        }),
        Request::RmLink { path } => engine.lock().await.rm_link(&path).map(|_| Response::Done),
        Request::Port { container, filter } => {
            let e = engine.lock().await;
            e.find_container(&container).and_then(|ci| {
                let c = &e.state.containers[ci];
                crate::ports::port_command_lines(&c.bindings(), filter.as_deref(), &c.name)
                    .map(|lines| Response::Lines { lines })
                    .map_err(|m| ApiError::not_found(m.trim_start_matches("Error: ").to_string()))
            })
        }
        Request::Ps { all, size, filters } => engine
            .lock()
            .await
            .ps_rows(all, size, &filters)
            .map(|rows| Response::Ps { rows }),
        Request::Inspect { name, kind } => {
            let e = engine.lock().await;
            inspect_one(&e, &name, kind.as_deref())
        }
        Request::ExecPrepare {
            container,
            env,
            workdir,
            tty,
            user,
        } => {
            let e = engine.lock().await;
            match e.find_container(&container).and_then(|ci| {
                let (mut plan, fds) = e.exec_plan(ci, &env, workdir, tty)?;
                e.run_exec_as(&mut plan, &user)?;
                Ok((plan, fds))
            }) {
                Ok((plan, fds)) => {
                    out_fds = fds;
                    Ok(Response::ExecPlan(plan))
                }
                Err(err) => Err(err),
            }
        }
        Request::LabHostPrepare => match engine.lock().await.lab_host_plan() {
            Ok((plan, fds)) => {
                out_fds = fds;
                Ok(Response::ExecPlan(plan))
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
            .map(|id| Response::Created { id }),
        Request::NetworkLs => engine
            .lock()
            .await
            .network_list(&[])
            .map(|networks| Response::Networks { networks }),
        Request::NetworkList { filters } => engine
            .lock()
            .await
            .network_list(&filters)
            .map(|networks| Response::Networks { networks }),
        Request::NetworkCreateSpec { spec } => {
            let mut e = engine.lock().await;
            let made = e.network_create_spec(&spec).await;
            if let Ok(id) = &made {
                let actor = e.network_actor(id);
                e.network_event(actor, "create", &[]);
            }
            made.map(|id| Response::Created { id })
        }
        Request::NetworkPrune { filters } => engine
            .lock()
            .await
            .network_prune(&filters)
            .await
            .map(|networks| Response::Pruned { networks }),
        Request::NetworkConnect {
            network,
            container,
            aliases,
            ip,
            ip6,
            links,
        } => {
            let mut e = engine.lock().await;
            let done = e
                .network_connect_with(
                    &network,
                    &container,
                    aliases,
                    links,
                    ip.as_deref(),
                    ip6.as_deref(),
                )
                .await;
            if done.is_ok() {
                let actor = e.network_actor(&network);
                let id = e
                    .find_container(&container)
                    .map(|ci| e.state.containers[ci].id.clone());
                e.network_event(actor, "connect", &[("container", id.unwrap_or_default())]);
            }
            done.map(|_| Response::Done)
        }
        Request::NetworkDisconnect {
            network,
            container,
            force,
        } => {
            let mut e = engine.lock().await;
            let actor = e.network_actor(&network);
            let id = e
                .find_container(&container)
                .map(|ci| e.state.containers[ci].id.clone());
            let done = e.network_disconnect(&network, &container, force).await;
            if done.is_ok() {
                e.network_event(
                    actor,
                    "disconnect",
                    &[("container", id.unwrap_or_default())],
                );
            }
            done.map(|_| Response::Done)
        }
        Request::NetworkRm { name } => {
            let mut e = engine.lock().await;
            let actor = e.network_actor(&name);
            let done = e.network_rm(&name).await;
            if done.is_ok() {
                e.network_event(actor, "destroy", &[]);
            }
            done.map(|_| Response::Done)
        }
        Request::Topology => Ok(Response::Topology(inspect::topology(
            &engine.lock().await.state,
        ))),
        Request::CopyPrepare { container } => match engine.lock().await.copy_prepare(&container) {
            Ok((id, dir)) => {
                out_fds = vec![dir];
                Ok(Response::CopyDir { id })
            }
            Err(err) => Err(err),
        },
        Request::Top { container, ps_args } => {
            super::top::top(engine, &container, ps_args.as_deref()).await
        }
        Request::Shutdown => {
            // The daemon exits after replying; the kernel tears the lab down.
            Ok(Response::Done)
        }
        // Under the lock, so no start is half done: every container either
        // runs now (and is listed) or will be announced.
        Request::StartsWatch => {
            let e = engine.lock().await;
            let (running, fds) = e.running_for_watcher();
            out_fds = fds;
            Ok(Response::Watcher {
                watcher: e.start_gate.watch(),
                running,
            })
        }
        // A start waits for these while it holds the lock: the lab's
        // socket answers them with `handle_watcher`, before this.
        Request::StartsPoll { .. } | Request::StartsUnwatch { .. } => Err(ApiError::invalid(
            "a capture's watcher talks to the lab's socket",
        )),
    };
    (reply, out_fds)
}

/// A watcher's requests, answered without the engine's lock (a start
/// holds it while it waits for them); any other request comes back.
pub async fn handle_watcher(
    gate: &StartGate,
    req: Request,
) -> Result<(Reply, Vec<OwnedFd>), Request> {
    match req {
        Request::StartsUnwatch { watcher } => {
            gate.unwatch(watcher);
            Ok((Ok(Response::Done), Vec::new()))
        }
        Request::StartsPoll { watcher, done } => Ok(poll_watcher(gate, watcher, &done).await),
        other => Err(other),
    }
}

/// `StartsPoll`: acknowledges `done`, then what started since, each
/// container's network namespace as an fd.
pub async fn poll_watcher(gate: &StartGate, watcher: u64, done: &[u64]) -> (Reply, Vec<OwnedFd>) {
    let Some(got) = gate.poll(watcher, done, start_gate::POLL_WAIT).await else {
        return (
            Err(ApiError::not_found(
                "no such watcher: it was dropped for not answering",
            )),
            Vec::new(),
        );
    };
    let mut fds = Vec::new();
    let starts = got
        .into_iter()
        .map(|a| {
            let netns = a.netns.is_some();
            fds.extend(a.netns);
            AnnouncedStart {
                seq: a.seq,
                container: a.description,
                netns,
            }
        })
        .collect();
    (Ok(Response::Starts { starts }), fds)
}

fn inspect_one<H: Host>(e: &Engine<H>, name: &str, kind: Option<&str>) -> Reply {
    if kind != Some("network") {
        if let Ok(ci) = e.find_container(name) {
            return Ok(Response::Inspect {
                json: inspect::container_json(&e.state, &e.state.containers[ci]),
            });
        }
    }
    if kind != Some("container") {
        if let Ok(ni) = e.find_network(name) {
            return Ok(Response::Inspect {
                json: inspect::network_json(&e.state, &e.state.networks[ni]),
            });
        }
    }
    Err(ApiError::not_found(format!("No such object: {name}")))
}

async fn run<H: Host>(engine: &Shared<H>, spec: RunSpec, attach: bool, fds: Vec<OwnedFd>) -> Reply {
    let stdio = if attach {
        match <[OwnedFd; 3]>::try_from(fds) {
            Ok(s) => Some(ProcessIo::Fds(s)),
            // One fd with -t: the socket through which the terminal the
            // process makes inside the container reaches the caller.
            Err(fds) if fds.len() == 1 && spec.tty => Some(ProcessIo::Terminal {
                console: fds.into_iter().next().expect("one fd"),
                size: spec.console_size.map(|[rows, cols]| libc::winsize {
                    ws_row: rows,
                    ws_col: cols,
                    ws_xpixel: 0,
                    ws_ypixel: 0,
                }),
            }),
            Err(_) => {
                return Err(ApiError::invalid(
                    "attach needs stdin, stdout and stderr, or with -t a console socket",
                ))
            }
        }
    } else {
        None
    };
    let (id, rx) = {
        let mut e = engine.lock().await;
        let ci = e.create(&spec)?;
        let id = e.state.containers[ci].id.clone();
        let rx = attach.then(|| e.exit_receiver(ci));
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
    let Some(rx) = rx else {
        return Ok(Response::Run {
            id,
            exit_code: None,
        });
    };
    let code = rx.await.unwrap_or(137);
    Ok(Response::Run {
        id,
        exit_code: Some(code),
    })
}

async fn stop<H: Host>(engine: &Shared<H>, container: &str, timeout: Option<i64>) -> OpResult<()> {
    let rx = {
        let mut e = engine.lock().await;
        let ci = e.find_container(container)?;
        e.signal_stop(ci, nix::sys::signal::Signal::SIGTERM)
    };
    let Some(rx) = rx else {
        return Ok(());
    };
    let mut rx = rx;
    // Docker 20.10 waits without a deadline for a negative time.
    let Ok(grace) = u64::try_from(timeout.unwrap_or(10)) else {
        let _ = rx.await;
        return Ok(());
    };
    let grace = std::time::Duration::from_secs(grace);
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

async fn wait<H: Host>(engine: &Shared<H>, container: &str) -> Reply {
    let rx = {
        let mut e = engine.lock().await;
        let ci = e.find_container(container)?;
        let c = &e.state.containers[ci];
        if !c.running() {
            return Ok(Response::Exited {
                exit_code: c.state.exit_code,
            });
        }
        e.exit_receiver(ci)
    };
    Ok(Response::Exited {
        exit_code: rx.await.unwrap_or(137),
    })
}

/// Starts a container as the Engine API's start does: false if it was
/// running already. A failed start of an auto-removed container removes
/// it, as Docker does (its waiters get 128).
pub async fn start_container<H: Host>(engine: &Shared<H>, key: &str) -> OpResult<bool> {
    let mut e = engine.lock().await;
    let ci = e.find_container(key)?;
    if e.state.containers[ci].running() {
        return Ok(false);
    }
    if let Err(err) = e.start(ci, None).await {
        if e.state.containers[ci].auto_remove {
            e.remove_at(ci).await;
        }
        return Err(err);
    }
    Ok(true)
}

/// A container's exit code when `condition` is met: `not-running` (now if
/// it does not run), `next-exit`, or `removed`. The container is looked
/// up now, so a missing one fails before any waiting.
pub async fn wait_for<H: Host>(
    engine: &Shared<H>,
    key: &str,
    condition: &str,
) -> OpResult<std::pin::Pin<Box<dyn std::future::Future<Output = i32> + Send>>> {
    let mut e = engine.lock().await;
    let ci = e.find_container(key)?;
    let c = &e.state.containers[ci];
    let (id, running, last) = (c.id.clone(), c.running(), c.state.exit_code);
    match condition {
        "removed" => {
            let mut events = e.events();
            Ok(Box::pin(async move {
                let mut last = last;
                loop {
                    match events.recv().await {
                        Ok(ev) if ev.kind == "container" && ev.id == id => {
                            if let Some(code) = ev.exit_code {
                                last = code;
                            }
                            if ev.action == "destroy" {
                                return last;
                            }
                        }
                        Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(_) => return last,
                    }
                }
            }))
        }
        "next-exit" | "not-running" | "" => {
            if condition != "next-exit" && !running {
                return Ok(Box::pin(async move { last }));
            }
            let rx = e.exit_receiver(ci);
            Ok(Box::pin(async move { rx.await.unwrap_or(137) }))
        }
        other => Err(ApiError::invalid(format!("invalid condition: \"{other}\""))),
    }
}
