//! Every lesson runs end to end in its own deterministic lab, all checks
//! passing, and prints exactly what its snapshot in snapshots/ says.
//! `cargo insta review` accepts an intended change.

mod common;

const LESSONS: &[&str] = &[
    "default-bridge",
    "user-network-dns",
    "private-gateway",
    "port-mapping",
    "legacy-links",
];

fn transcript(id: &str) -> String {
    common::require_namespaces();
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
    assert!(
        out.status.success(),
        "lesson {id} failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn check(id: &str) {
    let text = transcript(id);
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(id, text);
    });
}

#[test]
fn every_lesson_file_has_a_test() {
    let mut files: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/lessons"))
        .unwrap()
        .flatten()
        .map(|e| {
            e.file_name()
                .to_string_lossy()
                .trim_end_matches(".md")
                .trim_start_matches(|c: char| c.is_ascii_digit() || c == '-')
                .to_string()
        })
        .collect();
    files.sort();
    let mut known: Vec<String> = LESSONS.iter().map(|s| s.to_string()).collect();
    known.sort();
    assert_eq!(files, known);
}

#[test]
fn lesson_default_bridge() {
    check("default-bridge");
}

#[test]
fn lesson_user_network_dns() {
    check("user-network-dns");
}

#[test]
fn lesson_private_gateway() {
    check("private-gateway");
}

#[test]
fn lesson_port_mapping() {
    check("port-mapping");
}

#[test]
fn lesson_legacy_links() {
    check("legacy-links");
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
