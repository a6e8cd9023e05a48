//! The crate's layering: the `use crate::` edges between top-level modules
//! form no cycle (src/lib.rs describes the layers). No root needed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// module -> modules it names with `crate::`.
fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let rel = path
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .to_string();
            let top = rel
                .split('/')
                .next()
                .unwrap()
                .trim_end_matches(".rs")
                .to_string();
            if top == "lib" || top == "main" {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a source file");
            let targets = out.entry(top.clone()).or_default();
            for (i, _) in text.match_indices("crate::") {
                let name: String = text[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != top {
                    targets.insert(name);
                }
            }
        }
    }
    out
}

/// A cycle through `node`, if there is one, as the path that closes it.
fn cycle(
    graph: &BTreeMap<String, BTreeSet<String>>,
    node: &str,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if let Some(at) = path.iter().position(|n| n == node) {
        let mut c = path[at..].to_vec();
        c.push(node.to_string());
        return Some(c);
    }
    if done.contains(node) {
        return None;
    }
    path.push(node.to_string());
    for next in graph.get(node).into_iter().flatten() {
        if let Some(c) = cycle(graph, next, path, done) {
            return Some(c);
        }
    }
    path.pop();
    done.insert(node.to_string());
    None
}

#[test]
fn modules_depend_on_each_other_without_cycles() {
    let graph = edges();
    assert!(graph.len() > 10, "found the modules: {graph:?}");
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(c) = cycle(&graph, node, &mut Vec::new(), &mut done) {
            panic!("modules in a cycle: {}", c.join(" -> "));
        }
    }
}

#[test]
fn the_system_layer_uses_only_pure_leaves() {
    let graph = edges();
    let allowed: BTreeSet<&str> = ["rootfs", "stats", "gotext"].into();
    for m in &graph["sys"] {
        assert!(allowed.contains(m.as_str()), "sys uses {m}");
    }
    for leaf in allowed {
        assert!(
            graph
                .get(leaf)
                .is_none_or(|t| t.is_subset(&["gotext".to_string()].into())),
            "{leaf} is a leaf but uses {:?}",
            graph[leaf]
        );
    }
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    g.entry("c".into()).or_default().insert("a".into());
    let found = cycle(&g, "a", &mut Vec::new(), &mut BTreeSet::new());
    assert_eq!(
        found,
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}
