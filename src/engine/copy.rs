//! `docker cp`: the engine hands the CLI the container's directory, and
//! the CLI copies as its own user, so that nothing is written anywhere with
//! more rights than the user has (`cli::cp_cmd` resolves every container
//! path inside the container's root).

use super::api::ApiError;
use super::host::Host;
use super::{Engine, OpResult};
use std::os::fd::OwnedFd;
use std::os::unix::fs::OpenOptionsExt;

impl<H: Host> Engine<H> {
    /// The container's directory, opened as a path only (its root file
    /// system is `root` in it; `hosts`, `hostname` and `resolv.conf` are
    /// the files mounted over the container's), and the container's id.
    /// Docker copies from and to stopped containers too.
    pub fn copy_prepare(&self, key: &str) -> OpResult<(String, OwnedFd)> {
        let ci = self.find_container(key)?;
        let id = self.state.containers[ci].id.clone();
        let dir = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW)
            .open(self.container_dir(&id))
            .map_err(|e| ApiError::system(format!("opening the container's files: {e}")))?;
        Ok((id, dir.into()))
    }
}
