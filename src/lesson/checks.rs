//! A step's outcome: its command's output and exit status, and each of its
//! checks evaluated against them (and, for reach and resolve, against the
//! lab).

use super::format::{self, Check, Step};
use super::session::Session;

impl Session {
    /// Evaluates one check; Err says what was expected and what happened.
    pub fn check(&self, check: &Check, code: i32, output: &str) -> Result<(), String> {
        match check {
            Check::ExitStatus(want) => (code == *want)
                .then_some(())
                .ok_or_else(|| format!("expected exit status {want}, got {code}")),
            Check::Contains(text) => output
                .contains(text.as_str())
                .then_some(())
                .ok_or_else(|| format!("the output does not contain {text:?}")),
            Check::NotContains(text) => (!output.contains(text.as_str()))
                .then_some(())
                .ok_or_else(|| format!("the output contains {text:?}")),
            Check::Matches(glob) => format::output_matches(glob, output)
                .then_some(())
                .ok_or_else(|| format!("the output does not match {glob:?}")),
            Check::JsonEquals { path, value } => {
                let json: serde_json::Value = serde_json::from_str(output)
                    .map_err(|e| format!("the output is not JSON: {e}"))?;
                match format::json_path(&json, path) {
                    Some(v) if v == value => Ok(()),
                    Some(v) => Err(format!("{path} is {v}, expected {value}")),
                    None => Err(format!("{path} is missing")),
                }
            }
            Check::Reach {
                from,
                to,
                port,
                expect,
            } => {
                let port_text = port.to_string();
                let probe = || self.docker(&["exec", from, "nc", "-z", "-w", "1", to, &port_text]);
                let (mut c, mut out) = probe();
                // On a loaded machine a first SYN can go unanswered for the
                // probe's second (CI once saw it): a path that should be
                // open gets a second try, one that should be closed none.
                if c != 0 && *expect {
                    (c, out) = probe();
                }
                match (c == 0, expect) {
                    (true, true) | (false, false) => Ok(()),
                    (false, true) => {
                        Err(format!("{from} cannot reach {to}:{port}: {}", out.trim()))
                    }
                    (true, false) => Err(format!("{from} can reach {to}:{port}, but should not")),
                }
            }
            Check::Resolves { name, from, expect } => {
                let (c, _) = self.docker(&["exec", from, "nslookup", name]);
                match (c == 0, expect) {
                    (true, true) | (false, false) => Ok(()),
                    (false, true) => Err(format!("{name} does not resolve from {from}")),
                    (true, false) => Err(format!("{name} resolves from {from}, but should not")),
                }
            }
        }
    }
}

/// What happened in one step, for the transcript and the exit status.
pub struct StepResult {
    pub output: String,
    pub code: i32,
    /// (check as written, failure reason if it failed)
    pub checks: Vec<(String, Option<String>)>,
}

impl StepResult {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|(_, f)| f.is_none())
    }
}

pub fn run_step(session: &Session, step: &Step) -> StepResult {
    let (code, output) = session.run(&step.command);
    let checks = step
        .checks
        .iter()
        .map(|c| (c.to_string(), session.check(c, code, &output).err()))
        .collect();
    StepResult {
        output,
        code,
        checks,
    }
}
