//! `lesson verify` as a course's CI uses it: a folder of lessons with
//! snapshots beside them, exit codes, the summary, JUnit and TAP reports,
//! `--accept`, the README's example, and the built-in lessons from
//! anywhere.

mod common;
use std::path::{Path, PathBuf};

const BIN: &str = env!("CARGO_BIN_EXE_netlings");

/// A course folder (and a state dir for its labs), removed when dropped.
struct Course {
    dir: PathBuf,
    state: PathBuf,
}

impl Course {
    fn new(tag: &str) -> Course {
        common::require_namespaces();
        let base =
            std::env::temp_dir().join(format!("netlings-course-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("course")).unwrap();
        Course {
            dir: base.join("course"),
            state: base.join("state"),
        }
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.join(name), text).unwrap();
    }

    /// `netlings lesson verify ARGS` from the course's parent folder.
    fn verify(&self, args: &[&str]) -> (i32, String, String) {
        let out = std::process::Command::new(BIN)
            .current_dir(self.dir.parent().unwrap())
            .env("NETLINGS_STATE_DIR", &self.state)
            .env("NO_COLOR", "1")
            .args(["lesson", "verify"])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Course {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.dir.parent().unwrap());
    }
}

/// The README's example course: each `<!-- verify-example: PATH -->` is
/// followed by a fenced block holding that file.
fn readme_example() -> Vec<(String, String)> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut files = Vec::new();
    let mut rest = readme.as_str();
    while let Some(at) = rest.find("<!-- verify-example: ") {
        rest = &rest[at + "<!-- verify-example: ".len()..];
        let path = rest[..rest.find(" -->").unwrap()].to_string();
        let open = rest.find("```text\n").unwrap() + "```text\n".len();
        rest = &rest[open..];
        let close = rest.find("```\n").unwrap();
        files.push((path, rest[..close].to_string()));
        rest = &rest[close..];
    }
    assert_eq!(
        files.len(),
        2,
        "the README's example: a lesson and its snapshot"
    );
    files
}

fn example_into(course: &Course) {
    for (path, text) in readme_example() {
        let name = Path::new(&path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        course.write(&name, &text);
    }
}

#[test]
fn the_readmes_example_course_verifies() {
    let course = Course::new("readme");
    example_into(&course);
    let (code, out, err) = course.verify(&["course"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("✔ by-name passed (5 checks, snapshot matches) in "),
        "{out}"
    );
    assert!(out.ends_with("\n1 lesson verified\n"), "{out}");
}

#[test]
fn a_course_with_every_kind_of_trouble() {
    let course = Course::new("trouble");
    example_into(&course);
    // A lesson whose output changed since its snapshot was taken.
    let (_, snap) = readme_example().pop().unwrap();
    course.write(
        "02-changed.md",
        "# Changed\n\n## Make a network\n\n$ docker network create shop\n- exit 0\n",
    );
    let old_snap = "---\nsource: netlings lesson verify\n---\n# Changed\n\n── step 1/1: Make a network \n\n$ docker network create shop\n0000000000000000000000000000000000000000000000000000000000000000\n✔ exit 0\n";
    course.write("changed.snap", old_snap);
    // A lesson whose check fails.
    course.write(
        "03-failing.md",
        "# Failing\n\n## Look for a network that is not there\n\n$ docker network inspect nowhere\n- exit 0\n",
    );
    course.write("failing.snap", &snap);
    // A lesson that does not parse.
    course.write(
        "04-broken.md",
        "# Broken\n\n## A step\n\n$ docker ps\n- sparkles \"x\"\n",
    );

    let (code, out, err) = course.verify(&[
        "course",
        "--format",
        "junit",
        "--report",
        "report.xml",
        "-j",
        "2",
    ]);
    assert_eq!(code, 2, "a broken file wins: {out}{err}");
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with('✔') || l.starts_with('✘'))
        .collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[0].starts_with("✔ by-name passed (5 checks, snapshot matches) in "),
        "{out}"
    );
    assert!(
        lines[1].starts_with("✘ changed snapshot differs (2 lines changed) in "),
        "{out}"
    );
    assert!(
        lines[2].starts_with("✘ failing failed: lesson failing failed at step 1 (Look for a network that is not there): exit 0: expected exit status 0, got 1"),
        "{out}"
    );
    assert!(
        lines[3].starts_with(
            "✘ course/04-broken.md broken lesson file: course/04-broken.md:6: unknown check"
        ),
        "{out}"
    );
    // A unified diff: the snapshot, then this run, the changed id among
    // three lines of context.
    assert!(
        out.contains(
            "\n--- course/changed.snap\n+++ this run\n@@ -3,5 +3,5 @@\n \
             ── step 1/1: Make a network \n \n $ docker network create shop\n\
             -0000000000000000000000000000000000000000000000000000000000000000\n+"
        ),
        "{out}"
    );
    assert!(
        out.contains("\n3 of 4 lessons failed verification\n"),
        "{out}"
    );

    let xml = std::fs::read_to_string(course.dir.parent().unwrap().join("report.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("the report is XML");
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("tests"), Some("4"));
    assert_eq!(suite.attribute("failures"), Some("2"));
    assert_eq!(suite.attribute("errors"), Some("1"));
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let names: Vec<_> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
    assert_eq!(
        names,
        ["by-name", "changed", "failing", "course/04-broken.md"]
    );
    assert!(cases[0].children().all(|c| !c.is_element()));
    let failure = cases[1]
        .children()
        .find(|c| c.has_tag_name("failure"))
        .unwrap();
    assert!(failure.text().unwrap().contains("+++ this run"), "{xml}");
    assert!(cases[3].children().any(|c| c.has_tag_name("error")));
    for c in &cases {
        assert!(c.attribute("time").unwrap().parse::<f64>().is_ok());
    }

    // Without the broken file: 1. TAP says the same.
    let (code, out, _) = course.verify(&[
        "course/01-by-name.md",
        "course/02-changed.md",
        "course/03-failing.md",
        "--format",
        "tap",
    ]);
    assert_eq!(code, 1, "{out}");
    let tap =
        std::fs::read_to_string(course.dir.parent().unwrap().join("netlings-verify.tap")).unwrap();
    assert!(
        tap.starts_with("TAP version 13\n1..3\nok 1 - by-name\nnot ok 2 - changed\n"),
        "{tap}"
    );
    assert!(tap.contains("\nnot ok 3 - failing\n"), "{tap}");

    // --accept takes the changed transcript; a failing check stays failed.
    let (code, out, _) =
        course.verify(&["course/02-changed.md", "course/03-failing.md", "--accept"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("✔ changed passed (1 checks, snapshot written)"),
        "{out}"
    );
    assert!(
        out.contains("-0000000000000000000000000000000000000000000000000000000000000000"),
        "the diff is shown: {out}"
    );
    let (code, out, _) = course.verify(&["course/02-changed.md"]);
    assert_eq!(code, 0, "{out}");
    assert_ne!(
        std::fs::read_to_string(course.dir.join("changed.snap")).unwrap(),
        old_snap
    );
}

#[test]
fn snapshots_can_live_in_a_folder_of_their_own() {
    let course = Course::new("snapdir");
    example_into(&course);
    std::fs::create_dir(course.dir.join("snapshots")).unwrap();
    std::fs::rename(
        course.dir.join("by-name.snap"),
        course.dir.join("snapshots/by-name.snap"),
    )
    .unwrap();
    let (code, out, _) = course.verify(&["course"]);
    assert_eq!(code, 0, "{out}");
    let elsewhere = course.dir.parent().unwrap().join("elsewhere");
    let (code, out, _) = course.verify(&["course", "--snapshots", "elsewhere"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("no snapshot: elsewhere/by-name.snap does not exist (--accept writes it)"),
        "{out}"
    );
    std::fs::create_dir(&elsewhere).unwrap();
    let (code, _, _) = course.verify(&["course", "--snapshots", "elsewhere", "--accept"]);
    assert_eq!(code, 0);
    assert!(elsewhere.join("by-name.snap").is_file());
}

#[test]
fn bad_arguments_are_exit_2() {
    let course = Course::new("args");
    let (code, _, err) = course.verify(&["nowhere"]);
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            "nowhere: no such lesson file, folder or built-in lesson\n"
        )
    );
    let (code, _, err) = course.verify(&["course"]);
    assert_eq!(
        (code, err.as_str()),
        (2, "course: no lesson files (*.md) in this folder\n")
    );
    let (code, _, err) = course.verify(&["--format", "xml"]);
    assert_eq!(
        (code, err.as_str()),
        (2, "--format xml: use human, junit or tap\n")
    );
}

/// How many lessons are built in: the files of lessons/.
fn built_in_lessons() -> usize {
    std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/lessons"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .count()
}

#[test]
fn the_built_in_lessons_verify_from_any_directory() {
    let course = Course::new("builtin");
    let (code, out, err) = course.verify(&[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.ends_with(&format!("\n{} lessons verified\n", built_in_lessons())),
        "{out}"
    );
}

#[test]
fn an_ordinary_user_verifies_a_course() {
    let course = Course::new("rootless");
    example_into(&course);
    let user = common::is_root().then(|| common::TestUser::create("ver"));
    let Some(user) = user else {
        // Already an ordinary user: the other tests ran rootless.
        return;
    };
    // The user's own copy of the course, in its home.
    let own = user.home.join("course");
    std::fs::create_dir_all(&own).unwrap();
    for e in std::fs::read_dir(&course.dir).unwrap().flatten() {
        std::fs::copy(e.path(), own.join(e.file_name())).unwrap();
    }
    let chown = std::process::Command::new("chown")
        .args(["-R", &format!("{}:{}", user.uid, user.gid)])
        .arg(&own)
        .status()
        .unwrap();
    assert!(chown.success());
    let out = user
        .command(&user.bin.to_string_lossy())
        .env_remove("NETLINGS_STATE_DIR")
        .env("NO_COLOR", "1")
        .args(["lesson", "verify"])
        .arg(&own)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("✔ by-name passed"), "{text}");
}

/// `lesson check` needs no lab (nor root): it only reads the files.
#[test]
fn lesson_check_reports_file_and_line() {
    let dir = std::env::temp_dir().join(format!("netlings-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let check = |args: &[&Path]| {
        let out = std::process::Command::new(BIN)
            .args(["lesson", "check"])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    assert_eq!(
        check(&[]),
        (
            0,
            format!("{} lesson files checked: no problems\n", built_in_lessons())
        )
    );
    let file = dir.join("01-typo.md");
    std::fs::write(
        &file,
        "# Typo\n\n## Start\n\n$ docker run -d --name web training/webapp\n- exit 0\n\n\
         ## Look\n\nwbe# ip addr\n- resolves web from wbe\n",
    )
    .unwrap();
    let (code, out) = check(&[&dir]);
    let f = file.display();
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out,
        format!(
            "{f}:10: `wbe#` runs in container wbe, which no earlier step starts (`$ docker run --name wbe ...`)\n\
             {f}:11: `resolves web from wbe` runs in container wbe, which no step so far starts (`$ docker run --name wbe ...`)\n\
             2 problems in 1 of 1 lesson file\n"
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}
