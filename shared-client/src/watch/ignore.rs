//! What is never watched: `.git`, `node_modules`, `target`, the root's
//! `.gitignore` and `.ignore` patterns and `--ignore` globs. Ignored
//! directories get no watch at all (inotify watches are a shared, limited
//! resource), and events for ignored files are dropped.

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::overrides::OverrideBuilder;

/// Directory names skipped wherever they appear.
pub const ALWAYS_IGNORED: [&str; 3] = [".git", "node_modules", "target"];

#[derive(Debug, Clone)]
pub struct Ignores {
    root: PathBuf,
    globs: Vec<String>,
    matcher: Gitignore,
    /// Trees inside the root that are ignored too (the build output when
    /// a build command writes into the watched source).
    extra_dirs: Vec<PathBuf>,
}

impl Ignores {
    pub fn new(root: &Path, globs: &[String], extra_dirs: Vec<PathBuf>) -> Result<Self, String> {
        let mut b = GitignoreBuilder::new(root);
        for name in [".gitignore", ".ignore"] {
            let file = root.join(name);
            if file.is_file()
                && let Some(e) = b.add(&file)
            {
                return Err(format!("{}: {e}", file.display()));
            }
        }
        for glob in globs {
            b.add_line(None, glob)
                .map_err(|e| format!("--ignore {glob:?}: {e}"))?;
        }
        let matcher = b.build().map_err(|e| e.to_string())?;
        Ok(Self {
            root: root.to_path_buf(),
            globs: globs.to_vec(),
            matcher,
            extra_dirs,
        })
    }

    /// True when `path` (inside the root) is not to be watched or reported.
    pub fn ignored(&self, path: &Path, is_dir: bool) -> bool {
        let Ok(rel) = path.strip_prefix(&self.root) else {
            return true;
        };
        if rel
            .components()
            .any(|c| ALWAYS_IGNORED.iter().any(|n| c.as_os_str() == *n))
        {
            return true;
        }
        if self.extra_dirs.iter().any(|d| path.starts_with(d)) {
            return true;
        }
        !rel.as_os_str().is_empty()
            && self
                .matcher
                .matched_path_or_any_parents(rel, is_dir)
                .is_ignore()
    }

    /// Every directory under `dir` (itself included) that is not ignored,
    /// honouring nested `.gitignore`/`.ignore` files too.
    pub fn directories(&self, dir: &Path) -> Vec<PathBuf> {
        let mut overrides = OverrideBuilder::new(&self.root);
        for glob in &self.globs {
            // A leading `!` makes an override ignore what matches.
            let _ = overrides.add(&format!("!{glob}"));
        }
        let mut walk = WalkBuilder::new(dir);
        walk.hidden(false)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(false)
            .ignore(true)
            .require_git(false)
            .parents(true)
            .follow_links(false);
        if let Ok(o) = overrides.build() {
            walk.overrides(o);
        }
        let this = self.clone();
        walk.filter_entry(move |e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            is_dir && (e.depth() == 0 || !this.ignored(e.path(), true))
        });
        walk.build()
            .flatten()
            .filter(|e| e.file_type().is_some_and(|t| t.is_dir()))
            .map(|e| e.into_path())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignored_trees_are_not_walked_and_patterns_apply() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for d in [
            "src/a",
            "node_modules/x",
            ".git/objects",
            "target/debug",
            "logs",
            "cache/tmp",
        ] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join(".gitignore"), "logs/\n*.tmp\n").unwrap();
        let ig = Ignores::new(root, &["cache".into()], Vec::new()).unwrap();
        let mut dirs: Vec<_> = ig
            .directories(root)
            .into_iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        dirs.sort();
        assert_eq!(dirs, vec!["", "src", "src/a"]);
        assert!(ig.ignored(&root.join("x.tmp"), false));
        assert!(ig.ignored(&root.join("node_modules/x/y.js"), false));
        assert!(ig.ignored(&root.join("cache/tmp/z"), false));
        assert!(!ig.ignored(&root.join("src/a/index.html"), false));
    }
}
