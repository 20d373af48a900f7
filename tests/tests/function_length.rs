//! Issue 13: no function outside tests is longer than 80 lines, from its
//! `fn` line to its closing brace. Every `fn` item (free, in an impl, a
//! trait's default body, nested) in the workspace crates' `src/` is
//! measured; modules and items under `#[cfg(test)]` or `#[test]` are not.

use std::path::{Path, PathBuf};

use proc_macro2::Span;
use syn::visit::{self, Visit};

const MAX_LINES: usize = 80;

#[test]
fn no_function_outside_tests_is_longer_than_80_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for member in std::fs::read_dir(root).unwrap() {
        let src = member.unwrap().path().join("src");
        if src.parent().unwrap().join("Cargo.toml").is_file() && src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    files.sort();
    assert!(files.len() > 20, "found only {files:?} under {root:?}");

    let mut long = Vec::new();
    for file in &files {
        let rel = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(file).unwrap();
        let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let mut finder = Finder::default();
        finder.visit_file(&ast);
        for f in finder.found {
            if f.lines <= MAX_LINES {
                continue;
            }
            long.push(format!("{rel}:{} {} {} lines", f.line, f.name, f.lines));
        }
    }
    assert!(
        long.is_empty(),
        "functions longer than {MAX_LINES} lines (split them into steps):\n{}",
        long.join("\n")
    );
}

/// The `.rs` files under `dir`, leaving out `target/`, `tests/` and
/// `benches/` directories.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy();
        if path.is_dir() {
            if !matches!(name.as_ref(), "target" | "tests" | "benches") {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

struct Found {
    name: String,
    line: usize,
    lines: usize,
}

/// Collects every function with a body, named `Type::name` inside an impl
/// or trait, skipping whatever is compiled for tests only.
#[derive(Default)]
struct Finder {
    owner: Vec<String>,
    found: Vec<Found>,
}

impl Finder {
    fn record(&mut self, ident: &syn::Ident, fn_token: Span, block: &syn::Block) {
        let name = match self.owner.last() {
            Some(owner) => format!("{owner}::{ident}"),
            None => ident.to_string(),
        };
        let line = fn_token.start().line;
        let end = block.brace_token.span.close().end().line;
        self.found.push(Found {
            name,
            line,
            lines: end - line + 1,
        });
    }
}

/// `#[cfg(test)]` (or a `cfg` that needs `test`), or `#[test]`.
fn for_tests(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        if a.path().is_ident("test") {
            return true;
        }
        let syn::Meta::List(list) = &a.meta else {
            return false;
        };
        let tokens = list.tokens.to_string();
        let words: Vec<&str> = tokens
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .collect();
        a.path().is_ident("cfg") && words.contains(&"test") && !words.contains(&"not")
    })
}

fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        syn::Type::Reference(r) => type_name(&r.elem),
        _ => "_".into(),
    }
}

impl<'ast> Visit<'ast> for Finder {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !for_tests(&m.attrs) {
            visit::visit_item_mod(self, m);
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if for_tests(&f.attrs) {
            return;
        }
        self.record(&f.sig.ident, f.sig.fn_token.span, &f.block);
        self.owner.push(f.sig.ident.to_string());
        visit::visit_item_fn(self, f);
        self.owner.pop();
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if for_tests(&i.attrs) {
            return;
        }
        self.owner.push(type_name(&i.self_ty));
        visit::visit_item_impl(self, i);
        self.owner.pop();
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if for_tests(&f.attrs) {
            return;
        }
        self.record(&f.sig.ident, f.sig.fn_token.span, &f.block);
        visit::visit_impl_item_fn(self, f);
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        if for_tests(&t.attrs) {
            return;
        }
        self.owner.push(t.ident.to_string());
        visit::visit_item_trait(self, t);
        self.owner.pop();
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if for_tests(&f.attrs) {
            return;
        }
        if let Some(block) = &f.default {
            self.record(&f.sig.ident, f.sig.fn_token.span, block);
        }
        visit::visit_trait_item_fn(self, f);
    }
}
