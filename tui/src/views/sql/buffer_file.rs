//! The SQL console's buffers on disk: one JSON file per database, beside
//! its history (`<state_dir>/sql-history/<database>.buffers.json`), so a
//! draft survives a restart of the dashboard. Only names, text and cursor
//! positions are written: never tokens or URLs.
//!
//! Reads are bounded and checked: a file that is too large or does not
//! parse is refused (and moved aside, so the next save cannot overwrite
//! what it held). Writes replace the file atomically (a temporary file
//! renamed over it). Every function here blocks: the console calls them
//! through its store (`buffer_store.rs`), off the UI task.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The format written; a file saying otherwise is refused.
const VERSION: u32 = 1;

/// Largest file read (and written): SQL drafts, not data. A bigger file
/// is refused rather than read into memory.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// What a refused file is renamed to (its name plus this).
const REFUSED_SUFFIX: &str = ".refused";

/// Longest buffer name, in characters (names are shown as tabs).
pub const MAX_NAME_CHARS: usize = 40;

/// One buffer as saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedBuffer {
    pub name: String,
    pub text: String,
    /// Row and column of the cursor (clamped to the text when restored).
    #[serde(default)]
    pub cursor: (usize, usize),
}

/// Every buffer of one database, and which one was in front.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub version: u32,
    pub current: usize,
    pub buffers: Vec<SavedBuffer>,
}

impl Saved {
    pub fn new(buffers: Vec<SavedBuffer>, current: usize) -> Self {
        Self {
            version: VERSION,
            current,
            buffers,
        }
    }

    /// Reads the file's text; the error names what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let saved: Saved =
            serde_json::from_str(text).map_err(|e| format!("it is damaged ({e})"))?;
        if saved.version != VERSION {
            return Err(format!(
                "it is in format version {}, and this comwit-tui reads version {VERSION}",
                saved.version
            ));
        }
        if saved.buffers.is_empty() {
            return Err("it is damaged (it lists no buffer)".into());
        }
        let mut names: Vec<&str> = Vec::new();
        for b in &saved.buffers {
            check_name(&b.name, names.iter().copied())
                .map_err(|why| format!("it is damaged (buffer {:?}: {why})", b.name))?;
            names.push(&b.name);
        }
        if saved.current >= saved.buffers.len() {
            return Err(format!(
                "it is damaged (buffer {} is in front, of {})",
                saved.current + 1,
                saved.buffers.len()
            ));
        }
        Ok(saved)
    }

    pub fn to_text(&self) -> String {
        // Serializing plain strings and numbers cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Checks a buffer name typed by the user or read from the file, against
/// the names of the other buffers; gives the name as kept (trimmed).
pub fn check_name<'a>(
    typed: &str,
    others: impl IntoIterator<Item = &'a str>,
) -> Result<String, String> {
    let name = typed.trim();
    if name.is_empty() {
        return Err("a buffer needs a name: type one".into());
    }
    if name.contains(['/', '\\']) {
        return Err(format!(
            "{name:?} holds a path separator (/ or \\): buffer names are not paths, \
             leave them out"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("a buffer name is one line of printable text".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "{} characters is too long for a buffer name: {MAX_NAME_CHARS} at most",
            name.chars().count()
        ));
    }
    if others
        .into_iter()
        .any(|other| other.trim().eq_ignore_ascii_case(name))
    {
        return Err(format!(
            "a buffer called {name:?} is already open: pick another name"
        ));
    }
    Ok(name.to_string())
}

/// Why the file was not loaded, and whether saving over it is safe now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// For the toast: the file, what is wrong, what was done about it.
    pub message: String,
    /// The file was moved aside (or is gone): new saves lose nothing.
    pub may_save: bool,
}

/// The buffers file of one database. Its reads and writes block.
#[derive(Debug, Clone)]
pub struct BuffersFile {
    path: PathBuf,
}

impl BuffersFile {
    /// `<state_dir>/sql-history/<database>.buffers.json`, beside the
    /// history (the stem has no dot, so no history file can collide);
    /// `None` without a state directory (buffers then live in memory).
    pub fn for_database(state_dir: Option<&Path>, database_id: &str) -> Option<Self> {
        let stem = comwit_client::places::safe_file_stem(database_id);
        state_dir.map(|d| Self {
            path: d.join("sql-history").join(format!("{stem}.buffers.json")),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved buffers; `Ok(None)` when there is no file yet. A file
    /// too large or damaged is refused and moved aside.
    pub fn load(&self) -> Result<Option<Saved>, Refusal> {
        let file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Refusal {
                    message: format!(
                        "could not read the SQL buffers in {}: {e}; they are not loaded, and \
                         this session's buffers will not be saved over them",
                        self.path.display()
                    ),
                    may_save: false,
                });
            }
        };
        // One byte past the limit is enough to know the file is too large.
        let mut bytes = Vec::new();
        let read = file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes);
        let problem = match read {
            Err(e) => format!("it could not be read ({e})"),
            Ok(_) if bytes.len() as u64 > MAX_FILE_BYTES => format!(
                "it is larger than the {} MiB a buffers file may hold",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
            Ok(_) => match std::str::from_utf8(&bytes) {
                Err(_) => "it is damaged (it is not UTF-8 text)".to_string(),
                Ok(text) => match Saved::parse(text) {
                    Ok(saved) => return Ok(Some(saved)),
                    Err(why) => why,
                },
            },
        };
        Err(self.set_aside(&problem))
    }

    /// Moves a refused file out of the way, saying where it went.
    fn set_aside(&self, problem: &str) -> Refusal {
        let mut aside = self.path.clone().into_os_string();
        aside.push(REFUSED_SUFFIX);
        let aside = PathBuf::from(aside);
        let shown = self.path.display();
        match std::fs::rename(&self.path, &aside) {
            Ok(()) => Refusal {
                message: format!(
                    "the SQL buffers in {shown} were not loaded: {problem}; the file was moved \
                     to {} (look there for your text), and the console starts with an empty \
                     buffer",
                    aside.display()
                ),
                may_save: true,
            },
            Err(e) => Refusal {
                message: format!(
                    "the SQL buffers in {shown} were not loaded: {problem}; it could not be \
                     moved aside ({e}), so this session's buffers will not be saved over it: \
                     move or delete it, then reopen the console"
                ),
                may_save: false,
            },
        }
    }

    /// Replaces the file with `saved`, atomically: a temporary file in the
    /// same directory (private to the user, as SQL may hold data) renamed
    /// over it. The error says why nothing was written.
    pub fn save(&self, saved: &Saved) -> Result<(), String> {
        let text = saved.to_text();
        let fail = |why: String| {
            format!(
                "could not save the SQL buffers to {}: {why}",
                self.path.display()
            )
        };
        if text.len() as u64 > MAX_FILE_BYTES {
            // It would be refused when read back: keep the last good file.
            return Err(fail(format!(
                "together they are larger than {} MiB; the file keeps the last save that fit: \
                 move large text out of the buffers (ctrl-e, $EDITOR, can save it)",
                MAX_FILE_BYTES / (1024 * 1024)
            )));
        }
        let write = || -> std::io::Result<()> {
            let dir = self.path.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)?;
            let mut tmp = tempfile::Builder::new()
                .prefix(".buffers-")
                .suffix(".tmp")
                .tempfile_in(dir)?;
            tmp.write_all(text.as_bytes())?;
            tmp.persist(&self.path).map_err(|e| e.error)?;
            Ok(())
        };
        write().map_err(|e| fail(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> Saved {
        Saved::new(
            vec![
                SavedBuffer {
                    name: "query 1".into(),
                    text: "select 1;\nselect 'two\nlines';\n".into(),
                    cursor: (1, 3),
                },
                SavedBuffer {
                    name: "report ünï".into(),
                    text: String::new(),
                    cursor: (0, 0),
                },
            ],
            1,
        )
    }

    fn file(dir: &Path) -> BuffersFile {
        BuffersFile::for_database(Some(dir), "db-1/x").unwrap()
    }

    #[test]
    fn buffers_round_trip_through_the_file_beside_the_history() {
        let dir = tempfile::tempdir().unwrap();
        let file = file(dir.path());
        assert_eq!(
            file.path(),
            dir.path().join("sql-history/db-1_x.buffers.json")
        );
        assert_eq!(file.load(), Ok(None), "no file yet: nothing to load");
        file.save(&two()).unwrap();
        assert_eq!(file.load(), Ok(Some(two())));
        let text = std::fs::read_to_string(file.path()).unwrap();
        assert!(text.contains("\"version\": 1"), "{text}");
        assert!(text.contains("\"name\": \"report ünï\""), "{text}");
        // Saved again, replaced whole; no temporary file is left behind.
        let mut one = two();
        one.buffers.truncate(1);
        one.current = 0;
        file.save(&one).unwrap();
        assert_eq!(file.load(), Ok(Some(one)));
        let left: Vec<_> = std::fs::read_dir(dir.path().join("sql-history"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(left, vec!["db-1_x.buffers.json"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(file.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "private to the user: {mode:o}");
        }
    }

    #[test]
    fn a_missing_cursor_defaults_to_the_start() {
        let text = r#"{"version":1,"current":0,"buffers":[{"name":"a","text":"x"}]}"#;
        assert_eq!(Saved::parse(text).unwrap().buffers[0].cursor, (0, 0));
    }

    #[test]
    fn a_damaged_file_says_what_is_wrong() {
        let cases = [
            ("{\"version\":1,\"cur", "it is damaged (EOF"),
            ("\"select 1\"", "it is damaged (invalid type"),
            (
                r#"{"version":2,"current":0,"buffers":[{"name":"a","text":""}]}"#,
                "format version 2",
            ),
            (
                r#"{"version":1,"current":0,"buffers":[]}"#,
                "lists no buffer",
            ),
            (
                r#"{"version":1,"current":2,"buffers":[{"name":"a","text":""}]}"#,
                "buffer 3 is in front, of 1",
            ),
            (
                r#"{"version":1,"current":0,"buffers":[{"name":"a","text":""},{"name":"A","text":""}]}"#,
                "already open",
            ),
            (
                r#"{"version":1,"current":0,"buffers":[{"name":"../etc","text":""}]}"#,
                "path separator",
            ),
        ];
        for (text, why) in cases {
            let err = Saved::parse(text).unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
    }

    #[test]
    fn damaged_and_oversized_files_are_refused_and_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let file = file(dir.path());
        let aside = dir.path().join("sql-history/db-1_x.buffers.json.refused");
        std::fs::create_dir_all(file.path().parent().unwrap()).unwrap();
        std::fs::write(file.path(), "{\"version\":1,\"buffers\":[{\"na").unwrap();
        let refused = file.load().unwrap_err();
        assert!(refused.may_save);
        assert!(refused.message.contains("it is damaged"), "{refused:?}");
        assert!(
            refused.message.contains(&aside.display().to_string()),
            "{refused:?}"
        );
        assert!(!file.path().exists() && aside.exists());
        assert_eq!(file.load(), Ok(None), "the next load starts afresh");

        let big = vec![b' '; MAX_FILE_BYTES as usize + 1];
        std::fs::write(file.path(), big).unwrap();
        let refused = file.load().unwrap_err();
        assert!(
            refused.message.contains("larger than the 8 MiB"),
            "{refused:?}"
        );
        assert!(!file.path().exists());

        std::fs::write(file.path(), [0xff, 0xfe, b'{']).unwrap();
        assert!(file.load().unwrap_err().message.contains("not UTF-8"));
    }

    #[test]
    fn buffers_too_large_to_read_back_are_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let file = file(dir.path());
        file.save(&two()).unwrap();
        let mut huge = two();
        huge.buffers[1].text = "x".repeat(MAX_FILE_BYTES as usize);
        let err = file.save(&huge).unwrap_err();
        assert!(err.contains("larger than 8 MiB"), "{err}");
        assert_eq!(file.load(), Ok(Some(two())), "the last good save stays");
    }

    #[test]
    fn an_unwritable_directory_is_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        let file = BuffersFile::for_database(Some(&blocker), "db").unwrap();
        let err = file.save(&two()).unwrap_err();
        assert!(err.contains("could not save the SQL buffers"), "{err}");
        assert!(BuffersFile::for_database(None, "db").is_none());
    }

    #[test]
    fn names_are_checked() {
        let others = ["query 1", "Report"];
        assert_eq!(check_name("  draft ", others), Ok("draft".into()));
        for (typed, why) in [
            ("", "needs a name"),
            ("   ", "needs a name"),
            ("a/b", "path separator"),
            ("a\\b", "path separator"),
            ("tab\there", "printable"),
            ("report", "already open"),
            ("QUERY 1", "already open"),
        ] {
            let err = check_name(typed, others).unwrap_err();
            assert!(err.contains(why), "{typed:?}: {err}");
        }
        let long = "n".repeat(MAX_NAME_CHARS + 1);
        assert!(check_name(&long, []).unwrap_err().contains("too long"));
        assert!(check_name(&"n".repeat(MAX_NAME_CHARS), []).is_ok());
    }
}
