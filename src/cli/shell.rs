//! `netlings shell` (and `lesson run --shell`): a shell on a lab's Docker
//! host, as `lab::shell` describes it.

use super::lab_access::{fail, lab_host_exec};
use super::lab_cmd::{announce_exposure, start_lab};
use crate::lab::{self, daemon, Lab};

/// A shell on a running lab's Docker host, `docker` on its PATH, its
/// prompt naming the lab.
pub fn shell_on(lab: &Lab) -> i32 {
    match lab::shell::prepare(lab) {
        Ok(sh) => lab_host_exec(lab, &sh.argv, Some(sh.env), sh.tty),
        Err(e) => fail(&e),
    }
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
