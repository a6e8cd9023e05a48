//! `netlings capture`: packets read in a lab's namespaces, printed in
//! tcpdump's shape with the lab's names, or written as pcapng that tshark
//! reads with the lab's interface names; root and rootless.

mod common;
use common::TestLab;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};

const FLAPPY: &str = "quay.io/purplebooth/flappy-endpoint";

/// A capture running in the background, read once it has stopped.
struct Running {
    child: Child,
    err: BufReader<std::process::ChildStderr>,
    listening: String,
}

fn start(lab: &TestLab, args: &[&str]) -> Running {
    let mut cmd = lab.std_cmd(&[&["capture"], args].concat());
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut listening = String::new();
    err.read_line(&mut listening).unwrap();
    assert!(listening.starts_with("listening on "), "{listening}");
    Running {
        child,
        err,
        listening,
    }
}

impl Running {
    /// Ctrl-C, then (stdout, stderr after the first line, exit code).
    fn interrupt(self) -> (String, String, i32) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
        self.finish()
    }

    fn finish(mut self) -> (String, String, i32) {
        let mut out = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        let mut err = String::new();
        self.err.read_to_string(&mut err).unwrap();
        let code = self.child.wait().unwrap().code().unwrap_or(-1);
        (out, err, code)
    }
}

fn two_containers(lab: &TestLab) {
    lab.ok(&["network", "create", "n"]);
    for name in ["client", "server"] {
        lab.ok(&["run", "-d", "--name", name, "--network", "n", FLAPPY]);
    }
}

/// `out` is two lines, containing `first` and `second`.
fn two_lines(out: &str, first: &str, second: &str) {
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].contains(first), "{out}");
    assert!(lines[1].contains(second), "{out}");
}

/// `out` is exactly one IPv4 echo, captured on server:eth0.
fn one_ping_at_the_server(out: &str) {
    two_lines(
        out,
        "server:eth0 In  IP client > server: ICMP echo request",
        "server:eth0 Out IP server > client: ICMP echo reply",
    );
}

/// The line of `out` on `iface` that contains every part of `parts`.
fn has(out: &str, iface_dir: &str, parts: &[&str]) -> bool {
    out.lines().any(|l| {
        l.split_once(' ').is_some_and(|(_, rest)| {
            rest.starts_with(iface_dir) && parts.iter().all(|p| l.contains(p))
        })
    })
}

#[test]
fn a_ping_and_a_wget_between_two_containers_in_tcpdumps_shape() {
    let lab = TestLab::start("cap-lines");
    two_containers(&lab);
    let cap = start(&lab, &["all", "--filter", "icmp or port 80 or port 53"]);
    assert!(cap.listening.contains("client:eth0") && cap.listening.contains("server:lo"));
    lab.ok(&["exec", "client", "ping", "-c", "1", "server"]);
    lab.ok(&["exec", "client", "wget", "-q", "-O-", "http://server/"]);
    let (out, err, code) = cap.interrupt();
    assert_eq!(code, 0, "{err}");
    // The name, asked of the embedded DNS server on a's loopback.
    assert!(
        has(
            &out,
            "client:lo In  ",
            &["> 127.0.0.11.53: DNS A? server ("]
        ),
        "{out}"
    );
    assert!(
        has(
            &out,
            "client:lo In  ",
            &["127.0.0.11.53 > ", ": DNS A server 172.18.0.3 ("]
        ),
        "{out}"
    );
    // The ping, leaving a and arriving at b, and its reply.
    assert!(
        has(
            &out,
            "client:eth0 Out ",
            &["IP client > server: ICMP echo request, id ", "length 64"]
        ),
        "{out}"
    );
    assert!(
        has(
            &out,
            "server:eth0 In  ",
            &["IP client > server: ICMP echo request"]
        ),
        "{out}"
    );
    assert!(
        has(
            &out,
            "server:eth0 Out ",
            &["IP server > client: ICMP echo reply"]
        ),
        "{out}"
    );
    // The request crossing the lab host: out of a's veth into the bridge.
    assert!(
        out.lines().any(
            |l| l.contains(" veth") && l.contains(" In  IP client > server: ICMP echo request")
        ),
        "{out}"
    );
    // The connection: SYN, SYN-ACK, and the request's bytes.
    assert!(
        has(
            &out,
            "server:eth0 In  ",
            &["IP client.", " > server.80: Flags [S], seq "]
        ),
        "{out}"
    );
    assert!(
        has(
            &out,
            "server:eth0 Out ",
            &["IP server.80 > client.", ": Flags [S.], seq ", ", ack "]
        ),
        "{out}"
    );
    assert!(
        has(&out, "client:eth0 Out ", &["> server.80: Flags [P.]"]),
        "{out}"
    );
    // Nothing the filter excludes (the ARP exchange before the ping).
    assert!(!out.contains("ARP"), "{out}");
    // Time order, and the count at the end.
    let times: Vec<&str> = out.lines().map(|l| &l[..15]).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{out}");
    let n = out.lines().count();
    assert!(err.contains(&format!("{n} packets captured\n")), "{err}");
    assert!(err.contains("0 packets dropped by kernel"), "{err}");
}

#[test]
fn count_stops_it_and_a_container_target_is_its_interfaces() {
    let lab = TestLab::start("cap-count");
    two_containers(&lab);
    let cap = start(&lab, &["server:eth0", "-c", "2", "--filter", "icmp"]);
    assert!(
        cap.listening.starts_with("listening on server:eth0 (lab "),
        "{}",
        cap.listening
    );
    lab.ok(&["exec", "client", "ping", "-c", "3", "-i", "0.2", "server"]);
    let (out, err, code) = cap.finish();
    assert_eq!(code, 0, "{err}");
    one_ping_at_the_server(&out);
    assert!(
        err.ends_with("2 packets captured\n0 packets dropped by kernel\n"),
        "{err}"
    );
    let cap = start(&lab, &["server", "-c", "1"]);
    assert!(
        cap.listening
            .starts_with("listening on server:lo, server:eth0 (lab "),
        "{}",
        cap.listening
    );
    lab.ok(&["exec", "client", "ping", "-c", "1", "server"]);
    cap.finish();
}

#[test]
fn pcapng_that_tshark_reads_with_the_labs_interface_names() {
    let lab = TestLab::start("cap-pcapng");
    two_containers(&lab);
    let file = lab.state_dir.with_extension("pcapng");
    let cap = start(
        &lab,
        &[
            "all",
            "-w",
            file.to_str().unwrap(),
            "--filter",
            "icmp",
            "-s",
            "64",
        ],
    );
    lab.ok(&["exec", "client", "ping", "-c", "1", "server"]);
    let (out, err, code) = cap.interrupt();
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "", "-w prints no packets");
    let tshark = std::process::Command::new("tshark")
        .args(["-r", file.to_str().unwrap(), "-T", "fields"])
        .args([
            "-e",
            "frame.interface_name",
            "-e",
            "ip.src",
            "-e",
            "ip.dst",
            "-e",
            "icmp.type",
        ])
        .output()
        .expect("tshark is installed (.ci/run installs it)");
    // Cut at 64 bytes, with the length on the wire kept: 14 + 20 + 64.
    let lengths = std::process::Command::new("tshark")
        .args(["-r", file.to_str().unwrap(), "-T", "fields"])
        .args(["-e", "frame.len", "-e", "frame.cap_len"])
        .output()
        .unwrap();
    let lengths = String::from_utf8_lossy(&lengths.stdout).into_owned();
    assert!(
        !lengths.is_empty() && lengths.lines().all(|l| l == "98\t64"),
        "{lengths}"
    );
    let _ = std::fs::remove_file(&file);
    assert!(
        tshark.status.success(),
        "{}",
        String::from_utf8_lossy(&tshark.stderr)
    );
    let rows = String::from_utf8_lossy(&tshark.stdout).into_owned();
    let (a, b) = ("172.18.0.2", "172.18.0.3");
    // The request on a's eth0, its host-side veth, and b's eth0; the reply back.
    for want in [
        format!("client:eth0\t{a}\t{b}\t8"),
        format!("server:eth0\t{a}\t{b}\t8"),
        format!("server:eth0\t{b}\t{a}\t0"),
        format!("client:eth0\t{b}\t{a}\t0"),
    ] {
        assert!(rows.lines().any(|r| r == want), "no {want:?} in:\n{rows}");
    }
    assert!(
        rows.lines()
            .any(|r| r.starts_with("veth") && r.ends_with(&format!("{a}\t{b}\t8"))),
        "{rows}"
    );
    assert_eq!(
        rows.lines().count(),
        8,
        "a request and a reply on 4 interfaces each:\n{rows}"
    );
    let n = rows.lines().count();
    assert!(err.contains(&format!("{n} packets captured")), "{err}");
}

#[test]
fn bad_targets_and_filters_get_one_line_and_leave_no_file() {
    let lab = TestLab::start("cap-bad");
    lab.ok(&["run", "-d", "--name", "web", FLAPPY]);
    let (code, out, err) = lab.run(&["capture", "nope"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(
        err.starts_with("no interface or container nope in the lab; try one of: lo, docker0, veth"),
        "{err}"
    );
    assert!(err.ends_with(", web:lo, web:eth0, all\n"), "{err}");
    assert_eq!(err.lines().count(), 1);
    let file = lab.state_dir.with_extension("bad.pcapng");
    let (code, _, err) = lab.run(&[
        "capture",
        "all",
        "-w",
        file.to_str().unwrap(),
        "--filter",
        "tcp and",
    ]);
    assert_eq!(
        (code, err.as_str()),
        (1, "capture: the filter ends where a term was expected\n")
    );
    assert!(!file.exists());
    let (code, _, err) = lab.run(&["capture", "all", "--filter", "host nobody"]);
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "capture: host nobody: not an address, nor a running container of the lab\n"
        )
    );
}

#[test]
fn rootless_capture_works_the_same() {
    let lab = TestLab::start_rootless("cap-rootless");
    two_containers(&lab);
    let cap = start(
        &lab,
        &["all", "-c", "2", "--filter", "icmp and host server"],
    );
    lab.ok(&["exec", "client", "ping", "-c", "1", "server"]);
    let (out, err, code) = cap.finish();
    assert_eq!(code, 0, "{err}");
    two_lines(
        &out,
        "client:eth0 Out IP client > server: ICMP echo request",
        " In  IP client > server: ICMP echo request",
    );
}

/// A container started while `capture all` runs: its interfaces and its
/// veth are opened as they appear, and its address is named.
fn a_container_started_meanwhile_is_seen(lab: &TestLab) {
    two_containers(lab);
    // Two pings' 16 frames on 4 interfaces; 8 are enough even if the
    // first request came before the new container's own eth0 was open.
    let cap = start(lab, &["all", "-c", "8", "--filter", "icmp"]);
    assert!(!cap.listening.contains("late:"), "{}", cap.listening);
    lab.ok(&["run", "-d", "--name", "late", "--network", "n", FLAPPY]);
    lab.ok(&["exec", "late", "ping", "-c", "2", "-i", "0.2", "server"]);
    let (out, err, code) = cap.finish();
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 8, "{out}");
    assert!(
        has(
            &out,
            "late:eth0 Out ",
            &["IP late > server: ICMP echo request"]
        ),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains(" veth") && l.contains(" In  IP late > server: ICMP echo request")),
        "{out}"
    );
    assert!(
        has(
            &out,
            "server:eth0 In  ",
            &["IP late > server: ICMP echo request"]
        ),
        "{out}"
    );
}

#[test]
fn a_container_started_during_capture_all_is_captured() {
    a_container_started_meanwhile_is_seen(&TestLab::start("cap-late"));
}

#[test]
fn rootless_a_container_started_during_capture_all_is_captured() {
    a_container_started_meanwhile_is_seen(&TestLab::start_rootless("cap-late-rl"));
}

#[test]
fn interfaces_that_appear_are_described_in_the_pcapng_as_they_come() {
    let lab = TestLab::start("cap-late-pcapng");
    two_containers(&lab);
    let file = lab.state_dir.with_extension("late.pcapng");
    let cap = start(
        &lab,
        &["all", "-w", file.to_str().unwrap(), "--filter", "icmp"],
    );
    lab.ok(&["exec", "client", "ping", "-c", "1", "server"]);
    lab.ok(&["run", "-d", "--name", "late", "--network", "n", FLAPPY]);
    // Two, in case the first came before late's eth0 was open.
    lab.ok(&["exec", "late", "ping", "-c", "2", "-i", "0.2", "server"]);
    let (_, err, code) = cap.interrupt();
    assert_eq!(code, 0, "{err}");
    let tshark = std::process::Command::new("tshark")
        .args(["-r", file.to_str().unwrap(), "-T", "fields"])
        .args([
            "-e",
            "frame.interface_name",
            "-e",
            "ip.src",
            "-e",
            "icmp.type",
        ])
        .output()
        .expect("tshark is installed (.ci/run installs it)");
    let _ = std::fs::remove_file(&file);
    assert!(
        tshark.status.success(),
        "{}",
        String::from_utf8_lossy(&tshark.stderr)
    );
    let rows = String::from_utf8_lossy(&tshark.stdout).into_owned();
    let (client, server, late) = ("172.18.0.2", "172.18.0.3", "172.18.0.4");
    // Packets before and after the new interfaces' descriptions.
    for want in [
        format!("client:eth0\t{client}\t8"),
        format!("late:eth0\t{late}\t8"),
        format!("late:eth0\t{server}\t0"),
    ] {
        assert!(rows.lines().any(|r| r == want), "no {want:?} in:\n{rows}");
    }
    // Every packet is on an interface described before it: tshark names
    // each (an undescribed one would be an error above, or unnamed).
    let names: Vec<&str> = rows
        .lines()
        .map(|r| r.split('\t').next().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| {
            ["client:eth0", "server:eth0", "late:eth0"].contains(n) || n.starts_with("veth")
        }),
        "{rows}"
    );
    // client's ping on 4 interfaces, late's two on 4 (3 for the first if
    // it beat late's eth0).
    assert!(names.len() >= 8 + 6 + 8, "{rows}");
}

/// `icmp` and `icmp6` as tcpdump reads them: IPv4's ICMP only, and every
/// ICMPv6 message (echoes, neighbour discovery) only.
#[test]
fn icmp_is_ipv4s_and_icmp6_is_ipv6s() {
    let lab = TestLab::start("cap-icmp6");
    lab.ok(&[
        "network",
        "create",
        "--ipv6",
        "--subnet",
        "fd00:66::/64",
        "n6",
    ]);
    for name in ["client", "server"] {
        lab.ok(&["run", "-d", "--name", name, "--network", "n6", FLAPPY]);
    }
    // The client's global address: new interfaces' own chatter (duplicate
    // address detection, multicast reports) comes from others.
    let v6 = lab.endpoint("client", "GlobalIPv6Address");
    let filter = format!("icmp6 and host {v6}");
    let cap = start(&lab, &["server:eth0", "-c", "6", "--filter", &filter]);
    lab.ok(&["exec", "client", "ping", "-4", "-c", "1", "server"]);
    lab.ok(&[
        "exec", "client", "ping", "-6", "-c", "3", "-i", "0.2", "server",
    ]);
    let (out, err, code) = cap.finish();
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 6, "{out}");
    assert!(
        out.lines()
            .all(|l| l.contains(" IP6 ") && l.contains("ICMP6")),
        "{out}"
    );
    assert!(
        out.contains("IP6 client > server: ICMP6, echo request, id "),
        "{out}"
    );
    let cap = start(&lab, &["server:eth0", "-c", "2", "--filter", "icmp"]);
    lab.ok(&["exec", "client", "ping", "-6", "-c", "1", "server"]);
    lab.ok(&["exec", "client", "ping", "-4", "-c", "1", "server"]);
    let (out, err, code) = cap.finish();
    assert_eq!(code, 0, "{err}");
    one_ping_at_the_server(&out);
}
