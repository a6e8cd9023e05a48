//! Container processes. A container's first process is cloned straight into
//! new PID, mount, UTS and IPC namespaces and joins its network namespace, so
//! it is PID 1 of its own world and a child of the engine: when the engine
//! dies, the kernel takes every container with it.

use nix::mount::{mount, MsFlags};
use nix::sched::{setns, CloneFlags};
use nix::unistd::Pid;
use std::collections::HashMap;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Condvar, Mutex};

/// Everything the child needs, prepared before clone: after clone, the child
/// must not allocate (another thread may hold the allocator's lock).
pub struct ContainerProcess {
    /// The binary to execute: an fd of our own executable for built-in
    /// programs and applets, or a resolved host path.
    pub program: Program,
    pub argv: Vec<CString>,
    pub env: Vec<CString>,
    pub cwd: CString,
    pub hostname: CString,
    pub netns: OwnedFd,
    /// Files bind-mounted over paths (generated /etc/hosts and friends).
    pub binds: Vec<(CString, CString)>,
    /// A working dir missing on the host: overlay `ancestor` (its nearest
    /// existing parent) with the given options, then create `missing`.
    pub workdir_overlay: Option<WorkdirOverlay>,
    /// stdin, stdout, stderr of the process.
    pub stdio: [OwnedFd; 3],
    /// stdin is a pty slave to become the controlling terminal (`-t`).
    pub tty: bool,
    /// (uid, gid) to run as, for images with a USER.
    pub user: Option<(u32, u32)>,
}

/// Becomes `uid`/`gid` with raw syscalls: glibc's wrappers would signal
/// every thread of the process to change ids too, and a CLONE_VM child
/// shares the engine's memory and thread list.
pub fn become_user(uid: u32, gid: u32) -> nix::Result<()> {
    let groups = [gid as libc::gid_t];
    // SAFETY: plain syscalls on values we own.
    unsafe {
        if libc::syscall(libc::SYS_setgroups, 1, groups.as_ptr()) < 0
            || libc::syscall(libc::SYS_setresgid, gid, gid, gid) < 0
            || libc::syscall(libc::SYS_setresuid, uid, uid, uid) < 0
        {
            return Err(nix::Error::last());
        }
    }
    Ok(())
}

pub struct WorkdirOverlay {
    pub ancestor: CString,
    pub options: CString,
    pub missing: Vec<CString>,
}

/// Plans the overlay for a working dir that does not exist on the host; the
/// upper layer lives in `scratch` (the lab's tmpfs), never on the host.
pub fn plan_workdir_overlay(
    workdir: &str,
    scratch: &std::path::Path,
) -> io::Result<Option<WorkdirOverlay>> {
    let path = std::path::Path::new(workdir);
    if !path.is_absolute() || path.is_dir() {
        return Ok(None);
    }
    let mut ancestor = path;
    let mut missing = Vec::new();
    while !ancestor.is_dir() {
        missing.push(ancestor.to_path_buf());
        ancestor = match ancestor.parent() {
            Some(p) => p,
            None => return Ok(None),
        };
    }
    missing.reverse();
    let upper = scratch.join("upper");
    let work = scratch.join("work");
    std::fs::create_dir_all(&upper)?;
    std::fs::create_dir_all(&work)?;
    let options = format!(
        "lowerdir={},upperdir={},workdir={}",
        ancestor.display(),
        upper.display(),
        work.display()
    );
    Ok(Some(WorkdirOverlay {
        ancestor: c(&ancestor.to_string_lossy()),
        options: c(&options),
        missing: missing.iter().map(|m| c(&m.to_string_lossy())).collect(),
    }))
}

pub enum Program {
    SelfExe(RawFd),
    Path(CString),
}

fn c(s: &str) -> CString {
    CString::new(s).unwrap_or_default()
}

/// Finds `name` on PATH the way execvp would, returning the full path.
pub fn which(name: &str, path_var: &str) -> Option<String> {
    if name.contains('/') {
        return is_executable(name).then(|| name.to_string());
    }
    path_var
        .split(':')
        .map(|dir| format!("{}/{name}", if dir.is_empty() { "." } else { dir }))
        .find(|p| is_executable(p))
}

fn is_executable(path: &str) -> bool {
    nix::unistd::access(path, nix::unistd::AccessFlags::X_OK).is_ok()
        && std::fs::metadata(path)
            .map(|m| m.is_file())
            .unwrap_or(false)
}

/// Clones the container's first process. Returns its pid in the engine's
/// PID namespace. Exec failures come back as an error, not as a dead child.
pub fn spawn_container(p: &ContainerProcess, reaper: &Reaper) -> io::Result<Pid> {
    // A close-on-exec pipe reports exec errors: it closes silently on success.
    let (err_r, err_w) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(io::Error::from)?;
    let mut stack = vec![0u8; 256 * 1024];
    let argv: Vec<&std::ffi::CStr> = p.argv.iter().map(|s| s.as_c_str()).collect();
    let env: Vec<&std::ffi::CStr> = p.env.iter().map(|s| s.as_c_str()).collect();
    let proc_path = c("/proc");
    let proc_fs = c("proc");
    let root = c("/");
    let fallback_cwd = c("/");
    let c_overlay = c("overlay");
    let err_w_raw = err_w.as_raw_fd();
    let child = move || -> isize {
        let fail = |step: i32, e: nix::Error| -> isize {
            let msg = [step, e as i32];
            // SAFETY: writing 8 bytes from a stack array to our pipe.
            unsafe { libc::write(err_w_raw, msg.as_ptr().cast(), 8) };
            127
        };
        if let Err(e) = setns(p.netns.as_fd(), CloneFlags::CLONE_NEWNET) {
            return fail(1, e);
        }
        // Our mounts must not leak back to the lab host's mount namespace.
        if let Err(e) = mount(
            None::<&str>,
            root.as_c_str(),
            None::<&str>,
            MsFlags::MS_REC | MsFlags::MS_PRIVATE,
            None::<&str>,
        ) {
            return fail(2, e);
        }
        // A /proc of the container's own PID namespace; best effort, since a
        // locked-down host may refuse it and the container still works.
        let _ = mount(
            Some(proc_fs.as_c_str()),
            proc_path.as_c_str(),
            Some(proc_fs.as_c_str()),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
            None::<&str>,
        );
        for (src, dst) in &p.binds {
            if let Err(e) = mount(
                Some(src.as_c_str()),
                dst.as_c_str(),
                None::<&str>,
                MsFlags::MS_BIND,
                None::<&str>,
            ) {
                return fail(3, e);
            }
        }
        if let Some(o) = &p.workdir_overlay {
            // Best effort: without overlayfs the process starts in "/".
            let overlay = c_overlay.as_c_str();
            if mount(
                Some(overlay),
                o.ancestor.as_c_str(),
                Some(overlay),
                MsFlags::empty(),
                Some(o.options.as_c_str()),
            )
            .is_ok()
            {
                for dir in &o.missing {
                    let _ = nix::unistd::mkdir(
                        dir.as_c_str(),
                        nix::sys::stat::Mode::from_bits_truncate(0o755),
                    );
                }
            }
        }
        if let Err(e) = nix::unistd::sethostname(p.hostname.to_str().unwrap_or("")) {
            return fail(4, e);
        }
        if nix::unistd::chdir(p.cwd.as_c_str()).is_err() {
            let _ = nix::unistd::chdir(fallback_cwd.as_c_str());
        }
        // A session of its own: no terminal of the CLI's or the engine's.
        let _ = nix::unistd::setsid();
        for (i, fd) in p.stdio.iter().enumerate() {
            // SAFETY: dup2 onto 0..2 of the child; the originals are CLOEXEC.
            if unsafe { libc::dup2(fd.as_raw_fd(), i as i32) } < 0 {
                return fail(5, nix::Error::last());
            }
        }
        if p.tty {
            // SAFETY: making our pty slave the controlling terminal.
            if unsafe { libc::ioctl(0, libc::TIOCSCTTY, 0) } < 0 {
                return fail(7, nix::Error::last());
            }
        }
        if let Some((uid, gid)) = p.user {
            if let Err(e) = become_user(uid, gid) {
                return fail(8, e);
            }
        }
        // Default signal handling and an empty mask, whatever the engine has.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
            for sig in 1..32 {
                if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                    libc::signal(sig, libc::SIG_DFL);
                }
            }
        }
        let e = match &p.program {
            Program::SelfExe(fd) => {
                // SAFETY: fd refers to our own executable, opened at start.
                match nix::unistd::fexecve(
                    unsafe { std::os::fd::BorrowedFd::borrow_raw(*fd) },
                    &argv,
                    &env,
                ) {
                    Err(e) => e,
                    Ok(_) => unreachable!(),
                }
            }
            Program::Path(path) => match nix::unistd::execve(path, &argv, &env) {
                Err(e) => e,
                Ok(_) => unreachable!(),
            },
        };
        fail(6, e)
    };
    // CLONE_VM | CLONE_VFORK, as posix_spawn does: the child borrows our
    // memory until it execs, so spawning costs the same however large the
    // engine has grown (copying its page tables grew 3x over 200 containers).
    // That is sound because the child only makes raw syscalls on data made
    // before the clone and never returns into our code.
    let flags = CloneFlags::CLONE_NEWPID
        | CloneFlags::CLONE_NEWNS
        | CloneFlags::CLONE_NEWUTS
        | CloneFlags::CLONE_NEWIPC
        | CloneFlags::CLONE_VM
        | CloneFlags::CLONE_VFORK;
    let pid = reaper.spawn(|| {
        // SAFETY: the child runs only the closure above, which makes raw
        // syscalls on data prepared before the clone, then execs or exits.
        unsafe { nix::sched::clone(Box::new(child), &mut stack, flags, Some(libc::SIGCHLD)) }
            .map_err(io::Error::from)
    })?;
    drop(err_w);
    let mut msg = [0i32; 2];
    // SAFETY: reading at most 8 bytes into a stack array.
    let n = unsafe { libc::read(err_r.as_raw_fd(), msg.as_mut_ptr().cast(), 8) };
    if n == 8 {
        let step = match msg[0] {
            1 => "joining the network namespace",
            2 | 3 => "mounting the container's files",
            4 => "setting the hostname",
            5 => "connecting stdio",
            7 => "taking the terminal",
            _ => "starting the process",
        };
        return Err(io::Error::new(
            io::Error::from_raw_os_error(msg[1]).kind(),
            format!("{step}: {}", io::Error::from_raw_os_error(msg[1])),
        ));
    }
    Ok(pid)
}

/// Reaps every child of the engine (it is PID 1 of the lab) and reports
/// exits. Registration and reaping share a lock, so an exit that comes before
/// the engine has recorded the pid is still delivered.
#[derive(Clone)]
pub struct Reaper {
    inner: Arc<(Mutex<ReaperState>, Condvar)>,
}

struct ReaperState {
    children: usize,
    watchers: HashMap<i32, tokio::sync::oneshot::Sender<i32>>,
    early: HashMap<i32, i32>,
}

impl Reaper {
    pub fn start() -> Reaper {
        let reaper = Reaper {
            inner: Arc::new((
                Mutex::new(ReaperState {
                    children: 0,
                    watchers: HashMap::new(),
                    early: HashMap::new(),
                }),
                Condvar::new(),
            )),
        };
        let r = reaper.clone();
        std::thread::Builder::new()
            .name("reaper".into())
            .spawn(move || r.run())
            .expect("reaper thread");
        reaper
    }

    /// Runs a spawn under the lock and counts the child.
    pub fn spawn(&self, f: impl FnOnce() -> io::Result<Pid>) -> io::Result<Pid> {
        let (lock, cv) = &*self.inner;
        let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
        let pid = f()?;
        st.children += 1;
        cv.notify_one();
        Ok(pid)
    }

    /// A future exit code for `pid` (128+signal for a killed process).
    pub fn watch(&self, pid: Pid) -> tokio::sync::oneshot::Receiver<i32> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let mut st = self.inner.0.lock().unwrap_or_else(|e| e.into_inner());
        match st.early.remove(&pid.as_raw()) {
            Some(code) => {
                let _ = tx.send(code);
            }
            None => {
                st.watchers.insert(pid.as_raw(), tx);
            }
        }
        rx
    }

    fn run(&self) {
        use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
        let (lock, cv) = &*self.inner;
        loop {
            {
                let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
                while st.children == 0 {
                    st = cv.wait(st).unwrap_or_else(|e| e.into_inner());
                }
            }
            let status = waitpid(Pid::from_raw(-1), Some(WaitPidFlag::__WALL));
            let (pid, code) = match status {
                Ok(WaitStatus::Exited(pid, code)) => (pid, code),
                Ok(WaitStatus::Signaled(pid, sig, _)) => (pid, 128 + sig as i32),
                Ok(_) => continue,
                Err(nix::Error::ECHILD) => {
                    // Orphans reparented to us are not counted; start over.
                    lock.lock().unwrap_or_else(|e| e.into_inner()).children = 0;
                    continue;
                }
                Err(_) => continue,
            };
            let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
            st.children = st.children.saturating_sub(1).max(1);
            match st.watchers.remove(&pid.as_raw()) {
                Some(tx) => {
                    let _ = tx.send(code);
                }
                None => {
                    st.early.insert(pid.as_raw(), code);
                }
            }
        }
    }
}

/// Raises the soft limit on open files to the hard one, as Go programs such
/// as dockerd do: each published port holds a listener and a stop pipe, so
/// a login shell's 1024 runs out near 170 ports.
pub fn raise_fd_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain syscalls on a local struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}
