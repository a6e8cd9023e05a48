//! The embedded DNS server, tried through the CLI as a learner would:
//! `nslookup` inside containers, scoped by shared networks, live across
//! connect and disconnect, and still answering after garbage.

mod common;

use common::TestLab;

const FLAPPY: &str = "quay.io/purplebooth/flappy-endpoint";
const TERMINATOR: &str = "purplebooth/nginx-ssl-terminator";

/// `nslookup NAME` inside `from`: (exit code, stdout + stderr).
fn nslookup(lab: &TestLab, from: &str, name: &str) -> (i32, String) {
    let (code, out, err) = lab.run(&["exec", from, "nslookup", name]);
    (code, out + &err)
}

fn resolves_to(lab: &TestLab, from: &str, name: &str, ip: &str) {
    let (code, out) = nslookup(lab, from, name);
    assert_eq!(code, 0, "{name} from {from}: {out}");
    assert!(
        out.contains(&format!("Name:\t{name}\nAddress: {ip}\n")),
        "{name} from {from}: {out}"
    );
}

fn nxdomain(lab: &TestLab, from: &str, name: &str) {
    let (code, out) = nslookup(lab, from, name);
    assert_eq!(code, 1, "{name} from {from}: {out}");
    // The answer came from a server: NXDOMAIN, not a timeout.
    assert!(
        out.contains(&format!("** server can't find {name}: NXDOMAIN")),
        "{name} from {from}: {out}"
    );
}

#[test]
fn names_resolve_only_between_containers_that_share_a_network() {
    let lab = TestLab::start("dns-scope");
    lab.ok(&["network", "create", "flappy-public"]);
    lab.ok(&["network", "create", "elsewhere"]);
    let id = lab.ok(&[
        "run",
        "-d",
        "--net",
        "flappy-public",
        "--name",
        "flappy",
        "--network-alias",
        "bird",
        FLAPPY,
    ]);
    lab.ok(&[
        "run",
        "-d",
        "--net",
        "flappy-public",
        "--name",
        "asker",
        FLAPPY,
    ]);
    lab.ok(&[
        "run",
        "-d",
        "--net",
        "elsewhere",
        "--name",
        "stranger",
        FLAPPY,
    ]);
    lab.ok(&["run", "-d", "--name", "on-bridge", FLAPPY]);

    let resolv = lab.ok(&["exec", "asker", "cat", "/etc/resolv.conf"]);
    assert_eq!(resolv, "nameserver 127.0.0.11\noptions ndots:0\n");

    resolves_to(&lab, "asker", "flappy", "172.18.0.2");
    resolves_to(&lab, "asker", "FLAPPY", "172.18.0.2");
    resolves_to(&lab, "asker", "flappy.flappy-public", "172.18.0.2");
    resolves_to(&lab, "asker", &id.trim()[..12], "172.18.0.2");
    resolves_to(&lab, "asker", "bird", "172.18.0.2");
    nxdomain(&lab, "asker", "no-such-container");

    // Another network, and the default bridge: not found, at once.
    nxdomain(&lab, "stranger", "flappy");
    nxdomain(&lab, "stranger", "flappy.flappy-public");
    nxdomain(&lab, "on-bridge", "flappy");
    let bridge_resolv = lab.ok(&["exec", "on-bridge", "cat", "/etc/resolv.conf"]);
    assert!(
        bridge_resolv.contains("nameserver 172.17.0.1\n"),
        "{bridge_resolv}"
    );

    // Connect makes the name visible to stranger, with the address on the
    // network they now share; disconnect takes it away again.
    lab.ok(&["network", "connect", "elsewhere", "flappy"]);
    resolves_to(&lab, "stranger", "flappy", "172.19.0.3");
    resolves_to(&lab, "asker", "flappy", "172.18.0.2");
    lab.ok(&["network", "disconnect", "elsewhere", "flappy"]);
    nxdomain(&lab, "stranger", "flappy");

    // A default-bridge container connected to a user network gets the
    // resolver, as Docker rewrites its resolv.conf then.
    lab.ok(&["network", "connect", "flappy-public", "on-bridge"]);
    resolves_to(&lab, "on-bridge", "flappy", "172.18.0.2");
    let resolv = lab.ok(&["exec", "on-bridge", "cat", "/etc/resolv.conf"]);
    assert_eq!(resolv, "nameserver 127.0.0.11\noptions ndots:0\n");

    // Reverse lookups name the container and its network.
    let (code, out) = nslookup(&lab, "asker", "172.18.0.2");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("name = flappy.flappy-public"), "{out}");

    // A stopped container no longer resolves.
    lab.ok(&["stop", "flappy"]);
    nxdomain(&lab, "asker", "flappy");
}

#[test]
fn the_resolver_survives_garbage_over_udp_and_tcp() {
    let lab = TestLab::start("dns-garbage");
    lab.ok(&["network", "create", "net"]);
    lab.ok(&["run", "-d", "--net", "net", "--name", "flappy", FLAPPY]);
    lab.ok(&["run", "-d", "--net", "net", "--name", "asker", FLAPPY]);
    let garbage: [&[u8]; 5] = [
        b"",
        b"\x12",
        b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xff\xff\xff",
        b"\x12\x34\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\x3fabc",
        &[0xc0; 600],
    ];
    for g in garbage {
        // Dropped (no reply) or FORMERR: either way nc ends within its -w.
        let out = lab
            .cmd(&[
                "exec",
                "-i",
                "asker",
                "nc",
                "-u",
                "-w",
                "1",
                "127.0.0.11",
                "53",
            ])
            .write_stdin(g)
            .output()
            .unwrap();
        if out.status.success() && out.stdout.len() >= 4 {
            assert_eq!(out.stdout[3] & 0x0f, 1, "a reply to garbage is FORMERR");
        }
    }
    // TCP: a length prefix that lies, then a half message, then nothing.
    lab.run(&[
        "exec",
        "asker",
        "bash",
        "-c",
        r"printf '\377\377\001\002' > /dev/tcp/127.0.0.11/53; printf '\000\014\022\064' > /dev/tcp/127.0.0.11/53",
    ]);
    resolves_to(&lab, "asker", "flappy", "172.18.0.2");
}

#[test]
fn https_through_the_terminator_and_a_gateway() {
    let lab = TestLab::start("dns-tls");
    lab.ok(&["network", "create", "flappy-public"]);
    lab.ok(&["network", "create", "flappy-private"]);
    lab.ok(&[
        "run",
        "-d",
        "--net",
        "flappy-private",
        "--name",
        "flappy",
        FLAPPY,
    ]);
    lab.ok(&[
        "run",
        "-d",
        "--net",
        "flappy-public",
        "--name",
        "network-gate",
        "-e",
        "UPSTREAM=flappy",
        TERMINATOR,
    ]);
    lab.ok(&["network", "connect", "flappy-private", "network-gate"]);
    lab.ok(&[
        "run",
        "-d",
        "--net",
        "flappy-public",
        "--name",
        "ssl-term",
        "-e",
        "UPSTREAM=network-gate",
        TERMINATOR,
    ]);
    let ip = lab.ok(&[
        "inspect",
        "-f",
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
        "ssl-term",
    ]);
    let url = format!("https://{}/", ip.trim());
    let out = lab.ok(&["lab", "exec", "--", "curl", "-sk", "-i", &url]);
    assert!(
        out.starts_with("HTTP/1.0 200 OK"),
        "flappy's own status line: {out}"
    );
    assert!(out.contains("flappy-endpoint: 200 OK"), "{out}");
    // ssl-term itself cannot resolve flappy: only the gateway can.
    nxdomain(&lab, "ssl-term", "flappy");
    // Without its upstream the terminator says why, with a 502.
    lab.ok(&["stop", "network-gate"]);
    let out = lab.ok(&["lab", "exec", "--", "curl", "-sk", "-i", &url]);
    assert!(out.lines().next().unwrap_or("").contains(" 502 "), "{out}");
}

/// A container's very first query, made the moment it starts, already
/// finds its network's names: the DNS servers answer on a thread of their
/// own, so the view must know a container before its process runs.
#[test]
fn a_containers_first_query_at_start_is_answered() {
    let lab = TestLab::start("dnsfirst");
    lab.ok(&["network", "create", "shop"]);
    lab.ok(&["run", "-d", "--name", "web", "--network", "shop", FLAPPY]);
    for round in 0..40 {
        let (code, out, err) = lab.run(&[
            "run",
            "--rm",
            "--network",
            "shop",
            FLAPPY,
            "nslookup",
            "web",
        ]);
        assert_eq!(code, 0, "round {round}: {out}{err}");
        assert!(
            out.contains("Address: 172.18.0.2\n"),
            "round {round}: {out}"
        );
    }
}
