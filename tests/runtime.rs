//! The runtime through the CLI, with real namespaces and real traffic.

mod common;
use common::TestLab;

const FLAPPY: &str = "quay.io/purplebooth/flappy-endpoint";

#[test]
fn default_bridge_container_looks_like_dockers() {
    let lab = TestLab::start("bridge");
    let id = lab.ok(&["run", "-d", "--name", "flappy", FLAPPY]);
    let id = id.trim();
    assert_eq!(id.len(), 64);

    let addr = lab.ok(&["exec", "flappy", "ip", "addr"]);
    assert!(
        addr.contains("inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0"),
        "{addr}"
    );
    assert!(
        addr.contains("link/ether 02:42:ac:11:00:02 brd ff:ff:ff:ff:ff:ff"),
        "{addr}"
    );
    let route = lab.ok(&["exec", "flappy", "ip", "route", "list"]);
    assert!(
        route.starts_with("default via 172.17.0.1 dev eth0 \n"),
        "{route}"
    );
    assert_eq!(lab.ok(&["exec", "flappy", "hostname"]).trim(), &id[..12]);
    let hosts = lab.ok(&["exec", "flappy", "cat", "/etc/hosts"]);
    assert!(
        hosts.ends_with(&format!(
            "ff02::2\tip6-allrouters\n172.17.0.2\t{}\n",
            &id[..12]
        )),
        "{hosts}"
    );

    let net: serde_json::Value =
        serde_json::from_str(&lab.ok(&["network", "inspect", "bridge"])).unwrap();
    let c = &net[0]["Containers"][id];
    assert_eq!(c["Name"], "flappy");
    assert_eq!(c["IPv4Address"], "172.17.0.2/16");
    assert_eq!(c["MacAddress"], "02:42:ac:11:00:02");
    assert!(net[0]["IPAM"]["Config"][0].get("Gateway").is_none());

    // Real HTTP from the lab host to the container.
    let body = lab.ok(&[
        "lab",
        "exec",
        "--",
        "curl",
        "-s",
        "-m",
        "3",
        "http://172.17.0.2/some/path",
    ]);
    assert!(body.contains("200 OK"), "{body}");
    // The real host has no route into the lab.
    let (code, _, _) = lab.run(&["exec", "flappy", "nc", "-z", "-w", "1", "172.17.0.1", "1"]);
    assert_ne!(code, 0);
}

#[test]
fn two_networks_isolate_and_a_container_on_both_reaches_both() {
    let lab = TestLab::start("isolation");
    lab.ok(&["network", "create", "net-a"]);
    let b = lab.ok(&["network", "create", "--driver=bridge", "net-b"]);
    let b_id = b.trim().to_string();
    lab.ok(&["run", "-d", "--name", "ca", "--net", "net-a", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "cb", "--network=net-b", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "both", "--net", "net-a", FLAPPY]);
    lab.ok(&["network", "connect", "net-b", "both"]);

    // Docker's order: 172.18 then 172.19; lowest free address from .2.
    let ip = |c: &str, n: &str| {
        lab.ok(&[
            "inspect",
            "-f",
            &format!("{{{{(index .NetworkSettings.Networks \"{n}\").IPAddress}}}}"),
            c,
        ])
        .trim()
        .to_string()
    };
    assert_eq!(ip("ca", "net-a"), "172.18.0.2");
    assert_eq!(ip("cb", "net-b"), "172.19.0.2");
    assert_eq!(ip("both", "net-a"), "172.18.0.3");
    assert_eq!(ip("both", "net-b"), "172.19.0.3");

    let reach =
        |from: &str, ip: &str| lab.run(&["exec", from, "nc", "-z", "-w", "1", ip, "80"]).0 == 0;
    assert!(reach("both", "172.18.0.2"), "both -> a");
    assert!(reach("both", "172.19.0.2"), "both -> b");
    assert!(reach("ca", "172.18.0.3"), "a -> both on net-a");
    assert!(!reach("ca", "172.19.0.2"), "a must not reach b");
    assert!(!reach("cb", "172.18.0.2"), "b must not reach a");
    let addr = lab.ok(&["exec", "both", "ip", "addr"]);
    assert!(
        addr.contains("eth1@if") && addr.contains("inet 172.19.0.3/16"),
        "{addr}"
    );

    // A bridge per user network, named after its id.
    let links = lab.ok(&[
        "lab", "exec", "--", "ip", "-o", "link", "show", "type", "bridge",
    ]);
    assert!(links.contains(&format!("br-{}", &b_id[..12])), "{links}");

    // Disconnect is live and frees the address for the next container.
    lab.ok(&["network", "disconnect", "net-b", "both"]);
    assert!(!reach("both", "172.19.0.2"));
    lab.ok(&["run", "-d", "--name", "cc", "--net", "net-b", FLAPPY]);
    assert_eq!(ip("cc", "net-b"), "172.19.0.3");

    let (code, _, err) = lab.run(&["network", "rm", "net-b"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("error while removing network: network net-b id")
            && err.contains("has active endpoints"),
        "{err}"
    );
}

#[test]
fn errors_are_dockers_and_leave_nothing_behind() {
    let lab = TestLab::start("errors");
    lab.ok(&["run", "-d", "--name", "web", FLAPPY]);
    let (code, _, err) = lab.run(&["run", "-d", "--name", "web", FLAPPY]);
    assert_eq!(code, 125);
    assert!(err.starts_with("netlings: Error response from daemon: Conflict. The container name \"/web\" is already in use by container \""), "{err}");
    let (code, _, err) = lab.run(&["run", "-d", "no/such-image"]);
    assert_eq!(code, 125);
    assert!(
        err.contains("Unable to find image 'no/such-image'") && err.contains("hello-world"),
        "{err}"
    );
    let (code, _, err) = lab.run(&["network", "connect", "no-such-net", "web"]);
    assert_eq!(
        (code, err.trim()),
        (
            1,
            "Error response from daemon: network no-such-net not found"
        )
    );
    lab.ok(&["network", "create", "flappy-private"]);
    let (_, _, err) = lab.run(&["network", "create", "flappy-private"]);
    assert_eq!(
        err.trim(),
        "Error response from daemon: network with name flappy-private already exists"
    );
    lab.ok(&["network", "connect", "flappy-private", "web"]);
    let (_, _, err) = lab.run(&["network", "connect", "flappy-private", "web"]);
    assert_eq!(err.trim(), "Error response from daemon: endpoint with name web already exists in network flappy-private");
    let (_, _, err) = lab.run(&["ps", "web"]);
    assert!(
        err.starts_with("\"netlings ps\" accepts no arguments."),
        "{err}"
    );
    // A command that is not there: the container stays Created, nothing runs.
    // Docker 20.10.24's client exits 127 then, and State.ExitCode is 127.
    let (code, _, err) = lab.run(&["run", "-d", "--name", "broken", FLAPPY, "no-such-binary"]);
    assert_eq!(code, 127);
    assert!(err.contains("executable file not found in $PATH"), "{err}");
    let state = lab.ok(&[
        "inspect",
        "-f",
        "{{.State.Status}} {{.State.ExitCode}}",
        "broken",
    ]);
    assert_eq!(state.trim(), "created 127");
    // Only web's veth exists on the lab host: the failed run left none.
    let veths = lab.ok(&[
        "lab", "exec", "--", "ip", "-o", "link", "show", "type", "veth",
    ]);
    assert_eq!(veths.lines().count(), 2, "{veths}");
}

#[test]
fn stop_start_restart_rm_and_ps() {
    let lab = TestLab::start("lifecycle");
    lab.ok(&["run", "-d", "--name", "one", FLAPPY]);
    lab.ok(&["run", "-d", FLAPPY]);
    let ps = lab.ok(&["ps"]);
    assert!(ps.starts_with("CONTAINER ID   IMAGE   "), "{ps}");
    assert_eq!(ps.lines().count(), 3);
    // The unnamed one got a generated adjective_surname.
    let generated = ps
        .lines()
        .map(|l| l.rsplit(' ').next().unwrap())
        .find(|n| *n != "one" && *n != "NAMES")
        .unwrap();
    let (adj, sur) = generated.split_once('_').expect("adjective_surname");
    assert!(
        adj.chars().all(|c| c.is_ascii_lowercase()) && sur.chars().all(|c| c.is_ascii_lowercase()),
        "{generated}"
    );
    assert_eq!(lab.ok(&["stop", "one"]).trim(), "one");
    assert_eq!(lab.ok(&["ps", "-q"]).lines().count(), 1);
    assert!(lab.ok(&["ps", "-a"]).contains("Exited (0)"));
    lab.ok(&["start", "one"]);
    lab.ok(&["restart", "one"]);
    // `restart` is not a restart by policy: Docker 20.10 keeps RestartCount
    // at 0 (docs/docker-20.10-facts.md #164).
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{.RestartCount}} {{.State.Running}}",
            "one"
        ])
        .trim(),
        "0 true"
    );
    let (code, _, err) = lab.run(&["rm", "one"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("You cannot remove a running container"),
        "{err}"
    );
    // Filters: a stopped container shows for status= without -a.
    lab.ok(&["stop", "one"]);
    let ps = lab.ok(&["ps", "--filter", "status=exited"]);
    assert_eq!(ps.lines().count(), 2, "{ps}");
    assert!(ps.ends_with("   one\n"), "{ps}");
    assert_eq!(
        lab.ok(&["ps", "-aq", "-f", "name=^one$"]).lines().count(),
        1
    );
    assert_eq!(lab.ok(&["ps", "-q", "-f", "name=one"]), "");
    let (code, _, err) = lab.run(&["ps", "-f", "colour=red"]);
    assert_eq!(
        (code, err.as_str()),
        (1, "Error response from daemon: Invalid filter 'colour'\n")
    );
    lab.ok(&["start", "one"]);

    // exec -d: back at once, the command runs on in the container.
    assert_eq!(
        lab.ok(&[
            "exec",
            "-d",
            "one",
            "sh",
            "-c",
            "echo ran > /tmp/exec-d; sleep 30"
        ]),
        ""
    );
    let mut seen = String::new();
    for _ in 0..50 {
        // The container's own PID namespace: only its processes show.
        let (_, out, _) = lab.run(&[
            "exec",
            "one",
            "sh",
            "-c",
            "for c in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $c; echo; done",
        ]);
        if out.lines().any(|l| l == "sleep 30 ") {
            seen = out;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(seen.contains("sleep 30"), "the detached command runs on");
    // Docker 20.10.24: a daemon error, exit 1.
    let (code, out, err) = lab.run(&["exec", "-d", "one", "no-such-command"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(
        err.starts_with("Error response from daemon: OCI runtime exec failed:")
            && err.contains("executable file not found in $PATH"),
        "{err}"
    );

    lab.ok(&["rm", "-f", "one"]);
    assert_eq!(lab.ok(&["ps", "-aq"]).lines().count(), 1);
    let out = lab.ok(&["run", "--rm", "hello-world"]);
    assert!(out.contains("Hello from netlings!"));
    assert_eq!(lab.ok(&["ps", "-aq"]).lines().count(), 1, "--rm removed it");
}

#[test]
fn killing_the_engine_leaves_nothing_on_the_host() {
    let links_before = common::host_links();
    let lab = TestLab::start("kill");
    lab.ok(&["network", "create", "n1"]);
    lab.ok(&["run", "-d", "--name", "xx", "--net", "n1", FLAPPY]);
    let pid = lab.engine_pid();
    let netns = std::fs::read_link(format!("/proc/{pid}/ns/net")).unwrap();
    let container_pid = lab.ok(&["inspect", "-f", "{{.State.Pid}}", "xx"]);
    assert!(container_pid.trim() != "0");
    nix_kill9(pid);
    // The engine and every process of the lab are gone.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let lab_procs = || common::processes_in(&netns);
    while lab_procs() > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(lab_procs(), 0, "processes still in the lab's namespace");
    // No bridge or veth of the lab appeared on the real host.
    assert_eq!(common::host_links(), links_before);
}

fn nix_kill9(pid: i32) {
    std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
}

#[test]
fn a_removed_networks_bridge_is_reused_with_the_new_name_and_address() {
    let lab = TestLab::start("recycle");
    lab.ok(&["network", "create", "old"]);
    lab.ok(&["network", "rm", "old"]);
    let id = lab.ok(&[
        "network",
        "create",
        "--subnet",
        "10.77.0.0/24",
        "--gateway",
        "10.77.0.1",
        "fresh",
    ]);
    let bridge = format!("br-{}", &id.trim()[..12]);
    let addrs = lab.ok(&["lab", "exec", "--", "ip", "-o", "-4", "addr", "show"]);
    assert!(
        addrs.contains(&format!("{bridge}    inet 10.77.0.1/24")),
        "{addrs}"
    );
    assert!(
        !addrs.contains("172.18.0.1"),
        "the old address went with the old network: {addrs}"
    );
    lab.ok(&["run", "-d", "--name", "n1", "--net", "fresh", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "n2", "--net", "fresh", FLAPPY]);
    assert_eq!(
        lab.run(&["exec", "n2", "nc", "-z", "-w", "1", "10.77.0.2", "80"])
            .0,
        0
    );
    let gw = lab.ok(&["exec", "n1", "ip", "route"]);
    assert!(gw.starts_with("default via 10.77.0.1 dev eth0"), "{gw}");
}
