//! Running a command inside a lab: the engine sends the namespaces as fds,
//! and a child of the CLI joins them and runs the command. The command keeps
//! the user's terminal (job control works), yet lives in the lab's PID
//! namespace, so it dies with the lab.

use crate::engine::api::ExecPlan;
use nix::unistd::{fork, ForkResult};
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};

/// The hidden `__exec` entry point: the engine's exec helper (see
/// `engine::host::Host::spawn_exec`). The plan comes in the environment,
/// the namespaces as descriptors 3 and up, then with `-t` the socket for
/// the master of the terminal made inside; else the console is our stdio.
pub fn helper_main() -> i32 {
    #[derive(serde::Deserialize)]
    struct Spec {
        plan: ExecPlan,
        argv: Vec<String>,
        console: bool,
    }
    let spec: Spec = match std::env::var(crate::engine::host::EXEC_SPEC_VAR)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("netlings exec helper: {e}");
            return 126;
        }
    };
    let fds: Vec<OwnedFd> = (0..spec.plan.namespaces.len())
        .map(|n| {
            // SAFETY: the engine placed one namespace descriptor at each of
            // 3.. for us (Host::spawn_exec); nothing else owns them.
            unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(3 + n as RawFd) }
        })
        .collect();
    let attach = if spec.console {
        Attach::Console(3 + spec.plan.namespaces.len() as RawFd)
    } else {
        Attach::Inherit
    };
    run_in_namespaces(&spec.plan, fds, &spec.argv, None, true, attach)
}

/// How the command meets the user's terminal.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Attach {
    /// Our stdin, stdout and stderr.
    Inherit,
    /// A terminal of its own, made where it runs, relayed to ours (`-t`).
    Tty,
    /// The engine's exec with `-t`: a terminal made where the command
    /// runs, whose master goes to the engine through this socket.
    Console(RawFd),
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
    // With a terminal, the first child makes it once it has joined the
    // namespaces (the container's own devpts: its /dev/pts/N) and sends
    // the master back through `console`: to us, or to the engine.
    let (raw_mode, channel) = if attach == Attach::Tty {
        match crate::sys::terminal::fd_channel() {
            Ok(ends) => (Some(super::tty::RawMode::enter()), Some(ends)),
            Err(e) => {
                eprintln!("cannot allocate a terminal: {e}");
                return 126;
            }
        }
    } else {
        (None, None)
    };
    let console = match attach {
        Attach::Console(sock) => Some(sock),
        _ => channel.as_ref().map(|(_, theirs)| theirs.as_raw_fd()),
    };
    let size = if attach == Attach::Tty {
        super::tty::terminal_size()
    } else {
        None
    };
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
    let prep = Prepared::new(argv, &env, &plan.workdir, exe.as_ref());
    let child_plan = ChildPlan {
        to_join: &to_join,
        console,
        size,
        capabilities: plan.capabilities,
        user: plan.user,
        failed_w: detached.as_ref().map(|(_, w)| w.as_raw_fd()),
        failed_r: detached.as_ref().map(|(r, _)| r.as_raw_fd()),
        prep: &prep,
    };
    // SAFETY: the CLI may have another thread (`lesson run --shell` keeps
    // one), so the children only make async-signal-safe calls on data
    // prepared above, and leave by exec or _exit.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => child_plan.enter_and_run(),
        Ok(ForkResult::Parent { child }) => {
            // The terminal's signals reach the command too (same process
            // group, or its own pty); we just wait for it.
            ignore_interrupts();
            // Only the middle child may hold the write end, or its read
            // would never see EOF.
            drop(detached);
            let Some((ours, theirs)) = channel else {
                return wait_code(child);
            };
            // Only the child may hold its end, or a child that fails
            // before sending would leave us waiting.
            drop(theirs);
            match crate::sys::terminal::receive_fd(&ours) {
                Ok(Some(master)) => {
                    let pty =
                        super::tty::Pty::new(master, raw_mode.expect("made with the channel"));
                    pty.relay(child.as_raw());
                    drop(pty);
                    wait_code(child)
                }
                _ => {
                    drop(raw_mode);
                    wait_code(child)
                }
            }
        }
        Err(e) => {
            eprintln!("cannot fork: {e}");
            126
        }
    }
}

/// The command, its environment and every message the children may print,
/// made before the fork: after it, a child of a process with other threads
/// must not allocate (another thread may have held the allocator's lock)
/// nor take Rust's stdio locks.
struct Prepared {
    /// The strings `argv_ptrs` and `env_ptrs` point into, kept alive.
    _argv: Vec<CString>,
    _env: Vec<CString>,
    /// Null-terminated arrays of pointers, for execve.
    argv_ptrs: Vec<*const libc::c_char>,
    env_ptrs: Vec<*const libc::c_char>,
    workdir: Option<CString>,
    /// In a container a working directory that cannot be entered fails
    /// the exec, as runc's does (on the lab host `/` stands in): this,
    /// then the errno in Go's words.
    chdir_failed: Option<Vec<u8>>,
    /// Our own executable, when the command is one of our programs.
    builtin: Option<RawFd>,
    /// Where execvp would look for the command, in order.
    candidates: Vec<CString>,
    /// `exec ARGV0: `, before the errno of a failed execve.
    exec_failed: Vec<u8>,
    /// Docker's wording for a missing binary in exec.
    not_found: Vec<u8>,
    /// `std::io::Error`'s text of each errno, indexed by errno.
    os_errors: Vec<Vec<u8>>,
    /// Go's text of each errno (what runc's messages carry), likewise.
    go_errors: Vec<Vec<u8>>,
}

/// How runc 1.1's exec failures begin, as Docker 20.10.24 prints them.
const EXEC_FAILED: &str =
    "OCI runtime exec failed: exec failed: unable to start container process: ";

/// The highest errno Linux defines (EHWPOISON).
const LAST_ERRNO: i32 = 133;

impl Prepared {
    fn new(argv: &[String], env: &[String], workdir: &str, exe: Option<&OwnedFd>) -> Prepared {
        let c = |s: &str| CString::new(s).unwrap_or_default();
        let argv_c: Vec<CString> = argv.iter().map(|a| c(a)).collect();
        let env_c: Vec<CString> = env.iter().map(|e| c(e)).collect();
        let ptrs = |v: &[CString]| -> Vec<*const libc::c_char> {
            v.iter()
                .map(|s| s.as_ptr())
                .chain([std::ptr::null()])
                .collect()
        };
        let base = argv[0].rsplit('/').next().unwrap_or(&argv[0]);
        Prepared {
            argv_ptrs: ptrs(&argv_c),
            env_ptrs: ptrs(&env_c),
            _argv: argv_c,
            _env: env_c,
            workdir: (!workdir.is_empty()).then(|| c(workdir)),
            chdir_failed: (exe.is_some() && !workdir.is_empty()).then(|| {
                format!("{EXEC_FAILED}chdir to cwd (\"{workdir}\") set in config.json failed: ")
                    .into_bytes()
            }),
            builtin: exe
                .filter(|_| crate::programs::lookup(base).is_some())
                .map(|fd| fd.as_raw_fd()),
            candidates: crate::sys::process::search_paths(&argv[0], &path_var(env))
                .iter()
                .map(|p| c(p))
                .collect(),
            exec_failed: format!("exec {}: ", argv[0]).into_bytes(),
            not_found: format!(
                "{EXEC_FAILED}exec: \"{}\": executable file not found in $PATH: unknown\n",
                argv[0]
            )
            .into_bytes(),
            os_errors: (0..=LAST_ERRNO)
                .map(|n| {
                    std::io::Error::from_raw_os_error(n)
                        .to_string()
                        .into_bytes()
                })
                .collect(),
            go_errors: (0..=LAST_ERRNO)
                .map(|n| {
                    crate::gotext::go_errno(&std::io::Error::from_raw_os_error(n)).into_bytes()
                })
                .collect(),
        }
    }

    /// The first candidate that is an executable file, as `which` finds it:
    /// access(2) and stat(2) only.
    fn find_program(&self) -> Option<&CString> {
        self.candidates.iter().find(|p| {
            let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
            // SAFETY: NUL-terminated paths we own; stat fills `st` when it
            // returns 0, and only then is `st` read.
            unsafe {
                libc::access(p.as_ptr(), libc::X_OK) == 0
                    && libc::stat(p.as_ptr(), st.as_mut_ptr()) == 0
                    && st.assume_init().st_mode & libc::S_IFMT == libc::S_IFREG
            }
        })
    }

    /// `PREFIX` and the errno as `std::io::Error` prints it, on stderr.
    fn say_os_error(&self, prefix: &[u8], errno: i32) {
        write_stderr(prefix);
        match usize::try_from(errno)
            .ok()
            .and_then(|i| self.os_errors.get(i))
        {
            Some(text) => write_stderr(text),
            // glibc's words for an errno it does not know.
            None => write_fmt_stderr(format_args!("Unknown error {errno} (os error {errno})")),
        }
        write_stderr(b"\n");
    }
}

/// What the two forked processes do, with borrowed, prepared data only.
struct ChildPlan<'a> {
    to_join: &'a [OwnedFd],
    /// Where the master of the terminal to make goes, with its size.
    console: Option<RawFd>,
    size: Option<libc::winsize>,
    capabilities: Option<u64>,
    user: Option<(u32, u32)>,
    /// Detached: the pipe on which the grandchild reports a missing command.
    failed_r: Option<RawFd>,
    failed_w: Option<RawFd>,
    prep: &'a Prepared,
}

impl ChildPlan<'_> {
    /// The first child: joins the lab, forks the command into its PID
    /// namespace and waits for it.
    fn enter_and_run(&self) -> ! {
        for fd in self.to_join {
            // SAFETY: setns on a descriptor we own; 0 accepts any kind.
            if unsafe { libc::setns(fd.as_raw_fd(), 0) } < 0 {
                self.prep
                    .say_os_error(b"cannot enter the lab: ", nix::Error::last_raw());
                exit(126)
            }
        }
        let slave = self.console.map(|sock| self.make_terminal(sock));
        // The PID namespace applies to our children: fork once more.
        // SAFETY: as for the first fork; this process has one thread.
        let code = match unsafe { fork() } {
            Ok(ForkResult::Child) => self.run_command(slave),
            Ok(ForkResult::Parent { child }) => match (self.failed_r, self.failed_w) {
                (Some(failed_r), Some(failed_w)) => {
                    // SAFETY: closing our copy of the write end, which
                    // nothing else here uses.
                    unsafe { libc::close(failed_w) };
                    // EOF without a byte: the command was exec'd (the
                    // pipe is close-on-exec) and runs on without us.
                    let mut byte = 0u8;
                    // SAFETY: reading at most one byte into a local.
                    match unsafe { libc::read(failed_r, (&raw mut byte).cast(), 1) } {
                        1 => wait_code(child),
                        _ => 0,
                    }
                }
                _ => wait_code(child),
            },
            Err(_) => 126,
        };
        exit(code)
    }

    /// A terminal made here, inside what we joined; its master sent
    /// through `sock`. Its slave, or we exit saying why.
    fn make_terminal(&self, sock: RawFd) -> RawFd {
        let made =
            crate::sys::terminal::open_here(self.size.as_ref()).and_then(|(master, slave)| {
                let sent = crate::sys::terminal::send_fd(sock, master);
                // SAFETY: closing our copy of the master we opened.
                unsafe { libc::close(master) };
                sent.map(|()| slave)
            });
        match made {
            Ok(slave) => slave,
            Err(errno) => {
                self.prep
                    .say_os_error(b"cannot allocate a terminal: ", errno);
                exit(126)
            }
        }
    }

    /// The grandchild: becomes the command.
    fn run_command(&self, slave: Option<RawFd>) -> ! {
        let prep = self.prep;
        if let Some(slave) = slave {
            super::tty::become_terminal_owner(slave);
        }
        if let Some(mask) = self.capabilities {
            if let Err(errno) = crate::sys::caps::limit_to(mask) {
                prep.say_os_error(b"cannot drop capabilities: ", errno);
                exit(126)
            }
        }
        if let Some((uid, gid)) = self.user {
            if let Err(e) = crate::sys::process::become_user(uid, gid) {
                write_fmt_stderr(format_args!("cannot become user {uid}: {e}\n"));
                exit(126)
            }
        }
        if let Err(errno) = prep.enter_workdir() {
            let text = prep
                .go_errors
                .get(errno as usize)
                .map_or(&b"unknown error"[..], |t| t);
            let message: [&[u8]; 4] = [
                prep.chdir_failed.as_deref().unwrap_or_default(),
                text,
                b": unknown",
                b"\n",
            ];
            self.refuse(&message)
        }
        if self.failed_w.is_some() {
            // A missing command is still reported (stderr is the user's
            // until here), as Docker's exec -d does.
            if prep.builtin.is_none() && prep.find_program().is_none() {
                self.refuse(&[&prep.not_found])
            } else {
                // SAFETY: syscalls on a static path and descriptors of this
                // process; /dev/null replaces stdin, stdout and stderr.
                unsafe {
                    libc::setsid();
                    let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC);
                    if null >= 0 {
                        for fd in 0..=2 {
                            libc::dup2(null, fd);
                        }
                        libc::close(null);
                    }
                }
            }
        }
        // Nothing the CLI inherited (a directory of this machine, say) may
        // reach the command.
        crate::sys::process::close_others_on_exec();
        self.exec_command()
    }

    /// Built-ins run as our own executable named after the command;
    /// anything else is found on the command's PATH. Never returns.
    fn exec_command(&self) -> ! {
        let prep = self.prep;
        let (argv, env) = (prep.argv_ptrs.as_ptr(), prep.env_ptrs.as_ptr());
        if let Some(exe) = prep.builtin {
            // SAFETY: null-terminated arrays of pointers to C strings that
            // `prep` keeps alive; on success this process is replaced.
            unsafe { libc::fexecve(exe, argv, env) };
        }
        match prep.find_program() {
            Some(path) => {
                // SAFETY: as for fexecve, with a NUL-terminated path.
                unsafe { libc::execve(path.as_ptr(), argv, env) };
                let errno = nix::Error::last();
                write_stderr(&prep.exec_failed);
                write_fmt_stderr(format_args!("{errno}\n"));
                exit(126)
            }
            None => self.refuse(&[&prep.not_found]),
        }
    }

    /// The exec fails before its command runs, in Docker's words: in the
    /// command's output and 126, or with `-d` a daemon error and 1.
    fn refuse(&self, message: &[&[u8]]) -> ! {
        if let Some(failed_w) = self.failed_w {
            // SAFETY: writing one byte from a static to our pipe.
            unsafe { libc::write(failed_w, b"x".as_ptr().cast(), 1) };
            write_stderr(b"Error response from daemon: ");
            message.iter().for_each(|m| write_stderr(m));
            exit(1)
        }
        message.iter().for_each(|m| write_fd(1, m));
        exit(126)
    }
}

impl Prepared {
    /// Into the working directory; an errno where a container's cannot be
    /// entered. On the lab host, `/` when the caller's own is not there.
    fn enter_workdir(&self) -> Result<(), i32> {
        let Some(dir) = &self.workdir else {
            return Ok(());
        };
        // SAFETY: chdir to NUL-terminated paths we own or a static one.
        unsafe {
            if libc::chdir(dir.as_ptr()) == 0 {
                return Ok(());
            }
            let errno = nix::Error::last_raw();
            if self.chdir_failed.is_some() {
                return Err(errno);
            }
            libc::chdir(c"/".as_ptr());
        }
        Ok(())
    }
}

/// Leaves a forked child without running anything of the parent's
/// (atexit handlers, stdio flushing).
fn exit(code: i32) -> ! {
    // SAFETY: _exit is async-signal-safe and ends only this process.
    unsafe { libc::_exit(code) }
}

/// All of `bytes` to stderr with write(2), as a forked child may.
fn write_stderr(bytes: &[u8]) {
    write_fd(2, bytes)
}

/// All of `bytes` to `fd` with write(2), as a forked child may.
fn write_fd(fd: RawFd, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: writing from a valid slice.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n < 0 && nix::Error::last() == nix::Error::EINTR {
            continue;
        }
        if n <= 0 {
            return;
        }
        bytes = &bytes[n as usize..];
    }
}

/// Formats into a stack buffer (core::fmt neither allocates nor locks) and
/// writes it to stderr; text past 256 bytes is cut.
fn write_fmt_stderr(args: std::fmt::Arguments<'_>) {
    struct StackBuf {
        buf: [u8; 256],
        len: usize,
    }
    impl std::fmt::Write for StackBuf {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            let n = s.len().min(self.buf.len() - self.len);
            self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
            self.len += n;
            Ok(())
        }
    }
    let mut out = StackBuf {
        buf: [0; 256],
        len: 0,
    };
    let _ = std::fmt::Write::write_fmt(&mut out, args);
    write_stderr(&out.buf[..out.len]);
}

fn ignore_interrupts() {
    // SAFETY: SIG_IGN installs no handler, so no code of ours can run in
    // signal context.
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

/// Allocates nothing: the middle child waits with it too.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepared_finds_what_which_finds() {
        let argv = ["sh".to_string(), "-c".to_string()];
        let env = ["PATH=/nonexistent:/bin:/usr/bin".to_string()];
        let prep = Prepared::new(&argv, &env, "", None);
        let which = crate::sys::process::which("sh", "/nonexistent:/bin:/usr/bin");
        assert_eq!(
            prep.find_program()
                .map(|p| p.to_string_lossy().into_owned()),
            which
        );
        assert!(prep.workdir.is_none() && prep.builtin.is_none());
        assert_eq!(prep.argv_ptrs.len(), 3);
        assert!(prep.argv_ptrs[2].is_null());
        let missing = Prepared::new(&["no-such-cmd".to_string()], &env, "/tmp", None);
        assert!(missing.find_program().is_none());
        assert!(String::from_utf8_lossy(&missing.not_found)
            .contains("exec: \"no-such-cmd\": executable file not found in $PATH: unknown\n"));
        assert_eq!(
            missing.os_errors[libc::EPERM as usize],
            b"Operation not permitted (os error 1)"
        );
        assert_eq!(
            missing.go_errors[libc::ENOENT as usize],
            b"no such file or directory"
        );
        // On the lab host a working directory that is not there is `/`;
        // in a container (our programs at hand) it fails the exec.
        assert!(missing.chdir_failed.is_none());
        let exe: OwnedFd = std::fs::File::open("/proc/self/exe").unwrap().into();
        let boxed = Prepared::new(&argv, &env, "/nonexist", Some(&exe));
        assert_eq!(
            boxed.chdir_failed.as_deref(),
            Some(&b"OCI runtime exec failed: exec failed: unable to start container process: chdir to cwd (\"/nonexist\") set in config.json failed: "[..])
        );
    }
}
