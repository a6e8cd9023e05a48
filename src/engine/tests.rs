//! The engine's logic on a fake host: no root, no namespaces.

use super::api::RunSpec;
use super::fake::{FakeLab, Op};
use super::host::Host;
use super::Engine;
use crate::model::Status;
use serde_json::Value;
use std::net::{Ipv4Addr, SocketAddr};

const FLAPPY: &str = "quay.io/purplebooth/flappy-endpoint";
const SSL_TERM: &str = "purplebooth/nginx-ssl-terminator";

fn spec(image: &str, name: &str) -> RunSpec {
    RunSpec {
        image: image.into(),
        name: Some(name.into()),
        ..RunSpec::default()
    }
}

fn on(mut s: RunSpec, network: &str) -> RunSpec {
    s.network = Some(network.into());
    s
}

fn publish(mut s: RunSpec, flags: &[&str]) -> RunSpec {
    s.publish = flags.iter().map(|f| f.to_string()).collect();
    s
}

/// `docker run -d`: create and start; the container's index.
async fn run<H: Host>(e: &mut Engine<H>, s: RunSpec) -> usize {
    let ci = e.create(&s).expect("create");
    e.start(ci, None).await.expect("start");
    ci
}

fn index<H: Host>(e: &Engine<H>, name: &str) -> usize {
    e.find_container(name).expect("container")
}

fn ip_on<H: Host>(e: &Engine<H>, container: &str, network: &str) -> Option<Ipv4Addr> {
    let c = &e.state.containers[index(e, container)];
    let net = &e.state.networks[e.find_network(network).ok()?];
    c.endpoint(&net.id).map(|ep| ep.ip)
}

fn hosts_file<H: Host>(lab: &FakeLab, e: &Engine<H>, container: &str) -> String {
    let id = &e.state.containers[index(e, container)].id;
    std::fs::read_to_string(lab.dir.join(id).join("hosts")).expect("hosts file")
}

/// Lets the engine's exit watchers run (they are tasks of this runtime).
async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

// ---- start and its rollback -------------------------------------------

/// Every host effect of a start, failing in turn: each failure leaves no
/// namespace, interface, address, port, proxy, DNS server or process, and
/// the next start succeeds with the same addresses.
#[tokio::test]
async fn a_failed_start_undoes_every_step() {
    let steps = [
        (Op::CreateNetns, 0),
        (Op::AddInterface, 0),
        (Op::AddInterface, 1),
        (Op::RouteTo, 0),
        (Op::SetDefaultRoute, 0),
        (Op::StartProxy, 0),
        (Op::StartProxy, 3),
        (Op::ServeDns, 0),
        (Op::Spawn, 0),
    ];
    for (op, nth) in steps {
        let lab = FakeLab::new().await;
        let mut e = lab.engine.lock().await;
        e.network_create("aa-net", None, None, None).await.unwrap();
        e.network_create("zz-net", None, None, None).await.unwrap();
        let s = publish(
            on(spec(FLAPPY, "flappy"), "zz-net"),
            &["8080:80", "8443:443"],
        );
        let ci = e.create(&s).unwrap();
        // A stopped container joins a second network at its next start.
        e.network_connect("aa-net", "flappy", Vec::new(), Vec::new(), None)
            .await
            .unwrap();
        let bound_before = lab.host.world().proxies.len();

        lab.host.fail(op, nth);
        let err = e
            .start(ci, None)
            .await
            .expect_err(&format!("{op:?} #{nth} fails the start"));
        assert!(err.message.contains("injected"), "{op:?}: {err}");
        {
            let w = lab.host.world();
            assert!(
                w.namespaces.is_empty(),
                "{op:?}: namespaces {:?}",
                w.namespaces
            );
            assert!(
                w.interfaces.is_empty(),
                "{op:?}: interfaces {:?}",
                w.interfaces
            );
            assert_eq!(
                w.proxies.len(),
                bound_before,
                "{op:?}: proxies {:?}",
                w.proxies
            );
            assert!(w.dns_servers.is_empty(), "{op:?}: DNS servers");
            assert!(w.processes.is_empty(), "{op:?}: processes");
        }
        let c = &e.state.containers[ci];
        assert_eq!(c.state.status, Status::Created, "{op:?}");
        assert_eq!(c.state.exit_code, 128, "{op:?}");
        assert!(c.sandbox.is_none(), "{op:?}");
        for n in &e.state.networks {
            if let Some(pool) = &n.pool {
                assert_eq!(pool.in_use(), 0, "{op:?}: {} keeps an address", n.name);
            }
        }
        assert!(e.dns_lookup_a(&c.id, "flappy").is_none(), "{op:?}: DNS");

        // Nothing was left holding an address or a port.
        e.start(ci, None).await.expect("the second start");
        assert_eq!(
            ip_on(&e, "flappy", "aa-net"),
            Some(Ipv4Addr::new(172, 18, 0, 2))
        );
        assert_eq!(
            ip_on(&e, "flappy", "zz-net"),
            Some(Ipv4Addr::new(172, 19, 0, 2))
        );
        assert_eq!(
            lab.host.world().proxies.len(),
            4,
            "{op:?}: two ports, two families"
        );
    }
}

#[tokio::test]
async fn an_unroutable_gateway_fails_the_start_in_dockers_words() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    e.network_create("mc", None, Some("224.0.0.0/24"), None)
        .await
        .unwrap();
    lab.host
        .world()
        .unroutable
        .push(Ipv4Addr::new(224, 0, 0, 1));
    let ci = e.create(&on(spec(FLAPPY, "flappy"), "mc")).unwrap();
    let err = e.start(ci, None).await.unwrap_err();
    assert!(
        err.message
            .contains("error adding route to 224.0.0.1 via interface eth0")
            || err.message.contains("224.0.0.1"),
        "{err}"
    );
    assert!(lab.host.world().interfaces.is_empty());
}

// ---- connect, disconnect and the default route ------------------------

#[tokio::test]
async fn the_default_route_follows_the_first_network_by_name() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    e.network_create("zz-net", None, None, None).await.unwrap();
    e.network_create("aa-net", None, None, None).await.unwrap();
    e.network_create("mm-net", None, None, None).await.unwrap();
    run(&mut e, on(spec(FLAPPY, "flappy"), "zz-net")).await;
    let route = |lab: &FakeLab| {
        let w = lab.host.world();
        let (gw, ifindex) = *w.default_routes.values().next().expect("a default route");
        let ifname = w
            .interfaces
            .iter()
            .find(|(k, _)| k.1 == ifindex)
            .map(|(_, i)| i.name.clone())
            .expect("the route's interface");
        (gw, ifname)
    };
    assert_eq!(route(&lab), (Ipv4Addr::new(172, 18, 0, 1), "eth0".into()));

    // aa-net sorts first: the route moves to it, on a new interface.
    e.network_connect("aa-net", "flappy", Vec::new(), Vec::new(), None)
        .await
        .unwrap();
    assert_eq!(route(&lab), (Ipv4Addr::new(172, 19, 0, 1), "eth1".into()));
    // mm-net sorts between: the route stays.
    e.network_connect("mm-net", "flappy", Vec::new(), Vec::new(), None)
        .await
        .unwrap();
    assert_eq!(route(&lab), (Ipv4Addr::new(172, 19, 0, 1), "eth1".into()));

    // The interface goes before the route moves back.
    e.network_disconnect("aa-net", "flappy", false)
        .await
        .unwrap();
    assert_eq!(route(&lab), (Ipv4Addr::new(172, 20, 0, 1), "eth2".into()));
    let log = lab.host.world().log.clone();
    let removed = log.iter().rposition(|l| l.starts_with("remove interface"));
    let rerouted = log.iter().rposition(|l| l.starts_with("default route"));
    assert!(removed < rerouted, "{log:#?}");

    // Numbers are not reused within a sandbox.
    e.network_connect("aa-net", "flappy", Vec::new(), Vec::new(), None)
        .await
        .unwrap();
    let names: Vec<String> = lab
        .host
        .world()
        .interfaces
        .values()
        .map(|i| i.name.clone())
        .collect();
    assert_eq!(names, ["eth0", "eth2", "eth3"]);
}

#[tokio::test]
async fn a_failed_connect_leaves_nothing() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    e.network_create("zz-net", None, None, None).await.unwrap();
    e.network_create("aa-net", None, None, None).await.unwrap();
    run(&mut e, on(spec(FLAPPY, "flappy"), "zz-net")).await;
    lab.host.fail(Op::SetDefaultRoute, 0);
    e.network_connect("aa-net", "flappy", Vec::new(), Vec::new(), None)
        .await
        .unwrap_err();
    assert_eq!(ip_on(&e, "flappy", "aa-net"), None);
    let c = &e.state.containers[index(&e, "flappy")];
    assert_eq!(c.endpoints.len(), 1);
    let aa = &e.state.networks[e.find_network("aa-net").unwrap()];
    assert_eq!(aa.pool.as_ref().unwrap().in_use(), 0);
    assert_eq!(lab.host.world().interfaces.len(), 1);
}

#[tokio::test]
async fn connect_and_disconnect_are_refused_in_dockers_words() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    e.network_create("net", None, None, None).await.unwrap();
    run(&mut e, on(spec(FLAPPY, "flappy"), "net")).await;
    let again = e
        .network_connect("net", "flappy", Vec::new(), Vec::new(), None)
        .await;
    assert_eq!(
        again.unwrap_err().message,
        "endpoint with name flappy already exists in network net"
    );
    let alias = e
        .network_connect("bridge", "flappy", vec!["x".into()], Vec::new(), None)
        .await;
    assert_eq!(
        alias.unwrap_err().message,
        "network-scoped alias is supported only for containers in user defined networks"
    );
    let id = e.state.containers[0].id.clone();
    let not_on = e.network_disconnect("bridge", "flappy", false).await;
    assert_eq!(
        not_on.unwrap_err().message,
        format!("container {id} is not connected to network bridge")
    );
    let busy = e.network_rm("net").await.unwrap_err().message;
    assert!(busy.ends_with("has active endpoints"), "{busy}");
}

// ---- published ports --------------------------------------------------

#[tokio::test]
async fn published_ports_follow_the_gateway_endpoint() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    e.network_create("zz-net", None, None, None).await.unwrap();
    e.network_create("aa-net", None, None, None).await.unwrap();
    run(
        &mut e,
        publish(on(spec(FLAPPY, "flappy"), "zz-net"), &["8080:80"]),
    )
    .await;
    let targets =
        |lab: &FakeLab| -> Vec<SocketAddr> { lab.host.world().proxies.values().copied().collect() };
    let zz: SocketAddr = "172.18.0.2:80".parse().unwrap();
    let aa: SocketAddr = "172.19.0.2:80".parse().unwrap();
    assert_eq!(targets(&lab), [zz, zz]);

    e.network_connect("aa-net", "flappy", Vec::new(), Vec::new(), None)
        .await
        .unwrap();
    assert_eq!(targets(&lab), [aa, aa]);
    e.network_disconnect("aa-net", "flappy", false)
        .await
        .unwrap();
    assert_eq!(targets(&lab), [zz, zz]);
    // The listening ports never changed.
    let listens: Vec<u16> = lab.host.world().proxies.keys().map(|a| a.port()).collect();
    assert_eq!(listens, [8080, 8080]);
    // What ps and inspect show follows the bindings.
    let row = &e.ps_rows(false, false, &[]).unwrap()[0];
    assert_eq!(row.ports, "0.0.0.0:8080->80/tcp, :::8080->80/tcp");
}

#[tokio::test]
async fn a_taken_host_port_fails_in_dockers_words_and_frees_the_rest() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    run(&mut e, publish(spec(FLAPPY, "one"), &["8080:80"])).await;
    let ci = e
        .create(&publish(spec(FLAPPY, "two"), &["9090:443", "8080:80"]))
        .unwrap();
    let err = e.start(ci, None).await.unwrap_err().message;
    assert!(
        err.starts_with("driver failed programming external connectivity on endpoint two"),
        "{err}"
    );
    assert!(err.contains("0.0.0.0:8080"), "{err}");
    let listens: Vec<u16> = lab.host.world().proxies.keys().map(|a| a.port()).collect();
    assert_eq!(listens, [8080, 8080], "9090 was let go");
}

// ---- exits, links and /etc/hosts --------------------------------------

#[tokio::test]
async fn a_restarted_link_source_rewrites_its_recipients_hosts() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    run(&mut e, spec("training/postgres", "db")).await;
    let mut web = spec("training/webapp", "web");
    web.links = vec!["db:db".into()];
    run(&mut e, web).await;
    let db_id = e.state.containers[index(&e, "db")].id[..12].to_string();
    assert!(
        hosts_file(&lab, &e, "web").contains(&format!("172.17.0.2\tdb {db_id}\n")),
        "{}",
        hosts_file(&lab, &e, "web")
    );

    // db exits; another container takes its address; db starts again.
    let pid = e.state.containers[index(&e, "db")].state.pid;
    drop(e);
    lab.host.exit(pid, 0);
    settle().await;
    let mut e = lab.engine.lock().await;
    assert_eq!(
        e.state.containers[index(&e, "db")].state.status,
        Status::Exited
    );
    run(&mut e, spec(FLAPPY, "other")).await;
    assert_eq!(
        ip_on(&e, "other", "bridge"),
        Some(Ipv4Addr::new(172, 17, 0, 2))
    );
    let db = index(&e, "db");
    e.start(db, None).await.unwrap();
    assert_eq!(
        ip_on(&e, "db", "bridge"),
        Some(Ipv4Addr::new(172, 17, 0, 4))
    );
    let hosts = hosts_file(&lab, &e, "web");
    assert!(
        hosts.contains(&format!("172.17.0.4\tdb {db_id}\n")),
        "{hosts}"
    );
    assert!(!hosts.contains("172.17.0.2\tdb"), "{hosts}");

    // exec sees the new address in the link variables.
    let web = index(&e, "web");
    let (plan, _) = e.exec_plan(web, &[], None, false).unwrap();
    assert!(
        plan.env
            .contains(&"DB_PORT_5432_TCP_ADDR=172.17.0.4".to_string()),
        "{:?}",
        plan.env
    );
}

#[tokio::test]
async fn an_exit_releases_everything_and_wakes_waiters() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    e.network_create("net", None, None, None).await.unwrap();
    let ci = run(
        &mut e,
        publish(on(spec(FLAPPY, "flappy"), "net"), &["8080:80"]),
    )
    .await;
    let rx = e.exit_receiver(ci);
    let pid = e.state.containers[ci].state.pid;
    assert_eq!(lab.host.world().dns_servers.len(), 1);
    drop(e);
    lab.host.exit(pid, 3);
    assert_eq!(rx.await, Ok(3));
    settle().await;
    let e = lab.engine.lock().await;
    let c = &e.state.containers[ci];
    assert_eq!((c.state.status, c.state.exit_code), (Status::Exited, 3));
    let w = lab.host.world();
    assert!(w.namespaces.is_empty() && w.interfaces.is_empty());
    assert!(w.proxies.is_empty() && w.dns_servers.is_empty());
}

#[tokio::test]
async fn auto_remove_takes_the_container_and_its_files() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    let mut s = spec(FLAPPY, "gone");
    s.auto_remove = true;
    let ci = run(&mut e, s).await;
    let (pid, id) = (
        e.state.containers[ci].state.pid,
        e.state.containers[ci].id.clone(),
    );
    assert!(lab.dir.join(&id).join("root").is_dir());
    drop(e);
    lab.host.exit(pid, 0);
    settle().await;
    let e = lab.engine.lock().await;
    assert!(e.find_container("gone").is_err());
    assert!(!lab.dir.join(&id).exists());
}

#[tokio::test]
async fn user_networks_resolve_names_and_the_default_bridge_does_not() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    e.network_create("net", None, None, None).await.unwrap();
    let mut web = on(spec(FLAPPY, "web"), "net");
    web.aliases = vec!["www".into()];
    let web = run(&mut e, web).await;
    let asker = e.state.containers[web].id.clone();
    let ip = Some(vec![Ipv4Addr::new(172, 18, 0, 2)]);
    assert_eq!(e.dns_lookup_a(&asker, "web"), ip);
    assert_eq!(e.dns_lookup_a(&asker, "www"), ip);
    let plain = run(&mut e, spec(FLAPPY, "plain")).await;
    let plain_id = e.state.containers[plain].id.clone();
    assert_eq!(e.dns_lookup_a(&plain_id, "web"), None);
    let resolv = |id: &str| std::fs::read_to_string(lab.dir.join(id).join("resolv.conf")).unwrap();
    assert_eq!(resolv(&asker), "nameserver 127.0.0.11\noptions ndots:0\n");
    assert!(resolv(&plain_id).contains("nameserver 172.17.0.1"));
    // A server only where there is something to resolve.
    assert_eq!(lab.host.world().dns_servers.len(), 1);
}

/// Docker 20.10: `run --network n --dns 172.17.0.1 --dns 10.0.0.99
/// --dns-search example.org --dns-search lab.test --dns-option ndots:2
/// --dns-option timeout:1` and `run --dns 172.17.0.1 --dns-search
/// example.org --dns-option timeout:1` (default bridge).
#[tokio::test]
async fn dns_flags_make_resolv_conf_inspect_and_the_upstream() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    e.network_create("n", None, None, None).await.unwrap();
    let mut d1 = on(spec(FLAPPY, "d1"), "n");
    d1.dns = vec!["172.17.0.1".into(), "10.0.0.99".into()];
    d1.dns_search = vec!["example.org".into(), "lab.test".into()];
    d1.dns_options = vec!["ndots:2".into(), "timeout:1".into()];
    let d1 = run(&mut e, d1).await;
    let mut d2 = spec(FLAPPY, "d2");
    d2.dns = vec!["172.17.0.1".into()];
    d2.dns_search = vec!["example.org".into()];
    d2.dns_options = vec!["timeout:1".into()];
    let d2 = run(&mut e, d2).await;
    let plain = run(&mut e, on(spec(FLAPPY, "plain"), "n")).await;
    let resolv = |ci: usize| {
        let id = &e.state.containers[ci].id;
        std::fs::read_to_string(lab.dir.join(id).join("resolv.conf")).unwrap()
    };
    assert_eq!(
        resolv(d1),
        "search example.org lab.test\nnameserver 127.0.0.11\noptions ndots:2 timeout:1\n"
    );
    assert_eq!(
        resolv(d2),
        "search example.org\nnameserver 172.17.0.1\noptions timeout:1\n"
    );
    let host_config = |ci: usize| {
        let j = crate::inspect::container_json(&e.state, &e.state.containers[ci]);
        let h = &j["HostConfig"];
        format!("{} {} {}", h["Dns"], h["DnsSearch"], h["DnsOptions"])
    };
    assert_eq!(
        host_config(d1),
        r#"["172.17.0.1","10.0.0.99"] ["example.org","lab.test"] ["ndots:2","timeout:1"]"#
    );
    assert_eq!(host_config(plain), "[] [] []");
    // The embedded server forwards to the IPv4 --dns servers, knowing
    // the user set ndots; the default bridge has no server.
    let w = lab.host.world();
    let ups: Vec<_> = w
        .dns_upstreams
        .iter()
        .map(|(id, up)| (id.clone(), up.servers.clone(), up.ndots_set))
        .collect();
    let id = |ci: usize| e.state.containers[ci].id.clone();
    assert_eq!(
        ups,
        vec![
            (
                id(d1),
                vec![Ipv4Addr::new(172, 17, 0, 1), Ipv4Addr::new(10, 0, 0, 99)],
                true
            ),
            (id(plain), vec![], false),
        ]
    );
}

/// Docker 20.10: `run --network n --dns-option ndots:x` runs, with the
/// host's nameserver, `options ndots:x` and no embedded server.
#[tokio::test]
async fn an_ndots_docker_cannot_read_leaves_the_container_without_the_server() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    e.network_create("n", None, None, None).await.unwrap();
    let mut s = on(spec(FLAPPY, "odd"), "n");
    s.dns_options = vec!["ndots:x".into()];
    let ci = run(&mut e, s).await;
    let id = e.state.containers[ci].id.clone();
    let resolv = std::fs::read_to_string(lab.dir.join(&id).join("resolv.conf")).unwrap();
    assert_eq!(resolv, "nameserver 172.17.0.1\noptions ndots:x\n");
    assert!(lab.host.world().dns_servers.is_empty());
}

#[tokio::test]
async fn bad_dns_flags_are_refused_with_dockers_words() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    let mut s = spec(FLAPPY, "bad");
    s.dns = vec!["foo".into()];
    let err = e.create(&s).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument \"foo\" for \"--dns\" flag: foo is not an ip address"
    );
    let mut s = spec(FLAPPY, "bad");
    s.dns_search = vec!["bad..x".into()];
    let err = e.create(&s).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument \"bad..x\" for \"--dns-search\" flag: bad..x is not a valid domain"
    );
    assert!(e.state.containers.is_empty());
}

// ---- views compared with Docker 20.10 ---------------------------------

/// Every object's keys, in order, at every path: what a reader of the JSON
/// (and a `--format` template) sees of its shape.
fn key_paths(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            // Ids as keys (a network's containers) are data, not shape.
            let key = |k: &str| {
                let id = k.len() == 64 && k.bytes().all(|b| b.is_ascii_hexdigit());
                if id {
                    "<id>".to_string()
                } else {
                    k.to_string()
                }
            };
            let keys: Vec<String> = m.keys().map(|k| key(k)).collect();
            out.push(format!("{path}: {}", keys.join(", ")));
            for (k, child) in m {
                key_paths(child, &format!("{path}.{}", key(k)), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                key_paths(child, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn same_keys(ours: &Value, reference: &str, what: &str) {
    let docker: Value = serde_json::from_str(reference).expect("reference JSON");
    let (mut a, mut b) = (Vec::new(), Vec::new());
    key_paths(ours, "", &mut a);
    key_paths(&docker[0], "", &mut b);
    let (a, b): (Vec<&str>, Vec<&str>) = (
        a.iter().map(String::as_str).collect(),
        b.iter().map(String::as_str).collect(),
    );
    let diff: Vec<String> = similar::TextDiff::from_slices(&b, &a)
        .iter_all_changes()
        .filter(|c| c.tag() != similar::ChangeTag::Equal)
        .map(|c| format!("{}{}", c.tag(), c.value()))
        .collect();
    assert!(
        diff.is_empty(),
        "{what}: keys differ from Docker's (-docker +ours):\n{}",
        diff.join("\n")
    );
}

#[tokio::test]
async fn inspect_has_dockers_keys_in_dockers_order() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    run(&mut e, publish(spec(FLAPPY, "flappy"), &["80:80"])).await;
    let flappy = &e.state.containers[index(&e, "flappy")];
    same_keys(
        &crate::inspect::container_json(&e.state, flappy),
        include_str!("../inspect/testdata/container-inspect-flappy-default-bridge-step1.json"),
        "flappy on the default bridge",
    );
    let bridge = &e.state.networks[e.find_network("bridge").unwrap()];
    same_keys(
        &crate::inspect::network_json(&e.state, bridge),
        include_str!("../inspect/testdata/network-inspect-bridge-step1.json"),
        "the default bridge",
    );
    let flappy = index(&e, "flappy");
    e.rm(flappy, true).await.unwrap();

    e.network_create("flappy-public", Some("bridge"), None, None)
        .await
        .unwrap();
    run(
        &mut e,
        publish(on(spec(FLAPPY, "flappy"), "flappy-public"), &["80:80"]),
    )
    .await;
    let mut ssl = publish(
        on(spec(SSL_TERM, "ssl-term"), "flappy-public"),
        &["443:443"],
    );
    ssl.env = vec!["UPSTREAM=flappy".into()];
    run(&mut e, ssl).await;
    let public = &e.state.networks[e.find_network("flappy-public").unwrap()];
    same_keys(
        &crate::inspect::network_json(&e.state, public),
        include_str!("../inspect/testdata/network-inspect-flappy-public-step2.json"),
        "flappy-public with two containers",
    );

    e.network_create("flappy-private", None, None, None)
        .await
        .unwrap();
    let mut gate = on(spec(SSL_TERM, "network-gate"), "flappy-public");
    gate.env = vec!["UPSTREAM=flappy".into()];
    run(&mut e, gate).await;
    e.network_connect(
        "flappy-private",
        "network-gate",
        Vec::new(),
        Vec::new(),
        None,
    )
    .await
    .unwrap();
    let gate = &e.state.containers[index(&e, "network-gate")];
    same_keys(
        &crate::inspect::container_json(&e.state, gate),
        include_str!("../inspect/testdata/container-inspect-network-gate-two-networks-step3.json"),
        "network-gate on two networks",
    );

    run(&mut e, spec("training/postgres", "db")).await;
    let mut web = spec("training/webapp", "web");
    web.links = vec!["db:db".into()];
    web.publish_all = true;
    web.cmd = vec!["python".into(), "app.py".into()];
    run(&mut e, web).await;
    let web = &e.state.containers[index(&e, "web")];
    same_keys(
        &crate::inspect::container_json(&e.state, web),
        include_str!("../inspect/testdata/container-inspect-web-linked.json"),
        "web linked to db",
    );
}

// ---- kill, rename, prune ----------------------------------------------

#[tokio::test]
async fn kill_signals_only_running_containers_with_dockers_kinds() {
    use super::error::Kind;
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    let ci = run(&mut e, spec(FLAPPY, "web")).await;
    let pid = e.state.containers[ci].state.pid;
    e.kill("web", Some("term")).unwrap();
    e.kill("web", None).unwrap();
    assert_eq!(
        lab.host.world().signals,
        [
            (pid, nix::sys::signal::Signal::SIGTERM),
            (pid, nix::sys::signal::Signal::SIGKILL)
        ]
    );
    assert_eq!(e.kill("web", Some("15")).map_err(|e| e.kind), Ok(()));
    assert_eq!(
        e.kill("web", Some("FOO")).unwrap_err().kind,
        Kind::InvalidParameter
    );
    assert_eq!(e.kill("nosuch", None).unwrap_err().kind, Kind::NotFound);
    e.create(&spec(FLAPPY, "idle")).unwrap();
    let err = e.kill("idle", None).unwrap_err();
    assert_eq!(err.kind, Kind::Conflict);
    assert!(err.message.ends_with("is not running"), "{err}");
}

#[tokio::test]
async fn a_renamed_container_answers_to_its_new_name_only() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    e.network_create("net", None, None, None).await.unwrap();
    let ci = run(&mut e, on(spec(FLAPPY, "old"), "net")).await;
    let asker = e.state.containers[ci].id.clone();
    e.rename("old", "new").unwrap();
    assert_eq!(e.state.containers[ci].name, "new");
    assert_eq!(e.dns_lookup_a(&asker, "old"), None);
    assert_eq!(
        e.dns_lookup_a(&asker, "new"),
        Some(vec![Ipv4Addr::new(172, 18, 0, 2)])
    );
    run(&mut e, spec(FLAPPY, "other")).await;
    assert_eq!(
        e.rename("new", "other").unwrap_err().kind,
        super::error::Kind::Conflict
    );
}

#[tokio::test]
async fn prune_removes_what_does_not_run() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    run(&mut e, spec(FLAPPY, "up")).await;
    e.create(&spec(FLAPPY, "made")).unwrap();
    let gone = e.state.containers[index(&e, "made")].id.clone();
    assert_eq!(e.prune_containers().await, std::slice::from_ref(&gone));
    assert!(!lab.dir.join(&gone).exists());
    let names: Vec<&str> = e.state.containers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["up"]);
}

// ---- network options (issue 15), each as Docker 20.10.24 does it --------

fn net_spec(name: &str) -> super::api::NetworkSpec {
    super::api::NetworkSpec {
        name: name.into(),
        ..Default::default()
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// `network create --internal --label b=2 --label a=1 --subnet 10.77.0.0/16
/// --gateway 10.77.0.254 --ip-range 10.77.5.0/24 --aux-address
/// host1=10.77.5.1 --aux-address zed=10.77.0.9 -o
/// com.docker.network.bridge.name=noint0 -o com.docker.network.driver.mtu=1400
/// -o foo=bar no-int` on Docker 20.10.24: inspect below, the bridge named
/// noint0 with 10.77.0.254/16, the first container at 10.77.5.0 (the
/// range's own network address) and the next at 10.77.5.2 (.1 is held).
#[tokio::test]
async fn create_with_every_option_shows_them_as_docker_does() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    let mut s = net_spec("no-int");
    s.internal = true;
    s.labels = strings(&["b=2", "a=1"]);
    s.subnet = Some("10.77.0.0/16".into());
    s.gateway = Some("10.77.0.254".into());
    s.ip_range = Some("10.77.5.0/24".into());
    s.aux_addresses = strings(&["host1=10.77.5.1", "zed=10.77.0.9"]);
    s.options = strings(&[
        "com.docker.network.bridge.name=noint0",
        "com.docker.network.driver.mtu=1400",
        "foo=bar",
    ]);
    e.network_create_spec(&s).await.unwrap();
    let n = &e.state.networks[e.find_network("no-int").unwrap()];
    assert_eq!(n.bridge, "noint0");
    let json = crate::inspect::network_json(&e.state, n);
    let from = |key: &str| serde_json::to_string(&json[key]).unwrap();
    assert_eq!(
        from("IPAM"),
        r#"{"Driver":"default","Options":{},"Config":[{"Subnet":"10.77.0.0/16","IPRange":"10.77.5.0/24","Gateway":"10.77.0.254","AuxiliaryAddresses":{"host1":"10.77.5.1","zed":"10.77.0.9"}}]}"#
    );
    assert_eq!(from("Internal"), "true");
    assert_eq!(
        from("Options"),
        r#"{"com.docker.network.bridge.name":"noint0","com.docker.network.driver.mtu":"1400","foo":"bar"}"#
    );
    assert_eq!(from("Labels"), r#"{"a":"1","b":"2"}"#);
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "Name",
            "Id",
            "Created",
            "Scope",
            "Driver",
            "EnableIPv6",
            "IPAM",
            "Internal",
            "Attachable",
            "Ingress",
            "ConfigFrom",
            "ConfigOnly",
            "Containers",
            "Options",
            "Labels"
        ]
    );
    assert!(lab
        .host
        .world()
        .log
        .contains(&"create bridge noint0 10.77.0.254/16 spare None".to_string()));
    run(&mut e, on(spec(FLAPPY, "na"), "no-int")).await;
    run(&mut e, on(spec(FLAPPY, "nb"), "no-int")).await;
    assert_eq!(
        ip_on(&e, "na", "no-int"),
        Some("10.77.5.0".parse().unwrap())
    );
    assert_eq!(
        ip_on(&e, "nb", "no-int"),
        Some("10.77.5.2".parse().unwrap())
    );
}

/// Without --gateway the gateway is the range's first address (Docker:
/// 10.82.0.128 for --ip-range 10.82.0.128/25 in 10.82.0.0/16, the first
/// container 10.82.0.129); a range that is the subnet starts at .1.
#[tokio::test]
async fn a_range_gives_the_gateway_and_the_addresses() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    let mut s = net_spec("r");
    s.subnet = Some("10.82.0.0/16".into());
    s.ip_range = Some("10.82.0.128/25".into());
    e.network_create_spec(&s).await.unwrap();
    run(&mut e, on(spec(FLAPPY, "nh"), "r")).await;
    let c = &e.state.containers[index(&e, "nh")];
    let ep = &c.sandbox.as_ref().unwrap().endpoints[0];
    assert_eq!(
        (ep.ip.to_string(), ep.gateway.to_string()),
        ("10.82.0.129".into(), "10.82.0.128".into())
    );
    let mut s = net_spec("whole");
    s.subnet = Some("10.83.0.0/24".into());
    s.ip_range = Some("10.83.0.0/24".into());
    e.network_create_spec(&s).await.unwrap();
    run(&mut e, on(spec(FLAPPY, "nw"), "whole")).await;
    assert_eq!(ip_on(&e, "nw", "whole"), Some("10.83.0.2".parse().unwrap()));
}

/// The daemon's refusals, in Docker 20.10.24's words (each printed after
/// "Error response from daemon: ", exit 1), and nothing made.
#[tokio::test]
async fn bad_options_are_refused_in_dockers_words() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    let cases: &[(&[&str], &[&str], &str)] = &[
        (
            &["com.docker.network.bridge.enable_icc=maybe"],
            &[],
            r#"failed to parse com.docker.network.bridge.enable_icc value: maybe (strconv.ParseBool: parsing "maybe": invalid syntax)"#,
        ),
        (
            &["com.docker.network.driver.mtu=abc"],
            &[],
            r#"failed to parse com.docker.network.driver.mtu value: abc (strconv.Atoi: parsing "abc": invalid syntax)"#,
        ),
        (
            &["com.docker.network.bridge.host_binding_ipv4=bad"],
            &[],
            "failed to parse com.docker.network.bridge.host_binding_ipv4 value: bad (nil ip)",
        ),
        (
            &["com.docker.network.driver.mtu=-1"],
            &[],
            "invalid MTU number: -1",
        ),
        (
            &[],
            &["a=10.80.0.1"],
            "failed to allocate secondary ip address (a:10.80.0.1): Address already in use",
        ),
        (
            &[],
            &["a=10.80.0.0"],
            "failed to allocate secondary ip address (a:10.80.0.0): Address already in use",
        ),
    ];
    let before = lab.host.world().log.len();
    for (opts, aux, want) in cases {
        let mut s = net_spec("bad");
        s.options = strings(opts);
        if !aux.is_empty() {
            s.subnet = Some("10.80.0.0/16".into());
            s.aux_addresses = strings(aux);
        }
        let err = e.network_create_spec(&s).await.unwrap_err();
        assert_eq!(err.message, *want);
        assert_eq!(err.exit_code("network"), 1, "{want}");
    }
    assert_eq!(lab.host.world().log.len(), before, "no bridge was made");
    assert!(e.find_network("bad").is_err());
    // Accepted as Docker accepts them: Go's booleans, an option without a
    // value, a label without one.
    let mut s = net_spec("ok");
    s.options = strings(&[
        "com.docker.network.bridge.enable_icc=1",
        "com.docker.network.bridge.enable_ip_masquerade=T",
        "noequals",
    ]);
    s.labels = strings(&["noequals", "k=v"]);
    e.network_create_spec(&s).await.unwrap();
    let n = &e.state.networks[e.find_network("ok").unwrap()];
    let json = crate::inspect::network_json(&e.state, n);
    assert_eq!(json["Labels"].to_string(), r#"{"k":"v","noequals":""}"#);
    assert_eq!(json["Options"]["noequals"], "");
}

/// Docker 20.10.24, `network ls --filter`: name and id match anywhere,
/// labels all apply, type is custom or builtin; the daemon's words for a
/// bad key or value.
#[tokio::test]
async fn ls_filters_as_dockers_daemon() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    let mut s = net_spec("no-int");
    s.labels = strings(&["a=1", "b=2"]);
    s.internal = true;
    e.network_create_spec(&s).await.unwrap();
    e.network_create("no-pub", None, None, None).await.unwrap();
    run(&mut e, on(spec(FLAPPY, "nc"), "no-pub")).await;
    let names = |e: &Engine<_>, f: &[&str]| -> Vec<String> {
        e.network_list(&strings(f))
            .unwrap()
            .into_iter()
            .map(|n| n.name)
            .collect()
    };
    assert_eq!(
        names(&e, &[]),
        ["bridge", "host", "no-int", "no-pub", "none"]
    );
    assert_eq!(names(&e, &["type=custom"]), ["no-int", "no-pub"]);
    assert_eq!(names(&e, &["type=builtin"]), ["bridge", "host", "none"]);
    assert_eq!(names(&e, &["driver=null"]), ["none"]);
    assert_eq!(names(&e, &["name=no-"]), ["no-int", "no-pub"]);
    assert_eq!(
        names(&e, &["name=^no-i", "name=pub$"]),
        ["no-int", "no-pub"]
    );
    assert_eq!(names(&e, &["label=a"]), ["no-int"]);
    assert_eq!(names(&e, &["label=a=1", "label=b"]), ["no-int"]);
    assert!(names(&e, &["label=a=2"]).is_empty());
    assert!(names(&e, &["scope=swarm"]).is_empty());
    assert_eq!(names(&e, &["scope=local"]).len(), 5);
    let id = e.state.networks[e.find_network("no-int").unwrap()]
        .id
        .clone();
    assert_eq!(names(&e, &[&format!("id={}", &id[..5])]), ["no-int"]);
    // Not Docker 20.10's: its list has no containers, so there every
    // custom network is dangling; here, as documented and as prune reads
    // it, a network a running container is on is not.
    assert_eq!(names(&e, &["dangling=true"]), ["no-int"]);
    assert_eq!(
        names(&e, &["dangling=false"]),
        ["bridge", "host", "no-pub", "none"]
    );
    let err = |f: &[&str]| e.network_list(&strings(f)).unwrap_err().message;
    assert_eq!(err(&["foo=bar"]), "Invalid filter 'foo'");
    assert_eq!(err(&["type=x"]), "invalid filter: 'type'='x'");
    assert_eq!(
        err(&["dangling=x"]),
        r#"invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")"#
    );
    let summary = &e.network_list(&strings(&["label=a"])).unwrap()[0];
    assert!(summary.internal);
    assert_eq!(summary.created, "2026-01-01 00:00:02 +0000 UTC");
}

/// Docker 20.10.24's prune removes custom networks with no running
/// container (a stopped container's network goes), keeps the rest, and
/// takes label, label! and until filters only.
#[tokio::test]
async fn prune_removes_unused_custom_networks() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    for (name, label) in [("p1", "keep"), ("p2", "x"), ("p3", "x"), ("p4", "x")] {
        let mut s = net_spec(name);
        s.labels = strings(&[label]);
        e.network_create_spec(&s).await.unwrap();
    }
    run(&mut e, on(spec(FLAPPY, "busy"), "p3")).await;
    e.create(&on(spec(FLAPPY, "stopped"), "p4")).unwrap();
    assert_eq!(
        e.network_prune(&strings(&["foo=1"]))
            .await
            .unwrap_err()
            .message,
        "Invalid filter 'foo'"
    );
    assert!(e
        .network_prune(&strings(&["until=1h"]))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        e.network_prune(&strings(&["label!=keep"])).await.unwrap(),
        ["p2", "p4"]
    );
    assert_eq!(e.network_prune(&[]).await.unwrap(), ["p1"]);
    let left: Vec<&str> = e.state.networks.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(left, ["bridge", "host", "none", "p3"]);
}

/// An internal network: its containers route through its gateway and
/// publish nothing (`docker port` empty, Ports {}, PORTS empty); on an
/// internal and a public network the public one takes the default route
/// and the ports, whatever the names, as on Docker 20.10.24.
#[tokio::test]
async fn internal_networks_publish_nothing_and_yield_the_gateway() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    let mut s = net_spec("aa-int");
    s.internal = true;
    e.network_create_spec(&s).await.unwrap();
    e.network_create("zz-pub", None, None, None).await.unwrap();
    let a = run(
        &mut e,
        publish(on(spec(FLAPPY, "na"), "aa-int"), &["8081:80"]),
    )
    .await;
    assert!(lab.host.world().proxies.is_empty());
    let ns_routes: Vec<Ipv4Addr> = lab
        .host
        .world()
        .default_routes
        .values()
        .map(|(gw, _)| *gw)
        .collect();
    assert_eq!(ns_routes, ["172.18.0.1".parse::<Ipv4Addr>().unwrap()]);
    let json = crate::inspect::container_json(&e.state, &e.state.containers[a]);
    assert_eq!(json["NetworkSettings"]["Ports"].to_string(), "{}");
    assert_eq!(e.ps_rows(false, false, &[]).unwrap()[0].ports, "");
    // Joining a public network publishes the ports and moves the route.
    e.network_connect("zz-pub", "na", Vec::new(), Vec::new(), None)
        .await
        .unwrap();
    let zz: SocketAddr = "172.19.0.2:80".parse().unwrap();
    let targets: Vec<SocketAddr> = lab.host.world().proxies.values().copied().collect();
    assert_eq!(targets, [zz, zz]);
    let gw = e
        .state
        .gateway_endpoint(&e.state.containers[a])
        .unwrap()
        .gateway;
    assert_eq!(gw.to_string(), "172.19.0.1");
    // Started on both: the public one, though its name sorts last.
    let b = e
        .create(&publish(on(spec(FLAPPY, "nb"), "zz-pub"), &["8082:80"]))
        .unwrap();
    e.network_connect("aa-int", "nb", Vec::new(), Vec::new(), None)
        .await
        .unwrap();
    e.start(b, None).await.unwrap();
    let ep = e.state.gateway_endpoint(&e.state.containers[b]).unwrap();
    assert_eq!(ep.gateway.to_string(), "172.19.0.1");
    assert_eq!(e.state.containers[b].bindings().len(), 2);
}

/// `enable_icc=false` and `driver.mtu` shape each container's port on the
/// bridge (an isolated port, the MTU); other networks' ports are plain.
#[tokio::test]
async fn icc_and_mtu_reach_the_bridge_port() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    let mut s = net_spec("x19");
    s.options = strings(&[
        "com.docker.network.bridge.enable_icc=false",
        "com.docker.network.driver.mtu=1400",
    ]);
    e.network_create_spec(&s).await.unwrap();
    e.network_create("open", None, None, None).await.unwrap();
    run(&mut e, on(spec(FLAPPY, "nh"), "x19")).await;
    run(&mut e, on(spec(FLAPPY, "no"), "open")).await;
    let adds: Vec<String> = lab
        .host
        .world()
        .log
        .iter()
        .filter(|l| l.starts_with("add eth0"))
        .cloned()
        .collect();
    assert_eq!(adds.len(), 2);
    assert!(
        adds[0].ends_with(" mtu Some(1400) isolated true"),
        "{}",
        adds[0]
    );
    assert!(adds[1].ends_with(" on bridge 3"), "{}", adds[1]);
}

/// `host_binding_ipv4=127.0.0.1`: Docker 20.10.24 publishes `-p 8090:80`
/// as `80/tcp -> 127.0.0.1:8090` alone, `-P` on that address too, and an
/// address given in `-p` as given.
#[tokio::test]
async fn host_binding_ipv4_is_where_ports_go() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    let mut s = net_spec("x19");
    s.options = strings(&["com.docker.network.bridge.host_binding_ipv4=127.0.0.1"]);
    e.network_create_spec(&s).await.unwrap();
    run(&mut e, publish(on(spec(FLAPPY, "nh"), "x19"), &["8090:80"])).await;
    let mut webapp = publish(
        on(spec("training/webapp", "nj"), "x19"),
        &["0.0.0.0:8091:81"],
    );
    webapp.publish_all = true;
    run(&mut e, webapp).await;
    let listens: Vec<String> = lab
        .host
        .world()
        .proxies
        .keys()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(listens.len(), 3, "{listens:?}");
    assert!(
        listens.contains(&"127.0.0.1:8090".to_string()),
        "{listens:?}"
    );
    assert!(listens.contains(&"0.0.0.0:8091".to_string()), "{listens:?}");
    assert!(
        listens
            .iter()
            .any(|l| l.starts_with("127.0.0.1:") && l != "127.0.0.1:8090"),
        "{listens:?}"
    );
    let row = &e.ps_rows(false, false, &[]).unwrap()[1];
    assert_eq!(row.ports, "127.0.0.1:8090->80/tcp");
}

/// Docker 20.10.24 lets `-o com.docker.network.bridge.name=docker0` share
/// docker0 with the default network; netlings refuses it in its own words
/// and makes nothing.
#[tokio::test]
async fn a_bridge_name_is_one_networks() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    let mut s = net_spec("x15");
    s.options = strings(&["com.docker.network.bridge.name=docker0"]);
    let err = e.network_create_spec(&s).await.unwrap_err();
    assert_eq!(
        err.message,
        "bridge docker0 is network bridge's: each network needs a bridge of its own"
    );
    assert_eq!(err.exit_code("network"), 1);
    assert!(e.find_network("x15").is_err());
}

// ---- IPv6 dual stack (issue 15) -----------------------------------------

fn v6_spec(name: &str, subnet: &str) -> super::api::NetworkSpec {
    super::api::NetworkSpec {
        name: name.into(),
        ipv6: true,
        subnet: Some(subnet.into()),
        ..Default::default()
    }
}

/// A `--ipv6` network addresses its bridge, its containers get an IPv6
/// address and default route, and every way out of a start or connect
/// gives the address back.
#[tokio::test]
async fn ipv6_addresses_are_made_and_given_back() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    e.network_create_spec(&v6_spec("v6n", "fd00:1::/64"))
        .await
        .unwrap();
    assert!(lab
        .host
        .world()
        .log
        .iter()
        .any(|l| l.ends_with("ipv6 fd00:1::1/64")));
    run(&mut e, on(spec(FLAPPY, "ca"), "v6n")).await;
    let ep = |e: &Engine<_>, name: &str| {
        let c = &e.state.containers[index(e, name)];
        c.sandbox.as_ref().unwrap().endpoints[0].v6
    };
    let a = ep(&e, "ca").expect("an IPv6 endpoint");
    assert_eq!(a.ip.to_string(), "fd00:1::2");
    assert_eq!(a.gateway.to_string(), "fd00:1::1");
    {
        let w = lab.host.world();
        assert_eq!(w.default_routes6.len(), 1);
        assert!(w.interfaces.values().any(|i| i.ip6 == Some(a.ip)));
    }
    let short = e.state.containers[index(&e, "ca")].id[..12].to_string();
    let v4 = ip_on(&e, "ca", "v6n").unwrap();
    assert!(hosts_file(&lab, &e, "ca").ends_with(&format!("{v4}\t{short}\nfd00:1::2\t{short}\n")));

    // A failed start (its interface) leaves the next address free.
    let ci = e.create(&on(spec(FLAPPY, "cb"), "v6n")).unwrap();
    lab.host.fail(Op::AddInterface, 0);
    e.start(ci, None).await.unwrap_err();
    e.start(ci, None).await.unwrap();
    assert_eq!(ep(&e, "cb").unwrap().ip.to_string(), "fd00:1::3");

    // A failed connect gives its IPv6 address back.
    e.network_create_spec(&v6_spec("v6b", "fd00:3::/64"))
        .await
        .unwrap();
    lab.host.fail(Op::SetDefaultRoute, 0);
    e.network_connect_with(
        "v6b",
        "ca",
        Vec::new(),
        Vec::new(),
        None,
        Some("fd00:3::77"),
    )
    .await
    .unwrap_err();
    e.network_connect_with(
        "v6b",
        "ca",
        Vec::new(),
        Vec::new(),
        None,
        Some("fd00:3::77"),
    )
    .await
    .expect("the address is free again");
    // Disconnect and remove give theirs back too.
    e.network_disconnect("v6b", "ca", false).await.unwrap();
    let bi = index(&e, "cb");
    e.rm(bi, true).await.unwrap();
    run(&mut e, on(spec(FLAPPY, "cc"), "v6n")).await;
    assert_eq!(ep(&e, "cc").unwrap().ip.to_string(), "fd00:1::3");
    run(&mut e, on(spec(FLAPPY, "cd"), "v6b")).await;
    assert_eq!(ep(&e, "cd").unwrap().ip.to_string(), "fd00:3::2");
}

/// A bridge whose IPv6 address cannot be set leaves no network behind.
#[tokio::test]
async fn a_failed_ipv6_bridge_leaves_no_network() {
    let lab = FakeLab::new().await;
    let mut e = lab.engine.lock().await;
    // The first CreateBridge is the bridge, the second its IPv6 address.
    lab.host.fail(Op::CreateBridge, 1);
    e.network_create_spec(&v6_spec("v6n", "fd00:1::/64"))
        .await
        .unwrap_err();
    assert!(e.find_network("v6n").is_err());
    e.network_create_spec(&v6_spec("v6n", "fd00:1::/64"))
        .await
        .expect("the subnet is free again");
}
