//! Load and bad input never take the lab down: a container flooding a
//! published port (as root and rootless), a client that never reads its
//! reply, requests that never end, an engine out of file descriptors.
//! Latencies are printed (eprintln), never asserted; every wait is bounded.

mod common;

use common::TestLab;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const FLAPPY: &str = "quay.io/purplebooth/flappy-endpoint";
/// A TCP echo on 5432: it keeps every connection open, so a flood holds.
const POSTGRES: &str = "training/postgres";

/// Connections one published port carries at once (`MAX_TCP_CONNS` in
/// src/proxy); the rest are refused.
const PORT_CAP: usize = 1024;
/// Well beyond what the engine's fds allowed before the cap (about 3,000
/// proxied connections with a 20,000-fd limit).
const FLOOD: usize = 5000;
/// Every wait in this file ends within this.
const BOUND: Duration = Duration::from_secs(50);

/// Run inside a container: opens `N` connections to HOST:PORT, sends a byte
/// on each and sorts them into echoed (carried to the backend) and refused
/// (reset or closed by the proxy) within 30 s; prints one line of counts,
/// then holds every connection until its stdin closes.
const FLOOD_PY: &str = r#"
import errno, resource, selectors, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
n, host, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
held, failed, why = [], 0, {}
for _ in range(n):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect((host, port))
        held.append(s)
    except OSError as e:
        failed += 1
        name = errno.errorcode.get(e.errno, type(e).__name__)
        why[name] = why.get(name, 0) + 1
        s.close()
sel = selectors.DefaultSelector()
for s in held:
    try:
        s.sendall(b"x")
    except OSError:
        pass
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
echoed = refused = 0
left = len(held)
deadline = time.monotonic() + 30
while left and time.monotonic() < deadline:
    for key, _ in sel.select(timeout=1):
        try:
            data = key.fileobj.recv(16)
        except OSError:
            data = b""
        if data:
            echoed += 1
        else:
            refused += 1
        sel.unregister(key.fileobj)
        left -= 1
why = ",".join(f"{k}:{v}" for k, v in why.items()) or "-"
print(f"connected={len(held)} failed={failed} echoed={echoed} refused={refused} silent={left} why={why}", flush=True)
sys.stdin.read()
"#;

/// Run inside a container: for each line on stdin, A queries for NAME to the
/// embedded DNS server (2 s timeout each), 20 of them or, for `for SECONDS`,
/// as many as fit in that time; prints `ok n=.. median_us=.. max_us=..` or
/// `failed REASON`.
const DNS_PROBE_PY: &str = r#"
import socket, struct, sys, time
name = sys.argv[1]
def query(i):
    q = struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.11", 53))
s.settimeout(2)
i = 0
while True:
    line = sys.stdin.readline()
    if not line:
        break
    end = time.monotonic() + (float(line.split()[1]) if line.startswith("for ") else 0)
    took = []
    try:
        while len(took) < 20 or time.monotonic() < end:
            i = (i + 1) & 0xFFFF
            t = time.monotonic()
            s.send(query(i))
            while True:
                r = s.recv(512)
                if r[:2] == struct.pack(">H", i):
                    break
            took.append(time.monotonic() - t)
            if struct.unpack(">H", r[6:8])[0] == 0:
                raise Exception("no address in the answer")
        took.sort()
        print(f"ok n={len(took)} median_us={took[len(took) // 2] * 1e6:.0f} max_us={took[-1] * 1e6:.0f}", flush=True)
    except Exception as e:
        print(f"failed {e!r}", flush=True)
"#;

/// A CLI command running on in the background: `exec -i CONTAINER python3`,
/// talked to line by line. Dropping it closes its stdin, which ends it.
struct Held {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

impl Held {
    fn python(lab: &TestLab, container: &str, script: &str, args: &[&str]) -> Held {
        let mut argv = vec!["exec", "-i", container, "python3", "-c", script];
        argv.extend_from_slice(args);
        let mut child = lab
            .std_cmd(&argv)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stderr_pipe = child.stderr.take().unwrap();
        let (tx, stderr) = mpsc::channel();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr_pipe.read_to_string(&mut text);
            let _ = tx.send(text);
        });
        Held {
            stdin: child.stdin.take(),
            child,
            lines,
            stderr,
        }
    }

    /// The next line it prints; panics (with its stderr) if none comes.
    fn line(&mut self, what: &str) -> String {
        self.line_within(what, BOUND)
    }

    fn line_within(&mut self, what: &str, limit: Duration) -> String {
        match self.lines.recv_timeout(limit) {
            Ok(line) => line,
            Err(_) => {
                self.end();
                let err = self.stderr.recv_timeout(BOUND).unwrap_or_default();
                panic!("{what}: no output; stderr: {err}");
            }
        }
    }

    fn ask(&mut self, what: &str) -> String {
        self.say("go");
        self.line(what)
    }

    fn say(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("still running");
        stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Closes its stdin and waits for it; killed (by pid) if it lingers.
    fn end(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + BOUND;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.end();
    }
}

/// `key=value key=value` into a map of numbers.
fn counts(line: &str) -> HashMap<String, usize> {
    line.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.parse().unwrap_or(usize::MAX)))
        .collect()
}

/// A CLI command that must end within [`BOUND`]: (exit code, stdout,
/// stderr, how long it took). Killed and reported as -1 otherwise.
fn bounded(lab: &TestLab, args: &[&str]) -> (i32, String, String, Duration) {
    let t = Instant::now();
    let out = lab.cmd(args).timeout(BOUND).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        t.elapsed(),
    )
}

/// The engine process exists and has not exited.
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z')),
        Err(_) => false,
    }
}

/// Open fds and threads of a process, for the record.
fn usage(pid: i32) -> String {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count().to_string())
        .unwrap_or_else(|e| format!("? ({e})"));
    let threads = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Threads:").map(|t| t.trim().to_string()))
        })
        .unwrap_or_else(|| "?".into());
    format!("{fds} fds, {threads} threads")
}

/// Waits until the peer hangs up on `sock`, without reading from it.
fn hung_up_within(sock: &UnixStream, limit: Duration) -> bool {
    use std::os::fd::AsRawFd;
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let mut pfd = libc::pollfd {
            fd: sock.as_raw_fd(),
            events: libc::POLLRDHUP,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        unsafe { libc::poll(&mut pfd, 1, 200) };
        if pfd.revents & (libc::POLLRDHUP | libc::POLLHUP | libc::POLLERR) != 0 {
            return true;
        }
    }
    false
}

/// The published port of `db` on the lab host, seen from `flooder` (on the
/// default bridge, whose gateway is the lab host).
const LAB_HOST: &str = "172.17.0.1";
const PUBLISHED: &str = "15432";

/// A container opens FLOOD connections to a published port and holds them;
/// meanwhile the engine lives, `ps` answers and DNS answers in another
/// container. Afterwards the port carries a new connection.
fn flood_a_published_port(lab: &TestLab) {
    lab.ok(&["network", "create", "loadnet"]);
    let db_port = format!("{PUBLISHED}:5432");
    lab.ok(&[
        "run", "-d", "--name", "db", "--net", "loadnet", "-p", &db_port, POSTGRES,
    ]);
    lab.ok(&["run", "-d", "--name", "asker", "--net", "loadnet", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "flooder", FLAPPY]);
    let pid = lab.engine_pid();
    eprintln!("engine before the flood: {}", usage(pid));

    let one = |what: &str, limit: Duration| {
        let mut c = Held::python(lab, "flooder", FLOOD_PY, &["1", LAB_HOST, PUBLISHED]);
        counts(&c.line_within(what, limit))
    };
    assert_eq!(one("one connection before the flood", BOUND)["echoed"], 1);

    let t = Instant::now();
    let mut flood = Held::python(
        lab,
        "flooder",
        FLOOD_PY,
        &[&FLOOD.to_string(), LAB_HOST, PUBLISHED],
    );
    let line = flood.line("the flood");
    eprintln!("flood of {FLOOD} in {:?}: {line}", t.elapsed());
    let c = counts(&line);
    eprintln!("engine during the flood: {}", usage(pid));
    assert!(alive(pid), "the engine died in the flood");

    // While the flood holds its connections: the CLI and DNS answer.
    let (code, out, err, took) = bounded(lab, &["ps"]);
    eprintln!("ps during the flood: {took:?}");
    assert_eq!(code, 0, "ps during the flood: {err}");
    for name in ["db", "asker", "flooder"] {
        assert!(out.contains(name), "{out}");
    }
    let (code, out, err, took) =
        bounded(lab, &["exec", "asker", "netlings-dns-latency", "db", "300"]);
    eprintln!(
        "DNS A query during the flood: {} (exec in {took:?})",
        out.trim()
    );
    assert_eq!(code, 0, "DNS during the flood: {err}{out}");
    assert!(alive(pid), "the engine died in the flood");

    assert!(
        c["connected"] > PORT_CAP,
        "the flood did not get past the cap: {line}"
    );
    assert!(
        (1..=PORT_CAP).contains(&c["echoed"]),
        "the port carried more than its cap, or nothing: {line}"
    );
    assert_eq!(
        c["echoed"] + c["refused"],
        c["connected"],
        "connections beyond the cap are refused at once, none left hanging: {line}"
    );

    drop(flood);
    eprintln!("engine after the flood: {}", usage(pid));
    assert!(alive(pid), "the engine died when the flood ended");
    // The flood's connections close in their own time: the port serves
    // again once they have (bounded wait, not a timing).
    let deadline = Instant::now() + BOUND;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let c = one("one connection after the flood", left);
        if c["echoed"] == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the port never recovered: {c:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(alive(pid));
    lab.ok(&["ps"]);
}

#[test]
fn a_connection_flood_on_a_published_port_leaves_the_lab_answering() {
    let lab = TestLab::start("load-flood");
    flood_a_published_port(&lab);
}

#[test]
fn a_connection_flood_in_a_rootless_lab_leaves_it_answering() {
    let lab = TestLab::start_rootless("load-flood-rl");
    flood_a_published_port(&lab);
}

/// Sends one raw request line on the lab socket and reads the whole reply.
fn raw_call(lab: &TestLab, request: &[u8]) -> Vec<u8> {
    let mut s = UnixStream::connect(lab.socket()).unwrap();
    s.set_read_timeout(Some(BOUND)).unwrap();
    s.write_all(request).unwrap();
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).unwrap();
    reply
}

#[test]
fn a_client_that_never_reads_its_reply_stalls_nothing() {
    let lab = TestLab::start("load-noread");
    // A container whose inspect is some 600 KB, several times what a unix
    // socket buffers, so its reply cannot be written in one go.
    let chunk = "x".repeat(100_000);
    let env: Vec<String> = (0..6).map(|i| format!("BIG{i}={chunk}")).collect();
    let mut args = vec!["run", "-d", "--name", "big"];
    for e in &env {
        args.extend(["-e", e.as_str()]);
    }
    args.push(FLAPPY);
    lab.ok(&args);
    lab.ok(&["network", "create", "dnsnet"]);
    lab.ok(&["run", "-d", "--name", "target", "--net", "dnsnet", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "asker", "--net", "dnsnet", FLAPPY]);
    let pid = lab.engine_pid();

    let request = b"{\"op\":\"inspect\",\"name\":\"big\",\"kind\":null}\n";
    let full = raw_call(&lab, request);
    assert!(
        full.len() > 512 * 1024 && full.ends_with(b"\n"),
        "the reply must be large for this test to mean anything: {} bytes",
        full.len()
    );

    // Started before the bad client, so it needs nothing from the engine
    // while that one is connected.
    let mut probe = Held::python(&lab, "asker", DNS_PROBE_PY, &["target"]);
    let before = probe.ask("DNS before");
    eprintln!("DNS before the bad client: {before}");
    assert!(before.starts_with("ok "), "{before}");

    let bad = UnixStream::connect(lab.socket()).unwrap();
    nix::sys::socket::setsockopt(&bad, nix::sys::socket::sockopt::RcvBuf, &4096).unwrap();
    (&bad).write_all(request).unwrap();
    // Give the engine time to fill the socket and get stuck, if it would.
    std::thread::sleep(Duration::from_millis(500));

    for _ in 0..3 {
        let during = probe.ask("DNS with the bad client connected");
        eprintln!("DNS with a non-reading client connected: {during}");
        assert!(during.starts_with("ok "), "{during}");
    }
    let (code, out, err, took) = bounded(&lab, &["ps"]);
    eprintln!("ps with a non-reading client connected: {took:?}");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("target"), "{out}");
    assert!(alive(pid));

    // The engine gives up on the reply and hangs up on the client, which
    // then holds only part of it.
    let t = Instant::now();
    assert!(
        hung_up_within(&bad, BOUND),
        "the engine never dropped a client that does not read"
    );
    eprintln!("non-reading client dropped after {:?}", t.elapsed());
    let mut got = Vec::new();
    bad.set_read_timeout(Some(BOUND)).unwrap();
    let _ = (&bad).read_to_end(&mut got);
    assert!(got.len() < full.len(), "the whole reply went through");
    assert!(alive(pid));
    lab.ok(&["ps"]);
    drop(probe);
}

#[test]
fn requests_that_never_end_are_cut_off() {
    let lab = TestLab::start("load-partial");
    let pid = lab.engine_pid();
    // A request line that never completes.
    let slow = UnixStream::connect(lab.socket()).unwrap();
    (&slow).write_all(b"{\"op\":\"ps\",\"all\":").unwrap();
    // A request line that never ends: refused long before 64 MiB.
    let big = UnixStream::connect(lab.socket()).unwrap();
    let writer = std::thread::spawn(move || {
        big.set_write_timeout(Some(BOUND)).unwrap();
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0usize;
        while sent < 64 << 20 {
            match (&big).write(&chunk) {
                Ok(n) => sent += n,
                Err(e) => return (sent, Some(e)),
            }
        }
        (sent, None)
    });
    let (sent, error) = writer.join().unwrap();
    eprintln!("endless request cut after {sent} bytes: {error:?}");
    assert!(
        error.is_some(),
        "the engine took a {sent}-byte request line"
    );
    // Meanwhile others are served.
    let (code, _, err, _) = bounded(&lab, &["ps"]);
    assert_eq!(code, 0, "{err}");
    let t = Instant::now();
    assert!(
        hung_up_within(&slow, BOUND),
        "the engine waits forever for the rest of a request"
    );
    eprintln!("unfinished request dropped after {:?}", t.elapsed());
    assert!(alive(pid));
    lab.ok(&["ps"]);
}

/// The engine's fd limit in the next test: small enough for the test to
/// exhaust it with connections to the lab socket.
const FEW_FDS: u64 = 256;

#[test]
fn an_engine_out_of_file_descriptors_waits_and_serves_again() {
    common::require_namespaces();
    let name = format!("t-load-fds-{}", std::process::id());
    let lab = TestLab {
        state_dir: std::env::temp_dir().join(format!("netlings-test-{name}")),
        name,
        user: None,
    };
    let mut start = lab.std_cmd(&["lab", "start", "--deterministic"]);
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe; the engine inherits the limit.
    unsafe {
        start.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: FEW_FDS,
                rlim_max: FEW_FDS,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = start.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pid = lab.engine_pid();
    lab.ok(&["run", "-d", "--name", "web", "-p", "8080:80", FLAPPY]);
    eprintln!("engine at rest: {}", usage(pid));

    // More connections than the engine has fds: it accepts until accept()
    // fails with EMFILE; the rest wait in the socket's backlog.
    // (A refused connect means the engine is gone; asserted below.)
    let held: Vec<UnixStream> = (0..FEW_FDS + 50)
        .map_while(|_| UnixStream::connect(lab.socket()).ok())
        .collect();
    let deadline = Instant::now() + BOUND;
    let fds = || {
        std::fs::read_dir(format!("/proc/{pid}/fd"))
            .map(|d| d.count() as u64)
            .unwrap_or(0)
    };
    while alive(pid) && fds() < FEW_FDS - 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!("engine out of fds: {}", usage(pid));
    // Some time at the limit, where accept() keeps failing.
    std::thread::sleep(Duration::from_millis(500));
    assert!(alive(pid), "the engine exited when it ran out of fds");

    drop(held);
    let (code, out, err, took) = bounded(&lab, &["ps"]);
    eprintln!("ps once the fds are back: {took:?}");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("web"), "{out}");
    let (code, body, _, _) = bounded(
        &lab,
        &[
            "lab",
            "exec",
            "--",
            "curl",
            "-s",
            "-m",
            "5",
            "http://127.0.0.1:8080/",
        ],
    );
    assert_eq!(code, 0, "the published port after the shortage");
    assert!(body.contains("200 OK"), "{body}");
    assert!(alive(pid));
}

#[test]
fn dns_answers_while_the_engine_removes_a_large_layer() {
    let lab = TestLab::start("load-dnswork");
    lab.ok(&["network", "create", "dnsnet"]);
    lab.ok(&["run", "-d", "--name", "target", "--net", "dnsnet", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "asker", "--net", "dnsnet", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "filler", FLAPPY]);
    // A writable layer of 100,000 files: `rm` deletes it on the engine's
    // thread, synchronously.
    let fill = "import os\nos.mkdir('/junk')\nfor i in range(100000):\n    open(f'/junk/{i}', 'w').close()\n";
    let (code, _, err, took) = bounded(&lab, &["exec", "filler", "python3", "-c", fill]);
    assert_eq!(code, 0, "{err}");
    eprintln!("100,000 files written in {took:?}");

    let mut probe = Held::python(&lab, "asker", DNS_PROBE_PY, &["target"]);
    let before = probe.ask("DNS before");
    assert!(before.starts_with("ok "), "{before}");
    eprintln!("DNS at rest: {before}");
    // Queries for 3 s, with the removal in the middle of them.
    probe.say("for 3");
    std::thread::sleep(Duration::from_millis(500));
    let (code, _, err, took) = bounded(&lab, &["rm", "-f", "filler"]);
    assert_eq!(code, 0, "{err}");
    let during = probe.line("DNS during rm");
    eprintln!("rm -f of the layer took {took:?}; DNS meanwhile: {during}");
    assert!(during.starts_with("ok "), "{during}");
}
