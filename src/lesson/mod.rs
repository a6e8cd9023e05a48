//! Lessons: the files, the step-through runner, and snapshot verification.

pub mod checks;
pub mod format;
pub mod keys;
pub mod progress;
pub mod render;
pub mod runner;
pub mod session;
pub mod topology;
pub mod verify;

include!(concat!(env!("OUT_DIR"), "/lessons.rs"));

/// The tutorials' order; lessons not listed here follow by name.
const ORDER: &[&str] = &[
    "default-bridge",
    "user-network-dns",
    "private-gateway",
    "port-mapping",
    "legacy-links",
];

/// Every built-in lesson, parsed, in teaching order. A broken lesson file is
/// an error naming the file and line.
pub fn all() -> Result<Vec<format::Lesson>, format::ParseError> {
    let mut lessons = EMBEDDED
        .iter()
        .map(|(name, text)| format::parse(&format!("lessons/{name}"), text))
        .collect::<Result<Vec<_>, _>>()?;
    lessons.sort_by_key(|l| {
        (
            ORDER.iter().position(|o| *o == l.id).unwrap_or(ORDER.len()),
            l.id.clone(),
        )
    });
    Ok(lessons)
}

/// A lesson by id, or from a file path (an instructor's own lesson).
pub fn find(name: &str) -> Result<format::Lesson, String> {
    let path = std::path::Path::new(name);
    if name.ends_with(".md") && path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
        return format::parse(name, &text).map_err(|e| e.to_string());
    }
    let lessons = all().map_err(|e| e.to_string())?;
    let ids: Vec<String> = lessons.iter().map(|l| l.id.clone()).collect();
    lessons
        .into_iter()
        .find(|l| l.id == name)
        .ok_or_else(|| format!("no lesson named {name:?}; lessons are: {}", ids.join(", ")))
}
