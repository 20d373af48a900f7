//! One line of text (a path, a name); tab completes it when the view
//! gives a completer.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::{Body, CANCEL, KeyHelp, Outcome, draw_input, key};
use crate::theme::Theme;
use crate::widgets::input::LineInput;

/// Completes what was typed (e.g. a path); returns the candidates.
pub type Completer = fn(&str) -> Vec<String>;

/// How many candidates are listed under the input.
const SHOWN: usize = 6;

pub struct Prompt<I> {
    input: LineInput,
    pub complete: Option<Completer>,
    candidates: Vec<String>,
    intent: I,
}

impl<I> Prompt<I> {
    pub fn new(initial: &str, intent: I) -> Self {
        Self {
            input: LineInput::new(initial),
            complete: None,
            candidates: Vec::new(),
            intent,
        }
    }

    /// Lists the candidates and extends the input to what they share.
    fn complete(&mut self) {
        let Some(complete) = self.complete else {
            return;
        };
        self.candidates = complete(self.input.text());
        if let Some(prefix) = common_prefix(&self.candidates)
            && prefix.len() > self.input.text().len()
        {
            self.input.set(prefix);
        }
    }
}

impl<I: Clone> Body<I> for Prompt<I> {
    fn keys(&self) -> Vec<KeyHelp> {
        let mut keys = vec![key("enter", "ok")];
        if self.complete.is_some() {
            keys.push(key("tab", "complete"));
        }
        keys.push(CANCEL);
        keys
    }

    fn on_key(&mut self, key: &KeyEvent, _text: &[String]) -> Outcome<I> {
        match key.code {
            KeyCode::Enter => {
                return Outcome::Confirmed(self.intent.clone(), self.input.text().to_string());
            }
            KeyCode::Tab => self.complete(),
            _ => {
                self.input.on_key(key);
            }
        }
        Outcome::Open
    }

    fn typed(&self) -> String {
        self.input.text().to_string()
    }

    fn on_paste(&mut self, text: &str) {
        self.input.insert_str(text);
    }

    fn height(&self) -> u16 {
        2 + self.candidates.len().min(SHOWN) as u16
    }

    fn draw(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        draw_input(frame, area, ">", &self.input, true, theme);
        let below = (area.y + 1..area.bottom()).zip(self.candidates.iter().take(SHOWN));
        for (y, c) in below {
            let row = Rect {
                y,
                height: 1,
                ..area
            };
            frame.render_widget(Line::styled(format!("  {c}"), theme.dim), row);
        }
    }
}

/// The longest prefix all candidates share.
pub fn common_prefix(candidates: &[String]) -> Option<String> {
    let first = candidates.first()?;
    let mut len = first.len();
    for c in &candidates[1..] {
        len = len.min(
            first
                .char_indices()
                .zip(c.chars())
                .take_while(|((_, a), b)| a == b)
                .last()
                .map(|((i, a), _)| i + a.len_utf8())
                .unwrap_or(0),
        );
    }
    Some(first[..len].to_string())
}

/// Entries of one directory a completion looks at: Tab runs on the UI
/// task, so a directory of millions of files must not stall it.
const SCAN_LIMIT: usize = 20_000;
/// Candidates kept: more than a person reads, enough for their prefix.
const CANDIDATE_LIMIT: usize = 500;

/// Completes a filesystem path: entries of the typed directory that start
/// with the typed name; directories end with `/`. Bounded: at most
/// [`SCAN_LIMIT`] entries are read and [`CANDIDATE_LIMIT`] kept.
pub fn complete_path(typed: &str) -> Vec<String> {
    let expanded = comwit_client::places::expand_home(typed)
        .to_string_lossy()
        .into_owned();
    let (dir, name) = match expanded.rfind('/') {
        Some(i) => (&expanded[..=i], &expanded[i + 1..]),
        None => ("", expanded.as_str()),
    };
    let Ok(entries) = std::fs::read_dir(if dir.is_empty() { "." } else { dir }) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .take(SCAN_LIMIT)
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            if !n.starts_with(name) || (n.starts_with('.') && !name.starts_with('.')) {
                return None;
            }
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            Some(format!("{dir}{n}{}", if is_dir { "/" } else { "" }))
        })
        .take(CANDIDATE_LIMIT)
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_directory_gives_a_bounded_list() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..CANDIDATE_LIMIT + 50 {
            std::fs::write(dir.path().join(format!("f{i}")), "").unwrap();
        }
        let got = complete_path(&format!("{}/f", dir.path().display()));
        assert_eq!(got.len(), CANDIDATE_LIMIT);
    }

    #[test]
    fn paths_complete_to_the_common_prefix() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("public")).unwrap();
        std::fs::write(dir.path().join("package.json"), "{}").unwrap();
        let base = format!("{}/pu", dir.path().display());
        assert_eq!(
            complete_path(&base),
            vec![format!("{}/public/", dir.path().display())]
        );
        let both = complete_path(&format!("{}/p", dir.path().display()));
        assert_eq!(both.len(), 2);
        assert_eq!(
            common_prefix(&both).unwrap(),
            format!("{}/p", dir.path().display())
        );
    }
}
