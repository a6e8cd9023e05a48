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

pub struct TestLab {
    pub name: String,
    pub state_dir: PathBuf,
}

impl TestLab {
    /// A fresh deterministic lab with its own state dir, so tests run in
    /// parallel without seeing each other.
    pub fn start(tag: &str) -> TestLab {
        require_namespaces();
        let name = format!("t-{tag}-{}", std::process::id());
        let state_dir = std::env::temp_dir().join(format!("netlings-test-{name}"));
        let lab = TestLab { name, state_dir };
        lab.cmd(&["lab", "start", "--deterministic"])
            .assert()
            .success();
        lab
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("netlings").unwrap();
        c.env("NETLINGS_STATE_DIR", &self.state_dir)
            .env("NETLINGS_LAB", &self.name)
            .env("NO_COLOR", "1")
            .args(args);
        c
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
