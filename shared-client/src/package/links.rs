//! The one rule for names and links in an archive, shared by the packer
//! (which must not produce what the platform refuses) and the sandbox
//! (which must not accept what an extractor would write outside its root).
//!
//! Checking each link on its own, lexically, is not enough: with `sub/up ->
//! ..`, the link `esc -> sub/up/..` looks contained but resolves above the
//! root, and a file `esc/pwned.txt` then lands outside it. A [`LinkTable`]
//! remembers the symlinks seen so far, in archive order, and:
//!
//! - refuses an entry whose path passes through a known symlink, or that
//!   would be written onto one (an extractor follows or replaces it);
//! - resolves every symlink's target through the links already seen,
//!   expanding them like the kernel does (at most [`MAX_LINK_HOPS`] hops),
//!   and refuses targets that are absolute or leave the root;
//! - refuses hard links whose target is absolute, contains `..`, passes
//!   through a symlink or is one (linking to a symlink copies its target
//!   into another directory, where it may mean something else);
//! - at the end ([`LinkTable::finish`]) checks every symlink again against
//!   the complete table, since a link defined later changes what an earlier
//!   link's target means.
//!
//! Names are compared after normalisation: `./a/b/` and `a/b` are the same
//! path. Names and link targets are capped at [`MAX_PATH_BYTES`] bytes and
//! each component at [`MAX_COMPONENT_BYTES`] (Linux's `PATH_MAX` and
//! `NAME_MAX`): longer ones cannot be extracted on Linux anyway.
//!
//! The table's memory and the work of resolving links are bounded
//! ([`MAX_TABLE_BYTES`], [`MAX_RESOLVE_STEPS`]), so a hostile archive of
//! millions of links costs a refusal, not the server's memory or minutes
//! of CPU.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::{Component, Path};

/// Longest entry name or link target, in bytes (Linux `PATH_MAX`).
pub const MAX_PATH_BYTES: usize = 4096;
/// Longest component of a name or link target, in bytes (Linux `NAME_MAX`).
pub const MAX_COMPONENT_BYTES: usize = 255;
/// Symlinks followed while resolving one target before it counts as a loop
/// (Linux's `ELOOP` limit).
pub const MAX_LINK_HOPS: u32 = 40;
/// Memory the table may account for (names, targets and per-node overhead).
pub const MAX_TABLE_BYTES: usize = 64 << 20;
/// Path components the table may walk, in total, resolving the links of one
/// archive. A real site needs a few per link; a hostile chain of long links
/// would otherwise cost minutes.
pub const MAX_RESOLVE_STEPS: u64 = 1 << 25;

/// Bytes accounted per trie node on top of its name: the node, its map
/// entry in the parent and the allocations behind both. Measured: a chain of
/// single-child nodes costs about 450 bytes per node (a hash map's smallest
/// table holds four entries).
const NODE_OVERHEAD: usize = 448;
/// Characters of a name kept in an error message.
const SHOWN_CHARS: usize = 120;

/// What an entry is, as far as the rule cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkEntry<'a> {
    Dir,
    /// A regular file, or anything else that is not a directory or a link.
    File,
    Symlink {
        target: &'a [u8],
    },
    HardLink {
        target: &'a [u8],
    },
}

/// Which name a length or syntax problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameField {
    Name,
    SymlinkTarget,
    HardLinkTarget,
}

impl std::fmt::Display for NameField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NameField::Name => "name",
            NameField::SymlinkTarget => "symlink target",
            NameField::HardLinkTarget => "hard link target",
        })
    }
}

/// Why the rule refuses an entry. Names in it are short excerpts, safe to
/// show (control characters escaped).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    #[error("its {0} is absolute; names in an artifact must be relative to the site root")]
    Absolute(NameField),
    #[error("its {0} contains a `..` component; it must stay below the site root")]
    ParentDir(NameField),
    #[error("its {0} is empty")]
    Empty(NameField),
    #[error("its {0} contains a NUL byte")]
    Nul(NameField),
    #[error("its {field} is {len} bytes long, over the {MAX_PATH_BYTES}-byte limit")]
    TooLong { field: NameField, len: usize },
    #[error(
        "its {field} has a {len}-byte component, over the {MAX_COMPONENT_BYTES}-byte limit per component"
    )]
    ComponentTooLong { field: NameField, len: usize },
    #[error(
        "it passes through `{link}`, a symlink earlier in the archive, so an extractor would write wherever that link points"
    )]
    ThroughSymlink { link: String },
    #[error(
        "it would replace `{link}`, a symlink earlier in the archive; each path may appear once"
    )]
    OntoSymlink { link: String },
    #[error("it is a symlink at the site root itself")]
    RootSymlink,
    #[error("symlink target `{target}` resolves outside the site root{}", via_text(.via))]
    Escapes { target: String, via: Option<String> },
    #[error(
        "resolving symlink target `{target}` follows more than {MAX_LINK_HOPS} symlinks (a loop?)"
    )]
    Loop { target: String },
    #[error(
        "it is a hard link to `{target}`, which is a symlink; hard-link the file the symlink points to instead"
    )]
    HardLinkToSymlink { target: String },
    #[error(
        "the archive's symlinks take more than the {MAX_TABLE_BYTES}-byte budget for checking them"
    )]
    TableFull,
    #[error(
        "the archive's symlinks take more than {MAX_RESOLVE_STEPS} steps to resolve; flatten the chains of links"
    )]
    TooComplex,
}

fn via_text(via: &Option<String>) -> String {
    match via {
        Some(link) => format!(" (through the symlink `{link}`)"),
        None => String::new(),
    }
}

/// The symlinks seen so far in one archive, as a tree of path components.
#[derive(Debug, Default)]
pub struct LinkTable {
    root: Node,
    bytes: usize,
    links: usize,
    steps: Cell<u64>,
}

#[derive(Debug, Default)]
struct Node {
    children: HashMap<Vec<u8>, Node>,
    /// Set when this path is a symlink: its raw target.
    link: Option<Vec<u8>>,
}

impl LinkTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of symlinks recorded.
    pub fn symlinks(&self) -> usize {
        self.links
    }

    /// Checks the next entry of the archive (`path` as stored, `/`-separated)
    /// and records it if it is a symlink.
    pub fn check(&mut self, path: &[u8], entry: LinkEntry<'_>) -> Result<(), LinkError> {
        let components = parse(path, NameField::Name)?;
        if components.is_empty() && entry != LinkEntry::Dir {
            return Err(match entry {
                LinkEntry::Symlink { .. } => LinkError::RootSymlink,
                _ => LinkError::Empty(NameField::Name),
            });
        }
        self.refuse_through_symlink(&components, true)?;
        match entry {
            LinkEntry::Dir | LinkEntry::File => Ok(()),
            LinkEntry::HardLink { target } => self.check_hard_link(target),
            LinkEntry::Symlink { target } => {
                check_target_syntax(target)?;
                self.insert(&components, target)?;
                let dir = &components[..components.len() - 1];
                self.resolve(dir, target)
            }
        }
    }

    /// Checks the [`Path`] of an entry found on disk (the packer's side).
    pub fn check_path(&mut self, path: &Path, entry: LinkEntry<'_>) -> Result<(), LinkError> {
        self.check(&path_bytes(path), entry)
    }

    /// Checks every symlink again, now that the table is complete. Returns
    /// the first bad link's stored name (normalised) with the reason.
    pub fn finish(&self) -> Result<(), (Vec<u8>, LinkError)> {
        let mut dir: Vec<&[u8]> = Vec::new();
        self.finish_below(&self.root, &mut dir)
    }

    fn finish_below<'t>(
        &'t self,
        node: &'t Node,
        dir: &mut Vec<&'t [u8]>,
    ) -> Result<(), (Vec<u8>, LinkError)> {
        // Sorted, so that the first link reported does not depend on hashing.
        let mut children: Vec<(&Vec<u8>, &Node)> = node.children.iter().collect();
        children.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (name, child) in children {
            if let Some(target) = &child.link {
                self.resolve(dir, target).map_err(|e| {
                    let mut path = dir.join(&b"/"[..]);
                    if !path.is_empty() {
                        path.push(b'/');
                    }
                    path.extend_from_slice(name);
                    (path, e)
                })?;
            }
            dir.push(name);
            let below = self.finish_below(child, dir);
            dir.pop();
            below?;
        }
        Ok(())
    }

    /// Refuses `components` if a proper prefix is a known symlink, or (when
    /// `whole` is set) if the path itself is one.
    fn refuse_through_symlink(&self, components: &[&[u8]], whole: bool) -> Result<(), LinkError> {
        let mut node = &self.root;
        for (i, name) in components.iter().enumerate() {
            let Some(child) = node.children.get(*name) else {
                return Ok(());
            };
            if child.link.is_some() {
                let link = || shown(&components[..=i].join(&b"/"[..]));
                if i + 1 < components.len() {
                    return Err(LinkError::ThroughSymlink { link: link() });
                }
                if whole {
                    return Err(LinkError::OntoSymlink { link: link() });
                }
            }
            node = child;
        }
        Ok(())
    }

    fn check_hard_link(&self, target: &[u8]) -> Result<(), LinkError> {
        let components = parse(target, NameField::HardLinkTarget)?;
        if components.is_empty() {
            return Err(LinkError::Empty(NameField::HardLinkTarget));
        }
        self.refuse_through_symlink(&components, false)?;
        if self.lookup(&components).is_some_and(|n| n.link.is_some()) {
            return Err(LinkError::HardLinkToSymlink {
                target: shown(target),
            });
        }
        Ok(())
    }

    fn lookup(&self, components: &[&[u8]]) -> Option<&Node> {
        components
            .iter()
            .try_fold(&self.root, |node, name| node.children.get(*name))
    }

    fn insert(&mut self, components: &[&[u8]], target: &[u8]) -> Result<(), LinkError> {
        let mut added = target.len();
        let mut node = &mut self.root;
        for name in components {
            if !node.children.contains_key(*name) {
                added += name.len() + NODE_OVERHEAD;
            }
            node = node.children.entry(name.to_vec()).or_default();
        }
        self.bytes += added;
        if self.bytes > MAX_TABLE_BYTES {
            return Err(LinkError::TableFull);
        }
        node.link = Some(target.to_vec());
        self.links += 1;
        Ok(())
    }

    /// Resolves `target` from the directory `dir` (unresolved components
    /// from the root), expanding every known symlink on the way, including
    /// those in `dir` itself. Components not in the table are taken to be
    /// directories: what does not exist cannot redirect anything.
    fn resolve(&self, dir: &[&[u8]], target: &[u8]) -> Result<(), LinkError> {
        let escapes = |via: Option<String>| LinkError::Escapes {
            target: shown(target),
            via,
        };
        if target.starts_with(b"/") {
            return Err(escapes(None));
        }
        // Components still to walk, the next one last.
        let mut pending: Vec<&[u8]> = split(target).rev().collect();
        pending.extend(dir.iter().rev());
        // Where the walk is: the names from the root and, while it stays
        // inside the table, the node of each (None below the table).
        let mut at: Vec<(&[u8], Option<&Node>)> = Vec::new();
        let mut hops = 0u32;
        let mut via: Option<String> = None;
        while let Some(name) = pending.pop() {
            self.step()?;
            match name {
                b"" | b"." => {}
                b".." => {
                    if at.pop().is_none() {
                        return Err(escapes(via));
                    }
                }
                _ => {
                    let parent = at.last().map_or(Some(&self.root), |(_, node)| *node);
                    let node = parent.and_then(|p| p.children.get(name));
                    match node.and_then(|n| n.link.as_deref()) {
                        None => at.push((name, node)),
                        Some(link_target) => {
                            hops += 1;
                            if hops > MAX_LINK_HOPS {
                                return Err(LinkError::Loop {
                                    target: shown(target),
                                });
                            }
                            if via.is_none() {
                                let mut path: Vec<&[u8]> = at.iter().map(|(n, _)| *n).collect();
                                path.push(name);
                                via = Some(shown(&path.join(&b"/"[..])));
                            }
                            if link_target.starts_with(b"/") {
                                return Err(escapes(via));
                            }
                            // The link's target replaces it, relative to
                            // the directory the walk is in.
                            pending.extend(split(link_target).rev());
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn step(&self) -> Result<(), LinkError> {
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if steps > MAX_RESOLVE_STEPS {
            return Err(LinkError::TooComplex);
        }
        Ok(())
    }
}

fn split(path: &[u8]) -> impl DoubleEndedIterator<Item = &[u8]> {
    path.split(|&b| b == b'/')
}

/// Splits an entry name (or hard-link target) into its normal components,
/// refusing what may not appear in one.
fn parse(path: &[u8], field: NameField) -> Result<Vec<&[u8]>, LinkError> {
    check_lengths(path, field)?;
    if path.starts_with(b"/") {
        return Err(LinkError::Absolute(field));
    }
    let mut components = Vec::new();
    for name in split(path) {
        match name {
            b"" | b"." => {}
            b".." => return Err(LinkError::ParentDir(field)),
            _ => components.push(name),
        }
    }
    Ok(components)
}

fn check_target_syntax(target: &[u8]) -> Result<(), LinkError> {
    let field = NameField::SymlinkTarget;
    if target.is_empty() {
        return Err(LinkError::Empty(field));
    }
    check_lengths(target, field)
}

fn check_lengths(path: &[u8], field: NameField) -> Result<(), LinkError> {
    if path.len() > MAX_PATH_BYTES {
        return Err(LinkError::TooLong {
            field,
            len: path.len(),
        });
    }
    if path.contains(&0) {
        return Err(LinkError::Nul(field));
    }
    if let Some(long) = split(path).find(|c| c.len() > MAX_COMPONENT_BYTES) {
        return Err(LinkError::ComponentTooLong {
            field,
            len: long.len(),
        });
    }
    Ok(())
}

/// A path as an archive stores it: components joined by `/`, whatever the
/// platform's separator.
pub fn path_bytes(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for component in path.components() {
        let part: &[u8] = match component {
            Component::Prefix(p) => p.as_os_str().as_encoded_bytes(),
            Component::RootDir => {
                out.push(b'/');
                continue;
            }
            Component::CurDir => b".",
            Component::ParentDir => b"..",
            Component::Normal(name) => name.as_encoded_bytes(),
        };
        if !out.is_empty() && !out.ends_with(b"/") {
            out.push(b'/');
        }
        out.extend_from_slice(part);
    }
    out
}

/// A short, printable excerpt of a name for an error message.
pub fn shown(name: &[u8]) -> String {
    crate::excerpt::excerpt(&String::from_utf8_lossy(name), SHOWN_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(target: &str) -> LinkEntry<'_> {
        LinkEntry::Symlink {
            target: target.as_bytes(),
        }
    }

    fn table(links: &[(&str, &str)]) -> LinkTable {
        let mut t = LinkTable::new();
        for (path, target) in links {
            t.check(path.as_bytes(), sym(target))
                .unwrap_or_else(|e| panic!("{path} -> {target}: {e}"));
        }
        t
    }

    #[test]
    fn a_chain_through_an_earlier_link_escapes() {
        let mut t = table(&[("sub/up", "..")]);
        let err = t.check(b"esc", sym("sub/up/..")).unwrap_err();
        assert_eq!(
            err,
            LinkError::Escapes {
                target: "sub/up/..".into(),
                via: Some("sub/up".into())
            }
        );
        assert!(err.to_string().contains("through the symlink `sub/up`"));
    }

    #[test]
    fn contained_links_and_chains_are_accepted() {
        let mut t = table(&[
            ("latest", "v2"),
            ("v2/assets/current", "../index.html"),
            ("alias", "latest/assets"),
            ("a/b/c", "../../x/../y"),
            ("dangling", "not-there-yet"),
        ]);
        t.check(b"v2/index.html", LinkEntry::File).unwrap();
        t.finish().unwrap();
        assert_eq!(t.symlinks(), 5);
    }

    #[test]
    fn entries_through_or_onto_a_link_are_refused() {
        let mut t = table(&[("sub/up", "..")]);
        assert_eq!(
            t.check(b"sub/up/pwned.txt", LinkEntry::File),
            Err(LinkError::ThroughSymlink {
                link: "sub/up".into()
            })
        );
        // Normalised: `./sub/up/` is the same path.
        assert_eq!(
            t.check(b"./sub/up/", LinkEntry::Dir),
            Err(LinkError::OntoSymlink {
                link: "sub/up".into()
            })
        );
        assert!(matches!(
            t.check(b"sub/up", sym("x")),
            Err(LinkError::OntoSymlink { .. })
        ));
        t.check(b"sub/other", LinkEntry::File).unwrap();
    }

    #[test]
    fn hard_links_must_not_pass_through_or_be_symlinks() {
        let mut t = table(&[("dir", "."), ("sub/x", "../y")]);
        let hard = |target: &'static str| LinkEntry::HardLink {
            target: target.as_bytes(),
        };
        assert!(matches!(
            t.check(b"h1", hard("dir/secret")),
            Err(LinkError::ThroughSymlink { .. })
        ));
        assert!(matches!(
            t.check(b"h2", hard("sub/x")),
            Err(LinkError::HardLinkToSymlink { .. })
        ));
        assert_eq!(
            t.check(b"h3", hard("../x")),
            Err(LinkError::ParentDir(NameField::HardLinkTarget))
        );
        assert_eq!(
            t.check(b"h4", hard("/etc/passwd")),
            Err(LinkError::Absolute(NameField::HardLinkTarget))
        );
        t.check(b"h5", hard("./sub/file")).unwrap();
    }

    #[test]
    fn a_link_defined_later_is_caught_at_the_end() {
        // `esc` looks contained while `sub/up` does not exist yet.
        let t = table(&[("esc", "sub/up/.."), ("sub/up", "..")]);
        let (link, err) = t.finish().unwrap_err();
        assert_eq!(link, b"esc");
        assert!(matches!(err, LinkError::Escapes { .. }), "{err}");
    }

    #[test]
    fn a_link_below_a_later_link_is_resolved_through_it() {
        let t = table(&[("d/x", "y"), ("d", "sub/..")]);
        t.finish().unwrap();
        let t = table(&[("d/x", "../y"), ("d", ".")]);
        assert!(t.finish().is_err());
    }

    #[test]
    fn absolute_and_deep_escapes_are_refused() {
        let mut t = LinkTable::new();
        assert!(matches!(
            t.check(b"abs", sym("/etc/passwd")),
            Err(LinkError::Escapes { via: None, .. })
        ));
        assert!(t.check(b"a/b/c/d", sym("../../../..")).is_err());
        t.check(b"a/b/c/e", sym("../../..")).unwrap();
        // Through a link whose own target is absolute.
        let mut t = LinkTable::new();
        t.check(b"etc", sym("/etc")).unwrap_err();
    }

    #[test]
    fn loops_stop_at_the_hop_limit() {
        let mut t = LinkTable::new();
        assert!(matches!(
            t.check(b"a", sym("a")),
            Err(LinkError::Loop { .. })
        ));
        let mut t = LinkTable::new();
        t.check(b"a", sym("b")).unwrap();
        assert!(matches!(
            t.check(b"b", sym("a")),
            Err(LinkError::Loop { .. })
        ));
        assert!(matches!(t.finish(), Err((_, LinkError::Loop { .. }))));
    }

    #[test]
    fn resolving_is_bounded_by_the_step_budget() {
        // `dots` costs 2000 steps per use and each `y` uses it 40 times:
        // within the hop limit, but 80 000 steps per link.
        let mut t = LinkTable::new();
        t.check(b"dots", sym(&"./".repeat(2000))).unwrap();
        let through = "dots/".repeat(MAX_LINK_HOPS as usize);
        let mut refused = None;
        for i in 0..1000 {
            if let Err(e) = t.check(format!("y{i}").as_bytes(), sym(&through)) {
                refused = Some((i, e));
                break;
            }
        }
        let (i, err) = refused.expect("the budget must run out");
        assert_eq!(err, LinkError::TooComplex);
        assert!(i > 100, "a few hundred such links are still checked");
    }

    #[test]
    fn many_simple_links_fit_the_budgets() {
        let mut t = LinkTable::new();
        for i in 0..50_000 {
            let path = format!("pages/p{i}/latest");
            t.check(path.as_bytes(), sym("v1/index.html")).unwrap();
        }
        t.finish().unwrap();
    }

    #[test]
    fn names_are_capped() {
        let mut t = LinkTable::new();
        let long_component = "c".repeat(256);
        assert_eq!(
            t.check(long_component.as_bytes(), LinkEntry::File),
            Err(LinkError::ComponentTooLong {
                field: NameField::Name,
                len: 256
            })
        );
        let long_path = "d/".repeat(2049);
        assert!(matches!(
            t.check(long_path.as_bytes(), LinkEntry::File),
            Err(LinkError::TooLong { len: 4098, .. })
        ));
        assert!(matches!(
            t.check(b"l", sym(&long_component)),
            Err(LinkError::ComponentTooLong {
                field: NameField::SymlinkTarget,
                ..
            })
        ));
        assert_eq!(
            t.check(b"a\0b", LinkEntry::File),
            Err(LinkError::Nul(NameField::Name))
        );
        t.check("c".repeat(255).as_bytes(), LinkEntry::File)
            .unwrap();
    }

    #[test]
    fn root_entries() {
        let mut t = LinkTable::new();
        t.check(b"./", LinkEntry::Dir).unwrap();
        assert_eq!(t.check(b".", sym("x")), Err(LinkError::RootSymlink));
        assert_eq!(
            t.check(b"", LinkEntry::File),
            Err(LinkError::Empty(NameField::Name))
        );
        assert_eq!(
            t.check(b"../x", LinkEntry::File),
            Err(LinkError::ParentDir(NameField::Name))
        );
    }

    #[test]
    fn paths_from_disk_use_slashes() {
        assert_eq!(path_bytes(Path::new("./a/b")), b"./a/b");
        assert_eq!(path_bytes(Path::new("/etc")), b"/etc");
        assert_eq!(path_bytes(Path::new("../x")), b"../x");
    }

    #[test]
    fn shown_names_are_short_and_printable() {
        let long = "x".repeat(60_000);
        assert_eq!(shown(long.as_bytes()).chars().count(), SHOWN_CHARS + 1);
        assert_eq!(shown(b"a\nb"), "a\\nb");
    }
}
