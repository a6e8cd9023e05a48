//! The CLI's side of the lab socket: one request, one reply, fds either way.

use super::Lab;
use crate::engine::api::{ApiError, Reply, Request};
use crate::sys::fdpass::{send_line, LineReader};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

/// Sends `req` (with `fds`) to the lab's engine and waits for its reply.
pub fn call(lab: &Lab, req: &Request, fds: &[RawFd]) -> Result<(Reply, Vec<OwnedFd>), String> {
    let stream = UnixStream::connect(lab.socket()).map_err(|e| {
        format!(
            "cannot reach lab {}: {e} (is it running? try: netlings lab start {})",
            lab.name, lab.name
        )
    })?;
    let line = serde_json::to_string(req).map_err(|e| e.to_string())?;
    send_line(stream.as_raw_fd(), &line, fds).map_err(|e| format!("lab {}: {e}", lab.name))?;
    let mut reader = LineReader::new();
    let (line, fds) = reader
        .read_line(&stream)
        .map_err(|e| format!("lab {}: {e}", lab.name))?
        .ok_or_else(|| {
            format!(
                "lab {}: the engine closed the connection (see {})",
                lab.name,
                lab.log_file().display()
            )
        })?;
    let reply: Result<serde_json::Value, ApiError> =
        serde_json::from_str(&line).map_err(|e| format!("lab {}: bad reply: {e}", lab.name))?;
    Ok((reply, fds))
}
