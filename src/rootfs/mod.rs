//! A container's root file system, as plain data: what its writable layer
//! holds when it is created, and the mounts that make it the container's
//! `/` at each start. `sys::rootfs` carries the plan out; nothing here makes
//! a system call.
//!
//! What a container sees, as on Docker: its own tree (the layer, on the
//! lab's tmpfs, kept until `rm`), the machine's program directories
//! read-only so host tools run (with the applets first on PATH, in
//! `/usr/local/sbin`: see `usr_local_plan`), its own `/proc` (with the
//! kernel's knobs read-only and its secrets masked), `/sys` read-only, a
//! minimal `/dev`, and the engine's `/etc/hosts`, `/etc/hostname`,
//! `/etc/resolv.conf`.
//! Nothing else of the machine: no `/home`, `/root`, `/etc`, `/run`, `/var`,
//! `/tmp`, nor other labs' state.

use nix::mount::MsFlags;
use std::path::PathBuf;

/// How the machine lays out one of its program directories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostDir {
    /// A real directory, bind-mounted read-only; `flags` are the per-mount
    /// flags it already has (a user namespace may not drop them).
    Dir { flags: MsFlags },
    /// A symlink (merged /usr: `bin -> usr/bin`), copied as a symlink.
    Symlink(String),
}

/// The machine's directories a container may see, read-only.
pub const PROGRAM_DIRS: &[&str] = &["usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"];

/// Device nodes a container gets, bind-mounted from the machine's /dev.
pub const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom", "tty"];

/// Docker's masked paths: files get /dev/null over them, directories
/// (with a trailing slash) an empty read-only tmpfs. They show the
/// machine's memory, keys, timers and firmware.
const MASKED: &[&str] = &[
    "proc/acpi/",
    "proc/kcore",
    "proc/keys",
    "proc/latency_stats",
    "proc/timer_list",
    "proc/timer_stats",
    "proc/sched_debug",
    "proc/scsi/",
    "sys/firmware/",
];

/// Docker's read-only paths: the kernel's global knobs. Without this, root
/// in a root lab could `echo b > /proc/sysrq-trigger` and reboot the machine.
const READ_ONLY: &[&str] = &[
    "proc/bus",
    "proc/fs",
    "proc/irq",
    "proc/sys",
    "proc/sysrq-trigger",
];

/// Files the engine writes for each start and binds over the layer's.
pub const ENGINE_FILES: &[&str] = &["hosts", "hostname", "resolv.conf"];

/// One thing in a freshly created layer, by path relative to the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub node: Node,
    pub mode: u32,
    /// (uid, gid), where the lab can give files away (not rootless).
    pub owner: Option<(u32, u32)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Dir,
    File(String),
    Symlink(String),
}

/// A file or directory an image ships, beyond the base every image has.
#[derive(Debug)]
pub struct ImageFile {
    /// Relative to `/`, without a leading slash.
    pub path: &'static str,
    /// None for a directory.
    pub contents: Option<&'static str>,
    pub mode: u32,
    /// Owner by user name from `USERS` ("" for root).
    pub user: &'static str,
}

/// The users every image knows: name, uid, gid, home, shell.
pub const USERS: &[(&str, u32, u32, &str, &str)] = &[
    ("root", 0, 0, "/root", "/bin/sh"),
    ("daemon", 1, 1, "/usr/sbin", "/usr/sbin/nologin"),
    ("www-data", 33, 33, "/var/www", "/usr/sbin/nologin"),
    ("postgres", 70, 70, "/var/lib/postgresql", "/bin/sh"),
    ("nobody", 65534, 65534, "/nonexistent", "/usr/sbin/nologin"),
];

/// /etc/passwd and /etc/group of every image, from `USERS`.
pub fn passwd_and_group() -> (String, String) {
    let mut passwd = String::new();
    let mut group = String::new();
    for (name, uid, gid, home, shell) in USERS {
        passwd.push_str(&format!("{name}:x:{uid}:{gid}:{name}:{home}:{shell}\n"));
        let gname = if *gid == 65534 { "nogroup" } else { name };
        group.push_str(&format!("{gname}:x:{gid}:\n"));
    }
    (passwd, group)
}

/// The layer of a new container: the base tree, the machine's program-dir
/// symlinks, the image's files, and its working directory.
pub fn layer_entries(
    program_dirs: &[(String, HostDir)],
    image_files: &[ImageFile],
    workdir: &str,
    give_away: bool,
) -> Vec<Entry> {
    let owner = |user: &str| -> Option<(u32, u32)> {
        if !give_away || user.is_empty() {
            return None;
        }
        USERS
            .iter()
            .find(|u| u.0 == user)
            .map(|u| (u.1, u.2))
            .filter(|ids| *ids != (0, 0))
    };
    let dir = |path: &str, mode: u32| Entry {
        path: path.to_string(),
        node: Node::Dir,
        mode,
        owner: None,
    };
    let file = |path: &str, text: String| Entry {
        path: path.to_string(),
        node: Node::File(text),
        mode: 0o644,
        owner: None,
    };
    let mut out = vec![];
    for d in [
        "dev", "etc", "home", "mnt", "opt", "proc", "run", "srv", "sys", "var",
    ] {
        out.push(dir(d, 0o755));
    }
    out.push(dir("root", 0o700));
    out.push(dir("tmp", 0o1777));
    out.push(dir("var/tmp", 0o1777));
    for (name, host) in program_dirs {
        out.push(match host {
            HostDir::Dir { .. } => dir(name, 0o755),
            HostDir::Symlink(target) => Entry {
                path: name.clone(),
                node: Node::Symlink(target.clone()),
                mode: 0o777,
                owner: None,
            },
        });
    }
    let (passwd, group) = passwd_and_group();
    out.push(file("etc/passwd", passwd));
    out.push(file("etc/group", group));
    out.push(file("etc/nsswitch.conf", "hosts: files dns\n".into()));
    // Mount points for the engine's files; the engine binds over them.
    for f in ENGINE_FILES {
        out.push(file(&format!("etc/{f}"), String::new()));
    }
    for f in image_files {
        push_parents(&mut out, f.path);
        out.push(Entry {
            path: f.path.to_string(),
            node: match f.contents {
                Some(text) => Node::File(text.to_string()),
                None => Node::Dir,
            },
            mode: f.mode,
            owner: owner(f.user),
        });
    }
    let workdir = workdir.trim_matches('/');
    if !workdir.is_empty() && !out.iter().any(|e| e.path == workdir) {
        push_parents(&mut out, workdir);
        out.push(dir(workdir, 0o755));
    }
    out
}

/// Directories leading to `path` that the list does not have yet.
fn push_parents(out: &mut Vec<Entry>, path: &str) {
    let mut prefix = String::new();
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(part);
        if !out.iter().any(|e| e.path == prefix) {
            out.push(Entry {
                path: prefix.clone(),
                node: Node::Dir,
                mode: 0o755,
                owner: None,
            });
        }
    }
}

/// One step of building the container's `/`, in the container's fresh
/// mount namespace. Paths without a leading slash are inside the new root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Bind the root onto itself: pivot_root needs a mount point.
    RootMount,
    Bind {
        src: Source,
        dst: String,
    },
    /// Make a bind read-only, keeping the flags it has.
    RemountReadOnly {
        dst: String,
        flags: MsFlags,
    },
    Mount {
        fstype: &'static str,
        dst: String,
        flags: MsFlags,
        data: String,
    },
    Mkdir {
        dst: String,
        mode: u32,
    },
    /// An empty file to bind a device node onto.
    Touch {
        dst: String,
    },
    Symlink {
        target: String,
        dst: String,
    },
    /// The root becomes `/`; the machine's tree is detached from view.
    PivotRoot,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A path of the machine (the lab's view of it).
    Host(PathBuf),
    /// A path inside the new root (binding a subtree onto itself).
    InRoot(String),
}

/// What a failed step means for the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    Fail,
    /// A path the kernel may not have (ENOENT is fine, anything else fails).
    IgnoreMissing,
    /// Skip this step and the next `n` (they depend on it).
    Skip(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub op: Op,
    pub on_error: OnError,
}

/// What the mount plan needs to know about the machine and the lab.
#[derive(Debug, Clone)]
pub struct Host {
    pub program_dirs: Vec<(String, HostDir)>,
    /// A user namespace maps only root: no gid 5 (tty) for devpts.
    pub rootless: bool,
    /// The lab's tree that containers see as `/usr/local` (see
    /// `usr_local_plan`), when the engine could make it.
    pub usr_local: Option<PathBuf>,
}

/// Where a container finds the applets: first on Docker's default PATH
/// (`/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`), so a
/// shell in the container runs them before the machine's binaries.
pub const APPLET_DIR: &str = "usr/local/sbin";

/// Flags every mount of the applets' tree has: nothing in it is set-id or
/// a device, whatever the machine's mounts say.
pub const USR_LOCAL_FLAGS: MsFlags = MsFlags::MS_NOSUID.union(MsFlags::MS_NODEV);

/// One entry of the machine's `/usr/local`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalEntry {
    /// A directory or a file, bound read-only with the flags its mount has.
    Dir {
        flags: MsFlags,
    },
    File {
        flags: MsFlags,
    },
    Symlink(String),
}

/// The steps that build, once per lab, the tree that every container sees
/// as `/usr/local` (paths relative to that tree's directory, on the lab's
/// private tmpfs): a small tmpfs holding the machine's `/usr/local`
/// entries, each bound read-only, and `sbin` with one file per applet,
/// each a read-only, nosuid bind of `exe` (our executable), which runs
/// the applet its name says (busybox's way). The machine's own
/// `usr/local/sbin`, if any, is not shown. Nothing of the machine
/// changes: every mount is in the lab's mount namespace.
pub fn usr_local_plan(
    machine: &[(String, LocalEntry)],
    applets: &[&str],
    exe: &std::path::Path,
    exe_flags: MsFlags,
) -> Vec<Step> {
    let fail = |op| Step {
        op,
        on_error: OnError::Fail,
    };
    let sbin = APPLET_DIR.trim_start_matches("usr/local/");
    let mut steps = vec![fail(Op::Mount {
        fstype: "tmpfs",
        dst: String::new(),
        flags: USR_LOCAL_FLAGS,
        data: "mode=755,size=64k".into(),
    })];
    for (name, entry) in machine {
        if name == sbin || name.contains('/') || name.is_empty() {
            continue;
        }
        let src = Source::Host(PathBuf::from("/usr/local").join(name));
        let (make, flags) = match entry {
            LocalEntry::Dir { flags } => (
                Op::Mkdir {
                    dst: name.clone(),
                    mode: 0o755,
                },
                *flags,
            ),
            LocalEntry::File { flags } => (Op::Touch { dst: name.clone() }, *flags),
            LocalEntry::Symlink(target) => {
                steps.push(fail(Op::Symlink {
                    target: target.clone(),
                    dst: name.clone(),
                }));
                continue;
            }
        };
        steps.push(fail(make));
        steps.push(fail(Op::Bind {
            src,
            dst: name.clone(),
        }));
        steps.push(fail(Op::RemountReadOnly {
            dst: name.clone(),
            flags: flags | USR_LOCAL_FLAGS,
        }));
    }
    steps.push(fail(Op::Mkdir {
        dst: sbin.into(),
        mode: 0o755,
    }));
    for name in applets {
        let dst = format!("{sbin}/{name}");
        steps.push(fail(Op::Touch { dst: dst.clone() }));
        steps.push(fail(Op::Bind {
            src: Source::Host(exe.to_path_buf()),
            dst: dst.clone(),
        }));
        steps.push(fail(Op::RemountReadOnly {
            dst,
            flags: exe_flags | USR_LOCAL_FLAGS,
        }));
    }
    steps.push(fail(Op::RemountReadOnly {
        dst: String::new(),
        flags: USR_LOCAL_FLAGS,
    }));
    steps
}

/// The steps that make a layer the container's `/`. `files` is the
/// directory with the engine's hosts/hostname/resolv.conf for this start.
pub fn mount_plan(host: &Host, files: &std::path::Path) -> Vec<Step> {
    use OnError::*;
    let fail = |op| Step { op, on_error: Fail };
    let nosuid_nodev_noexec = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    let mut steps = vec![fail(Op::RootMount)];
    for (name, dir) in &host.program_dirs {
        if let HostDir::Dir { flags } = dir {
            steps.push(fail(Op::Bind {
                src: Source::Host(PathBuf::from("/").join(name)),
                dst: name.clone(),
            }));
            steps.push(fail(Op::RemountReadOnly {
                dst: name.clone(),
                flags: *flags,
            }));
        }
    }
    // The applets (and the machine's /usr/local), read-only, over the
    // machine's /usr/local: a read-only /usr still takes a mount on it.
    if let Some(tree) = &host.usr_local {
        steps.push(fail(Op::Bind {
            src: Source::Host(tree.clone()),
            dst: "usr/local".into(),
        }));
        steps.push(fail(Op::RemountReadOnly {
            dst: "usr/local".into(),
            flags: USR_LOCAL_FLAGS,
        }));
    }
    // The engine's files, over the layer's placeholders.
    for f in ENGINE_FILES {
        steps.push(fail(Op::Bind {
            src: Source::Host(files.join(f)),
            dst: format!("etc/{f}"),
        }));
    }
    // /proc of the container's PID namespace. Some hosts refuse a new proc
    // (a partly hidden one): the container then has none, and nothing in
    // it to protect either, so the steps that harden it are skipped too.
    let mut proc_hardening = Vec::new();
    for p in READ_ONLY {
        proc_hardening.push(Step {
            op: Op::Bind {
                src: Source::InRoot(p.to_string()),
                dst: p.to_string(),
            },
            on_error: IgnoreMissing,
        });
        proc_hardening.push(Step {
            op: Op::RemountReadOnly {
                dst: p.to_string(),
                flags: nosuid_nodev_noexec,
            },
            on_error: IgnoreMissing,
        });
    }
    let mut sys_hardening = Vec::new();
    for p in MASKED {
        let step = if p.ends_with('/') {
            Op::Mount {
                fstype: "tmpfs",
                dst: p.trim_end_matches('/').to_string(),
                flags: nosuid_nodev_noexec | MsFlags::MS_RDONLY,
                data: "size=0".into(),
            }
        } else {
            Op::Bind {
                src: Source::Host("/dev/null".into()),
                dst: p.to_string(),
            }
        };
        let list = if p.starts_with("proc/") {
            &mut proc_hardening
        } else {
            &mut sys_hardening
        };
        list.push(Step {
            op: step,
            on_error: IgnoreMissing,
        });
    }
    steps.push(Step {
        op: Op::Mount {
            fstype: "proc",
            dst: "proc".into(),
            flags: nosuid_nodev_noexec,
            data: String::new(),
        },
        on_error: Skip(proc_hardening.len()),
    });
    steps.extend(proc_hardening);
    // sysfs shows the container's own network devices; read-only.
    steps.push(Step {
        op: Op::Mount {
            fstype: "sysfs",
            dst: "sys".into(),
            flags: nosuid_nodev_noexec | MsFlags::MS_RDONLY,
            data: String::new(),
        },
        on_error: Skip(sys_hardening.len()),
    });
    steps.extend(sys_hardening);
    // A minimal /dev: nodev, so a node made with mknod (CAP_MKNOD is in
    // Docker's set) opens nothing; the real nodes are binds of the machine's.
    steps.push(fail(Op::Mount {
        fstype: "tmpfs",
        dst: "dev".into(),
        flags: MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        data: "mode=755,size=65536k".into(),
    }));
    for d in DEVICES {
        let dst = format!("dev/{d}");
        steps.push(fail(Op::Touch { dst: dst.clone() }));
        steps.push(fail(Op::Bind {
            src: Source::Host(PathBuf::from("/dev").join(d)),
            dst,
        }));
    }
    for (target, link) in [
        ("/proc/self/fd", "dev/fd"),
        ("/proc/self/fd/0", "dev/stdin"),
        ("/proc/self/fd/1", "dev/stdout"),
        ("/proc/self/fd/2", "dev/stderr"),
        ("pts/ptmx", "dev/ptmx"),
    ] {
        steps.push(fail(Op::Symlink {
            target: target.into(),
            dst: link.into(),
        }));
    }
    for (d, mode) in [("dev/pts", 0o755), ("dev/shm", 0o1777)] {
        steps.push(fail(Op::Mkdir {
            dst: d.into(),
            mode,
        }));
    }
    let devpts = if host.rootless {
        "newinstance,ptmxmode=0666,mode=0620"
    } else {
        "newinstance,ptmxmode=0666,mode=0620,gid=5"
    };
    steps.push(fail(Op::Mount {
        fstype: "devpts",
        dst: "dev/pts".into(),
        flags: MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        data: devpts.into(),
    }));
    steps.push(fail(Op::Mount {
        fstype: "tmpfs",
        dst: "dev/shm".into(),
        flags: nosuid_nodev_noexec,
        data: "mode=1777,size=65536k".into(),
    }));
    steps.push(fail(Op::PivotRoot));
    steps
}

/// Paths of the layer that mounts land on, with whether each must be a
/// directory. The engine makes them real (no symlinks on the way) before
/// each start, so a container cannot aim a mount of the next start.
pub fn layer_targets(plan: &[Step]) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    for step in plan {
        let dst = match &step.op {
            Op::Bind {
                dst,
                src: Source::Host(_),
            }
            | Op::Mount { dst, .. } => dst,
            _ => continue,
        };
        // Mounts inside mounts the plan made (proc/kcore, dev/null) are
        // not in the layer.
        let nested = out
            .iter()
            .any(|(p, dir)| *dir && dst.starts_with(&format!("{p}/")));
        if !nested && !out.iter().any(|(p, _)| p == dst) {
            // The engine's files in etc/ are files; the rest directories.
            out.push((dst.clone(), !dst.starts_with("etc/")));
        }
    }
    out
}

/// Words for a failed step: "mounting /usr read-only".
pub fn describe(op: &Op) -> String {
    match op {
        Op::RootMount => "preparing the container's root".into(),
        Op::Bind { dst, .. } => format!("mounting /{dst}"),
        Op::RemountReadOnly { dst, .. } => format!("mounting /{dst} read-only"),
        Op::Mount { fstype, dst, .. } => format!("mounting {fstype} on /{dst}"),
        Op::Mkdir { dst, .. } | Op::Touch { dst } | Op::Symlink { dst, .. } => {
            format!("creating /{dst}")
        }
        Op::PivotRoot => "entering the container's root".into(),
    }
}

/// Docker's default capabilities (moby's `oci/caps/defaults.go`): what a
/// container's root may do. No CAP_SYS_ADMIN (mount, sethostname), no
/// CAP_NET_ADMIN (interfaces, addresses, routes), no CAP_SYS_MODULE.
pub const DEFAULT_CAPABILITIES: &[(u32, &str)] = &[
    (0, "CAP_CHOWN"),
    (1, "CAP_DAC_OVERRIDE"),
    (3, "CAP_FOWNER"),
    (4, "CAP_FSETID"),
    (5, "CAP_KILL"),
    (6, "CAP_SETGID"),
    (7, "CAP_SETUID"),
    (8, "CAP_SETPCAP"),
    (10, "CAP_NET_BIND_SERVICE"),
    (13, "CAP_NET_RAW"),
    (18, "CAP_SYS_CHROOT"),
    (27, "CAP_MKNOD"),
    (29, "CAP_AUDIT_WRITE"),
    (31, "CAP_SETFCAP"),
];

/// The default set as a bit mask (CapEff in /proc/PID/status).
pub fn default_capability_mask() -> u64 {
    DEFAULT_CAPABILITIES
        .iter()
        .fold(0, |mask, (bit, _)| mask | 1 << bit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn debian() -> Host {
        Host {
            program_dirs: vec![
                (
                    "usr".into(),
                    HostDir::Dir {
                        flags: MsFlags::MS_RELATIME,
                    },
                ),
                ("bin".into(), HostDir::Symlink("usr/bin".into())),
                ("lib".into(), HostDir::Symlink("usr/lib".into())),
            ],
            rootless: false,
            usr_local: None,
        }
    }

    #[test]
    fn the_mask_is_dockers() {
        // CapEff of root in a Docker 20.10 container.
        assert_eq!(default_capability_mask(), 0xa80425fb);
    }

    #[test]
    fn the_layer_has_the_base_the_image_and_the_workdir() {
        let files = [
            ImageFile {
                path: "var/www/html/index.html",
                contents: Some("hi\n"),
                mode: 0o644,
                user: "",
            },
            ImageFile {
                path: "var/lib/postgresql/data",
                contents: None,
                mode: 0o700,
                user: "postgres",
            },
        ];
        let entries = layer_entries(&debian().program_dirs, &files, "/opt/webapp", true);
        let find = |p: &str| entries.iter().find(|e| e.path == p);
        assert_eq!(find("tmp").unwrap().mode, 0o1777);
        assert_eq!(find("root").unwrap().mode, 0o700);
        assert_eq!(find("usr").unwrap().node, Node::Dir);
        assert_eq!(
            find("bin").unwrap().node,
            Node::Symlink("usr/bin".into()),
            "merged /usr stays a symlink"
        );
        assert_eq!(find("var/www").unwrap().node, Node::Dir);
        assert_eq!(
            find("var/www/html/index.html").unwrap().node,
            Node::File("hi\n".into())
        );
        assert_eq!(
            find("var/lib/postgresql/data").unwrap().owner,
            Some((70, 70))
        );
        assert_eq!(find("opt/webapp").unwrap().node, Node::Dir);
        assert_eq!(find("etc/hosts").unwrap().node, Node::File(String::new()));
        let Node::File(passwd) = &find("etc/passwd").unwrap().node else {
            panic!("passwd is a file")
        };
        assert!(passwd.starts_with("root:x:0:0:root:/root:/bin/sh\n"));
        assert!(passwd.contains("postgres:x:70:70:"));
        // Parents come before children, each once.
        let pos = |p: &str| entries.iter().position(|e| e.path == p).unwrap();
        assert!(pos("var") < pos("var/www") && pos("var/www") < pos("var/www/html"));
        let mut paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), entries.len());
    }

    #[test]
    fn rootless_layers_give_nothing_away() {
        let files = [ImageFile {
            path: "data",
            contents: None,
            mode: 0o700,
            user: "postgres",
        }];
        let entries = layer_entries(&[], &files, "", false);
        assert_eq!(
            entries.iter().find(|e| e.path == "data").unwrap().owner,
            None
        );
    }

    #[test]
    fn program_dirs_are_read_only_and_the_root_is_pivoted_last() {
        let plan = mount_plan(&debian(), std::path::Path::new("/lab/files/c1"));
        assert_eq!(plan[0].op, Op::RootMount);
        assert_eq!(plan.last().unwrap().op, Op::PivotRoot);
        let usr = plan
            .iter()
            .position(|s| {
                s.op == Op::Bind {
                    src: Source::Host("/usr".into()),
                    dst: "usr".into(),
                }
            })
            .unwrap();
        assert_eq!(
            plan[usr + 1].op,
            Op::RemountReadOnly {
                dst: "usr".into(),
                flags: MsFlags::MS_RELATIME
            }
        );
        // Symlinked program dirs are in the layer, not mounted.
        assert!(!plan
            .iter()
            .any(|s| matches!(&s.op, Op::Bind { dst, .. } if dst == "bin")));
        assert!(plan.iter().any(|s| s.op
            == Op::Bind {
                src: Source::Host("/lab/files/c1/hosts".into()),
                dst: "etc/hosts".into()
            }));
        // Nothing of the machine but program dirs, devices, the engine's
        // files and /dev/null masks is ever a bind source.
        for s in &plan {
            if let Op::Bind {
                src: Source::Host(src),
                ..
            } = &s.op
            {
                assert!(
                    src == std::path::Path::new("/usr")
                        || src.starts_with("/dev/")
                        || src.starts_with("/lab/files/c1"),
                    "{src:?}"
                );
            }
        }
    }

    #[test]
    fn the_kernels_knobs_are_read_only_and_mandatory_steps_fail_the_start() {
        let plan = mount_plan(&debian(), std::path::Path::new("/f"));
        let sysrq = plan
            .iter()
            .position(
                |s| matches!(&s.op, Op::RemountReadOnly { dst, .. } if dst == "proc/sysrq-trigger"),
            )
            .unwrap();
        assert_eq!(plan[sysrq].on_error, OnError::IgnoreMissing);
        // If proc cannot be mounted, exactly its hardening steps are
        // skipped: the step after them is sysfs.
        let proc = plan
            .iter()
            .position(|s| matches!(&s.op, Op::Mount { fstype: "proc", .. }))
            .unwrap();
        let OnError::Skip(n) = plan[proc].on_error else {
            panic!("proc is optional")
        };
        assert!(plan[proc + 1..=proc + n].iter().all(|s| match &s.op {
            Op::Bind { dst, .. } | Op::RemountReadOnly { dst, .. } | Op::Mount { dst, .. } =>
                dst.starts_with("proc/"),
            _ => false,
        }));
        assert!(matches!(
            &plan[proc + n + 1].op,
            Op::Mount {
                fstype: "sysfs",
                ..
            }
        ));
        let dev = plan
            .iter()
            .find(|s| matches!(&s.op, Op::Mount { dst, .. } if dst == "dev"))
            .unwrap();
        assert_eq!(dev.on_error, OnError::Fail);
        let Op::Mount { flags, .. } = dev.op else {
            unreachable!()
        };
        assert!(flags.contains(MsFlags::MS_NODEV));
    }

    #[test]
    fn devpts_asks_for_the_tty_group_only_where_it_exists() {
        let data = |rootless| {
            let host = Host {
                rootless,
                ..debian()
            };
            mount_plan(&host, std::path::Path::new("/f"))
                .into_iter()
                .find_map(|s| match s.op {
                    Op::Mount {
                        fstype: "devpts",
                        data,
                        ..
                    } => Some(data),
                    _ => None,
                })
                .unwrap()
        };
        assert!(data(false).ends_with(",gid=5"));
        assert!(!data(true).contains("gid="));
    }

    #[test]
    fn layer_targets_are_the_top_of_each_mount() {
        let plan = mount_plan(&debian(), std::path::Path::new("/f"));
        let targets = layer_targets(&plan);
        for want in [
            ("usr", true),
            ("proc", true),
            ("sys", true),
            ("dev", true),
            ("etc/hosts", false),
            ("etc/resolv.conf", false),
        ] {
            assert!(
                targets.contains(&(want.0.to_string(), want.1)),
                "{want:?} in {targets:?}"
            );
        }
        assert!(!targets.iter().any(|(p, _)| p.starts_with("proc/")
            || p.starts_with("dev/")
            || p.starts_with("sys/")));
    }

    #[test]
    fn failures_are_described_by_path() {
        assert_eq!(
            describe(&Op::RemountReadOnly {
                dst: "usr".into(),
                flags: MsFlags::empty()
            }),
            "mounting /usr read-only"
        );
        assert_eq!(describe(&Op::PivotRoot), "entering the container's root");
    }

    #[test]
    fn applets_come_first_on_path_read_only_and_nosuid() {
        let machine = vec![
            (
                "bin".to_string(),
                LocalEntry::Dir {
                    flags: MsFlags::MS_RELATIME,
                },
            ),
            ("man".to_string(), LocalEntry::Symlink("share/man".into())),
            // The machine's own sbin gives way to the applets.
            (
                "sbin".to_string(),
                LocalEntry::Dir {
                    flags: MsFlags::empty(),
                },
            ),
        ];
        let exe = std::path::Path::new("/opt/netlings");
        let plan = usr_local_plan(&machine, &["ip", "ping"], exe, MsFlags::MS_NOATIME);
        let ops: Vec<&Op> = plan.iter().map(|s| &s.op).collect();
        assert!(matches!(ops[0], Op::Mount { fstype: "tmpfs", dst, .. } if dst.is_empty()));
        assert!(ops.contains(&&Op::Bind {
            src: Source::Host("/usr/local/bin".into()),
            dst: "bin".into()
        }));
        assert!(ops.contains(&&Op::RemountReadOnly {
            dst: "bin".into(),
            flags: MsFlags::MS_RELATIME | USR_LOCAL_FLAGS
        }));
        assert!(!ops
            .iter()
            .any(|o| matches!(o, Op::Bind { src: Source::Host(p), .. } if p.ends_with("sbin"))));
        for name in ["ip", "ping"] {
            let dst = format!("sbin/{name}");
            let at = ops
                .iter()
                .position(|o| {
                    **o == Op::Bind {
                        src: Source::Host(exe.into()),
                        dst: dst.clone(),
                    }
                })
                .unwrap();
            assert_eq!(
                ops[at + 1],
                &Op::RemountReadOnly {
                    dst,
                    flags: MsFlags::MS_NOATIME | USR_LOCAL_FLAGS
                }
            );
        }
        assert_eq!(
            ops.last().unwrap(),
            &&Op::RemountReadOnly {
                dst: String::new(),
                flags: USR_LOCAL_FLAGS
            }
        );
        // The container binds the tree read-only over /usr, which stays
        // the only layer target there.
        let mut host = debian();
        host.usr_local = Some("/lab/files/usr-local".into());
        let plan = mount_plan(&host, std::path::Path::new("/f"));
        let pos = |op: &Op| plan.iter().position(|s| s.op == *op).unwrap();
        let usr = pos(&Op::Bind {
            src: Source::Host("/usr".into()),
            dst: "usr".into(),
        });
        let local = pos(&Op::Bind {
            src: Source::Host("/lab/files/usr-local".into()),
            dst: "usr/local".into(),
        });
        assert!(usr < local);
        assert_eq!(
            plan[local + 1].op,
            Op::RemountReadOnly {
                dst: "usr/local".into(),
                flags: USR_LOCAL_FLAGS
            }
        );
        assert!(!layer_targets(&plan).iter().any(|(p, _)| p == "usr/local"));
    }
}
