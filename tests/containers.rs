//! Container commands beyond the tutorials' path, through the CLI, with
//! what Docker 20.10.24's client printed for the same commands (recorded
//! on 2026-12-02 with /usr/bin/docker against dockerd 20.10.24).

mod common;
use common::TestLab;
use std::time::Duration;

const FLAPPY: &str = "quay.io/purplebooth/flappy-endpoint";

#[test]
fn create_start_kill_wait_rename_and_prune() {
    let lab = TestLab::start("ctr");
    let id = lab.ok(&["create", "--name", "c1", FLAPPY]);
    let id = id.trim();
    assert_eq!(id.len(), 64, "create prints the id");
    let ps = lab.ok(&["ps", "-a"]);
    assert!(ps.contains("Created") && ps.contains("c1"), "{ps}");

    // Docker: `Error response from daemon: Conflict. ... reuse that name.`, exit 1.
    let (code, out, err) = lab.run(&["create", "--name", "c1", FLAPPY]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        format!("Error response from daemon: Conflict. The container name \"/c1\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name.\n")
    );
    // The client's own checks keep `docker: ...` and 125.
    let (code, _, err) = lab.run(&["create", "-p", "70000:80", FLAPPY]);
    assert_eq!(code, 125);
    assert_eq!(
        err,
        "netlings: Invalid hostPort: 70000.\nSee 'netlings create --help'.\n"
    );

    assert_eq!(lab.ok(&["start", "c1"]), "c1\n");
    assert_eq!(lab.ok(&["kill", "c1"]), "c1\n");
    assert_eq!(lab.ok(&["wait", "c1"]), "137\n");
    let (code, _, err) = lab.run(&["kill", "c1"]);
    assert_eq!(code, 1);
    assert_eq!(err, format!("Error response from daemon: Cannot kill container: c1: Container {id} is not running\n"));
    let (code, _, err) = lab.run(&["kill", "nosuch"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "Error response from daemon: Cannot kill container: nosuch: No such container: nosuch\n"
    );

    lab.ok(&["start", "c1"]);
    let (code, _, err) = lab.run(&["kill", "-s", "FOO", "c1"]);
    assert_eq!(
        (code, err.as_str()),
        (1, "Error response from daemon: Invalid signal: FOO\n")
    );
    // flappy's server stops on SIGTERM (a built-in program that is PID 1).
    assert_eq!(lab.ok(&["kill", "-s", "SIGTERM", "c1"]), "c1\n");
    assert_eq!(lab.ok(&["wait", "c1"]), "0\n");

    assert_eq!(lab.ok(&["rename", "c1", "c2"]), "");
    let (code, _, err) = lab.run(&["rename", "c2", "c2"]);
    assert_eq!(code, 1);
    assert_eq!(err, "Error response from daemon: Renaming a container with the same name as its current name\nError: failed to rename container named c2\n");
    let (code, _, err) = lab.run(&["rename", "nosuch", "x"]);
    assert_eq!(code, 1);
    assert_eq!(err, "Error response from daemon: No such container: nosuch\nError: failed to rename container named nosuch\n");
    let (code, _, err) = lab.run(&["rename", "c2", "bad name"]);
    assert_eq!(code, 1);
    assert_eq!(err, "Error response from daemon: Error when allocating new name: Invalid container name (/bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed\nError: failed to rename container named c2\n");
    lab.ok(&["create", "--name", "c3", FLAPPY]);
    let (code, _, err) = lab.run(&["rename", "c2", "c3"]);
    assert_eq!(code, 1);
    assert!(err.starts_with("Error response from daemon: Error when allocating new name: Conflict. The container name \"/c3\" is already in use by container \""), "{err}");
    let (code, _, err) = lab.run(&["wait", "nosuch"]);
    assert_eq!(
        (code, err.as_str()),
        (1, "Error response from daemon: No such container: nosuch\n")
    );

    // The object form, and prune of everything that does not run.
    lab.ok(&["run", "-d", "--name", "up", FLAPPY]);
    let ls = lab.ok(&["container", "ls", "-a"]);
    assert!(
        ls.contains("c2") && ls.contains("c3") && ls.contains("up"),
        "{ls}"
    );
    let pruned = lab.ok(&["container", "prune", "-f"]);
    let c2 = lab.run(&["inspect", "c2"]);
    assert_eq!(c2.0, 1, "c2 is gone");
    assert!(pruned.starts_with("Deleted Containers:\n"), "{pruned}");
    assert!(
        pruned.ends_with("\n\nTotal reclaimed space: 0B\n"),
        "{pruned}"
    );
    assert_eq!(pruned.lines().count(), 5, "two ids: {pruned}");
    assert_eq!(
        lab.ok(&["container", "prune", "-f"]),
        "Total reclaimed space: 0B\n"
    );
    assert!(lab.ok(&["ps"]).contains("up"));
}

#[test]
fn commands_outside_the_scope_say_so_in_one_line() {
    let lab = TestLab::start("scope");
    for (args, what) in [
        (&["stats", "x"][..], "docker stats"),
        (&["container", "stats"][..], "docker container stats"),
        (&["image", "pull", "x"][..], "docker image pull"),
    ] {
        let (code, out, err) = lab.run(args);
        assert_eq!((code, out.as_str()), (1, ""), "{args:?}");
        assert!(
            err.starts_with(&format!("netlings: '{what}' is outside netlings' scope")),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // Docker: "docker: 'foo' is not a docker command.\nSee 'docker --help'", exit 1.
    let (code, _, err) = lab.run(&["foo"]);
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "netlings: 'foo' is not a netlings command.\nSee 'netlings --help'\n"
        )
    );
}

#[test]
fn images_version_and_info_describe_the_lab() {
    let lab = TestLab::start("sysinfo");
    let images = lab.ok(&["images"]);
    assert_eq!(images, lab.ok(&["image", "ls"]));
    let lines: Vec<&str> = images.lines().collect();
    assert!(lines[0].starts_with("REPOSITORY  "), "{images}");
    assert!(
        lines[0].ends_with("   IMAGE ID       CREATED    SIZE"),
        "{images}"
    );
    assert!(
        images.contains(
            "training/webapp                       latest    48127e0d9d52   built in   313B"
        ),
        "{images}"
    );
    assert_eq!(lines.len(), 6, "five built-in images: {images}");
    let version = lab.ok(&["version"]);
    assert!(version.contains(" API version:       1.41\n"), "{version}");
    lab.ok(&["run", "-d", "--name", "one", FLAPPY]);
    lab.ok(&["create", "--name", "two", FLAPPY]);
    let info = lab.ok(&["info"]);
    assert!(
        info.contains("\n Containers: 2\n  Running: 1\n  Paused: 0\n  Stopped: 1\n"),
        "{info}"
    );
}

#[test]
fn ps_formats_rows_with_go_templates_and_tables() {
    let lab = TestLab::start("psfmt");
    lab.ok(&["network", "create", "n1"]);
    lab.ok(&[
        "run", "-d", "--name", "web", "--net", "n1", "-p", "8080:80", FLAPPY,
    ]);
    lab.ok(&["create", "--name", "idle", FLAPPY]);
    // Docker 20.10: "CONTAINER ID   NAMES     STATUS" over aligned rows.
    let table = lab.ok(&[
        "ps",
        "--format",
        r"table {{.ID}}\t{{.Names}}\t{{.Networks}}\t{{.State}}",
    ]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "CONTAINER ID   NAMES     NETWORKS   STATE");
    assert!(
        lines[1].ends_with("   web       n1         running"),
        "{table}"
    );
    assert_eq!(lines.len(), 2, "running only: {table}");
    let names = lab.ok(&["ps", "-a", "--format", r"{{.Names}}\t{{.Ports}}"]);
    assert_eq!(
        names,
        "idle\t\nweb\t0.0.0.0:8080->80/tcp, :::8080->80/tcp\n"
    );
    assert_eq!(
        lab.ok(&["ps", "-n", "1", "--format", "{{.Names}}"]),
        "idle\n"
    );
    let json = lab.ok(&["ps", "--format", "{{json .}}"]);
    assert!(
        json.contains(r#""Ports":"0.0.0.0:8080-\u003e80/tcp, :::8080-\u003e80/tcp""#),
        "{json}"
    );
    let (code, _, err) = lab.run(&["ps", "--format", "{{.Nope}}"]);
    assert_eq!(code, 1);
    assert_eq!(err, "failed to execute template: template: :1:2: executing \"\" at <.Nope>: can't evaluate field Nope in type *formatter.ContainerContext\n");
}

/// `ps -s`: Docker 20.10.24 printed `6B (virtual 1.98MB)` under SIZE for a
/// busybox container that wrote "hello\n" to /tmp/f, the same through
/// `--format '{{.Size}}'` (with or without -s), and `0B` for a template
/// without `.Size` in its `{{json .}}`.
#[test]
fn ps_size_shows_what_a_container_wrote() {
    let lab = TestLab::start("pssize");
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "writer",
        FLAPPY,
        "sh",
        "-c",
        "echo hello > /tmp/f; sleep 300",
    ]);
    // The write happens once the process runs.
    let mut size = String::new();
    for _ in 0..100 {
        size = lab.ok(&["ps", "--format", "{{.Size}}"]);
        if size.starts_with("6B ") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Virtual: the image's size, as `images` shows it (a lab's images are
    // a few bytes of files), with the 6 bytes.
    let images = lab.ok(&["images"]);
    let image_bytes: u64 = images
        .lines()
        .find(|l| l.starts_with(FLAPPY))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|s| s.strip_suffix('B'))
        .and_then(|n| n.parse().ok())
        .expect("flappy's size in bytes in images");
    assert_eq!(size, format!("6B (virtual {}B)\n", image_bytes + 6));
    let table = lab.ok(&["ps", "-s"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].ends_with("NAMES     SIZE"), "{table}");
    assert!(
        lines[1].ends_with(&format!("writer    {}", size.trim())),
        "{table}"
    );
    // The daemon quotes an argument with a space (Docker 20.10.24, same
    // command).
    assert_eq!(
        lab.ok(&["ps", "--format", "{{.Command}}"]),
        "\"sh -c 'echo hello >…\"\n"
    );
    assert_eq!(
        lab.ok(&["ps", "--no-trunc", "--format", "{{.Command}}"]),
        "\"sh -c 'echo hello > /tmp/f; sleep 300'\"\n"
    );
    // Without sizes asked for, Docker's formatter says 0B.
    let json = lab.ok(&["ps", "--format", "{{json .}}"]);
    assert!(json.contains(r#""Size":"0B""#), "{json}");
}

/// `sh -c 'echo out1; echo err1 >&2; printf partial; sleep 1; echo; echo out2'`:
/// Docker 20.10 logged stdout "out1\npartial\nout2\n", stderr "err1\n";
/// `--tail 2` "partial\nout2\n"; `logs nosuch` "Error: No such container: nosuch", exit 1.
#[test]
fn logs_keep_what_detached_containers_print() {
    let lab = TestLab::start("logs");
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "lg",
        FLAPPY,
        "sh",
        "-c",
        "echo out1; echo err1 >&2; printf partial; sleep 0.3; echo; echo out2",
    ]);
    assert_eq!(lab.ok(&["wait", "lg"]), "0\n");
    // The exit and the last bytes in the pipes race: follow until stopped.
    let (code, out, err) = lab.run(&["logs", "-f", "lg"]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "out1\npartial\nout2\n", "err1\n")
    );
    let (_, out, err) = lab.run(&["logs", "--tail", "2", "lg"]);
    assert_eq!((out.as_str(), err.as_str()), ("partial\nout2\n", ""));
    let (_, out, _) = lab.run(&["logs", "-t", "--tail", "1", "lg"]);
    let (stamp, line) = out.split_once(' ').unwrap();
    assert_eq!(line, "out2\n");
    assert!(
        stamp.len() == 30 && stamp.ends_with('Z') && stamp.as_bytes()[10] == b'T',
        "{stamp}"
    );
    let (code, _, err) = lab.run(&["logs", "nosuch"]);
    assert_eq!(
        (code, err.as_str()),
        (1, "Error: No such container: nosuch\n")
    );

    // -f follows a running container until it stops.
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "lf",
        FLAPPY,
        "sh",
        "-c",
        "for i in 1 2 3; do echo tick $i; sleep 0.2; done",
    ]);
    assert_eq!(lab.ok(&["logs", "-f", "lf"]), "tick 1\ntick 2\ntick 3\n");
    // The log goes with the container.
    lab.ok(&["rm", "lf"]);
    let (code, _, _) = lab.run(&["logs", "lf"]);
    assert_eq!(code, 1);
}

/// `docker run -d --name f --net n --add-host h1:10.1.2.3 --add-host h2:10.1.2.4
/// --label a=b --label c --expose 7000 --expose 7100-7101/udp
/// --domainname example.org -h myhost local/busybox sleep 300` on Docker
/// 20.10.24: the hosts file, inspect and ps below.
#[test]
fn add_host_label_expose_and_domainname_as_docker_shows_them() {
    let lab = TestLab::start("runflags");
    lab.ok(&["network", "create", "n"]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "fl",
        "--net",
        "n",
        "--add-host",
        "h1:10.1.2.3",
        "--add-host",
        "h2:10.1.2.4",
        "--label",
        "a=b",
        "--label",
        "c",
        "--expose",
        "7000",
        "--expose",
        "7100-7101/udp",
        "--domainname",
        "example.org",
        "-h",
        "myhost",
        FLAPPY,
        "sleep",
        "300",
    ]);
    let hosts = lab.ok(&["exec", "fl", "cat", "/etc/hosts"]);
    assert!(
        hosts.ends_with("ff02::2\tip6-allrouters\n10.1.2.3\th1\n10.1.2.4\th2\n172.18.0.2\tmyhost.example.org myhost\n"),
        "{hosts}"
    );
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{json .Config.Labels}} {{.Config.Domainname}} {{json .HostConfig.ExtraHosts}}",
            "fl"
        ]),
        "{\"a\":\"b\",\"c\":\"\"} example.org [\"h1:10.1.2.3\",\"h2:10.1.2.4\"]\n"
    );
    let exposed = lab.ok(&["inspect", "-f", "{{json .Config.ExposedPorts}}", "fl"]);
    assert!(
        exposed.starts_with("{\"7000/tcp\":{},\"7100/udp\":{},\"7101/udp\":{}"),
        "{exposed}"
    );
    let ps = lab.ok(&["ps", "--format", "{{.Ports}}|{{.Labels}}"]);
    assert!(ps.ends_with("7000/tcp, 7100-7101/udp|a=b,c=\n"), "{ps}");

    // The client's checks, in its words, exit 125, nothing made.
    let (code, _, err) = lab.run(&["run", "--add-host", "bad", FLAPPY]);
    assert_eq!(code, 125);
    assert_eq!(err, "invalid argument \"bad\" for \"--add-host\" flag: bad format for add-host: \"bad\"\nSee 'netlings run --help'.\n");
    let (code, _, err) = lab.run(&["create", "--expose", "abc", FLAPPY]);
    assert_eq!(code, 125);
    assert_eq!(err, "netlings: invalid range format for --expose: abc, error: strconv.ParseUint: parsing \"abc\": invalid syntax.\nSee 'netlings create --help'.\n");
    assert_eq!(lab.ok(&["ps", "-aq"]).lines().count(), 1);
}

/// Docker 20.10.24: `create` then `start -a` prints the container's output
/// and exits with its code; several containers or a missing one fail.
#[test]
fn start_attached_prints_the_output_and_returns_the_exit_code() {
    let lab = TestLab::start("starta");
    lab.ok(&[
        "create",
        "--name",
        "sa",
        FLAPPY,
        "sh",
        "-c",
        "echo hello; echo oops >&2; exit 3",
    ]);
    let (code, out, err) = lab.run(&["start", "-a", "sa"]);
    assert_eq!((code, out.as_str(), err.as_str()), (3, "hello\n", "oops\n"));
    // Only this start's output, the second time.
    let (code, out, _) = lab.run(&["start", "-a", "sa"]);
    assert_eq!((code, out.as_str()), (3, "hello\n"));
    let (code, _, err) = lab.run(&["start", "-a", "sa", "sa"]);
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "you cannot start and attach multiple containers at once\n"
        )
    );
    let (code, _, err) = lab.run(&["start", "-a", "nosuch"]);
    assert_eq!(
        (code, err.as_str()),
        (1, "Error: No such container: nosuch\n")
    );
}

/// Docker 20.10.24: `run -d --net nosuchnet` creates the container (201) and
/// fails its start (404): the id, then `docker: Error response from daemon:
/// network nosuchnet not found.`, exit 125; the container stays Created with
/// State.Error set and ExitCode 128. A container whose network was removed
/// fails its next start the same way.
#[test]
fn a_missing_network_fails_the_start_not_the_create() {
    let lab = TestLab::start("nonet");
    let (code, out, err) = lab.run(&["run", "-d", "--net", "nosuchnet", "--name", "nn", FLAPPY]);
    assert_eq!(code, 125);
    assert_eq!(out.trim().len(), 64, "the created container's id: {out}");
    assert_eq!(
        err,
        "netlings: Error response from daemon: network nosuchnet not found.\n"
    );
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{.HostConfig.NetworkMode}}|{{.State.Status}}|{{.State.Error}}|{{.State.ExitCode}}",
            "nn"
        ]),
        "nosuchnet|created|network nosuchnet not found|128\n"
    );
    let (code, _, err) = lab.run(&["start", "nn"]);
    assert_eq!((code, err.as_str()), (1, "Error response from daemon: network nosuchnet not found\nError: failed to start containers: nn\n"));
    assert_eq!(lab.run(&["create", "--net", "nosuchnet", FLAPPY]).0, 0);

    lab.ok(&["network", "create", "gone"]);
    lab.ok(&["create", "--name", "was-on-gone", "--net", "gone", FLAPPY]);
    lab.ok(&["network", "rm", "gone"]);
    let (code, _, err) = lab.run(&["start", "was-on-gone"]);
    assert_eq!((code, err.as_str()), (1, "Error response from daemon: network gone not found\nError: failed to start containers: was-on-gone\n"));
}

#[test]
fn number_flags_refuse_bad_values_in_dockers_words() {
    // Docker 20.10.24's client: `docker ps -n abc`, exit 125.
    let lab = TestLab::start("numflags");
    let (code, out, err) = lab.run(&["ps", "-n", "abc"]);
    assert_eq!((code, out.as_str()), (125, ""));
    assert_eq!(
        err,
        "invalid argument \"abc\" for \"-n, --last\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax\nSee 'netlings ps --help'.\n"
    );
    let (code, _, err) = lab.run(&["restart", "-t", "x1", "c1"]);
    assert_eq!(
        (code, err.as_str()),
        (125, "invalid argument \"x1\" for \"-t, --time\" flag: strconv.ParseInt: parsing \"x1\": invalid syntax\nSee 'netlings restart --help'.\n")
    );
}

#[test]
fn labels_filter_ps_and_show_in_templates_as_docker_does() {
    // Docker 20.10.24 (client and daemon) with `run -d -l app=web -l tier
    // training/webapp`.
    let lab = TestLab::start("labels");
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "lab1",
        "-l",
        "app=web",
        "-l",
        "tier",
        "training/webapp",
    ]);
    lab.ok(&["run", "-d", "--name", "plain", "training/webapp"]);
    let names = |filters: &[&str]| {
        let mut args = vec!["ps", "--format", "{{.Names}}"];
        for f in filters {
            args.extend(["--filter", f]);
        }
        lab.ok(&args)
    };
    assert_eq!(names(&["label=app"]), "lab1\n");
    assert_eq!(names(&["label=app=web"]), "lab1\n");
    assert_eq!(names(&["label=app=db"]), "");
    assert_eq!(names(&["label=tier="]), "lab1\n");
    assert_eq!(names(&["label=app", "label=zzz"]), "");
    assert_eq!(
        lab.ok(&[
            "ps",
            "--filter",
            "label=tier",
            "--format",
            r#"{{.Names}} {{.Label "app"}}|{{.Label "nope"}}|{{.Labels}}"#
        ]),
        "lab1 web||app=web,tier=\n"
    );
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            r#"{{index .Config.Labels "app"}}|{{index .Config.Labels "nope"}}|"#,
            "lab1"
        ]),
        "web||\n"
    );
}

#[test]
fn mac_address_is_set_on_the_interface_and_shown_as_docker_shows_it() {
    // Docker 20.10.24 (client and daemon): `run --mac-address` sets the
    // network mode's endpoint; Config keeps it as given; `network connect`
    // later gets a MAC of its own.
    let lab = TestLab::start("mac");
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "mac1",
        "--mac-address",
        "02:42:AC:11:00:99",
        "training/webapp",
    ]);
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{json .Config.MacAddress}} {{json .NetworkSettings.MacAddress}} {{json .NetworkSettings.Networks.bridge.MacAddress}}",
            "mac1"
        ]),
        "\"02:42:AC:11:00:99\" \"02:42:ac:11:00:99\" \"02:42:ac:11:00:99\"\n"
    );
    let link = lab.ok(&["exec", "mac1", "ip", "link", "show", "eth0"]);
    assert!(link.contains("link/ether 02:42:ac:11:00:99 "), "{link}");
    lab.ok(&["restart", "-t", "1", "mac1"]);
    let link = lab.ok(&["exec", "mac1", "ip", "link", "show", "eth0"]);
    assert!(
        link.contains("link/ether 02:42:ac:11:00:99 "),
        "kept: {link}"
    );
    // Config shows MacAddress after Entrypoint, and only when given.
    let json = lab.ok(&["inspect", "mac1"]);
    assert!(
        json.contains("\"Entrypoint\": null,\n            \"MacAddress\": \"02:42:AC:11:00:99\",\n            \"OnBuild\": null,"),
        "{json}"
    );
    lab.ok(&["run", "-d", "--name", "plain", "training/webapp"]);
    assert!(!lab
        .ok(&["inspect", "-f", "{{json .Config}}", "plain"])
        .contains("MacAddress"));

    lab.ok(&["network", "create", "nn"]);
    lab.ok(&[
        "run",
        "-d",
        "--net",
        "nn",
        "--name",
        "mac3",
        "--mac-address",
        "0242.ac11.0097",
        "training/webapp",
    ]);
    lab.ok(&["network", "connect", "bridge", "mac3"]);
    let shown = lab.ok(&[
        "inspect",
        "-f",
        "{{.NetworkSettings.MacAddress}}|{{.NetworkSettings.Networks.nn.MacAddress}}|{{.NetworkSettings.Networks.bridge.MacAddress}}",
        "mac3",
    ]);
    let ip = lab.ok(&[
        "inspect",
        "-f",
        "{{.NetworkSettings.Networks.bridge.IPAddress}}",
        "mac3",
    ]);
    let octets: Vec<u8> = ip.trim().split('.').map(|o| o.parse().unwrap()).collect();
    let generated = format!(
        "02:42:{:02x}:{:02x}:{:02x}:{:02x}",
        octets[0], octets[1], octets[2], octets[3]
    );
    assert_eq!(
        shown,
        format!("{generated}|02:42:ac:11:00:97|{generated}\n")
    );

    let (code, out, err) = lab.run(&["run", "-d", "--mac-address", "foo", "training/webapp"]);
    assert_eq!((code, out.as_str()), (125, ""));
    assert_eq!(
        err,
        "netlings: foo is not a valid mac address.\nSee 'netlings run --help'.\n"
    );
}

#[test]
fn host_network_containers_take_the_hosts_name_and_hosts_file() {
    // Docker 20.10.24: `run --net host` gets the host's hostname (also in
    // Config.Hostname and /etc/hostname) and a copy of its /etc/hosts;
    // `-h` still names it; `--add-host` makes Docker write its own file.
    let lab = TestLab::start("hostnet");
    let lab_host = lab.ok(&["lab", "exec", "--", "hostname"]);
    let machine_hosts = std::fs::read_to_string("/etc/hosts").unwrap();
    let out = lab.ok(&[
        "run",
        "--rm",
        "--net",
        "host",
        "training/webapp",
        "sh",
        "-c",
        "hostname; cat /etc/hostname; cat /etc/hosts",
    ]);
    assert_eq!(out, format!("{lab_host}{lab_host}{machine_hosts}"));
    lab.ok(&[
        "run",
        "-d",
        "--net",
        "host",
        "--name",
        "hh",
        "training/webapp",
    ]);
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{.Config.Hostname}}", "hh"]),
        lab_host
    );
    let out = lab.ok(&[
        "run",
        "--rm",
        "--net",
        "host",
        "-h",
        "foo",
        "training/webapp",
        "sh",
        "-c",
        "hostname; cat /etc/hosts",
    ]);
    assert_eq!(out, format!("foo\n{machine_hosts}"));
    let out = lab.ok(&[
        "run",
        "--rm",
        "--net",
        "host",
        "--add-host",
        "x:1.2.3.4",
        "training/webapp",
        "cat",
        "/etc/hosts",
    ]);
    assert_eq!(out, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n1.2.3.4\tx\n");
}

#[test]
fn networks_of_a_container_never_started_or_removed_show_as_on_docker() {
    // Docker 20.10.24: before its first start a container's network shows
    // as configured (no NetworkID, no short-id alias); a removed network
    // stays in inspect and ps, empty, and the start fails for it.
    let lab = TestLab::start("orphan");
    lab.ok(&["network", "create", "nn"]);
    lab.ok(&[
        "create",
        "--name",
        "cr",
        "--network-alias",
        "foo",
        "--net",
        "nn",
        "training/webapp",
    ]);
    let empty = "\"IPAMConfig\":null,\"Links\":null,\"Aliases\":ALIASES,\"NetworkID\":\"\",\"EndpointID\":\"\",\"Gateway\":\"\",\"IPAddress\":\"\",\"IPPrefixLen\":0,\"IPv6Gateway\":\"\",\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,\"MacAddress\":\"\",\"DriverOpts\":null";
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{json .NetworkSettings.Networks}}", "cr"]),
        format!("{{\"nn\":{{{}}}}}\n", empty.replace("ALIASES", "[\"foo\"]"))
    );
    lab.ok(&["start", "cr"]);
    lab.ok(&["stop", "-t", "1", "cr"]);
    let net_id = lab.ok(&["network", "inspect", "-f", "{{.Id}}", "nn"]);
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{.NetworkSettings.Networks.nn.NetworkID}}",
            "cr"
        ]),
        net_id,
        "once started, the network's id stays"
    );

    lab.ok(&["network", "create", "gone"]);
    lab.ok(&[
        "create",
        "--net",
        "gone",
        "--name",
        "orphan",
        "training/webapp",
    ]);
    lab.ok(&["network", "rm", "gone"]);
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{json .NetworkSettings.Networks}}",
            "orphan"
        ]),
        format!("{{\"gone\":{{{}}}}}\n", empty.replace("ALIASES", "null"))
    );
    assert_eq!(
        lab.ok(&[
            "ps",
            "-a",
            "--filter",
            "name=orphan",
            "--format",
            "{{.Names}} {{.Networks}}"
        ]),
        "orphan gone\n"
    );
    let (code, _, err) = lab.run(&["start", "orphan"]);
    assert_eq!(
        (code, err.as_str()),
        (1, "Error response from daemon: network gone not found\nError: failed to start containers: orphan\n")
    );
}

/// `--net container:NAME`, with what Docker 20.10.24 printed for the same
/// commands (2026-12-02): the other container's interfaces, hostname and
/// files; `NetworkMode` `container:<id>` and no networks of its own; NAME
/// is checked at start.
#[test]
fn a_container_can_share_another_containers_network() {
    let lab = TestLab::start("ctrjoin");
    lab.ok(&["network", "create", "joinnet"]);
    let base = lab.ok(&[
        "run",
        "-d",
        "--name",
        "base",
        "--net",
        "joinnet",
        "training/webapp",
        "python",
        "app.py",
    ]);
    let base = base.trim();
    let out = lab.ok(&[
        "run",
        "--rm",
        "--net",
        "container:base",
        "training/webapp",
        "sh",
        "-c",
        "hostname; ip -4 -o addr show eth0 | cut -d' ' -f2,7; wget -qO- http://localhost:5000/",
    ]);
    assert_eq!(
        out,
        format!("{}\neth0 172.18.0.2/16\nHello world!", &base[..12])
    );
    lab.ok(&[
        "create",
        "--name",
        "joiner",
        "--net",
        "container:base",
        "training/webapp",
    ]);
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{.HostConfig.NetworkMode}} {{json .NetworkSettings.Networks}}",
            "joiner"
        ]),
        format!("container:{base} {{}}\n")
    );
    let (code, _, err) = lab.run(&[
        "run",
        "--rm",
        "-p",
        "80:80",
        "--net",
        "container:base",
        "training/webapp",
        "true",
    ]);
    assert_eq!(code, 125);
    assert_eq!(err, "netlings: Error response from daemon: conflicting options: port publishing and the container type network mode.\nSee 'netlings run --help'.\n");
    let (code, _, err) = lab.run(&[
        "run",
        "--rm",
        "--net",
        "container:nosuch",
        "training/webapp",
        "true",
    ]);
    assert_eq!(
        (code, err.as_str()),
        (
            125,
            "netlings: Error response from daemon: No such container: nosuch.\n"
        )
    );
    // Docker 20.10.24: a created joiner keeps its own Config.Hostname, a
    // started one shows the other's (so do `exec` prompts).
    let hostname = || lab.ok(&["inspect", "-f", "{{.Config.Hostname}}", "joiner"]);
    let joiner = lab.ok(&["inspect", "-f", "{{.Id}}", "joiner"]);
    assert_eq!(hostname(), format!("{}\n", &joiner[..12]));
    lab.ok(&["start", "joiner"]);
    assert_eq!(hostname(), format!("{}\n", &base[..12]));
    lab.ok(&["stop", "joiner"]);
    lab.ok(&["stop", "base"]);
    let (code, _, err) = lab.run(&["start", "joiner"]);
    assert_eq!(code, 1);
    assert_eq!(err, format!("Error response from daemon: cannot join network of a non running container: {base}\nError: failed to start containers: joiner\n"));
}

/// `--net none` and `--net host` in inspect and ps, as Docker 20.10.24
/// showed them (2026-12-02, `run -d --net none -p 8081:80 flappy`,
/// `run -d --net host -p 8082:80 training/webapp`): the mode's network
/// under `Networks` (NetworkID empty until the first start, EndpointID
/// only while running), `Ports` `{}` and an empty PORTS column although
/// `-p` stays in PortBindings; a host container's SandboxKey is
/// `/var/run/docker/netns/default`.
#[test]
fn host_and_none_containers_show_their_network_and_no_ports() {
    let lab = TestLab::start("modenets");
    let mode_net = |name: &str| lab.ok(&["network", "inspect", "-f", "{{.Id}}", name]);
    let (none_id, host_id) = (mode_net("none"), mode_net("host"));
    let entry = |network_id: &str, endpoint_id: &str| {
        format!("{{\"IPAMConfig\":null,\"Links\":null,\"Aliases\":null,\"NetworkID\":\"{network_id}\",\"EndpointID\":\"{endpoint_id}\",\"Gateway\":\"\",\"IPAddress\":\"\",\"IPPrefixLen\":0,\"IPv6Gateway\":\"\",\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,\"MacAddress\":\"\",\"DriverOpts\":null}}")
    };
    lab.ok(&[
        "create", "--name", "nc", "--net", "none", "-p", "9000:80", FLAPPY,
    ]);
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{json .NetworkSettings.Networks}} {{json .NetworkSettings.Ports}} [{{.ResolvConfPath}}] [{{.LogPath}}]",
            "nc"
        ]),
        format!("{{\"none\":{}}} {{}} [] []\n", entry("", ""))
    );
    lab.ok(&[
        "run", "-d", "--name", "nn", "--net", "none", "-p", "8081:80", FLAPPY,
    ]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "hh",
        "--net",
        "host",
        "-p",
        "8082:80",
        "training/webapp",
    ]);
    let endpoint = |c: &str, net: &str| {
        let out = lab.ok(&[
            "inspect",
            "-f",
            &format!("{{{{.NetworkSettings.Networks.{net}.EndpointID}}}}"),
            c,
        ]);
        out.trim().to_string()
    };
    let (nn_ep, hh_ep) = (endpoint("nn", "none"), endpoint("hh", "host"));
    assert_eq!((nn_ep.len(), hh_ep.len()), (64, 64));
    assert_ne!(nn_ep, hh_ep);
    let settings = |c: &str| {
        lab.ok(&[
            "inspect",
            "-f",
            "{{json .NetworkSettings.Networks}} {{json .NetworkSettings.Ports}} {{.NetworkSettings.SandboxKey}} {{json .HostConfig.PortBindings}}",
            c,
        ])
    };
    let nn_sandbox = lab.ok(&["inspect", "-f", "{{.NetworkSettings.SandboxID}}", "nn"]);
    assert_eq!(
        settings("nn"),
        format!(
            "{{\"none\":{}}} {{}} /var/run/docker/netns/{} {{\"80/tcp\":[{{\"HostIp\":\"\",\"HostPort\":\"8081\"}}]}}\n",
            entry(none_id.trim(), &nn_ep),
            &nn_sandbox[..12]
        )
    );
    assert_eq!(
        settings("hh"),
        format!(
            "{{\"host\":{}}} {{}} /var/run/docker/netns/default {{\"80/tcp\":[{{\"HostIp\":\"\",\"HostPort\":\"8082\"}}]}}\n",
            entry(host_id.trim(), &hh_ep)
        )
    );
    // Docker's PORTS column is empty for both, and `{{.Networks}}` names the mode.
    assert_eq!(
        lab.ok(&[
            "ps",
            "-a",
            "--format",
            "{{.Names}} [{{.Ports}}] {{.Networks}}"
        ]),
        "hh [] host\nnn [] none\nnc [] none\n"
    );
    lab.ok(&["stop", "-t", "0", "nn", "hh"]);
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{json .NetworkSettings.Networks}}",
            "nn",
            "hh"
        ]),
        format!(
            "{{\"none\":{}}}\n{{\"host\":{}}}\n",
            entry(none_id.trim(), ""),
            entry(host_id.trim(), "")
        )
    );
}

/// A container in another's network, as Docker 20.10.24 showed it
/// (2026-12-02, `run -d --net container:base training/webapp`): the
/// other's ResolvConfPath, HostnamePath and HostsPath, no sandbox of its
/// own, `Ports` `{}` although the image exposes 5000, no PORTS; created
/// and never started, all three paths (and LogPath) are empty.
#[test]
fn a_joined_container_shows_the_other_containers_files_and_no_ports() {
    let lab = TestLab::start("joinfiles");
    let base = lab.ok(&["run", "-d", "--name", "base", "-p", "8083:80", FLAPPY]);
    let base = base.trim();
    lab.ok(&[
        "create",
        "--name",
        "later",
        "--net",
        "container:base",
        "training/webapp",
    ]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "side",
        "--net",
        "container:base",
        "training/webapp",
    ]);
    let paths = "[{{.ResolvConfPath}}] [{{.HostnamePath}}] [{{.HostsPath}}] [{{.LogPath}}] {{.HostConfig.NetworkMode}} {{json .NetworkSettings.Ports}} [{{.NetworkSettings.SandboxID}}] [{{.NetworkSettings.SandboxKey}}] {{json .NetworkSettings.Networks}}";
    assert_eq!(
        lab.ok(&["inspect", "-f", paths, "later"]),
        format!("[] [] [] [] container:{base} {{}} [] [] {{}}\n")
    );
    let side = lab.ok(&["inspect", "-f", "{{.Id}}", "side"]);
    let side = side.trim();
    let dir = format!("/var/lib/docker/containers/{base}");
    assert_eq!(
        lab.ok(&["inspect", "-f", paths, "side"]),
        format!("[{dir}/resolv.conf] [{dir}/hostname] [{dir}/hosts] [/var/lib/docker/containers/{side}/{side}-json.log] container:{base} {{}} [] [] {{}}\n")
    );
    assert_eq!(
        lab.ok(&["ps", "-a", "--format", "{{.Names}} [{{.Ports}}]"]),
        "side []\nlater []\nbase [0.0.0.0:8083->80/tcp, :::8083->80/tcp]\n"
    );
}

/// `stop -t` and `restart -t` as Docker 20.10.24 read them (2026-12-02,
/// client and daemon, a `sleep` that ignores SIGTERM as PID 1): the value
/// is a Go int (`0x10` waited 16 s, `010` 8 s, `1_0` 10 s, `+3` 3 s);
/// `-t -1` is a value, not a flag, and a negative time waits until the
/// container exits however long that takes (a `kill` ended it after
/// 606 s); bad values get pflag's words and 125; the Engine API reads `t`
/// with strconv.Atoi and answers 500 with its error.
#[test]
fn stop_times_are_read_as_docker_reads_them() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let lab = TestLab::start("stoptime");
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "s1",
        "training/webapp",
        "sleep",
        "1000",
    ]);
    let started = Instant::now();
    assert_eq!(lab.ok(&["stop", "-t", "0b1", "s1"]), "s1\n");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );

    for args in [
        ["stop", "-t", "-1", "s1"],
        ["restart", "--time", "-0x1", "s1"],
    ] {
        lab.ok(&["start", "s1"]);
        let mut waiting = lab
            .std_cmd(&args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        assert!(waiting.try_wait().unwrap().is_none(), "{args:?} waits");
        lab.ok(&["kill", "s1"]);
        let out = waiting.wait_with_output().unwrap();
        assert_eq!(
            (out.status.code(), out.stdout.as_slice()),
            (Some(0), &b"s1\n"[..])
        );
    }
    // The restart started it again once it was gone.
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{.State.Running}}", "s1"]),
        "true\n"
    );

    for (value, why) in [
        ("99999999999999999999", "value out of range"),
        ("0x", "invalid syntax"),
        (" 2", "invalid syntax"),
        ("1.5", "invalid syntax"),
    ] {
        let (code, _, err) = lab.run(&["stop", "-t", value, "s1"]);
        assert_eq!(
            (code, err),
            (125, format!("invalid argument \"{value}\" for \"-t, --time\" flag: strconv.ParseInt: parsing \"{value}\": {why}\nSee 'netlings stop --help'.\n"))
        );
    }
    assert_eq!(
        lab.ok(&["ps", "-n", "0x1", "--format", "{{.Names}}"]),
        "s1\n"
    );

    let api = lab.state_dir.join(&lab.name).join("docker.sock");
    for (t, why) in [
        ("abc", "invalid syntax"),
        ("0x10", "invalid syntax"),
        ("99999999999999999999", "value out of range"),
    ] {
        let mut conn = std::os::unix::net::UnixStream::connect(&api).unwrap();
        write!(conn, "POST /v1.41/containers/s1/stop?t={t} HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
        let mut reply = String::new();
        conn.read_to_string(&mut reply).unwrap();
        assert!(reply.starts_with("HTTP/1.1 500"), "{reply}");
        assert!(
            reply.ends_with(&format!(
                "{{\"message\":\"strconv.Atoi: parsing \\\"{t}\\\": {why}\"}}\n"
            )),
            "{reply}"
        );
    }
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{.State.Running}}", "s1"]),
        "true\n"
    );
    lab.ok(&["kill", "s1"]);
}

/// SandboxID and SandboxKey as Docker 20.10.24 shows them: empty until the
/// first start, kept once the container stops (while its endpoint's
/// EndpointID and IPAddress go), and new at the next start.
#[test]
fn a_stopped_container_keeps_its_last_sandbox() {
    let lab = TestLab::start("sandbox-kept");
    let sandbox = |c: &str| {
        lab.ok(&[
            "inspect",
            "-f",
            "{{.NetworkSettings.SandboxID}} {{.NetworkSettings.SandboxKey}} [{{.NetworkSettings.Networks.bridge.EndpointID}}] [{{.NetworkSettings.Networks.bridge.IPAddress}}]",
            c,
        ])
    };
    lab.ok(&["create", "--name", "made", FLAPPY]);
    assert_eq!(sandbox("made"), "  [] []\n");
    lab.ok(&["run", "-d", "--name", "sb", FLAPPY]);
    let running = sandbox("sb");
    let id = running.split(' ').next().unwrap().to_string();
    assert_eq!(id.len(), 64, "{running}");
    assert!(
        running.starts_with(&format!("{id} /var/run/docker/netns/{} [", &id[..12])),
        "{running}"
    );
    // A created container holds no address: this one gets the first.
    assert!(running.ends_with(" [172.17.0.2]\n"), "{running}");
    lab.ok(&["stop", "-t", "1", "sb"]);
    assert_eq!(
        sandbox("sb"),
        format!("{id} /var/run/docker/netns/{} [] []\n", &id[..12])
    );
    lab.ok(&["start", "sb"]);
    let again = sandbox("sb");
    assert!(
        !again.starts_with(&id),
        "a start makes a new sandbox: {again}"
    );
}

/// With -t the command's terminal is one of the container's own devpts,
/// as runc makes it: `tty` names it. Docker 20.10.24 (under `script`):
/// `run -it --rm flappy sh` shows /dev/pts/0, and `exec -it` into a
/// container started with `-dit` shows /dev/pts/1, the next one in there.
/// The terminal is sized like the caller's (Docker's client resizes it
/// after the start; the image's busybox `stty size` failed there).
fn terminals_are_the_containers_own(lab: &TestLab) {
    let on_terminal = |args: &[&str], script: &[&str]| {
        common::on_a_terminal_sized(
            Some((33, 99)),
            lab.std_cmd(args),
            "# ",
            script,
            Duration::from_secs(30),
        )
    };
    let (screen, code) = on_terminal(
        &["run", "-it", "--rm", FLAPPY, "sh"],
        &["tty; stty size", "exit 5"],
    );
    assert_eq!(code, 5, "{screen}");
    assert!(screen.contains("\r\n/dev/pts/0\r\n33 99\r\n"), "{screen:?}");

    lab.ok(&["run", "-dit", "--name", "withtty", FLAPPY, "sh"]);
    let (screen, code) = on_terminal(
        &["exec", "-it", "withtty", "sh"],
        &["tty; stty size", "exit 4"],
    );
    assert_eq!(code, 4, "{screen}");
    assert!(screen.contains("\r\n/dev/pts/1\r\n33 99\r\n"), "{screen:?}");
    // The first process's terminal is its own /dev/pts/0 too.
    let (code, out, err) = lab.run(&["exec", "withtty", "ls", "-l", "/proc/1/fd/0"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.trim_end().ends_with("-> /dev/pts/0"), "{out}");
}

#[test]
fn terminals_are_the_containers_own_root() {
    terminals_are_the_containers_own(&TestLab::start("ttys"));
}

#[test]
fn terminals_are_the_containers_own_rootless() {
    terminals_are_the_containers_own(&TestLab::start_rootless("ttysr"));
}

/// Docker 20.10.24's client and runc 1.1, recorded with /usr/bin/docker on
/// 2026-12-03: a command exec cannot start is reported in its output (126),
/// with `-d` as a daemon error (1); missing objects in the client's words.
#[test]
fn exec_rm_and_tty_failures_in_dockers_words() {
    let lab = TestLab::start("execfail");
    lab.ok(&["run", "-d", "--name", "lg", FLAPPY]);
    // Each refusal both ways: in the exec's output and 126, or with -d
    // as the daemon's error and 1.
    let refused = |args: &[&str], words: &str| {
        let attached = [&["exec"], args].concat();
        assert_eq!(
            lab.run(&attached),
            (126, words.to_string(), String::new()),
            "{args:?}"
        );
        let detached = [&["exec", "-d"], args].concat();
        assert_eq!(
            lab.run(&detached),
            (
                1,
                String::new(),
                format!("Error response from daemon: {words}")
            ),
            "{args:?}"
        );
    };
    let oci = "OCI runtime exec failed: exec failed: unable to start container process:";
    refused(
        &["lg", "nosuchcmd"],
        &format!("{oci} exec: \"nosuchcmd\": executable file not found in $PATH: unknown\n"),
    );
    refused(
        &["-w", "/nonexist", "lg", "pwd"],
        &format!("{oci} chdir to cwd (\"/nonexist\") set in config.json failed: no such file or directory: unknown\n"),
    );
    // -u: a passwd name or UID[:GID]; runc's words for a name it lacks.
    refused(
        &["-u", "nosuchuser", "lg", "id"],
        "unable to find user nosuchuser: no matching entries in passwd file\n",
    );
    assert_eq!(lab.run(&["exec", "-w", "/tmp", "lg", "pwd"]).1, "/tmp\n");
    assert_eq!(
        lab.ok(&["exec", "-u", "1234:5678", "lg", "id"]),
        "uid=1234 gid=5678 groups=5678\n"
    );
    assert!(lab
        .ok(&["exec", "-u", "nobody", "lg", "id"])
        .starts_with("uid=65534(nobody) gid=65534"));
    let missing = (
        String::new(),
        "Error: No such container: nosuch\n".to_string(),
    );
    let with_code = |c: i32| (c, missing.0.clone(), missing.1.clone());
    assert_eq!(lab.run(&["exec", "nosuch", "ls"]), with_code(1));
    assert_eq!(lab.run(&["rm", "nosuch"]), with_code(1));
    // -f: said, and yet done.
    assert_eq!(lab.run(&["rm", "-f", "nosuch"]), with_code(0));
    assert_eq!(
        lab.run(&["network", "rm", "nonet"]),
        (
            1,
            String::new(),
            "Error: No such network: nonet\n".to_string()
        )
    );
    // -it with stdin not a terminal: refused before anything is made.
    let not_a_tty = (
        1,
        String::new(),
        "the input device is not a TTY\n".to_string(),
    );
    assert_eq!(
        lab.run(&["run", "-it", "--rm", "--name", "notty", FLAPPY, "true"]),
        not_a_tty
    );
    assert_eq!(lab.run(&["exec", "-it", "lg", "true"]), not_a_tty);
    assert!(!lab.ok(&["ps", "-a"]).contains("notty"));
    // -t alone needs no terminal on our side: the container makes its own.
    assert_eq!(lab.run(&["exec", "-t", "lg", "tty"]).1, "/dev/pts/0\r\n");
}

/// `ps --filter` beyond names and labels, recorded with Docker 20.10.24 on
/// 2026-12-03 for the same containers: c1 on pfa publishing 9090:80 and
/// exposing 7000, c2 moved from pfb to pfa, c3 on the default bridge,
/// c4 created on pfb and never started.
#[test]
fn ps_filters_networks_images_ports_and_order_as_docker_does() {
    let lab = TestLab::start("psfilters");
    lab.ok(&["network", "create", "pfa"]);
    lab.ok(&["network", "create", "pfb"]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "c1",
        "--network",
        "pfa",
        "-p",
        "9090:80",
        "--expose",
        "7000",
        FLAPPY,
    ]);
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "c2",
        "--network",
        "pfb",
        "training/webapp",
    ]);
    lab.ok(&["network", "connect", "pfa", "c2"]);
    lab.ok(&["network", "disconnect", "pfb", "c2"]);
    lab.ok(&["run", "-d", "--name", "c3", FLAPPY]);
    lab.ok(&["create", "--name", "c4", "--network", "pfb", FLAPPY]);
    let names = |filters: &[&str]| {
        let mut args = vec!["ps", "-a", "--format", "{{.Names}}"];
        for f in filters {
            args.extend(["--filter", f]);
        }
        let mut names: Vec<String> = lab.ok(&args).lines().map(String::from).collect();
        names.sort();
        names.join(" ")
    };
    for (filters, want) in [
        (&["network=pfa"][..], "c1 c2"),
        (&["network=pfb"], "c4"),
        (&["network=bridge"], "c3"),
        (&["network=pfa", "network=bridge"], "c1 c2 c3"),
        (&["ancestor=training/webapp"], "c2"),
        (&["publish=9090"], "c1"),
        (&["publish=80"], ""),
        (&["expose=7000"], "c1"),
        // Only running containers have the ports it looks at.
        (&["expose=80"], "c1 c3"),
        (&["since=c2"], "c3 c4"),
        (&["before=c2"], "c1"),
        (&["status=created"], "c4"),
        (&["exited=0"], ""),
    ] {
        assert_eq!(names(filters), want, "{filters:?}");
    }
    // A network's id prefix names it too.
    let id = lab.ok(&["network", "inspect", "-f", "{{.Id}}", "pfb"]);
    assert_eq!(names(&[&format!("network={}", &id[..6])]), "c4");
    assert_eq!(
        lab.run(&["ps", "--filter", "since=nosuch"]),
        (
            1,
            String::new(),
            "Error response from daemon: no such container nosuch\n".to_string()
        )
    );
}

/// `--env-file`, as Docker 20.10.24's client read the same file (recorded
/// on 2026-12-03): values as written, a bare name from the client's own
/// environment or left out, -e after the file; bad lines in its words.
#[test]
fn env_files_are_read_as_dockers_client_reads_them() {
    let lab = TestLab::start("envfile");
    let dir = lab.state_dir.join("envfiles");
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    };
    let good = file(
        "good",
        "# comment\n  A=1\nB= spaced \n\nFROM_CLIENT\nUNSET_NL_X\nC=x=y\n",
    );
    let out = lab
        .std_cmd(&[
            "run",
            "-d",
            "--name",
            "envt",
            "--env-file",
            &good,
            "-e",
            "A=2",
            FLAPPY,
        ])
        .env("FROM_CLIENT", "yes")
        .env_remove("UNSET_NL_X")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let env = lab.ok(&["inspect", "-f", "{{json .Config.Env}}", "envt"]);
    assert!(
        env.starts_with(r#"["A=1","B= spaced ","FROM_CLIENT=yes","C=x=y","A=2""#),
        "{env}"
    );
    assert_eq!(lab.ok(&["exec", "envt", "sh", "-c", "echo $A"]), "2\n");
    let refused = |path: &str, words: &str| {
        assert_eq!(
            lab.run(&["run", "--rm", "--env-file", path, FLAPPY, "true"]),
            (
                125,
                String::new(),
                format!("netlings: {words}.\nSee 'netlings run --help'.\n")
            )
        );
    };
    refused(
        &file("spaces", "BAD VAR=1\n"),
        "poorly formatted environment: variable 'BAD VAR' contains whitespaces",
    );
    refused(
        &file("noname", "=x\n"),
        "poorly formatted environment: no variable name on line '=x'",
    );
    refused("/nonexist", "open /nonexist: no such file or directory");
}

/// `logs --since/--until/--details`, as Docker 20.10.24's client asked its
/// daemon for the same lines (recorded on 2026-12-03): both ends included,
/// a timestamp `logs -t` printed is exact, `--details` puts each line after
/// a space, and a value that is no time is refused in its words.
#[test]
fn logs_since_until_and_details_as_docker_shows_them() {
    let lab = TestLab::start("logwin");
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "lg",
        FLAPPY,
        "sh",
        "-c",
        "echo one; sleep 0.2; echo two",
    ]);
    assert_eq!(lab.ok(&["wait", "lg"]), "0\n");
    let stamped = lab.ok(&["logs", "-f", "-t", "lg"]);
    let stamps: Vec<&str> = stamped
        .lines()
        .filter_map(|l| l.split(' ').next())
        .collect();
    let [first, second] = stamps[..] else {
        panic!("{stamped}");
    };
    assert_eq!(lab.ok(&["logs", "--since", second, "lg"]), "two\n");
    assert_eq!(lab.ok(&["logs", "--until", first, "lg"]), "one\n");
    assert_eq!(lab.ok(&["logs", "--until", second, "lg"]), "one\ntwo\n");
    assert_eq!(
        lab.ok(&["logs", "--since", "2000-01-01", "lg"]),
        "one\ntwo\n"
    );
    assert_eq!(lab.ok(&["logs", "--until", "1000000000", "lg"]), "");
    assert_eq!(lab.ok(&["logs", "--details", "lg"]), " one\n two\n");
    assert_eq!(
        lab.run(&["logs", "--since", "bogus", "lg"]),
        (
            1,
            String::new(),
            "invalid value for \"since\": failed to parse value as time or duration: \"bogus\"\n"
                .to_string()
        )
    );
}
