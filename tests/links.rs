//! Legacy links through the CLI, compared with what Docker 20.10 printed
//! for the same commands (reference/docker-20.10/05-legacy-links.txt).

mod common;

use common::TestLab;

const HOSTS_FIXED: &str = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";

fn short(id: &str) -> &str {
    &id.trim()[..12]
}

fn db_env(ip: &str, recipient: &str) -> String {
    format!(
        "DB_PORT=tcp://{ip}:5432\nDB_PORT_5432_TCP=tcp://{ip}:5432\nDB_PORT_5432_TCP_ADDR={ip}\n\
         DB_PORT_5432_TCP_PORT=5432\nDB_PORT_5432_TCP_PROTO=tcp\nDB_NAME=/{recipient}/db\n\
         DB_ENV_PG_MAJOR=9.3\nDB_ENV_PGDATA=/var/lib/postgresql/9.3/main\n"
    )
}

#[test]
fn link_env_hosts_and_inspect_as_docker_prints_them() {
    let lab = TestLab::start("links");
    let db = lab.ok(&["run", "-d", "--name", "db", "training/postgres"]);
    let web = lab.ok(&[
        "run",
        "-d",
        "-P",
        "--name",
        "web",
        "--link",
        "db:db",
        "training/webapp",
        "python",
        "app.py",
    ]);
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{ .HostConfig.Links }}", "web"]),
        "[/db:/web/db]\n"
    );
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{json .HostConfig.Links}} {{json .NetworkSettings.Networks.bridge.Links}}",
            "web"
        ]),
        "[\"/db:/web/db\"] null\n"
    );

    // The env of a linked container, in Docker's order.
    let env = lab.ok(&[
        "run",
        "--rm",
        "--name",
        "web2",
        "--link",
        "db:db",
        "training/webapp",
        "env",
    ]);
    let hostname = env.lines().nth(1).unwrap().trim_start_matches("HOSTNAME=");
    assert_eq!(
        env,
        format!(
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nHOSTNAME={hostname}\n{}HOME=/root\n",
            db_env("172.17.0.2", "web2")
        )
    );

    // Several links: one block each, in --link order.
    let env = lab.ok(&[
        "run",
        "--rm",
        "--link",
        "db:db",
        "--link",
        "web:frontend",
        "training/webapp",
        "env",
    ]);
    assert!(
        env.contains(
            "DB_ENV_PGDATA=/var/lib/postgresql/9.3/main\nFRONTEND_PORT=tcp://172.17.0.3:5000\n"
        ),
        "{env}"
    );
    assert!(
        env.contains("FRONTEND_PORT_5000_TCP_PROTO=tcp\nFRONTEND_NAME=/"),
        "{env}"
    );

    // /etc/hosts: alias, hostname, name (unless it is the alias).
    let hosts = lab.ok(&[
        "run",
        "--rm",
        "--link",
        "db:webdb",
        "training/webapp",
        "cat",
        "/etc/hosts",
    ]);
    assert!(
        hosts.starts_with(&format!(
            "{HOSTS_FIXED}172.17.0.2\twebdb {} db\n172.17.0.4\t",
            short(&db)
        )),
        "{hosts}"
    );
    let hosts = lab.ok(&["exec", "web", "cat", "/etc/hosts"]);
    assert_eq!(
        hosts,
        format!(
            "{HOSTS_FIXED}172.17.0.2\tdb {}\n172.17.0.3\t{}\n",
            short(&db),
            short(&web)
        )
    );

    // The alias works for ping, and the link reaches db's port.
    let ping = lab.ok(&[
        "run",
        "--rm",
        "--link",
        "db:webdb",
        "training/webapp",
        "ping",
        "-c",
        "2",
        "webdb",
    ]);
    assert!(
        ping.starts_with(
            "PING webdb (172.17.0.2): 56 data bytes\n64 bytes from 172.17.0.2: seq=0 ttl=64 time="
        ),
        "{ping}"
    );
    assert!(ping.contains("\n--- webdb ping statistics ---\n2 packets transmitted, 2 packets received, 0% packet loss\n"), "{ping}");
    lab.ok(&["exec", "web", "nc", "-z", "-w", "1", "db", "5432"]);

    // training/postgres runs as its own user; a rootless lab's user
    // namespace maps only root, so there it stays root.
    let expected = if common::is_root() {
        "uid=70(postgres) gid=70(postgres) groups=70(postgres)\n"
    } else {
        "uid=0(root) gid=0(root) groups=0(root)\n"
    };
    assert_eq!(lab.ok(&["exec", "db", "id"]), expected);
}

#[test]
fn a_source_that_moves_updates_hosts_and_exec_env_but_not_the_main_process() {
    let lab = TestLab::start("links-move");
    let db = lab.ok(&["run", "-d", "--name", "db", "training/postgres"]);
    let web = lab.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "--link",
        "db:db",
        "training/webapp",
        "python",
        "app.py",
    ]);
    // A plain restart keeps the address.
    lab.ok(&["restart", "db"]);
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{.NetworkSettings.IPAddress}}", "db"]),
        "172.17.0.2\n"
    );
    // Stopped source: exec into the recipient fails, in Docker's words.
    lab.ok(&["stop", "db"]);
    let (code, _, err) = lab.run(&["exec", "web", "cat", "/etc/hosts"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "Error response from daemon: Cannot link to a non running container: /db AS /web/db\n"
    );
    // And a new link to it fails at start (no help line, exit 125).
    let (code, _, err) = lab.run(&[
        "run",
        "--rm",
        "--name",
        "late",
        "--link",
        "db:db",
        "training/webapp",
        "env",
    ]);
    assert_eq!(code, 125);
    assert_eq!(
        err,
        "netlings: Error response from daemon: Cannot link to a non running container: /db AS /late/db.\n"
    );
    // Someone takes db's address; db comes back elsewhere.
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "squatter",
        "quay.io/purplebooth/flappy-endpoint",
    ]);
    lab.ok(&["start", "db"]);
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{.NetworkSettings.IPAddress}}", "db"]),
        "172.17.0.4\n"
    );
    assert_eq!(
        lab.ok(&["exec", "web", "cat", "/etc/hosts"]),
        format!(
            "{HOSTS_FIXED}172.17.0.4\tdb {}\n172.17.0.3\t{}\n",
            short(&db),
            short(&web)
        )
    );
    let env = lab.ok(&["exec", "web", "env"]);
    assert!(env.contains(&db_env("172.17.0.4", "web")), "{env}");
    let main_env = lab.ok(&[
        "exec",
        "web",
        "sh",
        "-c",
        "tr '\\0' '\\n' < /proc/1/environ",
    ]);
    assert!(
        main_env.contains(&db_env("172.17.0.2", "web")),
        "{main_env}"
    );

    // Removing a running source is refused; rm --link drops the link.
    let (code, _, err) = lab.run(&["rm", "db"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("Error response from daemon: You cannot remove a running container "),
        "{err}"
    );
    assert_eq!(lab.ok(&["rm", "--link", "/web/db"]), "/web/db\n");
    assert_eq!(
        lab.ok(&["inspect", "-f", "{{ .HostConfig.Links }}", "web"]),
        "[]\n"
    );
    assert_eq!(
        lab.ok(&["exec", "web", "cat", "/etc/hosts"]),
        format!("{HOSTS_FIXED}172.17.0.3\t{}\n", short(&web))
    );
    // With the link gone, exec no longer depends on db.
    lab.ok(&["stop", "db"]);
    lab.ok(&["exec", "web", "true"]);
}

#[test]
fn missing_sources_and_links_on_user_networks() {
    let lab = TestLab::start("links-errors");
    let (code, _, err) = lab.run(&[
        "run",
        "--rm",
        "--link",
        "nosuch:db",
        "training/webapp",
        "env",
    ]);
    assert_eq!(code, 125);
    assert_eq!(
        err,
        "netlings: Error response from daemon: could not get container for nosuch: No such container: nosuch.\nSee 'netlings run --help'.\n"
    );

    // On a user-defined network a link is only a DNS alias.
    lab.ok(&["network", "create", "linknet"]);
    lab.ok(&[
        "run",
        "-d",
        "--net",
        "linknet",
        "--name",
        "db2",
        "training/postgres",
    ]);
    let env = lab.ok(&[
        "run",
        "--rm",
        "--net",
        "linknet",
        "--link",
        "db2:pg",
        "training/webapp",
        "env",
    ]);
    assert_eq!(env.lines().count(), 3, "PATH, HOSTNAME, HOME only: {env}");
    let hosts = lab.ok(&[
        "run",
        "--rm",
        "--net",
        "linknet",
        "--link",
        "db2:pg",
        "training/webapp",
        "cat",
        "/etc/hosts",
    ]);
    assert_eq!(hosts.lines().count(), 7, "no link line: {hosts}");
    let found = lab.ok(&[
        "run",
        "--rm",
        "--net",
        "linknet",
        "--link",
        "db2:pg",
        "training/webapp",
        "nslookup",
        "pg",
    ]);
    assert!(
        found.contains("Name:\tpg\nAddress: 172.18.0.2\n"),
        "{found}"
    );
    let (code, _, _) = lab.run(&[
        "run",
        "--rm",
        "--net",
        "linknet",
        "training/webapp",
        "nslookup",
        "pg",
    ]);
    assert_eq!(code, 1, "without the link, pg is no name");
    let web4 = lab.ok(&[
        "run",
        "-d",
        "--net",
        "linknet",
        "--name",
        "web4",
        "--link",
        "db2:pg",
        "training/webapp",
    ]);
    assert_eq!(
        lab.ok(&[
            "inspect",
            "-f",
            "{{json .HostConfig.Links}} {{json .NetworkSettings.Networks.linknet.Links}} {{json .NetworkSettings.Networks.linknet.Aliases}}",
            "web4"
        ]),
        format!("null [\"db2:pg\"] [\"{}\"]\n", short(&web4))
    );
}
