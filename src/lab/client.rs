//! The CLI's side of the lab socket: one request, one reply, fds either way.
//! Before trusting a reply, the CLI checks who serves the socket: only an
//! engine of its own user (SO_PEERCRED) is one.

use super::Lab;
use crate::engine::api::{ApiError, Reply, Request, Response};
use crate::sys::fdpass::{send_line, LineReader};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

#[derive(Debug)]
pub enum ConnectError {
    /// No socket, or no one listening on it.
    NotListening,
    /// Someone is there, but not for us: the line says who and what to do.
    Refused(String),
}

/// Connects to the lab's engine; returns the stream and the engine's pid
/// as seen from here (taken by the kernel at its `listen`).
pub fn connect(lab: &Lab) -> Result<(UnixStream, i32), ConnectError> {
    let stream = match UnixStream::connect(lab.socket()) {
        Ok(s) => s,
        Err(e) => {
            return Err(match e.kind() {
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused => {
                    ConnectError::NotListening
                }
                std::io::ErrorKind::PermissionDenied => ConnectError::Refused(format!(
                    "cannot open lab {}'s socket {}: {e}; it belongs to {}: use that account (or root's sudo), or a lab of your own",
                    lab.name,
                    lab.socket().display(),
                    owner_of(&lab.socket())
                )),
                _ => ConnectError::Refused(format!("cannot reach lab {}: {e}", lab.name)),
            })
        }
    };
    let creds = nix::sys::socket::getsockopt(&stream, nix::sys::socket::sockopt::PeerCredentials)
        .map_err(|e| ConnectError::Refused(format!("lab {}: {e}", lab.name)))?;
    let me = super::ownership::euid();
    if creds.uid() != me {
        return Err(ConnectError::Refused(format!(
            "lab {}'s socket {} is served by {}, not by you ({}): refusing to talk to it",
            lab.name,
            lab.socket().display(),
            super::ownership::user_name(creds.uid()),
            super::ownership::user_name(me)
        )));
    }
    Ok((stream, creds.pid()))
}

fn owner_of(path: &std::path::Path) -> String {
    use std::os::unix::fs::MetadataExt;
    let path = if path.exists() {
        path
    } else {
        path.parent().unwrap_or(path)
    };
    std::fs::symlink_metadata(path)
        .map(|m| super::ownership::user_name(m.uid()))
        .unwrap_or_else(|_| "another user".into())
}

/// Sends `req` (with `fds`) to the lab's engine and waits for its reply.
pub fn call(lab: &Lab, req: &Request, fds: &[RawFd]) -> Result<(Reply, Vec<OwnedFd>), String> {
    let stream = match connect(lab) {
        Ok((s, _)) => s,
        Err(ConnectError::NotListening) => {
            return Err(format!(
                "lab {} is not running (start it with: netlings lab start {})",
                lab.name, lab.name
            ))
        }
        Err(ConnectError::Refused(why)) => return Err(why),
    };
    call_on(lab, &stream, req, fds)
}

/// One request on a connected stream.
pub fn call_on(
    lab: &Lab,
    stream: &UnixStream,
    req: &Request,
    fds: &[RawFd],
) -> Result<(Reply, Vec<OwnedFd>), String> {
    let line = serde_json::to_string(req).map_err(|e| e.to_string())?;
    send_line(stream.as_raw_fd(), &line, fds).map_err(|e| format!("lab {}: {e}", lab.name))?;
    let mut reader = LineReader::new();
    let (line, fds) = reader
        .read_line(stream)
        .map_err(|e| format!("lab {}: {e}", lab.name))?
        .ok_or_else(|| stopped_during(lab))?;
    let reply: Result<Response, ApiError> =
        serde_json::from_str(&line).map_err(|e| format!("lab {}: bad reply: {e}", lab.name))?;
    Ok((reply, fds))
}

/// What to say when the engine went away in the middle of a command.
pub fn stopped_during(lab: &Lab) -> String {
    format!(
        "lab {} stopped while this command ran: its engine exited (its log: {})",
        lab.name,
        lab.log_file().display()
    )
}
