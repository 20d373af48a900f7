//! What the console does with a result on show: view a cell or a row in
//! full, copy a row or a column, and export it (in full, when it was cut
//! at the cap, by running its query again). Methods of the view, kept
//! apart from its layout and dispatch in `mod.rs`.

use comwit_client::places::expand_home;

use super::export::{self, Format};
use super::export_all::{self, Exported, Scope};
use super::viewer::{self, Viewer};
use super::{Conn, Msg, Pane, Popup, Shown, SqlView, clipboard, count, plural};
use crate::context::Ctx;
use crate::notice::Level;
use crate::widgets::modal::{Modal, complete_path};

impl SqlView {
    pub(super) fn open_export(&mut self, cx: &mut Ctx<'_>) {
        let Shown::Grid(grid) = &self.shown else {
            cx.toast(Level::Info, "no rows to export: run a query first");
            return;
        };
        let what = export_all::describe(&grid.data, &export_all::scope(&grid.data));
        let initial = self
            .last_export
            .clone()
            .unwrap_or_else(|| "result.csv".into());
        let modal = Modal::prompt(
            "Export result",
            vec![format!(
                "{what}; to a file, the extension picks the format: .csv or .json (blobs as {}).",
                export::BLOB_ENCODING
            )],
            &initial,
            (),
        )
        .with_completion(complete_path);
        self.popup = Some(Popup::Export(modal));
    }

    /// Writes the kept rows, or (when rows were cut at the cap and the
    /// statement is a query) runs the query again into the file.
    pub(super) fn export(&mut self, typed: &str, cx: &mut Ctx<'_>) {
        let Shown::Grid(grid) = &self.shown else {
            return;
        };
        let typed = typed.trim().to_string();
        let path = expand_home(&typed);
        let format = match Format::for_path(&path) {
            Ok(f) => f,
            Err(e) => return cx.toast(Level::Warning, e),
        };
        self.last_export = Some(typed);
        let data = grid.data.clone();
        let shown = path.display().to_string();
        let rerun = export_all::scope(&data) == Scope::Rerun;
        let done = move |rows: Result<u64, String>| {
            Msg::Exported(rows.map(|rows| Exported {
                path: shown,
                format,
                rows,
                rerun,
            }))
        };
        if rerun {
            let Conn::Ready { session, .. } = &self.conn else {
                return cx.toast(
                    Level::Warning,
                    "not connected: press esc, then r to reconnect",
                );
            };
            cx.toast(
                Level::Info,
                format!(
                    "exporting all {} rows: the query runs again",
                    count(data.total_rows)
                ),
            );
            self.exporting = Some(0);
            let progress = cx.reporter::<Msg>();
            let progress = move |rows| {
                progress.send(Msg::Exporting(rows));
            };
            let (session, sql, columns) = (session.clone(), data.sql.clone(), data.columns.clone());
            return cx.spawn(async move {
                let written = export_all::export_all(session, sql, columns, path, progress).await;
                done(written.map(|(_, rows)| rows))
            });
        }
        // Writing 200,000 rows takes a moment: off the UI thread.
        cx.spawn(async move {
            let result = tokio::task::spawn_blocking(move || export::export(&data, &path))
                .await
                .map_err(|e| format!("the export stopped: {e}"))
                .and_then(|r| r);
            done(result.map(|(_, rows)| rows))
        });
    }

    /// `v` / `V`: the viewer on the selected cell or row.
    pub(super) fn open_viewer(&mut self, mode: viewer::Mode) {
        if let Shown::Grid(g) = &self.shown {
            let row = g.rows.selected.min(g.data.rows.len().saturating_sub(1));
            self.popup = Viewer::open(g.data.clone(), row, g.col, mode).map(Popup::Viewer);
        }
    }

    /// `Y`: the selected row as one JSON object.
    pub(super) fn copy_row(&mut self, cx: &mut Ctx<'_>) {
        let Shown::Grid(g) = &self.shown else { return };
        let at = g.rows.selected.min(g.data.rows.len().saturating_sub(1));
        match clipboard::row_json(&g.data, at) {
            Some(text) => {
                let row = count(at as u64 + 1);
                cx.copy(format!("row {row} as JSON (blobs as base64)"), text);
            }
            None => cx.toast(Level::Info, "no row to copy"),
        }
    }

    /// `C`: the selected column's value in every kept row.
    pub(super) fn copy_column(&mut self, cx: &mut Ctx<'_>) {
        let Shown::Grid(g) = &self.shown else { return };
        let Some(text) = clipboard::column(&g.data, g.col) else {
            return cx.toast(Level::Info, "no column to copy");
        };
        let name = &g.data.columns[g.col];
        let kept = g.data.rows.len() as u64;
        // A cut result's column is the kept rows' part of it.
        let cut = if kept < g.data.total_rows {
            format!(", the first of {} rows", count(g.data.total_rows))
        } else {
            String::new()
        };
        let label = format!(
            "the {name} column ({} value{}{cut})",
            count(kept),
            plural(kept)
        );
        cx.copy(label, text);
    }

    /// The results pane has the keys and shows rows (in the editor, the
    /// grid's letter keys are typing).
    pub(super) fn on_grid(&self) -> bool {
        self.pane == Pane::Grid && matches!(&self.shown, Shown::Grid(g) if !g.data.rows.is_empty())
    }
}
