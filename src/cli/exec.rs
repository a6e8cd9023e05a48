//! Running a command inside a lab: the engine sends the namespaces as fds,
//! and a child of the CLI joins them and runs the command. The command keeps
//! the user's terminal (job control works), yet lives in the lab's PID
//! namespace, so it dies with the lab.

use crate::engine::api::ExecPlan;
use nix::unistd::{fork, ForkResult};
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

/// How the command meets the user's terminal.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Attach {
    /// Our stdin, stdout and stderr.
    Inherit,
    /// A pty of its own, relayed to ours (`-t`).
    Tty,
    /// `exec -d`: no terminal and no waiting; the command runs on in the
    /// container (reparented to its PID 1) and its output is dropped.
    Detached,
}

/// Joins the namespaces in `fds`, skipping any the caller is already in
/// (joining one's own user namespace is an error), then runs `argv`.
/// `builtins`: inside containers our applets stand in for busybox; on the
/// lab host the real host binaries run.
pub fn run_in_namespaces(
    plan: &ExecPlan,
    fds: Vec<OwnedFd>,
    argv: &[String],
    extra_env: Option<Vec<String>>,
    builtins: bool,
    attach: Attach,
) -> i32 {
    if argv.is_empty() {
        eprintln!("no command given");
        return 2;
    }
    let tty = attach == Attach::Tty;
    // Open our own executable before leaving the mount namespace.
    let exe: Option<OwnedFd> = if builtins {
        std::fs::File::open("/proc/self/exe").ok().map(Into::into)
    } else {
        None
    };
    let env: Vec<String> = extra_env.unwrap_or_else(|| plan.env.clone());
    let to_join: Vec<OwnedFd> = fds
        .into_iter()
        .zip(&plan.namespaces)
        .filter(|(fd, kind)| !same_namespace(fd, kind))
        .map(|(fd, _)| fd)
        .collect();
    let pty = if tty {
        match super::tty::Pty::open() {
            Ok(p) => Some(p),
            Err(e) => {
                eprintln!("cannot allocate a terminal: {e}");
                return 126;
            }
        }
    } else {
        None
    };
    let slave = pty
        .as_ref()
        .and_then(|p| p.slave.as_ref())
        .map(|s| s.as_raw_fd());
    // Detached: the grandchild reports a command it cannot run through a
    // close-on-exec pipe, so success needs no waiting for it.
    let detached = if attach == Attach::Detached {
        match nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC) {
            Ok(p) => Some(p),
            Err(e) => {
                eprintln!("cannot detach: {e}");
                return 126;
            }
        }
    } else {
        None
    };
    // SAFETY: the CLI is single-threaded; the child only makes syscalls
    // until it execs or exits.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            if let Err(e) = crate::sys::ns::join_namespaces(&to_join) {
                eprintln!("cannot enter the lab: {e}");
                unsafe { libc::_exit(126) }
            }
            // The PID namespace applies to our children: fork once more.
            let code = match unsafe { fork() } {
                Ok(ForkResult::Child) => {
                    if let Some(slave) = slave {
                        super::tty::become_terminal_owner(slave);
                    }
                    if let Some(mask) = plan.capabilities {
                        if let Err(errno) = crate::sys::caps::limit_to(mask) {
                            eprintln!(
                                "cannot drop capabilities: {}",
                                std::io::Error::from_raw_os_error(errno)
                            );
                            unsafe { libc::_exit(126) }
                        }
                    }
                    if let Some((uid, gid)) = plan.user {
                        if let Err(e) = crate::sys::process::become_user(uid, gid) {
                            eprintln!("cannot become user {uid}: {e}");
                            unsafe { libc::_exit(126) }
                        }
                    }
                    if let Some((_, failed_w)) = &detached {
                        // A missing command is still reported (stderr is
                        // the user's until here), as Docker's exec -d does.
                        if !command_exists(argv, &env, exe.is_some()) {
                            let _ = nix::unistd::write(failed_w, b"x");
                        } else {
                            let _ = nix::unistd::setsid();
                            if let Ok(null) = std::fs::File::options()
                                .read(true)
                                .write(true)
                                .open("/dev/null")
                            {
                                for fd in 0..=2 {
                                    unsafe { libc::dup2(null.as_raw_fd(), fd) };
                                }
                            }
                        }
                    }
                    // Nothing the CLI inherited (a directory of this
                    // machine, say) may reach the command.
                    crate::sys::process::close_others_on_exec();
                    exec_command(argv, &env, &plan.workdir, exe.as_ref());
                }
                Ok(ForkResult::Parent { child }) => match detached {
                    Some((failed_r, failed_w)) => {
                        drop(failed_w);
                        // EOF without a byte: the command was exec'd (the
                        // pipe is close-on-exec) and runs on without us.
                        let mut byte = [0u8; 1];
                        match nix::unistd::read(&failed_r, &mut byte) {
                            Ok(1) => wait_code(child),
                            _ => 0,
                        }
                    }
                    None => wait_code(child),
                },
                Err(_) => 126,
            };
            unsafe { libc::_exit(code) }
        }
        Ok(ForkResult::Parent { child }) => {
            // The terminal's signals reach the command too (same process
            // group, or its own pty); we just wait for it.
            ignore_interrupts();
            // Only the middle child may hold the write end, or its read
            // would never see EOF.
            drop(detached);
            match pty {
                Some(mut pty) => {
                    pty.slave = None;
                    pty.relay(child.as_raw());
                    wait_code(child)
                }
                None => wait_code(child),
            }
        }
        Err(e) => {
            eprintln!("cannot fork: {e}");
            126
        }
    }
}

fn ignore_interrupts() {
    // SAFETY: setting dispositions to ignore.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(libc::SIGQUIT, libc::SIG_IGN);
    }
}

fn same_namespace(fd: &OwnedFd, kind: &str) -> bool {
    let theirs = nix::sys::stat::fstat(fd.as_fd());
    let ours = nix::sys::stat::stat(format!("/proc/self/ns/{kind}").as_str());
    matches!((theirs, ours), (Ok(a), Ok(b)) if a.st_ino == b.st_ino && a.st_dev == b.st_dev)
}

fn wait_code(child: nix::unistd::Pid) -> i32 {
    loop {
        match nix::sys::wait::waitpid(child, None) {
            Ok(nix::sys::wait::WaitStatus::Exited(_, code)) => return code,
            Ok(nix::sys::wait::WaitStatus::Signaled(_, sig, _)) => return 128 + sig as i32,
            Ok(_) => continue,
            Err(nix::Error::EINTR) => continue,
            Err(_) => return 126,
        }
    }
}

/// The command's PATH: its environment's, else ours.
fn path_var(env: &[String]) -> String {
    env.iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .map(str::to_string)
        .or_else(|| std::env::var("PATH").ok())
        .unwrap_or_else(|| "/usr/bin:/bin".into())
}

/// Whether [`exec_command`] would find something to run.
fn command_exists(argv: &[String], env: &[String], builtins: bool) -> bool {
    let base = argv[0].rsplit('/').next().unwrap_or(&argv[0]);
    (builtins && crate::programs::lookup(base).is_some())
        || crate::sys::process::which(&argv[0], &path_var(env)).is_some()
}

/// Built-ins run as our own executable named after the command; anything
/// else is found on the command's PATH. Never returns.
fn exec_command(argv: &[String], env: &[String], workdir: &str, exe: Option<&OwnedFd>) -> ! {
    if !workdir.is_empty() && nix::unistd::chdir(workdir).is_err() {
        let _ = nix::unistd::chdir("/");
    }
    let cargv: Vec<CString> = argv
        .iter()
        .map(|a| CString::new(a.as_str()).unwrap_or_default())
        .collect();
    let cenv: Vec<CString> = env
        .iter()
        .map(|e| CString::new(e.as_str()).unwrap_or_default())
        .collect();
    let base = argv[0].rsplit('/').next().unwrap_or(&argv[0]);
    if let (Some(_), Some(exe)) = (crate::programs::lookup(base), exe) {
        let _ = nix::unistd::fexecve(exe.as_fd(), &cargv, &cenv);
    }
    match crate::sys::process::which(&argv[0], &path_var(env)) {
        Some(p) => {
            let e = nix::unistd::execve(&CString::new(p).unwrap_or_default(), &cargv, &cenv)
                .unwrap_err();
            eprintln!("exec {}: {e}", argv[0]);
            unsafe { libc::_exit(126) }
        }
        None => {
            // Docker's wording for a missing binary in exec.
            eprintln!(
                "OCI runtime exec failed: exec failed: container_linux.go:380: starting container process caused: exec: \"{}\": executable file not found in $PATH: unknown",
                argv[0]
            );
            unsafe { libc::_exit(126) }
        }
    }
}
