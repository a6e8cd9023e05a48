//! `docker cp` both ways through the CLI, with what Docker 20.10.24 did and
//! printed for the same commands (recorded on 2026-12-02 with the 20.10.24
//! client, /usr/bin/docker, against dockerd 20.10.24; all failures exit 1).

mod common;
use common::TestLab;
use std::path::{Path, PathBuf};

const WEBAPP: &str = "training/webapp";

/// A scratch directory of this test on the machine, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("netlings-cp-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn path(&self, rel: &str) -> String {
        self.0.join(rel).to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn read(p: &str) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

#[test]
fn cp_out_of_a_container_as_docker_does() {
    let lab = TestLab::start("cpout");
    let tmp = Scratch::new("out");
    lab.ok(&["run", "-d", "--name", "web", WEBAPP]);
    lab.ok(&[
        "exec", "web", "sh", "-c",
        "mkdir -p /d/sub && echo a > /d/f && echo b > /d/sub/g && chmod 640 /d/f && ln -s /etc/passwd /d/link",
    ]);

    // A file; /etc/hostname is the file the container sees (a mount).
    assert_eq!(lab.ok(&["cp", "web:/etc/hostname", &tmp.path("hn")]), "");
    let id = lab.ok(&["inspect", "-f", "{{.Id}}", "web"]);
    assert_eq!(read(&tmp.path("hn")), format!("{}\n", &id[..12]));
    // A directory to a new path: made, with the contents; links stay links.
    lab.ok(&["cp", "web:/d", &tmp.path("d1")]);
    assert_eq!(read(&tmp.path("d1/f")), "a\n");
    assert_eq!(read(&tmp.path("d1/sub/g")), "b\n");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(tmp.path("d1/f"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640, "the mode is kept");
    assert_eq!(
        std::fs::read_link(tmp.path("d1/link")).unwrap(),
        Path::new("/etc/passwd")
    );
    // Into an existing directory: under its own name; `/.`: its contents.
    std::fs::create_dir(tmp.path("d2")).unwrap();
    lab.ok(&["cp", "web:/d", &tmp.path("d2")]);
    assert_eq!(read(&tmp.path("d2/d/sub/g")), "b\n");
    lab.ok(&["cp", "web:/d/.", &tmp.path("d2")]);
    assert_eq!(read(&tmp.path("d2/f")), "a\n");
    // -L copies what a link points to (inside the container).
    lab.ok(&["cp", "-L", "web:/d/link", &tmp.path("pw")]);
    assert!(read(&tmp.path("pw")).starts_with("root:x:0:0:"));
    // A stopped container's files can be copied too.
    lab.ok(&["stop", "-t", "1", "web"]);
    lab.ok(&["cp", "web:/d/f", &tmp.path("f-stopped")]);
    assert_eq!(read(&tmp.path("f-stopped")), "a\n");

    // A relative link leading out of where the copy goes: refused.
    lab.ok(&["start", "web"]);
    lab.ok(&["exec", "web", "ln", "-s", "../../../../etc", "/d/esc"]);
    let (code, _, err) = lab.run(&["cp", "web:/d", &tmp.path("d3")]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        format!(
            "invalid symlink \"{}\" -> \"../../../../etc\"\n",
            tmp.path("d3/esc")
        )
    );

    for (args, want) in [
        (
            vec!["web:/nonexist".to_string(), tmp.path("x")],
            "Error: No such container:path: web:/nonexist\n".to_string(),
        ),
        (
            vec!["nosuch:/etc/hosts".into(), tmp.path("x")],
            "Error: No such container:path: nosuch:/etc/hosts\n".into(),
        ),
        (
            vec!["web:/d/f".into(), tmp.path("nodir/x")],
            format!(
                "invalid output path: directory \"{}\" does not exist\n",
                tmp.path("nodir")
            ),
        ),
        (
            vec!["web:/d/f".into(), format!("{}/", tmp.path("newdir"))],
            "no such directory\n".into(),
        ),
        (
            vec!["web:/d".into(), tmp.path("hn")],
            "cannot copy directory\n".into(),
        ),
        (
            vec![tmp.path("hn"), tmp.path("x")],
            "must specify at least one container source\n".into(),
        ),
        (
            vec!["web:/a".into(), "web:/b".into()],
            "copying between containers is not supported\n".into(),
        ),
        (
            vec!["-".into(), "-".into()],
            "must specify at least one container source\n".into(),
        ),
    ] {
        let mut argv = vec!["cp"];
        argv.extend(args.iter().map(String::as_str));
        let (code, out, err) = lab.run(&argv);
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (1, "", want.as_str()),
            "{args:?}"
        );
    }
}

#[test]
fn cp_into_a_container_stays_inside_its_root() {
    let lab = TestLab::start("cpin");
    let tmp = Scratch::new("in");
    lab.ok(&["run", "-d", "--name", "web", WEBAPP]);
    std::fs::write(tmp.path("f"), "hi\n").unwrap();
    std::fs::create_dir_all(tmp.path("src/s2")).unwrap();
    std::fs::write(tmp.path("src/a"), "x\n").unwrap();
    std::fs::write(tmp.path("src/s2/b"), "y\n").unwrap();

    assert_eq!(lab.ok(&["cp", &tmp.path("f"), "web:/tmp/"]), "");
    lab.ok(&["cp", &tmp.path("f"), "web:/tmp/f2"]);
    lab.ok(&["cp", &tmp.path("src"), "web:/tmp"]);
    lab.ok(&["cp", &format!("{}/.", tmp.path("src")), "web:/tmp/dst"]);
    assert_eq!(
        lab.ok(&[
            "exec",
            "web",
            "cat",
            "/tmp/f",
            "/tmp/f2",
            "/tmp/src/a",
            "/tmp/src/s2/b",
            "/tmp/dst/a",
            "/tmp/dst/s2/b"
        ]),
        "hi\nhi\nx\ny\nx\ny\n"
    );

    // Links in the container, absolute or climbing, end at its own `/`:
    // the machine's /etc is never written.
    lab.ok(&[
        "exec",
        "web",
        "sh",
        "-c",
        "ln -s /etc /tmp/abs && ln -s ../../../../../../../etc /tmp/rel",
    ]);
    let marker = format!("netlings-cp-test-{}", std::process::id());
    lab.ok(&["cp", &tmp.path("f"), &format!("web:/tmp/abs/{marker}")]);
    lab.ok(&["cp", &tmp.path("f"), &format!("web:/tmp/rel/{marker}-2")]);
    assert!(!Path::new("/etc").join(&marker).exists());
    assert!(!Path::new("/etc").join(format!("{marker}-2")).exists());
    assert_eq!(
        lab.ok(&[
            "exec",
            "web",
            "cat",
            &format!("/etc/{marker}"),
            &format!("/etc/{marker}-2")
        ]),
        "hi\nhi\n"
    );

    for (args, want) in [
        (
            vec![tmp.path("f"), "web:/nodir/x".into()],
            "Error: No such container:path: web:/nodir\n".to_string(),
        ),
        (
            vec![tmp.path("f"), "web:/newdir/".into()],
            "no such directory\n".into(),
        ),
        (
            vec![tmp.path("src"), "web:/tmp/f2".into()],
            "cannot copy directory\n".into(),
        ),
        (
            vec![tmp.path("nonexist"), "web:/tmp".into()],
            format!(
                "lstat {}: no such file or directory\n",
                tmp.path("nonexist")
            ),
        ),
        (
            vec![tmp.path("f"), "nosuch:/tmp".into()],
            "Error: No such container:path: nosuch:/\n".into(),
        ),
    ] {
        let mut argv = vec!["cp"];
        argv.extend(args.iter().map(String::as_str));
        let (code, out, err) = lab.run(&argv);
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (1, "", want.as_str()),
            "{args:?}"
        );
    }
}

/// Runs `cp` with `input` on stdin: (exit code, stdout bytes, stderr).
fn cp_stream(lab: &TestLab, args: &[&str], input: &[u8]) -> (i32, Vec<u8>, String) {
    use std::io::Write;
    let mut argv = vec!["cp"];
    argv.extend(args);
    let mut child = lab
        .std_cmd(&argv)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A tar's entries as `tar tv` would list them: type, mode, owner, size,
/// name, link target.
fn listing(bytes: &[u8]) -> Vec<String> {
    let mut archive = tar::Archive::new(bytes);
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let h = e.header();
            format!(
                "{:?} {:o} {}/{} {} {} {}",
                h.entry_type(),
                h.mode().unwrap(),
                h.username().unwrap().unwrap_or(""),
                h.groupname().unwrap().unwrap_or(""),
                h.size().unwrap(),
                String::from_utf8_lossy(&e.path_bytes()),
                e.link_name()
                    .unwrap()
                    .map(|l| l.display().to_string())
                    .unwrap_or_default()
            )
        })
        .collect()
}

/// `docker cp` with `-`, as Docker 20.10.24 did it (2026-12-02): out, a
/// ustar stream of the path (`d/`, `d/a.txt`...; `./` for `d/.`; `-L` names
/// a link's target), entries in name order with the mode's type bits
/// (Go's 0100644); in, a stream unpacked into a directory that must exist
/// (`destination "web:/nosuch" must be a directory`), parents made, modes
/// and mtimes kept, `..` refused in the daemon's words, a cut stream
/// "unexpected EOF", an empty one nothing.
#[test]
fn cp_with_a_tar_stream_as_docker_does() {
    let lab = TestLab::start("cptar");
    lab.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        WEBAPP,
        "sh",
        "-c",
        "mkdir -p /d/sub; echo hi > /d/a.txt; ln -s a.txt /d/l; echo x > /d/sub/b; chmod 640 /d/sub/b; sleep 1000",
    ]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let out = |args: &[&str]| {
        let (code, bytes, err) = cp_stream(&lab, args, b"");
        assert_eq!((code, err.as_str()), (0, ""), "{args:?}");
        bytes
    };
    let whole = out(&["web:/d", "-"]);
    // Go's writer: headers and data in 512-byte blocks, two empty blocks
    // at the end, no padding to a record.
    assert_eq!(whole.len(), 512 * (5 + 2 + 2));
    let d = listing(&whole);
    assert_eq!(d.len(), 5);
    let expected = [
        "Directory 40755 _ 0 d/ ",
        "Regular 100644 _ 3 d/a.txt ",
        "Symlink 120777 _ 0 d/l a.txt",
        "Directory 40755 _ 0 d/sub/ ",
        "Regular 100640 _ 2 d/sub/b ",
    ];
    for (got, want) in d.iter().zip(expected) {
        let (kind_mode, rest) = want.split_once(" _ ").unwrap();
        assert!(
            got.starts_with(kind_mode) && got.ends_with(rest),
            "{got} / {want}"
        );
        if common::is_root() {
            assert!(got.contains(" root/root "), "{got}");
        }
    }
    let names = |bytes: &[u8]| -> Vec<String> {
        listing(bytes)
            .iter()
            .map(|l| l.split(' ').nth(4).unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(&out(&["web:/d/.", "-"])),
        ["./", "./a.txt", "./l", "./sub/", "./sub/b"]
    );
    assert_eq!(names(&out(&["web:/d/l", "-"])), ["l"]);
    assert_eq!(names(&out(&["-L", "web:/d/l", "-"])), ["a.txt"]);
    let one = out(&["web:/d/a.txt", "-"]);
    let mut file = tar::Archive::new(&one[..]);
    let mut entry = file.entries().unwrap().next().unwrap().unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
    assert_eq!(text, "hi\n");
    let (code, bytes, err) = cp_stream(&lab, &["web:/nosuch", "-"], b"");
    assert_eq!(
        (code, bytes.len(), err.as_str()),
        (1, 0, "Error: No such container:path: web:/nosuch\n")
    );

    // In: a stream made as `tar cf - in` would make it.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(tar::EntryType::Directory);
    h.set_mode(0o750);
    h.set_mtime(1_000_000);
    h.set_size(0);
    b.append_data(&mut h, "in/", std::io::empty()).unwrap();
    let mut h = tar::Header::new_ustar();
    h.set_mode(0o604);
    h.set_mtime(0);
    h.set_size(4);
    b.append_data(&mut h, "in/f1", &b"one\n"[..]).unwrap();
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    b.append_link(&mut h, "in/ln", "f1").unwrap();
    let mut h = tar::Header::new_ustar();
    h.set_mode(0o644);
    h.set_size(2);
    b.append_data(&mut h, "deep/er/f", &b"x\n"[..]).unwrap();
    let stream = b.into_inner().unwrap();
    assert_eq!(
        cp_stream(&lab, &["-", "web:/d"], &stream),
        (0, Vec::new(), String::new())
    );
    assert_eq!(
        lab.ok(&["exec", "web", "sh", "-c", "stat -c '%n %a %Y' /d/in /d/in/f1 /d/deep /d/deep/er/f; readlink /d/in/ln; cat /d/in/f1"]),
        "/d/in 750 1000000\n/d/in/f1 604 0\n/d/deep 755 ".to_string()
            + lab.ok(&["exec", "web", "stat", "-c", "%Y", "/d/deep"]).trim()
            + "\n/d/deep/er/f 644 0\nf1\none\n"
    );
    for (dest, want) in [
        (
            "web:/nosuch",
            "destination \"web:/nosuch\" must be a directory\n",
        ),
        (
            "web:/d/a.txt",
            "destination \"web:/d/a.txt\" must be a directory\n",
        ),
        (
            "nosuch:/d",
            "destination \"nosuch:/d\" must be a directory\n",
        ),
    ] {
        assert_eq!(
            cp_stream(&lab, &["-", dest], &stream),
            (1, Vec::new(), want.to_string())
        );
    }
    let (code, _, err) = cp_stream(&lab, &["-", "web:/d"], b"garbage\n");
    assert_eq!((code, err.as_str()), (1, "Error response from daemon: Error processing tar file(exit status 1): unexpected EOF\n"));
    assert_eq!(
        cp_stream(&lab, &["-", "web:/d"], b""),
        (0, Vec::new(), String::new())
    );
    // `..` out of the destination, written as Python's tarfile writes it.
    let mut evil = stream[..0].to_vec();
    let mut h = tar::Header::new_ustar();
    h.as_old_mut().name[..7].copy_from_slice(b"../evil");
    h.set_mode(0o644);
    h.set_size(2);
    h.set_cksum();
    evil.extend_from_slice(h.as_bytes());
    evil.extend_from_slice(b"x\n");
    evil.resize(1024 + 1024, 0);
    let (code, _, err) = cp_stream(&lab, &["-", "web:/d"], &evil);
    assert_eq!((code, err.as_str()), (1, "Error response from daemon: Error processing tar file(exit status 1): \"../evil\" is outside of \"/d\"\n"));
    let (code, _, _) = lab.run(&["exec", "web", "test", "-e", "/evil"]);
    assert_eq!(code, 1, "nothing was written out of /d");
}
