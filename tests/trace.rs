//! `netlings trace -- COMMAND`: a command's flows, hop by hop, in a real
//! lab: an allowed path (DNS, then the connection across a bridge), a
//! blocked one (another network's container), and a published port (the
//! lab host's socket, then the proxy's own connection from the gateway).

mod common;
use common::TestLab;

const FLAPPY: &str = "quay.io/purplebooth/flappy-endpoint";

/// flappy alone on `priv` (port 8080 published), gate on both networks,
/// client on `pub` only.
fn gateway_lab(tag: &str) -> TestLab {
    set_up_gateway(TestLab::start(tag))
}

fn set_up_gateway(lab: TestLab) -> TestLab {
    lab.ok(&["network", "create", "pub"]);
    lab.ok(&["network", "create", "priv"]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "flappy",
        "--network",
        "priv",
        "-p",
        "8080:80",
        FLAPPY,
    ]);
    lab.ok(&["run", "-d", "--name", "gate", "--network", "pub", FLAPPY]);
    lab.ok(&["network", "connect", "priv", "gate"]);
    lab.ok(&["run", "-d", "--name", "client", "--network", "pub", FLAPPY]);
    lab
}

/// The trace part of the output, and the hop line starting with `what`.
fn trace_of(out: &str) -> &str {
    let at = out.find("── trace of `").expect("a trace");
    assert!(
        out[..at].ends_with('\n'),
        "a trace starts on a line of its own:\n{out}"
    );
    &out[at..]
}

fn hops<'a>(trace: &'a str, what: &str) -> Vec<&'a str> {
    trace
        .lines()
        .find_map(|l| l.strip_prefix(&format!("   {what:<9} ")))
        .unwrap_or_else(|| panic!("no {what} in:\n{trace}"))
        .split(" > ")
        .collect()
}

#[test]
fn an_allowed_path_dns_then_the_connection_across_the_bridge() {
    let lab = gateway_lab("trace-allowed");
    let args = [
        "trace",
        "--",
        "exec",
        "gate",
        "wget",
        "-q",
        "-O-",
        "http://flappy/",
    ];
    let out = lab.ok(&args);
    assert!(
        out.starts_with("<html><body><h1>flappy-endpoint: 200 OK"),
        "{out}"
    );
    let t = trace_of(&out);
    assert!(t.starts_with("── trace of `exec gate wget -q -O- http://flappy/`\n1. DNS gate -> 127.0.0.11.53 (the embedded DNS server"), "{t}");
    assert!(
        t.contains(
            "\n   question  A? flappy: gate:lo\n   answer    A flappy 172.19.0.2: gate:lo\n"
        ),
        "{t}"
    );
    assert!(t.contains("\n2. TCP gate -> flappy.80\n"), "{t}");
    let syn = hops(t, "SYN");
    assert_eq!(syn.len(), 5, "{t}");
    assert_eq!((syn[0], syn[4]), ("gate:eth1", "flappy:eth0"), "{t}");
    assert!(
        syn[1].starts_with("veth") && syn[2].starts_with("br-") && syn[3].starts_with("veth"),
        "{t}"
    );
    let back: Vec<&str> = hops(t, "SYN-ACK").into_iter().rev().collect();
    assert_eq!(back, syn, "the reply takes the same way back");
    assert!(
        t.contains("\n   data      to flappy and back; closed with FIN\n"),
        "{t}"
    );
    // Byte-stable: the same command traces the same.
    assert_eq!(trace_of(&lab.ok(&args)), t);
    // The picture marks what flow 2 crossed: gate's eth1, the private
    // bridge, flappy's eth0; not gate's eth0 on the public network.
    let mut with_picture = vec!["trace", "--picture"];
    with_picture.extend(&args[1..]);
    let out = lab.ok(&with_picture);
    assert!(out.contains("eth1  172.19.0.3  ◀ 2"), "{out}");
    assert!(out.contains("eth0  172.19.0.2  ◀ 2"), "{out}");
    assert!(out.contains("eth0  172.18.0.2 "), "{out}");
    assert!(!out.contains("172.18.0.2  ◀"), "{out}");
    let private_bridge = syn[2];
    assert!(
        out.contains(&format!("bridge {private_bridge} ◀ 2")),
        "{out}"
    );
}

#[test]
fn a_blocked_path_stops_at_the_lab_host() {
    let lab = gateway_lab("trace-blocked");
    let (code, out, _) = lab.run(&[
        "trace",
        "--",
        "exec",
        "client",
        "wget",
        "-q",
        "-O-",
        "-T",
        "1",
        "http://172.19.0.2/",
    ]);
    assert_ne!(code, 0, "{out}");
    let t = trace_of(&out);
    assert!(t.contains("\n1. TCP client -> flappy.80\n"), "{t}");
    let syn = hops(t, "SYN");
    assert_eq!(syn[0], "client:eth0", "{t}");
    assert!(syn[2].starts_with("br-") && syn.len() == 3, "{t}");
    assert!(
        t.contains(&format!(
            "\n   stopped at {}: it reached the lab host, which forwards nothing between networks\n",
            syn[2]
        )),
        "{t}"
    );
    assert!(!t.contains("SYN-ACK"), "{t}");
}

#[test]
fn a_published_port_the_hosts_socket_then_the_proxys_connection() {
    let lab = gateway_lab("trace-published");
    let out = lab.ok(&[
        "trace",
        "--",
        "lab",
        "exec",
        "--",
        "curl",
        "-s",
        "http://127.0.0.1:8080/",
    ]);
    let t = trace_of(&out);
    assert!(
        t.contains("\n1. TCP 127.0.0.1 -> 127.0.0.1.8080\n   to the lab host's socket for published port 8080: the userland proxy accepts it and connects to flappy.80\n   SYN       lo\n   SYN-ACK   lo\n"),
        "{t}"
    );
    let proxied = t.find("\n2. TCP 172.19.0.1 -> flappy.80\n").expect(t);
    let rest = &t[proxied..];
    assert!(
        rest.contains(": flappy sees the lab host as its client\n"),
        "{t}"
    );
    assert!(
        rest.contains("the userland proxy's own connection, from br-"),
        "{t}"
    );
    let syn = hops(rest, "SYN");
    assert_eq!(syn.len(), 3, "{t}");
    assert!(
        syn[0].starts_with("br-") && syn[1].starts_with("veth") && syn[2] == "flappy:eth0",
        "{t}"
    );
}

#[test]
fn a_container_the_command_starts_is_traced_from_its_first_packet() {
    let args = [
        "trace",
        "--",
        "run",
        "--rm",
        "--name",
        "probe",
        "--network",
        "pub",
        FLAPPY,
        "wget",
        "-q",
        "-O-",
        "http://gate/",
    ];
    let lab = gateway_lab("trace-new");
    let out = lab.ok(&args);
    assert!(out.starts_with("<html><body><h1>flappy-endpoint"), "{out}");
    let t = trace_of(&out);
    // The engine holds its process until the capture has its interfaces
    // open: its DNS question on its own lo is seen, and it is named though
    // removed by the time the trace is told.
    assert!(
        t.contains("1. DNS probe -> 127.0.0.11.53 (the embedded DNS server"),
        "{t}"
    );
    assert!(t.contains(". TCP probe -> gate.80\n"), "{t}");
    let syn = hops(t, "SYN");
    assert_eq!(syn.len(), 5, "{t}");
    assert!(
        syn[0] == "probe:eth0"
            && syn[1].starts_with("veth")
            && syn[2].starts_with("br-")
            && syn[3].starts_with("veth")
            && syn[4] == "gate:eth0",
        "{t}"
    );
    let back = hops(t, "SYN-ACK");
    assert_eq!(back.first(), Some(&"gate:eth0"), "{t}");
    assert_eq!(back.last(), Some(&"probe:eth0"), "{t}");
    // Byte-stable: the same command in a lab made the same way traces the
    // same.
    drop(lab);
    let again = gateway_lab("trace-new2");
    assert_eq!(trace_of(&again.ok(&args)), t);
    drop(again);
    // Rootless: the capture's watcher asks the engine from outside the
    // lab's user namespace; the trace is the same.
    let rootless = set_up_gateway(TestLab::start_rootless("trace-new-rl"));
    assert_eq!(trace_of(&rootless.ok(&args)), t);
}
