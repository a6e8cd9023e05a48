//! Applets are real commands inside containers: a shell finds them on the
//! image's PATH (busybox's way: files named after each applet, binds of our
//! executable, read-only), and `ip` prints what busybox's `ip` printed on
//! Docker 20.10 for the same containers. Each scenario runs in a root lab
//! and in a rootless one.

mod common;
use common::TestLab;

const FLAPPY: &str = "quay.io/purplebooth/flappy-endpoint";

/// `exec NAME sh -c SCRIPT`: (exit code, stdout + stderr).
fn sh(lab: &TestLab, name: &str, script: &str) -> (i32, String) {
    let (code, out, err) = lab.run(&["exec", name, "sh", "-c", script]);
    (code, format!("{out}{err}"))
}

/// Interface indexes differ from one engine to the next: `N:` and `@ifN`.
fn indexes(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let line = match line.split_once(": ") {
            Some((n, rest)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                format!("N: {rest}")
            }
            _ => line.to_string(),
        };
        let mut rest = line.as_str();
        while let Some(at) = rest.find("@if") {
            out.push_str(&rest[..at + 3]);
            rest = rest[at + 3..].trim_start_matches(|c: char| c.is_ascii_digit());
            out.push('N');
        }
        out.push_str(rest);
    }
    out
}

/// What Docker 20.10 printed (`docker exec C ip ...`, busybox's `ip`) for
/// a container on a user network (eth0, 172.28.0.2 there) and then
/// connected to the default bridge (eth1, 172.17.0.3 there), with its
/// addresses made the lab's (172.18.0.2, 172.17.0.2).
fn dockers(text: &str) -> String {
    indexes(
        &text
            .replace("172.28.", "172.18.")
            .replace("ac:1c:", "ac:12:")
            .replace("172.17.0.3", "172.17.0.2")
            .replace("ac:11:00:03", "ac:11:00:02"),
    )
}

const DOCKER_IP_A: &str = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
130: eth0@if131: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue 
    link/ether 02:42:ac:1c:00:02 brd ff:ff:ff:ff:ff:ff
    inet 172.28.0.2/16 brd 172.28.255.255 scope global eth0
       valid_lft forever preferred_lft forever
132: eth1@if133: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue 
    link/ether 02:42:ac:11:00:03 brd ff:ff:ff:ff:ff:ff
    inet 172.17.0.3/16 brd 172.17.255.255 scope global eth1
       valid_lft forever preferred_lft forever
";

const DOCKER_IP_O_A: &str = "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
130: eth0    inet 172.28.0.2/16 brd 172.28.255.255 scope global eth0\\       valid_lft forever preferred_lft forever
132: eth1    inet 172.17.0.3/16 brd 172.17.255.255 scope global eth1\\       valid_lft forever preferred_lft forever
";

const DOCKER_IP_4_A_ETH1: &str =
    "132: eth1@if133: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue 
    inet 172.17.0.3/16 brd 172.17.255.255 scope global eth1
       valid_lft forever preferred_lft forever
";

const DOCKER_IP_LINK: &str = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
130: eth0@if131: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue 
    link/ether 02:42:ac:1c:00:02 brd ff:ff:ff:ff:ff:ff
132: eth1@if133: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue 
    link/ether 02:42:ac:11:00:03 brd ff:ff:ff:ff:ff:ff
";

const DOCKER_IP_O_LINK: &str = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
130: eth0@if131: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue \\    link/ether 02:42:ac:1c:00:02 brd ff:ff:ff:ff:ff:ff
132: eth1@if133: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue \\    link/ether 02:42:ac:11:00:03 brd ff:ff:ff:ff:ff:ff
";

const DOCKER_IP_ROUTE: &str = "default via 172.28.0.1 dev eth0 
172.17.0.0/16 dev eth1 scope link  src 172.17.0.3 
172.28.0.0/16 dev eth0 scope link  src 172.28.0.2 
";

/// After `ping -c1 172.17.0.1` (the gateway's MAC: `GW`).
const DOCKER_IP_NEIGH: &str = "172.17.0.1 dev eth1 lladdr GW ref 1 used 0/0/0 probes 4 REACHABLE\n";
const DOCKER_IP_NEIGH_DEV: &str = "172.17.0.1 lladdr GW ref 1 used 0/0/0 probes 4 REACHABLE\n";

/// The first line of busybox's usage, which `-br` (iproute2's, not
/// busybox's) gets on stderr with exit status 1.
const BUSYBOX_USAGE: &str = "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n";

fn ip_forms_are_dockers(lab: &TestLab) {
    lab.ok(&["network", "create", "appnet"]);
    lab.ok(&["run", "-d", "--name", "both", "--net", "appnet", FLAPPY]);
    lab.ok(&["network", "connect", "bridge", "both"]);
    let ip = |args: &str| -> String {
        let mut argv = vec!["exec", "both", "ip"];
        argv.extend(args.split_whitespace());
        indexes(&lab.ok(&argv))
    };
    for form in ["a", "addr", "address show", "a list"] {
        assert_eq!(ip(form), dockers(DOCKER_IP_A), "ip {form}");
    }
    assert_eq!(ip("-o addr"), dockers(DOCKER_IP_O_A));
    assert_eq!(ip("-o -4 a"), dockers(DOCKER_IP_O_A));
    assert_eq!(ip("-4 addr show eth1"), dockers(DOCKER_IP_4_A_ETH1));
    assert_eq!(ip("-4 a show dev eth1"), dockers(DOCKER_IP_4_A_ETH1));
    assert_eq!(ip("-6 addr"), "");
    for form in ["link", "l", "link show", "-6 link"] {
        assert_eq!(ip(form), dockers(DOCKER_IP_LINK), "ip {form}");
    }
    assert_eq!(ip("-o link"), dockers(DOCKER_IP_O_LINK));
    assert_eq!(
        ip("l show eth1"),
        dockers(DOCKER_IP_LINK)
            .lines()
            .skip(4)
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    );
    for form in [
        "route",
        "r",
        "ro show",
        "route list",
        "-4 route",
        "-o route",
    ] {
        assert_eq!(ip(form), dockers(DOCKER_IP_ROUTE), "ip {form}");
    }
    assert_eq!(ip("-6 route"), "");
    // Neighbours: the gateway, once pinged, from a shell (`ip` on PATH).
    let (code, out) = sh(
        lab,
        "both",
        "ping -c1 -W2 172.17.0.1 >/dev/null && ip neigh && ip -o n && ip n show dev eth1",
    );
    assert_eq!(code, 0, "{out}");
    let gw = out
        .split_whitespace()
        .skip_while(|w| *w != "lladdr")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    assert!(gw.starts_with("02:42:"), "{out}");
    let neigh = DOCKER_IP_NEIGH.replace("GW", &gw);
    assert_eq!(
        out,
        format!("{neigh}{neigh}{}", DOCKER_IP_NEIGH_DEV.replace("GW", &gw))
    );
    // What busybox does not know, it says so as busybox does.
    let (code, out, err) = lab.run(&["exec", "both", "ip", "-br", "a"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.starts_with(BUSYBOX_USAGE), "{err}");
    let (code, _, err) = lab.run(&["exec", "both", "ip", "a", "show", "nosuch"]);
    assert_eq!(
        (code, err.as_str()),
        (1, "ip: can't find device 'nosuch'\n")
    );
    // Changes are the machine's iproute2's, without CAP_NET_ADMIN.
    let (code, out) = sh(lab, "both", "ip link set eth0 down");
    assert_ne!(code, 0);
    assert!(out.contains("Operation not permitted"), "{out}");
}

fn applets_are_on_path(lab: &TestLab) {
    lab.ok(&["network", "create", "appnet"]);
    lab.ok(&["run", "-d", "--name", "web", "--net", "appnet", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "box", "--net", "appnet", FLAPPY]);
    // nslookup and ping inside a shell: ours, with Docker's output.
    let (code, out) = sh(lab, "box", "nslookup web; ping -c1 web");
    assert_eq!(code, 0, "{out}");
    // busybox prints "Non-authoritative answer:" for the A and for the
    // empty AAAA reply, in the order they arrive (reference facts).
    assert!(
        out.starts_with("Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\n"),
        "{out}"
    );
    assert!(
        out.contains("Non-authoritative answer:\nName:\tweb\nAddress: 172.18.0.2\n"),
        "{out}"
    );
    assert_eq!(
        out.matches("Non-authoritative answer:\n").count(),
        2,
        "{out}"
    );
    assert!(
        out.contains(
            "PING web (172.18.0.2): 56 data bytes\n64 bytes from 172.18.0.2: seq=0 ttl=64 time="
        ),
        "{out}"
    );
    assert!(
        out.contains("1 packets transmitted, 1 packets received, 0% packet loss\n"),
        "{out}"
    );
    // As Docker printed for `run --rm IMAGE sh -c 'hostname; id'`: the
    // container's short id, and root as the image names it.
    let out = lab.ok(&["run", "--rm", FLAPPY, "sh", "-c", "hostname; id"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].len() == 12 && lines[0].bytes().all(|b| b.is_ascii_hexdigit()),
        "{out}"
    );
    assert_eq!(lines[1], "uid=0(root) gid=0(root) groups=0(root)");
    // Where they are: first on the image's PATH, which `env` shows as is.
    let (code, out) = sh(
        lab,
        "box",
        "for a in ip nslookup ping wget nc hostname id env cat; do command -v $a; done",
    );
    assert_eq!(code, 0, "{out}");
    let want: String = [
        "ip", "nslookup", "ping", "wget", "nc", "hostname", "id", "env", "cat",
    ]
    .iter()
    .map(|a| format!("/usr/local/sbin/{a}\n"))
    .collect();
    assert_eq!(out, want);
    let env = lab.ok(&["exec", "box", "env"]);
    assert!(
        env.lines()
            .any(|l| l == "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
        "{env}"
    );
    // Options our env and cat do not cover are the machine's.
    let (code, out) = sh(lab, "box", "env X=1 sh -c 'echo $X' && echo a | cat -n");
    assert_eq!((code, out.as_str()), (0, "1\n     1\ta\n"));
    // The machine's /usr/local stays visible around them.
    let host_bin: Vec<String> = std::fs::read_dir("/usr/local/bin")
        .map(|d| {
            let mut v: Vec<String> = d
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect();
            v.sort();
            v
        })
        .unwrap_or_default();
    let (_, out) = sh(lab, "box", "ls /usr/local/bin");
    assert_eq!(out.lines().collect::<Vec<_>>(), host_bin);
    // Nobody in the container can change or swap them.
    for script in [
        "echo x > /usr/local/sbin/ip",
        "echo x >> /usr/local/sbin/ping",
        "rm -f /usr/local/sbin/nslookup",
        "touch /usr/local/sbin/new",
        "mv /usr/local/sbin/id /usr/local/sbin/id2",
        "mount -o remount,rw /usr/local",
        "umount /usr/local/sbin/ip",
        "umount -l /usr/local",
    ] {
        let (code, out) = sh(lab, "box", script);
        assert_ne!(code, 0, "{script}: {out}");
    }
    let (code, out) = sh(lab, "box", "grep ' /usr/local' /proc/mounts");
    assert_eq!(code, 0);
    for line in out.lines() {
        let opts = line.split_whitespace().nth(3).unwrap_or_default();
        assert!(
            opts.starts_with("ro,") && opts.contains("nosuid") && opts.contains("nodev"),
            "{line}"
        );
    }
    let (code, out) = sh(lab, "box", "nslookup web >/dev/null && echo still");
    assert_eq!((code, out.as_str()), (0, "still\n"));
}

#[test]
fn root_lab_applets_are_on_path() {
    applets_are_on_path(&TestLab::start("ap"));
}

#[test]
fn rootless_lab_applets_are_on_path() {
    applets_are_on_path(&TestLab::start_rootless("apu"));
}

#[test]
fn root_lab_ip_forms_are_dockers() {
    ip_forms_are_dockers(&TestLab::start("ip"));
}

#[test]
fn rootless_lab_ip_forms_are_dockers() {
    ip_forms_are_dockers(&TestLab::start_rootless("ipu"));
}
