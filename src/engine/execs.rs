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
        let (plan, fds) = self.exec_plan(ci, &config.env, config.workdir.clone(), config.tty)?;
        let Some(ConsoleEnds {
            stdio,
            readers,
            stdin,
            pty,
        }) = self
            .host
            .open_console(config.tty, config.attach_stdin)
            .map_err(ApiError::from)?
        else {
            return Err(ApiError::system("exec needs a console on this host"));
        };
        let pid = self
            .host
            .spawn_exec(&plan, fds, &config.cmd, stdio, config.tty)
            .map_err(|e| ApiError::system(format!("starting the exec process: {e}")))?;
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

    /// The exec instances of a container, for its inspect's ExecIDs.
    pub fn exec_ids(&self, container_id: &str) -> Vec<String> {
        self.execs
            .iter()
            .filter(|e| e.container_id == container_id && e.running)
            .map(|e| e.id.clone())
            .collect()
    }
}
