//! The crate's module structure stays layered: route modules never import
//! each other (what they share lives in `model`), and neither the
//! top-level modules nor the model's files import in a circle.
//!
//! References are read from the source text: `crate::x` (and `crate::{x,
//! y::z}`) for top-level modules, `super::x` and `crate::<dir>::x` for
//! siblings inside `routes/` and `model/`. Comment lines are skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

#[test]
fn route_modules_do_not_import_each_other() {
    let files = sources();
    let edges = sibling_graph(&files, "routes");
    let crossings: Vec<String> = edges
        .iter()
        .flat_map(|(from, tos)| tos.iter().map(move |to| format!("routes::{from} → {to}")))
        .collect();
    assert!(
        crossings.is_empty(),
        "route modules import other route modules (move the shared piece to model): {crossings:#?}"
    );
}

#[test]
fn top_level_modules_have_no_import_circle() {
    let files = sources();
    let graph = top_level_graph(&files, &declared_modules(&files));
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "import circle among top-level modules: {}",
            cycle.join(" → ")
        );
    }
}

#[test]
fn model_files_have_no_import_circle() {
    let files = sources();
    let graph = sibling_graph(&files, "model");
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import circle in model: {}", cycle.join(" → "));
    }
}

/// The checks catch what they are for: a planted sibling import, a
/// circle, and grouped `use crate::{…}` paths.
#[test]
fn the_checks_catch_planted_imports() {
    let files = vec![
        ("routes/apps.rs".into(), "use super::deployments;\n".into()),
        (
            "routes/deployments.rs".into(),
            "// use super::apps;\nuse crate::model::apps::load_app;\n".into(),
        ),
        ("routes/mod.rs".into(), "pub mod apps;\n".into()),
        (
            "model/apps.rs".into(),
            "use crate::{error, state::X};\n".into(),
        ),
        (
            "state.rs".into(),
            "fn f() { crate::model::apps::f(); }\n".into(),
        ),
        (
            "lib.rs".into(),
            "mod model;\nmod routes;\nmod state;\nmod error;\n".into(),
        ),
    ];
    let routes = sibling_graph(&files, "routes");
    assert_eq!(routes["apps"], BTreeSet::from(["deployments".to_string()]));
    assert!(!routes.contains_key("deployments"), "comments are skipped");
    let top = top_level_graph(&files, &declared_modules(&files));
    assert_eq!(
        find_cycle(&top),
        Some(vec!["model".into(), "state".into(), "model".into()])
    );
    assert_eq!(find_cycle(&sibling_graph(&files, "model")), None);
}

/// Every `.rs` file under `src/`, as (path relative to `src/`, text).
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("src is readable") {
            let path: PathBuf = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).expect("under src");
                let rel = rel.to_string_lossy().replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&path).expect("UTF-8 source")));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    assert!(out.len() > 10, "found the sources under {}", root.display());
    out
}

/// The top-level modules `lib.rs` declares.
fn declared_modules(files: &[(String, String)]) -> BTreeSet<String> {
    let lib = &files.iter().find(|(p, _)| p == "lib.rs").expect("lib.rs").1;
    lib.lines()
        .filter_map(|l| {
            let l = l
                .trim()
                .trim_start_matches("pub ")
                .trim_start_matches("pub(crate) ");
            l.strip_prefix("mod ")?
                .strip_suffix(';')
                .map(str::to_string)
        })
        .collect()
}

/// Edges between top-level modules; `lib.rs` (the root) and `main.rs`
/// (another crate) are not nodes. A path to a root item (`crate::Foo`
/// that is no module) counts as a circle through the root, which
/// declares every module.
fn top_level_graph(files: &[(String, String)], modules: &BTreeSet<String>) -> Graph {
    let mut graph = Graph::new();
    for (path, text) in files {
        let Some(from) = top_module(path) else {
            continue;
        };
        let edges = graph.entry(from.clone()).or_default();
        for to in references(text, "crate::") {
            if !modules.contains(&to) {
                edges.insert("crate".into());
            } else if to != from {
                edges.insert(to);
            }
        }
    }
    let root = graph.entry("crate".into()).or_default();
    root.extend(modules.iter().cloned());
    graph
}

/// The top-level module a file belongs to; `None` for the crate roots.
fn top_module(path: &str) -> Option<String> {
    match path.split_once('/') {
        Some((dir, _)) => Some(dir.to_string()),
        None if path == "lib.rs" || path == "main.rs" => None,
        None => Some(path.trim_end_matches(".rs").to_string()),
    }
}

/// Edges between the files directly in `dir/` (its `mod.rs` excluded),
/// through `super::x` or `crate::dir::x`.
fn sibling_graph(files: &[(String, String)], dir: &str) -> Graph {
    let prefix = format!("{dir}/");
    let siblings: BTreeSet<String> = files
        .iter()
        .filter_map(|(p, _)| p.strip_prefix(&prefix))
        .filter(|rest| !rest.contains('/') && *rest != "mod.rs")
        .map(|rest| rest.trim_end_matches(".rs").to_string())
        .collect();
    let mut graph = Graph::new();
    for (path, text) in files {
        let Some(me) = path
            .strip_prefix(&prefix)
            .map(|r| r.trim_end_matches(".rs"))
        else {
            continue;
        };
        if !siblings.contains(me) {
            continue;
        }
        let mut tos = references(text, "super::");
        tos.extend(references(text, &format!("crate::{dir}::")));
        let edges = graph.entry(me.to_string()).or_default();
        edges.extend(tos.into_iter().filter(|t| t != me && siblings.contains(t)));
    }
    graph.retain(|_, tos| !tos.is_empty());
    graph
}

/// The first path segment after each `prefix` (each item of a `{…}`
/// group), outside comment lines; `prefix` must start a path.
fn references(text: &str, prefix: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        if code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| ident(c) || c == '$' || c == ':')
        {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '{' => 1,
                        '}' => -1,
                        _ => 0,
                    };
                    depth < 0
                })
                .map_or(group.len(), |(i, _)| i);
            for item in split_top(&group[..end]) {
                let name: String = item.trim().chars().take_while(|&c| ident(c)).collect();
                if !name.is_empty() && name != "self" {
                    found.insert(name);
                }
            }
        } else {
            let name: String = rest.chars().take_while(|&c| ident(c)).collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// `a, b::{c, d}, e` → `["a", "b::{c, d}", "e"]`.
fn split_top(group: &str) -> Vec<&str> {
    let (mut items, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&group[start..]);
    items
}

/// A circle in `graph` (its first node repeated at the end), if any.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}
