//! `lesson verify`: runs lessons unattended, each in a lab of its own, and
//! compares each transcript with its snapshot, printing a unified diff on
//! a mismatch. The built-in lessons carry their snapshots in the binary; a
//! course keeps its own beside its lesson files, and `--accept` writes them,
//! so a course's CI needs nothing but the netlings binary.

use std::path::{Path, PathBuf};

/// The body of an insta snapshot file (after its `---` header).
pub fn snapshot_body(text: &str) -> &str {
    let mut rest = text;
    if let Some(r) = rest.strip_prefix("---\n") {
        if let Some(end) = r.find("\n---\n") {
            rest = &r[end + 5..];
        }
    }
    rest
}

/// insta stores the value with one trailing newline trimmed; compare alike.
pub fn normalize(s: &str) -> &str {
    s.trim_end_matches('\n')
}

/// A unified diff of two texts, as `diff -u` prints it: 3 lines of
/// context, the two names on top even when nothing differs.
pub fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    // Lines end at LF only, so a stray CR shows up as a difference. Both
    // sides are whole lines: a missing last newline (insta trims it) is no
    // change to report.
    let whole = |s: &str| {
        if s.is_empty() || s.ends_with('\n') {
            s.to_string()
        } else {
            format!("{s}\n")
        }
    };
    let (old, new) = (whole(old), whole(new));
    let diff = similar::TextDiff::from_lines(&old, &new);
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        out.push_str(&hunk.to_string());
    }
    out
}

/// Where a lesson came from, and so where its snapshot is.
#[derive(Debug, Clone)]
pub enum Origin {
    /// Built into the binary, with the snapshot built in beside it.
    BuiltIn,
    /// A lesson file of a course.
    File(PathBuf),
}

/// The snapshot of lesson `id`: under `--snapshots DIR` if given; for a
/// lesson file, `snapshots/ID.snap` beside it if that folder exists, else
/// `ID.snap` beside it. None: the built-in snapshot.
pub fn snapshot_path(origin: &Origin, id: &str, snapshots: Option<&Path>) -> Option<PathBuf> {
    let name = format!("{id}.snap");
    if let Some(dir) = snapshots {
        return Some(dir.join(name));
    }
    let Origin::File(file) = origin else {
        return None;
    };
    let dir = file.parent().unwrap_or(Path::new("."));
    let folder = dir.join("snapshots");
    Some(if folder.is_dir() {
        folder.join(name)
    } else {
        dir.join(name)
    })
}

/// The built-in snapshot of lesson `id`.
pub fn embedded_snapshot(id: &str) -> Option<&'static str> {
    super::EMBEDDED_SNAPSHOTS
        .iter()
        .find(|(name, _)| name.strip_suffix(".snap") == Some(id))
        .map(|(_, text)| *text)
}

/// How one lesson came out.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Every check passed and the transcript is the snapshot (or, with
    /// `--accept`, became it).
    Passed { checks: usize, accepted: bool },
    /// A step's checks failed: why.
    CheckFailed(String),
    /// The transcript differs from the snapshot: the diff.
    Differs { diff: String, lines: usize },
    /// No snapshot to compare with.
    NoSnapshot(String),
    /// The lesson file does not parse: file:line: problem.
    Broken(String),
}

#[derive(Debug, Clone)]
pub struct Verdict {
    pub name: String,
    pub file: String,
    pub outcome: Outcome,
    pub seconds: f64,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        matches!(self.outcome, Outcome::Passed { .. })
    }
}

/// One line for a person (or a CI log) to read.
pub fn summary_line(v: &Verdict) -> String {
    let what = match &v.outcome {
        Outcome::Passed {
            checks,
            accepted: false,
        } => format!("passed ({checks} checks, snapshot matches)"),
        Outcome::Passed {
            checks,
            accepted: true,
        } => format!("passed ({checks} checks, snapshot written)"),
        Outcome::CheckFailed(why) => format!("failed: {why}"),
        Outcome::Differs { lines, .. } => format!(
            "snapshot differs ({lines} line{} changed)",
            if *lines == 1 { "" } else { "s" }
        ),
        Outcome::NoSnapshot(why) => format!("no snapshot: {why}"),
        Outcome::Broken(why) => format!("broken lesson file: {why}"),
    };
    let mark = if v.passed() { "✔" } else { "✘" };
    format!("{mark} {} {what} in {:.1} s", v.name, v.seconds)
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 has no other control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The JUnit XML that CI systems (GitLab, Jenkins, GitHub actions with a
/// reporter) show: one testcase per lesson; a broken file is an error.
pub fn junit(verdicts: &[Verdict]) -> String {
    let failures = verdicts
        .iter()
        .filter(|v| !v.passed() && !matches!(v.outcome, Outcome::Broken(_)))
        .count();
    let errors = verdicts
        .iter()
        .filter(|v| matches!(v.outcome, Outcome::Broken(_)))
        .count();
    let total: f64 = verdicts.iter().map(|v| v.seconds).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"netlings lesson verify\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{total:.3}\">\n",
        verdicts.len()
    ));
    out.push_str(&format!(
        "  <testsuite name=\"lessons\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{total:.3}\">\n",
        verdicts.len()
    ));
    for v in verdicts {
        out.push_str(&format!(
            "    <testcase classname=\"lessons\" name=\"{}\" file=\"{}\" time=\"{:.3}\"",
            xml(&v.name),
            xml(&v.file),
            v.seconds
        ));
        let (tag, message, body) = match &v.outcome {
            Outcome::Passed { .. } => {
                out.push_str("/>\n");
                continue;
            }
            Outcome::CheckFailed(why) => ("failure", why.clone(), String::new()),
            Outcome::Differs { diff, .. } => (
                "failure",
                "the transcript differs from its snapshot".to_string(),
                diff.clone(),
            ),
            Outcome::NoSnapshot(why) => ("failure", format!("no snapshot: {why}"), String::new()),
            Outcome::Broken(why) => ("error", why.clone(), String::new()),
        };
        out.push_str(&format!(
            ">\n      <{tag} message=\"{}\">{}</{tag}>\n    </testcase>\n",
            xml(&message),
            xml(&body)
        ));
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// The Test Anything Protocol, version 13: a plan, one line per lesson,
/// and a YAML block saying why for the ones that failed.
pub fn tap(verdicts: &[Verdict]) -> String {
    let mut out = format!("TAP version 13\n1..{}\n", verdicts.len());
    for (i, v) in verdicts.iter().enumerate() {
        let n = i + 1;
        if v.passed() {
            out.push_str(&format!("ok {n} - {}\n", v.name));
            continue;
        }
        out.push_str(&format!("not ok {n} - {}\n  ---\n", v.name));
        let line = summary_line(v);
        out.push_str(&format!("  message: {:?}\n", line.trim_start_matches("✘ ")));
        out.push_str(&format!("  file: {:?}\n", v.file));
        if let Outcome::Differs { diff, .. } = &v.outcome {
            out.push_str("  diff: |\n");
            for l in diff.lines() {
                out.push_str(&format!("    {l}\n"));
            }
        }
        out.push_str("  ...\n");
    }
    out
}

/// Lines a unified diff changes (its `+` and `-` lines, headers aside).
fn changed_lines(diff: &str) -> usize {
    diff.lines()
        .skip(2)
        .filter(|l| l.starts_with('+') || l.starts_with('-'))
        .count()
}

/// What `lesson verify` was asked.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    pub snapshots: Option<PathBuf>,
    pub accept: bool,
    pub format: Option<String>,
    pub report: Option<PathBuf>,
    pub jobs: Option<usize>,
}

/// One lesson to verify: parsed, or the parse error.
struct Item {
    origin: Origin,
    file: String,
    lesson: Result<super::format::Lesson, String>,
}

/// The lessons a list of paths names: files, or every `*.md` in folders.
fn collect(paths: &[PathBuf]) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    if paths.is_empty() {
        let lessons = super::all().map_err(|e| e.to_string())?;
        for l in lessons {
            items.push(Item {
                origin: Origin::BuiltIn,
                file: format!("lessons/{}", l.id),
                lesson: Ok(l),
            });
        }
        return Ok(items);
    }
    for path in paths {
        let files: Vec<PathBuf> = if path.is_dir() {
            super::folder_lessons(path)?
        } else if path.is_file() {
            vec![path.clone()]
        } else if let Some(l) = super::all()
            .ok()
            .and_then(|all| all.into_iter().find(|l| Path::new(&l.id) == path))
        {
            // A built-in lesson by name.
            items.push(Item {
                origin: Origin::BuiltIn,
                file: format!("lessons/{}", l.id),
                lesson: Ok(l),
            });
            continue;
        } else {
            return Err(format!(
                "{}: no such lesson file, folder or built-in lesson",
                path.display()
            ));
        };
        for file in files {
            let name = file.display().to_string();
            let lesson = std::fs::read_to_string(&file)
                .map_err(|e| format!("{name}: {e}"))
                .and_then(|text| super::format::parse(&name, &text).map_err(|e| e.to_string()));
            items.push(Item {
                origin: Origin::File(file),
                file: name,
                lesson,
            });
        }
    }
    Ok(items)
}

/// A lab name for the i-th lesson of this run: unique even when two
/// courses have a lesson of the same name.
fn lab_name(id: &str, i: usize) -> String {
    let id: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(32)
        .collect();
    format!("verify-{id}-{}-{i}", std::process::id())
}

/// Runs one lesson and compares (or accepts) its snapshot.
fn verify_one(item: &Item, index: usize, opts: &Options) -> (Outcome, Option<String>) {
    let lesson = match &item.lesson {
        Ok(l) => l,
        Err(why) => return (Outcome::Broken(why.clone()), None),
    };
    let path = snapshot_path(&item.origin, &lesson.id, opts.snapshots.as_deref());
    let expected: Option<String> = match &path {
        Some(p) => std::fs::read_to_string(p).ok(),
        None => embedded_snapshot(&lesson.id).map(str::to_string),
    };
    let actual = match super::runner::transcript(lesson, Some(&lab_name(&lesson.id, index))) {
        Ok(t) => t,
        Err((_, why)) => return (Outcome::CheckFailed(why), None),
    };
    let checks = lesson.steps.iter().map(|s| s.checks.len()).sum();
    let got = normalize(&actual);
    let where_ = path.as_ref().map_or_else(
        || format!("built-in {}.snap", lesson.id),
        |p| p.display().to_string(),
    );
    match (&expected, opts.accept) {
        (Some(text), _) if normalize(snapshot_body(text)) == got => (
            Outcome::Passed {
                checks,
                accepted: false,
            },
            None,
        ),
        (_, true) => {
            let Some(p) = &path else {
                return (
                    Outcome::NoSnapshot(
                        "--accept needs --snapshots DIR for the built-in lessons".into(),
                    ),
                    None,
                );
            };
            // Keep a header that is there (insta's), else write a plain one.
            let header = expected
                .as_deref()
                .and_then(|t| t.strip_prefix("---\n"))
                .and_then(|r| r.find("\n---\n").map(|end| &r[..end]))
                .map_or_else(
                    || "---\nsource: netlings lesson verify\n---\n".to_string(),
                    |h| format!("---\n{h}\n---\n"),
                );
            let diff = expected
                .as_deref()
                .map(|t| unified_diff(normalize(snapshot_body(t)), got, &where_, "this run"));
            match std::fs::write(p, format!("{header}{got}\n")) {
                Ok(()) => (
                    Outcome::Passed {
                        checks,
                        accepted: true,
                    },
                    diff,
                ),
                Err(e) => (
                    Outcome::NoSnapshot(format!("cannot write {where_}: {e}")),
                    diff,
                ),
            }
        }
        (Some(text), false) => {
            let diff = unified_diff(normalize(snapshot_body(text)), got, &where_, "this run");
            let lines = changed_lines(&diff);
            (Outcome::Differs { diff, lines }, None)
        }
        (None, false) => (
            Outcome::NoSnapshot(format!("{where_} does not exist (--accept writes it)")),
            None,
        ),
    }
}

/// `lesson verify`: every lesson in its own lab, `jobs` at a time; prints
/// a line per lesson (and diffs), writes a JUnit or TAP report if asked.
/// Exit 0: all hold; 1: something differs or fails; 2: a broken lesson
/// file (or bad arguments).
pub fn verify(opts: &Options) -> i32 {
    let format = match opts.format.as_deref() {
        None | Some("human") => None,
        Some(f @ ("junit" | "tap")) => Some(f),
        Some(other) => {
            eprintln!("--format {other}: use human, junit or tap");
            return 2;
        }
    };
    let items = match collect(&opts.paths) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    let jobs = opts
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1);
    // Workers take the next lesson; results are printed in order, each as
    // soon as it and those before it are done.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel();
    let verdicts = std::thread::scope(|scope| {
        for _ in 0..jobs.min(items.len()) {
            let tx = tx.clone();
            let (next, items) = (&next, &items);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(item) = items.get(i) else { break };
                let started = std::time::Instant::now();
                let (outcome, shown) = verify_one(item, i, opts);
                let name = item
                    .lesson
                    .as_ref()
                    .map_or_else(|_| item.file.clone(), |l| l.id.clone());
                let verdict = Verdict {
                    name,
                    file: item.file.clone(),
                    outcome,
                    seconds: started.elapsed().as_secs_f64(),
                };
                let _ = tx.send((i, verdict, shown));
            });
        }
        drop(tx);
        let mut done: Vec<Option<(Verdict, Option<String>)>> = vec![None; items.len()];
        let mut printed = 0;
        for (i, verdict, shown) in rx {
            done[i] = Some((verdict, shown));
            while let Some(Some((v, shown))) = done.get(printed) {
                println!("{}", summary_line(v));
                if let Outcome::Differs { diff, .. } = &v.outcome {
                    print!("{diff}");
                }
                if let Some(d) = shown {
                    print!("{d}");
                }
                printed += 1;
            }
        }
        done.into_iter()
            .flatten()
            .map(|(v, _)| v)
            .collect::<Vec<_>>()
    });
    let failed = verdicts.iter().filter(|v| !v.passed()).count();
    let lessons = |n: usize| format!("{n} lesson{}", if n == 1 { "" } else { "s" });
    if failed == 0 {
        println!("{} verified", lessons(verdicts.len()));
    } else {
        println!(
            "{failed} of {} failed verification",
            lessons(verdicts.len())
        );
    }
    if let Some(f) = format {
        let (text, default) = match f {
            "junit" => (junit(&verdicts), "netlings-verify.xml"),
            _ => (tap(&verdicts), "netlings-verify.tap"),
        };
        let report = opts
            .report
            .clone()
            .unwrap_or_else(|| PathBuf::from(default));
        if let Err(e) = std::fs::write(&report, text) {
            eprintln!("cannot write {}: {e}", report.display());
            return 2;
        }
        println!("{f} report: {}", report.display());
    }
    if verdicts
        .iter()
        .any(|v| matches!(v.outcome, Outcome::Broken(_)))
    {
        2
    } else if failed > 0 {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(name: &str, outcome: Outcome) -> Verdict {
        Verdict {
            name: name.into(),
            file: format!("course/{name}.md"),
            outcome,
            seconds: 1.25,
        }
    }

    #[test]
    fn snapshots_are_found_beside_their_lessons() {
        let dir = std::env::temp_dir().join(format!("netlings-snapdir-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let origin = Origin::File(dir.join("01-intro.md"));
        assert_eq!(
            snapshot_path(&origin, "intro", None),
            Some(dir.join("intro.snap"))
        );
        std::fs::create_dir(dir.join("snapshots")).unwrap();
        assert_eq!(
            snapshot_path(&origin, "intro", None),
            Some(dir.join("snapshots/intro.snap"))
        );
        assert_eq!(
            snapshot_path(&origin, "intro", Some(Path::new("/x"))),
            Some(PathBuf::from("/x/intro.snap"))
        );
        assert_eq!(snapshot_path(&Origin::BuiltIn, "intro", None), None);
        assert!(embedded_snapshot("default-bridge").is_some());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn junit_and_tap_say_what_failed() {
        let v = [
            verdict(
                "ok",
                Outcome::Passed {
                    checks: 3,
                    accepted: false,
                },
            ),
            verdict(
                "changed",
                Outcome::Differs {
                    diff: "--- a\n+++ b\n@@ -1 +1 @@\n-x <y>\n+z & w\n".into(),
                    lines: 2,
                },
            ),
            verdict(
                "broken",
                Outcome::Broken("course/broken.md:3: unknown check `foo`".into()),
            ),
        ];
        let x = junit(&v);
        assert!(x.contains(r#"tests="3" failures="1" errors="1""#), "{x}");
        assert!(x.contains(
            r#"<testcase classname="lessons" name="ok" file="course/ok.md" time="1.250"/>"#
        ));
        assert!(x.contains("-x &lt;y&gt;\n+z &amp; w"), "{x}");
        assert!(
            x.contains(r#"<error message="course/broken.md:3: unknown check `foo`">"#),
            "{x}"
        );
        let t = tap(&v);
        assert!(
            t.starts_with("TAP version 13\n1..3\nok 1 - ok\nnot ok 2 - changed\n  ---\n"),
            "{t}"
        );
        assert!(t.contains("    +z & w\n"), "{t}");
        assert!(t.ends_with("not ok 3 - broken\n  ---\n  message: \"broken broken lesson file: course/broken.md:3: unknown check `foo` in 1.2 s\"\n  file: \"course/broken.md\"\n  ...\n"), "{t}");
        assert_eq!(
            summary_line(&v[1]),
            "✘ changed snapshot differs (2 lines changed) in 1.2 s"
        );
        assert_eq!(changed_lines("--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n c\n"), 2);
    }

    #[test]
    fn snapshot_header_is_skipped() {
        let snap = "---\nsource: tests/lessons.rs\nexpression: transcript\n---\n# Title\nbody\n";
        assert_eq!(snapshot_body(snap), "# Title\nbody\n");
        assert_eq!(snapshot_body("no header\n"), "no header\n");
    }

    #[test]
    fn diffs_show_changes_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nD\ne\nf\ng\nh\n";
        let d = unified_diff(old, new, "old", "new");
        assert_eq!(
            d,
            "--- old\n+++ new\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n"
        );
        assert_eq!(unified_diff("x\n", "x\n", "o", "n"), "--- o\n+++ n\n");
        let added = unified_diff("", "new line", "o", "n");
        assert_eq!(added, "--- o\n+++ n\n@@ -0,0 +1 @@\n+new line\n");
        // Two changes more than 6 lines apart are two hunks; a CR is a change.
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
        let new = "one\n2\n3\n4\n5\n6\n7\n8\n9\n10\r\n";
        assert_eq!(
            unified_diff(old, new, "o", "n"),
            "--- o\n+++ n\n@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n\
             @@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+10\r\n"
        );
    }
}
