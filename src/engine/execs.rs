//! Exec instances of the Engine API: made by `POST /containers/{id}/exec`,
//! started by `POST /exec/{id}/start`, inspected for their exit code. The
//! process joins the container's namespaces through a helper process of
//! our own (`__exec`), whose console the engine relays as a container's.

use super::api::ApiError;
use super::console::Console;
use super::host::{ConsoleEnds, Host};
use super::{Engine, OpResult};
use std::sync::Arc;

/// What `POST /containers/{id}/exec` asked for.
#[derive(Debug, Clone, Default)]
pub struct ExecConfig {
    pub cmd: Vec<String>,
    pub env: Vec<String>,
    pub tty: bool,
    pub attach_stdin: bool,
    pub attach_stdout: bool,
    pub attach_stderr: bool,
    pub user: String,
    pub workdir: Option<String>,
    pub privileged: bool,
}

pub struct ExecRecord {
    pub id: String,
    pub container_id: String,
    pub config: ExecConfig,
    pub running: bool,
    /// Set once it has run and exited.
    pub exit_code: Option<i32>,
    pub pid: i32,
    pub started: bool,
    pub console: Arc<Console>,
    /// Set to the exit code once it is recorded: a client's stream ends
    /// only then, since the client asks for the code when it ends.
    pub finished: tokio::sync::watch::Sender<Option<i32>>,
}

/// Exec instances a lab keeps; the oldest finished ones go beyond this.
const KEEP: usize = 256;

impl<H: Host> Engine<H> {
    /// Records an exec instance for a running container.
    pub fn exec_create(&mut self, key: &str, config: ExecConfig) -> OpResult<String> {
        let ci = self.find_container(key)?;
        let c = &self.state.containers[ci];
        if !c.running() {
            return Err(ApiError::conflict(format!(
                "Container {} is not running",
                c.id
            )));
        }
        if config.cmd.is_empty() {
            return Err(ApiError::invalid("No exec command specified"));
        }
        // A linked container that stopped fails here, as on Docker.
        self.link_env_blocks(ci)?;
        let id = self.exec_ids.id();
        let container_id = c.id.clone();
        if self.execs.len() >= KEEP {
            if let Some(pos) = self.execs.iter().position(|e| !e.running) {
                self.execs.remove(pos);
            }
        }
        self.execs.push(ExecRecord {
            id: id.clone(),
            container_id,
            config,
            running: false,
            exit_code: None,
            pid: 0,
            started: false,
            console: Arc::new(Console::default()),
            finished: tokio::sync::watch::channel(None).0,
        });
        Ok(id)
    }

    pub fn exec_record(&self, id: &str) -> OpResult<&ExecRecord> {
        self.execs
            .iter()
            .find(|e| e.id == id || (id.len() >= 12 && e.id.starts_with(id)))
            .ok_or_else(|| ApiError::not_found(format!("No such exec instance: {id}")))
    }

    /// Whether an exec instance could start now: Docker's refusals (it
    /// has run, its container has stopped) before a client is upgraded.
    pub fn exec_ready(&self, id: &str) -> OpResult<()> {
        let rec = self.exec_record(id)?;
        if rec.started {
            return Err(ApiError::conflict(format!(
                "Error: Exec command {} has already run",
                rec.id
            )));
        }
        let c = &self.state.containers[self.find_container(&rec.container_id)?];
        if !c.running() {
            return Err(ApiError::conflict(format!(
                "Container {} is not running",
                c.id
            )));
        }
        Ok(())
    }

    /// Starts an exec instance's process; its console carries its output
    /// (subscribe before calling, to miss nothing).
    pub fn exec_start(&mut self, id: &str) -> OpResult<()> {
        let rec = self.exec_record(id)?;
        if rec.started {
            return Err(ApiError::conflict(format!(
                "Error: Exec command {} has already run",
                rec.id
            )));
        }
        let (exec_id, container_id) = (rec.id.clone(), rec.container_id.clone());
        let config = rec.config.clone();
        let console = rec.console.clone();
        let ci = self.find_container(&container_id)?;
        let (mut plan, fds) =
            self.exec_plan(ci, &config.env, config.workdir.clone(), config.tty)?;
        self.run_exec_as(&mut plan, &config.user)?;
        let Some(ConsoleEnds {
            stdio,
            mut readers,
            mut stdin,
            mut pty,
            master_from,
        }) = self
            .host
            .open_console(config.tty, config.attach_stdin)
            .map_err(ApiError::from)?
        else {
            return Err(ApiError::system("exec needs a console on this host"));
        };
        let pid = self
            .host
            .spawn_exec(&plan, fds, &config.cmd, stdio)
            .map_err(|e| ApiError::system(format!("starting the exec process: {e}")))?;
        if let Some(from) = master_from {
            (readers, stdin, pty) =
                self.terminal_console(pid, from, "starting the exec process")?;
        }
        console.started(stdin, pty, readers, None);
        let rec = self
            .execs
            .iter_mut()
            .find(|e| e.id == exec_id)
            .expect("found above");
        rec.started = true;
        rec.running = true;
        rec.pid = pid;
        let rx = self.host.watch_exit(pid);
        let me = self.me.clone();
        tokio::spawn(async move {
            let code = rx.await.unwrap_or(126);
            if let Some(engine) = me.upgrade() {
                let mut e = engine.lock().await;
                if let Some(rec) = e.execs.iter_mut().find(|r| r.id == exec_id) {
                    rec.running = false;
                    rec.exit_code = Some(code);
                    rec.console.stopped();
                    rec.finished.send_replace(Some(code));
                }
            }
        });
        Ok(())
    }

    /// `exec -u USER`: a name of the images' /etc/passwd or `UID[:GID]`;
    /// empty keeps the image's USER. Docker's words for one it cannot find.
    pub fn run_exec_as(&self, plan: &mut super::api::ExecPlan, user: &str) -> OpResult<()> {
        if user.is_empty() {
            return Ok(());
        }
        let ids = exec_user(user).ok_or_else(|| ApiError::system(unknown_user(user)))?;
        // A rootless lab's user namespace maps only root.
        plan.user = (!self.rootless).then_some(ids);
        Ok(())
    }

    /// An exec instance whose process could not start: it has run, with
    /// the code Docker gives (126), and its clients are done waiting.
    pub fn exec_failed(&mut self, id: &str, code: i32) {
        if let Some(rec) = self.execs.iter_mut().find(|e| e.id == id) {
            rec.started = true;
            rec.running = false;
            rec.exit_code = Some(code);
            rec.finished.send_replace(Some(code));
        }
    }

    /// The exec instances of a container, for its inspect's ExecIDs.
    pub fn exec_ids(&self, container_id: &str) -> Vec<String> {
        self.execs
            .iter()
            .filter(|e| e.container_id == container_id && e.running)
            .map(|e| e.id.clone())
            .collect()
    }
}

/// What runc says of a user no passwd line names.
pub fn unknown_user(user: &str) -> String {
    format!("unable to find user {user}: no matching entries in passwd file")
}

/// `exec -u`: a name of the images' /etc/passwd, or `UID[:GID]`.
pub fn exec_user(spec: &str) -> Option<(u32, u32)> {
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let known = crate::rootfs::USERS.iter().find(|u| u.0 == user);
    let uid = match known {
        Some(u) => u.1,
        None => user.parse().ok()?,
    };
    let gid = match group {
        Some(g) => crate::rootfs::USERS
            .iter()
            .find(|u| u.0 == g)
            .map(|u| u.2)
            .or_else(|| g.parse().ok())?,
        None => known.map_or(uid, |u| u.2),
    };
    Some((uid, gid))
}

#[cfg(test)]
mod tests {
    #[test]
    fn exec_users_are_names_or_numbers() {
        use super::exec_user;
        assert_eq!(exec_user("postgres"), Some((70, 70)));
        assert_eq!(exec_user("1000"), Some((1000, 1000)));
        assert_eq!(exec_user("www-data:0"), Some((33, 0)));
        assert_eq!(exec_user("nobody:nobody"), Some((65534, 65534)));
        assert_eq!(exec_user("nosuch"), None);
        assert_eq!(exec_user("0:nosuch"), None);
    }
}
