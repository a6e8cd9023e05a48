//! Every lesson runs end to end in its own deterministic lab, all checks
//! passing, and prints exactly what its snapshot in snapshots/ says. The
//! lessons are the files of lessons/: adding one is all it takes.
//! `cargo insta review` accepts an intended change.

mod common;

use netlings::lesson::{format::lesson_id, order_key};

/// The lesson ids, from the files in lessons/, in course order.
fn lesson_ids() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/lessons"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    files.sort_by_key(|n| order_key(n));
    files.iter().map(|f| lesson_id(f)).collect()
}

/// The lesson's transcript, or why it did not run to the end.
fn transcript(id: &str) -> Result<String, String> {
    let state_dir =
        std::env::temp_dir().join(format!("netlings-lesson-{id}-{}", std::process::id()));
    let out = assert_cmd::Command::cargo_bin("netlings")
        .unwrap()
        .env("NO_COLOR", "1")
        .env("NETLINGS_STATE_DIR", &state_dir)
        .args(["lesson", "transcript", id])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&state_dir);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!("{text}\n{}", String::from_utf8_lossy(&out.stderr)))
    }
}

#[test]
fn every_lesson_runs_and_matches_its_snapshot() {
    common::require_namespaces();
    let ids = lesson_ids();
    assert!(!ids.is_empty(), "no lessons in lessons/");
    // Each lesson in its own lab, all at once; then each compared in turn,
    // so every failing lesson is reported, not only the first.
    let runs: Vec<_> = ids
        .iter()
        .map(|id| {
            let id = id.clone();
            std::thread::spawn(move || transcript(&id))
        })
        .collect();
    let mut failed = Vec::new();
    for (id, run) in ids.iter().zip(runs) {
        let text = match run.join().unwrap() {
            Ok(t) => t,
            Err(why) => {
                eprintln!("lesson {id} failed:\n{why}");
                failed.push(format!("{id} (a step failed)"));
                continue;
            }
        };
        let compared = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            insta::with_settings!({
                snapshot_path => "../snapshots",
                prepend_module_to_snapshot => false,
                omit_expression => true,
            }, {
                insta::assert_snapshot!(id.as_str(), text);
            });
        }));
        if compared.is_err() {
            failed.push(format!("{id} (differs from snapshots/{id}.snap)"));
        }
    }
    assert!(failed.is_empty(), "lessons failed: {}", failed.join(", "));
}

#[test]
fn every_snapshot_has_its_lesson() {
    let ids = lesson_ids();
    for e in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(id) = name.strip_suffix(".snap") {
            assert!(
                ids.iter().any(|l| l == id),
                "snapshots/{name} has no lesson in lessons/"
            );
        }
    }
}

/// The README's table of lessons, for readers, lists the lessons of
/// lessons/ in their order.
#[test]
fn the_readme_lists_the_lessons_in_order() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = readme
        .split("| lesson | what you learn |\n")
        .nth(1)
        .expect("the README has a table of lessons");
    let listed: Vec<&str> = table
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.strip_prefix("| `")?.split('`').next())
        .collect();
    assert_eq!(listed, lesson_ids(), "README.md's table of lessons");
}

#[test]
fn verify_shows_a_diff_when_a_snapshot_was_edited() {
    common::require_namespaces();
    let dir = std::env::temp_dir().join(format!("netlings-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let snap = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/snapshots/default-bridge.snap"
    ))
    .unwrap();
    let edited = snap.replacen("172.17.0.2/16", "172.17.0.9/16", 1);
    assert_ne!(snap, edited, "the snapshot shows flappy's address");
    std::fs::write(dir.join("default-bridge.snap"), edited).unwrap();
    let out = assert_cmd::Command::cargo_bin("netlings")
        .unwrap()
        .env("NO_COLOR", "1")
        .env("NETLINGS_STATE_DIR", dir.join("state"))
        .args(["lesson", "verify", "default-bridge", "--snapshots"])
        .arg(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("✘ default-bridge snapshot differs (2 lines changed)"),
        "{text}"
    );
    assert!(
        text.contains("\n-                \"IPv4Address\": \"172.17.0.9/16\",\n+                \"IPv4Address\": \"172.17.0.2/16\",\n"),
        "{text}"
    );
    assert!(text.contains("1 of 1 lesson failed verification"), "{text}");
}

/// `lesson run` with the learner's keys on stdin (a pipe: one line each).
fn run_with_keys(args: &[&str], keys: &str) -> String {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let state_dir = std::env::temp_dir().join(format!("netlings-keys-{}-{n}", std::process::id()));
    let out = assert_cmd::Command::cargo_bin("netlings")
        .unwrap()
        .env("NO_COLOR", "1")
        .env("NETLINGS_STATE_DIR", &state_dir)
        .env("XDG_STATE_HOME", state_dir.join("progress"))
        .args(["lesson", "run"])
        .args(args)
        .write_stdin(keys)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&state_dir);
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Skipping a step that changes the lab asks first (no: the step is
/// offered again); one that only looks is skipped at once.
#[test]
fn skipping_a_step_that_builds_state_asks_first() {
    common::require_namespaces();
    let out = run_with_keys(&["user-network-dns"], "s\nn\n\ns\nq\n");
    let warning = "This step changes the lab (docker network create): later steps build on it, and their checks fail without it. Skip it anyway? [y/N]";
    assert_eq!(out.matches(warning).count(), 1, "{out}");
    // Declined: step 1 ran (its id), then step 2 (a look) was skipped.
    let step2 = out.find("── step 2/").expect(&out);
    assert!(out[..step2].contains("✔ not-contains \"Error\""), "{out}");
    assert!(!out[..step2].contains("(skipped)"), "{out}");
    assert!(out[step2..].contains("(skipped)"), "{out}");
    assert!(
        out.contains("Bye: `netlings lesson run user-network-dns --from 3` picks up here."),
        "{out}"
    );
}

/// A failed step can be run again (`r`), and the learner carries on.
#[test]
fn a_failed_step_can_be_retried() {
    common::require_namespaces();
    let dir = std::env::temp_dir().join(format!("netlings-retry-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lesson = dir.join("01-retry.md");
    std::fs::write(
        &lesson,
        "# Retry\n\nIntro.\n\n## Look for a network\n\n$ docker network inspect nowhere\n- exit 0\n\n\
         ## List\n\n$ docker network ls\n- contains \"bridge\"\n",
    )
    .unwrap();
    let out = run_with_keys(&[lesson.to_str().unwrap()], "\nr\n\n\n");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        out.matches("Error: No such network: nowhere").count(),
        2,
        "{out}"
    );
    assert_eq!(
        out.matches("[r] retry  [Enter] carry on  [q] quit > ")
            .count(),
        2,
        "{out}"
    );
    assert!(out.contains("── step 2/2: List"), "{out}");
    assert!(out.contains("Lesson retry done."), "{out}");
    assert!(
        out.contains("(Not marked as completed in `netlings lesson list`: 1 step did not pass.)"),
        "{out}"
    );
}

/// `--from N` says which steps it ran to rebuild the lab; the end of a
/// lesson points to the next one.
#[test]
fn from_n_lists_the_steps_it_ran_and_the_end_points_on() {
    common::require_namespaces();
    let out = run_with_keys(&["default-bridge", "--from", "3"], "q\n");
    assert!(
        out.contains("Steps 1 to 2 run first, without their output, to rebuild the lab:\n  ✔ 1. Start a web server with a published port\n  ✔ 2. See it running\n\n── step 3/"),
        "{out}"
    );
    let out = run_with_keys(&["default-bridge", "--auto"], "");
    assert!(
        out.ends_with("Lesson default-bridge done.\nNext: netlings lesson run user-network-dns\n"),
        "{out}"
    );
    // Quit, then picked up with --from: completed, and `lesson list` moves on.
    let state = std::env::temp_dir().join(format!("netlings-from-{}", std::process::id()));
    let netlings = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("netlings")
            .unwrap()
            .env("NO_COLOR", "1")
            .env("NETLINGS_STATE_DIR", &state)
            .env("XDG_STATE_HOME", state.join("progress"))
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let before = netlings(&["lesson", "list"]);
    let out = netlings(&["lesson", "run", "default-bridge", "--from", "16", "--auto"]);
    let after = netlings(&["lesson", "list"]);
    let _ = std::fs::remove_dir_all(&state);
    assert!(!out.contains("Not marked"), "{out}");
    assert!(
        before.contains("Start with: netlings lesson run default-bridge"),
        "{before}"
    );
    assert!(
        after
            .lines()
            .any(|l| l.starts_with("default-bridge ") && l.ends_with("done")),
        "{after}"
    );
    assert!(
        after.contains("Next: netlings lesson run user-network-dns"),
        "{after}"
    );
}
