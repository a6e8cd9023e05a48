//! Applets: commands run inside containers with stable, busybox-shaped
//! output, so lessons print the same bytes everywhere. Found by argv[0].

pub mod ip;
pub mod net;

use std::io::Write;

pub const APPLETS: &[(&str, fn(&[String]) -> i32)] = &[
    ("ip", ip::main),
    ("hostname", hostname),
    ("cat", cat),
    ("env", env),
    ("wget", net::wget),
    ("nc", net::nc),
];

pub fn applet(name: &str) -> Option<fn(&[String]) -> i32> {
    APPLETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

fn hostname(_args: &[String]) -> i32 {
    match nix::unistd::gethostname() {
        Ok(h) => {
            println!("{}", h.to_string_lossy());
            0
        }
        Err(e) => {
            eprintln!("hostname: {e}");
            1
        }
    }
}

fn cat(args: &[String]) -> i32 {
    let mut out = std::io::stdout().lock();
    let mut code = 0;
    let files: Vec<&str> = if args.is_empty() {
        vec!["-"]
    } else {
        args.iter().map(|s| s.as_str()).collect()
    };
    for f in files {
        let data = if f == "-" {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map(|_| buf)
        } else {
            std::fs::read(f)
        };
        match data {
            Ok(d) => {
                let _ = out.write_all(&d);
            }
            Err(e) => {
                eprintln!("cat: can't open '{f}': {}", busybox_error(&e));
                code = 1;
            }
        }
    }
    code
}

fn env(args: &[String]) -> i32 {
    if !args.is_empty() {
        eprintln!("env: netlings' env applet only prints the environment");
        return 1;
    }
    for (k, v) in std::env::vars_os() {
        println!("{}={}", k.to_string_lossy(), v.to_string_lossy());
    }
    0
}

/// busybox prints errno text without Rust's " (os error N)" suffix.
pub fn busybox_error(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
