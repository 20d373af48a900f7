//! `:dump` and `:import` in the SQL console (`F9`, `F10`): the same
//! engine as `comwit-tui sql dump|import`, on the console's own session
//! (so on the token it chose, operator question included). A dump goes to
//! its file only once complete; an import is checked whole first, shows
//! its batches in a progress toast, and on failure says which batches
//! committed and the batch to resume from.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use comwit_client::sql::dump;
use comwit_client::sql::import::{self, DEFAULT_BATCH, ImportOptions, Plan};

use super::{Conn, Msg, Popup, SqlView};
use crate::context::Ctx;
use crate::notice::{Level, Notice};
use crate::widgets::modal::{Field, Modal, Values, complete_path};

/// What a dump or an import reports back.
pub enum Moved {
    Dumped(Result<String, String>),
    /// The file was checked: what it will send, or why not.
    Planned(Result<(PathBuf, ImportOptions, Plan), String>),
    Batch {
        done: usize,
        of: usize,
    },
    Imported(Result<String, String>),
}

impl SqlView {
    /// `F9`: where to write the dump.
    pub(super) fn open_dump(&mut self) {
        let modal = Modal::prompt(
            format!("Dump {}", self.name),
            vec![
                "Schema and rows as SQL (sqlite3 .dump form), streamed into this file; it is \
                 replaced only once the dump is complete."
                    .into(),
            ],
            &format!("{}.sql", self.name),
            (),
        )
        .with_completion(complete_path);
        self.popup = Some(Popup::Dump(modal));
    }

    /// `F10`: the file to load and how.
    pub(super) fn open_import(&mut self) {
        let modal = Modal::form(
            format!("Import into {}", self.name),
            vec![
                "A dump or another provider's export, checked whole before anything is sent, \
                 then sent in batches: each one transaction with foreign keys off."
                    .into(),
                "d1 leaves out what a Cloudflare D1 export has and libSQL rejects.".into(),
            ],
            vec![
                Field::text("file", ""),
                Field::choice("d1", &["no", "yes"], "no"),
                Field::text("batch", &DEFAULT_BATCH.to_string()).labelled("batch size"),
                Field::text("from", "1").labelled("from batch"),
            ],
            (),
        );
        self.popup = Some(Popup::Import(modal));
    }

    /// The session a move runs on, or why there is none now.
    fn move_session(
        &self,
        import: bool,
    ) -> Result<std::sync::Arc<tokio::sync::Mutex<comwit_client::sql::SqlSession>>, String> {
        match &self.conn {
            Conn::Ready {
                autocommit: false, ..
            } if import => {
                Err("a transaction is open: commit or roll back before importing".into())
            }
            Conn::Ready { session, .. } => Ok(session.clone()),
            _ => Err("not connected yet: wait for the connection, then try again".into()),
        }
    }

    pub(super) fn start_dump(&mut self, typed: &str, cx: &mut Ctx<'_>) {
        let session = match self.move_session(false) {
            Ok(s) => s,
            Err(why) => return cx.toast(Level::Warning, why),
        };
        let path = comwit_client::places::expand_home(typed.trim());
        cx.progress("dump", format!("dumping {}…", self.name));
        cx.spawn(async move {
            let mut session = session.lock().await;
            Msg::Moved(Moved::Dumped(dump_to(&mut session, &path).await))
        });
    }

    /// Checks the form, then the file (off the UI task).
    pub(super) fn start_import(&mut self, values: &Values, cx: &mut Ctx<'_>) -> Result<(), String> {
        let number = |field: &str, label: &str| -> Result<usize, String> {
            values
                .get(field)
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| format!("{label} is a whole number from 1"))
        };
        let options = ImportOptions {
            batch_size: number("batch", "the batch size")?.min(10_000),
            d1: values.get("d1") == "yes",
            from_batch: number("from", "from batch")?,
        };
        let path = comwit_client::places::expand_home(values.get("file").trim());
        if !path.is_file() {
            return Err(format!("{} is not a file", path.display()));
        }
        self.move_session(true)?;
        cx.progress("import", format!("checking {}…", path.display()));
        cx.spawn(async move {
            let checked = crate::blocking::run(move || {
                let plan = import::plan(open(&path)?, options).map_err(|e| e.to_string())?;
                Ok((path, options, plan))
            })
            .await;
            Msg::Moved(Moved::Planned(checked.and_then(|r| r)))
        });
        Ok(())
    }

    /// The file passed the check: send it.
    fn send_import(&mut self, path: PathBuf, options: ImportOptions, plan: Plan, cx: &mut Ctx<'_>) {
        let session = match self.move_session(true) {
            Ok(s) => s,
            Err(why) => return cx.outcome("import", Level::Warning, why),
        };
        cx.progress(
            "import",
            format!("importing: 0 of {} batches", plan.batches),
        );
        let (report, name) = (cx.reporter::<Msg>(), self.name.clone());
        cx.spawn(async move {
            let reader = match open(&path) {
                Ok(r) => r,
                Err(e) => return Msg::Moved(Moved::Imported(Err(e))),
            };
            let mut session = session.lock().await;
            let of = plan.batches;
            let done = import::import(&mut session, reader, options, &plan, |p| {
                report.send(Msg::Moved(Moved::Batch { done: p.batch, of }));
            })
            .await;
            Msg::Moved(Moved::Imported(
                done.map(|p| {
                    format!(
                        "imported {} statements into {name} ({} batches)",
                        p.statements, p.batch
                    )
                })
                .map_err(|e| e.to_string()),
            ))
        });
    }

    pub(super) fn moved(&mut self, moved: Moved, cx: &mut Ctx<'_>) {
        match moved {
            Moved::Dumped(Ok(said)) => cx.outcome("dump", Level::Success, said),
            Moved::Dumped(Err(e)) => cx.outcome("dump", Level::Error, e),
            Moved::Planned(Ok((path, options, plan))) => self.send_import(path, options, plan, cx),
            Moved::Planned(Err(e)) => {
                cx.end_work("import");
                cx.notice(notice("The file was not imported", e));
            }
            Moved::Batch { done, of } => {
                cx.progress("import", format!("importing: {done} of {of} batches"))
            }
            Moved::Imported(Ok(said)) => {
                cx.outcome("import", Level::Success, said);
                self.load_catalog(cx);
            }
            Moved::Imported(Err(e)) => {
                cx.end_work("import");
                cx.notice(notice("The import stopped", e));
                self.load_catalog(cx);
            }
        }
    }
}

fn notice(title: &str, text: String) -> Notice {
    Notice {
        title: title.into(),
        lines: vec![text],
        retry: None,
    }
}

fn open(path: &Path) -> Result<BufReader<std::fs::File>, String> {
    std::fs::File::open(path)
        .map(BufReader::new)
        .map_err(|e| format!("opening {}: {e}", path.display()))
}

/// The dump, into `path` once complete.
async fn dump_to(
    session: &mut comwit_client::sql::SqlSession,
    path: &Path,
) -> Result<String, String> {
    let stats = dump::dump_to_file(session, path)
        .await
        .map_err(|e| format!("{} was not written: {e}", path.display()))?;
    Ok(format!(
        "dumped {} tables, {} rows to {}",
        stats.tables,
        stats.rows,
        path.display()
    ))
}
