//! Whose a lab's state is. A lab's directory and socket give whoever can
//! write them control over the lab, and through `exec`, over its user: so
//! every directory netlings keeps state in is checked before use (ours, a
//! real directory, writable by nobody else), and a planted one is refused
//! with a message that names it, never followed or cleaned up.

use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::Path;

/// What lstat says about a path, as far as ownership goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub kind: Kind,
    pub uid: u32,
    pub mode: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dir,
    Symlink,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Symlink,
    NotADirectory,
    OwnedBy(u32),
    WritableByOthers(u32),
}

/// Whether a state directory may be used by `euid`.
pub fn check(f: &Facts, euid: u32) -> Result<(), Problem> {
    match f.kind {
        Kind::Symlink => return Err(Problem::Symlink),
        Kind::Other => return Err(Problem::NotADirectory),
        Kind::Dir => {}
    }
    if f.uid != euid {
        return Err(Problem::OwnedBy(f.uid));
    }
    if f.mode & 0o022 != 0 {
        return Err(Problem::WritableByOthers(f.mode & 0o7777));
    }
    Ok(())
}

/// One line that says what is wrong with `path` and what to do.
pub fn explain(path: &Path, problem: Problem, euid: u32) -> String {
    let p = path.display();
    let fix = "remove it, or set NETLINGS_STATE_DIR to a directory of your own";
    match problem {
        Problem::Symlink => format!(
            "refusing to use {p}: it is a symbolic link, and netlings never follows one for its state (someone may have planted it); {fix}"
        ),
        Problem::NotADirectory => {
            format!("refusing to use {p}: it is not a directory; {fix}")
        }
        Problem::OwnedBy(uid) => format!(
            "refusing to use {p}: it belongs to {}, not to you ({}); run netlings as that user, or {fix}",
            user_name(uid),
            user_name(euid)
        ),
        Problem::WritableByOthers(mode) => format!(
            "refusing to use {p}: other users can write to it (mode {mode:04o}); chmod 700 it, or {fix}"
        ),
    }
}

/// `alice (uid 1000)`, or `uid 1000` for a uid without a name.
pub fn user_name(uid: u32) -> String {
    match nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
        Ok(Some(u)) => format!("{} (uid {uid})", u.name),
        _ => format!("uid {uid}"),
    }
}

fn facts(meta: &std::fs::Metadata) -> Facts {
    let t = meta.file_type();
    Facts {
        kind: if t.is_symlink() {
            Kind::Symlink
        } else if t.is_dir() {
            Kind::Dir
        } else {
            Kind::Other
        },
        uid: meta.uid(),
        mode: meta.mode(),
    }
}

pub fn euid() -> u32 {
    nix::unistd::geteuid().as_raw()
}

/// Checks `path` if it exists: Ok(false) if it does not.
pub fn verify(path: &Path) -> Result<bool, String> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) => check(&facts(&meta), euid())
            .map(|_| true)
            .map_err(|p| explain(path, p, euid())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(format!("cannot use {}: {e}", path.display())),
    }
}

/// Makes `path` a private directory (0700, whatever the umask) or checks
/// the one that is there. Its parent must exist.
pub fn ensure(path: &Path) -> Result<(), String> {
    match std::fs::DirBuilder::new().mode(0o700).create(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => verify(path).map(|_| ()),
        Err(e) => Err(format!("cannot create {}: {e}", path.display())),
    }
}

/// Removes a lab's directory after checking, right before, that it is
/// still ours and not a symlink (`remove_dir_all` does not follow the
/// symlinks inside it).
pub fn remove(path: &Path) -> Result<(), String> {
    if !verify(path)? {
        return Ok(());
    }
    std::fs::remove_dir_all(path).map_err(|e| format!("cannot remove {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(uid: u32, mode: u32) -> Facts {
        Facts {
            kind: Kind::Dir,
            uid,
            mode: 0o40000 | mode,
        }
    }

    #[test]
    fn only_our_private_directories_pass() {
        assert_eq!(check(&dir(1000, 0o700), 1000), Ok(()));
        assert_eq!(check(&dir(1000, 0o755), 1000), Ok(()), "readable is fine");
        assert_eq!(check(&dir(1001, 0o700), 1000), Err(Problem::OwnedBy(1001)));
        assert_eq!(check(&dir(0, 0o700), 1000), Err(Problem::OwnedBy(0)));
        assert_eq!(
            check(&dir(1000, 0o777), 1000),
            Err(Problem::WritableByOthers(0o777))
        );
        assert_eq!(
            check(&dir(1000, 0o1770), 1000),
            Err(Problem::WritableByOthers(0o1770))
        );
        let link = Facts {
            kind: Kind::Symlink,
            uid: 1000,
            mode: 0o777,
        };
        assert_eq!(check(&link, 1000), Err(Problem::Symlink));
        let file = Facts {
            kind: Kind::Other,
            uid: 1000,
            mode: 0o600,
        };
        assert_eq!(check(&file, 1000), Err(Problem::NotADirectory));
    }

    #[test]
    fn explanations_name_the_path_and_a_way_out() {
        let p = Path::new("/tmp/netlings-1000");
        let text = explain(p, Problem::OwnedBy(4242), 4243);
        assert!(
            text.starts_with(
                "refusing to use /tmp/netlings-1000: it belongs to uid 4242, not to you (uid 4243)"
            ),
            "{text}"
        );
        assert!(text.contains("NETLINGS_STATE_DIR"));
        let text = explain(p, Problem::WritableByOthers(0o777), 1000);
        assert!(text.contains("mode 0777"), "{text}");
        assert!(!text.contains('\n'));
    }

    #[test]
    fn planted_directories_are_refused_and_left_alone() {
        let base = std::env::temp_dir().join(format!("netlings-own-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let victim = base.join("home");
        std::fs::create_dir(&victim).unwrap();
        std::fs::write(victim.join("notes"), "keep").unwrap();
        let planted = base.join("state");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        assert!(ensure(&planted).unwrap_err().contains("symbolic link"));
        assert!(remove(&planted).is_err());
        assert_eq!(
            std::fs::read_to_string(victim.join("notes")).unwrap(),
            "keep"
        );
        let fresh = base.join("fresh");
        ensure(&fresh).unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{mode:o}");
        ensure(&fresh).unwrap();
        std::fs::remove_dir_all(&base).unwrap();
    }
}
