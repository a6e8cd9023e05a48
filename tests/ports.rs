//! Publishing ports through the CLI, with real TCP and UDP traffic.

mod common;
use common::TestLab;

const FLAPPY: &str = "quay.io/purplebooth/flappy-endpoint";

fn curl(lab: &TestLab, url: &str) -> (i32, String) {
    let (code, out, _) = lab.run(&["lab", "exec", "--", "curl", "-s", "-m", "2", url]);
    (code, out)
}

#[test]
fn every_publish_form_carries_real_traffic() {
    let lab = TestLab::start("publish");
    lab.ok(&["run", "-d", "--name", "fixed", "-p", "80:80", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "all", "-P", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "range", "-p", "8000-9000:80", FLAPPY]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "local",
        "-p",
        "127.0.0.1:8080:80",
        FLAPPY,
    ]);
    lab.ok(&["run", "-d", "--name", "eph", "-p", "127.0.0.1::80", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "bare", "-p", "80", FLAPPY]);

    assert_eq!(
        lab.ok(&["port", "fixed"]),
        "80/tcp -> 0.0.0.0:80\n80/tcp -> :::80\n"
    );
    // Ephemeral ports come from 32768 up, IPv4 and IPv6 counted apart.
    assert_eq!(lab.ok(&["port", "all", "80"]), "0.0.0.0:32768\n:::32768\n");
    assert_eq!(
        lab.ok(&["port", "range"]),
        "80/tcp -> 0.0.0.0:8000\n80/tcp -> :::8000\n"
    );
    assert_eq!(lab.ok(&["port", "local"]), "80/tcp -> 127.0.0.1:8080\n");
    assert_eq!(lab.ok(&["port", "eph"]), "80/tcp -> 127.0.0.1:32769\n");
    assert_eq!(
        lab.ok(&["port", "bare", "80/tcp"]),
        "0.0.0.0:32770\n:::32769\n"
    );
    let ps = lab.ok(&["ps"]);
    assert!(ps.contains("0.0.0.0:80->80/tcp, :::80->80/tcp"), "{ps}");
    assert!(ps.contains("127.0.0.1:8080->80/tcp"), "{ps}");

    for port in ["80", "32768", "8000", "8080", "32769", "32770"] {
        let (code, body) = curl(&lab, &format!("http://127.0.0.1:{port}/"));
        assert_eq!(code, 0, "port {port}");
        assert!(body.contains("200 OK"), "port {port}: {body}");
    }
    // 127.0.0.1 bindings are not on the lab host's other addresses.
    assert_ne!(curl(&lab, "http://172.17.0.1:8080/").0, 0);
    assert_eq!(curl(&lab, "http://172.17.0.1:80/").0, 0);
    // The `:::80` binding answers on the lab host's IPv6 loopback.
    assert!(curl(&lab, "http://[::1]:80/").1.contains("200 OK"));
    assert_ne!(curl(&lab, "http://[::1]:8080/").0, 0);

    let fixed: serde_json::Value = serde_json::from_str(&lab.ok(&["inspect", "fixed"])).unwrap();
    assert_eq!(
        fixed[0]["NetworkSettings"]["Ports"]["80/tcp"],
        serde_json::json!([{"HostIp": "0.0.0.0", "HostPort": "80"}, {"HostIp": "::", "HostPort": "80"}])
    );
    assert_eq!(
        fixed[0]["HostConfig"]["PortBindings"],
        serde_json::json!({"80/tcp": [{"HostIp": "", "HostPort": "80"}]})
    );
}

#[test]
fn udp_is_proxied_too() {
    let lab = TestLab::start("udp");
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "echo",
        "-p",
        "5353:5353/udp",
        FLAPPY,
        "nc",
        "-u",
        "-l",
        "-p",
        "5353",
    ]);
    lab.ok(&["run", "-d", "--name", "client", FLAPPY]);
    assert_eq!(
        lab.ok(&["port", "echo", "5353/udp"]),
        "0.0.0.0:5353\n:::5353\n"
    );
    // From another container, through the lab host's published port.
    let out = lab
        .cmd(&[
            "exec",
            "-i",
            "client",
            "nc",
            "-u",
            "-w",
            "2",
            "172.17.0.1",
            "5353",
        ])
        .write_stdin("datagram through the proxy")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "datagram through the proxy"
    );
}

#[test]
fn conflicts_use_dockers_words_and_leave_no_listener() {
    let lab = TestLab::start("conflict");
    lab.ok(&["run", "-d", "--name", "first", "-p", "80:80", FLAPPY]);
    let (code, out, err) = lab.run(&["run", "-d", "--name", "second", "-p", "80:80", FLAPPY]);
    assert_eq!(code, 125);
    assert_eq!(
        out.trim().len(),
        64,
        "the id of the created container comes first"
    );
    assert!(
        err.starts_with("netlings: Error response from daemon: driver failed programming external connectivity on endpoint second (")
                        // A start error: Docker's client adds no help line (reference 04).
            && err.ends_with("): Bind for 0.0.0.0:80 failed: port is already allocated.\n"),
        "{err}"
    );
    let state = lab.ok(&[
        "inspect",
        "-f",
        "{{.State.Status}} {{.State.ExitCode}}",
        "second",
    ]);
    assert_eq!(state.trim(), "created 128");
    let (code, _, err) = lab.run(&["start", "second"]);
    assert_eq!(code, 1);
    assert!(
        err.ends_with("port is already allocated\nError: failed to start containers: second\n"),
        "{err}"
    );

    let (_, _, err) = lab.run(&["run", "-d", "-p", "127.0.0.1:80:80", FLAPPY]);
    assert!(err.contains("Error starting userland proxy: listen tcp4 127.0.0.1:80: bind: address already in use."), "{err}");
    let (code, _, err) = lab.run(&["run", "-d", "-p", "70000:80", FLAPPY]);
    assert_eq!(
        (code, err.as_str()),
        (
            125,
            "netlings: Invalid hostPort: 70000.\nSee 'netlings run --help'.\n"
        )
    );
    let (_, _, err) = lab.run(&["run", "-d", "-p", "127.0.0.1:80:80/sctpx", FLAPPY]);
    assert!(err.starts_with("netlings: Invalid proto: sctpx."), "{err}");
    let (code, _, err) = lab.run(&["port", "first", "81"]);
    assert_eq!(
        (code, err.trim()),
        (1, "Error: No public port '81/tcp' published for first")
    );

    // Freed at once on stop; the second container can now start.
    lab.ok(&["stop", "first"]);
    assert_ne!(
        curl(&lab, "http://127.0.0.1:80/").0,
        0,
        "nothing listens after stop"
    );
    lab.ok(&["start", "second"]);
    assert_eq!(curl(&lab, "http://127.0.0.1:80/").0, 0);
    // Restart republishes.
    lab.ok(&["restart", "second"]);
    assert_eq!(curl(&lab, "http://127.0.0.1:80/").0, 0);
}

#[test]
fn published_ports_follow_the_gateway_network() {
    let lab = TestLab::start("gwmove");
    lab.ok(&["network", "create", "flappy-public"]);
    lab.ok(&["network", "create", "flappy-private"]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "flappy",
        "--net",
        "flappy-public",
        "-p",
        "80:80",
        FLAPPY,
    ]);
    // flappy-private sorts first: route and published port move there.
    lab.ok(&["network", "connect", "flappy-private", "flappy"]);
    let route = lab.ok(&["exec", "flappy", "ip", "route"]);
    assert!(
        route.starts_with("default via 172.19.0.1 dev eth1"),
        "{route}"
    );
    lab.ok(&["network", "disconnect", "flappy-public", "flappy"]);
    assert_eq!(
        curl(&lab, "http://127.0.0.1:80/").0,
        0,
        "-p 80:80 still works through flappy-private"
    );
}

/// One datagram from the lab host to `host:port`, and the reply. The lab
/// host runs host binaries, so our `nc` applet is run by its argv[0].
fn udp_from_lab_host(lab: &TestLab, host: &str, port: u16, payload: &str) -> String {
    let exe = assert_cmd::cargo::cargo_bin("netlings");
    let script = format!("exec -a nc \"$0\" -u -w 2 {host} {port}");
    // A datagram that arrives before the container's nc has bound its port
    // is lost (as on Docker): on a busy machine `run -d` returns before
    // that, so an unanswered datagram is sent again, a few times.
    let mut answer = String::new();
    for _ in 0..5 {
        let out = lab
            .cmd(&[
                "lab",
                "exec",
                "--",
                "bash",
                "-c",
                &script,
                exe.to_str().unwrap(),
            ])
            .write_stdin(payload)
            .output()
            .unwrap();
        answer = String::from_utf8_lossy(&out.stdout).into_owned();
        if !answer.is_empty() {
            break;
        }
    }
    answer
}

#[test]
fn several_flags_and_every_udp_form_carry_traffic() {
    let lab = TestLab::start("multi");
    // Reference 04's vigilant_colden: three -p flags in one run.
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "multi",
        "-p",
        "127.0.0.1:8080:5000",
        "-p",
        "127.0.0.1:8081:5000/udp",
        "-p",
        "5001",
        "training/webapp",
        "python",
        "app.py",
    ]);
    assert_eq!(
        lab.ok(&["port", "multi"]),
        "5000/tcp -> 127.0.0.1:8080\n5000/udp -> 127.0.0.1:8081\n5001/tcp -> 0.0.0.0:32768\n5001/tcp -> :::32768\n"
    );
    let ps = lab.ok(&["ps"]);
    assert!(
        ps.contains("   127.0.0.1:8080->5000/tcp, 127.0.0.1:8081->5000/udp, 0.0.0.0:32768->5001/tcp, :::32768->5001/tcp   multi\n"),
        "{ps}"
    );
    assert_eq!(
        curl(&lab, "http://127.0.0.1:8080/"),
        (0, "Hello world!".to_string())
    );
    // A UDP service next to the web app; exec -d returns at once.
    assert_eq!(
        lab.ok(&["exec", "-d", "multi", "nc", "-u", "-l", "-p", "5000"]),
        ""
    );
    assert_eq!(
        udp_from_lab_host(&lab, "127.0.0.1", 8081, "to 8081/udp"),
        "to 8081/udp"
    );

    // An explicit /tcp is the same as none.
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "tcp-suffix",
        "-p",
        "8090:5000/tcp",
        "training/webapp",
    ]);
    assert_eq!(
        lab.ok(&["port", "tcp-suffix", "5000/tcp"]),
        "0.0.0.0:8090\n:::8090\n"
    );
    assert_eq!(curl(&lab, "http://172.17.0.1:8090/").1, "Hello world!");

    // UDP counts its ports apart from TCP; 0.0.0.0:32768 is refused by the
    // kernel while 127.0.0.1:32768 is bound, so the next one is taken.
    let udp_forms = [
        ("udp-eph", "127.0.0.1::7000/udp", "127.0.0.1:32768\n", 32768),
        (
            "udp-range",
            "6000-6010:7000/udp",
            "0.0.0.0:6000\n:::6000\n",
            6000,
        ),
        ("udp-bare", "7000/udp", "0.0.0.0:32769\n:::32768\n", 32769),
    ];
    for (name, spec, port_out, host_port) in udp_forms {
        lab.ok(&[
            "run", "-d", "--name", name, "-p", spec, FLAPPY, "nc", "-u", "-l", "-p", "7000",
        ]);
        assert_eq!(lab.ok(&["port", name, "7000/udp"]), port_out, "{spec}");
        let payload = format!("through {spec}");
        assert_eq!(
            udp_from_lab_host(&lab, "127.0.0.1", host_port, &payload),
            payload,
            "{spec}"
        );
    }
    let ps = lab.ok(&["ps"]);
    assert!(
        ps.contains("   80/tcp, 127.0.0.1:32768->7000/udp   "),
        "{ps}"
    );
    assert!(
        ps.contains("   80/tcp, 0.0.0.0:32769->7000/udp, :::32768->7000/udp   "),
        "{ps}"
    );
    // A wildcard UDP binding answers on the lab host's bridge address too.
    assert_eq!(
        udp_from_lab_host(&lab, "172.17.0.1", 6000, "via docker0"),
        "via docker0"
    );
}

/// What a failed publish could leave behind on the lab host: links,
/// listening sockets, and endpoints on the default bridge.
fn lab_host_state(lab: &TestLab) -> (String, String, String) {
    let links = lab.ok(&["lab", "exec", "--", "ip", "-o", "link", "show"]);
    let mut listeners: Vec<String> = lab
        .ok(&["lab", "exec", "--", "ss", "-Hlntu"])
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    listeners.sort();
    let endpoints = lab.ok(&[
        "network",
        "inspect",
        "-f",
        "{{range $id, $c := .Containers}}{{$c.Name}} {{end}}",
        "bridge",
    ]);
    (links, listeners.join("\n"), endpoints)
}

#[test]
fn bad_specs_and_exhausted_ranges_fail_in_dockers_words_and_leave_nothing() {
    let lab = TestLab::start("badspec");
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "web1",
        "-p",
        "9100-9101:5000",
        "training/webapp",
    ]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "web2",
        "-p",
        "9100-9101:5000",
        "training/webapp",
    ]);
    assert_eq!(lab.ok(&["port", "web2", "5000"]), "0.0.0.0:9101\n:::9101\n");
    let before = lab_host_state(&lab);
    assert_eq!(before.2, "web1 web2 \n");

    // Parsed in the client: nothing is created at all.
    for (spec, message) in [
        (
            "8000-8002:5000-5001",
            "Invalid ranges specified for container and host Ports: 5000-5001 and 8000-8002",
        ),
        ("300.1.1.1:80:5000", "Invalid ip address: 300.1.1.1"),
        ("80:abc", "Invalid containerPort: abc"),
        ("9000-8000:5000", "Invalid hostPort: 9000-8000"),
    ] {
        let (code, out, err) = lab.run(&["run", "-d", "-p", spec, "training/webapp"]);
        assert_eq!(
            (code, out.as_str(), err),
            (
                125,
                "",
                format!("netlings: {message}.\nSee 'netlings run --help'.\n")
            ),
            "{spec}"
        );
    }

    // A range with no free port: created, then the start fails.
    let (code, out, err) = lab.run(&[
        "run",
        "-d",
        "--name",
        "web3",
        "-p",
        "9100-9101:5000",
        "training/webapp",
    ]);
    assert_eq!(code, 125);
    assert_eq!(out.trim().len(), 64, "the id of the created container");
    assert!(
        err.starts_with(
            "netlings: Error response from daemon: driver failed programming external connectivity on endpoint web3 ("
        ) && err.ends_with("): all ports are allocated.\n"),
        "{err}"
    );
    // A taken port, and an address taken by a wider (0.0.0.0) binding.
    let (code, _, err) = lab.run(&["run", "-d", "-p", "9100:5000", "training/webapp"]);
    assert_eq!(code, 125);
    assert!(
        err.ends_with("Bind for 0.0.0.0:9100 failed: port is already allocated.\n"),
        "{err}"
    );
    let (code, _, err) = lab.run(&["run", "-d", "-p", "127.0.0.1:9101:5000", "training/webapp"]);
    assert_eq!(code, 125);
    assert!(
        err.ends_with(
            "Error starting userland proxy: listen tcp4 127.0.0.1:9101: bind: address already in use.\n"
        ),
        "{err}"
    );

    // No veth, no listener, no endpoint: the failed ones sit in Created.
    assert_eq!(lab_host_state(&lab), before);
    let ps = lab.ok(&["ps", "-a", "--filter", "name=web3"]);
    assert!(ps.contains(" Created "), "{ps}");

    // Freed at once by rm: web3 can start on web1's port.
    lab.ok(&["rm", "-f", "web1"]);
    lab.ok(&["start", "web3"]);
    assert_eq!(lab.ok(&["port", "web3", "5000"]), "0.0.0.0:9100\n:::9100\n");
    assert_eq!(curl(&lab, "http://127.0.0.1:9100/").1, "Hello world!");
}

#[test]
fn a_low_soft_limit_on_open_files_does_not_cap_published_ports() {
    let lab = TestLab::start("fdlimit");
    lab.ok(&["lab", "stop"]);
    // A login shell's soft limit is often 1024; 100 ports on IPv4 and IPv6
    // need some 600 fds. The engine raises its soft limit to the hard one.
    let exe = assert_cmd::cargo::cargo_bin("netlings");
    let started = std::process::Command::new("bash")
        .args([
            "-c",
            "ulimit -Sn 256 && exec \"$0\" lab start --deterministic",
        ])
        .arg(&exe)
        .env("NETLINGS_STATE_DIR", &lab.state_dir)
        .env("NETLINGS_LAB", &lab.name)
        .output()
        .unwrap();
    assert!(started.status.success(), "{started:?}");
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "many",
        "-p",
        "20000-20099:20000-20099",
        FLAPPY,
    ]);
    assert_eq!(lab.ok(&["port", "many"]).lines().count(), 200);
}
