//! netlings: learn container networking by running it.
#![recursion_limit = "256"]

mod applets;
mod bench;
mod cli;
mod dns;
mod engine;
mod expose;
mod images;
mod inspect;
mod lab;
mod lesson;
mod links;
mod ports;
mod proxy;
mod rootfs;
mod sys;

/// A program built into this binary (image program or applet), by the
/// basename it is invoked as.
pub fn builtin(name: &str) -> Option<fn(&[String]) -> i32> {
    images::program(name).or_else(|| applets::applet(name))
}

/// `netlings ... | head` ends as `cat | head` does, by SIGPIPE, instead of
/// a panic on the first print after head has gone (Rust ignores SIGPIPE).
/// A lab the command owned ends with it.
fn die_quietly_on_broken_pipe() {
    // SAFETY: restoring the default disposition of one signal.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let argv0 = args
        .first()
        .map(|a| a.rsplit('/').next().unwrap_or(a).to_string())
        .unwrap_or_default();
    let code = if args.get(1).map(String::as_str) == Some("__engine") {
        lab::daemon::engine_main(&args[2..])
    } else if let Some(program) = images::program(&argv0) {
        // Servers: a peer that hangs up must not kill them.
        program(&args[1..])
    } else if let Some(applet) = applets::applet(&argv0) {
        die_quietly_on_broken_pipe();
        applet(&args[1..])
    } else if argv0 == "docker" {
        die_quietly_on_broken_pipe();
        cli::main_docker(args)
    } else {
        die_quietly_on_broken_pipe();
        cli::main_netlings(args)
    };
    // Flush what print! buffered before leaving without unwinding.
    use std::io::Write;
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}
