//! The lab's Docker Engine API, driven by the clients people use: the
//! genuine docker client 28.2.2 (/usr/local/bin/docker on this machine
//! kind), the Docker SDK for Python and docker-compose. What they must
//! see is recorded in ../shared/reference/docker-api/ (a real Docker
//! 20.10 answering the same client).

mod common;
use common::TestLab;
use netlings::lesson::format::{self, Command as Step};
use std::process::Command;

/// The genuine client, as every machine of this kind has it.
const DOCKER: &str = "/usr/local/bin/docker";

fn genuine(lab: &TestLab) -> Command {
    assert!(
        std::path::Path::new(DOCKER).exists(),
        "these tests need the genuine docker client at {DOCKER}"
    );
    let mut c = Command::new(DOCKER);
    c.env("DOCKER_HOST", lab.docker_host())
        .env("DOCKER_CONFIG", lab.state_dir.join("docker-config"))
        .env_remove("DOCKER_CONTEXT");
    c
}

fn run(mut c: Command) -> (i32, String, String) {
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn docker(lab: &TestLab, args: &[&str]) -> (i32, String, String) {
    let mut c = genuine(lab);
    c.args(args);
    run(c)
}

/// The daemon's message in a client's error output, without the client's
/// own decorations (`docker: `, a final dot, the help line).
fn daemon_message(stderr: &str) -> Option<String> {
    let at = stderr.find("Error response from daemon: ")?;
    let rest = &stderr[at + "Error response from daemon: ".len()..];
    let line = rest.lines().next().unwrap_or("");
    Some(line.trim_end_matches('.').to_string())
}

/// Everything in a lab, inspected: containers and networks by name.
fn inspect_all(lab: &TestLab) -> serde_json::Value {
    let names = |args: &[&str]| -> Vec<String> {
        let out = lab.ok(args);
        let mut v: Vec<String> = out.lines().map(str::to_string).collect();
        v.sort();
        v
    };
    let containers = names(&["ps", "-a", "--format", "{{.Names}}"]);
    let networks = names(&["network", "ls", "--format", "{{.Name}}"]);
    let mut all = serde_json::Map::new();
    for (kind, list) in [("container", containers), ("network", networks)] {
        for name in list {
            let text = lab.ok(&["inspect", "--type", kind, &name]);
            let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
            // A process id is the kernel's: two labs running the same
            // steps number their processes alike only by chance.
            if let Some(state) = v[0].get_mut("State") {
                state["Pid"] = serde_json::json!(0);
            }
            all.insert(format!("{kind} {name}"), v);
        }
    }
    serde_json::Value::Object(all)
}

/// The genuine client runs `stop a b` (and start, restart, kill, rm) on
/// its containers at once, so their times land in either order: one
/// container at a time, in the order given, as our CLI does, keeps two
/// deterministic labs comparable. The output is the runs' together, the
/// exit code the last failing one's.
fn genuine_in_order(lab: &TestLab, argv: &[String]) -> (i32, String, String) {
    let per_container = matches!(
        argv[0].as_str(),
        "stop" | "start" | "restart" | "kill" | "rm"
    );
    let names: Vec<&String> = argv[1..].iter().filter(|a| !a.starts_with('-')).collect();
    if !per_container || names.len() < 2 {
        let mut c = genuine(lab);
        c.args(argv);
        return run(c);
    }
    let flags: Vec<&String> = argv[1..].iter().filter(|a| a.starts_with('-')).collect();
    let mut all = (0, String::new(), String::new());
    for name in names {
        let mut c = genuine(lab);
        c.arg(&argv[0]).args(&flags).arg(name);
        let (code, out, err) = run(c);
        if code != 0 {
            all.0 = code;
        }
        all.1.push_str(&out);
        all.2.push_str(&err);
    }
    all
}

/// Every step of every lesson, in two deterministic labs: one through our
/// CLI, one through the genuine client. The same exit codes, the same
/// daemon errors, and after each step the same inspect JSON of everything.
#[test]
fn every_lesson_step_through_the_genuine_client_leaves_the_same_lab() {
    let mut files: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/lessons"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    assert!(files.len() >= 5);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let lesson = format::parse(&name, &text).unwrap();
        let ours = TestLab::start(&format!("api-a{}", &name[..2]));
        let theirs = TestLab::start(&format!("api-b{}", &name[..2]));
        let mut docker_steps = 0;
        for step in &lesson.steps {
            let (a, b) = match &step.command {
                Step::Docker(argv) => {
                    docker_steps += 1;
                    let a = ours.run(&argv.iter().map(String::as_str).collect::<Vec<_>>());
                    (a, genuine_in_order(&theirs, argv))
                }
                Step::InContainer { container, argv } => {
                    let mut args = vec!["exec".to_string(), container.clone()];
                    args.extend(argv.iter().cloned());
                    let a = ours.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
                    let mut c = genuine(&theirs);
                    c.args(&args);
                    (a, run(c))
                }
                Step::LabHost(argv) => {
                    let mut args = vec!["lab".to_string(), "exec".into(), "--".into()];
                    args.extend(argv.iter().cloned());
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    (ours.run(&args), theirs.run(&args))
                }
                Step::Topology | Step::Trace(_) => continue,
            };
            let what = format!("{name} step {:?} ({:?})", step.title, step.command);
            // `port` and `inspect -f` print what the daemon says as it is;
            // the 28 client writes IPv6 bindings as `[::]:80` where 20.10
            // (and so our CLI) wrote `:::80` (reference 12-port.txt).
            if let Step::Docker(argv) = &step.command {
                if matches!(argv[0].as_str(), "port" | "inspect") {
                    assert_eq!(
                        a.1.replace("> :::", "> [::]:")
                            .lines()
                            .map(|l| match l.strip_prefix(":::") {
                                Some(port) => format!("[::]:{port}\n"),
                                None => format!("{l}\n"),
                            })
                            .collect::<String>(),
                        b.1,
                        "{what}: output differs"
                    );
                }
            }
            assert_eq!(
                a.0, b.0,
                "{what}: exit codes differ\nours: {a:?}\ngenuine: {b:?}"
            );
            assert_eq!(
                daemon_message(&a.2),
                daemon_message(&b.2),
                "{what}: daemon errors differ"
            );
            let (sa, sb) = (inspect_all(&ours), inspect_all(&theirs));
            assert_eq!(sa, sb, "{what}: the labs differ afterwards");
        }
        assert!(
            docker_steps > 3,
            "{name}: too few docker steps to prove anything"
        );
    }
}

#[test]
fn ping_version_and_errors_have_dockers_shape() {
    let lab = TestLab::start("api-ping");
    let (code, out, _) = docker(
        &lab,
        &[
            "version",
            "--format",
            "{{.Server.APIVersion}} {{.Client.APIVersion}}",
        ],
    );
    assert_eq!((code, out.as_str()), (0, "1.41 1.41\n"));
    let raw = |request: &str| -> String {
        use std::io::{Read, Write};
        let path = lab.docker_host().trim_start_matches("unix://").to_string();
        let mut s = std::os::unix::net::UnixStream::connect(path).unwrap();
        // A server may answer (413) before it has read it all.
        let _ = s.write_all(request.as_bytes());
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let mut text = Vec::new();
        let _ = s.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    };
    let ping = raw("HEAD /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n");
    assert!(ping.starts_with("HTTP/1.1 200 OK\r\n"), "{ping}");
    for header in [
        "api-version: 1.41",
        "ostype: linux",
        "docker-experimental: false",
    ] {
        assert!(ping.to_lowercase().contains(header), "{header} in {ping}");
    }
    let get = raw("GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n");
    assert!(get.ends_with("\r\n\r\nOK"), "{get}");
    let too_new = raw("GET /v1.99/version HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n");
    assert!(too_new.starts_with("HTTP/1.1 400 Bad Request"), "{too_new}");
    assert!(too_new.ends_with("{\"message\":\"client version 1.99 is too new. Maximum supported API version is 1.41\"}\n"), "{too_new}");
    let unknown = raw("GET /v1.41/nosuch HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n");
    assert!(unknown.starts_with("HTTP/1.1 404 Not Found"), "{unknown}");
    assert!(unknown
        .to_lowercase()
        .contains("content-type: application/json"));
    assert!(
        unknown.ends_with("{\"message\":\"page not found\"}\n"),
        "{unknown}"
    );
    // A malformed body: 400 with the parser's words; the engine lives on.
    let bad = raw("POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{nope");
    assert!(bad.starts_with("HTTP/1.1 400 Bad Request"), "{bad}");
    assert!(bad.contains("key must be a string"), "{bad}");
    // A body over the limit: 413, before anything is made.
    let big = format!(
        "POST /v1.41/networks/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        2 << 20,
        " ".repeat(2 << 20)
    );
    let refused = raw(&big);
    assert!(
        refused.starts_with("HTTP/1.1 413 Payload Too Large"),
        "{refused}"
    );
    // A client that leaves in the middle of a stream ends only itself.
    {
        use std::io::Write;
        let path = lab.docker_host().trim_start_matches("unix://").to_string();
        let mut s = std::os::unix::net::UnixStream::connect(path).unwrap();
        s.write_all(b"GET /v1.41/events HTTP/1.1\r\nHost: docker\r\n\r\n")
            .unwrap();
    }
    let (code, _, err) = docker(&lab, &["rm", "nosuch"]);
    assert_eq!(
        (code, err.as_str()),
        (1, "Error response from daemon: No such container: nosuch\n")
    );
    let (code, out, err) = docker(&lab, &["inspect", "nosuch"]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (1, "[]\n", "Error: No such object: nosuch\n")
    );
    // Any 404 at create makes the client pull: only a missing image gets one.
    let (code, _, err) = docker(&lab, &["run", "local/nosuchimage"]);
    assert_eq!(code, 125);
    assert!(err.starts_with("Unable to find image 'local/nosuchimage:latest' locally\ndocker: Error response from daemon: pull access denied for local/nosuchimage: this lab has no registry; its images are built in: hello-world, "), "{err}");
    let (code, _, err) = docker(
        &lab,
        &["run", "--net", "nosuch", "--rm", "training/webapp", "env"],
    );
    assert_eq!(code, 125);
    assert!(
        err.starts_with("docker: Error response from daemon: network nosuch not found"),
        "{err}"
    );
    assert_eq!(
        docker(&lab, &["ps", "-aq"]).1,
        "",
        "--rm took the container that failed to start"
    );
}

#[test]
fn attached_runs_exec_and_terminals_pass_output_and_exit_codes() {
    let lab = TestLab::start("api-tty");
    let (code, out, err) = docker(
        &lab,
        &[
            "run",
            "--rm",
            "training/webapp",
            "sh",
            "-c",
            "echo to-stderr >&2; echo to-stdout; exit 7",
        ],
    );
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (7, "to-stdout\n", "to-stderr\n")
    );
    let mut c = genuine(&lab);
    c.args(["run", "-i", "--rm", "training/webapp", "cat"]);
    c.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"piped in\n").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).as_ref()
        ),
        (Some(0), "piped in\n"),
        "stdin's end reaches cat"
    );

    let (code, id, _) = docker(
        &lab,
        &[
            "run",
            "-d",
            "--name",
            "flappy",
            "quay.io/purplebooth/flappy-endpoint",
        ],
    );
    assert_eq!((code, id.trim().len()), (0, 64));
    let (code, out, _) = docker(&lab, &["top", "flappy"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("UID  ") && out.contains(" CMD\n"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.ends_with("/usr/local/bin/flappy-endpoint")),
        "{out}"
    );
    let (code, out, _) = docker(
        &lab,
        &["exec", "flappy", "sh", "-c", "cat /etc/hostname; exit 3"],
    );
    assert_eq!(
        (code, out.as_str()),
        (3, format!("{}\n", &id[..12]).as_str())
    );

    let mut c = genuine(&lab);
    c.args(["exec", "-it", "flappy", "sh"]);
    let (screen, code) = common::on_a_terminal(
        c,
        "# ",
        &["tty; ls -l /proc/self/fd/0", "exit 4"],
        std::time::Duration::from_secs(20),
    );
    assert_eq!(code, 4, "{screen}");
    // The container's own first terminal (its first process has none), as
    // runc makes it: Docker 20.10.24 shows /dev/pts/0 too.
    assert!(
        screen.contains("\r\n/dev/pts/0\r\n") && screen.contains("-> /dev/pts/0"),
        "a terminal of its own: {screen}"
    );

    let mut c = genuine(&lab);
    c.args(["run", "-it", "--rm", "training/webapp", "sh"]);
    let (screen, code) = common::on_a_terminal(
        c,
        "# ",
        &["echo typed-$((40+2)); tty", "exit 5"],
        std::time::Duration::from_secs(20),
    );
    assert_eq!(code, 5, "{screen}");
    assert!(screen.contains("typed-42\r\n/dev/pts/0\r\n"), "{screen}");

    // Ctrl-C reaches the container (the client proxies it as kill?signal=INT).
    let mut c = genuine(&lab);
    c.args([
        "run",
        "--rm",
        "--name",
        "trapper",
        "training/webapp",
        "sh",
        "-c",
        "trap 'echo got-int; exit 9' INT; echo ready; while :; do sleep 0.1; done",
    ]);
    c.stdout(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = String::new();
    while !seen.contains("ready") {
        use std::io::Read;
        let mut buf = [0u8; 64];
        let n = stdout.read(&mut buf).unwrap();
        assert!(n > 0, "no output from the trap container");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let status = child.wait().unwrap();
    let mut rest = String::new();
    use std::io::Read;
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(status.code(), Some(9), "{seen}{rest}");
    assert!(rest.contains("got-int"), "{rest}");

    let (code, out, _) = docker(&lab, &["logs", "--tail", "1", "flappy"]);
    assert_eq!(code, 0, "{out}");
}

/// The Docker SDK for Python (7.1.0 on this machine kind) runs a script of
/// the calls people make (tests/clients/sdk_script.py).
#[test]
fn the_python_sdk_drives_a_lab() {
    let lab = TestLab::start("api-sdk");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/sdk_script.py");
    let out = Command::new("python3")
        .arg(script)
        .env("DOCKER_HOST", lab.docker_host())
        .output()
        .expect("python3 runs (the Docker SDK for Python must be installed)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = [
        "api 1.41",
        "status running",
        "ports 8080",
        "networks ['sdk-net', 'sdk-other']",
        "networks ['sdk-net']",
        "exec 3 True",
        "exec-wget 0 Hello world!",
        "wait 4",
        "logs ['from-sdk', 'err']",
        "logs-stdout ['from-sdk']",
        "run attached",
        "list ['sdk-web']",
        "left [] []",
    ];
    for line in expected {
        assert!(text.lines().any(|l| l == line), "{line:?} in:\n{text}");
    }
}

/// docker-compose (Debian's 1.29) brings up two networks and three
/// services with an alias and a published port, and takes them down.
#[test]
fn docker_compose_up_ps_logs_and_down() {
    let lab = TestLab::start("api-compose");
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/compose.yml");
    let compose = |args: &[&str]| -> (i32, String, String) {
        let mut c = Command::new("docker-compose");
        c.args(["-f", file, "-p", "demo"])
            .args(args)
            .env("DOCKER_HOST", lab.docker_host());
        run(c)
    };
    let networks_before = lab.ok(&["network", "ls", "--format", "{{.Name}}"]);
    let (code, _, err) = compose(&["up", "-d"]);
    assert_eq!(code, 0, "docker-compose up: {err}");
    let (code, out, _) = compose(&["ps"]);
    assert_eq!(code, 0);
    let up: Vec<&str> = out.lines().filter(|l| l.contains(" Up ")).collect();
    assert_eq!(up.len(), 3, "three services, once each:\n{out}");
    assert!(out.contains("0.0.0.0:8000->5000/tcp"), "{out}");
    // By service name and by alias, across the networks they share.
    let (code, out, err) = compose(&[
        "exec",
        "-T",
        "web",
        "sh",
        "-c",
        "nslookup database && wget -qO- http://probe/",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Name:\tdatabase"), "{out}");
    assert!(out.contains("flappy-endpoint: 200 OK"), "{out}");
    // probe is not on the back network: db is out of its reach by name.
    let (code, _, _) = compose(&["exec", "-T", "probe", "nslookup", "db"]);
    assert_ne!(code, 0, "probe must not resolve db");
    let page = lab.ok(&["lab", "exec", "--", "curl", "-s", "http://127.0.0.1:8000/"]);
    assert_eq!(page, "Hello world!");
    let (code, out, _) = compose(&["logs", "--no-color", "web"]);
    assert_eq!(code, 0);
    assert!(out.contains("Running on http://0.0.0.0:5000/"), "{out}");
    let (code, _, err) = compose(&["down"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lab.ok(&["ps", "-aq"]), "", "down leaves no container");
    assert_eq!(
        lab.ok(&["network", "ls", "--format", "{{.Name}}"]),
        networks_before,
        "down leaves the networks as they were"
    );
}

/// A rootless lab serves the API to its owner; root's own clients and
/// other users are kept out by the socket's owner-only permissions.
#[test]
fn a_rootless_lab_serves_its_owner_and_nobody_else() {
    let lab = TestLab::start_rootless("api-rl");
    let as_owner = |args: &[&str]| -> (i32, String, String) {
        let mut c = match &lab.user {
            Some(u) => u.command(DOCKER),
            None => Command::new(DOCKER),
        };
        c.env("DOCKER_HOST", lab.docker_host())
            .env("DOCKER_CONFIG", "/nonexistent")
            .args(args);
        run(c)
    };
    let (code, out, err) = as_owner(&[
        "run",
        "--rm",
        "training/webapp",
        "sh",
        "-c",
        "echo hi from $(hostname | cut -c1-3)",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("hi from "), "{out}");
    let (code, out, _) = as_owner(&["network", "create", "rl-net"]);
    assert_eq!((code, out.trim().len()), (0, 64));
    let (code, out, _) = as_owner(&[
        "run",
        "-d",
        "--net",
        "rl-net",
        "--name",
        "rl-web",
        "training/webapp",
        "python",
        "app.py",
    ]);
    assert_eq!(code, 0, "{out}");
    let (code, out, err) = as_owner(&["exec", "rl-web", "wget", "-qO-", "http://rl-web:5000/"]);
    assert_eq!((code, out.as_str()), (0, "Hello world!"), "{err}");
    let mode = std::fs::metadata(lab.docker_host().trim_start_matches("unix://"))
        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777)
        .unwrap();
    assert_eq!(mode, 0o600, "the API socket is its owner's alone");
    if lab.user.is_some() {
        // Root connects (permissions do not stop it) but is not the lab's
        // owner in its user namespace: refused, as on the lab's socket.
        let (code, _, err) = docker(&lab, &["ps"]);
        assert_eq!(code, 1);
        assert!(
            err.contains("permission denied: this lab belongs to another user"),
            "{err}"
        );
    }
}

/// `docker events` as the client reads them, and `logs -f -t` following
/// a container to its end.
#[test]
fn events_and_followed_logs() {
    let lab = TestLab::start("api-ev");
    let mut events = genuine(&lab);
    events
        .args([
            "events",
            "--format",
            "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}",
        ])
        .stdout(std::process::Stdio::piped());
    let events = events.spawn().unwrap();
    // The stream is open once a first event arrives: make one until then.
    std::thread::sleep(std::time::Duration::from_millis(300));
    docker(&lab, &["network", "create", "evnet"]);
    let (code, _, _) = docker(
        &lab,
        &[
            "run",
            "-d",
            "--name",
            "ev",
            "--net",
            "evnet",
            "training/webapp",
            "sh",
            "-c",
            "for i in 1 2 3; do echo line $i; sleep 0.2; done",
        ],
    );
    assert_eq!(code, 0);
    let (code, out, _) = docker(&lab, &["logs", "-f", "-t", "ev"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    for (i, l) in lines.iter().enumerate() {
        let (stamp, text) = l.split_once(' ').unwrap();
        assert!(stamp.starts_with("20") && stamp.ends_with('Z'), "{l}");
        assert_eq!(text, format!("line {}", i + 1));
    }
    assert_eq!(docker(&lab, &["wait", "ev"]).1, "0\n");
    docker(&lab, &["rm", "ev"]);
    docker(&lab, &["network", "rm", "evnet"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(events.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let out = events.wait_with_output().unwrap();
    let seen = String::from_utf8_lossy(&out.stdout);
    // What Docker 20.10.24 printed for the same commands (2026-12-02).
    let expected = [
        "network create evnet",
        "container create ev",
        "network connect evnet",
        "container start ev",
        "container die ev",
        "network disconnect evnet",
        "container destroy ev",
        "network destroy evnet",
    ];
    let got: Vec<&str> = seen.lines().collect();
    assert_eq!(got, expected, "{seen}");
}

/// ps filters Docker knows (an unknown one is refused in its words), past
/// events on request, and what a lab does not have refused in one line
/// instead of silently dropped.
#[test]
fn filters_past_events_and_refusals() {
    let lab = TestLab::start("api-ref");
    assert_eq!(
        docker(
            &lab,
            &[
                "run",
                "-d",
                "--name",
                "a1",
                "-p",
                "8080:5000",
                "training/webapp",
                "python",
                "app.py"
            ]
        )
        .0,
        0
    );
    assert_eq!(
        docker(
            &lab,
            &[
                "run",
                "-d",
                "--name",
                "a2",
                "training/webapp",
                "python",
                "app.py"
            ]
        )
        .0,
        0
    );
    let names =
        |filter: &str| docker(&lab, &["ps", "--filter", filter, "--format", "{{.Names}}"]).1;
    assert_eq!(names("publish=8080"), "a1\n");
    assert_eq!(names("publish=8000-8100/tcp"), "a1\n");
    assert_eq!(names("publish=5000"), "");
    assert_eq!(names("expose=5000"), "a2\na1\n");
    assert_eq!(names("before=a2"), "a1\n");
    assert_eq!(names("since=a1"), "a2\n");
    // Docker 20.10: `Error response from daemon: Invalid filter 'bogus'`, exit 1.
    assert_eq!(
        docker(&lab, &["ps", "--filter", "bogus=1"]),
        (
            1,
            String::new(),
            "Error response from daemon: Invalid filter 'bogus'\n".into()
        )
    );
    let (code, _, err) = docker(
        &lab,
        &[
            "run",
            "--rm",
            "-v",
            "/etc:/x",
            "training/webapp",
            "ls",
            "/x",
        ],
    );
    assert_eq!(code, 125);
    assert!(err.starts_with("docker: Error response from daemon: volumes and mounts (-v, --mount) are outside netlings' scope"), "{err}");
    let (code, _, err) = docker(
        &lab,
        &[
            "run",
            "-d",
            "--restart",
            "always",
            "training/webapp",
            "true",
        ],
    );
    assert_eq!(code, 125);
    assert!(
        err.contains("restart policies (--restart always) are outside netlings' scope"),
        "{err}"
    );
    // What dockerd 20.10 answers the 28 client's --ip without --net.
    let (code, _, err) = docker(
        &lab,
        &["run", "--rm", "--ip", "10.1.1.1", "training/webapp", "true"],
    );
    assert_eq!(code, 125);
    assert!(err.starts_with("docker: Error response from daemon: user specified IP address is supported on user defined networks only"), "{err}");
    let (code, _, err) = docker(&lab, &["volume", "ls"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("Error response from daemon: volumes: outside netlings' scope"),
        "{err}"
    );
    assert_eq!(
        docker(&lab, &["ps", "-aq"]).1.lines().count(),
        2,
        "nothing was made by the refusals"
    );
    // Everything so far, replayed: `--since` a minute ago, up to now (the
    // client sends whole seconds, so the last second is let pass first).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (code, out, _) = docker(
        &lab,
        &[
            "events",
            "--since",
            "1m",
            "--until",
            "0s",
            "--format",
            "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}",
        ],
    );
    assert_eq!(code, 0);
    let got: Vec<&str> = out.lines().collect();
    assert_eq!(
        got,
        [
            "container create a1",
            "network connect bridge",
            "container start a1",
            "container create a2",
            "network connect bridge",
            "container start a2"
        ],
        "{out}"
    );
}

/// `-p` on the host's network: the create's Warnings, which the genuine
/// client prints as Docker 20.10.24's did (2026-12-02), and our CLI alike.
#[test]
fn published_ports_on_the_host_network_draw_dockers_warning() {
    let lab = TestLab::start("api-hostwarn");
    let args = [
        "create",
        "--net",
        "host",
        "-p",
        "8080:5000",
        "training/webapp",
    ];
    let warning = "WARNING: Published ports are discarded when using host network mode\n";
    let (code, out, err) = docker(&lab, &args);
    assert_eq!((code, err.as_str()), (0, warning), "{out}");
    let (code, _, err) = lab.run(&args);
    assert_eq!((code, err.as_str()), (0, warning));
    let (code, _, err) = docker(&lab, &["create", "--net", "host", "training/webapp"]);
    assert_eq!((code, err.as_str()), (0, ""));
}

/// `--net none` and `--net host` through the Engine API: the genuine
/// client sees the mode's network and no ports, as Docker 20.10.24 showed
/// them (2026-12-02): `Networks` has `none`/`host` with the network's id,
/// `Ports` is `{}` and `ps` has no PORTS.
#[test]
fn host_and_none_containers_through_the_engine_api() {
    let lab = TestLab::start("api-modes");
    for (name, mode) in [("nn", "none"), ("hh", "host")] {
        let (code, _, err) = docker(
            &lab,
            &[
                "run",
                "-d",
                "--name",
                name,
                "--net",
                mode,
                "-p",
                "8090:80",
                "training/webapp",
            ],
        );
        assert_eq!(code, 0, "{err}");
        let net_id = lab.ok(&["network", "inspect", "-f", "{{.Id}}", mode]);
        let (code, out, _) = docker(
            &lab,
            &["inspect", "-f", &format!("{{{{.NetworkSettings.Networks.{mode}.NetworkID}}}} {{{{json .NetworkSettings.Ports}}}}"), name],
        );
        assert_eq!((code, out), (0, format!("{} {{}}\n", net_id.trim())));
        // Inspect bodies are the bytes our CLI prints.
        let (_, ours, _) = docker(&lab, &["inspect", name]);
        assert_eq!(ours, lab.ok(&["inspect", name]));
    }
    let (code, out, _) = docker(
        &lab,
        &["ps", "--format", "{{.Names}} [{{.Ports}}] {{.Networks}}"],
    );
    assert_eq!((code, out.as_str()), (0, "hh [] host\nnn [] none\n"));
}
