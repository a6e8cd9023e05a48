//! Carries out `rootfs` plans: the engine writes a container's layer and
//! keeps its mount targets real; the container's first process runs the
//! mount steps, with raw syscalls only (it shares the engine's memory until
//! it execs, so it must not allocate).

use crate::rootfs::{Entry, HostDir, LocalEntry, Node, OnError, Op, Source, Step};
use nix::mount::MsFlags;
use std::ffi::{CStr, CString};
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

/// How this machine lays out its program directories (seen from the lab).
pub fn host_program_dirs() -> Vec<(String, HostDir)> {
    let mut out = Vec::new();
    for name in crate::rootfs::PROGRAM_DIRS {
        let path = Path::new("/").join(name);
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            if let Ok(target) = std::fs::read_link(&path) {
                out.push((
                    name.to_string(),
                    HostDir::Symlink(target.to_string_lossy().into()),
                ));
            }
        } else if meta.is_dir() {
            out.push((
                name.to_string(),
                HostDir::Dir {
                    flags: mount_flags(&path),
                },
            ));
        }
    }
    out
}

/// The machine's `/usr/local` entries, or None when it is not a real
/// directory under a bound `/usr` (containers then get no applets on PATH).
pub fn host_usr_local(program_dirs: &[(String, HostDir)]) -> Option<Vec<(String, LocalEntry)>> {
    if !program_dirs
        .iter()
        .any(|(n, d)| n == "usr" && matches!(d, HostDir::Dir { .. }))
    {
        return None;
    }
    let local = Path::new("/usr/local");
    if !std::fs::symlink_metadata(local).ok()?.is_dir() {
        return None;
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(local).ok()? {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let flags = mount_flags(&path);
        out.push((
            name,
            if meta.file_type().is_symlink() {
                match std::fs::read_link(&path) {
                    Ok(t) => LocalEntry::Symlink(t.to_string_lossy().into()),
                    Err(_) => continue,
                }
            } else if meta.is_dir() {
                LocalEntry::Dir { flags }
            } else if meta.is_file() {
                LocalEntry::File { flags }
            } else {
                continue;
            },
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Some(out)
}

/// The bytes of the regular files below `dir`, links not followed, on
/// the same file system only (a mount point inside is not counted).
pub fn file_bytes(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let Ok(top) = std::fs::symlink_metadata(dir) else {
        return 0;
    };
    let mut total = 0;
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(m) = e.path().symlink_metadata() else {
                continue;
            };
            if m.dev() != top.dev() {
                continue;
            }
            if m.is_dir() {
                todo.push(e.path());
            } else if m.is_file() {
                total += m.len();
            }
        }
    }
    total
}

/// Our executable's path in this mount namespace, checked to be the very
/// file we run. (A bind of /proc/self/exe itself fails: that file's mount
/// is the machine's namespace's, not the lab's copy.)
pub fn own_executable() -> io::Result<std::path::PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let path = std::fs::read_link("/proc/self/exe")?;
    let (ours, there) = (
        std::fs::metadata("/proc/self/exe")?,
        std::fs::metadata(&path)?,
    );
    if (ours.dev(), ours.ino()) != (there.dev(), there.ino()) {
        return Err(io::Error::other(format!(
            "{} is no longer the running executable",
            path.display()
        )));
    }
    Ok(path)
}

/// Builds the lab's `/usr/local` tree at `dir` (a new directory) from
/// `rootfs::usr_local_plan`, in the lab's mount namespace.
pub fn build_usr_local(dir: &Path, plan: &[Step]) -> io::Result<()> {
    std::fs::DirBuilder::new().mode(0o755).create(dir)?;
    run_steps(&compile(plan, dir)).map_err(|(i, errno)| {
        let e = io::Error::from_raw_os_error(errno);
        io::Error::new(e.kind(), format!("{}: {e}", describe_failure(plan, i)))
    })
}

/// The per-mount flags a path's mount has now, as mount(2) flags: a bind
/// made read-only in a user namespace must keep them (they are locked).
pub fn mount_flags(path: &Path) -> MsFlags {
    use nix::sys::statvfs::FsFlags;
    let Ok(st) = nix::sys::statvfs::statvfs(path) else {
        return MsFlags::empty();
    };
    let f = st.flags();
    let mut out = MsFlags::empty();
    for (have, want) in [
        (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
        (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
        (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
        (FsFlags::ST_NOATIME, MsFlags::MS_NOATIME),
        (FsFlags::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
        (FsFlags::ST_RELATIME, MsFlags::MS_RELATIME),
    ] {
        if f.contains(have) {
            out |= want;
        }
    }
    out
}

/// Writes a new container's layer at `root`, which must not exist yet.
/// Modes are set explicitly, whatever the engine's umask.
pub fn populate(root: &Path, entries: &[Entry]) -> io::Result<()> {
    std::fs::DirBuilder::new().mode(0o755).create(root)?;
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755))?;
    for e in entries {
        let path = root.join(&e.path);
        match &e.node {
            Node::Dir => std::fs::DirBuilder::new().mode(e.mode).create(&path)?,
            Node::File(text) => std::fs::write(&path, text)?,
            Node::Symlink(target) => std::os::unix::fs::symlink(target, &path)?,
        }
        if !matches!(e.node, Node::Symlink(_)) {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(e.mode))?;
        }
        if let Some((uid, gid)) = e.owner {
            std::os::unix::fs::lchown(&path, Some(uid), Some(gid))?;
        }
    }
    Ok(())
}

/// Before a start, makes each mount target of the layer a real directory
/// or file, with no symlink on the way: the container's last run may have
/// replaced `/etc` with a symlink to the machine's `/etc`, and the mount
/// steps (which run before the new root is entered) would follow it. No
/// process of the container is alive now, so nothing changes them after.
pub fn repair_targets(root: &Path, targets: &[(String, bool)]) -> io::Result<()> {
    for (rel, is_dir) in targets {
        let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
        let mut path = root.to_path_buf();
        for (i, part) in parts.iter().enumerate() {
            path.push(part);
            let want_dir = i + 1 < parts.len() || *is_dir;
            let meta = std::fs::symlink_metadata(&path);
            let fine = match &meta {
                Ok(m) => (want_dir && m.is_dir()) || (!want_dir && m.is_file()),
                Err(_) => false,
            };
            if fine {
                continue;
            }
            match meta {
                Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path)?,
                Ok(_) => std::fs::remove_file(&path)?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            if want_dir {
                std::fs::DirBuilder::new().mode(0o755).create(&path)?;
            } else {
                std::fs::write(&path, "")?;
            }
        }
    }
    Ok(())
}

/// A mount step with its paths made absolute, ready for the child.
pub struct ChildStep {
    op: ChildOp,
    on_error: OnError,
}

enum ChildOp {
    RootMount(CString),
    Bind {
        src: CString,
        dst: CString,
    },
    RemountReadOnly {
        dst: CString,
        flags: u64,
    },
    Mount {
        fstype: CString,
        dst: CString,
        flags: u64,
        data: CString,
    },
    Mkdir {
        dst: CString,
        mode: u32,
    },
    Touch(CString),
    Symlink {
        target: CString,
        dst: CString,
    },
    PivotRoot(CString),
}

fn c(p: &Path) -> CString {
    CString::new(p.as_os_str().as_encoded_bytes()).unwrap_or_default()
}

/// Makes the plan's paths absolute under `root`.
pub fn compile(plan: &[Step], root: &Path) -> Vec<ChildStep> {
    let at = |rel: &str| c(&root.join(rel));
    plan.iter()
        .map(|s| ChildStep {
            on_error: s.on_error,
            op: match &s.op {
                Op::RootMount => ChildOp::RootMount(c(root)),
                Op::Bind { src, dst } => ChildOp::Bind {
                    src: match src {
                        Source::Host(p) => c(p),
                        Source::InRoot(rel) => at(rel),
                    },
                    dst: at(dst),
                },
                Op::RemountReadOnly { dst, flags } => ChildOp::RemountReadOnly {
                    dst: at(dst),
                    flags: flags.bits(),
                },
                Op::Mount {
                    fstype,
                    dst,
                    flags,
                    data,
                } => ChildOp::Mount {
                    fstype: CString::new(*fstype).unwrap_or_default(),
                    dst: at(dst),
                    flags: flags.bits(),
                    data: CString::new(data.as_str()).unwrap_or_default(),
                },
                Op::Mkdir { dst, mode } => ChildOp::Mkdir {
                    dst: at(dst),
                    mode: *mode,
                },
                Op::Touch { dst } => ChildOp::Touch(at(dst)),
                Op::Symlink { target, dst } => ChildOp::Symlink {
                    target: CString::new(target.as_str()).unwrap_or_default(),
                    dst: at(dst),
                },
                Op::PivotRoot => ChildOp::PivotRoot(c(root)),
            },
        })
        .collect()
}

/// Runs the steps in the container's fresh mount namespace (whose mounts
/// are already private). On failure: the index of the step and the errno.
/// Raw syscalls only: this runs in a CLONE_VM child.
pub fn run_steps(steps: &[ChildStep]) -> Result<(), (usize, i32)> {
    let mut i = 0;
    while i < steps.len() {
        match run_step(&steps[i].op) {
            Ok(()) => i += 1,
            Err(errno) => match steps[i].on_error {
                OnError::Fail => return Err((i, errno)),
                OnError::IgnoreMissing if errno == libc::ENOENT => i += 1,
                OnError::IgnoreMissing => return Err((i, errno)),
                OnError::Skip(n) => i += 1 + n,
            },
        }
    }
    Ok(())
}

fn check(ret: libc::c_int) -> Result<(), i32> {
    if ret < 0 {
        Err(nix::Error::last() as i32)
    } else {
        Ok(())
    }
}

fn mount(
    src: Option<&CStr>,
    dst: &CStr,
    fstype: Option<&CStr>,
    flags: u64,
    data: Option<&CStr>,
) -> Result<(), i32> {
    let ptr = |s: Option<&CStr>| s.map_or(std::ptr::null(), |s| s.as_ptr());
    // SAFETY: every pointer is a NUL-terminated string or null.
    check(unsafe {
        libc::mount(
            ptr(src),
            dst.as_ptr(),
            ptr(fstype),
            flags as libc::c_ulong,
            ptr(data).cast(),
        )
    })
}

fn run_step(op: &ChildOp) -> Result<(), i32> {
    let bind = libc::MS_BIND | libc::MS_REC;
    match op {
        ChildOp::RootMount(root) => mount(Some(root), root, None, bind, None),
        ChildOp::Bind { src, dst } => mount(Some(src), dst, None, bind, None),
        ChildOp::RemountReadOnly { dst, flags } => mount(
            None,
            dst,
            None,
            libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY | flags,
            None,
        ),
        ChildOp::Mount {
            fstype,
            dst,
            flags,
            data,
        } => {
            let data = (!data.is_empty()).then_some(data.as_c_str());
            mount(Some(fstype), dst, Some(fstype), *flags, data)
        }
        // The syscalls below take NUL-terminated paths the plan owns.
        // SAFETY: mkdir on a NUL-terminated path.
        ChildOp::Mkdir { dst, mode } => check(unsafe { libc::mkdir(dst.as_ptr(), *mode) })
            .and_then(|_| {
                // The umask must not narrow /dev/shm's 1777.
                // SAFETY: chmod on the same path.
                check(unsafe { libc::chmod(dst.as_ptr(), *mode) })
            }),
        ChildOp::Touch(dst) => {
            // SAFETY: open on a NUL-terminated path; the fd is closed below.
            let fd = unsafe {
                libc::open(
                    dst.as_ptr(),
                    libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC | libc::O_NOFOLLOW,
                    0o644,
                )
            };
            check(fd)?;
            // SAFETY: closing the descriptor opened above, used nowhere else.
            unsafe { libc::close(fd) };
            Ok(())
        }
        ChildOp::Symlink { target, dst } => {
            // SAFETY: symlink with two NUL-terminated strings.
            check(unsafe { libc::symlink(target.as_ptr(), dst.as_ptr()) })
        }
        ChildOp::PivotRoot(root) => {
            // pivot_root(".", ".") stacks the old root on the new one; the
            // detach then leaves only the container's tree (runc's way).
            let dot = c".";
            // SAFETY: chdir on a NUL-terminated path.
            check(unsafe { libc::chdir(root.as_ptr()) })?;
            check(
                // SAFETY: pivot_root takes two NUL-terminated paths.
                unsafe { libc::syscall(libc::SYS_pivot_root, dot.as_ptr(), dot.as_ptr()) }
                    as libc::c_int,
            )?;
            // SAFETY: umount2 on a NUL-terminated path.
            check(unsafe { libc::umount2(dot.as_ptr(), libc::MNT_DETACH) })?;
            // SAFETY: chdir on a static NUL-terminated path.
            check(unsafe { libc::chdir(c"/".as_ptr()) })
        }
    }
}

/// Words for a failed step, by index into the plan it was compiled from.
pub fn describe_failure(plan: &[Step], index: usize) -> String {
    plan.get(index)
        .map(|s| crate::rootfs::describe(&s.op))
        .unwrap_or_else(|| "preparing the container's root".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repair_replaces_symlinks_and_files_on_the_way() {
        let dir = std::env::temp_dir().join(format!("netlings-repair-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let root = dir.join("root");
        let outside = dir.join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(outside.join("hosts"), "machine's\n").unwrap();
        // /etc -> the "machine's" directory; /proc is a file; /dev missing.
        std::os::unix::fs::symlink(&outside, root.join("etc")).unwrap();
        std::fs::write(root.join("proc"), "x").unwrap();
        let targets = vec![
            ("etc/hosts".to_string(), false),
            ("proc".to_string(), true),
            ("dev".to_string(), true),
        ];
        repair_targets(&root, &targets).unwrap();
        assert!(std::fs::symlink_metadata(root.join("etc"))
            .unwrap()
            .is_dir());
        assert!(root.join("etc/hosts").is_file());
        assert!(root.join("proc").is_dir() && root.join("dev").is_dir());
        assert_eq!(
            std::fs::read_to_string(outside.join("hosts")).unwrap(),
            "machine's\n",
            "nothing outside the layer changes"
        );
        // A second repair leaves a sound layer as it is.
        std::fs::write(root.join("etc/hosts"), "kept").unwrap();
        repair_targets(&root, &targets).unwrap();
        assert_eq!(
            std::fs::read_to_string(root.join("etc/hosts")).unwrap(),
            "kept"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn populate_sets_modes_whatever_the_umask() {
        let dir = std::env::temp_dir().join(format!("netlings-populate-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let entries = crate::rootfs::layer_entries(&[], &[], "/srv/app", false);
        populate(&dir.join("root"), &entries).unwrap();
        let mode = |p: &str| {
            std::fs::symlink_metadata(dir.join("root").join(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o7777
        };
        assert_eq!(mode("tmp"), 0o1777);
        assert_eq!(mode("root"), 0o700);
        assert_eq!(mode("etc/passwd"), 0o644);
        assert!(dir.join("root/srv/app").is_dir());
        assert!(
            populate(&dir.join("root"), &entries).is_err(),
            "never over an old layer"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
