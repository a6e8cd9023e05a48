//! How a command reaches its lab: pick it (starting it if needed), send a
//! request, run a command on its Docker host, and report errors the way
//! Docker's client does.

use super::exec::Attach;
use crate::engine::api::{ApiError, ExecPlan, Request, Response};
use crate::lab::{self, client, daemon, Lab};
use std::os::fd::OwnedFd;

/// Picks the lab and starts it if it is not running, as Docker's CLI
/// expects a daemon to be there. Commands of a lab's owner start nothing
/// (`IN_LAB`); in a lab's shell a new lab would also be nested in the
/// first one's namespaces.
pub(super) fn ensure_lab(flag: Option<&str>) -> Result<Lab, String> {
    let lab = Lab::chosen(flag)?;
    if let Ok(inside) = std::env::var(lab::IN_LAB) {
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

pub(super) fn fail(msg: &str) -> i32 {
    eprintln!("{msg}");
    1
}

/// One request: the engine's answer and the fds that came with it.
pub(super) fn call(
    lab: &Lab,
    req: Request,
    fds: &[i32],
) -> Result<(Response, Vec<OwnedFd>), ApiError> {
    match client::call(lab, &req, fds) {
        Ok((Ok(v), fds)) => Ok((v, fds)),
        Ok((Err(e), _)) => Err(e),
        Err(msg) => Err(ApiError::unavailable(msg)),
    }
}

pub(super) fn daemon_error(e: &ApiError) -> String {
    format!("Error response from daemon: {}", e.message)
}

/// After a command killed by SIGKILL: if its lab went down with it, say
/// so. A dying engine's socket closes within moments of its containers'
/// end, so it is asked a few times before the lab counts as alive.
pub(super) fn say_if_the_lab_died(lab: &Lab, code: i32) {
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

/// Runs a command on the lab's Docker host, with the caller's environment;
/// `tty`: on a terminal of its own (a shell's job control needs one in the
/// lab's PID namespace).
pub(super) fn lab_host_exec(
    lab: &Lab,
    command: &[String],
    env: Option<Vec<String>>,
    tty: bool,
) -> i32 {
    match call(lab, Request::LabHostPrepare, &[]) {
        Ok((Response::ExecPlan(plan), fds)) => {
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
        Ok((other, _)) => fail(&other.unexpected().message),
        Err(e) => fail(&e.message),
    }
}
