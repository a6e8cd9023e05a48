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
