//! `network create` options, `network ls` filters and formats, `network
//! prune`, and internal networks, through the CLI, with real traffic. Each
//! expectation was first observed on Docker 20.10.24 (docker.io
//! 20.10.24+dfsg1, Debian 12), with the same commands.

mod common;
use common::TestLab;

const FLAPPY: &str = "quay.io/purplebooth/flappy-endpoint";

/// Whether `from` (a container) gets an answer to one ping of `to`.
fn pings(lab: &TestLab, from: &str, to: &str) -> bool {
    let (code, _, _) = lab.run(&["exec", from, "ping", "-c", "1", "-W", "1", to]);
    code == 0
}

/// Whether `from` gets flappy's page from http://`to`/.
fn gets(lab: &TestLab, from: &str, to: &str) -> bool {
    let url = format!("http://{to}/");
    let (code, out, _) = lab.run(&["exec", from, "wget", "-q", "-O-", "-T", "2", &url]);
    code == 0 && out.contains("200 OK")
}

/// Docker 20.10.24, `--internal`: a container on an internal network has
/// its default route through the network's gateway (the bridge keeps the
/// address), reaches the other containers of its network, the gateway and
/// the host's other addresses (its traffic to them is the host's own, not
/// forwarded), and nothing beyond; containers of other networks cannot
/// reach it; the host can; its ports are not published.
#[test]
fn an_internal_network_isolates_as_dockers_does() {
    let lab = TestLab::start("net-internal");
    lab.ok(&[
        "network",
        "create",
        "--internal",
        "--subnet",
        "10.77.0.0/16",
        "--gateway",
        "10.77.0.254",
        "--ip-range",
        "10.77.5.0/24",
        "--aux-address",
        "host1=10.77.5.1",
        "-o",
        "com.docker.network.bridge.name=noint0",
        "no-int",
    ]);
    lab.ok(&["network", "create", "no-pub"]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "na",
        "--network",
        "no-int",
        "-p",
        "8081:80",
        FLAPPY,
    ]);
    lab.ok(&["run", "-d", "--name", "nb", "--network", "no-int", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "nc", "--network", "no-pub", FLAPPY]);

    // Docker: "default via 10.77.0.254 dev eth0", the first address of the
    // range (its own network address), the next one past the aux address.
    let route = lab.ok(&["exec", "na", "ip", "route"]);
    assert_eq!(
        route,
        "default via 10.77.0.254 dev eth0 \n10.77.0.0/16 dev eth0 scope link  src 10.77.5.0 \n"
    );
    let nb_ip = lab.ok(&[
        "inspect",
        "-f",
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
        "nb",
    ]);
    assert_eq!(nb_ip, "10.77.5.2\n");
    // The bridge has the name asked for, and the gateway address.
    let link = lab.ok(&[
        "lab", "exec", "--", "ip", "-4", "-o", "addr", "show", "noint0",
    ]);
    assert!(link.contains("inet 10.77.0.254/16"), "{link}");

    // The traffic matrix, as on Docker 20.10.24.
    assert!(pings(&lab, "na", "10.77.5.2"), "same network");
    assert!(gets(&lab, "nb", "10.77.5.0"), "same network, HTTP");
    assert!(pings(&lab, "na", "10.77.0.254"), "its gateway");
    assert!(
        pings(&lab, "na", "172.17.0.1"),
        "the host's docker0 address"
    );
    assert!(
        !pings(&lab, "na", "172.18.0.2"),
        "a container on another network"
    );
    assert!(
        !gets(&lab, "na", "172.18.0.2"),
        "a container on another network"
    );
    assert!(!pings(&lab, "nc", "10.77.5.0"), "from another network");
    assert!(!gets(&lab, "nc", "10.77.5.0"), "from another network");
    assert!(pings(&lab, "nc", "10.77.0.254"), "the host's address on it");
    let body = lab.ok(&[
        "lab",
        "exec",
        "--",
        "curl",
        "-s",
        "-m",
        "3",
        "http://10.77.5.0/",
    ]);
    assert!(body.contains("200 OK"), "the host reaches it: {body}");

    // Published ports: none. Docker: `port` prints nothing (exit 0),
    // Ports is {}, PORTS is empty, and the host port is closed.
    assert_eq!(lab.ok(&["port", "na"]), "");
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{json .NetworkSettings.Ports}}", "na"]),
        "{}\n"
    );
    let ps = lab.ok(&["ps", "--filter", "name=na"]);
    let row = ps.lines().nth(1).unwrap();
    assert!(!row.contains("80/tcp"), "{ps}");
    let (code, _, _) = lab.run(&[
        "lab",
        "exec",
        "--",
        "curl",
        "-s",
        "-m",
        "3",
        "http://127.0.0.1:8081/",
    ]);
    assert_ne!(code, 0, "8081 is not published");

    // Joining a public network publishes them (Docker: `80/tcp ->
    // 0.0.0.0:8081`), and the default route moves there.
    lab.ok(&["network", "connect", "no-pub", "na"]);
    assert_eq!(
        lab.ok(&["port", "na"]),
        "80/tcp -> 0.0.0.0:8081\n80/tcp -> :::8081\n"
    );
    let route = lab.ok(&["exec", "na", "ip", "route"]);
    assert!(
        route.starts_with("default via 172.18.0.1 dev eth1 \n"),
        "{route}"
    );
    let body = lab.ok(&[
        "lab",
        "exec",
        "--",
        "curl",
        "-s",
        "-m",
        "3",
        "http://127.0.0.1:8081/",
    ]);
    assert!(body.contains("200 OK"), "{body}");
}

/// Docker 20.10.24's inspect of a network made with every option: the
/// IPAM keys in its order, the options and labels as given, in key order.
#[test]
fn create_options_show_in_inspect_and_ls() {
    let lab = TestLab::start("net-opts");
    // -v (verbose) adds nothing for a local network (Docker 20.10.24: the
    // same bytes).
    assert_eq!(
        lab.ok(&["network", "inspect", "-v", "bridge"]),
        lab.ok(&["network", "inspect", "bridge"])
    );
    lab.ok(&[
        "network",
        "create",
        "--internal",
        "--label",
        "b=2",
        "--label",
        "a=1",
        "--subnet",
        "10.77.0.0/16",
        "--gateway",
        "10.77.0.254",
        "--ip-range",
        "10.77.5.0/24",
        "--aux-address",
        "host1=10.77.5.1",
        "--aux-address",
        "zed=10.77.0.9",
        "-o",
        "com.docker.network.bridge.name=noint0",
        "-o",
        "com.docker.network.driver.mtu=1400",
        "-o",
        "foo=bar",
        "no-int",
    ]);
    let fmt = "{{json .IPAM}} {{.Internal}} {{json .Options}} {{json .Labels}}";
    assert_eq!(
        lab.ok(&["network", "inspect", "-f", fmt, "no-int"]),
        concat!(
            r#"{"Driver":"default","Options":{},"Config":[{"Subnet":"10.77.0.0/16","IPRange":"10.77.5.0/24","Gateway":"10.77.0.254","AuxiliaryAddresses":{"host1":"10.77.5.1","zed":"10.77.0.9"}}]}"#,
            " true ",
            r#"{"com.docker.network.bridge.name":"noint0","com.docker.network.driver.mtu":"1400","foo":"bar"}"#,
            " ",
            r#"{"a":"1","b":"2"}"#,
            "\n"
        )
    );
    lab.ok(&[
        "network", "create", "--label", "k=v", "--label", "noequals", "no-x14",
    ]);

    // `network ls` and its formats, as Docker prints them.
    assert_eq!(
        lab.ok(&[
            "network",
            "ls",
            "--filter",
            "name=no-int",
            "--format",
            "table {{.Name}}\\t{{.Internal}}"
        ]),
        "NAME      INTERNAL\nno-int    true\n"
    );
    let json = lab.ok(&[
        "network",
        "ls",
        "--filter",
        "name=no-int",
        "--format",
        "{{json .}}",
    ]);
    let id = lab.ok(&["network", "ls", "-q", "--filter", "name=no-int"]);
    assert_eq!(
        json,
        format!(
            r#"{{"CreatedAt":"2026-01-01 00:00:02 +0000 UTC","Driver":"bridge","ID":"{}","IPv6":"false","Internal":"true","Labels":"a=1,b=2","Name":"no-int","Scope":"local"}}"#,
            id.trim()
        ) + "\n"
    );
    assert_eq!(
        lab.ok(&[
            "network",
            "ls",
            "--filter",
            "label=k",
            "--format",
            "{{.Name}} {{.Labels}}"
        ]),
        "no-x14 k=v,noequals=\n"
    );
    assert_eq!(
        lab.ok(&["network", "ls", "--filter", "scope=swarm"]),
        "NETWORK ID   NAME      DRIVER    SCOPE\n"
    );
    let full = lab.ok(&[
        "network",
        "ls",
        "--no-trunc",
        "--filter",
        "type=custom",
        "-q",
    ]);
    assert_eq!(full.lines().count(), 2);
    assert!(full.lines().all(|l| l.len() == 64), "{full}");
    assert_eq!(
        lab.ok(&[
            "network",
            "ls",
            "--filter",
            "type=builtin",
            "--format",
            "{{.Name}}"
        ]),
        "bridge\nhost\nnone\n"
    );
    // Docker 20.10.24: -q gives way to a template of the user's, not to
    // `table` alone; `raw`; a tab outside a table is a tab; names in
    // natural order (no-x9 before no-x14).
    let ls = |args: &[&str]| {
        let mut all = vec!["network", "ls", "--filter", "name=no-"];
        all.extend_from_slice(args);
        lab.ok(&all)
    };
    assert_eq!(ls(&["-q", "--format", "{{.Name}}"]), "no-int\nno-x14\n");
    let quiet = ls(&["-q", "--format", "table"]);
    assert_eq!(quiet.lines().next(), Some(id.trim()), "{quiet}");
    assert!(quiet.lines().all(|l| l.len() == 12), "{quiet}");
    assert_eq!(
        ls(&["--format", "{{.Name}}\\t{{.Driver}}|"]),
        "no-int\tbridge|\nno-x14\tbridge|\n"
    );
    assert_eq!(
        lab.ok(&[
            "network",
            "ls",
            "--filter",
            "name=no-int",
            "--format",
            "raw"
        ]),
        format!(
            "network_id: {}\nname: no-int\ndriver: bridge\nscope: local\n\n",
            id.trim()
        )
    );
    lab.ok(&["network", "create", "no-x9"]);
    // Docker 20.10.24: `--attachable --ipam-opt a=b` shows `true` and
    // `{"Driver":"default","Options":{"a":"b"},...}`.
    lab.ok(&[
        "network",
        "create",
        "--attachable",
        "--ipam-driver",
        "default",
        "--ipam-opt",
        "a=b",
        "att",
    ]);
    assert_eq!(
        lab.ok(&[
            "network",
            "inspect",
            "-f",
            "{{.Attachable}} {{json .IPAM.Options}}",
            "att"
        ]),
        "true {\"a\":\"b\"}\n"
    );
    assert_eq!(ls(&["--format", "{{.Name}}"]), "no-int\nno-x9\nno-x14\n");
}

/// Refusals, in Docker 20.10.24's words and exit codes: the client's
/// own (no prefix, exit 1), the flag parser's (exit 125), the daemon's.
#[test]
fn bad_network_input_in_dockers_words() {
    let lab = TestLab::start("net-errors");
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["network", "create", "--ip-range", "10.80.0.0/24", "x1"],
            1,
            "every ip-range or gateway must have a corresponding subnet\n",
        ),
        (
            &["network", "create", "--subnet", "10.80.0.0/16", "--ip-range", "10.81.0.0/24", "x2"],
            1,
            "no matching subnet for range 10.81.0.0/24\n",
        ),
        (
            &["network", "create", "--subnet", "10.80.0.0/16", "--aux-address", "a=10.90.0.1", "x4"],
            1,
            "no matching subnet for aux-address 10.90.0.1\n",
        ),
        (
            &["network", "create", "--subnet", "10.80.0.0/16", "--aux-address", "a=10.80.0.1", "x8"],
            1,
            "Error response from daemon: failed to allocate secondary ip address (a:10.80.0.1): Address already in use\n",
        ),
        (
            &["network", "create", "-o", "com.docker.network.bridge.enable_icc=maybe", "x10"],
            1,
            "Error response from daemon: failed to parse com.docker.network.bridge.enable_icc value: maybe (strconv.ParseBool: parsing \"maybe\": invalid syntax)\n",
        ),
        (
            &["network", "create", "-o", "com.docker.network.driver.mtu=abc", "x11"],
            1,
            "Error response from daemon: failed to parse com.docker.network.driver.mtu value: abc (strconv.Atoi: parsing \"abc\": invalid syntax)\n",
        ),
        (
            &["network", "create", "-o", "com.docker.network.bridge.name=a-very-long-bridge-name-x", "y3"],
            1,
            "Error response from daemon: failed to check bridge interface existence: numerical result out of range\n",
        ),
        (
            &["network", "create", "--ipam-driver", "foo", "ipd"],
            1,
            "Error response from daemon: plugin \"foo\" not found\n",
        ),
        (
            &["network", "create", "--ipv6", "v6"],
            1,
            "Error response from daemon: could not find an available, non-overlapping IPv6 address pool among the defaults to assign to the network\n",
        ),
        (
            &["network", "ls", "--filter", "foo=bar"],
            1,
            "Error response from daemon: Invalid filter 'foo'\n",
        ),
        (
            &["network", "ls", "--filter", "type=x"],
            1,
            "Error response from daemon: invalid filter: 'type'='x'\n",
        ),
        (
            &["network", "ls", "--filter", "dangling=x"],
            1,
            "Error response from daemon: invalid value for filter 'dangling', must be \"true\" (or \"1\"), or \"false\" (or \"0\")\n",
        ),
        (
            &["network", "ls", "--filter", "bad"],
            125,
            "invalid argument \"bad\" for \"-f, --filter\" flag: bad format of filter (expected name=value)\nSee 'netlings network ls --help'.\n",
        ),
        (
            &["network", "ls", "--format", "{{.Name}}|{{.Nope}}"],
            1,
            "template parsing error: template: :1:12: executing \"\" at <.Nope>: can't evaluate field Nope in type *network.networkContext\n",
        ),
        (
            &["network", "prune", "-f", "--filter", "foo=1"],
            1,
            "Error response from daemon: Invalid filter 'foo'\n",
        ),
    ];
    let before = lab.ok(&["network", "ls", "-q"]);
    for (args, code, err) in cases {
        let (c, out, e) = lab.run(args);
        assert_eq!((c, out.as_str(), e.as_str()), (*code, "", *err), "{args:?}");
    }
    assert_eq!(lab.ok(&["network", "ls", "-q"]), before, "nothing was made");
}

/// Docker 20.10.24's prune: the prompt on stdout, only "y" goes on, then
/// "Deleted Networks:", a name a line and an empty line; networks with a
/// running container stay, those of stopped containers go.
#[test]
fn prune_asks_and_removes_unused_networks() {
    let lab = TestLab::start("net-prune");
    for n in ["p1", "p2", "p3"] {
        lab.ok(&["network", "create", n]);
    }
    // Docker 20.10.24 removed a network whose only container was Created.
    lab.ok(&["create", "--name", "made", "--network", "p1", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "busy", "--network", "p3", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "idle", "--network", "p2", FLAPPY]);
    lab.ok(&["stop", "-t", "0", "idle"]);
    let prompt = "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ";
    let out = lab
        .cmd(&["network", "prune"])
        .write_stdin("n\n")
        .output()
        .unwrap();
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).as_ref()
        ),
        (Some(0), prompt)
    );
    let out = lab
        .cmd(&["network", "prune"])
        .write_stdin("y\n")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{prompt}Deleted Networks:\np1\np2\n\n")
    );
    assert_eq!(lab.ok(&["network", "prune", "-f"]), "");
    assert_eq!(
        lab.ok(&[
            "network",
            "ls",
            "--filter",
            "type=custom",
            "--format",
            "{{.Name}}"
        ]),
        "p3\n"
    );
}

/// Docker 20.10.24 with `-o com.docker.network.bridge.enable_icc=false -o
/// com.docker.network.driver.mtu=1400`: the containers' eth0 has an MTU of
/// 1400; they cannot reach each other (ping and TCP fail) but reach the
/// gateway (the range's first address, 10.82.0.128) and resolve each
/// other's names; the host reaches them.
#[test]
fn icc_off_and_mtu_are_honoured() {
    icc_off_and_mtu(&TestLab::start("net-icc"));
}

/// The same in a lab in a user namespace of its own: the bridge port's
/// flag and the MTU need no privilege outside it.
#[test]
fn icc_off_and_mtu_are_honoured_rootless() {
    icc_off_and_mtu(&TestLab::start_rootless("net-iccu"));
}

fn icc_off_and_mtu(lab: &TestLab) {
    lab.ok(&[
        "network",
        "create",
        "--subnet",
        "10.82.0.0/16",
        "--ip-range",
        "10.82.0.128/25",
        "-o",
        "com.docker.network.bridge.enable_icc=false",
        "-o",
        "com.docker.network.driver.mtu=1400",
        "x19",
    ]);
    lab.ok(&["run", "-d", "--name", "nh", "--network", "x19", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "ni", "--network", "x19", FLAPPY]);
    let link = lab.ok(&["exec", "ni", "ip", "link", "show", "eth0"]);
    assert!(link.contains(" mtu 1400 "), "{link}");
    assert!(!pings(lab, "ni", "10.82.0.129"), "icc off: no peer");
    assert!(!gets(lab, "ni", "10.82.0.129"), "icc off: no peer");
    assert!(pings(lab, "ni", "10.82.0.128"), "the gateway");
    let answer = lab.ok(&["exec", "ni", "nslookup", "nh"]);
    assert!(answer.contains("10.82.0.129"), "{answer}");
    let body = lab.ok(&[
        "lab",
        "exec",
        "--",
        "curl",
        "-s",
        "-m",
        "3",
        "http://10.82.0.129/",
    ]);
    assert!(body.contains("200 OK"), "the host reaches it: {body}");
    // A network with icc on, beside it, is unaffected.
    lab.ok(&["network", "create", "open"]);
    lab.ok(&["run", "-d", "--name", "o1", "--network", "open", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "o2", "--network", "open", FLAPPY]);
    assert!(gets(lab, "o2", "o1"));
}

/// `network connect --link TARGET:ALIAS`, as Docker 20.10.24 did it
/// (2026-12-02): on a user network ALIAS resolves to TARGET's address
/// there (nslookup and ping), /etc/hosts gets no line for it, inspect
/// keeps the value as given under `Links`; a TARGET that does not exist is
/// no error; the client refuses "" and "a:b:c" with 125.
#[test]
fn network_connect_link_adds_a_dns_alias_as_docker_does() {
    let lab = TestLab::start("connlink");
    lab.ok(&["network", "create", "ln1"]);
    lab.ok(&["run", "-d", "--name", "web", "--net", "ln1", FLAPPY]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "cli",
        "training/webapp",
        "sleep",
        "1000",
    ]);
    assert_eq!(
        lab.ok(&["network", "connect", "--link", "web:dbalias", "ln1", "cli"]),
        ""
    );
    let cli = lab.ok(&["inspect", "-f", "{{.Id}}", "cli"]);
    let short = &cli[..12];
    assert_eq!(
        lab.ok(&["exec", "cli", "cat", "/etc/hosts"]),
        format!("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n172.17.0.2\t{short}\n172.18.0.3\t{short}\n")
    );
    assert_eq!(
        lab.ok(&["exec", "cli", "nslookup", "dbalias"]),
        "Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\nNon-authoritative answer:\nName:\tdbalias\nAddress: 172.18.0.2\n\nNon-authoritative answer:\n\n"
    );
    let ping = lab.ok(&["exec", "cli", "ping", "-c1", "-W1", "dbalias"]);
    assert!(
        ping.starts_with("PING dbalias (172.18.0.2): 56 data bytes\n64 bytes from 172.18.0.2"),
        "{ping}"
    );
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{json .NetworkSettings.Networks.ln1.Links}} {{json .NetworkSettings.Networks.ln1.Aliases}}", "cli"]),
        format!("[\"web:dbalias\"] [\"{short}\"]\n")
    );

    lab.ok(&["network", "create", "ln2"]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "c2",
        "training/webapp",
        "sleep",
        "1000",
    ]);
    lab.ok(&["network", "connect", "--link", "nosuch:x", "ln2", "c2"]);
    lab.ok(&["network", "connect", "--link", "/web/:a", "ln2", "cli"]);
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{json .NetworkSettings.Networks.ln2.Links}}",
            "c2",
            "cli"
        ]),
        "[\"nosuch:x\"]\n[\"/web/:a\"]\n"
    );
    let (code, _, err) = lab.run(&["exec", "c2", "nslookup", "x"]);
    assert_eq!((code, err.as_str()), (1, ""));
    for (value, why) in [
        ("bad:x:y", "bad format for links: bad:x:y"),
        ("", "empty string specified for links"),
    ] {
        let (code, _, err) = lab.run(&["network", "connect", "--link", value, "ln1", "c2"]);
        assert_eq!(
            (code, err),
            (125, format!("invalid argument \"{value}\" for \"--link\" flag: {why}\nSee 'netlings network connect --help'.\n"))
        );
    }
    // A created container joins with its short id as alias, no NetworkID yet.
    lab.ok(&["create", "--name", "later", "training/webapp"]);
    lab.ok(&["network", "connect", "--link", "web:zz", "ln1", "later"]);
    let later = lab.ok(&["inspect", "-f", "{{.Id}}", "later"]);
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{json .NetworkSettings.Networks.ln1}}", "later"]),
        format!("{{\"IPAMConfig\":{{}},\"Links\":[\"web:zz\"],\"Aliases\":[\"{}\"],\"NetworkID\":\"\",\"EndpointID\":\"\",\"Gateway\":\"\",\"IPAddress\":\"\",\"IPPrefixLen\":0,\"IPv6Gateway\":\"\",\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,\"MacAddress\":\"\",\"DriverOpts\":{{}}}}\n", &later[..12])
    );
}

/// `network disconnect [-f]` in Docker 20.10.24's order of checks
/// (2026-12-02): `-f` with a missing container looks for a stale endpoint
/// ("endpoint NAME not found"), with a missing network lets a running
/// container off in "not connected to the network" words; a stopped
/// container forgets a network by name, even one that is gone, and then
/// starts on none.
#[test]
fn network_disconnect_and_force_answer_as_docker_does() {
    let lab = TestLab::start("disconnf");
    lab.ok(&["network", "create", "dn1"]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "cli",
        "training/webapp",
        "sleep",
        "1000",
    ]);
    lab.ok(&["create", "--name", "stp", "training/webapp", "true"]);
    lab.ok(&["network", "connect", "dn1", "cli"]);
    let id = |c: &str| lab.ok(&["inspect", "-f", "{{.Id}}", c]).trim().to_string();
    let (cli, stp) = (id("cli"), id("stp"));
    assert_eq!(lab.ok(&["network", "disconnect", "dn1", "cli"]), "");
    let refused = |args: &[&str]| {
        let (code, out, err) = lab.run(args);
        assert_eq!((code, out.as_str()), (1, ""), "{args:?}");
        err.strip_prefix("Error response from daemon: ")
            .unwrap_or(&err)
            .to_string()
    };
    let d = ["network", "disconnect"];
    assert_eq!(
        refused(&[&d[..], &["-f", "dn1", "cli"]].concat()),
        format!("container {cli} is not connected to network dn1\n")
    );
    assert_eq!(
        refused(&[&d[..], &["-f", "dn1", "nosuchctr"]].concat()),
        "endpoint nosuchctr not found\n"
    );
    assert_eq!(
        refused(&[&d[..], &["dn1", "nosuchctr"]].concat()),
        "No such container: nosuchctr\n"
    );
    assert_eq!(
        refused(&[&d[..], &["-f", "nosuchnet", "cli"]].concat()),
        format!("container {cli} is not connected to the network nosuchnet\n")
    );
    assert_eq!(
        refused(&[&d[..], &["nosuchnet", "cli"]].concat()),
        "network nosuchnet not found\n"
    );
    assert_eq!(
        refused(&[&d[..], &["-f", "nosuchnet", "nosuchctr"]].concat()),
        "network nosuchnet not found\n"
    );
    assert_eq!(
        refused(&[&d[..], &["dn1", "stp"]].concat()),
        format!("container {stp} is not connected to the network dn1\n")
    );
    assert_eq!(
        refused(&[&d[..], &["nosuchnet", "stp"]].concat()),
        format!("container {stp} is not connected to the network nosuchnet\n")
    );

    lab.ok(&["network", "create", "gone"]);
    lab.ok(&[
        "create",
        "--name",
        "orph",
        "--net",
        "gone",
        "training/webapp",
        "true",
    ]);
    lab.ok(&["network", "rm", "gone"]);
    assert_eq!(lab.ok(&["network", "disconnect", "gone", "orph"]), "");
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{json .NetworkSettings.Networks}} {{.HostConfig.NetworkMode}}",
            "orph"
        ]),
        "{} gone\n"
    );
    assert_eq!(lab.ok(&["start", "orph"]), "orph\n");

    // Created on a network that does not exist yet: shown by name, and
    // started once the network is there (or forgotten, as above).
    lab.ok(&[
        "create",
        "--net",
        "notyet",
        "--name",
        "ny",
        "training/webapp",
        "true",
    ]);
    assert_eq!(
        lab.ok(&[
            "ps",
            "-a",
            "--filter",
            "name=ny",
            "--format",
            "{{.Networks}}"
        ]),
        "notyet\n"
    );
    lab.ok(&["network", "create", "notyet"]);
    assert_eq!(lab.ok(&["start", "ny"]), "ny\n");
    let net = lab.ok(&["network", "inspect", "-f", "{{.Id}}", "notyet"]);
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{.NetworkSettings.Networks.notyet.NetworkID}}",
            "ny"
        ]),
        net
    );
}

/// What a network mode cannot take, and connects it refuses, as Docker
/// 20.10.24 refused them (recorded with /usr/bin/docker on 2026-12-03).
#[test]
fn network_modes_refuse_what_they_cannot_take_in_dockers_words() {
    let lab = TestLab::start("netmodes");
    lab.ok(&["run", "-d", "--name", "bb", FLAPPY]);
    let conflict = |what: &str| {
        (
            1,
            String::new(),
            format!("Error response from daemon: conflicting options: {what}\n"),
        )
    };
    for (extra, what) in [
        (&["-h", "x"][..], "hostname and the network mode"),
        (&["--dns", "1.1.1.1"], "dns and the network mode"),
        (
            &["--add-host", "a:1.2.3.4"],
            "custom host-to-IP mapping and the network mode",
        ),
        (
            &["--mac-address", "02:42:ac:11:00:09"],
            "mac-address and the network mode",
        ),
        (
            &["--expose", "99"],
            "port exposing and the container type network mode",
        ),
        (
            &["-p", "80"],
            "port publishing and the container type network mode",
        ),
    ] {
        let args = [&["create", "--network", "container:bb"], extra, &[FLAPPY]].concat();
        assert_eq!(lab.run(&args), conflict(what), "{extra:?}");
    }
    assert_eq!(
        lab.run(&[
            "create",
            "--network",
            "host",
            "--mac-address",
            "02:42:ac:11:00:09",
            FLAPPY
        ]),
        conflict("mac-address and the network mode")
    );
    // Named networks other than user-defined ones take no links (the client).
    assert_eq!(
        lab.run(&["create", "--network", "bridge", "--link", "bb:b", FLAPPY]),
        (
            125,
            String::new(),
            "netlings: links are only supported for user-defined networks.\nSee 'netlings create --help'.\n".to_string()
        )
    );

    lab.ok(&["network", "create", "mynet"]);
    lab.ok(&["run", "-d", "--name", "nn", "--network", "none", FLAPPY]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "hh",
        "--network",
        "host",
        "training/webapp",
        "sleep",
        "600",
    ]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "cc",
        "--network",
        "container:bb",
        "training/webapp",
        "sleep",
        "600",
    ]);
    let none = "container cannot be connected to multiple networks with one of the networks in private (none) mode";
    let shared = "container sharing network namespace with another container or host cannot be connected to any other network";
    let host = "container cannot be disconnected from host network or connected to host network";
    for (args, words) in [
        (&["connect", "mynet", "nn"][..], none),
        (&["connect", "none", "bb"], none),
        (&["connect", "bridge", "nn"], none),
        (&["connect", "mynet", "hh"], shared),
        (&["connect", "mynet", "cc"], shared),
        (&["connect", "host", "bb"], host),
        (&["disconnect", "host", "hh"], host),
    ] {
        let args = [&["network"], args].concat();
        assert_eq!(
            lab.run(&args),
            (
                1,
                String::new(),
                format!("Error response from daemon: {words}\n")
            ),
            "{args:?}"
        );
    }

    // A legacy link's source must be on the default bridge: the start
    // fails and the container stays Created, until the source joins it.
    lab.ok(&["run", "-d", "--name", "srv", "--network", "mynet", FLAPPY]);
    let (code, _, err) = lab.run(&[
        "run",
        "--name",
        "lk",
        "--link",
        "srv:s",
        "training/webapp",
        "true",
    ]);
    assert_eq!(
        (code, err.as_str()),
        (125, "netlings: Error response from daemon: Cannot link to /srv, as it does not belong to the default network.\n")
    );
    assert!(lab
        .ok(&["ps", "-a", "--filter", "name=lk"])
        .contains("Created"));
    lab.ok(&["network", "connect", "bridge", "srv"]);
    assert_eq!(lab.run(&["start", "-a", "lk"]).0, 0);
}
