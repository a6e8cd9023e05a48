//! A lab's shell: an interactive shell on the lab's Docker host, `docker`
//! and `netlings` on its PATH, its prompt naming the lab. This module says
//! what to run; the caller runs it on the lab host (the CLI, which holds
//! the code that joins a lab's namespaces).

use super::{state_root, Lab, IN_LAB};

/// The shell to run on the lab host, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellCommand {
    pub argv: Vec<String>,
    /// The whole environment (not added to the caller's).
    pub env: Vec<String>,
    /// On a terminal of its own: a shell's job control needs one in the
    /// lab's PID namespace.
    pub tty: bool,
}

/// Makes the lab's `bin` folder (`docker` and `netlings` links to this
/// program) and the shell's start file, and says how to start the shell:
/// `$SHELL` (else bash) with the caller's environment, `docker` first on
/// PATH and this lab as the one every command acts on.
pub fn prepare(lab: &Lab) -> Result<ShellCommand, String> {
    let bin = lab.dir().join("bin");
    let shell = std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/bash".into());
    let rc = lab.dir().join("shellrc");
    let prompt = format!("(lab {}) ", lab.name);
    // bash reads ~/.bashrc, which sets PS1: the rc file adds the lab's name
    // after it.
    std::fs::create_dir_all(&bin)
        .and_then(|_| {
            for name in ["docker", "netlings"] {
                let link = bin.join(name);
                if !link.exists() {
                    std::os::unix::fs::symlink(std::env::current_exe()?, link)?;
                }
            }
            Ok(())
        })
        .and_then(|_| std::fs::write(&rc, bash_rc(&prompt)))
        .map_err(|e| format!("cannot prepare the shell: {e}"))?;
    let mut env: Vec<String> = std::env::vars()
        .filter(|(k, _)| !matches!(k.as_str(), "PATH" | "NETLINGS_LAB" | "PS1"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    env.push(format!(
        "PATH={}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    ));
    env.push(format!("NETLINGS_LAB={}", lab.name));
    env.push(format!("{IN_LAB}={}", lab.name));
    // Inside the lab's user namespace everyone is root: the lab's state is
    // named here, not guessed from the uid.
    env.push(format!("NETLINGS_STATE_DIR={}", state_root().display()));
    let mut argv = vec![shell.clone()];
    if shell.ends_with("bash") {
        argv.extend(["--rcfile".to_string(), rc.display().to_string()]);
    } else {
        // POSIX shells expand no \w in PS1.
        env.push(format!("PS1={prompt}$ "));
    }
    let tty = std::io::IsTerminal::is_terminal(&std::io::stdin());
    Ok(ShellCommand { argv, env, tty })
}

/// The shell's start file: the user's own settings, then the lab in front
/// of the prompt.
fn bash_rc(prompt: &str) -> String {
    format!(
        "[ -n \"$BASH_VERSION\" ] && [ -f ~/.bashrc ] && . ~/.bashrc\n\
         PS1=\"{prompt}${{PS1:-\\$ }}\"\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_keeps_the_users_own_after_the_lab() {
        assert_eq!(
            bash_rc("(lab demo) "),
            "[ -n \"$BASH_VERSION\" ] && [ -f ~/.bashrc ] && . ~/.bashrc\n\
             PS1=\"(lab demo) ${PS1:-\\$ }\"\n"
        );
    }
}
