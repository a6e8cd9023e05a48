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
            vec!["web:/d/f".into(), "-".into()],
            "netlings: cp with - (a tar stream) is not supported by netlings; copy to or from a path\n".into(),
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
