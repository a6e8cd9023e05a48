//! Labs: one "Docker host" each, owned by one engine process. This module
//! finds labs on disk, starts and stops their engines, and talks to them.

pub mod client;
pub mod daemon;

use std::path::PathBuf;

pub const DEFAULT_LAB: &str = "default";

/// Where labs keep their socket, pid and log: /run for root, the user's
/// runtime dir otherwise.
pub fn state_root() -> PathBuf {
    if let Ok(dir) = std::env::var("NETLINGS_STATE_DIR") {
        return PathBuf::from(dir);
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
    pub fn pid_file(&self) -> PathBuf {
        self.dir().join("engine.pid")
    }
    pub fn log_file(&self) -> PathBuf {
        self.dir().join("engine.log")
    }
    /// Mount point of the engine's private tmpfs for per-container files.
    pub fn files_dir(&self) -> PathBuf {
        self.dir().join("files")
    }

    /// The engine's pid, if its process is alive.
    pub fn engine_pid(&self) -> Option<i32> {
        let pid: i32 = std::fs::read_to_string(self.pid_file())
            .ok()?
            .trim()
            .parse()
            .ok()?;
        let alive = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
            && !is_zombie(pid);
        // A recycled pid is not our engine: check that it runs our binary.
        let ours = std::fs::read_link(format!("/proc/{pid}/exe")).ok()
            == std::env::current_exe().ok()
            || std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
                .map(|c| c.contains("__engine"))
                .unwrap_or(false);
        (alive && ours).then_some(pid)
    }

    pub fn is_running(&self) -> bool {
        self.engine_pid().is_some()
            && std::os::unix::net::UnixStream::connect(self.socket()).is_ok()
    }
}

/// A zombie has exited; it only waits for its parent (init) to reap it.
pub fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit(')')
                .next()
                .map(|r| r.trim_start().starts_with('Z'))
                .unwrap_or(false)
        })
        .unwrap_or(true)
}

/// Every lab with a directory under the state root, sorted by name.
pub fn all_labs() -> Vec<Lab> {
    let mut labs: Vec<Lab> = std::fs::read_dir(state_root())
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
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
