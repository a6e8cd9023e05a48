//! `lesson verify`: runs lessons unattended and compares each transcript with
//! its snapshot in snapshots/, printing a unified diff on a mismatch.

use std::path::Path;

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

/// A unified diff of two texts (longest common subsequence, 3 lines of context).
pub fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    // Split on LF only, so that a stray CR shows up as a difference.
    let a: Vec<&str> = old.split_terminator('\n').collect();
    let b: Vec<&str> = new.split_terminator('\n').collect();
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // Edit script: (tag, old index, new index).
    let mut ops = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((' ', i, j));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Deletions first, as diff(1) prints them.
            ops.push(('-', i, j));
            i += 1;
        } else {
            ops.push(('+', i, j));
            j += 1;
        }
    }
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != ' ').collect();
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(3);
        let mut end = (changed[k] + 4).min(ops.len());
        while k + 1 < changed.len() && changed[k + 1] < end + 3 {
            k += 1;
            end = (changed[k] + 4).min(ops.len());
        }
        let old_start = ops[start].1 + 1;
        let new_start = ops[start].2 + 1;
        let old_len = ops[start..end].iter().filter(|o| o.0 != '+').count();
        let new_len = ops[start..end].iter().filter(|o| o.0 != '-').count();
        out.push_str(&format!(
            "@@ -{old_start},{old_len} +{new_start},{new_len} @@\n"
        ));
        for &(tag, oi, nj) in &ops[start..end] {
            let line = if tag == '+' { b[nj] } else { a[oi] };
            out.push_str(&format!("{tag}{line}\n"));
        }
        k += 1;
    }
    out
}

/// Verifies lessons against `snapshots/<id>.snap` under `dir`.
pub fn verify(lessons: &[super::format::Lesson], dir: &Path) -> i32 {
    let mut failed = 0;
    for lesson in lessons {
        let path = dir.join(format!("{}.snap", lesson.id));
        let expected = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                println!("✘ {}: no snapshot at {} ({e})", lesson.id, path.display());
                failed += 1;
                continue;
            }
        };
        match super::runner::transcript(lesson) {
            Err((_, why)) => {
                println!("✘ {why}");
                failed += 1;
            }
            Ok(actual) => {
                let want = normalize(snapshot_body(&expected));
                let got = normalize(&actual);
                if want == got {
                    println!("✔ {} matches {}", lesson.id, path.display());
                } else {
                    println!("✘ {} differs from {}:", lesson.id, path.display());
                    print!(
                        "{}",
                        unified_diff(want, got, &path.display().to_string(), "this run")
                    );
                    failed += 1;
                }
            }
        }
    }
    if failed > 0 {
        println!("{failed} of {} lessons failed verification", lessons.len());
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let added = unified_diff("", "new line\n", "o", "n");
        assert!(added.ends_with("+new line\n"), "{added}");
    }
}
