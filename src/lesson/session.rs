//! A lesson's lab: a fresh deterministic lab owned by this process (gone
//! with it, however it ends), and running a step's command in it as the
//! learner would type it.

use super::format::{Command, Lesson};
use crate::engine::api::{Request, Response};
use crate::lab::{client, daemon, Lab};
use std::io::Read;
use std::os::unix::process::CommandExt;

/// A lab for one lesson run, removed when dropped (if this process
/// started it).
pub struct Session {
    pub lab: Lab,
    owned: bool,
    /// Columns `netlings topology` fits its picture to (a learner's
    /// terminal); None, as in snapshots: the full picture.
    pub width: Option<usize>,
}

impl Session {
    /// A fresh deterministic lab, owned by this process: it goes away with
    /// it, even if it is killed and never drops the session.
    pub fn start(lesson: &Lesson, name: Option<&str>) -> Result<Session, String> {
        let name = name
            .map(str::to_string)
            .unwrap_or_else(|| format!("lesson-{}-{}", lesson.id, std::process::id()));
        Session::start_named(&name)
    }

    /// A running lab someone else owns (a challenge's, from its shell):
    /// commands and checks act on it, and dropping the session leaves it.
    pub fn attach(lab: Lab) -> Session {
        Session {
            lab,
            owned: false,
            width: None,
        }
    }

    /// A fresh deterministic lab called `name`, as [`Session::start`].
    pub fn start_named(name: &str) -> Result<Session, String> {
        let lab = Lab::new(name)?;
        let opts = daemon::StartOptions {
            deterministic: true,
            owner: Some(std::process::id()),
        };
        signal_guard::watch(&lab);
        match daemon::ensure_running(&lab, opts) {
            Ok(daemon::Started::Fresh { .. }) => Ok(Session {
                lab,
                owned: true,
                width: None,
            }),
            Ok(daemon::Started::AlreadyRunning { .. }) => {
                signal_guard::forget(&lab);
                Err(format!(
                    "lab {name} is already running; a lesson needs a fresh lab: stop it (netlings lab stop {name}) or choose another --lab"
                ))
            }
            Err(e) => {
                signal_guard::forget(&lab);
                Err(e)
            }
        }
    }

    fn netlings(&self, argv0: &str, args: &[String]) -> (i32, String) {
        let exe = match std::env::current_exe() {
            Ok(e) => e,
            Err(e) => return (126, e.to_string()),
        };
        let mut cmd = std::process::Command::new(exe);
        cmd.arg0(argv0)
            .args(args)
            .env("NETLINGS_LAB", &self.lab.name)
            .env(crate::lab::IN_LAB, &self.lab.name)
            .env("NO_COLOR", "1");
        run_merged(cmd)
    }

    pub fn docker(&self, args: &[&str]) -> (i32, String) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        self.netlings("docker", &args)
    }

    /// Runs a step's command; stdout and stderr together, as a terminal shows them.
    pub fn run(&self, command: &Command) -> (i32, String) {
        match command {
            Command::Docker(argv) => self.netlings("docker", argv),
            Command::InContainer { container, argv } => {
                let mut args = vec!["exec".to_string(), container.clone()];
                args.extend(argv.iter().cloned());
                self.netlings("docker", &args)
            }
            Command::LabHost(argv) => {
                let mut args = vec![
                    "lab".to_string(),
                    "exec".to_string(),
                    self.lab.name.clone(),
                    "--".to_string(),
                ];
                args.extend(argv.iter().cloned());
                self.netlings("netlings", &args)
            }
            Command::Trace(argv) => {
                let mut args = vec!["trace".to_string(), "--".to_string()];
                args.extend(argv.iter().cloned());
                self.netlings("netlings", &args)
            }
            Command::Topology => match topology(&self.lab, self.width) {
                Ok(text) => (0, text),
                Err(e) => (1, format!("{e}\n")),
            },
        }
    }

    /// `root@<short id>:<workdir>#`, the prompt a shell in the container shows.
    pub fn prompt(&self, container: &str) -> String {
        let req = Request::Inspect {
            name: container.to_string(),
            kind: Some("container".into()),
        };
        match client::call(&self.lab, &req, &[]) {
            Ok((Ok(Response::Inspect { json: v }), _)) => {
                let host = v["Config"]["Hostname"].as_str().unwrap_or(container);
                let dir = v["Config"]["WorkingDir"]
                    .as_str()
                    .filter(|d| !d.is_empty())
                    .unwrap_or("/");
                format!("root@{host}:{dir}#")
            }
            _ => format!("root@{container}:/#"),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        let _ = daemon::stop(&self.lab);
        signal_guard::forget(&self.lab);
    }
}

/// Drop does not run when the process dies of a signal, so Ctrl-C, a closed
/// terminal or `kill` would leave a lesson's lab running. One thread takes
/// those signals (blocked everywhere else) and removes the labs in use.
pub mod signal_guard {
    use crate::lab::{daemon, Lab};
    use nix::sys::signal::{SigSet, Signal};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Mutex, Once};

    static LABS: Mutex<Vec<String>> = Mutex::new(Vec::new());
    static STARTED: Once = Once::new();
    /// While the learner's own shell runs, Ctrl-C is the shell's business.
    pub static SHELL_OPEN: AtomicBool = AtomicBool::new(false);

    fn signals() -> SigSet {
        let mut set = SigSet::empty();
        for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
            set.add(s);
        }
        set
    }

    pub fn watch(lab: &Lab) {
        STARTED.call_once(|| {
            // Threads inherit the mask: block before any other is spawned
            // (commands run as children get std's cleared mask).
            if signals().thread_block().is_err() {
                return;
            }
            let terminal = nix::sys::termios::tcgetattr(std::io::stdin()).ok();
            std::thread::spawn(move || loop {
                let Ok(sig) = signals().wait() else { return };
                if sig == Signal::SIGINT && SHELL_OPEN.load(Ordering::SeqCst) {
                    continue;
                }
                if let Some(t) = &terminal {
                    let stdin = std::io::stdin();
                    let _ =
                        nix::sys::termios::tcsetattr(&stdin, nix::sys::termios::SetArg::TCSANOW, t);
                }
                let names = std::mem::take(&mut *LABS.lock().unwrap_or_else(|e| e.into_inner()));
                for name in names {
                    if let Ok(lab) = Lab::new(&name) {
                        let _ = daemon::stop(&lab);
                    }
                }
                eprintln!();
                std::process::exit(128 + sig as i32);
            });
        });
        LABS.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(lab.name.clone());
    }

    pub fn forget(lab: &Lab) {
        LABS.lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|n| *n != lab.name);
    }
}

/// Runs a command with stdout and stderr on one pipe, as a terminal interleaves them.
fn run_merged(mut cmd: std::process::Command) -> (i32, String) {
    let (mut reader, writer) = match std::io::pipe() {
        Ok(p) => p,
        Err(e) => return (126, e.to_string()),
    };
    let err_writer = match writer.try_clone() {
        Ok(w) => w,
        Err(e) => return (126, e.to_string()),
    };
    cmd.stdin(std::process::Stdio::null())
        .stdout(writer)
        .stderr(err_writer);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return (126, e.to_string()),
    };
    // The command holds the only write ends now; ours went into `cmd`.
    drop(cmd);
    let mut out = Vec::new();
    let _ = reader.read_to_end(&mut out);
    let code = child.wait().ok().and_then(|s| s.code()).unwrap_or(128);
    (code, String::from_utf8_lossy(&out).into_owned())
}

/// The lab drawn as boxes (see `topology.rs`), fitted to `width` columns
/// if given.
pub fn topology(lab: &Lab, width: Option<usize>) -> Result<String, String> {
    let t = topology_data(lab)?;
    Ok(super::topology::render_fit(
        &t.networks,
        &t.containers,
        width,
    ))
}

/// What the topology pictures are drawn from.
pub fn topology_data(lab: &Lab) -> Result<crate::inspect::Topology, String> {
    match client::call(lab, &Request::Topology, &[])? {
        (Ok(Response::Topology(t)), _) => Ok(t),
        (Ok(other), _) => Err(other.unexpected().message),
        (Err(e), _) => Err(e.message),
    }
}
