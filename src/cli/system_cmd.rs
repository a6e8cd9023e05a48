//! `images`, `version` and `info`: what the lab is, in the shape of
//! Docker's output, with netlings' own values (nothing a lab does not have
//! is made up: no Go version, no storage driver).

use super::lab_access::{call, daemon_error, fail};
use crate::engine::api::{Request, Response};
use crate::inspect::table;
use crate::lab::Lab;

/// `docker images`: the built-in images, a lab's only ones.
pub(super) fn images() -> i32 {
    let rows: Vec<Vec<String>> = crate::images::IMAGES
        .iter()
        .map(|i| {
            let id = i.id.strip_prefix("sha256:").unwrap_or(i.id);
            let bytes = i.size_bytes();
            vec![
                i.name.to_string(),
                "latest".into(),
                id[..12].to_string(),
                // Built into netlings: no image was ever pulled or built.
                "built in".into(),
                crate::gotext::human_size(bytes as f64),
            ]
        })
        .collect();
    print!(
        "{}",
        table::render(&["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], &rows)
    );
    0
}

pub(super) fn version(lab: &Lab) -> i32 {
    let v = env!("CARGO_PKG_VERSION");
    let arch = format!("linux/{}", go_arch());
    println!("Client: netlings");
    println!(" Version:           {v}");
    println!(" API version:       1.41");
    println!(" OS/Arch:           {arch}");
    println!(" Context:           {}", lab.name);
    println!();
    match call(lab, Request::Ping, &[]) {
        Ok(_) => {
            println!("Server: netlings engine");
            println!(" Engine:");
            println!("  Version:          {v}");
            println!("  API version:      1.41 (minimum version 1.24)");
            println!("  OS/Arch:          {arch}");
            println!("  Experimental:     false");
            0
        }
        Err(e) => fail(&daemon_error(&e)),
    }
}

pub(super) fn info(lab: &Lab) -> i32 {
    let info = match call(lab, Request::Info, &[]) {
        Ok((Response::Info(i), _)) => i,
        Ok((other, _)) => return fail(&other.unexpected().message),
        Err(e) => return fail(&daemon_error(&e)),
    };
    let uname = nix::sys::utsname::uname().ok();
    let field = |f: fn(&nix::sys::utsname::UtsName) -> &std::ffi::OsStr| {
        uname
            .as_ref()
            .map(|u| f(u).to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("Client:");
    println!(" Context:    {}", lab.name);
    println!(" Debug Mode: false");
    println!();
    println!("Server:");
    println!(" Containers: {}", info.containers);
    println!("  Running: {}", info.running);
    println!("  Paused: 0");
    println!("  Stopped: {}", info.containers - info.running);
    println!(" Images: {}", crate::images::IMAGES.len());
    println!(" Server Version: netlings {}", env!("CARGO_PKG_VERSION"));
    println!(" Plugins:");
    println!("  Network: bridge host null");
    println!(" Swarm: inactive");
    println!(" Kernel Version: {}", field(|u| u.release()));
    println!(" OSType: linux");
    println!(" Architecture: {}", field(|u| u.machine()));
    println!(" CPUs: {cpus}");
    println!(" Name: {}", lab.name);
    println!(" Networks: {}", info.networks);
    println!(" Rootless: {}", info.rootless);
    println!(" Deterministic: {}", info.deterministic);
    println!(" Debug Mode: false");
    0
}

/// GOARCH spelling of this machine's architecture.
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}
