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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let argv0 = args
        .first()
        .map(|a| a.rsplit('/').next().unwrap_or(a).to_string())
        .unwrap_or_default();
    let code = if args.get(1).map(String::as_str) == Some("__engine") {
        lab::daemon::engine_main(&args[2..])
    } else if argv0 == "docker" {
        cli::main_docker(args)
    } else if let Some(program) = builtin(&argv0) {
        program(&args[1..])
    } else {
        cli::main_netlings(args)
    };
    // Flush what print! buffered before leaving without unwinding.
    use std::io::Write;
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}
