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

/// The lab host is a Docker host where the learner is root: its commands
/// (`bridge`, `ip`, `iptables`) live in the sbin directories, which an
/// ordinary user's PATH lacks on Debian. They are appended where missing,
/// as root's PATH has them; the caller's own order goes first.
fn with_admin_path(mut env: Vec<String>) -> Vec<String> {
    const ROOT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    match env.iter_mut().find(|e| e.starts_with("PATH=")) {
        Some(path) => {
            let mut dirs: Vec<&str> = path["PATH=".len()..].split(':').collect();
            for sbin in ["/usr/local/sbin", "/usr/sbin", "/sbin"] {
                if !dirs.contains(&sbin) {
                    dirs.push(sbin);
                }
            }
            *path = format!("PATH={}", dirs.join(":"));
        }
        None => env.push(format!("PATH={ROOT_PATH}")),
    }
    env
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
                with_admin_path(env.unwrap_or_else(|| {
                    std::env::vars().map(|(k, v)| format!("{k}={v}")).collect()
                }));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of(env: &[String]) -> &str {
        env.iter().find_map(|e| e.strip_prefix("PATH=")).unwrap()
    }

    #[test]
    fn an_ordinary_users_path_gains_the_sbin_directories() {
        let env = with_admin_path(vec![
            "HOME=/home/u".into(),
            "PATH=/usr/local/bin:/usr/bin:/bin:/usr/games".into(),
        ]);
        assert_eq!(
            path_of(&env),
            "/usr/local/bin:/usr/bin:/bin:/usr/games:/usr/local/sbin:/usr/sbin:/sbin"
        );
        assert_eq!(env[0], "HOME=/home/u");
    }

    #[test]
    fn roots_path_is_left_as_it_is() {
        let root = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        assert_eq!(with_admin_path(vec![root.into()]), vec![root.to_string()]);
    }

    #[test]
    fn no_path_gets_roots() {
        let env = with_admin_path(vec!["TERM=xterm".into()]);
        assert_eq!(
            path_of(&env),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        );
    }
}
