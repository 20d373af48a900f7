//! A whole sandbox as one file, and back: `GET /_sandbox/snapshot`,
//! `POST /_sandbox/restore` and `comwit-sandbox serve --restore FILE`.
//!
//! A snapshot is a `.tar.zst` of `comwit-snapshot.json` (the format), the
//! state database, each database's file and the artifacts the state's
//! builds name. It is consistent while the sandbox serves: SQLite's
//! `VACUUM INTO` copies each database inside a read transaction, and
//! artifacts never change once written. Tokens are stored hashed, so a
//! snapshot holds no usable secret but the databases' own data.
//!
//! Reading one back trusts nothing: only regular files with the names
//! above are taken (no links, no `..`, no other path), within a size and
//! an entry budget, and the state database must open and name its project.

use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

/// What `comwit-snapshot.json` says.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub created_at: String,
}

const FORMAT: u32 = 1;
const MANIFEST: &str = "comwit-snapshot.json";
const STATE: &str = "state.sqlite3";
/// Entries a snapshot may hold (a database or an artifact each).
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("not a sandbox snapshot: {0}")]
    Refused(String),
    #[error("{0} already holds a sandbox: restore into an empty --data-dir, or with --ephemeral")]
    Occupied(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{what}: {source}")]
    Sqlite {
        what: String,
        source: rusqlite::Error,
    },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> SnapshotError {
    let what = what.into();
    move |source| SnapshotError::Io { what, source }
}

fn sqlite(what: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> SnapshotError {
    let what = what.into();
    move |source| SnapshotError::Sqlite { what, source }
}

impl From<SnapshotError> for crate::error::ApiError {
    fn from(e: SnapshotError) -> Self {
        match e {
            SnapshotError::Refused(_) => crate::error::ApiError::bad_request(format!(
                "{e} — send a file GET /_sandbox/snapshot wrote"
            )),
            other => crate::error::ApiError::internal("the snapshot", other),
        }
    }
}

/// Where a sandbox keeps its files (the data dir's layout).
pub struct Layout<'a> {
    pub databases_dir: &'a Path,
    pub artifacts_dir: &'a Path,
}

/// Writes the snapshot of a running sandbox to `out`. `state` is the
/// state database's connection (held only for its own copy).
pub fn write(
    state: &crate::store::Store,
    layout: &Layout<'_>,
    work: &Path,
    out: impl std::io::Write,
) -> Result<(), SnapshotError> {
    let copy = work.join(STATE);
    vacuum_into(&state.lock(), &copy)?;
    let (databases, artifacts) = named_files(&copy)?;
    let mut tar = tar::Builder::new(zstd::Encoder::new(out, 3).map_err(io("compressing"))?);
    let manifest = serde_json::to_vec_pretty(&Manifest {
        format: FORMAT,
        created_at: crate::ids::now_rfc3339(),
    })
    .expect("serialises");
    append_bytes(&mut tar, MANIFEST, &manifest)?;
    append_file(&mut tar, STATE, &copy)?;
    for id in databases {
        let source = layout.databases_dir.join(format!("{id}.sqlite3"));
        if !source.exists() {
            continue;
        }
        let db_copy = work.join(format!("{id}.sqlite3"));
        let conn = Connection::open_with_flags(&source, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(sqlite(format!("opening database {id}")))?;
        vacuum_into(&conn, &db_copy)?;
        append_file(&mut tar, &format!("databases/{id}.sqlite3"), &db_copy)?;
        let _ = std::fs::remove_file(&db_copy);
    }
    for name in artifacts {
        let source = layout.artifacts_dir.join(&name);
        if source.exists() {
            append_file(&mut tar, &format!("artifacts/{name}"), &source)?;
        }
    }
    tar.into_inner()
        .map_err(io("writing the snapshot"))?
        .finish()
        .map_err(io("writing the snapshot"))?;
    Ok(())
}

fn vacuum_into(conn: &Connection, to: &Path) -> Result<(), SnapshotError> {
    conn.execute("VACUUM INTO ?1", [to.to_string_lossy()])
        .map(|_| ())
        .map_err(sqlite("copying a database"))
}

/// The databases and artifacts a state database names.
fn named_files(state: &Path) -> Result<(Vec<String>, Vec<String>), SnapshotError> {
    let conn = Connection::open_with_flags(state, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(sqlite("reading the state copy"))?;
    let column = |sql: &str| -> Result<Vec<String>, SnapshotError> {
        let mut stmt = conn
            .prepare(sql)
            .map_err(sqlite("reading the state copy"))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(sqlite("reading the state copy"))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(sqlite("reading the state copy"))
    };
    Ok((
        column("SELECT database_id FROM databases")?,
        column("SELECT DISTINCT artifact FROM builds")?,
    ))
}

fn append_bytes<W: std::io::Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    bytes: &[u8],
) -> Result<(), SnapshotError> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o600);
    header.set_cksum();
    tar.append_data(&mut header, name, bytes)
        .map_err(io(format!("adding {name}")))
}

fn append_file<W: std::io::Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    path: &Path,
) -> Result<(), SnapshotError> {
    let mut file = std::fs::File::open(path).map_err(io(format!("reading {}", path.display())))?;
    tar.append_file(name, &mut file)
        .map_err(io(format!("adding {name}")))
}

/// Unpacks a snapshot into `dir` (its `state.sqlite3`, `databases/`,
/// `artifacts/`), taking at most `max_bytes` of files; checks the state.
pub fn unpack(reader: impl Read, dir: &Path, max_bytes: u64) -> Result<Manifest, SnapshotError> {
    for sub in ["databases", "artifacts"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(io(format!("creating {sub}")))?;
    }
    let decoder = zstd::Decoder::new(reader).map_err(io("reading the snapshot"))?;
    let mut archive = tar::Archive::new(decoder);
    let mut manifest = None;
    let (mut total, mut entries) = (0u64, 0usize);
    let bad = |why: String| SnapshotError::Refused(why);
    // Raw entries: GNU long names and PAX headers (which the tar crate
    // would read whole into memory) are entries of their own, refused as
    // not regular files; every name a snapshot holds fits a plain header.
    let all = archive
        .entries()
        .map_err(io("reading the snapshot"))?
        .raw(true);
    for entry in all {
        let mut entry = entry.map_err(|e| bad(format!("the archive is damaged ({e})")))?;
        entries += 1;
        if entries > MAX_ENTRIES {
            return Err(bad(format!("more than {MAX_ENTRIES} entries")));
        }
        let name = entry
            .path()
            .map_err(|e| bad(format!("an entry's name is unreadable ({e})")))?
            .to_string_lossy()
            .into_owned();
        if !entry.header().entry_type().is_file() {
            return Err(bad(format!("{name:?} is not a regular file")));
        }
        let target =
            destination(dir, &name).ok_or_else(|| bad(format!("unexpected entry {name:?}")))?;
        total = total.saturating_add(entry.size());
        if total > max_bytes {
            return Err(bad(format!("it unpacks to more than {max_bytes} bytes")));
        }
        if name == MANIFEST {
            let mut text = String::new();
            entry
                .by_ref()
                .take(64 * 1024)
                .read_to_string(&mut text)
                .map_err(|e| bad(format!("its manifest is unreadable ({e})")))?;
            manifest = Some(text);
            continue;
        }
        let mut out =
            std::fs::File::create(&target).map_err(io(format!("writing {}", target.display())))?;
        let size = entry.size();
        let copied = std::io::copy(&mut entry.by_ref().take(size), &mut out)
            .map_err(|e| bad(format!("{name:?} is cut short ({e})")))?;
        if copied != size {
            return Err(bad(format!("{name:?} is cut short")));
        }
    }
    let manifest: Manifest =
        serde_json::from_str(&manifest.ok_or_else(|| bad(format!("no {MANIFEST}")))?)
            .map_err(|e| bad(format!("{MANIFEST}: {e}")))?;
    if manifest.format != FORMAT {
        return Err(bad(format!(
            "format {} (this sandbox reads format {FORMAT})",
            manifest.format
        )));
    }
    check_state(&dir.join(STATE))?;
    Ok(manifest)
}

/// Where an entry named `name` goes under `dir`, if it is one a snapshot
/// holds: the manifest, the state, `databases/ID.sqlite3`,
/// `artifacts/NAME` (plain names only).
fn destination(dir: &Path, name: &str) -> Option<PathBuf> {
    let plain = |s: &str| {
        !s.is_empty()
            && s.len() <= 80
            && !s.starts_with('.')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    };
    if name == MANIFEST || name == STATE {
        return Some(dir.join(name));
    }
    if let Some(db) = name.strip_prefix("databases/")
        && let Some(id) = db.strip_suffix(".sqlite3")
        && plain(id)
    {
        return Some(dir.join("databases").join(db));
    }
    if let Some(file) = name.strip_prefix("artifacts/")
        && plain(file)
    {
        return Some(dir.join("artifacts").join(file));
    }
    None
}

/// The unpacked state opens as a sandbox's and names its project.
fn check_state(path: &Path) -> Result<(), SnapshotError> {
    if !path.exists() {
        return Err(SnapshotError::Refused(format!("no {STATE}")));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(sqlite("opening the snapshot's state"))?;
    conn.query_row("SELECT value FROM meta WHERE key = 'project_id'", [], |r| {
        r.get::<_, String>(0)
    })
    .map(|_| ())
    .map_err(|e| SnapshotError::Refused(format!("its state names no project ({e})")))
}

/// `serve --restore FILE`: unpacks the snapshot into a data dir that holds
/// no sandbox yet (nothing is left behind when it is refused).
pub fn restore_into(
    file: &Path,
    data_dir: &Path,
    max_bytes: u64,
) -> Result<Manifest, SnapshotError> {
    if data_dir.join(STATE).exists() {
        return Err(SnapshotError::Occupied(data_dir.display().to_string()));
    }
    std::fs::create_dir_all(data_dir).map_err(io(format!("creating {}", data_dir.display())))?;
    let reader = std::fs::File::open(file).map_err(io(format!("opening {}", file.display())))?;
    let work = tempfile::Builder::new()
        .prefix(".restore-")
        .tempdir_in(data_dir)
        .map_err(io("creating a scratch dir"))?;
    let manifest = unpack(reader, work.path(), max_bytes)?;
    for sub in ["databases", "artifacts"] {
        let to = data_dir.join(sub);
        std::fs::create_dir_all(&to).map_err(io(format!("creating {}", to.display())))?;
        for entry in std::fs::read_dir(work.path().join(sub)).map_err(io("reading the snapshot"))? {
            let entry = entry.map_err(io("reading the snapshot"))?;
            std::fs::rename(entry.path(), to.join(entry.file_name()))
                .map_err(io("moving files in"))?;
        }
    }
    std::fs::rename(work.path().join(STATE), data_dir.join(STATE))
        .map_err(io("moving the state in"))?;
    Ok(manifest)
}
