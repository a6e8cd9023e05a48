//! A lab cannot be broken, hijacked or orphaned: its shell, one engine per
//! lab, crashes, owners that die, and other users. Each scenario that can
//! run rootless runs both ways.

mod common;
use common::{on_a_terminal, TestLab, TestUser};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const FLAPPY: &str = "quay.io/purplebooth/flappy-endpoint";
const BIN: &str = env!("CARGO_BIN_EXE_netlings");

/// A state directory of a test's own, removed when dropped.
struct StateDir(PathBuf);

impl StateDir {
    fn new(tag: &str) -> StateDir {
        StateDir(std::env::temp_dir().join(format!("netlings-test-{tag}-{}", std::process::id())))
    }
}

impl Drop for StateDir {
    /// Stops whatever labs a test (maybe a failed one) left running here.
    fn drop(&mut self) {
        for entry in std::fs::read_dir(&self.0).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() && !name.starts_with('.') {
                let _ = output(netlings(None, &self.0), &["lab", "stop", &name]);
            }
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `netlings ARGS` in `state`, as `user` or as ourselves.
fn netlings(user: Option<&TestUser>, state: &Path) -> std::process::Command {
    let mut c = match user {
        Some(u) => u.command(&u.bin.to_string_lossy()),
        None => std::process::Command::new(BIN),
    };
    c.env("NETLINGS_STATE_DIR", state)
        .env("NO_COLOR", "1")
        .env_remove("NETLINGS_LAB");
    c
}

fn output(mut c: std::process::Command, args: &[&str]) -> (i32, String, String) {
    let out = c.args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Pids of the engine processes of lab `name` (the launcher's cmdline).
fn engines(name: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
                let args: Vec<&[u8]> = c.split(|b| *b == 0).collect();
                args.len() > 2 && args[1] == b"__engine" && args[2] == name.as_bytes()
            }) && !std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
                s.rsplit(')')
                    .next()
                    .is_some_and(|r| r.trim_start().starts_with('Z'))
            })
        })
        .collect()
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---- the shell ----------------------------------------------------------

/// The tutorials' commands, typed into `netlings shell` on a terminal; every
/// one works, the prompt names the lab, and `exit` removes the lab.
fn shell_runs_the_tutorials(user: Option<&TestUser>, tag: &str) {
    let state = StateDir::new(tag);
    let lab = format!("sh-{tag}-{}", std::process::id());
    let mut cmd = netlings(user, &state.0);
    cmd.args(["shell", "--lab", &lab]).env("SHELL", "/bin/bash");
    let script = [
        "docker network create flappy-public",
        "docker run -d --name flappy --net flappy-public quay.io/purplebooth/flappy-endpoint",
        "docker run -d --name ssl-term -e UPSTREAM=flappy -p 443:443 --net flappy-public purplebooth/nginx-ssl-terminator",
        "docker exec ssl-term ping -c 1 flappy",
        "docker network create flappy-private",
        "docker network connect flappy-private flappy",
        "docker network disconnect flappy-public flappy",
        "docker run -d --name db training/postgres",
        "docker run -d -P --name web --link db:db training/webapp python app.py",
        "docker exec web cat /etc/hosts",
        "docker port web",
        "curl -s http://127.0.0.1:$(docker port web 5000 | head -1 | cut -d: -f2)/",
        "docker ps -q | wc -l",
        "docker inspect -f '{{.State.Running}}' flappy",
        "docker rm -f web",
        "docker ps -q | wc -l",
        "netlings lab ls",
        "exit",
    ];
    let prompt = format!("(lab {lab}) ");
    let (screen, code) = on_a_terminal(cmd, &prompt, &script, Duration::from_secs(30));
    assert_eq!(code, 0, "{screen}");
    // Plain lines: no CRs, no bracketed-paste switches.
    let screen = screen
        .replace("\x1b[?2004h", "")
        .replace("\x1b[?2004l", "")
        .replace('\r', "");
    for bad in ["rror", "not found", "cannot", "Permission denied", "\\w"] {
        assert!(!screen.contains(bad), "{bad:?} on the terminal:\n{screen}");
    }
    for want in [
        "1 packets received",
        "\tdb ",
        "5000/tcp -> 0.0.0.0:",
        "Hello world!",
        "\n4\n",
        "\ntrue\n",
        "\n3\n",
    ] {
        assert!(screen.contains(want), "{want:?} missing:\n{screen}");
    }
    // The shell's own lab, by its name; gone with the shell.
    assert!(screen.contains(&format!("{lab} ")), "{screen}");
    assert!(engines(&lab).is_empty(), "the lab outlived its shell");
    assert!(!state.0.join(&lab).exists());
}

#[test]
fn the_lab_shell_runs_the_tutorials_as_root() {
    common::require_namespaces();
    shell_runs_the_tutorials(None, "shr");
}

#[test]
fn the_lab_shell_runs_the_tutorials_rootless() {
    common::require_namespaces();
    let user = common::is_root().then(|| TestUser::create("shu"));
    shell_runs_the_tutorials(user.as_ref(), "shu");
}

#[test]
fn a_posix_shell_gets_a_prompt_without_bash_escapes() {
    common::require_namespaces();
    let state = StateDir::new("shsh");
    let mut cmd = netlings(None, &state.0);
    cmd.args(["shell", "--lab", "posix"])
        .env("SHELL", "/bin/sh");
    let (screen, code) = on_a_terminal(
        cmd,
        "(lab posix) $ ",
        &["docker ps", "exit"],
        Duration::from_secs(20),
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("CONTAINER ID"), "{screen}");
    assert!(
        !screen.contains("\\w") && !screen.contains("(lab posix) (lab posix)"),
        "{screen}"
    );
}

// ---- one lab, one engine -----------------------------------------------

#[test]
fn concurrent_starts_make_one_engine() {
    let lab = TestLab::start("conc");
    lab.ok(&["lab", "stop"]);
    // 8 runs at once on a lab that is not running.
    let runs: Vec<_> = (0..8)
        .map(|i| {
            let mut c = lab.cmd(&["run", "-d", "--name", &format!("c{i}"), FLAPPY]);
            std::thread::spawn(move || c.output().unwrap())
        })
        .collect();
    for r in runs {
        let out = r.join().unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    assert_eq!(
        engines(&lab.name).len(),
        1,
        "engines: {:?}",
        engines(&lab.name)
    );
    assert_eq!(lab.ok(&["ps", "-q"]).lines().count(), 8);
    // And 8 `lab start` at once: one starts it, the others find it.
    lab.ok(&["lab", "stop"]);
    let starts: Vec<_> = (0..8)
        .map(|_| {
            let mut c = lab.cmd(&["lab", "start"]);
            std::thread::spawn(move || c.output().unwrap())
        })
        .collect();
    let texts: Vec<String> = starts
        .into_iter()
        .map(|s| {
            let out = s.join().unwrap();
            assert!(out.status.success(), "{out:?}");
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
        .collect();
    assert_eq!(
        texts.iter().filter(|t| t.contains(" started ")).count(),
        1,
        "{texts:?}"
    );
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("already running"))
            .count(),
        7,
        "{texts:?}"
    );
    assert_eq!(engines(&lab.name).len(), 1);
}

#[test]
fn stop_never_signals_a_process_that_is_not_the_engine() {
    let lab = TestLab::start("stale");
    let pid_file = lab.state_dir.join(&lab.name).join("engine.pid");
    let mut bystander = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .unwrap();
    // A pid file that names someone else, on a running lab.
    std::fs::write(&pid_file, format!("{}\n", bystander.id())).unwrap();
    let engine = engines(&lab.name);
    assert_eq!(
        lab.ok(&["lab", "stop"]),
        format!("lab {} stopped\n", lab.name)
    );
    assert!(
        bystander.try_wait().unwrap().is_none(),
        "the bystander was killed"
    );
    assert_eq!(engines(&lab.name), Vec::<i32>::new(), "was {engine:?}");
    // And on a crashed lab: nothing is signalled at all.
    lab.ok(&["lab", "start"]);
    nix_kill9(engines(&lab.name)[0]);
    // A dying process leaves /proc's list (its memory goes first) a moment
    // before its listening socket closes (its files go later): wait for both,
    // or the socket still answers and the lab is not crashed yet.
    wait_for("the crash", Duration::from_secs(5), || {
        engines(&lab.name).is_empty()
            && std::os::unix::net::UnixStream::connect(lab.socket()).is_err()
    });
    std::fs::write(&pid_file, format!("{}\n", bystander.id())).unwrap();
    let (code, out, _) = lab.run(&["lab", "stop"]);
    assert_eq!(code, 0);
    assert!(out.contains("had stopped unexpectedly"), "{out}");
    assert!(
        bystander.try_wait().unwrap().is_none(),
        "the bystander was killed"
    );
    bystander.kill().unwrap();
    let _ = bystander.wait();
}

fn nix_kill9(pid: i32) {
    // SAFETY: kill(2) on a pid we looked up as this test's engine.
    unsafe { libc::kill(pid, libc::SIGKILL) };
}

#[test]
fn a_crash_is_reported_once_with_its_log_kept() {
    let lab = TestLab::start("crash");
    lab.ok(&["run", "-d", "--name", "web", FLAPPY]);
    // A command running when the engine dies says so.
    let mut exec = lab.cmd(&["exec", "web", "sh", "-c", "sleep 30"]);
    let running = std::thread::spawn(move || exec.output().unwrap());
    std::thread::sleep(Duration::from_millis(300));
    nix_kill9(engines(&lab.name)[0]);
    let out = running.join().unwrap();
    assert_eq!(out.status.code(), Some(137));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(&format!("lab {} stopped while this command ran", lab.name)),
        "{out:?}"
    );
    let ls = lab.ok(&["lab", "ls"]);
    assert!(
        ls.lines()
            .any(|l| l.starts_with(&lab.name) && l.contains("crashed")),
        "{ls}"
    );
    let log_before =
        std::fs::read_to_string(lab.state_dir.join(&lab.name).join("engine.log")).unwrap();
    let (code, out, err) = lab.run(&["ps", "-q"]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let kept = lab.state_dir.join(&lab.name).join("engine.log.1");
    assert_eq!(
        err,
        format!(
            "netlings: lab {} had stopped unexpectedly (its engine exited without being stopped); its log is kept at {}\n",
            lab.name,
            kept.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), log_before);
    // Said once: the fresh lab runs.
    let (_, _, err) = lab.run(&["ps"]);
    assert_eq!(err, "");
}

/// 20 engines killed at random moments (starting, creating, idle): each
/// time nothing is left on the machine and the lab starts again.
#[test]
fn kill_9_at_random_moments_leaves_nothing() {
    let lab = TestLab::start("kill20");
    let links_before = common::host_links();
    let mut seed = std::process::id() as u64;
    let mut random = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    for round in 0..20 {
        if round > 0 {
            // Starting it reports the last crash, and starts a fresh lab.
            let (code, out, err) = lab.run(&["lab", "start"]);
            assert_eq!(code, 0, "round {round}: {err}");
            assert!(out.contains(" started "), "round {round}: {out}");
            // (Unless the last kill hit the engine before it was handed over:
            // then nothing was left to report.)
            assert!(
                err.is_empty() || err.contains("had stopped unexpectedly"),
                "round {round}: {err}"
            );
        }
        // A command in flight (it may start a lab again itself), and every
        // engine killed at a random moment until it is done and none is
        // left: whatever namespace one had is then empty.
        let mut busy = lab.cmd(&["run", "-d", "-p", "8080:80", FLAPPY]);
        let work = std::thread::spawn(move || busy.output());
        std::thread::sleep(Duration::from_millis(random(40)));
        let ours = std::fs::read_link("/proc/self/ns/net").unwrap();
        let mut seen = Vec::new();
        loop {
            let alive = engines(&lab.name);
            for pid in &alive {
                // (A launcher that has not made its namespaces yet is in ours.)
                if let Ok(ns) = std::fs::read_link(format!("/proc/{pid}/ns/net")) {
                    if ns != ours {
                        seen.push(ns);
                    }
                }
                nix_kill9(*pid);
            }
            if alive.is_empty() && work.is_finished() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = work.join();
        for netns in &seen {
            wait_for("the lab's processes to go", Duration::from_secs(5), || {
                common::processes_in(netns) == 0
            });
        }
        assert_eq!(common::host_links(), links_before, "round {round}");
        assert!(!host_mounts().contains(&lab.state_dir.to_string_lossy().into_owned()));
    }
    let (code, _, err) = lab.run(&["run", "-d", "--name", "after", FLAPPY]);
    assert_eq!(code, 0, "{err}");
}

fn host_mounts() -> String {
    std::fs::read_to_string("/proc/self/mountinfo").unwrap()
}

// ---- owners --------------------------------------------------------------

#[test]
fn a_lessons_lab_goes_with_its_runner_even_on_sigkill() {
    common::require_namespaces();
    let state = StateDir::new("owner");
    let owned = format!("owned-{}", std::process::id());
    let mut lesson = netlings(None, &state.0)
        .args([
            "lesson",
            "run",
            "default-bridge",
            "--auto",
            "--pace",
            "60",
            "--lab",
            &owned,
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Up and answering: killed earlier, the owner takes a lab still
    // being launched with it (tested by the same wait below).
    wait_for("the lesson's lab", Duration::from_secs(20), || {
        state.0.join(&owned).join("engine.sock").exists()
    });
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(lesson.id() as i32, libc::SIGKILL) };
    let _ = lesson.wait();
    wait_for("the lab to go", Duration::from_secs(5), || {
        engines(&owned).is_empty()
    });
    wait_for("its state to go", Duration::from_secs(5), || {
        !state.0.join(&owned).exists()
    });
}

#[test]
fn a_shells_lab_goes_with_the_shell_even_on_sigkill() {
    common::require_namespaces();
    let state = StateDir::new("shkill");
    // The shell waits for input that never comes.
    let doomed = format!("doomed-{}", std::process::id());
    let mut shell = netlings(None, &state.0)
        .args(["shell", "--lab", &doomed])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Up and answering: killed earlier, the owner takes a lab still
    // being launched with it (tested by the same wait below).
    wait_for("the shell's lab", Duration::from_secs(20), || {
        state.0.join(&doomed).join("engine.sock").exists()
    });
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(shell.id() as i32, libc::SIGKILL) };
    let _ = shell.wait();
    wait_for("the lab to go", Duration::from_secs(5), || {
        engines(&doomed).is_empty()
    });
    wait_for("its state to go", Duration::from_secs(5), || {
        !state.0.join(&doomed).exists()
    });
}

// ---- other users -----------------------------------------------------------

/// Another user plants the victim's state directory, as a directory of its
/// own or as a symlink into the victim's home: the victim's next command
/// refuses it by name, deletes nothing and starts nothing.
#[test]
fn a_planted_state_directory_is_refused() {
    common::require_namespaces();
    if !common::is_root() {
        // Without a second user: a directory that is not ours is still one.
        let (code, _, err) = output(netlings(None, Path::new("/")), &["ps"]);
        assert_eq!(code, 1);
        assert!(
            err.starts_with("refusing to use /: it belongs to root (uid 0), not to you"),
            "{err}"
        );
        return;
    }
    let victim = TestUser::create("vic");
    let attacker = TestUser::create("att");
    let planted = PathBuf::from(format!("/tmp/netlings-{}", victim.uid));
    let _ = std::fs::remove_dir_all(&planted);
    let _ = std::fs::remove_file(&planted);
    std::fs::write(victim.home.join("notes"), "keep").unwrap();
    for (how, plant) in [
        ("directory", vec!["mkdir", "-m", "777"]),
        ("symlink", vec!["ln", "-s", victim.home.to_str().unwrap()]),
    ] {
        let mut c = attacker.command(plant[0]);
        c.args(&plant[1..]).arg(&planted);
        assert!(c.status().unwrap().success(), "{how}");
        let mut run = victim.command(&victim.bin.to_string_lossy());
        run.env_remove("NETLINGS_STATE_DIR")
            .env_remove("NETLINGS_LAB");
        let (code, _, err) = output(run, &["run", "-d", FLAPPY]);
        assert_eq!(code, 1, "{how}: {err}");
        let why = match how {
            "directory" => format!("it belongs to {} (uid {})", attacker.name, attacker.uid),
            _ => "it is a symbolic link".to_string(),
        };
        assert!(
            err.starts_with(&format!("refusing to use {}: {why}", planted.display())),
            "{how}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert_eq!(
            std::fs::read_to_string(victim.home.join("notes")).unwrap(),
            "keep"
        );
        assert!(engines("default")
            .iter()
            .all(|p| owner_of_pid(*p) != victim.uid));
        let _ = std::fs::remove_dir_all(&planted);
        let _ = std::fs::remove_file(&planted);
    }
}

fn owner_of_pid(pid: i32) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/proc/{pid}"))
        .map(|m| m.uid())
        .unwrap_or(u32::MAX)
}

/// A root lab started under `umask 000` is still root's alone: another
/// user is refused by the CLI (whose lab it is), and by the engine itself
/// when it connects to the socket directly.
#[test]
fn another_user_cannot_drive_a_root_lab() {
    if !common::is_root() {
        // Rootless: the same checks stand between users; see the planted test.
        common::require_namespaces();
        return;
    }
    let state = StateDir::new("umask");
    // Engines are found by lab name machine-wide: one no other run uses.
    let name = format!("private-{}", std::process::id());
    let mut start = std::process::Command::new("sh");
    start
        .args(["-c", "umask 000 && exec \"$0\" lab start \"$1\""])
        .arg(BIN)
        .arg(&name)
        .env("NETLINGS_STATE_DIR", &state.0);
    let out = start.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = state.0.join(&name);
    assert_eq!(mode(&state.0), 0o700);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("engine.sock")), 0o600);
    let other = TestUser::create("oth");
    let (code, _, err) = output(netlings(Some(&other), &state.0), &["--lab", &name, "ps"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with(&format!(
            "refusing to use {}: it belongs to root (uid 0)",
            state.0.display()
        )),
        "{err}"
    );
    // Nor can it stop or list it, nor is it told the lab is stopped.
    for args in [&["lab", "stop", &name][..], &["lab", "ls"][..]] {
        let (code, out, err) = output(netlings(Some(&other), &state.0), args);
        assert_eq!((code, out.as_str()), (1, ""), "{args:?}");
        assert!(
            err.contains("it belongs to root (uid 0)"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(engines(&name).len(), 1);
    // Opened up by hand, the socket still serves only root.
    for p in [&state.0, &dir] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(
        dir.join("engine.sock"),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    let mut direct = other.command("/usr/bin/python3");
    direct.args([
        "-c",
        "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); \
         s.sendall(b'{\"op\":\"ps\",\"all\":true}\\n'); print(s.recv(4096).decode())",
    ]);
    direct.arg(dir.join("engine.sock"));
    let out = direct.output().unwrap();
    let reply = String::from_utf8_lossy(&out.stdout);
    assert!(
        reply.contains("permission denied: this lab belongs to another user"),
        "{out:?}"
    );
    let (code, _, _) = output(netlings(None, &state.0), &["lab", "stop", &name]);
    assert_eq!(code, 0);
}

/// A socket served by someone else, in a directory of ours: the CLI does
/// not talk to it (it could answer `exec` with namespaces of its choice).
#[test]
fn the_cli_talks_only_to_an_engine_of_its_own_user() {
    if !common::is_root() {
        common::require_namespaces();
        return;
    }
    let state = StateDir::new("fake");
    let dir = state.0.join("fake");
    std::fs::create_dir_all(&dir).unwrap();
    let other = TestUser::create("fak");
    std::os::unix::fs::chown(&dir, Some(other.uid), Some(other.gid)).unwrap();
    let mut server = other.command("/usr/bin/python3");
    server
        .args([
            "-c",
            "import socket,sys,os; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); \
             print('ready', flush=True); c,_=s.accept(); c.recv(4096); \
             c.sendall(b'{\"Ok\":[]}\\n'); c.close(); sys.stdin.read()",
        ])
        .arg(dir.join("engine.sock"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        // It is hung up on, by design.
        .stderr(std::process::Stdio::null());
    let mut server = server.spawn().unwrap();
    let mut ready = [0u8; 6];
    std::io::Read::read_exact(server.stdout.as_mut().unwrap(), &mut ready).unwrap();
    std::os::unix::fs::chown(&dir, Some(0), Some(0)).unwrap();
    std::fs::set_permissions(
        &state.0,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let (code, out, err) = output(netlings(None, &state.0), &["--lab", "fake", "ps"]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(
        err.contains(&format!(
            "is served by {} (uid {}), not by you",
            other.name, other.uid
        )),
        "{err}"
    );
    let _ = server.kill();
    let _ = server.wait();
}

// ---- small things ------------------------------------------------------

/// Keys pressed before the lesson is up (while cargo built it, say) are not
/// taken as answers to its first question.
#[test]
fn keys_typed_before_a_lesson_starts_are_dropped() {
    use std::os::fd::AsRawFd;
    common::require_namespaces();
    let state = StateDir::new("typeahead");
    let pty = nix::pty::openpty(None, None).unwrap();
    let early = b"\n\n\n\n";
    // SAFETY: writing a local buffer to the pty's master.
    unsafe { libc::write(pty.master.as_raw_fd(), early.as_ptr().cast(), early.len()) };
    let mut cmd = netlings(None, &state.0);
    let lab = format!("typeahead-{}", std::process::id());
    cmd.args(["lesson", "run", "default-bridge", "--lab", &lab]);
    let mut child = common::spawn_on_pty(cmd, pty.slave);
    let mut screen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut asked_at = None;
    while Instant::now() < deadline {
        let mut pfd = libc::pollfd {
            fd: pty.master.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let mut buf = [0u8; 4096];
        // SAFETY: one pollfd; a read into a local buffer.
        if unsafe { libc::poll(&mut pfd, 1, 100) } > 0 {
            let n =
                unsafe { libc::read(pty.master.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n > 0 {
                screen.extend_from_slice(&buf[..n as usize]);
            }
        }
        let text = String::from_utf8_lossy(&screen);
        if asked_at.is_none() && text.contains("[Enter] run") {
            asked_at = Some(Instant::now());
        }
        // A second after the first question, step 1 has still not run.
        if asked_at.is_some_and(|t| t.elapsed() > Duration::from_secs(1)) {
            break;
        }
    }
    let text = String::from_utf8_lossy(&screen).into_owned();
    if asked_at.is_none() || text.contains('✔') {
        // SAFETY: kill(2) on our own child, before failing.
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let _ = child.wait();
    }
    assert!(asked_at.is_some(), "no question:\n{text}");
    assert!(!text.contains('✔'), "an early key ran step 1:\n{text}");
    // SAFETY: writing one byte to the master: `q` quits.
    unsafe { libc::write(pty.master.as_raw_fd(), b"q".as_ptr().cast(), 1) };
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn an_ordinary_user_leaves_no_state_directory_behind() {
    common::require_namespaces();
    let user = common::is_root().then(|| TestUser::create("left"));
    let uid = user.as_ref().map_or_else(nix_uid, |u| u.uid);
    let root = PathBuf::from(format!("/tmp/netlings-{uid}"));
    let mut c = match &user {
        Some(u) => u.command(&u.bin.to_string_lossy()),
        None => std::process::Command::new(BIN),
    };
    c.env_remove("NETLINGS_STATE_DIR")
        .env_remove("XDG_RUNTIME_DIR");
    let (code, _, err) = output(c, &["lab", "start", "brief"]);
    assert_eq!(code, 0, "{err}");
    assert!(root.join("brief").is_dir());
    let mut c = match &user {
        Some(u) => u.command(&u.bin.to_string_lossy()),
        None => std::process::Command::new(BIN),
    };
    c.env_remove("NETLINGS_STATE_DIR")
        .env_remove("XDG_RUNTIME_DIR");
    let (code, _, err) = output(c, &["lab", "stop", "brief"]);
    assert_eq!(code, 0, "{err}");
    assert!(!root.exists(), "{} is left behind", root.display());
}

fn nix_uid() -> u32 {
    // SAFETY: getuid cannot fail.
    unsafe { libc::getuid() }
}

#[test]
fn lesson_output_into_a_closed_pipe_and_absurd_paces_end_cleanly() {
    common::require_namespaces();
    let state = StateDir::new("pipe");
    let mut c = netlings(None, &state.0);
    c.args(["lesson", "run", "default-bridge", "--auto"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    wait_for("the lesson's lab to go", Duration::from_secs(5), || {
        std::fs::read_dir(&state.0).map_or(true, |d| {
            d.flatten()
                .all(|e| e.file_name().to_string_lossy().starts_with('.'))
        })
    });
    let (code, out, err) = output(
        netlings(None, &state.0),
        &[
            "lesson",
            "run",
            "default-bridge",
            "--auto",
            "--pace",
            "1e300",
        ],
    );
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "--pace 1e300: give the seconds between steps, from 0 to 3600\n"
    );
}
