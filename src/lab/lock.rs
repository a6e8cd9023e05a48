//! One lab, one engine: whoever decides whether to start, clean up or stop
//! a lab holds its lock, so concurrent starts make exactly one engine and
//! the others find it running. The lock is a file beside the lab's
//! directory (`.NAME.lock`: lab names never start with a dot).

use nix::fcntl::{Flock, FlockArg};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

pub struct LabLock {
    path: PathBuf,
    _file: Flock<std::fs::File>,
}

impl LabLock {
    /// Waits for the lock at `path`. A holder may remove the file when it
    /// is done with the lab; whoever then held an fd of the old file
    /// locked nothing, so the file is checked to still be the one locked.
    pub fn acquire(path: &Path) -> Result<LabLock, String> {
        let fail = |e: &dyn std::fmt::Display| format!("cannot lock {}: {e}", path.display());
        for _ in 0..100 {
            let file = match std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .mode(0o600)
                .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .open(path)
            {
                Ok(f) => f,
                // The state directory went away with its last lab: make it anew.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if let Some(dir) = path.parent() {
                        super::ownership::ensure(dir)?;
                    }
                    continue;
                }
                Err(e) => return Err(fail(&e)),
            };
            let locked = Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, e)| fail(&e))?;
            let held = locked.metadata().map_err(|e| fail(&e))?;
            match std::fs::symlink_metadata(path) {
                Ok(now) if now.ino() == held.ino() && now.dev() == held.dev() => {
                    return Ok(LabLock {
                        path: path.to_path_buf(),
                        _file: locked,
                    })
                }
                _ => continue,
            }
        }
        Err(fail(&"it keeps being replaced"))
    }

    /// Drops the lock and its file: the lab is gone.
    pub fn remove(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn one_holder_at_a_time_even_when_the_file_is_removed() {
        let dir = std::env::temp_dir().join(format!("netlings-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        let path = dir.join(".lab.lock");
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let (path, inside, most) = (path.clone(), inside.clone(), most.clone());
                std::thread::spawn(move || {
                    for _ in 0..20 {
                        let lock = LabLock::acquire(&path).unwrap();
                        let n = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(n, Ordering::SeqCst);
                        std::thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                        // Half the holders remove the file, as `lab stop` does.
                        if i % 2 == 0 {
                            lock.remove();
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
