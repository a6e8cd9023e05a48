//! Which lessons this user has completed, kept in the user's state dir.

use std::path::PathBuf;

fn file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(base.join("netlings").join("completed"))
}

pub fn completed() -> Vec<String> {
    file()
        .and_then(|f| std::fs::read_to_string(f).ok())
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

pub fn mark_done(id: &str) {
    let Some(f) = file() else {
        return;
    };
    let mut done = completed();
    if done.iter().any(|d| d == id) {
        return;
    }
    done.push(id.to_string());
    if let Some(dir) = f.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::write(f, done.join("\n") + "\n");
}
