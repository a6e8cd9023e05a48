//! `lab start --expose`, tried from a stand-in for the real machine: a
//! throwaway network namespace (`unshare --net`, plus a user namespace when
//! not root), so these tests never add an interface to the machine running
//! them.

mod common;

use std::process::Command;

/// Runs `script` with bash on a stand-in machine; returns its exit code and
/// stdout+stderr. `$N` is the netlings binary; labs live in their own state dir.
fn on_stand_in_machine(tag: &str, script: &str) -> (i32, String) {
    common::require_namespaces();
    let state_dir =
        std::env::temp_dir().join(format!("netlings-test-expose-{tag}-{}", std::process::id()));
    let mut unshare = Command::new("unshare");
    if !common::is_root() {
        // Root inside a user namespace may add interfaces to the network
        // namespace that user namespace owns.
        unshare.arg("--user").arg("--map-root-user");
    }
    let out = unshare
        .args(["--net", "--", "bash", "-c"])
        .arg(format!("exec 2>&1\nip link set lo up\n{script}"))
        .env("N", env!("CARGO_BIN_EXE_netlings"))
        .env("NETLINGS_STATE_DIR", &state_dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("cannot run unshare (util-linux)");
    let _ = std::fs::remove_dir_all(&state_dir);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// The text between `== NAME` and the next `==` line.
fn section<'a>(text: &'a str, name: &str) -> &'a str {
    let start = text
        .find(&format!("== {name}\n"))
        .unwrap_or_else(|| panic!("no section {name} in:\n{text}"))
        + name.len()
        + 4;
    let rest = &text[start..];
    &rest[..rest.find("\n== ").map_or(rest.len(), |i| i + 1)]
}

#[test]
fn the_machine_reaches_published_ports_on_the_lab_host_and_nothing_else() {
    let (code, out) = on_stand_in_machine(
        "reach",
        r#"
echo "== start"; $N lab start ex --expose
echo "== run"
$N --lab ex run -d -p 8080:80 --name web quay.io/purplebooth/flappy-endpoint >/dev/null
$N --lab ex run -d -p 127.0.0.1:8081:80 --name local quay.io/purplebooth/flappy-endpoint >/dev/null
$N --lab ex inspect -f '{{.NetworkSettings.IPAddress}}' web
echo "== published"; curl -s -m 5 http://192.168.99.100:8080/
echo "== loopback-only"; curl -s -m 2 http://192.168.99.100:8081/; echo "curl exit $?"
echo "== container"; curl -s -m 2 http://$($N --lab ex inspect -f '{{.NetworkSettings.IPAddress}}' web):80/; echo "curl exit $?"
echo "== addr"; ip -4 -o addr show dev nl-ex | awk '{print $2, $4}'
echo "== routes"; ip -4 route
echo "== lab host"; $N lab exec ex -- ip -4 -o addr show dev eth0 | awk '{print $2, $4}'
echo "== ls"; $N lab ls
echo "== stop"; $N lab stop ex
echo "== after"; ip -o link show nl-ex; echo "ip exit $?"
echo "== end"
"#,
    );
    assert_eq!(code, 0, "{out}");
    let start = section(&out, "start");
    let docker_host = start.lines().nth(1).unwrap_or("");
    assert!(
        docker_host.starts_with("DOCKER_HOST=unix:///") && docker_host.ends_with("/ex/docker.sock"),
        "{start}"
    );
    assert_eq!(
        start,
        format!(
            "lab ex started (engine pid {})\n{docker_host}\nexposed: this machine is 192.168.99.1 on nl-ex, \
             the lab host 192.168.99.100 on eth0; published ports open at 192.168.99.100:PORT\n",
            start
                .split_whitespace()
                .nth(5)
                .unwrap()
                .trim_end_matches(')')
        )
    );
    assert!(
        section(&out, "published").contains("flappy-endpoint: 200 OK"),
        "{out}"
    );
    // 127.0.0.1 bindings stay on the lab host; containers are not routed.
    assert_eq!(section(&out, "loopback-only"), "curl exit 7\n", "{out}");
    assert!(
        section(&out, "container").ends_with("curl exit 7\n"),
        "{out}"
    );
    assert_eq!(section(&out, "addr"), "nl-ex 192.168.99.1/24\n");
    assert_eq!(
        section(&out, "routes"),
        "192.168.99.0/24 dev nl-ex proto kernel scope link src 192.168.99.1 \n"
    );
    assert_eq!(section(&out, "lab host"), "eth0 192.168.99.100/24\n");
    assert!(
        section(&out, "ls").contains("running   192.168.99.100"),
        "{out}"
    );
    assert_eq!(section(&out, "stop"), "lab ex stopped\n");
    assert!(
        section(&out, "after").ends_with("ip exit 1\n"),
        "the interface outlived its lab:\n{out}"
    );
}

#[test]
fn two_exposed_labs_get_two_subnets_and_a_taken_name_leaves_nothing() {
    let (code, out) = on_stand_in_machine(
        "two",
        r#"
echo "== first"; $N lab start one --expose | tail -1
echo "== second"; $N lab start two --expose | tail -1
echo "== clash"
ip link add nl-three type veth peer name spare
$N lab start three --expose; echo "exit $?"
echo "== left"; $N lab ls | awk 'NR > 1 {print $1}'; ip -o link show nl-three | wc -l
$N lab stop one >/dev/null; $N lab stop two >/dev/null
echo "== end"
"#,
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        section(&out, "first").contains("the lab host 192.168.99.100 on eth0"),
        "{out}"
    );
    assert!(
        section(&out, "second").contains("the lab host 192.168.100.100 on eth0"),
        "{out}"
    );
    assert_eq!(
        section(&out, "clash"),
        "cannot create interface nl-three: File exists (os error 17); lab three not started\nexit 1\n"
    );
    // Lab three is gone and the interface that was there is untouched.
    assert_eq!(section(&out, "left"), "one\ntwo\n1\n");
}

#[test]
fn expose_needs_root() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netlings"));
    let state_dir =
        std::env::temp_dir().join(format!("netlings-test-noexpose-{}", std::process::id()));
    cmd.env("NETLINGS_STATE_DIR", &state_dir);
    if common::is_root() {
        // Drop to nobody, as an ordinary user would run it.
        cmd = Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_netlings"))
            .env("NETLINGS_STATE_DIR", &state_dir);
    }
    let out = cmd
        .args(["lab", "start", "nope", "--expose"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "--expose needs root: it adds a network interface to this machine\n"
    );
    assert!(out.stdout.is_empty());
    assert!(!state_dir.join("nope").exists(), "a lab was started");
}
