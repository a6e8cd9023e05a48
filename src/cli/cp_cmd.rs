//! `docker cp CONTAINER:SRC_PATH DEST_PATH` and `docker cp SRC_PATH
//! CONTAINER:DEST_PATH`. The engine hands over the container's directory;
//! the copy runs here, as the user who typed it, so the machine's side has
//! exactly that user's rights. Every container path is resolved inside the
//! container's root (openat2 with RESOLVE_IN_ROOT: `..` and symlinks,
//! absolute or not, stop at the container's `/`), and a directory's
//! entries are opened without following symlinks.

use super::cp_plan::{self, Target};
use super::lab_access::{call, daemon_error};
use crate::engine::api::{ApiError, Request, Response};
use crate::gotext::go_errno;
use crate::lab::Lab;
use nix::fcntl::{openat, openat2, OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::{fstat, Mode, SFlag};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The files a container sees over its own (`hosts`, `hostname`,
/// `resolv.conf` in the container's directory), as Docker's cp reads them
/// through the container's mounts.
const MOUNTED_FILES: &[(&str, &str)] = &[
    ("/etc/hosts", "hosts"),
    ("/etc/hostname", "hostname"),
    ("/etc/resolv.conf", "resolv.conf"),
];

pub(super) fn cp(lab: &Lab, src: &str, dest: &str, follow_link: bool) -> i32 {
    // `-` is a tar stream: on stdout from a container path, on stdin
    // into a container directory.
    let result = match (cp_plan::split_arg(src), cp_plan::split_arg(dest)) {
        ((None, _), (None, _)) => Err("must specify at least one container source".to_string()),
        ((Some(_), _), (Some(_), _)) => {
            Err("copying between containers is not supported".to_string())
        }
        ((Some(container), path), (None, "-")) => {
            super::cp_tar::tar_out(lab, container, path, follow_link)
        }
        ((None, "-"), (Some(container), path)) => super::cp_tar::tar_in(lab, container, path),
        ((Some(container), path), (None, local)) => {
            copy_out(lab, container, path, local, follow_link)
        }
        ((None, local), (Some(container), path)) => {
            copy_in(lab, local, container, path, follow_link)
        }
    };
    match result {
        Ok(()) => 0,
        Err(text) => {
            eprintln!("{text}");
            1
        }
    }
}

/// The container's directory and root file system, from the engine.
pub(super) struct ContainerFs {
    name: String,
    dir: OwnedFd,
    root: OwnedFd,
}

impl ContainerFs {
    /// Err: the engine's error (a missing container is `is_not_found`).
    pub(super) fn open(lab: &Lab, container: &str) -> Result<ContainerFs, ApiError> {
        let req = Request::CopyPrepare {
            container: container.into(),
        };
        let dir = match call(lab, req, &[]) {
            Ok((Response::CopyDir { .. }, mut fds)) if fds.len() == 1 => fds.remove(0),
            Ok((other, _)) => return Err(other.unexpected()),
            Err(e) => return Err(e),
        };
        let root = openat(
            dir.as_fd(),
            "root",
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| ApiError::system(format!("opening the container's root: {e}")))?;
        Ok(ContainerFs {
            name: container.to_string(),
            dir,
            root,
        })
    }

    /// `path` resolved inside the container's root.
    pub(super) fn resolve(&self, path: &str, flags: OFlag) -> io::Result<OwnedFd> {
        let how = OpenHow::new()
            .flags(flags | OFlag::O_CLOEXEC)
            .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
        openat2(self.root.as_fd(), path, how).map_err(io::Error::from)
    }

    /// A container path to copy from: the file mounted over it where the
    /// container has one, else the file of its root file system.
    pub(super) fn source(&self, path: &str, follow: bool) -> io::Result<OwnedFd> {
        let clean = clean_container_path(path);
        if let Some((_, file)) = MOUNTED_FILES.iter().find(|(p, _)| *p == clean) {
            return openat(
                self.dir.as_fd(),
                *file,
                OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(io::Error::from);
        }
        let nofollow = if follow {
            OFlag::empty()
        } else {
            OFlag::O_NOFOLLOW
        };
        self.resolve(path, OFlag::O_PATH | nofollow)
    }

    pub(super) fn not_found(&self, path: &str) -> String {
        not_found(&self.name, path)
    }
}

/// Docker 20.10's client for a container or a container path that is not
/// there (the daemon's 404 on the archive): `Error: No such
/// container:path: web:/nonexist`.
fn not_found(container: &str, path: &str) -> String {
    format!("Error: No such container:path: {container}:{path}")
}

/// What the client says when the engine refuses: a missing container as
/// a missing container path, anything else as the daemon's error.
pub(super) fn engine_error(e: &ApiError, container: &str, path: &str) -> String {
    if e.is_not_found() {
        not_found(container, path)
    } else {
        daemon_error(e)
    }
}

/// `/etc/./hosts`, `etc//hosts` and `/etc/hosts/` are `/etc/hosts`.
fn clean_container_path(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    format!("/{}", parts.join("/"))
}

/// Docker's `resolveLocalPath`: absolute, keeping a trailing `/` or `/.`.
fn local_path(path: &str) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path));
    let mut s = abs.to_string_lossy().trim_end_matches('/').to_string();
    if path.ends_with("/.") {
        s.push_str("/.");
    } else if path.ends_with('/') {
        s.push('/');
    }
    if s.is_empty() {
        s.push('/');
    }
    PathBuf::from(s)
}

pub(super) fn kind_of(fd: BorrowedFd<'_>) -> io::Result<SFlag> {
    let st = fstat(fd).map_err(io::Error::from)?;
    Ok(SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits()))
}

/// A file or directory of the container, opened as a path, read for real.
pub(super) fn reopen(fd: BorrowedFd<'_>, flags: OFlag) -> io::Result<OwnedFd> {
    // The descriptor was resolved safely; its /proc link names that file.
    let path = format!("/proc/self/fd/{}", fd.as_raw_fd());
    nix::fcntl::open(path.as_str(), flags | OFlag::O_CLOEXEC, Mode::empty())
        .map_err(io::Error::from)
}

fn copy_out(
    lab: &Lab,
    container: &str,
    src: &str,
    local: &str,
    follow: bool,
) -> Result<(), String> {
    let dest = local_path(local);
    let dest_s = dest.to_string_lossy().to_string();
    validate_output_path(&dest_s)?;
    let fs = ContainerFs::open(lab, container).map_err(|e| engine_error(&e, container, src))?;
    let src_path = cp_plan::in_container(src);
    let node = fs
        .source(&src_path, follow)
        .map_err(|_| fs.not_found(src))?;
    let kind = kind_of(node.as_fd()).map_err(|e| e.to_string())?;
    let dest_is_dir = std::fs::metadata(dest_s.trim_end_matches("/."))
        .ok()
        .map(|m| m.is_dir());
    let target = cp_plan::target(&src_path, kind == SFlag::S_IFDIR, &dest_s, dest_is_dir)
        .map_err(str::to_string)?;
    let result = match target {
        Target::Into { dir, name } => {
            let dir = Path::new(&dir);
            out_node(node.as_fd(), &dir.join(name), dir)
        }
        Target::As(path) => out_node(
            node.as_fd(),
            Path::new(&path),
            Path::new(&cp_plan::parent(&path)),
        ),
        Target::ContentsInto(dir) => {
            let dir = Path::new(dir.trim_end_matches("/."));
            out_entries(node.as_fd(), dir, dir)
        }
    };
    result.map_err(|e| e.to_string())
}

/// Docker's `ValidateOutputPath`: the destination's directory must exist.
fn validate_output_path(dest: &str) -> Result<(), String> {
    let clean = dest.trim_end_matches("/.").trim_end_matches('/');
    let dir = cp_plan::parent(if clean.is_empty() { "/" } else { clean });
    if !Path::new(&dir).exists() {
        return Err(format!(
            "invalid output path: directory {} does not exist",
            crate::gotext::go_quote(&dir)
        ));
    }
    Ok(())
}

/// An error on the machine's side, as Go words it: `open PATH: permission denied`.
fn local_error(op: &str, path: &Path, e: io::Error) -> io::Error {
    io::Error::other(format!("{op} {}: {}", path.display(), go_errno(&e)))
}

/// Copies one node of the container (opened as a path) to `dest`, in the
/// copy's top directory `top`.
fn out_node(node: BorrowedFd<'_>, dest: &Path, top: &Path) -> io::Result<()> {
    let st = fstat(node).map_err(io::Error::from)?;
    let mode = st.st_mode & 0o7777;
    match SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits()) {
        SFlag::S_IFREG => {
            let mut from = File::from(reopen(node, OFlag::O_RDONLY)?);
            let mut to = File::create(dest).map_err(|e| local_error("open", dest, e))?;
            io::copy(&mut from, &mut to).map_err(|e| local_error("write", dest, e))?;
            to.set_permissions(std::fs::Permissions::from_mode(mode))
                .map_err(|e| local_error("chmod", dest, e))?;
        }
        SFlag::S_IFDIR => {
            match std::fs::create_dir(dest) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dest.is_dir() => {}
                Err(e) => return Err(local_error("mkdir", dest, e)),
            }
            out_entries(node, dest, top)?;
            std::fs::set_permissions(dest, std::fs::Permissions::from_mode(mode))
                .map_err(|e| local_error("chmod", dest, e))?;
        }
        SFlag::S_IFLNK => {
            let target = nix::fcntl::readlinkat(node, "").map_err(io::Error::from)?;
            // Docker's archive refuses a relative link that leads out of
            // where the copy goes (an absolute one stays inside by its rule).
            let lands = cp_plan::clean_local(&dest.parent().unwrap_or(top).join(&target));
            if Path::new(&target).is_relative() && !lands.starts_with(&cp_plan::clean_local(top)) {
                return Err(io::Error::other(format!(
                    "invalid symlink {} -> {}",
                    crate::gotext::go_quote(&dest.to_string_lossy()),
                    crate::gotext::go_quote(&target.to_string_lossy())
                )));
            }
            if dest.symlink_metadata().is_ok() {
                std::fs::remove_file(dest).map_err(|e| local_error("remove", dest, e))?;
            }
            std::os::unix::fs::symlink(&target, dest)
                .map_err(|e| local_error("symlink", dest, e))?;
        }
        // Devices, pipes and sockets: Docker's archive would carry them;
        // a lab's layer has none worth copying.
        _ => {}
    }
    Ok(())
}

/// Copies a container directory's entries into the local directory `dest`.
fn out_entries(dir: BorrowedFd<'_>, dest: &Path, top: &Path) -> io::Result<()> {
    // The descriptor's /proc link opens that very directory.
    let listing = format!("/proc/self/fd/{}", dir.as_raw_fd());
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&listing)? {
        names.push(entry?.file_name());
    }
    for name in names {
        // Never followed: a symlink in the container is copied as one.
        let child = openat(
            dir,
            name.as_os_str(),
            OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(io::Error::from)?;
        let local = dest.join(&name);
        out_node(child.as_fd(), &local, top)?;
    }
    Ok(())
}

fn copy_in(
    lab: &Lab,
    local: &str,
    container: &str,
    dest: &str,
    follow: bool,
) -> Result<(), String> {
    // The container is asked first; Docker's client reports a missing
    // source before a missing container, so that error waits.
    let fs = ContainerFs::open(lab, container);
    let src = local_path(local);
    let src_s = src.to_string_lossy().to_string();
    let src_node = src_s.trim_end_matches("/.");
    let meta = if follow {
        std::fs::metadata(src_node).map_err(|e| format!("stat {src_s}: {}", go_errno(&e)))?
    } else {
        std::fs::symlink_metadata(src_node)
            .map_err(|e| format!("lstat {src_s}: {}", go_errno(&e)))?
    };
    let dest_path = cp_plan::in_container(dest);
    let fs = match fs {
        Ok(fs) => fs,
        Err(e) => {
            // Docker goes on as if the path were not there, and the upload
            // to the directory it would go into fails.
            let dir = match cp_plan::target(&src_s, meta.is_dir(), &dest_path, None)
                .map_err(str::to_string)?
            {
                Target::Into { dir, .. } | Target::ContentsInto(dir) => dir,
                Target::As(path) => cp_plan::parent(&path),
            };
            return Err(engine_error(&e, container, &dir));
        }
    };
    let existing = fs.resolve(&dest_path, OFlag::O_PATH).ok();
    let dest_is_dir = match &existing {
        Some(fd) => Some(kind_of(fd.as_fd()).map_err(|e| e.to_string())? == SFlag::S_IFDIR),
        None => None,
    };
    let target =
        cp_plan::target(&src_s, meta.is_dir(), &dest_path, dest_is_dir).map_err(str::to_string)?;
    let open_dir = |path: &str| {
        fs.resolve(path, OFlag::O_RDONLY | OFlag::O_DIRECTORY)
            .map_err(|_| fs.not_found(path))
    };
    let result = match target {
        Target::Into { dir, name } => {
            let dir = open_dir(&dir)?;
            in_node(Path::new(src_node), &meta, dir.as_fd(), &name)
        }
        Target::As(path) if dest_is_dir == Some(false) => {
            // Over an existing file (a symlink's target, within the root).
            let file = fs
                .resolve(&path, OFlag::O_WRONLY | OFlag::O_TRUNC)
                .map_err(|e| daemon_error(&ApiError::system(go_errno(&e))))?;
            in_file(Path::new(src_node), &meta, file)
        }
        Target::As(path) => {
            let parent = open_dir(&cp_plan::parent(&path))?;
            in_node(
                Path::new(src_node),
                &meta,
                parent.as_fd(),
                &cp_plan::base_name(&path),
            )
        }
        Target::ContentsInto(dir) => {
            let dir = open_dir(&dir)?;
            in_entries(Path::new(src_node), dir.as_fd())
        }
    };
    result.map_err(|e| e.to_string())
}

fn in_file(src: &Path, meta: &std::fs::Metadata, to: OwnedFd) -> io::Result<()> {
    let mut from = File::open(src).map_err(|e| local_error("open", src, e))?;
    let mut to = File::from(to);
    io::copy(&mut from, &mut to)?;
    to.set_permissions(std::fs::Permissions::from_mode(meta.mode() & 0o7777))
}

/// Copies the local `src` as `name` in the container directory `parent`.
fn in_node(
    src: &Path,
    meta: &std::fs::Metadata,
    parent: BorrowedFd<'_>,
    name: &str,
) -> io::Result<()> {
    let mode = meta.mode() & 0o7777;
    let ft = meta.file_type();
    if ft.is_file() {
        let to = openat(
            parent,
            name,
            OFlag::O_WRONLY
                | OFlag::O_CREAT
                | OFlag::O_TRUNC
                | OFlag::O_NOFOLLOW
                | OFlag::O_CLOEXEC,
            Mode::from_bits_truncate(0o600),
        )
        .map_err(io::Error::from)?;
        in_file(src, meta, to)
    } else if ft.is_dir() {
        match nix::sys::stat::mkdirat(parent, name, Mode::from_bits_truncate(0o700)) {
            Ok(()) | Err(nix::errno::Errno::EEXIST) => {}
            Err(e) => return Err(e.into()),
        }
        // An existing symlink in its place is not entered.
        let dir = openat(
            parent,
            name,
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(io::Error::from)?;
        in_entries(src, dir.as_fd())?;
        nix::sys::stat::fchmod(dir.as_fd(), Mode::from_bits_truncate(mode)).map_err(io::Error::from)
    } else if ft.is_symlink() {
        let target = std::fs::read_link(src).map_err(|e| local_error("readlink", src, e))?;
        let _ = nix::unistd::unlinkat(parent, name, nix::unistd::UnlinkatFlags::NoRemoveDir);
        nix::unistd::symlinkat(target.as_path(), parent, name).map_err(io::Error::from)
    } else {
        // Devices, pipes and sockets are not copied.
        Ok(())
    }
}

/// Copies the local directory `src`'s entries into the container directory `dir`.
fn in_entries(src: &Path, dir: BorrowedFd<'_>) -> io::Result<()> {
    let entries = std::fs::read_dir(src).map_err(|e| local_error("open", src, e))?;
    for entry in entries {
        let entry = entry?;
        let meta = entry.metadata()?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        in_node(&entry.path(), &meta, dir, name)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_are_absolute_and_keep_a_trailing_slash_or_dot() {
        assert_eq!(local_path("/tmp/x/."), PathBuf::from("/tmp/x/."));
        assert_eq!(local_path("/tmp/x/"), PathBuf::from("/tmp/x/"));
        assert_eq!(local_path("/"), PathBuf::from("/"));
        assert!(local_path("rel").is_absolute());
        assert_eq!(clean_container_path("etc//./hosts/"), "/etc/hosts");
    }
}
