//! Bad input through the CLI: Docker 20.10's words and exit codes where
//! Docker refuses it (docs/docker-20.10-facts.md, numbered there), netlings'
//! own where only netlings does, and never anything left behind but the
//! Created container Docker leaves too.

mod common;
use common::TestLab;

const FLAPPY: &str = "quay.io/purplebooth/flappy-endpoint";

/// What a refused command could leave on the lab host: links (name and
/// bridge), IPv4 addresses, listening sockets, networks, and the
/// endpoints (name and address) of `networks`.
fn host_state(lab: &TestLab, networks: &[&str]) -> String {
    let mut links: Vec<String> = lab
        .ok(&["lab", "exec", "--", "ip", "-o", "link", "show"])
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let master = f.iter().position(|w| *w == "master").map(|i| f[i + 1]);
            format!("{} {}", f[1], master.unwrap_or("-"))
        })
        .collect();
    links.sort();
    let mut addrs: Vec<String> = lab
        .ok(&["lab", "exec", "--", "ip", "-o", "-4", "addr", "show"])
        .lines()
        .map(|l| l.split_whitespace().take(4).collect::<Vec<_>>().join(" "))
        .collect();
    addrs.sort();
    let mut listeners: Vec<String> = lab
        .ok(&["lab", "exec", "--", "ss", "-Hlntu"])
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    listeners.sort();
    let mut state = vec![
        links.join("\n"),
        addrs.join("\n"),
        listeners.join("\n"),
        lab.ok(&["network", "ls", "-q"]),
    ];
    for n in networks {
        state.push(lab.ok(&[
            "network",
            "inspect",
            "-f",
            "{{range $id, $c := .Containers}}{{$c.Name}}={{$c.IPv4Address}} {{end}}",
            n,
        ]));
    }
    state.join("\n--\n")
}

/// A failed `run -d` after create: the id on stdout, the error, exit 125,
/// and the container left Created, as Docker leaves it.
fn run_fails_after_create(lab: &TestLab, args: &[&str], err: &str) -> String {
    let mut full = vec!["run", "-d"];
    full.extend_from_slice(args);
    let (code, out, e) = lab.run(&full);
    assert_eq!((code, e.as_str()), (125, err), "{args:?}");
    let id = out.trim().to_string();
    assert!(
        id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) && out.ends_with('\n'),
        "{args:?}: {out:?}"
    );
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{.State.Status}}", &id]),
        "created\n",
        "{args:?}"
    );
    id
}

fn created_count(lab: &TestLab) -> usize {
    lab.ok(&["ps", "-aq", "--filter", "status=created"])
        .lines()
        .count()
}

#[test]
fn network_names_follow_the_later_rule_and_make_nothing() {
    let lab = TestLab::start("vnames");
    let before = host_state(&lab, &[]);
    let rule = "only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed";
    for (name, shown) in [
        ("/", r#""/""#),
        ("a b", r#""a b""#),
        ("a\nb", r#""a\nb""#),
        ("a\x1b[2Jb", r#""a\x1b[2Jb""#),
        ("-a", r#""-a""#),
        (".hidden", r#"".hidden""#),
    ] {
        let (code, out, err) = lab.run(&["network", "create", "--", name]);
        assert_eq!(
            (code, out.as_str(), err),
            (
                1,
                "",
                format!("Error response from daemon: Invalid network name {shown}, {rule}\n")
            ),
            "{name:?}"
        );
    }
    for len in [64, 10_000] {
        let (code, out, err) = lab.run(&["network", "create", &"a".repeat(len)]);
        assert_eq!(
            (code, out.as_str(), err),
            (
                1,
                "",
                format!(
                    "Error response from daemon: Invalid network name \"{}\"... ({len} characters), at most 63 characters are allowed (containers resolve as NAME.NETWORK, and a DNS label holds 63)\n",
                    "a".repeat(63)
                )
            )
        );
    }
    // Docker 20.10's own answer to the empty name (facts #15).
    assert_eq!(
        lab.run(&["network", "create", ""]),
        (
            1,
            String::new(),
            "Error response from daemon: network with name  already exists\n".into()
        )
    );
    assert_eq!(host_state(&lab, &[]), before, "no bridge, no network");

    // One character is a name; 63 are, and work as a DNS label.
    lab.ok(&["network", "create", "a"]);
    let n63 = "n".repeat(63);
    lab.ok(&["network", "create", &n63]);
    lab.ok(&["run", "-d", "--name", "c1", "--network", &n63, FLAPPY]);
    lab.ok(&["run", "-d", "--name", "c2", "--network", &n63, FLAPPY]);
    let (code, out, err) = lab.run(&["exec", "c2", "nslookup", &format!("c1.{n63}")]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Address: 172.19.0.2\n"), "{out}");
    assert_eq!(lab.ok(&["network", "ls", "-q"]).lines().count(), 5);
}

/// `network create` with subnets and gateways Docker refuses, then the
/// odd ones it accepts.
fn subnets_and_gateways(lab: &TestLab) {
    let before = host_state(lab, &[]);
    let daemon = "Error response from daemon: ";
    for (args, err) in [
        // Refused by Docker's client: no daemon prefix (facts #24, #40, #41).
        (
            &["--subnet", "10.10.0.0/24", "--gateway", "10.20.0.1"][..],
            "no matching subnet for gateway 10.20.0.1".to_string(),
        ),
        (
            &["--gateway", "10.10.0.1"],
            "every ip-range or gateway must have a corresponding subnet".into(),
        ),
        (
            &["--gateway", "notanip", "--subnet", "10.10.0.0/24"],
            "no matching subnet for gateway notanip".into(),
        ),
        // Refused by the daemon (facts #25-#28, #39).
        (
            &["--subnet", "10.10.0.0/24", "--gateway", "10.10.0.0"],
            format!("{daemon}failed to allocate gateway (10.10.0.0): Address already in use"),
        ),
        (
            &["--subnet", "10.10.0.0/24", "--gateway", "10.10.0.255"],
            format!("{daemon}failed to allocate gateway (10.10.0.255): Address already in use"),
        ),
        (
            &["--subnet", "10.10.0.0/31"],
            format!("{daemon}failed to allocate gateway (): No available addresses on this pool"),
        ),
        (
            &["--subnet", "10.10.0.0/32"],
            format!("{daemon}failed to allocate gateway (): No available addresses on this pool"),
        ),
        (
            &["--subnet", "300.1.0.0/16"],
            format!("{daemon}Invalid subnet 300.1.0.0/16 : invalid CIDR address: 300.1.0.0/16"),
        ),
    ] {
        let mut full = vec!["network", "create"];
        full.extend_from_slice(args);
        full.push("n1");
        let (code, out, e) = lab.run(&full);
        assert_eq!(
            (code, out.as_str(), e),
            (1, "", format!("{err}\n")),
            "{args:?}"
        );
    }
    assert_eq!(host_state(lab, &[]), before, "no bridge, no network");

    // Host bits set: kept as typed, the bridge on the first host (#37, #38).
    let id = lab.ok(&["network", "create", "--subnet", "10.10.0.5/24", "hb"]);
    assert_eq!(
        lab.ok(&["network", "inspect", "-f", "{{json .IPAM.Config}}", "hb"]),
        "[{\"Subnet\":\"10.10.0.5/24\"}]\n"
    );
    let bridge = format!("br-{}", &id[..12]);
    let addr = lab.ok(&[
        "lab", "exec", "--", "ip", "-o", "-4", "addr", "show", &bridge,
    ]);
    assert!(addr.contains("inet 10.10.0.1/24 "), "{addr}");
    lab.ok(&["run", "-d", "--name", "h1", "--network", "hb", FLAPPY]);
    let ip = "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}";
    assert_eq!(lab.ok(&["inspect", "-f", ip, "h1"]), "10.10.0.2\n");
    // A gateway of the user's shows in inspect.
    lab.ok(&[
        "network",
        "create",
        "--subnet",
        "10.50.0.0/24",
        "--gateway",
        "10.50.0.254",
        "gw",
    ]);
    assert_eq!(
        lab.ok(&["network", "inspect", "-f", "{{json .IPAM.Config}}", "gw"]),
        "[{\"Subnet\":\"10.50.0.0/24\",\"Gateway\":\"10.50.0.254\"}]\n"
    );

    // A /30 holds one container (facts #29-#33).
    let id30 = lab.ok(&["network", "create", "--subnet", "10.40.0.0/30", "n30"]);
    lab.ok(&["run", "-d", "--name", "q1", "--network", "n30", FLAPPY]);
    let before = host_state(lab, &["n30"]);
    run_fails_after_create(
        lab,
        &["--name", "q2", "--network", "n30", FLAPPY],
        &format!(
            "netlings: Error response from daemon: no available IPv4 addresses on this network's address pools: n30 ({}).\n",
            id30.trim()
        ),
    );
    assert_eq!(host_state(lab, &["n30"]), before);
    assert_eq!(
        lab.ok(&["network", "inspect", "-f", "{{json .IPAM.Config}}", "n30"]),
        "[{\"Subnet\":\"10.40.0.0/30\"}]\n"
    );
}

#[test]
fn subnets_and_gateways_are_refused_in_dockers_words() {
    subnets_and_gateways(&TestLab::start("vsubnet"));
}

#[test]
fn subnets_and_gateways_are_refused_in_dockers_words_rootless() {
    subnets_and_gateways(&TestLab::start_rootless("vsubu"));
}

/// Docker accepts multicast, loopback and 0.0.0.0/8 subnets, and each
/// container on them fails at start (facts #42-#50); so does netlings,
/// since the kernel lets a bridge have such an address.
fn reserved_subnets(lab: &TestLab) {
    for (subnet, gateway, errno) in [
        ("224.1.0.0/16", "224.1.0.1/16", "network is unreachable"),
        ("127.10.0.0/16", "127.10.0.1/16", "invalid argument"),
        ("0.0.0.0/8", "0.0.0.1/8", "network is unreachable"),
    ] {
        let id = lab.ok(&["network", "create", "--subnet", subnet, "odd"]);
        let bridge = format!("br-{}", &id[..12]);
        let addr = lab.ok(&[
            "lab", "exec", "--", "ip", "-o", "-4", "addr", "show", &bridge,
        ]);
        assert!(addr.contains(&format!("inet {gateway} ")), "{addr}");
        let before = host_state(lab, &["odd"]);
        let created = created_count(lab);

        let (code, out, err) = lab.run(&["run", "-d", "--name", "oc", "--network", "odd", FLAPPY]);
        assert_eq!(code, 125, "{err}");
        assert_eq!(out.trim().len(), 64, "the id of the created container");
        let (head, rest) = err.split_once("time=\"").expect("a hook's log line");
        assert_eq!(
            head,
            "netlings: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error running hook #0: error running hook: exit status 1, stdout: , stderr: "
        );
        let (time, rest) = rest.split_at(20);
        assert!(
            time.starts_with("20") && time.ends_with('Z') && time.as_bytes()[10] == b'T',
            "{time}"
        );
        let gw = gateway.split('/').next().unwrap();
        assert_eq!(
            rest,
            format!("\" level=fatal msg=\"failed to set gateway while updating gateway: route for the gateway {gw} could not be found: {errno}\": unknown.\n")
        );
        assert_eq!(
            lab.ok(&["inspect", "-f", "{{.State.Status}}", "oc"]),
            "created\n"
        );
        // With --rm the failed container goes too (facts #44).
        let (code, out, _) = lab.run(&["run", "--rm", "--network", "odd", FLAPPY]);
        assert_eq!((code, out.as_str()), (125, ""));
        assert_eq!(created_count(lab), created + 1);
        assert_eq!(host_state(lab, &["odd"]), before, "{subnet}");

        lab.ok(&["rm", "oc"]);
        lab.ok(&["network", "rm", "odd"]);
    }
}

#[test]
fn reserved_subnets_are_accepted_and_their_containers_fail_like_dockers() {
    reserved_subnets(&TestLab::start("vodd"));
}

#[test]
fn reserved_subnets_are_accepted_and_their_containers_fail_like_dockers_rootless() {
    reserved_subnets(&TestLab::start_rootless("voddu"));
}

/// `run --ip`: every refusal after create leaves a Created container and
/// nothing else (facts #55-#63, #74, #79).
fn requested_ips(lab: &TestLab) {
    lab.ok(&["network", "create", "--subnet", "10.30.0.0/24", "n"]);
    lab.ok(&["network", "create", "nauto"]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "holder",
        "--network",
        "n",
        "--ip",
        "10.30.0.5",
        FLAPPY,
    ]);
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{.NetworkSettings.Networks.n.IPAddress}} {{json .NetworkSettings.Networks.n.IPAMConfig}}",
            "holder"
        ]),
        "10.30.0.5 {\"IPv4Address\":\"10.30.0.5\"}\n"
    );
    let before = host_state(lab, &["n", "nauto", "bridge"]);
    let in_use = "Address already in use";
    let outside = "Invalid address 10.31.0.5: It does not belong to any of this network's subnets";
    for (args, msg) in [
        (&["--network", "n", "--ip", "10.30.0.0"][..], in_use),
        (&["--network", "n", "--ip", "10.30.0.255"], in_use),
        (&["--network", "n", "--ip", "10.30.0.1"], in_use),
        (&["--network", "n", "--ip", "10.30.0.5"], in_use),
        (&["--network", "n", "--ip", "10.31.0.5"], outside),
        (
            &["--network", "nauto", "--ip", "172.19.0.9"],
            "user specified IP address is supported only when connecting to networks with user configured subnets",
        ),
        (
            &["--network", "bridge", "--ip", "172.17.0.51"],
            "user specified IP address is supported on user defined networks only",
        ),
    ] {
        let mut full = args.to_vec();
        full.push(FLAPPY);
        run_fails_after_create(
            lab,
            &full,
            &format!("netlings: Error response from daemon: {msg}.\n"),
        );
    }
    assert_eq!(created_count(lab), 7);
    // A bad address is refused by create: no container (facts #62).
    assert_eq!(
        lab.run(&["run", "-d", "--network", "n", "--ip", "bad", FLAPPY]),
        (
            125,
            String::new(),
            "netlings: Error response from daemon: invalid IPv4 address: bad.\nSee 'netlings run --help'.\n".into()
        )
    );
    assert_eq!(created_count(lab), 7);
    assert_eq!(host_state(lab, &["n", "nauto", "bridge"]), before);
    // No address was kept: the next container gets the lowest free one.
    lab.ok(&["run", "-d", "--name", "next", "--network", "n", FLAPPY]);
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{.NetworkSettings.Networks.n.IPAddress}}",
            "next"
        ]),
        "10.30.0.2\n"
    );
    // Without --network, --ip is silently ignored (facts #63, #78).
    lab.ok(&["run", "-d", "--name", "dip", "--ip", "172.17.0.50", FLAPPY]);
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{.NetworkSettings.IPAddress}} {{json .HostConfig.NetworkMode}} {{json .NetworkSettings.Networks.bridge.IPAMConfig}}",
            "dip"
        ]),
        "172.17.0.2 \"default\" null\n"
    );
}

#[test]
fn requested_ips_are_checked_like_dockers() {
    requested_ips(&TestLab::start("vip"));
}

#[test]
fn requested_ips_are_checked_like_dockers_rootless() {
    requested_ips(&TestLab::start_rootless("vipu"));
}

#[test]
fn network_connect_refusals_leave_no_endpoint_and_no_ghost() {
    let lab = TestLab::start("vconn");
    lab.ok(&["network", "create", "--subnet", "10.30.0.0/24", "n"]);
    lab.ok(&["network", "create", "nauto"]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "holder",
        "--network",
        "n",
        "--ip",
        "10.30.0.6",
        FLAPPY,
    ]);
    lab.ok(&["run", "-d", "--name", "c5", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "c6", "--network", "none", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "c7", "--network", "n", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "asleep", FLAPPY]);
    lab.ok(&["stop", "asleep"]);
    let networks = |c: &str| {
        lab.ok(&[
            "inspect",
            "-f",
            "{{range $k,$v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{end}}",
            c,
        ])
    };
    let c5_before = networks("c5");
    assert_eq!(c5_before, "bridge=172.17.0.2 \n");
    let before = host_state(&lab, &["n", "nauto", "bridge"]);
    let in_use = "Address already in use";
    let outside = "Invalid address 10.31.0.5: It does not belong to any of this network's subnets";
    let alias = "network-scoped alias is supported only for containers in user defined networks";
    for (args, msg) in [
        (&["--ip", "10.30.0.0", "n", "c5"][..], in_use),
        (&["--ip", "10.30.0.255", "n", "c5"], in_use),
        (&["--ip", "10.30.0.1", "n", "c5"], in_use),
        (&["--ip", "10.30.0.6", "n", "c5"], in_use),
        (&["--ip", "10.31.0.5", "n", "c5"], outside),
        (&["--ip", "10.31.0.5", "n", "asleep"], outside),
        // Docker's words, stray parenthesis included (facts #70).
        (&["--ip", "bad", "n", "c5"], "Invalid IPv4 address: bad)"),
        (
            &["--ip", "172.19.0.9", "nauto", "c5"],
            "user specified IP address is supported only when connecting to networks with user configured subnets",
        ),
        (
            &["--ip", "172.17.0.9", "bridge", "c7"],
            "user specified IP address is supported on user defined networks only",
        ),
        // Refused before "already connected" or "none" (facts #105-#107).
        (&["--alias", "x", "bridge", "c5"], alias),
        (&["--alias", "x", "bridge", "c6"], alias),
        (&["--alias", "x", "bridge", "c7"], alias),
    ] {
        let mut full = vec!["network", "connect"];
        full.extend_from_slice(args);
        assert_eq!(
            lab.run(&full),
            (
                1,
                String::new(),
                format!("Error response from daemon: {msg}\n")
            ),
            "{args:?}"
        );
    }
    assert_eq!(
        lab.run(&["network", "connect", "bridge", "c5"]),
        (
            1,
            String::new(),
            "Error response from daemon: endpoint with name c5 already exists in network bridge\n"
                .into()
        )
    );
    // Nothing behind, and no network with an empty address in inspect.
    assert_eq!(host_state(&lab, &["n", "nauto", "bridge"]), before);
    assert_eq!(networks("c5"), c5_before);
    assert_eq!(networks("asleep"), "bridge= \n");
    // A free address still connects.
    lab.ok(&["network", "connect", "--ip", "10.30.0.7", "n", "c5"]);
    assert_eq!(networks("c5"), "bridge=172.17.0.2 n=10.30.0.7 \n");
}

#[test]
fn hostnames_env_and_aliases_are_checked_before_anything_is_made() {
    let lab = TestLab::start("vhost");
    let before = host_state(&lab, &["bridge"]);
    let help = "See 'netlings run --help'.\n";
    // Docker writes these into /etc/hosts as they are; netlings refuses.
    for (h, shown) in [
        ("a\nb", r#""a\nb""#),
        ("a b", r#""a b""#),
        ("a\tb", r#""a\tb""#),
        ("x\n10.0.0.1 evil", r#""x\n10.0.0.1 evil""#),
    ] {
        assert_eq!(
            lab.run(&["run", "-d", "--hostname", h, FLAPPY]),
            (
                125,
                String::new(),
                format!("netlings: Error response from daemon: invalid hostname {shown}: whitespace and control characters are not allowed (they would break the container's /etc/hosts).\n{help}")
            ),
            "{h:?}"
        );
    }
    // Docker's client (facts #99-#101, #104).
    for (v, shown) in [("=", r#""=""#), ("=x", r#""=x""#), ("", r#""""#)] {
        assert_eq!(
            lab.run(&["run", "-d", "-e", "A=1", "-e", v, FLAPPY]),
            (
                125,
                String::new(),
                format!("invalid argument {shown} for \"-e, --env\" flag: invalid environment variable: {v}\n{help}")
            ),
            "{v:?}"
        );
    }
    for mode in ["bridge", "host", "none"] {
        assert_eq!(
            lab.run(&["run", "-d", "--network", mode, "--network-alias", "x", FLAPPY]),
            (
                125,
                String::new(),
                format!("netlings: network-scoped aliases are only supported for user-defined networks.\n{help}")
            ),
            "{mode}"
        );
    }
    assert_eq!(lab.ok(&["ps", "-aq"]), "", "no container was created");
    assert_eq!(host_state(&lab, &["bridge"]), before);

    // 65 characters: the kernel's limit, met at start (facts #95, #96).
    for len in [65, 300] {
        run_fails_after_create(
            &lab,
            &["--hostname", &"h".repeat(len), FLAPPY],
            "netlings: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: sethostname: invalid argument: unknown.\n",
        );
    }
    assert_eq!(host_state(&lab, &["bridge"]), before);
    // 64 work, in the kernel and in /etc/hosts (facts #93, #94).
    let h64 = "h".repeat(64);
    lab.ok(&["run", "-d", "--name", "h64", "--hostname", &h64, FLAPPY]);
    assert_eq!(lab.ok(&["exec", "h64", "hostname"]), format!("{h64}\n"));
    let hosts = lab.ok(&["exec", "h64", "cat", "/etc/hosts"]);
    assert!(
        hosts.ends_with(&format!("\n172.17.0.2\t{h64}\n")),
        "{hosts}"
    );
    assert_eq!(
        lab.run(&["exec", "-e", "=", "h64", "env"]),
        (
            125,
            String::new(),
            "invalid argument \"=\" for \"-e, --env\" flag: invalid environment variable: =\nSee 'netlings exec --help'.\n".into()
        )
    );
    // Without --network an alias is accepted and dropped (facts #103, #110).
    lab.ok(&["run", "-d", "--name", "al", "--network-alias", "x", FLAPPY]);
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{json .HostConfig.NetworkMode}} {{json .NetworkSettings.Networks.bridge.Aliases}}",
            "al"
        ]),
        "\"default\" null\n"
    );
}

#[test]
fn the_1024th_container_on_a_bridge_fails_like_dockers_and_leaves_nothing() {
    let lab = TestLab::start("vfull");
    let id = lab.ok(&["network", "create", "big"]);
    let bridge = format!("br-{}", &id[..12]);
    lab.ok(&["run", "-d", "--name", "outsider", FLAPPY]);
    // A bridge numbers its ports in ten bits and keeps port 0 (facts #179-#184).
    for i in 1..=1023 {
        let name = format!("f{i}");
        let (code, _, err) = lab.run(&[
            "run",
            "-d",
            "--name",
            &name,
            "--network",
            "big",
            FLAPPY,
            "sleep",
            "100000",
        ]);
        assert_eq!(code, 0, "{name}: {err}");
    }
    let ports = lab.ok(&[
        "lab", "exec", "--", "ip", "-o", "link", "show", "master", &bridge,
    ]);
    assert_eq!(ports.lines().count(), 1023);
    let before = host_state(&lab, &["big", "bridge"]);

    // (before the veth's 7 hex digits, after them)
    let full = |err: &str| {
        let (head, veth) = err.split_at(err.find("adding interface veth").unwrap() + 21);
        let (hex, tail) = veth.split_at(7);
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()), "{err}");
        (head.to_string(), tail.to_string())
    };
    let tail = format!(
        " to bridge {bridge} failed: exchange full (a Linux bridge holds at most 1023 interfaces)"
    );
    let (code, out, err) = lab.run(&["run", "-d", "--name", "last", "--network", "big", FLAPPY]);
    assert_eq!((code, out.trim().len()), (125, 64), "{err}");
    let (head, rest) = full(&err);
    assert_eq!(
        head,
        "netlings: Error response from daemon: failed to create endpoint last on network big: adding interface veth"
    );
    assert_eq!(rest, format!("{tail}.\n"));
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{.State.Status}}", "last"]),
        "created\n"
    );
    // `start` and `network connect` say the same (facts #185, #186).
    let (code, _, err) = lab.run(&["start", "last"]);
    assert_eq!(code, 1);
    let (head, rest) = full(&err);
    assert_eq!(
        head,
        "Error response from daemon: failed to create endpoint last on network big: adding interface veth"
    );
    assert_eq!(
        rest,
        format!("{tail}\nError: failed to start containers: last\n")
    );
    let (code, _, err) = lab.run(&["network", "connect", "big", "outsider"]);
    assert_eq!(code, 1);
    let (head, rest) = full(&err);
    assert_eq!(
        head,
        "Error response from daemon: failed to create endpoint outsider on network big: adding interface veth"
    );
    assert_eq!(rest, format!("{tail}\n"));
    assert_eq!(host_state(&lab, &["big", "bridge"]), before);

    // One leaves, and the Created one fits.
    lab.ok(&["rm", "-f", "f1"]);
    lab.ok(&["start", "last"]);
}
