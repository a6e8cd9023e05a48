//! The netlings executable: the CLI, a lab's engine (`__engine`), or a
//! built-in program when invoked under that program's name.

use netlings::{cli, lab, programs, sys};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let argv0 = args
        .first()
        .map(|a| a.rsplit('/').next().unwrap_or(a).to_string())
        .unwrap_or_default();
    let code = if args.get(1).map(String::as_str) == Some("__engine") {
        lab::daemon::engine_main(&args[2..])
    } else if args.get(1).map(String::as_str) == Some("__exec") {
        cli::exec::helper_main()
    } else if let Some((program, kind)) = programs::lookup(&argv0) {
        if kind == programs::Kind::Tool {
            sys::signals::die_quietly_on_broken_pipe();
        }
        program(&args[1..])
    } else if argv0 == "docker" {
        sys::signals::die_quietly_on_broken_pipe();
        cli::main_docker(args)
    } else {
        sys::signals::die_quietly_on_broken_pipe();
        cli::main_netlings(args)
    };
    // Flush what print! buffered before leaving without unwinding.
    use std::io::Write;
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}
