//! IPv6 dual-stack user networks (`network create --ipv6 --subnet V6`),
//! `--ip6`, and several `--subnet`s, through the CLI and the Engine API,
//! with real traffic. Each expectation was first observed on Docker
//! 20.10.24 (docker.io 20.10.24+dfsg1, Debian 12) with the same commands,
//! a busybox container standing in for flappy where a shell was needed.

mod common;
use common::TestLab;

const FLAPPY: &str = "quay.io/purplebooth/flappy-endpoint";

/// Whether `from` gets an answer to one ping of `to`.
fn pings(lab: &TestLab, from: &str, to: &str) -> bool {
    let (code, _, _) = lab.run(&["exec", from, "ping", "-c", "1", "-W", "1", to]);
    code == 0
}

/// (exit code, stderr) of a command that must fail.
fn fails(lab: &TestLab, args: &[&str]) -> (i32, String) {
    let (code, out, err) = lab.run(args);
    assert_ne!(code, 0, "{args:?} succeeded: {out}");
    (code, err)
}

fn ipam(lab: &TestLab, net: &str) -> String {
    lab.ok(&[
        "network",
        "inspect",
        "-f",
        "{{.EnableIPv6}} {{json .IPAM.Config}}",
        net,
    ])
}

#[test]
fn network_create_takes_an_ipv6_subnet_and_refuses_as_docker_does() {
    let lab = TestLab::start("v6-create");
    // Docker 20.10.24: the IPv4 pool is allocated as usual, and listed
    // first whatever the order of --subnet; an IPv6 entry shows only the
    // keys that were given.
    lab.ok(&[
        "network",
        "create",
        "--ipv6",
        "--subnet",
        "fd00:1::/64",
        "v6n",
    ]);
    assert_eq!(
        ipam(&lab, "v6n"),
        "true [{\"Subnet\":\"172.18.0.0/16\",\"Gateway\":\"172.18.0.1\"},{\"Subnet\":\"fd00:1::/64\"}]\n"
    );
    lab.ok(&[
        "network",
        "create",
        "--ipv6",
        "--subnet",
        "fd00:3::/64",
        "--subnet",
        "10.60.0.0/24",
        "--gateway",
        "10.60.0.254",
        "v6b",
    ]);
    assert_eq!(
        ipam(&lab, "v6b"),
        "true [{\"Subnet\":\"10.60.0.0/24\",\"Gateway\":\"10.60.0.254\"},{\"Subnet\":\"fd00:3::/64\"}]\n"
    );
    lab.ok(&[
        "network",
        "create",
        "--ipv6",
        "--subnet",
        "fd00:5::/64",
        "--gateway",
        "fd00:5::fe",
        "v6d",
    ]);
    assert_eq!(
        ipam(&lab, "v6d"),
        "true [{\"Subnet\":\"172.19.0.0/16\",\"Gateway\":\"172.19.0.1\"},{\"Subnet\":\"fd00:5::/64\",\"Gateway\":\"fd00:5::fe\"}]\n"
    );
    lab.ok(&[
        "network",
        "create",
        "--ipv6",
        "--subnet",
        "fd00:9::/64",
        "--ip-range",
        "fd00:9::100/120",
        "v6h",
    ]);
    assert_eq!(
        ipam(&lab, "v6h"),
        "true [{\"Subnet\":\"172.20.0.0/16\",\"Gateway\":\"172.20.0.1\"},{\"Subnet\":\"fd00:9::/64\",\"IPRange\":\"fd00:9::100/120\"}]\n"
    );
    lab.ok(&[
        "network",
        "create",
        "--ipv6",
        "--subnet",
        "fd00:22::/64",
        "--aux-address",
        "a=fd00:22::5",
        "aux6",
    ]);
    assert_eq!(
        ipam(&lab, "aux6"),
        "true [{\"Subnet\":\"172.21.0.0/16\",\"Gateway\":\"172.21.0.1\"},{\"Subnet\":\"fd00:22::/64\",\"AuxiliaryAddresses\":{\"a\":\"fd00:22::5\"}}]\n"
    );
    // Without --ipv6 Docker keeps the IPv6 subnet, EnableIPv6 false.
    lab.ok(&["network", "create", "--subnet", "fd00:2::/64", "v6x"]);
    assert_eq!(
        ipam(&lab, "v6x"),
        "false [{\"Subnet\":\"172.22.0.0/16\",\"Gateway\":\"172.22.0.1\"},{\"Subnet\":\"fd00:2::/64\"}]\n"
    );

    // `network ls` shows EnableIPv6 (Docker: "int6 true", "bridge false").
    let ls = lab.ok(&["network", "ls", "--format", "{{.Name}} {{.IPv6}}"]);
    assert!(
        ls.contains("v6n true\n") && ls.contains("v6x false\n") && ls.contains("bridge false\n"),
        "{ls}"
    );

    // Refusals: the daemon's (exit 1, "Error response from daemon: "),
    // and the client's own (exit 1, no prefix).
    let daemon = |args: &[&str], msg: &str| {
        let mut all = vec!["network", "create"];
        all.extend_from_slice(args);
        let (code, err) = fails(&lab, &all);
        assert_eq!(code, 1, "{args:?}");
        assert_eq!(
            err,
            format!("Error response from daemon: {msg}\n"),
            "{args:?}"
        );
    };
    daemon(
        &[
            "--subnet",
            "10.50.0.0/24",
            "--subnet",
            "10.51.0.0/24",
            "multi",
        ],
        "bridge driver doesn't support multiple subnets",
    );
    daemon(
        &[
            "--ipv6",
            "--subnet",
            "fd00:20::/64",
            "--subnet",
            "fd00:21::/64",
            "multi6",
        ],
        "bridge driver doesn't support multiple subnets",
    );
    // An overlap is found before the second subnet is refused.
    daemon(
        &[
            "--ipv6",
            "--subnet",
            "fd00:1::/80",
            "--subnet",
            "10.50.0.0/24",
            "--subnet",
            "10.51.0.0/24",
            "multi3",
        ],
        "Pool overlaps with other one on this address space",
    );
    daemon(
        &["--ipv6", "v6none"],
        "could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network",
    );
    daemon(
        &[
            "--ipv6",
            "--subnet",
            "fd00:41::/64",
            "--gateway",
            "fd00:41::",
            "m7",
        ],
        "failed to allocate gateway (fd00:41::): Address already in use",
    );
    daemon(
        &["--ipv6", "--subnet", "fd00::zz/64", "bad6"],
        "Invalid subnet fd00::zz/64 : invalid CIDR address: fd00::zz/64",
    );
    daemon(
        &["--ipv6", "--subnet", "fd00:51::/129", "bad8"],
        "Invalid subnet fd00:51::/129 : invalid CIDR address: fd00:51::/129",
    );
    let client = |args: &[&str], msg: &str| {
        let mut all = vec!["network", "create"];
        all.extend_from_slice(args);
        let (code, err) = fails(&lab, &all);
        assert_eq!(code, 1, "{args:?}");
        assert_eq!(err, format!("{msg}\n"), "{args:?}");
    };
    client(
        &[
            "--ipv6",
            "--subnet",
            "fd00:6::/64",
            "--gateway",
            "fd00:7::1",
            "v6e",
        ],
        "no matching subnet for gateway fd00:7::1",
    );
    client(
        &["--subnet", "10.50.0.0/24", "--subnet", "10.50.0.0/25", "m1"],
        "multiple overlapping subnet configuration is not supported",
    );
    client(
        &[
            "--ipv6",
            "--subnet",
            "fd00:30::/64",
            "--ip-range",
            "fd00:30::/120",
            "--ip-range",
            "fd00:30::100/120",
            "m2",
        ],
        "every ip-range or gateway must have a corresponding subnet",
    );
    client(
        &["--ipv6", "--subnet", "fd00:40::/64", "--subnet", "10.70.0.0/24", "--gateway", "fd00:40::1", "--gateway", "fd00:40::2", "m6"],
        "cannot configure multiple gateways (fd00:40::2, fd00:40::1) for the same subnet (fd00:40::/64)",
    );
    client(
        &[
            "--ipv6",
            "--subnet",
            "fd00:50::/64",
            "--subnet",
            "fd00::zz/64",
            "bad7",
        ],
        "invalid subnet: invalid CIDR address: fd00::zz/64",
    );
    // A subnet with host bits stays as typed.
    lab.ok(&[
        "network",
        "create",
        "--ipv6",
        "--subnet",
        "fd00:42::5/64",
        "m8",
    ]);
    assert!(ipam(&lab, "m8").ends_with(",{\"Subnet\":\"fd00:42::5/64\"}]\n"));
    // Nothing half-made: the refused names do not exist.
    let names = lab.ok(&["network", "ls", "--format", "{{.Name}}"]);
    for refused in [
        "multi", "multi6", "multi3", "v6none", "v6e", "m1", "m2", "m6", "m7",
    ] {
        assert!(!names.lines().any(|n| n == refused), "{refused}: {names}");
    }
}

/// `ip -6 addr` without the link-local lines: the kernel makes those, and
/// whether they are still `tentative` depends on timing (on Docker too).
fn global_v6(lab: &TestLab, c: &str) -> String {
    let out = lab.ok(&["exec", c, "ip", "-6", "addr"]);
    let lines: Vec<&str> = out.lines().collect();
    let mut keep = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].contains("scope link") {
            i += 2;
            continue;
        }
        keep.push(lines[i]);
        i += 1;
    }
    keep.join("\n") + "\n"
}

#[test]
fn containers_on_a_dual_stack_network_as_docker_shows_them() {
    let lab = TestLab::start("v6-run");
    lab.ok(&[
        "network",
        "create",
        "--ipv6",
        "--subnet",
        "fd00:1::/64",
        "v6n",
    ]);
    let a = lab.ok(&["run", "-d", "--name", "v6c1", "--net", "v6n", FLAPPY]);
    let a = a.trim();
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "v6c2",
        "--net",
        "v6n",
        "--ip6",
        "fd00:1::99",
        FLAPPY,
    ]);

    // Docker 20.10.24, NetworkSettings.Networks.v6n of the first container.
    let ep = lab.ok(&[
        "inspect",
        "-f",
        "{{with .NetworkSettings.Networks.v6n}}{{json .IPAMConfig}} {{.IPv6Gateway}} {{.GlobalIPv6Address}} {{.GlobalIPv6PrefixLen}}{{end}}",
        "v6c1",
        "v6c2",
    ]);
    assert_eq!(
        ep,
        "null fd00:1::1 fd00:1::2 64\n{\"IPv6Address\":\"fd00:1::99\"} fd00:1::1 fd00:1::99 64\n"
    );
    // The top-level fields are the default bridge's, empty here as on Docker.
    let top = lab.ok(&[
        "inspect",
        "-f",
        "[{{.NetworkSettings.GlobalIPv6Address}}] {{.NetworkSettings.GlobalIPv6PrefixLen}} [{{.NetworkSettings.IPv6Gateway}}]",
        "v6c1",
    ]);
    assert_eq!(top, "[] 0 []\n");
    let members = lab.ok(&[
        "network",
        "inspect",
        "-f",
        "{{range .Containers}}{{.Name}} {{.IPv4Address}} {{.IPv6Address}};{{end}}",
        "v6n",
    ]);
    assert!(
        members.contains("v6c1 172.18.0.2/16 fd00:1::2/64;")
            && members.contains("v6c2 172.18.0.3/16 fd00:1::99/64;"),
        "{members}"
    );

    // /etc/hosts ends with the IPv4 then the IPv6 line of the network.
    let hosts = lab.ok(&["exec", "v6c1", "cat", "/etc/hosts"]);
    let short = &a[..12];
    assert!(
        hosts.ends_with(&format!("172.18.0.2\t{short}\nfd00:1::2\t{short}\n")),
        "{hosts}"
    );

    // busybox's `ip -6 addr` and `ip -6 route` on Docker 20.10.24, with
    // interface indexes as this lab numbers them.
    assert_eq!(
        global_v6(&lab, "v6c1"),
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qlen 1000\n    inet6 ::1/128 scope host \n       valid_lft forever preferred_lft forever\n2: eth0@if4: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 \n    inet6 fd00:1::2/64 scope global flags 02 \n       valid_lft forever preferred_lft forever\n"
    );
    assert_eq!(
        lab.ok(&["exec", "v6c1", "ip", "-6", "route"]),
        "fd00:1::/64 dev eth0  metric 256 \nfe80::/64 dev eth0  metric 256 \ndefault via fd00:1::1 dev eth0  metric 1024 \nmulticast ff00::/8 dev eth0  metric 256 \n"
    );
    // The IPv4 side is unchanged.
    assert_eq!(
        lab.ok(&["exec", "v6c1", "ip", "route"]),
        "default via 172.18.0.1 dev eth0 \n172.18.0.0/16 dev eth0 scope link  src 172.18.0.2 \n"
    );

    // Traffic over IPv6: by address, by name (glibc prefers the IPv6
    // address, as on Docker), and with -6.
    let ping = lab.ok(&["exec", "v6c1", "ping", "-c", "2", "fd00:1::99"]);
    assert!(ping.starts_with("PING fd00:1::99 (fd00:1::99): 56 data bytes\n64 bytes from fd00:1::99: seq=0 ttl=64 time="), "{ping}");
    assert!(
        ping.contains("2 packets transmitted, 2 packets received, 0% packet loss"),
        "{ping}"
    );
    let ping = lab.ok(&["exec", "v6c1", "ping", "-c", "1", "v6c2"]);
    assert!(
        ping.starts_with("PING v6c2 (fd00:1::99): 56 data bytes\n"),
        "{ping}"
    );
    let ping = lab.ok(&["exec", "v6c2", "ping", "-6", "-c", "1", "v6c1"]);
    assert!(
        ping.starts_with(
            "PING v6c1 (fd00:1::2): 56 data bytes\n64 bytes from fd00:1::2: seq=0 ttl=64"
        ),
        "{ping}"
    );
    // The gateway is the bridge's address.
    assert!(pings(&lab, "v6c1", "fd00:1::1"));

    // The embedded DNS answers AAAA from the IPv6 endpoint.
    assert_eq!(
        lab.ok(&["exec", "v6c1", "nslookup", "-type=aaaa", "v6c2"]),
        "Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\nNon-authoritative answer:\nName:\tv6c2\nAddress: fd00:1::99\n\n"
    );
    // Both: busybox prints the blocks as the replies come (either order
    // on Docker); this applet prints A first.
    assert_eq!(
        lab.ok(&["exec", "v6c1", "nslookup", "v6c2"]),
        "Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\nNon-authoritative answer:\nName:\tv6c2\nAddress: 172.18.0.3\n\nNon-authoritative answer:\nName:\tv6c2\nAddress: fd00:1::99\n\n"
    );
    // And PTR of an IPv6 address (Docker: "... name = h15b.v6n").
    assert_eq!(
        lab.ok(&["exec", "v6c1", "nslookup", "fd00:1::99"]),
        "Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\nNon-authoritative answer:\n9.9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.d.f.ip6.arpa\tname = v6c2.v6n\n\n"
    );
    // A name known without IPv6 (a network with an IPv6 subnet but no
    // --ipv6): NOERROR and no answer, as Docker's `Non-authoritative
    // answer:` with nothing under it.
    lab.ok(&["network", "create", "--subnet", "fd00:2::/64", "v6x"]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "x1",
        "--net",
        "v6x",
        "--ip6",
        "fd00:3::78",
        FLAPPY,
    ]);
    lab.ok(&["run", "-d", "--name", "x2", "--net", "v6x", FLAPPY]);
    assert_eq!(global_v6(&lab, "x1"), "\n", "no IPv6 without --ipv6");
    let (code, out, _) = lab.run(&["exec", "x2", "nslookup", "-type=aaaa", "x1"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Non-authoritative answer:\n") && !out.contains("Address: fd"),
        "{out}"
    );

    // A removed container gives its IPv6 address back.
    lab.ok(&["rm", "-f", "v6c1"]);
    lab.ok(&["run", "-d", "--name", "v6c3", "--net", "v6n", FLAPPY]);
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{.NetworkSettings.Networks.v6n.GlobalIPv6Address}}",
            "v6c3"
        ]),
        "fd00:1::2\n"
    );
}

#[test]
fn ip6_flags_follow_dockers_rules() {
    let lab = TestLab::start("v6-ip6");
    lab.ok(&[
        "network",
        "create",
        "--ipv6",
        "--subnet",
        "fd00:5::/64",
        "--gateway",
        "fd00:5::fe",
        "v6d",
    ]);
    lab.ok(&[
        "network",
        "create",
        "--ipv6",
        "--subnet",
        "fd00:3::/64",
        "--subnet",
        "10.60.0.0/24",
        "v6b",
    ]);
    lab.ok(&["network", "create", "--subnet", "10.63.0.0/24", "v4only"]);
    // Docker 20.10.24, `docker run` (exit 125) and `network connect` (exit 1).
    let run = |args: &[&str], msg: &str| {
        let mut all = vec!["run", "--rm"];
        all.extend_from_slice(args);
        all.extend_from_slice(&[FLAPPY, "true"]);
        let (code, err) = fails(&lab, &all);
        assert_eq!(code, 125, "{args:?}");
        assert!(
            err.contains(&format!("Error response from daemon: {msg}")),
            "{args:?}: {err}"
        );
    };
    run(
        &["--net", "v6d", "--ip6", "fd00:9::5"],
        "Invalid address fd00:9::5: It does not belong to any of this network's subnets.",
    );
    run(
        &["--net", "v6d", "--ip6", "fd00:5::fe"],
        "Address already in use.",
    );
    run(
        &["--net", "v6d", "--ip6", "fd00:5::"],
        "Address already in use.",
    );
    run(
        &["--net", "v6d", "--ip6", "zzz"],
        "invalid IPv6 address: zzz.",
    );
    run(
        &["--net", "v6d", "--ip6", "10.0.0.1"],
        "invalid IPv6 address: 10.0.0.1.",
    );
    run(
        &["--net", "v4only", "--ip6", "fd00::5"],
        "user specified IP address is supported only when connecting to networks with user configured subnets.",
    );
    run(
        &["--net", "bridge", "--ip6", "fd00::5"],
        "user specified IP address is supported on user defined networks only.",
    );
    // With a gateway given, the first container takes ::1.
    let out = lab.ok(&["run", "--rm", "--net", "v6d", FLAPPY, "ip", "-6", "route"]);
    assert!(
        out.contains("default via fd00:5::fe dev eth0  metric 1024 \n"),
        "{out}"
    );
    let out = lab.ok(&[
        "run", "--rm", "--net", "v6d", FLAPPY, "ip", "-o", "-6", "addr", "show", "eth0",
    ]);
    assert!(
        out.contains("inet6 fd00:5::1/64 scope global flags 02 "),
        "{out}"
    );
    // Without --network Docker drops --ip6.
    lab.ok(&["run", "--rm", "--ip6", "fd00:2::5", FLAPPY, "true"]);

    let p1 = lab.ok(&["run", "-d", "--name", "p1", FLAPPY]);
    let short = &p1.trim()[..12];
    let connect = |args: &[&str], msg: &str| {
        let mut all = vec!["network", "connect"];
        all.extend_from_slice(args);
        let (code, err) = fails(&lab, &all);
        assert_eq!(code, 1, "{args:?}");
        assert_eq!(
            err,
            format!("Error response from daemon: {msg}\n"),
            "{args:?}"
        );
    };
    connect(
        &["--ip6", "fd00:3::78", "bridge", "p1"],
        "user specified IP address is supported on user defined networks only",
    );
    connect(&["--ip6", "fd00::5", "v4only", "p1"], "user specified IP address is supported only when connecting to networks with user configured subnets");
    connect(&["--ip6", "zz", "v6b", "p1"], "Invalid IPv6 address: zz)");
    connect(
        &["--ip6", "10.0.0.1", "v6b", "p1"],
        "Invalid address 10.0.0.1: It does not belong to any of this network's subnets",
    );
    // A refused connect leaves nothing.
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{len .NetworkSettings.Networks}}", "p1"]),
        "1\n"
    );
    lab.ok(&["network", "connect", "--ip6", "fd00:3::77", "v6b", "p1"]);
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{with .NetworkSettings.Networks.v6b}}{{json .IPAMConfig}} {{.IPAddress}} {{.IPv6Gateway}} {{.GlobalIPv6Address}} {{json .DriverOpts}}{{end}}", "p1"]),
        "{\"IPv6Address\":\"fd00:3::77\"} 10.60.0.2 fd00:3::1 fd00:3::77 {}\n"
    );
    let hosts = lab.ok(&["exec", "p1", "cat", "/etc/hosts"]);
    assert!(
        hosts.ends_with(&format!(
            "172.17.0.2\t{short}\n10.60.0.2\t{short}\nfd00:3::77\t{short}\n"
        )),
        "{hosts}"
    );
    // The default bridge stays the gateway endpoint: no IPv6 default route.
    let route = lab.ok(&["exec", "p1", "ip", "-6", "route"]);
    assert!(
        route.starts_with("fd00:3::/64 dev eth1  metric 256 \n") && !route.contains("default"),
        "{route}"
    );
    // Disconnecting gives the address back and removes the line.
    lab.ok(&["network", "disconnect", "v6b", "p1"]);
    assert!(!lab
        .ok(&["exec", "p1", "cat", "/etc/hosts"])
        .contains("fd00:3::77"));
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "p2",
        "--net",
        "v6b",
        "--ip6",
        "fd00:3::77",
        FLAPPY,
    ]);
}

/// netlings isolates networks by not forwarding between bridges; a
/// network with `--ipv6` must not open a way through in IPv6 (Docker
/// 20.10.24 too: a container of v6b got no answer from one of v6n).
#[test]
fn ipv6_traffic_stays_within_its_network_and_internal_ones() {
    let lab = TestLab::start("v6-isolation");
    lab.ok(&[
        "network",
        "create",
        "--ipv6",
        "--subnet",
        "fd00:1::/64",
        "v6n",
    ]);
    lab.ok(&[
        "network",
        "create",
        "--ipv6",
        "--subnet",
        "fd00:3::/64",
        "v6b",
    ]);
    lab.ok(&[
        "network",
        "create",
        "--internal",
        "--ipv6",
        "--subnet",
        "fd00:23::/64",
        "int6",
    ]);
    lab.ok(&["run", "-d", "--name", "ca", "--net", "v6n", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "cb", "--net", "v6b", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "i1", "--net", "int6", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "i2", "--net", "int6", FLAPPY]);
    // Within a network: yes.
    assert!(pings(&lab, "i1", "fd00:23::3"));
    // Across networks, either way: no.
    assert!(!pings(&lab, "ca", "fd00:3::2"));
    assert!(!pings(&lab, "cb", "fd00:1::2"));
    assert!(!pings(&lab, "i1", "fd00:1::2"));
    assert!(!pings(&lab, "ca", "fd00:23::2"));
    // The lab host's address on another bridge answers (as on Docker).
    assert!(pings(&lab, "ca", "fd00:3::1"));
    // A container on both reaches both.
    lab.ok(&["network", "connect", "v6b", "ca"]);
    assert!(pings(&lab, "ca", "fd00:3::2"));
    // The lab host forwards no IPv6.
    assert_eq!(
        lab.ok(&[
            "lab",
            "exec",
            "--",
            "cat",
            "/proc/sys/net/ipv6/conf/all/forwarding"
        ]),
        "0\n"
    );
}

/// The genuine docker client (28.2.2) through the lab's Engine API:
/// EnableIPv6 and the IPAM config list, `--ip6`, and Docker's refusal of
/// two subnets of a family.
#[test]
fn the_engine_api_takes_ipv6_networks_and_ip6() {
    const DOCKER: &str = "/usr/local/bin/docker";
    assert!(
        std::path::Path::new(DOCKER).exists(),
        "this test needs the genuine docker client at {DOCKER}"
    );
    let lab = TestLab::start("v6-api");
    let docker = |args: &[&str]| {
        let out = std::process::Command::new(DOCKER)
            .env("DOCKER_HOST", lab.docker_host())
            .env("DOCKER_CONFIG", lab.state_dir.join("docker-config"))
            .env_remove("DOCKER_CONTEXT")
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, err) = docker(&[
        "network",
        "create",
        "--ipv6",
        "--subnet",
        "fd00:3::/64",
        "--subnet",
        "10.60.0.0/24",
        "--gateway",
        "fd00:3::fe",
        "apiv6",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        ipam(&lab, "apiv6"),
        "true [{\"Subnet\":\"10.60.0.0/24\"},{\"Subnet\":\"fd00:3::/64\",\"Gateway\":\"fd00:3::fe\"}]\n"
    );
    let (code, _, err) = docker(&[
        "run",
        "-d",
        "--name",
        "cc",
        "--network",
        "apiv6",
        "--ip6",
        "fd00:3::42",
        FLAPPY,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{with .NetworkSettings.Networks.apiv6}}{{json .IPAMConfig}} {{.GlobalIPv6Address}} {{.IPv6Gateway}}{{end}}", "cc"]),
        "{\"IPv6Address\":\"fd00:3::42\"} fd00:3::42 fd00:3::fe\n"
    );
    let (_, out, _) = docker(&[
        "network",
        "inspect",
        "-f",
        "{{.EnableIPv6}} {{range .Containers}}{{.IPv6Address}}{{end}}",
        "apiv6",
    ]);
    assert_eq!(out, "true fd00:3::42/64\n");
    let (code, _, err) = docker(&[
        "network",
        "create",
        "--subnet",
        "10.50.0.0/24",
        "--subnet",
        "10.51.0.0/24",
        "multi",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("Error response from daemon: bridge driver doesn't support multiple subnets"),
        "{err}"
    );
}

/// wget and nc to IPv6 addresses and names, the images' servers on `::`,
/// and published ports on a dual-stack network. Docker 20.10.24 with the
/// stand-in images (busybox 1.35 wget and nc; their servers listen on
/// `:::80`, `:::5000`, `:::443` in netstat).
#[test]
fn clients_servers_and_published_ports_speak_ipv6() {
    let lab = TestLab::start("v6-http");
    lab.ok(&[
        "network",
        "create",
        "--ipv6",
        "--subnet",
        "fd00:1::/64",
        "v6n",
    ]);
    lab.ok(&["run", "-d", "--name", "fl", "--net", "v6n", FLAPPY]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "--net",
        "v6n",
        "-p",
        "15000:5000",
        "training/webapp",
    ]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "term",
        "--net",
        "v6n",
        "-e",
        "UPSTREAM=fl",
        "purplebooth/nginx-ssl-terminator",
    ]);
    lab.ok(&["run", "-d", "--name", "bb", "--net", "v6n", FLAPPY]);
    let body = "<html><body><h1>flappy-endpoint: 200 OK</h1></body></html>\n";
    let wget = |url: &str| lab.run(&["exec", "bb", "wget", "-O-", url]);
    // Docker: "Connecting to [fd00:1::2] ([fd00:1::2]:80)"; by name the
    // IPv6 address comes first: "Connecting to v6b-fl ([fd00:1::2]:80)".
    let (code, out, err) = wget("http://[fd00:1::2]/");
    assert_eq!((code, out.as_str()), (0, body));
    assert!(
        err.starts_with("Connecting to [fd00:1::2] ([fd00:1::2]:80)\n"),
        "{err}"
    );
    let (code, out, err) = wget("http://fl/");
    assert_eq!((code, out.as_str()), (0, body));
    assert!(
        err.starts_with("Connecting to fl ([fd00:1::2]:80)\n"),
        "{err}"
    );
    let (code, out, err) = wget("http://web:5000/");
    assert_eq!((code, out.as_str()), (0, "Hello world!"));
    assert!(
        err.starts_with("Connecting to web:5000 ([fd00:1::3]:5000)\n"),
        "{err}"
    );
    // The terminator listens on :: and reaches its upstream by name.
    let (code, out, _) = wget("http://[fd00:1::4]/");
    assert_eq!((code, out.as_str()), (0, body));
    // Refused: no address in the words for IPv6, exit 1.
    let (code, _, err) = wget("http://[fd00:1::2]:81/");
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "Connecting to [fd00:1::2]:81 ([fd00:1::2]:81)\nwget: can't connect to remote host: Connection refused\n"
    );
    let (code, _, err) = lab.run(&["exec", "bb", "wget", "-q", "-O-", "http://fl:81/"]);
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "wget: can't connect to remote host: Connection refused\n"
        )
    );
    let (code, _, err) = lab.run(&["exec", "bb", "wget", "-q", "-O-", "http://[fd00:1::2/"]);
    assert_eq!(
        (code, err.as_str()),
        (1, "wget: bad address '[fd00:1::2'\n")
    );
    // An address of the subnet nobody has: after neighbour discovery.
    let (code, _, err) = lab.run(&["exec", "bb", "wget", "-q", "-O-", "http://[fd00:1::99]/"]);
    assert_eq!(
        (code, err.as_str()),
        (1, "wget: can't connect to remote host: No route to host\n")
    );

    // nc: stdin to the server, its answer back (Docker: `echo hi | nc -w 1
    // fd00:1::2 80` printed the stand-in's "HTTP/1.0 200 OK").
    let out = lab
        .cmd(&["exec", "-i", "bb", "nc", "-w", "1", "fd00:1::2", "80"])
        .write_stdin("GET / HTTP/1.0\r\n\r\n")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("HTTP/1.0 200 OK\r\n"));
    let (code, _, err) = lab.run(&["exec", "bb", "nc", "fd00:1::2", "81"]);
    assert_eq!(
        (code, err.as_str()),
        (1, "nc: can't connect to remote host: Connection refused\n")
    );
    let (code, _, err) = lab.run(&["exec", "bb", "nc", "172.18.0.2", "81"]);
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "nc: can't connect to remote host (172.18.0.2): Connection refused\n"
        )
    );
    lab.ok(&["exec", "bb", "nc", "-z", "fd00:1::3", "5000"]);

    // Published: `80/tcp -> 0.0.0.0:15000` and `:::15000`; docker-proxy
    // for :: ran with `-container-ip fd00:1::3`, so the container saw the
    // request through [::1] come from the IPv6 gateway, and the one through
    // 127.0.0.1 from the IPv4 one (busybox httpd -v logged
    // `[fd00:1::1]:39780: response:200`, `[::ffff:172.30.0.1]:48574`).
    assert_eq!(
        lab.ok(&["port", "web"]),
        "5000/tcp -> 0.0.0.0:15000\n5000/tcp -> :::15000\n"
    );
    for url in ["http://[::1]:15000/", "http://127.0.0.1:15000/"] {
        assert_eq!(
            lab.ok(&["lab", "exec", "--", "curl", "-s", "-g", url]),
            "Hello world!"
        );
    }
    let logs = lab.ok(&["logs", "web"]);
    // The last two lines (bb's wget came before, from fd00:1::5).
    let peers: Vec<&str> = logs
        .lines()
        .rev()
        .take(2)
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(peers, ["172.18.0.1", "fd00:1::1"], "{logs}");
    // trace follows the flow over IPv6, by the containers' names.
    let t = lab.ok(&[
        "trace",
        "--",
        "exec",
        "bb",
        "wget",
        "-q",
        "-O-",
        "http://fl/",
    ]);
    for line in [
        "   answer    AAAA fl fd00:1::2: bb:lo\n",
        "2. TCP bb -> fl.80\n",
        "   data      to fl and back; closed with FIN\n",
    ] {
        assert!(t.contains(line), "{line}:\n{t}");
    }
    let t = lab.ok(&["trace", "--", "exec", "bb", "ping", "-c", "1", "fd00:1::2"]);
    assert!(t.contains("ICMP echo bb -> fl\n"), "{t}");
    assert!(t.contains("\n   reply     fl:eth0 > "), "{t}");
    // topology shows each container's IPv6 address beside its IPv4 one.
    let mermaid = lab.ok(&["topology", "--format", "mermaid"]);
    assert!(
        mermaid.contains("|\"eth0 172.18.0.2 fd00:1::2\"|"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("<br>fd00:1::/64<br>gateway fd00:1::1\""),
        "{mermaid}"
    );
    let json = lab.ok(&["topology", "--format", "json"]);
    assert!(json.contains("\"ip6\": \"fd00:1::3\""), "{json}");
    let picture = lab.ok(&["topology", "--width", "80"]);
    assert!(picture.contains("fd00:1::4"), "{picture}");
    // On a network without IPv6 both proxies go to the IPv4 address
    // (Docker: `-host-ip :: ... -container-ip 172.17.0.4`).
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "web4",
        "-p",
        "15001:5000",
        "training/webapp",
    ]);
    lab.ok(&[
        "lab",
        "exec",
        "--",
        "curl",
        "-s",
        "-g",
        "http://[::1]:15001/",
    ]);
    assert!(lab.ok(&["logs", "web4"]).contains("\n172.17.0.1 - - ["));
}

/// libnetwork's bit sequence of a /64 (or wider) has no bit for the
/// address whose low 64 bits are all ones. Docker 20.10.24: `docker run`
/// exit 125 "docker: Error response from daemon: bit does not belong to
/// the sequence.", `network connect` exit 1 without the period (HTTP 500);
/// the last address of a /120 is given.
#[test]
fn ip6_for_the_last_address_of_a_64() {
    let lab = TestLab::start("v6-last");
    lab.ok(&[
        "network",
        "create",
        "--ipv6",
        "--subnet",
        "fd00:1::/64",
        "v6n",
    ]);
    lab.ok(&[
        "network",
        "create",
        "--ipv6",
        "--subnet",
        "fd00:7::/120",
        "small",
    ]);
    let (code, err) = fails(
        &lab,
        &[
            "run",
            "--rm",
            "--net",
            "v6n",
            "--ip6",
            "fd00:1::ffff:ffff:ffff:ffff",
            FLAPPY,
            "true",
        ],
    );
    assert_eq!(code, 125);
    assert!(
        err.contains("Error response from daemon: bit does not belong to the sequence.\n"),
        "{err}"
    );
    lab.ok(&["run", "-d", "--name", "c1", FLAPPY]);
    let (code, err) = fails(
        &lab,
        &[
            "network",
            "connect",
            "--ip6",
            "fd00:1::ffff:ffff:ffff:ffff",
            "v6n",
            "c1",
        ],
    );
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "Error response from daemon: bit does not belong to the sequence\n"
        )
    );
    // Nothing half-made: c1 is on one network, and the address before works.
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{len .NetworkSettings.Networks}}", "c1"]),
        "1\n"
    );
    lab.ok(&[
        "network",
        "connect",
        "--ip6",
        "fd00:1::ffff:ffff:ffff:fffe",
        "v6n",
        "c1",
    ]);
    let out = lab.ok(&[
        "run",
        "--rm",
        "--net",
        "small",
        "--ip6",
        "fd00:7::ff",
        FLAPPY,
        "ip",
        "-o",
        "-6",
        "addr",
        "show",
        "eth0",
    ]);
    assert!(
        out.contains("inet6 fd00:7::ff/120 scope global flags 02 "),
        "{out}"
    );
}
