//! Labs: one "Docker host" each, owned by one engine process. This module
//! finds labs on disk, starts and stops their engines, and talks to them.

pub mod client;
pub mod daemon;
pub mod expose;
pub mod lock;
pub mod ownership;
pub mod shell;

use std::path::PathBuf;

pub const DEFAULT_LAB: &str = "default";

/// Set to a lab's name for the commands its owner runs in it (a shell, a
/// lesson's steps): they never start a lab, so a step still running when
/// its lesson is killed cannot bring the lab back without an owner.
pub const IN_LAB: &str = "NETLINGS_IN_LAB";

/// Where labs keep their socket, pid and log: /run for root, the user's
/// runtime dir otherwise. Inside a lab's own user namespace (its shell)
/// everyone is root: the shell names the real place in NETLINGS_STATE_DIR.
pub fn state_root() -> PathBuf {
    if let Ok(dir) = std::env::var("NETLINGS_STATE_DIR") {
        if !dir.is_empty() {
            return PathBuf::from(dir);
        }
    }
    if nix::unistd::geteuid().is_root() {
        return PathBuf::from("/run/netlings");
    }
    match std::env::var("XDG_RUNTIME_DIR") {
        Ok(d) if !d.is_empty() => PathBuf::from(d).join("netlings"),
        _ => PathBuf::from(format!("/tmp/netlings-{}", nix::unistd::getuid())),
    }
}

#[derive(Debug, Clone)]
pub struct Lab {
    pub name: String,
}

/// What a lab is doing, as far as its owner can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Its engine answers on the socket; `pid` as seen from here.
    Running {
        pid: i32,
    },
    /// Its directory is there but no engine answers: it did not stop the
    /// way a lab stops (that removes the directory).
    Crashed,
    Stopped,
}

impl Lab {
    pub fn new(name: &str) -> Result<Lab, String> {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
            && !name.starts_with('.');
        if !ok {
            return Err(format!(
                "invalid lab name {name:?}: use letters, digits, '.', '_' and '-'"
            ));
        }
        Ok(Lab {
            name: name.to_string(),
        })
    }

    /// The lab chosen by `--lab`, else NETLINGS_LAB, else "default".
    pub fn chosen(flag: Option<&str>) -> Result<Lab, String> {
        let env = std::env::var("NETLINGS_LAB").ok().filter(|s| !s.is_empty());
        Lab::new(flag.or(env.as_deref()).unwrap_or(DEFAULT_LAB))
    }

    pub fn dir(&self) -> PathBuf {
        state_root().join(&self.name)
    }
    pub fn socket(&self) -> PathBuf {
        self.dir().join("engine.sock")
    }
    /// Where the lab serves Docker's Engine API for this machine's
    /// clients (`DOCKER_HOST=unix://...`); on the lab host it is also at
    /// /var/run/docker.sock.
    pub fn docker_socket(&self) -> PathBuf {
        self.dir().join("docker.sock")
    }
    /// The `DOCKER_HOST` value that points Docker's clients at the lab.
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.docker_socket().display())
    }
    pub fn pid_file(&self) -> PathBuf {
        self.dir().join("engine.pid")
    }
    pub fn log_file(&self) -> PathBuf {
        self.dir().join("engine.log")
    }
    /// The log of the engine before, kept when it had crashed.
    pub fn crash_log(&self) -> PathBuf {
        self.dir().join("engine.log.1")
    }
    /// Mount point of the engine's private tmpfs for per-container files.
    pub fn files_dir(&self) -> PathBuf {
        self.dir().join("files")
    }
    pub fn lock_file(&self) -> PathBuf {
        state_root().join(format!(".{}.lock", self.name))
    }

    /// Waits until no one else is starting, cleaning up or stopping it.
    pub fn lock(&self) -> Result<lock::LabLock, String> {
        ownership::ensure(&state_root())?;
        lock::LabLock::acquire(&self.lock_file())
    }

    /// Asks the socket, never a pid: a pid file can name any process, and
    /// from inside a lab's PID namespace no outside pid is visible.
    pub fn status(&self) -> Result<Status, String> {
        if !ownership::verify(&state_root())? || !ownership::verify(&self.dir())? {
            return Ok(Status::Stopped);
        }
        match client::connect(self) {
            Ok((_, pid)) => Ok(Status::Running { pid }),
            Err(client::ConnectError::NotListening) => Ok(Status::Crashed),
            Err(client::ConnectError::Refused(why)) => Err(why),
        }
    }
}

/// Every lab with a directory under the state root, sorted by name.
pub fn all_labs() -> Vec<Lab> {
    let mut labs: Vec<Lab> = std::fs::read_dir(state_root())
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| Lab::new(&e.file_name().to_string_lossy()).ok())
        .collect();
    labs.sort_by(|a, b| a.name.cmp(&b.name));
    labs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_names_are_checked() {
        assert!(Lab::new("demo").is_ok());
        assert!(Lab::new("ws-1.a_b").is_ok());
        assert!(Lab::new("").is_err());
        assert!(Lab::new("../etc").is_err());
        assert!(Lab::new(".hidden").is_err());
        assert!(Lab::new("a/b").is_err());
    }
}
