//! `netlings bench`: measures the engine on this machine and prints medians.
//! Numbers only; nothing here is asserted by tests.

use crate::engine::api::{Request, RunSpec};
use crate::lab::{client, daemon, Lab};
use std::time::{Duration, Instant};

const FLAPPY: &str = "quay.io/purplebooth/flappy-endpoint";

pub struct Stats {
    pub median: Duration,
    pub p99: Duration,
}

pub fn stats(samples: &mut [Duration]) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        median: at(0.5),
        p99: at(0.99),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn api(lab: &Lab, req: &Request) -> Result<serde_json::Value, String> {
    match client::call(lab, req, &[])? {
        (Ok(v), _) => Ok(v),
        (Err(e), _) => Err(e.message),
    }
}

fn cli(lab: &Lab, args: &[&str]) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::process::Command::new(exe)
        .args(["--lab", &lab.name])
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn time<T>(f: impl FnOnce() -> Result<T, String>) -> Result<Duration, String> {
    let t = Instant::now();
    f()?;
    Ok(t.elapsed())
}

fn flappy_on(net: &str, name: String) -> Request {
    Request::Run {
        spec: RunSpec {
            image: FLAPPY.into(),
            name: Some(name),
            network: Some(net.into()),
            ..RunSpec::default()
        },
        attach: false,
    }
}

pub fn main(containers: usize, rounds: usize) -> i32 {
    let lab = match Lab::new(&format!("bench-{}", std::process::id())) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    if let Err(e) = daemon::start(&lab, false) {
        eprintln!("{e}");
        return 1;
    }
    let result = run_all(&lab, containers, rounds);
    let _ = daemon::stop(&lab);
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("bench failed: {e}");
            1
        }
    }
}

fn run_all(lab: &Lab, containers: usize, rounds: usize) -> Result<(), String> {
    println!("netlings bench: {rounds} rounds each, {containers} containers for the fill test");
    println!("{:<58} {:>10} {:>10}", "what", "median", "p99");
    let row = |what: &str, mut s: Vec<Duration>| {
        let st = stats(&mut s);
        println!("{what:<58} {:>10} {:>10}", ms(st.median), ms(st.p99));
        st
    };

    let create = |name: &str| Request::NetworkCreate {
        name: name.into(),
        driver: None,
        subnet: None,
        gateway: None,
    };
    let mut s = Vec::new();
    for _ in 0..rounds {
        s.push(time(|| {
            api(lab, &create("bench-net"))?;
            api(
                lab,
                &Request::NetworkRm {
                    name: "bench-net".into(),
                },
            )
        })?);
    }
    row("network create + rm (engine API)", s);
    let mut s = Vec::new();
    for _ in 0..rounds.min(30) {
        s.push(time(|| {
            cli(lab, &["network", "create", "bench-net"])?;
            cli(lab, &["network", "rm", "bench-net"])
        })?);
    }
    row("network create + rm (CLI, two processes)", s);

    api(lab, &create("tnet"))?;
    let mut s = Vec::new();
    for i in 0..rounds {
        let name = format!("run-{i}");
        s.push(time(|| api(lab, &flappy_on("tnet", name.clone())))?);
        api(
            lab,
            &Request::Rm {
                container: name,
                force: true,
            },
        )?;
    }
    row("run -d flappy on a user network (engine API)", s);
    let mut s = Vec::new();
    for i in 0..rounds.min(30) {
        let name = format!("cli-{i}");
        s.push(time(|| {
            cli(
                lab,
                &["run", "-d", "--net", "tnet", "--name", &name, FLAPPY],
            )
        })?);
        api(
            lab,
            &Request::Rm {
                container: name,
                force: true,
            },
        )?;
    }
    row("run -d flappy on a user network (CLI)", s);

    api(lab, &create("fill"))?;
    let mut each = Vec::with_capacity(containers);
    let wall = Instant::now();
    for i in 0..containers {
        each.push(time(|| api(lab, &flappy_on("fill", format!("fill-{i}"))))?);
    }
    let wall = wall.elapsed();
    let n = containers.min(10);
    let first = stats(&mut each[..n].to_vec()).median;
    let last = stats(&mut each[containers - n..].to_vec()).median;
    println!(
        "{containers} containers on one network: total {:.2} s; median of first {n} {}, of last {n} {}, last/first {:.2}",
        wall.as_secs_f64(),
        ms(first),
        ms(last),
        last.as_secs_f64() / first.as_secs_f64()
    );

    let mut s = Vec::new();
    for _ in 0..rounds {
        s.push(time(|| {
            api(
                lab,
                &Request::Inspect {
                    name: "fill".into(),
                    kind: Some("network".into()),
                },
            )
        })?);
    }
    row(
        &format!("network inspect with {containers} containers (engine API)"),
        s,
    );
    let mut s = Vec::new();
    for _ in 0..rounds.min(30) {
        s.push(time(|| cli(lab, &["network", "inspect", "fill"]))?);
    }
    row(
        &format!("network inspect with {containers} containers (CLI)"),
        s,
    );
    Ok(())
}
