//! What `docker cp` does with a source and a destination, as Docker 20.10's
//! archive package decides it (`PrepareArchiveCopy`), as plain data.

/// Where the copy of a source goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Into the existing directory `dir`, named `name`.
    Into { dir: String, name: String },
    /// The destination path itself: a new file or directory, or a file
    /// overwritten. A directory source's contents go into it.
    As(String),
    /// A directory's contents into the existing directory.
    ContentsInto(String),
}

/// Which side of the copy `arg` names: `CONTAINER:PATH`, or a local path
/// (one that is absolute, starts with `.`, or has no `:`), as Docker's
/// `splitCpArg`.
pub fn split_arg(arg: &str) -> (Option<&str>, &str) {
    if arg.starts_with('/') || arg.starts_with('.') {
        return (None, arg);
    }
    match arg.split_once(':') {
        Some((container, path)) => (Some(container), path),
        None => (None, arg),
    }
}

/// The final element of a path as Docker's archive takes it: trailing
/// slashes ignored.
pub fn base_name(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rsplit_once('/') {
        Some((_, name)) => name.to_string(),
        None if trimmed.is_empty() => "/".to_string(),
        None => trimmed.to_string(),
    }
}

/// Where the source goes. `dest_is_dir` is None when the destination does
/// not exist. The errors are Docker's words.
pub fn target(
    src: &str,
    src_is_dir: bool,
    dest: &str,
    dest_is_dir: Option<bool>,
) -> Result<Target, &'static str> {
    if !src_is_dir && src.ends_with('/') {
        return Err("not a directory");
    }
    match dest_is_dir {
        Some(true) => {
            if src_is_dir && (src.ends_with("/.") || src == ".") {
                Ok(Target::ContentsInto(dest.to_string()))
            } else {
                Ok(Target::Into {
                    dir: dest.to_string(),
                    name: base_name(src),
                })
            }
        }
        Some(false) if src_is_dir => Err("cannot copy directory"),
        Some(false) => Ok(Target::As(dest.to_string())),
        None if !src_is_dir && dest.ends_with('/') => Err("no such directory"),
        None => Ok(Target::As(dest.trim_end_matches('/').to_string())),
    }
}

/// The directory a path is in (`/` for a top-level name), trailing slashes
/// ignored.
pub fn parent(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rsplit_once('/') {
        Some(("", _)) => "/".to_string(),
        Some((dir, _)) => dir.to_string(),
        None => ".".to_string(),
    }
}

/// A container path as the engine's root knows it: relative to `/`.
pub fn in_container(path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

/// A path with `.`, `..` and repeated slashes worked out as text (Go's
/// `filepath.Clean`), as a string so that a prefix test compares text.
pub fn clean_local(path: &std::path::Path) -> String {
    let text = path.to_string_lossy();
    let absolute = text.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_name_a_container_only_with_a_colon_and_no_leading_dot_or_slash() {
        assert_eq!(split_arg("web:/etc/hosts"), (Some("web"), "/etc/hosts"));
        assert_eq!(split_arg("./web:x"), (None, "./web:x"));
        assert_eq!(split_arg("/tmp/a:b"), (None, "/tmp/a:b"));
        assert_eq!(split_arg("file"), (None, "file"));
        assert_eq!(split_arg("web:"), (Some("web"), ""));
    }

    // Each case as Docker 20.10.24 did it (`docker cp` both ways, recorded
    // on 2026-12-02).
    #[test]
    fn targets_as_docker_20_10_chooses_them() {
        // A file into an existing directory keeps its name.
        assert_eq!(
            target("/d/f", false, "/tmp", Some(true)),
            Ok(Target::Into {
                dir: "/tmp".into(),
                name: "f".into()
            })
        );
        // A file to a new name, or over a file.
        assert_eq!(
            target("f", false, "/tmp/f2", None),
            Ok(Target::As("/tmp/f2".into()))
        );
        assert_eq!(
            target("f", false, "/tmp/f2", Some(false)),
            Ok(Target::As("/tmp/f2".into()))
        );
        // A file to a directory that does not exist: `no such directory`.
        assert_eq!(
            target("f", false, "/newdir/", None),
            Err("no such directory")
        );
        // A directory into one: `d2/d`; its contents with `/.`.
        assert_eq!(
            target("/d", true, "d2", Some(true)),
            Ok(Target::Into {
                dir: "d2".into(),
                name: "d".into()
            })
        );
        assert_eq!(
            target("src/.", true, "/tmp/dst", Some(true)),
            Ok(Target::ContentsInto("/tmp/dst".into()))
        );
        // To a new path: made, with the directory's contents.
        assert_eq!(
            target("src/.", true, "/tmp/dst", None),
            Ok(Target::As("/tmp/dst".into()))
        );
        assert_eq!(target("/d", true, "d1/", None), Ok(Target::As("d1".into())));
        // Over a file: `cannot copy directory`.
        assert_eq!(
            target("src", true, "/tmp/f2", Some(false)),
            Err("cannot copy directory")
        );
        assert_eq!(target("/d/f/", false, "x", None), Err("not a directory"));
    }

    #[test]
    fn names_and_parents() {
        assert_eq!(base_name("/d/sub/"), "sub");
        assert_eq!(base_name("f"), "f");
        assert_eq!(base_name("/"), "/");
        assert_eq!(parent("/nodir/x"), "/nodir");
        assert_eq!(parent("/x"), "/");
        assert_eq!(parent("x"), ".");
        assert_eq!(in_container("etc/hosts"), "/etc/hosts");
        let clean = |p: &str| clean_local(std::path::Path::new(p));
        assert_eq!(clean("/tmp/d1/../../../../etc"), "/etc");
        assert_eq!(clean("/tmp/d1//./x/"), "/tmp/d1/x");
        assert_eq!(clean("a/../../b"), "../b");
    }
}
