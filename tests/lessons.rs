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
    let out = assert_cmd::Command::cargo_bin("netlings")
        .unwrap()
        .env("NO_COLOR", "1")
        .env(
            "NETLINGS_STATE_DIR",
            std::env::temp_dir().join(format!("netlings-lesson-{id}-{}", std::process::id())),
        )
        .args(["lesson", "transcript", id])
        .output()
        .unwrap();
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
