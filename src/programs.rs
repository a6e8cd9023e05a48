//! The programs built into the netlings executable: the built-in images'
//! servers and the applets. The executable runs as one of them when it is
//! invoked under its name (argv[0]), inside a container.

/// A program's entry point: its arguments (without argv[0]) to an exit status.
pub type Main = fn(&[String]) -> i32;

/// How a built-in program treats a reader that goes away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An image's server: a peer that hangs up must not kill it.
    Server,
    /// A command-line tool: `ping ... | head` ends by SIGPIPE, as busybox does.
    Tool,
}

/// A program built into this executable, by the basename it is invoked as.
pub fn lookup(name: &str) -> Option<(Main, Kind)> {
    crate::images::program(name)
        .map(|p| (p, Kind::Server))
        .or_else(|| crate::applets::applet(name).map(|a| (a, Kind::Tool)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_and_tools_are_told_apart() {
        assert_eq!(lookup("flappy-endpoint").map(|p| p.1), Some(Kind::Server));
        assert_eq!(lookup("nslookup").map(|p| p.1), Some(Kind::Tool));
        assert!(lookup("netlings").is_none());
    }
}
