//! A lab per test, started through the CLI and stopped when dropped.

#![allow(dead_code)]

use assert_cmd::Command;
use std::path::PathBuf;

/// Fails loudly (never skips) when this machine cannot make namespaces.
pub fn require_namespaces() {
    let root = nix_is_root();
    if root {
        return;
    }
    let ok = std::process::Command::new("unshare")
        .args(["--user", "--net", "true"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "these tests need network namespaces: run them as root, or allow unprivileged user namespaces \
         (sysctl -w kernel.unprivileged_userns_clone=1)"
    );
}

pub fn is_root() -> bool {
    nix_is_root()
}

fn nix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// A throwaway local user, made for one test (root only) and removed with
/// everything it owns when dropped. Commands run as it through setpriv,
/// from a link to the binary in a directory it can reach.
pub struct TestUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: PathBuf,
    pub bin: PathBuf,
}

impl TestUser {
    pub fn create(tag: &str) -> TestUser {
        assert!(nix_is_root(), "only root can create a test user");
        let name = format!("nlt{tag}{}", std::process::id());
        let home = std::env::temp_dir().join(format!("netlings-home-{name}"));
        let _ = std::process::Command::new("userdel").arg(&name).output();
        let out = std::process::Command::new("useradd")
            .args(["--no-create-home", "--shell", "/bin/sh", "--home-dir"])
            .arg(&home)
            .arg(&name)
            .output()
            .expect("useradd runs");
        assert!(
            out.status.success(),
            "useradd {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let id = |flag: &str| -> u32 {
            let out = std::process::Command::new("id")
                .args([flag, &name])
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
        };
        let (uid, gid) = (id("-u"), id("-g"));
        std::fs::create_dir_all(home.join("bin")).unwrap();
        let bin = home.join("bin").join("netlings");
        if std::fs::hard_link(env!("CARGO_BIN_EXE_netlings"), &bin).is_err() {
            std::fs::copy(env!("CARGO_BIN_EXE_netlings"), &bin).unwrap();
        }
        for p in [home.clone(), home.join("bin")] {
            std::os::unix::fs::chown(&p, Some(uid), Some(gid)).unwrap();
        }
        TestUser {
            name,
            uid,
            gid,
            home,
            bin,
        }
    }

    /// `PROGRAM` as this user, with its home and without root's runtime dir.
    pub fn command(&self, program: &str) -> std::process::Command {
        let mut c = std::process::Command::new("setpriv");
        c.arg(format!("--reuid={}", self.uid))
            .arg(format!("--regid={}", self.gid))
            .arg("--init-groups")
            .arg("--")
            .arg(program)
            .env("HOME", &self.home)
            .env_remove("XDG_RUNTIME_DIR");
        c
    }

    /// `netlings ARGS` as this user.
    pub fn netlings(&self) -> Command {
        Command::from_std(self.netlings_std())
    }

    /// The same as a plain `std::process::Command`, for a test that spawns
    /// it and keeps it running.
    pub fn netlings_std(&self) -> std::process::Command {
        let mut c = std::process::Command::new("setpriv");
        c.arg(format!("--reuid={}", self.uid))
            .arg(format!("--regid={}", self.gid))
            .arg("--init-groups")
            .arg("--")
            .arg(&self.bin)
            .env("HOME", &self.home)
            .env_remove("XDG_RUNTIME_DIR");
        c
    }
}

impl Drop for TestUser {
    fn drop(&mut self) {
        // Whatever the user left running goes first (a lab it started).
        let _ = std::process::Command::new("pkill")
            .args(["-KILL", "-u", &self.uid.to_string()])
            .output();
        let _ = std::process::Command::new("userdel")
            .arg(&self.name)
            .output();
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

pub struct TestLab {
    pub name: String,
    pub state_dir: PathBuf,
    /// The lab's owner when it is not the test's own user.
    pub user: Option<TestUser>,
}

impl TestLab {
    /// A fresh deterministic lab with its own state dir, so tests run in
    /// parallel without seeing each other.
    pub fn start(tag: &str) -> TestLab {
        require_namespaces();
        let name = format!("t-{tag}-{}", std::process::id());
        let state_dir = std::env::temp_dir().join(format!("netlings-test-{name}"));
        let lab = TestLab {
            name,
            state_dir,
            user: None,
        };
        lab.cmd(&["lab", "start", "--deterministic"])
            .assert()
            .success();
        lab
    }

    /// A lab in an unprivileged user namespace: run by a throwaway user
    /// when the tests run as root, else by the test's own (ordinary) user.
    pub fn start_rootless(tag: &str) -> TestLab {
        require_namespaces();
        let name = format!("t-{tag}-{}", std::process::id());
        let state_dir = std::env::temp_dir().join(format!("netlings-test-{name}"));
        let user = nix_is_root().then(|| TestUser::create(tag));
        let lab = TestLab {
            name,
            state_dir,
            user,
        };
        lab.cmd(&["lab", "start", "--deterministic"])
            .assert()
            .success();
        lab
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        Command::from_std(self.std_cmd(args))
    }

    /// [`TestLab::cmd`] as a plain `std::process::Command`, for a test that
    /// spawns it and keeps it running (or adjusts it before it starts).
    pub fn std_cmd(&self, args: &[&str]) -> std::process::Command {
        let mut c = match &self.user {
            Some(u) => u.netlings_std(),
            None => std::process::Command::new(env!("CARGO_BIN_EXE_netlings")),
        };
        c.env("NETLINGS_STATE_DIR", &self.state_dir)
            .env("NETLINGS_LAB", &self.name)
            .env("NO_COLOR", "1")
            .args(args);
        c
    }

    /// `DOCKER_HOST` for Docker's clients: the lab's Engine API socket.
    pub fn docker_host(&self) -> String {
        format!(
            "unix://{}",
            self.state_dir
                .join(&self.name)
                .join("docker.sock")
                .display()
        )
    }

    /// The lab's unix socket, where the CLI talks to the engine.
    pub fn socket(&self) -> PathBuf {
        self.state_dir.join(&self.name).join("engine.sock")
    }

    /// Runs a command and returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// stdout of a command that must succeed.
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "{args:?} failed: {err}{out}");
        out
    }

    /// A field of the container's network endpoints (`IPAddress`,
    /// `GlobalIPv6Address`...) as `inspect -f` prints it, without the newline.
    pub fn endpoint(&self, container: &str, field: &str) -> String {
        let format = format!("{{{{range .NetworkSettings.Networks}}}}{{{{.{field}}}}}{{{{end}}}}");
        self.ok(&["inspect", "-f", &format, container])
            .trim()
            .to_string()
    }

    pub fn engine_pid(&self) -> i32 {
        std::fs::read_to_string(self.state_dir.join(&self.name).join("engine.pid"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }
}

impl Drop for TestLab {
    fn drop(&mut self) {
        let _ = self.cmd(&["lab", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.state_dir);
    }
}

/// Runs `cmd` on a pseudo-terminal of its own, as a person at a terminal
/// would: each line of `script` is typed once `prompt` has appeared once
/// more than before. Returns everything the terminal showed and the exit
/// code. Panics if a prompt does not come within `wait`.
pub fn on_a_terminal(
    cmd: std::process::Command,
    prompt: &str,
    script: &[&str],
    wait: std::time::Duration,
) -> (String, i32) {
    on_a_terminal_sized(None, cmd, prompt, script, wait)
}

/// [`on_a_terminal`] on a terminal of `rows` x `cols`.
pub fn on_a_terminal_sized(
    size: Option<(u16, u16)>,
    cmd: std::process::Command,
    prompt: &str,
    script: &[&str],
    wait: std::time::Duration,
) -> (String, i32) {
    use std::os::fd::AsRawFd;
    let size = size.map(|(rows, cols)| nix::pty::Winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    });
    let pty = nix::pty::openpty(size.as_ref(), None).unwrap();
    let mut child = spawn_on_pty(cmd, pty.slave);
    let master = pty.master;
    let mut seen = Vec::new();
    let read_until = |seen: &mut Vec<u8>, prompts: usize| -> bool {
        let deadline = std::time::Instant::now() + wait;
        loop {
            let text = String::from_utf8_lossy(seen);
            if prompts > 0 && text.matches(prompt).count() >= prompts {
                return true;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            let mut pfd = libc::pollfd {
                fd: master.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one pollfd, then a read into a local buffer.
            if unsafe { libc::poll(&mut pfd, 1, left.as_millis() as i32) } <= 0 {
                continue;
            }
            let mut buf = [0u8; 4096];
            let n = unsafe { libc::read(master.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                // EIO: the last holder of the terminal has gone.
                return prompts == 0;
            }
            seen.extend_from_slice(&buf[..n as usize]);
        }
    };
    for (i, line) in script.iter().enumerate() {
        assert!(
            read_until(&mut seen, i + 1),
            "no prompt {} ({prompt:?}) within {wait:?}; the terminal showed:\n{}",
            i + 1,
            String::from_utf8_lossy(&seen)
        );
        let bytes = format!("{line}\n");
        // SAFETY: writing a local buffer to the master.
        unsafe { libc::write(master.as_raw_fd(), bytes.as_ptr().cast(), bytes.len()) };
    }
    read_until(&mut seen, 0);
    let code = child.wait().unwrap().code().unwrap_or(-1);
    (String::from_utf8_lossy(&seen).into_owned(), code)
}

/// The machine's interface names, sorted: what a lab must never change.
pub fn host_links() -> Vec<String> {
    let out = std::process::Command::new("ip")
        .args(["-o", "link"])
        .output()
        .unwrap();
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split(':').nth(1).map(|n| n.trim().to_string()))
        .collect();
    names.sort();
    names
}

/// Spawns `cmd` as a session leader with `slave` as its controlling
/// terminal and stdio, as a login on a terminal would have it.
pub fn spawn_on_pty(
    mut cmd: std::process::Command,
    slave: std::os::fd::OwnedFd,
) -> std::process::Child {
    use std::os::unix::process::CommandExt;
    cmd.stdin(std::process::Stdio::from(slave.try_clone().unwrap()))
        .stdout(std::process::Stdio::from(slave.try_clone().unwrap()))
        .stderr(std::process::Stdio::from(slave));
    // SAFETY: setsid and TIOCSCTTY in the child before exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            libc::ioctl(0, libc::TIOCSCTTY, 0);
            Ok(())
        });
    }
    cmd.spawn().unwrap()
}

/// How many processes are in the network namespace `netns` (a link target
/// such as `net:[4026532627]`): a lab's, after its engine died, must be 0.
pub fn processes_in(netns: &std::path::Path) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .chars()
                .all(|c| c.is_ascii_digit())
        })
        .filter(|e| std::fs::read_link(e.path().join("ns/net")).ok().as_deref() == Some(netns))
        .count()
}
