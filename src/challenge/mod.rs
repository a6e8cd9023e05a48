//! Challenges: a goal, a starting lab (broken on purpose, perhaps), and
//! checks that say, after every command the learner types, which parts of
//! the goal hold. Hints in order, a reference solution, and `verify`,
//! which proves each challenge's checks fail at the start and hold after
//! the solution.

pub mod format;
pub mod lint;
pub mod play;

use format::Challenge;

/// Every built-in challenge (the files of `challenges/`, built in), in
/// course order (their leading number, then name).
pub fn all() -> Result<Vec<Challenge>, crate::lesson::format::ParseError> {
    let mut files: Vec<&(&str, &str)> = crate::lesson::EMBEDDED_CHALLENGES.iter().collect();
    files.sort_by_key(|(name, _)| crate::lesson::order_key(name));
    files
        .into_iter()
        .map(|(name, text)| format::parse(&format!("challenges/{name}"), text))
        .collect()
}

/// A challenge by id, or from a file (`*.md`).
pub fn find(name: &str) -> Result<Challenge, String> {
    let path = std::path::Path::new(name);
    if name.ends_with(".md") && path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
        return format::parse(name, &text).map_err(|e| e.to_string());
    }
    let all = all().map_err(|e| e.to_string())?;
    let ids: Vec<String> = all.iter().map(|c| c.id.clone()).collect();
    all.into_iter().find(|c| c.id == name).ok_or_else(|| {
        format!(
            "no challenge named {name:?}; challenges are: {}",
            ids.join(", ")
        )
    })
}

/// The progress file's name for a solved challenge (lessons are listed by
/// their id alone).
pub fn progress_key(id: &str) -> String {
    format!("challenge/{id}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_built_in_challenges_parse() {
        let all = super::all().unwrap();
        assert!(all.len() >= 6, "{} challenges", all.len());
        assert_eq!(all.len(), crate::lesson::EMBEDDED_CHALLENGES.len());
    }
}
