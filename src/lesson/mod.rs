//! Lessons: the files, the step-through runner, and snapshot verification.

pub mod checks;
pub mod format;
pub mod keys;
pub mod lint;
pub mod progress;
pub mod render;
pub mod runner;
pub mod session;
pub mod topology;
pub mod verify;

include!(concat!(env!("OUT_DIR"), "/lessons.rs"));

/// Every built-in lesson (the files of `lessons/`, built in), parsed, in
/// teaching order: by the number their file name starts with (`01-...`),
/// then by name. A broken lesson file is an error naming the file and line.
pub fn all() -> Result<Vec<format::Lesson>, format::ParseError> {
    let mut files: Vec<&(&str, &str)> = EMBEDDED.iter().collect();
    files.sort_by_key(|(name, _)| order_key(name));
    files
        .into_iter()
        .map(|(name, text)| format::parse(&format!("lessons/{name}"), text))
        .collect()
}

/// Where a lesson file goes in the course: its leading number (none: after
/// every numbered one), then its name.
pub fn order_key(file_name: &str) -> (u64, String) {
    let digits: String = file_name.chars().take_while(char::is_ascii_digit).collect();
    (digits.parse().unwrap_or(u64::MAX), file_name.to_string())
}

/// The lesson files (`*.md`) of a course folder, in course order, as the
/// built-in lessons are ordered; a folder without any is an error.
pub fn folder_lessons(dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>, String> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && p.is_file())
        .collect();
    files.sort_by_key(|p| order_key(&p.file_name().unwrap_or_default().to_string_lossy()));
    if files.is_empty() {
        return Err(format!(
            "{}: no lesson files (*.md) in this folder",
            dir.display()
        ));
    }
    Ok(files)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lessons_go_by_their_number() {
        let mut names = vec!["10-ten.md", "2-two.md", "extra.md", "01-one.md", "02-a.md"];
        names.sort_by_key(|n| order_key(n));
        assert_eq!(
            names,
            ["01-one.md", "02-a.md", "2-two.md", "10-ten.md", "extra.md"]
        );
        let ids: Vec<String> = all().unwrap().into_iter().map(|l| l.id).collect();
        assert_eq!(ids.first().map(String::as_str), Some("default-bridge"));
        assert_eq!(ids.len(), EMBEDDED.len());
    }
}
