//! Applets: commands run inside containers with stable, busybox-shaped
//! output, so lessons print the same bytes everywhere. Found by argv[0].

pub mod dns_echo;
pub mod dns_latency;
pub mod ip;
pub mod net;
pub mod nslookup;
pub mod ping;

use std::io::Write;

/// A program's entry point: argv (without argv[0]) to exit status.
pub type Main = fn(&[String]) -> i32;

pub const APPLETS: &[(&str, Main)] = &[
    ("ip", ip::main),
    ("hostname", hostname),
    ("cat", cat),
    ("env", env),
    ("id", id),
    ("wget", net::wget),
    ("nc", net::nc),
    ("nslookup", nslookup::main),
    ("ping", ping::main),
    // Used by `netlings bench` inside a container.
    ("netlings-dns-latency", dns_latency::main),
    // An external DNS server for `--dns` inside a lab.
    ("netlings-dns-echo", dns_echo::main),
];

/// The applets a container finds on its PATH (`rootfs::APPLET_DIR`): all
/// but netlings' own helpers, which run only as a command's first word.
pub fn on_path() -> Vec<&'static str> {
    APPLETS
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| !n.starts_with("netlings-"))
        .collect()
}

pub fn applet(name: &str) -> Option<fn(&[String]) -> i32> {
    APPLETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// `id` with the images' users (their /etc/passwd is not the host's).
fn id(_args: &[String]) -> i32 {
    let name = |n: u32| {
        crate::rootfs::USERS
            .iter()
            .find(|u| u.1 == n)
            .map_or(String::new(), |u| format!("({})", u.0))
    };
    let (uid, gid) = (
        nix::unistd::getuid().as_raw(),
        nix::unistd::getgid().as_raw(),
    );
    println!(
        "uid={uid}{} gid={gid}{} groups={gid}{}",
        name(uid),
        name(gid),
        name(gid)
    );
    0
}

fn hostname(args: &[String]) -> i32 {
    if args.first().is_some_and(|a| a.starts_with('-')) {
        // Options (`hostname -i`): the machine's hostname.
        return exec_host_program(
            "hostname",
            args,
            "hostname: netlings' hostname applet takes no options",
        );
    }
    if let Some(name) = args.first().filter(|a| !a.starts_with('-')) {
        // As busybox: a container lacks CAP_SYS_ADMIN, so this fails there.
        return match nix::unistd::sethostname(name) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("hostname: sethostname: {}", e.desc());
                1
            }
        };
    }
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
    if args.iter().any(|a| a.starts_with('-') && a != "-") {
        // Options (`cat -n`): the machine's cat.
        return exec_host_program("cat", args, "cat: netlings' cat applet takes no options");
    }
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
        // `env VAR=value cmd` and options: the machine's env.
        return exec_host_program(
            "env",
            args,
            "env: netlings' env applet only prints the environment",
        );
    }
    for (k, v) in std::env::vars_os() {
        println!("{}={}", k.to_string_lossy(), v.to_string_lossy());
    }
    0
}

/// Runs the machine's program `name` (the first on PATH) in place of an
/// applet that does not cover what was asked; without one, prints `usage`.
pub fn exec_host_program(name: &str, args: &[String], usage: &str) -> i32 {
    use std::os::unix::fs::MetadataExt;
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/sbin:/usr/bin:/sbin:/bin".into());
    // By inode, not by path: inside a container the applets on PATH are
    // binds of this executable, whose path the engine's mount namespace
    // named differently; skipping them by path would exec ourselves again.
    let inode = |m: std::fs::Metadata| (m.dev(), m.ino());
    let me = std::fs::metadata("/proc/self/exe").ok().map(inode);
    let found = crate::sys::process::search_paths(name, &path)
        .into_iter()
        .find(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file() && Some(inode(m)) != me));
    let Some(found) = found else {
        eprintln!("{usage}");
        return 1;
    };
    use std::os::unix::process::CommandExt;
    let err = std::process::Command::new(&found)
        .arg0(name)
        .args(args)
        .exec();
    eprintln!("{name}: {err}");
    126
}

/// busybox prints errno text without Rust's " (os error N)" suffix.
pub fn busybox_error(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
