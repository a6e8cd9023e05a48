//! The engine's error: a kind in the style of Docker's errdefs, and a
//! message that is Docker's own text where Docker has one. The kind gives
//! the Engine API's HTTP status; the command gives the CLI's exit code.

use serde::{Deserialize, Serialize};

/// What went wrong, as Docker's errdefs classify it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// No such container, network, image or link.
    NotFound,
    /// The object is in a state that refuses the operation (a name in use,
    /// a running container removed, exec into a stopped one).
    Conflict,
    /// The request itself is wrong (a bad name, address, flag).
    InvalidParameter,
    /// Not allowed on this object (a predefined network, an overlapping
    /// pool, an endpoint that exists).
    Forbidden,
    /// A resource is exhausted (no address pool, no address left).
    Unavailable,
    /// A part of Docker a lab does not have (the Engine API's 501).
    NotImplemented,
    /// Anything else: the system failed.
    System,
}

impl Kind {
    /// The status Docker's Engine API answers with.
    pub fn http_status(self) -> u16 {
        match self {
            Kind::NotFound => 404,
            Kind::Conflict => 409,
            Kind::InvalidParameter => 400,
            Kind::Forbidden => 403,
            Kind::Unavailable => 503,
            Kind::NotImplemented => 501,
            Kind::System => 500,
        }
    }
}

/// A failed operation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    /// A `run` that created its container before failing to start it: Docker
    /// prints the id, then the error.
    #[serde(default)]
    pub created: Option<String>,
}

impl Error {
    pub fn with(kind: Kind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            created: None,
        }
    }
    pub fn not_found(message: impl Into<String>) -> Error {
        Error::with(Kind::NotFound, message)
    }
    pub fn conflict(message: impl Into<String>) -> Error {
        Error::with(Kind::Conflict, message)
    }
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::with(Kind::InvalidParameter, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Error {
        Error::with(Kind::Forbidden, message)
    }
    pub fn unavailable(message: impl Into<String>) -> Error {
        Error::with(Kind::Unavailable, message)
    }
    pub fn system(message: impl Into<String>) -> Error {
        Error::with(Kind::System, message)
    }

    pub fn is_not_found(&self) -> bool {
        self.kind == Kind::NotFound
    }

    pub fn http_status(&self) -> u16 {
        self.kind.http_status()
    }

    /// The docker CLI's exit code for a daemon error: `run` exits with
    /// 125, as its own failures do; every other command with 1, `create`
    /// included (Docker 20.10's client: only its own checks of `create`'s
    /// flags exit with 125).
    pub fn exit_code(&self, command: &str) -> i32 {
        match command {
            "run" => 125,
            _ => 1,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::system(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_dockers_statuses_and_codes() {
        let cases = [
            (Error::not_found("No such container: x"), 404),
            (Error::conflict("name in use"), 409),
            (Error::invalid("bad"), 400),
            (Error::forbidden("bridge is a pre-defined network"), 403),
            (Error::unavailable("no pool"), 503),
            (Error::system("EIO"), 500),
        ];
        for (e, status) in cases {
            assert_eq!(e.http_status(), status, "{e:?}");
            assert_eq!(e.exit_code("run"), 125);
            assert_eq!(e.exit_code("create"), 1);
            assert_eq!(e.exit_code("rm"), 1);
        }
        let io: Error = std::io::Error::from_raw_os_error(libc::EIO).into();
        assert_eq!(
            (io.kind, io.to_string().as_str()),
            (Kind::System, "Input/output error (os error 5)")
        );
        // The wire form names the kind, so the CLI can tell them apart.
        let wire = serde_json::to_string(&Error::forbidden("no")).unwrap();
        assert_eq!(
            wire,
            r#"{"kind":"forbidden","message":"no","created":null}"#
        );
    }
}
