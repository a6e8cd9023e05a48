//! `--cap-add`, `--cap-drop` and `--sysctl`: a container as a router
//! between two networks, as the networking tutorials build one. Each
//! expectation was first seen on Docker 20.10.24 (docker.io
//! 20.10.24+dfsg1) with the same commands, a busybox container standing in
//! for flappy.

mod common;
use common::TestLab;

const FLAPPY: &str = "quay.io/purplebooth/flappy-endpoint";

fn cap_eff(lab: &TestLab, args: &[&str]) -> String {
    let mut all = vec!["run", "--rm"];
    all.extend_from_slice(args);
    all.extend_from_slice(&[FLAPPY, "grep", "CapEff", "/proc/self/status"]);
    lab.ok(&all)
}

/// (exit code, stderr) of a command that must fail, with no container
/// left behind by it.
fn refused(lab: &TestLab, args: &[&str]) -> (i32, String) {
    let before = lab.ok(&["ps", "-aq"]);
    let (code, out, err) = lab.run(args);
    assert_ne!(code, 0, "{args:?} succeeded: {out}");
    assert_eq!(lab.ok(&["ps", "-aq"]), before, "{args:?} left a container");
    (code, err)
}

#[test]
fn capability_sets_as_docker_makes_them() {
    let lab = TestLab::start("caps-sets");
    // Docker 20.10.24: CapEff for the same flags.
    assert_eq!(cap_eff(&lab, &[]), "CapEff:\t00000000a80425fb\n");
    assert_eq!(
        cap_eff(&lab, &["--cap-add", "NET_ADMIN"]),
        "CapEff:\t00000000a80435fb\n"
    );
    assert_eq!(
        cap_eff(&lab, &["--cap-drop", "NET_RAW"]),
        "CapEff:\t00000000a80405fb\n"
    );
    assert_eq!(
        cap_eff(&lab, &["--cap-drop", "ALL", "--cap-add", "NET_RAW"]),
        "CapEff:\t0000000000002000\n"
    );
    // Added and dropped: added.
    assert_eq!(
        cap_eff(&lab, &["--cap-add", "net_admin", "--cap-drop", "NET_ADMIN"]),
        "CapEff:\t00000000a80435fb\n"
    );
    // exec gets the container's set, as on Docker.
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "rt",
        "--cap-add",
        "NET_ADMIN",
        FLAPPY,
        "sleep",
        "300",
    ]);
    assert_eq!(
        lab.ok(&["exec", "rt", "grep", "CapEff", "/proc/self/status"]),
        "CapEff:\t00000000a80435fb\n"
    );
    // inspect keeps the flags as typed; Sysctls comes after ShmSize, only
    // when given.
    lab.ok(&[
        "create",
        "--name",
        "made",
        "--cap-add",
        "NET_ADMIN",
        "--cap-drop",
        "chown",
        "--sysctl",
        "net.ipv4.ip_forward=1",
        FLAPPY,
    ]);
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}} {{json .HostConfig.Sysctls}}",
            "made"
        ]),
        "[\"NET_ADMIN\"] [\"chown\"] {\"net.ipv4.ip_forward\":\"1\"}\n"
    );
    let doc = lab.ok(&["inspect", "made"]);
    let shm = doc.find("\"ShmSize\": 67108864,\n").expect("ShmSize");
    assert!(doc[shm..].contains("\"ShmSize\": 67108864,\n            \"Sysctls\": {\n                \"net.ipv4.ip_forward\": \"1\"\n            },\n            \"Runtime\": \"runc\""), "{doc}");
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{json .HostConfig.CapAdd}}", "rt"]),
        "[\"NET_ADMIN\"]\n"
    );
    let plain = lab.ok(&["create", FLAPPY]);
    let plain = plain.trim();
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{json .HostConfig.CapAdd}} {{json .HostConfig.Sysctls}} {{.HostConfig.Sysctls}}",
            plain
        ]),
        "null null map[]\n"
    );
}

#[test]
fn bad_capabilities_and_sysctls_in_dockers_words() {
    let lab = TestLab::start("caps-bad");
    let see = "See 'netlings run --help'.\n";
    assert_eq!(
        refused(&lab, &["run", "--cap-add", "FOO", FLAPPY, "true"]),
        (
            125,
            format!("netlings: Error response from daemon: invalid CapAdd: unknown capability: \"CAP_FOO\".\n{see}")
        )
    );
    assert_eq!(
        refused(&lab, &["create", "--cap-drop", "foo", FLAPPY]),
        (
            1,
            "Error response from daemon: invalid CapDrop: unknown capability: \"CAP_FOO\"\n".into()
        )
    );
    // Newer than Docker 20.10's list: unknown there too.
    let (code, err) = refused(&lab, &["run", "--cap-add", "BPF", FLAPPY, "true"]);
    assert_eq!(code, 125);
    assert!(err.contains("unknown capability: \"CAP_BPF\""), "{err}");
    // Not Docker's: what would reach past the lab.
    for cap in ["SYS_ADMIN", "sys_module", "ALL"] {
        let (code, err) = refused(&lab, &["run", "--rm", "--cap-add", cap, FLAPPY, "true"]);
        assert_eq!(code, 125);
        assert!(
            err.contains("outside netlings' scope: beyond Docker's default set a lab's containers may gain only CAP_NET_ADMIN and CAP_NET_BROADCAST"),
            "{err}"
        );
    }
    // The client's check of --sysctl, unprefixed.
    assert_eq!(
        refused(&lab, &["run", "--sysctl", "kernel.foo=1", FLAPPY, "true"]),
        (
            125,
            format!("invalid argument \"kernel.foo=1\" for \"--sysctl\" flag: sysctl 'kernel.foo=1' is not whitelisted\n{see}")
        )
    );
    assert_eq!(
        refused(&lab, &["run", "--sysctl", "net.ipv4.ip_forward", FLAPPY, "true"]),
        (
            125,
            format!("invalid argument \"net.ipv4.ip_forward\" for \"--sysctl\" flag: sysctl 'net.ipv4.ip_forward' is not whitelisted\n{see}")
        )
    );
    // Docker's whitelisted IPC sysctls would change the machine's here.
    let (code, err) = refused(
        &lab,
        &["run", "--sysctl", "kernel.shmmax=1", FLAPPY, "true"],
    );
    assert_eq!(code, 125);
    assert!(
        err.contains("--sysctl kernel.shmmax: outside netlings' scope"),
        "{err}"
    );
    // runc's refusals at start, with --rm: nothing is left.
    let oci = "netlings: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed:";
    assert_eq!(
        refused(&lab, &["run", "--rm", "--net", "host", "--sysctl", "net.ipv4.ip_forward=1", FLAPPY, "true"]),
        (
            125,
            format!("{oci} sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace: unknown.\n")
        )
    );
    assert_eq!(
        refused(&lab, &["run", "--rm", "--sysctl", "net.ipv4.nonexist=1", FLAPPY, "true"]),
        (
            127,
            format!("{oci} unable to start container process: error during container init: open /proc/sys/net/ipv4/nonexist: no such file or directory: unknown.\n")
        )
    );
    assert_eq!(
        refused(&lab, &["run", "--rm", "--sysctl", "net.ipv4.ip_forward=abc", FLAPPY, "true"]),
        (
            125,
            format!("{oci} unable to start container process: error during container init: write /proc/sys/net/ipv4/ip_forward: invalid argument: unknown.\n")
        )
    );
    // Docker's other run flags: named as outside the lab's scope.
    let (code, err) = refused(&lab, &["run", "-v", "/etc:/x", FLAPPY, "true"]);
    assert_eq!(code, 125);
    assert!(
        err.starts_with("netlings: --volume is a docker run flag outside netlings' scope"),
        "{err}"
    );
    let (code, err) = refused(&lab, &["run", "--privileged", FLAPPY, "true"]);
    assert_eq!(code, 125);
    assert!(
        err.starts_with("netlings: --privileged is a docker run flag outside netlings' scope"),
        "{err}"
    );
}

/// A router container between two networks: A and B reach each other
/// through it (ttl 63 on Docker), and only once it forwards.
fn a_container_routes_between_networks(lab: &TestLab) {
    lab.ok(&["network", "create", "--subnet", "10.71.0.0/24", "rn1"]);
    lab.ok(&["network", "create", "--subnet", "10.72.0.0/24", "rn2"]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "router",
        "--net",
        "rn1",
        "--ip",
        "10.71.0.10",
        "--cap-add",
        "NET_ADMIN",
        "--sysctl",
        "net.ipv4.ip_forward=1",
        FLAPPY,
        "sleep",
        "300",
    ]);
    lab.ok(&["network", "connect", "--ip", "10.72.0.10", "rn2", "router"]);
    for (name, net) in [("hosta", "rn1"), ("hostb", "rn2")] {
        lab.ok(&[
            "run",
            "-d",
            "--name",
            name,
            "--net",
            net,
            "--cap-add",
            "NET_ADMIN",
            FLAPPY,
            "sleep",
            "300",
        ]);
    }
    // Without NET_ADMIN a route cannot be added (Docker's busybox: "ip:
    // RTNETLINK answers: Operation not permitted", exit 2).
    lab.ok(&[
        "run", "-d", "--name", "plain", "--net", "rn1", FLAPPY, "sleep", "300",
    ]);
    let (code, _, err) = lab.run(&[
        "exec",
        "plain",
        "/usr/sbin/ip",
        "route",
        "add",
        "10.72.0.0/24",
        "via",
        "10.71.0.10",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("RTNETLINK answers: Operation not permitted"),
        "{err}"
    );
    lab.ok(&[
        "exec",
        "hosta",
        "/usr/sbin/ip",
        "route",
        "add",
        "10.72.0.0/24",
        "via",
        "10.71.0.10",
    ]);
    lab.ok(&[
        "exec",
        "hostb",
        "/usr/sbin/ip",
        "route",
        "add",
        "10.71.0.0/24",
        "via",
        "10.72.0.10",
    ]);
    let out = lab.ok(&["exec", "hosta", "ping", "-c", "1", "-W", "2", "10.72.0.2"]);
    assert!(
        out.contains("64 bytes from 10.72.0.2: seq=0 ttl=63"),
        "{out}"
    );
    // The forwarding is the router's own: the lab host's stays off, and a
    // container's /proc/sys is read-only, as on Docker.
    assert_eq!(
        lab.ok(&["lab", "exec", "--", "cat", "/proc/sys/net/ipv4/ip_forward"]),
        "0\n"
    );
    let (code, _, _) = lab.run(&[
        "exec",
        "router",
        "sh",
        "-c",
        "echo 0 > /proc/sys/net/ipv4/ip_forward",
    ]);
    assert_ne!(code, 0);
    assert_eq!(
        lab.ok(&["exec", "router", "cat", "/proc/sys/net/ipv4/ip_forward"]),
        "1\n"
    );
}

#[test]
fn a_container_routes_between_networks_with_net_admin_and_ip_forward() {
    a_container_routes_between_networks(&TestLab::start("caps-router"));
}

#[test]
fn rootless_a_container_routes_between_networks() {
    a_container_routes_between_networks(&TestLab::start_rootless("caps-router-rl"));
}

/// busybox's ping needs a raw socket: without NET_RAW it prints its header,
/// then is refused, exit 1 (Docker 20.10.24, the same commands). With the
/// default set it works, and `--cap-drop ALL --cap-add NET_RAW` is enough.
#[test]
fn ping_without_net_raw_is_refused_as_busybox_is() {
    let lab = TestLab::start("caps-ping");
    for (target, v6) in [("127.0.0.1", false), ("::1", true)] {
        let mut args = vec!["run", "--rm", "--cap-drop", "NET_RAW", FLAPPY, "ping"];
        if v6 {
            args.push("-6");
        }
        args.extend_from_slice(&["-c", "1", target]);
        let (code, out, err) = lab.run(&args);
        assert_eq!(code, 1, "{out}{err}");
        assert_eq!(out, format!("PING {target} ({target}): 56 data bytes\n"));
        assert_eq!(err, "ping: permission denied (are you root?)\n");
    }
    for caps in [&[][..], &["--cap-drop", "ALL", "--cap-add", "NET_RAW"][..]] {
        let mut args = vec!["run", "--rm"];
        args.extend_from_slice(caps);
        args.extend_from_slice(&[FLAPPY, "ping", "-c", "1", "127.0.0.1"]);
        let out = lab.ok(&args);
        assert!(out.contains("1 packets received"), "{caps:?}: {out}");
    }
}
