//! Signal dispositions of built-in programs and of the CLI.

/// Lets a built-in server that runs as PID 1 stop on SIGTERM: PID 1 ignores
/// signals it has no handler for, and `docker stop` would then wait 10 s.
pub fn exit_on_sigterm() {
    extern "C" fn on_term(_: libc::c_int) {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(0) }
    }
    // SAFETY: installing a handler that only calls _exit.
    unsafe {
        libc::signal(libc::SIGTERM, on_term as *const () as libc::sighandler_t);
        libc::signal(libc::SIGINT, on_term as *const () as libc::sighandler_t);
    }
}

/// `netlings ... | head` ends as `cat | head` does, by SIGPIPE, instead of
/// a panic on the first print after head has gone (Rust ignores SIGPIPE).
/// A lab the command owned ends with it.
pub fn die_quietly_on_broken_pipe() {
    // SAFETY: SIG_DFL installs no handler of ours.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
}
