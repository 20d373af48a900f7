//! Checking a tar stream from anyone, with bounded memory: the validation
//! the sandbox applies to every upload and [`check_prebuilt`] to a user's
//! own archive, so both refuse the same things.
//!
//! The `tar` crate, left to itself, reads a GNU long name (`L`), long link
//! name (`K`) or PAX extended header (`x`) into memory whole, whatever size
//! its header declares: a 34 KB upload of a compressed multi-gigabyte long
//! name costs gigabytes. Here the entries come raw (`Entries::raw`), and
//! each extension header's declared size is checked against
//! [`MAX_EXTENSION_BYTES`] *before* its body is read; the long name, long
//! link name or PAX `path`/`linkpath` is then applied to the next real entry
//! by this module.
//!
//! PAX global headers (`g`, the first entry `git archive` writes) are
//! accepted, bounded like the others, and their records ignored: they only
//! carry defaults such as `comment` (git's commit id), mtime or charset,
//! none of which changes where an entry lands. A global header that sets
//! `path`, `linkpath`, `size` or sparse-file records would rename or
//! reshape every following entry, and is refused.
//!
//! Also refused, because extractors disagree about them or because they
//! inflate on extraction beyond what the stream carries: sparse files (GNU
//! `S` entries and PAX `GNU.sparse.*` records), a PAX `size` that disagrees
//! with the header, a GNU long name and a PAX `path` that disagree, two
//! extension headers of one kind for the same entry, and an extension
//! header with no entry after it.
//!
//! [`check_prebuilt`]: super::check_prebuilt

use std::borrow::Cow;
use std::io::{self, Read};

use tar::{EntryType, PaxExtensions};

use super::links::{LinkEntry, LinkError, LinkTable, shown};

/// Largest body of a GNU long-name or long-link entry or of a PAX header.
/// A real one holds a name of at most 4096 bytes and a few records.
pub const MAX_EXTENSION_BYTES: u64 = 64 << 10;

/// What a checked archive holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TarSummary {
    /// Entries other than extension headers.
    pub entries: u64,
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    pub hard_links: u64,
}

/// Why a tar stream was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TarProblem {
    /// Reading failed: the tar format itself, or the reader's own error
    /// (passed through unchanged, so a caller's size limit stays
    /// recognisable).
    #[error("{context}: {source}")]
    Read {
        context: &'static str,
        #[source]
        source: io::Error,
    },
    /// One entry is refused. `name` is the raw stored name (after long-name
    /// and PAX processing); show it through an excerpt.
    #[error("entry `{}` rejected: {reason}", shown(.name))]
    Entry { name: Vec<u8>, reason: EntryProblem },
    /// A long-name or PAX header was the last thing in the archive.
    #[error("the archive ends after a {0} header, with no entry for it to describe")]
    DanglingExtension(&'static str),
}

/// Why one entry is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EntryProblem {
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error(
        "its {kind} header declares {declared} bytes, over the {MAX_EXTENSION_BYTES}-byte limit for extension headers"
    )]
    ExtensionTooLarge { kind: &'static str, declared: u64 },
    #[error("it declares {declared} bytes of content, over the {limit}-byte unpacked limit")]
    OverLimit { declared: u64, limit: u64 },
    #[error("the archive ends inside it ({got} of {declared} bytes present)")]
    Truncated { got: u64, declared: u64 },
    #[error("two {0} headers describe it; an archive has at most one per entry")]
    DuplicateExtension(&'static str),
    #[error("its GNU long name and PAX `path` disagree, so extractors would disagree on its name")]
    ConflictingNames,
    #[error(
        "its GNU long link name and PAX `linkpath` disagree, so extractors would disagree on its target"
    )]
    ConflictingLinks,
    #[error("its PAX header is malformed: {0}")]
    BadPax(String),
    #[error(
        "its PAX `size` ({pax}) disagrees with its header's ({header}), so extractors would disagree on where the next entry starts"
    )]
    PaxSize { pax: String, header: u64 },
    #[error("a PAX global header sets `{0}`, which would change every following entry")]
    GlobalOverride(String),
    #[error(
        "it is a sparse file, which expands on extraction beyond what the archive holds; pack without `--sparse`"
    )]
    Sparse,
    #[error("it is a {0}, which an artifact may not contain; remove it from the directory")]
    Special(&'static str),
    #[error("it has the unsupported tar entry type {0:?}")]
    Unsupported(char),
    #[error("{kind} entry has no target")]
    NoTarget { kind: &'static str },
}

/// Long names and PAX records waiting for the entry they describe.
#[derive(Default)]
struct Pending {
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
    pax: Option<Vec<u8>>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.long_name.is_none() && self.long_link.is_none() && self.pax.is_none()
    }

    fn first_kind(&self) -> &'static str {
        if self.pax.is_some() {
            "PAX extended"
        } else if self.long_link.is_some() {
            "GNU long link name"
        } else {
            "GNU long name"
        }
    }
}

/// Checks every entry of the tar stream `reader` against the name and link
/// rule ([`LinkTable`]) and the limits above, reading each body through to
/// the end (so `reader` can count the unpacked bytes). `max_entry_bytes`
/// refuses an entry whose header declares more before reading any of it.
///
/// Stops at the end-of-archive block; whatever follows is still unread.
pub fn check_tar<R: Read>(
    reader: R,
    max_entry_bytes: Option<u64>,
) -> Result<TarSummary, TarProblem> {
    let mut archive = tar::Archive::new(reader);
    let entries = archive
        .entries()
        .map_err(|source| read_error("tar", source))?
        .raw(true);
    let mut table = LinkTable::new();
    let mut summary = TarSummary::default();
    let mut pending = Pending::default();
    for entry in entries {
        let mut entry = entry.map_err(|source| read_error("tar header", source))?;
        let header_name = entry.header().path_bytes().into_owned();
        let refuse = |reason: EntryProblem| TarProblem::Entry {
            name: header_name.clone(),
            reason,
        };
        let kind = entry.header().entry_type();
        let declared = entry
            .header()
            .entry_size()
            .map_err(|source| read_error("tar header", source))?;
        if let Some(ext) = extension_kind(kind) {
            let body = read_extension(&mut entry, ext, declared).map_err(|e| match e {
                Ext::Problem(reason) => refuse(reason),
                Ext::Read(source) => read_error("extension header", source),
            })?;
            store_extension(&mut pending, kind, ext, body).map_err(refuse)?;
            continue;
        }
        let names = std::mem::take(&mut pending);
        let member = Member::new(&entry, names, declared)?;
        check_member(&member, &mut table, &mut summary, max_entry_bytes)?;
        drain_body(&mut entry, declared).map_err(|e| match e {
            Ext::Problem(reason) => member.refuse(reason),
            Ext::Read(source) => read_error("entry data", source),
        })?;
    }
    if !pending.is_empty() {
        return Err(TarProblem::DanglingExtension(pending.first_kind()));
    }
    table.finish().map_err(|(name, reason)| TarProblem::Entry {
        name,
        reason: reason.into(),
    })?;
    Ok(summary)
}

fn read_error(context: &'static str, source: io::Error) -> TarProblem {
    TarProblem::Read { context, source }
}

/// An extension header's kind, for messages; `None` for a real entry.
fn extension_kind(kind: EntryType) -> Option<&'static str> {
    match kind {
        EntryType::GNULongName => Some("GNU long name"),
        EntryType::GNULongLink => Some("GNU long link name"),
        EntryType::XHeader => Some("PAX extended"),
        EntryType::XGlobalHeader => Some("PAX global"),
        _ => None,
    }
}

enum Ext {
    Problem(EntryProblem),
    Read(io::Error),
}

/// Reads an extension header's body, refusing it by its declared size
/// before reading a byte of it.
fn read_extension(
    entry: &mut impl Read,
    kind: &'static str,
    declared: u64,
) -> Result<Vec<u8>, Ext> {
    if declared > MAX_EXTENSION_BYTES {
        return Err(Ext::Problem(EntryProblem::ExtensionTooLarge {
            kind,
            declared,
        }));
    }
    let mut body = Vec::with_capacity(declared as usize);
    entry.read_to_end(&mut body).map_err(Ext::Read)?;
    let got = body.len() as u64;
    if got < declared {
        return Err(Ext::Problem(EntryProblem::Truncated { got, declared }));
    }
    Ok(body)
}

fn store_extension(
    pending: &mut Pending,
    kind: EntryType,
    ext: &'static str,
    body: Vec<u8>,
) -> Result<(), EntryProblem> {
    let slot = match kind {
        EntryType::GNULongName => &mut pending.long_name,
        EntryType::GNULongLink => &mut pending.long_link,
        EntryType::XHeader => {
            // Parsed now, so a malformed one is refused at its own entry.
            parse_pax(&body)?;
            &mut pending.pax
        }
        _ => return check_global(&body),
    };
    if slot.is_some() {
        return Err(EntryProblem::DuplicateExtension(ext));
    }
    *slot = Some(body);
    Ok(())
}

/// One PAX record: key and value, as stored.
type PaxRecord<'a> = (&'a [u8], &'a [u8]);

fn parse_decimal(digits: &[u8]) -> Option<u64> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// The records of a PAX header. Malformed records are refused rather than
/// skipped: the `tar` crate splits on newlines and skips what it cannot
/// parse, so a value with a newline in it could hide a second record from
/// a stricter parser, and extractors would then disagree.
fn parse_pax(body: &[u8]) -> Result<Vec<PaxRecord<'_>>, EntryProblem> {
    let mut records = Vec::new();
    for record in PaxExtensions::new(body) {
        let record = record.map_err(|e| EntryProblem::BadPax(e.to_string()))?;
        records.push((record.key_bytes(), record.value_bytes()));
    }
    Ok(records)
}

/// Global records that would change every following entry are refused;
/// the rest are defaults that do not matter to the check.
fn check_global(body: &[u8]) -> Result<(), EntryProblem> {
    for (key, _) in parse_pax(body)? {
        if matches!(key, b"path" | b"linkpath" | b"size") || key.starts_with(b"GNU.sparse.") {
            return Err(EntryProblem::GlobalOverride(shown(key)));
        }
    }
    Ok(())
}

/// A real entry with its long name, long link name and PAX records applied.
struct Member {
    name: Vec<u8>,
    link: Option<Vec<u8>>,
    kind: EntryType,
    declared: u64,
}

impl Member {
    fn new<R: Read>(
        entry: &tar::Entry<'_, R>,
        names: Pending,
        declared: u64,
    ) -> Result<Self, TarProblem> {
        let header = entry.header();
        let header_name = header.path_bytes();
        let refuse = |reason| TarProblem::Entry {
            name: header_name.to_vec(),
            reason,
        };
        let records = match &names.pax {
            Some(body) => parse_pax(body).map_err(refuse)?,
            None => Vec::new(),
        };
        let pax = |key: &[u8]| {
            records
                .iter()
                .rev()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v)
                // An empty value means "no override" (POSIX).
                .filter(|v| !v.is_empty())
        };
        if records.iter().any(|(k, _)| k.starts_with(b"GNU.sparse.")) {
            return Err(refuse(EntryProblem::Sparse));
        }
        if let Some(size) = pax(b"size")
            && parse_decimal(size) != Some(declared)
        {
            return Err(refuse(EntryProblem::PaxSize {
                pax: shown(size),
                header: declared,
            }));
        }
        let long_name = names.long_name.as_deref().map(trim_nuls);
        let name = pick(pax(b"path"), long_name, header_name.clone())
            .ok_or_else(|| refuse(EntryProblem::ConflictingNames))?;
        let long_link = names.long_link.as_deref().map(trim_nuls);
        let pax_link = pax(b"linkpath");
        let own_link = header.link_name_bytes();
        let link = if pax_link.is_some() || long_link.is_some() || own_link.is_some() {
            match pick(pax_link, long_link, own_link.unwrap_or_default()) {
                Some(link) => Some(link),
                None => {
                    return Err(TarProblem::Entry {
                        name,
                        reason: EntryProblem::ConflictingLinks,
                    });
                }
            }
        } else {
            None
        };
        Ok(Member {
            name,
            link,
            kind: header.entry_type(),
            declared,
        })
    }

    fn refuse(&self, reason: EntryProblem) -> TarProblem {
        TarProblem::Entry {
            name: self.name.clone(),
            reason,
        }
    }
}

/// The effective name: PAX over GNU over the header's own. `None` when the
/// PAX and GNU names both exist and differ (extractors pick differently:
/// the `tar` crate prefers the GNU one, GNU tar the PAX one).
fn pick(pax: Option<&[u8]>, gnu: Option<&[u8]>, own: Cow<'_, [u8]>) -> Option<Vec<u8>> {
    match (pax, gnu) {
        (Some(p), Some(g)) if p != g => None,
        (Some(p), _) => Some(p.to_vec()),
        (None, Some(g)) => Some(g.to_vec()),
        (None, None) => Some(own.into_owned()),
    }
}

/// GNU long names end with a NUL that is not part of the name; a NUL
/// inside is left for the name rule to refuse.
fn trim_nuls(name: &[u8]) -> &[u8] {
    let end = name.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    &name[..end]
}

fn check_member(
    member: &Member,
    table: &mut LinkTable,
    summary: &mut TarSummary,
    max_entry_bytes: Option<u64>,
) -> Result<(), TarProblem> {
    let refuse = |reason| member.refuse(reason);
    if let Some(limit) = max_entry_bytes.filter(|&limit| member.declared > limit) {
        return Err(refuse(EntryProblem::OverLimit {
            declared: member.declared,
            limit,
        }));
    }
    let target = || {
        member.link.as_deref().ok_or(EntryProblem::NoTarget {
            kind: if member.kind == EntryType::Symlink {
                "the symlink"
            } else {
                "the hard link"
            },
        })
    };
    let entry = match member.kind {
        EntryType::Regular | EntryType::Continuous => {
            summary.files += 1;
            LinkEntry::File
        }
        EntryType::Directory => {
            summary.dirs += 1;
            LinkEntry::Dir
        }
        EntryType::Symlink => {
            summary.symlinks += 1;
            LinkEntry::Symlink {
                target: target().map_err(refuse)?,
            }
        }
        EntryType::Link => {
            summary.hard_links += 1;
            LinkEntry::HardLink {
                target: target().map_err(refuse)?,
            }
        }
        other => return Err(refuse(unsupported(other))),
    };
    summary.entries += 1;
    table
        .check(&member.name, entry)
        .map_err(|e| refuse(e.into()))
}

fn unsupported(kind: EntryType) -> EntryProblem {
    match kind {
        EntryType::Char => EntryProblem::Special("character device"),
        EntryType::Block => EntryProblem::Special("block device"),
        EntryType::Fifo => EntryProblem::Special("FIFO"),
        // Raw entries do not parse sparse maps; refusing keeps the next
        // header where it is expected.
        EntryType::GNUSparse => EntryProblem::Sparse,
        other => EntryProblem::Unsupported(other.as_byte() as char),
    }
}

/// Reads the body through, so that the reader sees (and counts) every byte
/// and a short one is caught.
fn drain_body(entry: &mut impl Read, declared: u64) -> Result<(), Ext> {
    let got = io::copy(entry, &mut io::sink()).map_err(Ext::Read)?;
    if got < declared {
        return Err(Ext::Problem(EntryProblem::Truncated { got, declared }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
        // The length counts itself; find the fixed point.
        let rest = key.len() + value.len() + 3;
        let mut len = rest + 1;
        while len != rest + len.to_string().len() {
            len = rest + len.to_string().len();
        }
        let mut out = format!("{len} {key}=").into_bytes();
        out.extend_from_slice(value);
        out.push(b'\n');
        out
    }

    #[test]
    fn pax_records_are_length_prefixed() {
        let r = pax_record("path", b"a");
        assert_eq!(r, b"9 path=a\n");
        assert_eq!(parse_pax(&r).unwrap(), vec![(&b"path"[..], &b"a"[..])]);
        assert!(parse_pax(b"99 path=a\n").is_err());
        let edge = pax_record("k", &[b'v'; 94]);
        assert_eq!(edge.len(), 101);
        assert!(parse_pax(&edge).is_ok());
    }

    #[test]
    fn names_prefer_pax_and_refuse_conflicts() {
        let own = Cow::Borrowed(&b"short"[..]);
        assert_eq!(pick(None, None, own.clone()), Some(b"short".to_vec()));
        assert_eq!(pick(None, Some(b"gnu"), own.clone()), Some(b"gnu".to_vec()));
        assert_eq!(
            pick(Some(b"pax"), Some(b"pax"), own.clone()),
            Some(b"pax".to_vec())
        );
        assert_eq!(pick(Some(b"pax"), Some(b"gnu"), own), None);
    }

    #[test]
    fn trailing_nuls_are_trimmed() {
        assert_eq!(trim_nuls(b"abc\0\0"), b"abc");
        assert_eq!(trim_nuls(b"a\0b\0"), b"a\0b");
        assert_eq!(trim_nuls(b"\0"), b"");
    }
}
