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
    /// programs and applets, or candidate paths searched inside the
    /// container's root.
    pub program: Program,
    pub argv: Vec<CString>,
    pub env: Vec<CString>,
    /// The working directory, and its ancestors to create if it is missing
    /// (as runc does), inside the container's root.
    pub cwd: CString,
    pub cwd_parents: Vec<CString>,
    pub hostname: CString,
    pub netns: OwnedFd,
    /// The steps that make the container's root file system its `/`.
    pub mounts: Vec<super::rootfs::ChildStep>,
    /// stdin, stdout and stderr of the process.
    pub io: ProcessIo,
    /// stdin is a pty slave to become the controlling terminal (`-t`).
    pub tty: bool,
    /// (uid, gid) to run as, for images with a USER.
    pub user: Option<(u32, u32)>,
    /// The capability set the process keeps.
    pub capabilities: u64,
}

/// What a process gets as stdin, stdout and stderr.
pub enum ProcessIo {
    /// These three.
    Fds([OwnedFd; 3]),
    /// A new terminal of the container's own devpts, sized `size`, made
    /// once its root is in place; its master goes out through `console`
    /// (see [`super::terminal`]) before the exec, to whoever relays it.
    Terminal {
        console: OwnedFd,
        size: Option<libc::winsize>,
    },
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

/// Marks every descriptor from 3 up close-on-exec, so nothing the engine
/// or the CLI holds (a directory of the machine, another lab's socket)
/// reaches a container's process.
pub fn close_others_on_exec() {
    // SAFETY: close_range with flags only changes descriptor flags.
    unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        );
    }
}

pub enum Program {
    SelfExe(RawFd),
    /// Paths to try in order, as execvp does (inside the container).
    Search(Vec<CString>),
}

fn c(s: &str) -> CString {
    CString::new(s).unwrap_or_default()
}

/// Where execvp would look for `name`: itself if it has a slash, else each
/// PATH entry.
pub fn search_paths(name: &str, path_var: &str) -> Vec<String> {
    if name.contains('/') {
        return vec![name.to_string()];
    }
    path_var
        .split(':')
        .map(|dir| format!("{}/{name}", if dir.is_empty() { "." } else { dir }))
        .collect()
}

/// Finds `name` on PATH the way execvp would, returning the full path.
pub fn which(name: &str, path_var: &str) -> Option<String> {
    search_paths(name, path_var)
        .into_iter()
        .find(|p| is_executable(p))
}

fn is_executable(path: &str) -> bool {
    nix::unistd::access(path, nix::unistd::AccessFlags::X_OK).is_ok()
        && std::fs::metadata(path)
            .map(|m| m.is_file())
            .unwrap_or(false)
}

/// Why a container's first process did not start.
#[derive(Debug)]
pub enum SpawnError {
    /// Setting up the container failed at `step`.
    Setup { step: String, error: io::Error },
    /// No candidate path could be executed; the errno of the last one
    /// that was not simply missing (ENOENT if all were).
    Exec(io::Error),
}

impl From<io::Error> for SpawnError {
    fn from(error: io::Error) -> SpawnError {
        SpawnError::Setup {
            step: "starting the process".into(),
            error,
        }
    }
}

// What the child reports through its error pipe: [stage, errno, detail].
const STAGE_NETNS: i32 = 1;
const STAGE_PRIVATE: i32 = 2;
const STAGE_MOUNT: i32 = 3;
const STAGE_HOSTNAME: i32 = 4;
const STAGE_STDIO: i32 = 5;
const STAGE_EXEC: i32 = 6;
const STAGE_TTY: i32 = 7;
const STAGE_USER: i32 = 8;
const STAGE_CAPS: i32 = 9;
const STAGE_WORKDIR: i32 = 10;

/// Clones the container's first process. Returns its pid in the engine's
/// PID namespace. Setup and exec failures come back as errors, not as a
/// dead child; `plan` names the mount steps for messages.
pub fn spawn_container(
    p: &ContainerProcess,
    reaper: &Reaper,
    plan: &[crate::rootfs::Step],
) -> Result<Pid, SpawnError> {
    // A close-on-exec pipe reports exec errors: it closes silently on success.
    let (err_r, err_w) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(io::Error::from)?;
    let mut stack = vec![0u8; 256 * 1024];
    // Null-terminated pointer arrays, made here: the child must not build them.
    let argv: Vec<*const libc::c_char> = p
        .argv
        .iter()
        .map(|s| s.as_ptr())
        .chain([std::ptr::null()])
        .collect();
    let env: Vec<*const libc::c_char> = p
        .env
        .iter()
        .map(|s| s.as_ptr())
        .chain([std::ptr::null()])
        .collect();
    let root = c("/");
    let err_w_raw = err_w.as_raw_fd();
    let child = move || -> isize {
        let fail = |stage: i32, errno: i32, detail: usize| -> isize {
            let msg = [stage, errno, detail as i32];
            // SAFETY: writing 12 bytes from a stack array to our pipe.
            unsafe { libc::write(err_w_raw, msg.as_ptr().cast(), 12) };
            127
        };
        if let Err(e) = setns(p.netns.as_fd(), CloneFlags::CLONE_NEWNET) {
            return fail(STAGE_NETNS, e as i32, 0);
        }
        // Our mounts must not leak back to the lab host's mount namespace.
        if let Err(e) = mount(
            None::<&str>,
            root.as_c_str(),
            None::<&str>,
            MsFlags::MS_REC | MsFlags::MS_PRIVATE,
            None::<&str>,
        ) {
            return fail(STAGE_PRIVATE, e as i32, 0);
        }
        if let Err((index, errno)) = super::rootfs::run_steps(&p.mounts) {
            return fail(STAGE_MOUNT, errno, index);
        }
        if let Err(e) = nix::unistd::sethostname(p.hostname.to_str().unwrap_or("")) {
            return fail(STAGE_HOSTNAME, e as i32, 0);
        }
        // SAFETY: chdir on a NUL-terminated path that `p` owns.
        if unsafe { libc::chdir(p.cwd.as_ptr()) } < 0 {
            for dir in &p.cwd_parents {
                // SAFETY: mkdir on a NUL-terminated path that `p` owns.
                unsafe { libc::mkdir(dir.as_ptr(), 0o755) };
            }
            // SAFETY: as for the first chdir.
            if unsafe { libc::chdir(p.cwd.as_ptr()) } < 0 {
                return fail(STAGE_WORKDIR, nix::Error::last() as i32, 0);
            }
        }
        // A session of its own: no terminal of the CLI's or the engine's.
        let _ = nix::unistd::setsid();
        match &p.io {
            ProcessIo::Fds(fds) => {
                for (i, fd) in fds.iter().enumerate() {
                    // SAFETY: dup2 onto 0..2 of the child; the originals are CLOEXEC.
                    if unsafe { libc::dup2(fd.as_raw_fd(), i as i32) } < 0 {
                        return fail(STAGE_STDIO, nix::Error::last() as i32, 0);
                    }
                }
            }
            ProcessIo::Terminal { console, size } => {
                let (master, slave) = match super::terminal::open_here(size.as_ref()) {
                    Ok(ends) => ends,
                    Err(errno) => return fail(STAGE_TTY, errno, 0),
                };
                let sent = super::terminal::send_fd(console.as_raw_fd(), master);
                // SAFETY: closing our copy of the master, then putting the
                // slave (close-on-exec) on 0..2; runc gives the console to
                // the process's user too, keeping the tty group.
                unsafe {
                    libc::close(master);
                    if let Err(errno) = sent {
                        return fail(STAGE_TTY, errno, 0);
                    }
                    if let Some((uid, _)) = p.user {
                        libc::fchown(slave, uid, u32::MAX);
                    }
                    for i in 0..3 {
                        if libc::dup2(slave, i) < 0 {
                            return fail(STAGE_STDIO, nix::Error::last() as i32, 0);
                        }
                    }
                    if slave > 2 {
                        libc::close(slave);
                    }
                }
            }
        }
        if p.tty {
            // SAFETY: making our pty slave the controlling terminal.
            if unsafe { libc::ioctl(0, libc::TIOCSCTTY, 0) } < 0 {
                return fail(STAGE_TTY, nix::Error::last() as i32, 0);
            }
        }
        if let Err(errno) = super::caps::limit_to(p.capabilities) {
            return fail(STAGE_CAPS, errno, 0);
        }
        if let Some((uid, gid)) = p.user {
            if let Err(e) = become_user(uid, gid) {
                return fail(STAGE_USER, e as i32, 0);
            }
        }
        // Default signal handling and an empty mask, whatever the engine has.
        // SAFETY: sigset_t is plain data (all zeroes is a valid, empty
        // set) and lives on our stack; without CLONE_SIGHAND the child has
        // its own copy of the dispositions, so the engine's are untouched.
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
        close_others_on_exec();
        // Both execs get null-terminated arrays of pointers to C strings
        // that `p` keeps alive until the exec.
        let errno = match &p.program {
            Program::SelfExe(fd) => {
                // SAFETY: see above; `fd` is our own executable, open
                // close-on-exec, and stays open while we run.
                unsafe { libc::fexecve(*fd, argv.as_ptr(), env.as_ptr()) };
                nix::Error::last() as i32
            }
            Program::Search(paths) => {
                // execvp's rule: a missing candidate sends us on; any other
                // error is remembered and reported if nothing runs.
                let mut last = libc::ENOENT;
                for path in paths {
                    // SAFETY: see above; `path` is NUL-terminated.
                    unsafe { libc::execve(path.as_ptr(), argv.as_ptr(), env.as_ptr()) };
                    let e = nix::Error::last() as i32;
                    if e != libc::ENOENT && e != libc::ENOTDIR {
                        last = e;
                    }
                }
                last
            }
        };
        fail(STAGE_EXEC, errno, 0)
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
    let mut msg = [0i32; 3];
    // SAFETY: reading at most 12 bytes into a stack array.
    let n = unsafe { libc::read(err_r.as_raw_fd(), msg.as_mut_ptr().cast(), 12) };
    if n != 12 {
        return Ok(pid);
    }
    let error = io::Error::from_raw_os_error(msg[1]);
    let step = match msg[0] {
        STAGE_NETNS => "joining the network namespace".to_string(),
        STAGE_PRIVATE => "making the container's mounts private".to_string(),
        STAGE_MOUNT => super::rootfs::describe_failure(plan, msg[2] as usize),
        // runc's word, which Docker's error carries (facts #95).
        STAGE_HOSTNAME => "sethostname".to_string(),
        STAGE_STDIO => "connecting stdio".to_string(),
        STAGE_TTY => "taking the terminal".to_string(),
        STAGE_USER => "changing to the image's user".to_string(),
        STAGE_CAPS => "dropping capabilities".to_string(),
        STAGE_WORKDIR => "entering the working directory".to_string(),
        _ => return Err(SpawnError::Exec(error)),
    };
    Err(SpawnError::Setup { step, error })
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
