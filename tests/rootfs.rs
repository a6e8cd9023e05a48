//! A container has a root file system and privileges of its own: whatever a
//! learner types in it, the machine's files stay as they are. Each scenario
//! runs in a root lab and in a rootless one.

mod common;
use common::TestLab;

const FLAPPY: &str = "quay.io/purplebooth/flappy-endpoint";

/// `exec NAME sh -c SCRIPT`: (exit code, stdout + stderr).
fn sh(lab: &TestLab, name: &str, script: &str) -> (i32, String) {
    let (code, out, err) = lab.run(&["exec", name, "sh", "-c", script]);
    (code, format!("{out}{err}"))
}

fn writes_never_reach_the_machine(lab: &TestLab) {
    let probe = format!("netlings-probe-{}", lab.name);
    // A file of the machine outside the program directories.
    let marker = std::env::temp_dir().join(format!("netlings-marker-{}", lab.name));
    std::fs::write(&marker, "the machine's\n").unwrap();
    // Removed even if an assertion fails.
    struct Remove<'a>(&'a std::path::Path);
    impl Drop for Remove<'_> {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(self.0);
        }
    }
    let _remove = Remove(&marker);
    lab.ok(&["run", "-d", "--name", "one", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "two", FLAPPY]);

    // / and /etc are the container's own: writes land in its layer.
    let (code, out) = sh(
        lab,
        "one",
        &format!("echo mine > /etc/{probe} && echo mine > /{probe} && cat /etc/{probe} /{probe}"),
    );
    assert_eq!((code, out.as_str()), (0, "mine\nmine\n"));
    assert!(!std::path::Path::new("/etc").join(&probe).exists());
    assert!(!std::path::Path::new("/").join(&probe).exists());
    // The machine's programs are there, read-only.
    let (code, out) = sh(lab, "one", &format!("touch /usr/{probe}"));
    assert_ne!(code, 0);
    assert!(out.contains("Read-only file system"), "{out}");
    assert!(!std::path::Path::new("/usr").join(&probe).exists());
    // Nothing else of the machine is visible.
    let (code, _) = sh(lab, "one", &format!("test -e {}", marker.display()));
    assert_eq!(code, 1, "the machine's {} is visible", marker.display());
    let (code, out) = lab.run(&["exec", "one", "cat", "/etc/shadow"]).into_pair();
    assert_ne!(code, 0);
    assert!(out.contains("No such file or directory"), "{out}");
    let (code, out) = sh(lab, "one", "ls -A /home /mnt /srv /run /root");
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out, "/home:\n\n/mnt:\n\n/root:\n\n/run:\n\n/srv:\n",
        "{out}"
    );
    let (_, out) = sh(lab, "one", "cat /proc/mounts");
    assert!(!out.contains("/netlings"), "labs' state is visible: {out}");
    // The other container has a layer of its own.
    let (code, _) = sh(lab, "two", &format!("test -e /etc/{probe}"));
    assert_eq!(code, 1);

    // The layer lives as long as the container: restart keeps it...
    lab.ok(&["restart", "-t", "1", "one"]);
    let (code, out) = sh(lab, "one", &format!("cat /etc/{probe}"));
    assert_eq!((code, out.as_str()), (0, "mine\n"));
    lab.ok(&["stop", "-t", "1", "one"]);
    lab.ok(&["start", "one"]);
    let (code, _) = sh(lab, "one", &format!("test -e /{probe}"));
    assert_eq!(code, 0);
    // ...and rm takes it: a new container of the same name starts clean.
    lab.ok(&["rm", "-f", "one"]);
    lab.ok(&["run", "-d", "--name", "one", FLAPPY]);
    let (code, _) = sh(lab, "one", &format!("test -e /etc/{probe}"));
    assert_eq!(code, 1);

    assert_eq!(
        std::fs::read_to_string(&marker).unwrap(),
        "the machine's\n",
        "the machine's file changed"
    );
    // Nothing of ours in the machine's /etc (other tests may add users
    // meanwhile, so only our names are looked for).
    let ours: Vec<_> = std::fs::read_dir("/etc")
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("netlings"))
        .collect();
    assert!(ours.is_empty(), "{ours:?} in the machine's /etc");
}

fn privileges_are_dockers(lab: &TestLab) {
    lab.ok(&["run", "-d", "--name", "one", FLAPPY]);
    lab.ok(&["run", "-d", "--name", "two", FLAPPY]);
    // Docker's default set, for the main process and for exec.
    let (_, status) = sh(lab, "one", "cat /proc/1/status /proc/self/status");
    let caps: Vec<&str> = status
        .lines()
        .filter(|l| l.starts_with("CapEff:"))
        .collect();
    assert_eq!(caps, ["CapEff:\t00000000a80425fb"; 2], "{status}");
    assert!(status.contains("CapBnd:\t00000000a80425fb"), "{status}");

    let (code, out, err) = lab.run(&["exec", "one", "hostname", "elsewhere"]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (1, "", "hostname: sethostname: Operation not permitted\n")
    );
    let (code, out) = sh(lab, "one", "mount -t tmpfs none /mnt");
    assert_ne!(code, 0, "{out}");
    let (_, mounts) = sh(lab, "one", "cat /proc/mounts");
    assert!(!mounts.contains(" /mnt "), "{mounts}");
    for cmd in ["ip link set eth0 down", "ip addr add 10.9.9.9/24 dev eth0"] {
        // As the first word, `ip` is an applet that hands these to iproute2.
        let argv: Vec<&str> = cmd.split(' ').collect();
        let mut args = vec!["exec", "one"];
        args.extend(&argv);
        let (code, out, err) = lab.run(&args);
        assert_ne!(code, 0, "{cmd}: {out}");
        assert!(err.contains("Operation not permitted"), "{cmd}: {err}");
    }
    let addr = lab.ok(&["exec", "one", "ip", "addr"]);
    assert!(
        addr.contains("eth0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP") && !addr.contains("10.9.9.9"),
        "{addr}"
    );
    // The kernel's knobs are read-only; sysrq could reboot the machine.
    let (code, out) = sh(lab, "one", "echo 1 > /proc/sys/net/ipv4/ip_forward");
    assert_ne!(code, 0);
    assert!(out.contains("Read-only file system"), "{out}");
    let (code, out) = sh(lab, "one", "echo h > /proc/sysrq-trigger");
    assert_ne!(code, 0, "{out}");
    // A device node made in the layer opens nothing (the disk, here).
    let (code, out) = sh(lab, "one", "mknod /tmp/disk b 8 0; head -c 1 /tmp/disk");
    assert_ne!(code, 0, "{out}");
    // Raw and ICMP sockets still work: ping between containers.
    let ip2 = lab.ok(&["inspect", "-f", "{{.NetworkSettings.IPAddress}}", "two"]);
    let ping = lab.ok(&["exec", "one", "ping", "-c", "1", "-W", "2", ip2.trim()]);
    assert!(ping.contains("1 packets received"), "{ping}");
    // The image's user, for exec too (a rootless lab maps only root).
    lab.ok(&["run", "-d", "--name", "db", "training/postgres"]);
    let rootless = lab.user.is_some() || !common::is_root();
    let want = if rootless {
        "CapEff:\t00000000a80425fb"
    } else {
        "CapEff:\t0000000000000000"
    };
    let (_, status) = sh(lab, "db", "cat /proc/1/status /proc/self/status");
    let caps: Vec<&str> = status
        .lines()
        .filter(|l| l.starts_with("CapEff:"))
        .collect();
    assert_eq!(caps, [want; 2], "{status}");
}

trait IntoPair {
    fn into_pair(self) -> (i32, String);
}

impl IntoPair for (i32, String, String) {
    fn into_pair(self) -> (i32, String) {
        (self.0, format!("{}{}", self.1, self.2))
    }
}

#[test]
fn root_lab_writes_never_reach_the_machine() {
    writes_never_reach_the_machine(&TestLab::start("fs"));
}

#[test]
fn rootless_lab_writes_never_reach_the_machine() {
    writes_never_reach_the_machine(&TestLab::start_rootless("fsu"));
}

#[test]
fn root_lab_privileges_are_dockers() {
    privileges_are_dockers(&TestLab::start("caps"));
}

#[test]
fn rootless_lab_privileges_are_dockers() {
    privileges_are_dockers(&TestLab::start_rootless("capsu"));
}
