//! `docker cp CONTAINER:SRC -` (a tar stream of SRC on stdout) and
//! `docker cp - CONTAINER:DIR` (a tar stream on stdin unpacked into DIR),
//! as Docker 20.10 does them. As for the other copies, every container
//! path is resolved inside the container's root (RESOLVE_IN_ROOT), and the
//! work is done by this process, as the user who typed the command.

use super::cp_cmd::{engine_error, kind_of, reopen, ContainerFs};
use super::cp_plan;
use crate::gotext::go_quote;
use nix::fcntl::{openat, OFlag};
use nix::sys::stat::{fstat, Mode, SFlag};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

/// A tar entry's name in the stream: Go's archive/tar writes ustar names
/// of up to 100 bytes as they are (`./`, `d/`), longer ones as the `tar`
/// crate extends them.
fn append(
    out: &mut tar::Builder<impl Write>,
    header: &mut tar::Header,
    name: &str,
    data: impl Read,
) -> io::Result<()> {
    if name.len() <= 100 {
        let field = &mut header.as_old_mut().name;
        field.fill(0);
        field[..name.len()].copy_from_slice(name.as_bytes());
        header.set_cksum();
        // Go writes the checksum as six octal digits, NUL and a space.
        let sum = header.cksum()?;
        header.as_old_mut().cksum = *format!("{sum:06o}\0 ")
            .as_bytes()
            .first_chunk()
            .expect("8 bytes");
        out.append(header, data)
    } else {
        out.append_data(header, name, data)
    }
}

/// The header Docker's archive gives a node: the mode with its type bits,
/// as Go's FileInfoHeader writes it, owner ids and names, mtime.
fn header_for(st: &nix::sys::stat::FileStat, kind: tar::EntryType) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(kind);
    h.set_mode(st.st_mode);
    h.set_uid(u64::from(st.st_uid));
    h.set_gid(u64::from(st.st_gid));
    h.set_mtime(st.st_mtime.max(0) as u64);
    h.set_size(0);
    // Go fills the device numbers of every ustar header.
    let _ = h.set_device_major(0);
    let _ = h.set_device_minor(0);
    let user = nix::unistd::User::from_uid(st.st_uid.into()).ok().flatten();
    let group = nix::unistd::Group::from_gid(st.st_gid.into())
        .ok()
        .flatten();
    let _ = h.set_username(user.map(|u| u.name).as_deref().unwrap_or(""));
    let _ = h.set_groupname(group.map(|g| g.name).as_deref().unwrap_or(""));
    h
}

fn append_node(
    out: &mut tar::Builder<impl Write>,
    node: BorrowedFd<'_>,
    name: &str,
) -> io::Result<()> {
    let st = fstat(node).map_err(io::Error::from)?;
    match SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits()) {
        SFlag::S_IFREG => {
            let mut h = header_for(&st, tar::EntryType::Regular);
            h.set_size(st.st_size as u64);
            let file = File::from(reopen(node, OFlag::O_RDONLY)?);
            // A file that changes while it is read still fills its size.
            append(out, &mut h, name, file.take(st.st_size as u64))
        }
        SFlag::S_IFLNK => {
            let mut h = header_for(&st, tar::EntryType::Symlink);
            let target = nix::fcntl::readlinkat(node, "").map_err(io::Error::from)?;
            h.set_link_name(&target)?;
            append(out, &mut h, name, io::empty())
        }
        SFlag::S_IFDIR => {
            let mut h = header_for(&st, tar::EntryType::Directory);
            append(out, &mut h, &format!("{name}/"), io::empty())?;
            let listing = format!("/proc/self/fd/{}", node.as_raw_fd());
            let mut names: Vec<String> = std::fs::read_dir(&listing)?
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect();
            // Docker's archive walks a directory in name order.
            names.sort();
            for child in names {
                let fd = openat(
                    node,
                    child.as_str(),
                    OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(io::Error::from)?;
                append_node(out, fd.as_fd(), &format!("{name}/{child}"))?;
            }
            Ok(())
        }
        // Devices, pipes and sockets: a lab's layer has none worth copying.
        _ => Ok(()),
    }
}

/// `cp CONTAINER:SRC -`: SRC as a tar stream on stdout, its top entry
/// named as Docker names it (`d`, `a.txt`, `.` for `d/.`; with `-L`, a
/// link's target's name).
pub(super) fn tar_out(
    lab: &crate::lab::Lab,
    container: &str,
    src: &str,
    follow: bool,
) -> Result<(), String> {
    let fs = ContainerFs::open(lab, container).map_err(|e| engine_error(&e, container, src))?;
    let src_path = cp_plan::in_container(src);
    let node = fs
        .source(&src_path, follow)
        .map_err(|_| fs.not_found(src))?;
    let name = if src_path.ends_with("/.") {
        ".".to_string()
    } else if follow {
        let real = std::fs::read_link(format!("/proc/self/fd/{}", node.as_raw_fd()))
            .map_err(|e| e.to_string())?;
        cp_plan::base_name(&real.to_string_lossy())
    } else {
        cp_plan::base_name(&src_path)
    };
    let stdout = io::stdout().lock();
    let mut out = tar::Builder::new(io::BufWriter::new(stdout));
    out.mode(tar::HeaderMode::Complete);
    append_node(&mut out, node.as_fd(), &name)
        .and_then(|()| out.into_inner())
        .and_then(|mut w| w.flush())
        .map_err(|e| e.to_string())
}

/// Where an entry goes, below the destination: Go's `filepath.Join(dest,
/// name)` worked out as components; None when `..` leads out of it.
fn entry_components(name: &str) -> Option<Vec<&str>> {
    let mut parts: Vec<&str> = Vec::new();
    for p in name.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts)
}

/// Go's `filepath.Clean` of an entry name, as Docker's error quotes it.
fn go_clean(name: &str) -> String {
    super::cp_plan::clean_local(std::path::Path::new(name))
}

/// `cp - CONTAINER:DIR`: a tar stream from stdin unpacked into DIR, which
/// must be a directory; missing parents of an entry are made 0755, modes
/// and file times come from the stream, files belong to the container's
/// root (as every copy in does here).
pub(super) fn tar_in(lab: &crate::lab::Lab, container: &str, dest: &str) -> Result<(), String> {
    let not_dir = || format!("destination \"{container}:{dest}\" must be a directory");
    let fs = ContainerFs::open(lab, container).map_err(|_| not_dir())?;
    let dest_path = cp_plan::in_container(dest);
    let top = fs
        .resolve(&dest_path, OFlag::O_PATH | OFlag::O_DIRECTORY)
        .map_err(|_| not_dir())?;
    drop(top);
    let shown = cp_plan::clean_local(std::path::Path::new(&dest_path));
    let fail = |why: String| {
        format!("Error response from daemon: Error processing tar file(exit status 1): {why}")
    };
    let tar_error = |e: io::Error| {
        // Go's archive/tar: a stream cut short, or a block that is no header.
        if e.kind() == io::ErrorKind::UnexpectedEof || e.to_string().contains("entire block") {
            fail("unexpected EOF".into())
        } else {
            fail("archive/tar: invalid tar header".into())
        }
    };
    let mut archive = tar::Archive::new(io::stdin().lock());
    let mut dirs: Vec<(String, u64)> = Vec::new();
    for entry in archive.entries().map_err(tar_error)? {
        let mut entry = entry.map_err(tar_error)?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(parts) = entry_components(&raw) else {
            return Err(fail(format!(
                "{} is outside of {}",
                go_quote(&go_clean(&raw)),
                go_quote(&shown)
            )));
        };
        let Some((leaf, parents)) = parts.split_last() else {
            continue; // the destination itself (`./`)
        };
        let mut dir = dest_path.trim_end_matches('/').to_string();
        for p in parents {
            dir = format!("{dir}/{p}");
            ensure_dir(&fs, &dir, 0o755).map_err(|e| fail(e.to_string()))?;
        }
        let path = format!("{dir}/{leaf}");
        let header = entry.header();
        let mode = header.mode().unwrap_or(0o644) & 0o7777;
        let mtime = header.mtime().unwrap_or(0);
        let kind = header.entry_type();
        let parent = fs
            .resolve(&dir, OFlag::O_RDONLY | OFlag::O_DIRECTORY)
            .map_err(|e| fail(e.to_string()))?;
        let written = match kind {
            tar::EntryType::Directory => {
                ensure_dir(&fs, &path, mode).map(|()| dirs.push((path.clone(), mtime)))
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                write_file(parent.as_fd(), leaf, &mut entry, mode, mtime)
            }
            tar::EntryType::Symlink => {
                let target = entry
                    .link_name()
                    .map_err(tar_error)?
                    .unwrap_or_default()
                    .into_owned();
                let _ = nix::unistd::unlinkat(
                    parent.as_fd(),
                    *leaf,
                    nix::unistd::UnlinkatFlags::NoRemoveDir,
                );
                nix::unistd::symlinkat(target.as_path(), parent.as_fd(), *leaf)
                    .map_err(io::Error::from)
            }
            // Hard links, devices and fifos are not made in a lab's layer.
            _ => Ok(()),
        };
        written.map_err(|e| fail(e.to_string()))?;
    }
    // Directory times last, once their entries stop changing them.
    for (path, mtime) in dirs.iter().rev() {
        if let Ok(fd) = fs.resolve(path, OFlag::O_RDONLY | OFlag::O_DIRECTORY) {
            let _ = set_mtime(fd.as_fd(), *mtime);
        }
    }
    Ok(())
}

/// A directory at the container path `path`, made with `mode` if missing.
fn ensure_dir(fs: &ContainerFs, path: &str, mode: u32) -> io::Result<()> {
    if let Ok(fd) = fs.resolve(path, OFlag::O_PATH) {
        return match kind_of(fd.as_fd())? {
            SFlag::S_IFDIR => Ok(()),
            _ => Err(io::Error::other(format!("mkdir {path}: not a directory"))),
        };
    }
    let parent = fs.resolve(&cp_plan::parent(path), OFlag::O_RDONLY | OFlag::O_DIRECTORY)?;
    let name = cp_plan::base_name(path);
    match nix::sys::stat::mkdirat(
        parent.as_fd(),
        name.as_str(),
        Mode::from_bits_truncate(0o700),
    ) {
        Ok(()) | Err(nix::errno::Errno::EEXIST) => {}
        Err(e) => return Err(e.into()),
    }
    let dir = openat(
        parent.as_fd(),
        name.as_str(),
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?;
    nix::sys::stat::fchmod(dir.as_fd(), Mode::from_bits_truncate(mode)).map_err(io::Error::from)
}

fn write_file(
    parent: BorrowedFd<'_>,
    name: &str,
    data: &mut impl Read,
    mode: u32,
    mtime: u64,
) -> io::Result<()> {
    let fd: OwnedFd = openat(
        parent,
        name,
        OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_TRUNC | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::from_bits_truncate(0o600),
    )?;
    let mut file = File::from(fd);
    io::copy(data, &mut file)?;
    nix::sys::stat::fchmod(file.as_fd(), Mode::from_bits_truncate(mode))?;
    set_mtime(file.as_fd(), mtime)
}

fn set_mtime(fd: BorrowedFd<'_>, mtime: u64) -> io::Result<()> {
    let t = nix::sys::time::TimeSpec::new(mtime as i64, 0);
    nix::sys::stat::futimens(fd, &t, &t).map_err(io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_stay_below_the_destination_as_docker_checks_them() {
        assert_eq!(entry_components("deep/er/f"), Some(vec!["deep", "er", "f"]));
        assert_eq!(entry_components("/abs/f"), Some(vec!["abs", "f"]));
        assert_eq!(entry_components("./"), Some(vec![]));
        assert_eq!(entry_components("a/../b"), Some(vec!["b"]));
        assert_eq!(entry_components("../evil"), None);
        assert_eq!(entry_components("a/../../evil"), None);
        assert_eq!(go_clean("../evil"), "../evil");
        assert_eq!(go_clean("a/../../evil/"), "../evil");
        assert_eq!(go_clean("./x/./y"), "x/y");
    }
}
