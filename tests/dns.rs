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
    let ip = lab.endpoint("ssl-term", "IPAddress");
    let url = format!("https://{ip}/");
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

/// The addresses `nslookup NAME` printed, in order.
fn addresses(lab: &TestLab, from: &str, name: &str) -> Vec<String> {
    let (code, out) = nslookup(lab, from, name);
    assert_eq!(code, 0, "{name} from {from}: {out}");
    out.lines()
        .filter_map(|l| l.strip_prefix("Address: "))
        .map(str::to_string)
        .collect()
}

fn three_behind_one_alias(lab: &TestLab) {
    lab.ok(&["network", "create", "n"]);
    for name in ["a1", "a2", "Up"] {
        lab.ok(&[
            "run",
            "-d",
            "--net",
            "n",
            "--name",
            name,
            "--network-alias",
            "web",
            FLAPPY,
        ]);
    }
    lab.ok(&["run", "-d", "--net", "n", "--name", "qq", FLAPPY]);
}

/// Docker 20.10, `nslookup web` six times for three containers behind
/// `--network-alias web`: every address each time, in a new random order
/// (3 4 2, 3 2 4, 3 4 2, 4 2 3, 3 4 2, 2 3 4). A deterministic lab's
/// orders are a seeded sequence: the same in every such lab.
#[test]
fn several_containers_behind_one_alias_come_back_shuffled() {
    let orders = |tag: &str| -> Vec<Vec<String>> {
        let lab = TestLab::start(tag);
        three_behind_one_alias(&lab);
        (0..8).map(|_| addresses(&lab, "qq", "web")).collect()
    };
    let first = orders("dns-order1");
    for order in &first {
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            ["172.18.0.2", "172.18.0.3", "172.18.0.4"],
            "{first:?}"
        );
    }
    let distinct: std::collections::HashSet<_> = first.iter().collect();
    assert!(distinct.len() > 1, "always one order: {first:?}");
    assert_eq!(first, orders("dns-order2"), "reproducible");
}

/// Docker 20.10's answers, network `n` with a1, a2 and Up behind alias
/// web, qq asking (and a `--link a1:pg` on n).
#[test]
fn names_cases_and_types_as_docker_answers_them() {
    let lab = TestLab::start("dns-rules");
    three_behind_one_alias(&lab);
    // `web.n` and `WEB.n` resolve: names ignore case, a network's name
    // does not (`web.N`: NXDOMAIN).
    assert_eq!(addresses(&lab, "qq", "web.n").len(), 3);
    assert_eq!(addresses(&lab, "qq", "WEB.n").len(), 3);
    nxdomain(&lab, "qq", "web.N");
    resolves_to(&lab, "qq", "a1.n", "172.18.0.2");
    resolves_to(&lab, "qq", "A1", "172.18.0.2");
    resolves_to(&lab, "qq", "up", "172.18.0.4");
    // PTR: the container's name as it was given.
    let (code, out) = nslookup(&lab, "qq", "172.18.0.4");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("4.0.18.172.in-addr.arpa\tname = Up.n\n"),
        "{out}"
    );
    // A reverse name in upper case gets no reply at all (Docker: ";;
    // connection timed out; no servers could be reached", status 1).
    let (code, out, _) = lab.run(&[
        "exec",
        "qq",
        "nslookup",
        "-type=ptr",
        "-timeout=1",
        "-retry=1",
        "2.0.18.172.IN-ADDR.ARPA",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(";; connection timed out"), "{out}");
    // AAAA and MX of a known name: an empty answer; TXT is not the
    // resolver's and the lab host's resolver knows no names: NXDOMAIN.
    for t in ["-type=aaaa", "-type=mx"] {
        let (code, out, err) = lab.run(&["exec", "qq", "nslookup", t, "a1"]);
        assert_eq!(code, 0, "{t}: {out}{err}");
        assert!(out.contains("Non-authoritative answer:\n"), "{t}: {out}");
        assert!(!out.contains("Address: "), "{t}: {out}");
    }
    let (code, out, _) = lab.run(&["exec", "qq", "nslookup", "-type=txt", "a1"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("** server can't find a1: NXDOMAIN"), "{out}");

    // Link aliases are exact: `pg` and `pg.n` resolve, `PG` does not.
    lab.ok(&[
        "run", "-d", "--net", "n", "--name", "lk", "--link", "a1:pg", FLAPPY,
    ]);
    resolves_to(&lab, "lk", "pg", "172.18.0.2");
    resolves_to(&lab, "lk", "pg.n", "172.18.0.2");
    nxdomain(&lab, "lk", "PG");

    // On two shared networks, the first by name answers, alone (Docker:
    // two joined z then b, asked from z and b: the address on b).
    lab.ok(&["network", "create", "z"]);
    lab.ok(&["network", "create", "b"]);
    lab.ok(&["run", "-d", "--net", "z", "--name", "two", FLAPPY]);
    lab.ok(&["network", "connect", "b", "two"]);
    lab.ok(&["run", "-d", "--net", "z", "--name", "ask2", FLAPPY]);
    lab.ok(&["network", "connect", "b", "ask2"]);
    let on_b = lab.ok(&[
        "inspect",
        "-f",
        "{{.NetworkSettings.Networks.b.IPAddress}}",
        "two",
    ]);
    assert_eq!(addresses(&lab, "ask2", "two"), [on_b.trim()]);
}

/// `--dns` in a lab: the external server is a container running the
/// built-in `netlings-dns-echo`. As on Docker 20.10, a container on a user
/// network keeps 127.0.0.11 and the embedded server forwards what it does
/// not know, from the container's own namespace; a default-bridge
/// container asks the `--dns` server itself.
#[test]
fn dns_flags_forward_to_a_server_inside_the_lab() {
    let lab = TestLab::start("dns-fwd");
    three_behind_one_alias(&lab);
    lab.ok(&[
        "run",
        "-d",
        "--net",
        "n",
        "--name",
        "upstream",
        FLAPPY,
        "netlings-dns-echo",
        "10.9.9.9",
    ]);
    lab.ok(&[
        "run",
        "-d",
        "--net",
        "n",
        "--name",
        "d4",
        "--dns",
        "172.18.0.6",
        FLAPPY,
    ]);
    let resolv = lab.ok(&["exec", "d4", "cat", "/etc/resolv.conf"]);
    assert_eq!(resolv, "nameserver 127.0.0.11\noptions ndots:0\n");
    resolves_to(&lab, "d4", "foo.example", "10.9.9.9");
    nxdomain(&lab, "d4", "nxthing.example");
    // The lab's names are still the lab's, and other types of them go out.
    assert_eq!(addresses(&lab, "d4", "web").len(), 3);
    let (code, out, _) = lab.run(&["exec", "d4", "nslookup", "-type=txt", "a1"]);
    assert_eq!(code, 0, "{out}");
    // Without --dns, an unknown name is NXDOMAIN at once.
    nxdomain(&lab, "qq", "foo.example");

    // --dns-search and an ndots option: a bare name is not forwarded, the
    // search domains are.
    lab.ok(&[
        "run",
        "-d",
        "--net",
        "n",
        "--name",
        "d1",
        "--dns",
        "172.18.0.6",
        "--dns-search",
        "example.org",
        "--dns-option",
        "ndots:2",
        FLAPPY,
    ]);
    let resolv = lab.ok(&["exec", "d1", "cat", "/etc/resolv.conf"]);
    assert_eq!(
        resolv,
        "search example.org\nnameserver 127.0.0.11\noptions ndots:2\n"
    );
    let (code, out) = nslookup(&lab, "d1", "foo");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Name:\tfoo.example.org\nAddress: 10.9.9.9\n"),
        "{out}"
    );
    let dns = lab.ok(&[
        "inspect",
        "-f",
        "{{json .HostConfig.Dns}} {{json .HostConfig.DnsSearch}} {{json .HostConfig.DnsOptions}}",
        "d1",
    ]);
    assert_eq!(dns, "[\"172.18.0.6\"] [\"example.org\"] [\"ndots:2\"]\n");

    // An external server nobody answers for (no internet in a lab): the
    // forwarded query dies quietly, and the lab's names do not wait.
    lab.ok(&[
        "run",
        "-d",
        "--net",
        "n",
        "--name",
        "lost",
        "--dns",
        "203.0.113.1",
        FLAPPY,
    ]);
    let slow = lab.cmd(&[
        "exec",
        "lost",
        "nslookup",
        "-timeout=2",
        "-retry=1",
        "far.example",
    ]);
    let waiting = std::thread::spawn(move || {
        let mut slow = slow;
        slow.output().unwrap()
    });
    // Answered while the forwarded question still waits for its server.
    assert_eq!(addresses(&lab, "lost", "web").len(), 3);
    assert!(
        !waiting.is_finished(),
        "the local name waited for the forwarded one"
    );
    let out = waiting.join().unwrap();
    assert_eq!(out.status.code(), Some(1));

    // The default bridge: resolv.conf names the --dns server itself.
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "upstream0",
        FLAPPY,
        "netlings-dns-echo",
        "10.8.8.8",
    ]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "d2",
        "--dns",
        "172.17.0.2",
        "--dns-search",
        "example.org",
        "--dns-option",
        "timeout:1",
        FLAPPY,
    ]);
    let resolv = lab.ok(&["exec", "d2", "cat", "/etc/resolv.conf"]);
    assert_eq!(
        resolv,
        "search example.org\nnameserver 172.17.0.2\noptions timeout:1\n"
    );
    resolves_to(&lab, "d2", "foo.example", "10.8.8.8");

    // Docker's client refuses what is no address.
    let (code, _, err) = lab.run(&["run", "--dns", "foo", FLAPPY]);
    assert_eq!(code, 125);
    assert!(
        err.starts_with(
            "invalid argument \"foo\" for \"--dns\" flag: foo is not an ip address\nSee '"
        ),
        "{err}"
    );
}

/// Docker 20.10.24 adds a container's `--hostname` to its aliases on every
/// user-defined network (after the short id; the default hostname is the
/// short id itself, so it shows once), and its DNS answers to it; the
/// default bridge has no aliases. Recorded with /usr/bin/docker on
/// 2026-12-03: `["www","<id>","webhost"]`, `["<id>"]`, `["<id>","webhost"]`
/// after `network connect`, and `null`.
#[test]
fn a_hostname_is_an_alias_on_user_networks() {
    let lab = TestLab::start("dnshost");
    lab.ok(&["network", "create", "hn"]);
    let run = |args: &[&str]| lab.ok(&[&["run", "-d"], args, &[FLAPPY]].concat());
    let web = run(&[
        "--name",
        "web",
        "--network",
        "hn",
        "--network-alias",
        "www",
        "--hostname",
        "webhost",
    ]);
    let plain = run(&["--name", "plain", "--network", "hn"]);
    run(&["--name", "onbridge", "--hostname", "bridgehost"]);
    let aliases = |c: &str, net: &str| {
        lab.ok(&[
            "inspect",
            "-f",
            &format!("{{{{json .NetworkSettings.Networks.{net}.Aliases}}}}"),
            c,
        ])
    };
    assert_eq!(
        aliases("web", "hn"),
        format!("[\"www\",\"{}\",\"webhost\"]\n", &web[..12])
    );
    assert_eq!(aliases("plain", "hn"), format!("[\"{}\"]\n", &plain[..12]));
    assert_eq!(aliases("onbridge", "bridge"), "null\n");
    lab.ok(&["network", "create", "hn2"]);
    lab.ok(&["network", "connect", "hn2", "web"]);
    assert_eq!(
        aliases("web", "hn2"),
        format!("[\"{}\",\"webhost\"]\n", &web[..12])
    );
    let ip = lab.ok(&[
        "inspect",
        "-f",
        "{{.NetworkSettings.Networks.hn.IPAddress}}",
        "web",
    ]);
    let ip = ip.trim();
    resolves_to(&lab, "plain", "webhost", ip);
    resolves_to(&lab, "plain", "WebHost", ip);
}
