//! `netlings lab start|stop|ls|exec`: labs and their Docker hosts.

use super::lab_access::{fail, lab_host_exec};
use super::LabCommand;
use crate::engine::api::{Request, Response};
use crate::inspect::table;
use crate::lab::{self, client, daemon, Lab};

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
                    // Ready to paste: Docker's own clients use the lab so.
                    println!("DOCKER_HOST={}", lab.docker_host());
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
                            Ok((Ok(Response::Info(info)), _)) => info.containers.to_string(),
                            _ => "?".into(),
                        };
                        vec![
                            l.name.clone(),
                            pid.to_string(),
                            containers,
                            "running".into(),
                            crate::lab::expose::recorded(&l)
                                .map_or("-".into(), |e| e.lab_ip.to_string()),
                            format!("DOCKER_HOST={}", l.docker_host()),
                        ]
                    }
                    lab::Status::Crashed => {
                        vec![
                            l.name.clone(),
                            "-".into(),
                            "-".into(),
                            "crashed".into(),
                            "-".into(),
                            "-".into(),
                        ]
                    }
                    lab::Status::Stopped => continue,
                });
            }
            print!(
                "{}",
                table::render(
                    &[
                        "NAME",
                        "ENGINE PID",
                        "CONTAINERS",
                        "STATE",
                        "EXPOSED AT",
                        "DOCKER API"
                    ],
                    &rows
                )
            );
            0
        }
        LabCommand::Env { name } => {
            let lab = match pick(name) {
                Ok(l) => l,
                Err(e) => return fail(&e),
            };
            match lab.status() {
                Ok(lab::Status::Running { .. }) => {
                    println!("export DOCKER_HOST={}", lab.docker_host());
                    0
                }
                Ok(_) => fail(&format!(
                    "lab {} is not running (start it with: netlings lab start {})",
                    lab.name, lab.name
                )),
                Err(e) => fail(&e),
            }
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
pub(super) fn start_lab(
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
pub(super) fn announce_exposure(lab: &Lab) {
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
