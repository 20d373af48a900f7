//! An app's environment: list, add, edit, delete. Values are plain text
//! on the platform (no secret flag exists), so values that look like
//! credentials are flagged and masked until revealed.

use std::collections::HashSet;

use comwit_client::models::EnvVar;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row};

use super::detail::panel;
use super::{Hint, Interaction, ListUi, Remote, Update, View, hint, write_hint};
use crate::context::Ctx;
use crate::notice::Level;
use crate::theme::Theme;
use crate::widgets::list::PickerKey;
use crate::widgets::modal::{Field, Modal, Outcome};
use crate::widgets::table::{self, TableSpec};

#[derive(Clone)]
enum Intent {
    Set { editing: bool },
    Delete(String),
}

/// A write, kept so the error dialog's retry can repeat it (both are
/// idempotent on the platform: PUT and DELETE of one key).
#[derive(Clone)]
enum Write {
    Set(String, String),
    Remove(String),
}

pub enum Msg {
    Loaded(Result<Vec<EnvVar>, comwit_client::Error>),
    Saved(String, Result<(), comwit_client::Error>),
    Deleted(String, Result<(), comwit_client::Error>),
}

pub struct EnvView {
    project: String,
    app: String,
    data: Remote<Vec<EnvVar>>,
    ui: ListUi<Intent>,
    /// Keys whose flagged values the user chose to see.
    revealed: HashSet<String>,
    /// The last write that failed, for retry.
    failed: Option<Write>,
}

/// Why a key or value looks like a credential, if it does.
pub fn credential_warning(key: &str, value: &str) -> Option<&'static str> {
    let k = key.to_ascii_uppercase();
    const KEY_WORDS: [&str; 9] = [
        "SECRET",
        "TOKEN",
        "PASSWORD",
        "PASSWD",
        "API_KEY",
        "APIKEY",
        "PRIVATE",
        "CREDENTIAL",
        "AUTH",
    ];
    if KEY_WORDS.iter().any(|w| k.contains(w)) {
        return Some("the name suggests a credential");
    }
    const VALUE_PREFIXES: [&str; 9] = [
        "cwt_",
        "sk_live_",
        "sk_test_",
        "ghp_",
        "gho_",
        "github_pat_",
        "xoxb-",
        "xoxp-",
        "AKIA",
    ];
    if VALUE_PREFIXES.iter().any(|p| value.starts_with(p)) {
        return Some("the value looks like an API token");
    }
    if value.contains("-----BEGIN") {
        return Some("the value looks like a private key");
    }
    if value.starts_with("eyJ") && value.matches('.').count() == 2 {
        return Some("the value looks like a JWT");
    }
    if let Some((scheme, rest)) = value.split_once("://")
        && !scheme.is_empty()
        && rest.split('/').next().is_some_and(|auth| {
            auth.split_once('@')
                .is_some_and(|(user, _)| user.contains(':'))
        })
    {
        return Some("the URL carries a password");
    }
    let long_random = value.len() >= 32
        && !value.contains(' ')
        && value.chars().any(|c| c.is_ascii_digit())
        && value.chars().any(|c| c.is_ascii_alphabetic());
    if long_random {
        return Some("the value looks like a random secret");
    }
    None
}

impl EnvView {
    pub fn new(project: &str, app: &str) -> Self {
        Self {
            project: project.to_string(),
            app: app.to_string(),
            data: Remote::default(),
            ui: ListUi::default(),
            revealed: HashSet::new(),
            failed: None,
        }
    }

    fn vars(&self) -> &[EnvVar] {
        self.data.data.as_deref().unwrap_or(&[])
    }

    fn rows(&self) -> Vec<usize> {
        self.ui.rows(self.vars(), env_text)
    }

    fn selected(&self) -> Option<&EnvVar> {
        self.ui.selected(self.vars(), env_text)
    }

    fn form(&mut self, var: Option<&EnvVar>) {
        let editing = var.is_some();
        let key = Field::text("key", var.map(|v| v.key.as_str()).unwrap_or(""));
        self.ui.modal = Some(Modal::form(
            if editing {
                "Edit variable"
            } else {
                "Add variable"
            },
            vec!["Stored in plain text: readable by anyone with app:read on the project.".into()],
            vec![
                if editing { key.locked() } else { key },
                Field::text("value", var.map(|v| v.value.as_str()).unwrap_or("")),
            ],
            Intent::Set { editing },
        ));
    }

    fn submit(&mut self, values: Vec<String>, editing: bool, cx: &mut Ctx<'_>) {
        let (key, value) = (values[0].trim().to_string(), values[1].clone());
        if let Err(why) = super::checks::env_key(&key) {
            if let Some(m) = &mut self.ui.modal {
                m.refuse(why);
            }
            return;
        }
        if !editing && self.vars().iter().any(|v| v.key == key) {
            if let Some(m) = &mut self.ui.modal {
                m.refuse(format!("{key} exists: select it and press e to edit"));
            }
            return;
        }
        self.ui.modal = None;
        if let Some(why) = credential_warning(&key, &value) {
            cx.toast(
                Level::Warning,
                format!("⚠ {key}: {why}; env values are stored in plain text"),
            );
        }
        self.write(Write::Set(key, value), cx);
    }

    fn write(&mut self, write: Write, cx: &mut Ctx<'_>) {
        self.failed = Some(write.clone());
        let (client, project, app) = (cx.client().clone(), self.project.clone(), self.app.clone());
        cx.spawn(async move {
            let handle = client.apps(&project);
            let app = handle.app(&app);
            match write {
                Write::Set(key, value) => {
                    let result = app.set_env(&key, &value).await;
                    Msg::Saved(key, result)
                }
                Write::Remove(key) => {
                    let result = app.remove_env(&key).await;
                    Msg::Deleted(key, result)
                }
            }
        });
    }
}

/// What the `/` filter matches.
fn env_text(v: &EnvVar) -> String {
    v.key.clone()
}

impl View for EnvView {
    fn title(&self) -> String {
        "environment".into()
    }

    fn interaction(&self) -> Option<&dyn Interaction> {
        Some(&self.ui)
    }

    fn interaction_mut(&mut self) -> Option<&mut dyn Interaction> {
        Some(&mut self.ui)
    }

    fn hints(&self) -> Vec<Hint> {
        if let Some(h) = self.ui.hints() {
            return h;
        }
        let mut h = vec![write_hint("n", "add")];
        if let Some(v) = self.selected() {
            h.push(write_hint("e", "edit"));
            h.push(write_hint("x", "delete"));
            if credential_warning(&v.key, &v.value).is_some() {
                h.push(hint("v", "reveal/hide"));
            }
        }
        h
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) -> bool {
        if let Some(modal) = &mut self.ui.modal {
            match modal.on_key(key) {
                Outcome::Open => {}
                Outcome::Submitted(Intent::Set { editing }, values) => {
                    self.submit(values, editing, cx)
                }
                Outcome::Confirmed(Intent::Delete(k), _) => {
                    self.ui.modal = None;
                    self.write(Write::Remove(k), cx);
                }
                _ => self.ui.modal = None,
            }
            return true;
        }
        let len = self.rows().len();
        if let PickerKey::Used = self.ui.cursor.on_key(key, len, 10) {
            return true;
        }
        match key.code {
            KeyCode::Char('n') => {
                if cx.may_write() {
                    self.form(None);
                }
            }
            KeyCode::Char('e') | KeyCode::Enter => {
                if let Some(v) = self.selected().cloned()
                    && cx.may_write()
                {
                    self.form(Some(&v));
                }
            }
            KeyCode::Char('x') | KeyCode::Delete => {
                if let Some(v) = self.selected().cloned()
                    && cx.may_write()
                {
                    self.ui.modal = Some(Modal::confirm(
                        "Delete variable",
                        vec![format!(
                            "Remove {} from this app's environment? The next deploy runs without it.",
                            v.key
                        )],
                        Intent::Delete(v.key),
                    ));
                }
            }
            KeyCode::Char('v') => {
                if let Some(v) = self.selected().map(|v| v.key.clone())
                    && !self.revealed.remove(&v)
                {
                    self.revealed.insert(v);
                }
            }
            KeyCode::Esc if self.ui.cursor.clear_filter() => {}
            _ => return false,
        }
        true
    }

    fn refresh(&mut self, cx: &mut Ctx<'_>) {
        self.data.start();
        let (client, project, app) = (cx.client().clone(), self.project.clone(), self.app.clone());
        cx.spawn(async move { Msg::Loaded(client.apps(&project).app(&app).env().await) });
    }

    /// Repeats the write that failed (safe: both are idempotent).
    fn retry(&mut self, cx: &mut Ctx<'_>) {
        match self.failed.clone() {
            Some(w) => self.write(w, cx),
            None => self.refresh(cx),
        }
    }

    fn copy(&self) -> Option<(String, String)> {
        self.selected()
            .map(|v| (format!("the value of {}", v.key), v.value.clone()))
    }

    fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme, focused: bool) {
        let mut above = vec![Line::styled(
            "Plain text on the platform (no secret flag; see ?). ⚠ = looks like a credential.",
            theme.dim,
        )];
        if let Some(s) = self.data.status() {
            above.push(Line::styled(s, theme.dim));
        }
        let rows = self.rows();
        let vars = self.data.data.as_deref().unwrap_or(&[]);
        let revealed = &self.revealed;
        table::draw(
            frame,
            area,
            TableSpec {
                block: panel(&self.title(), theme, focused),
                header: &["", "key", "value"],
                widths: &[
                    Constraint::Length(1),
                    Constraint::Length(28),
                    Constraint::Min(10),
                ],
                above,
                empty: "no variables: press n to add one",
                len: rows.len(),
                focused,
            },
            &mut self.ui.cursor,
            theme,
            |i| {
                let v = &vars[rows[i]];
                let flagged = credential_warning(&v.key, &v.value).is_some();
                let value = if flagged && !revealed.contains(&v.key) {
                    "•••••••• (v reveals)".to_string()
                } else {
                    v.value.clone()
                };
                Row::new(vec![
                    Cell::from(if flagged { "⚠" } else { " " }).style(theme.warn),
                    Cell::from(v.key.clone()),
                    Cell::from(value),
                ])
            },
        );
    }
}

impl Update for EnvView {
    type Msg = Msg;

    fn update(&mut self, msg: Msg, cx: &mut Ctx<'_>) {
        match msg {
            Msg::Loaded(result) => {
                if let Err(e) = &result {
                    cx.fail("Loading the environment", e);
                }
                self.data.finish(result);
            }
            Msg::Saved(key, Ok(())) => {
                self.failed = None;
                cx.toast(Level::Success, format!("saved {key}"));
                self.refresh(cx);
            }
            Msg::Deleted(key, Ok(())) => {
                self.failed = None;
                cx.toast(Level::Success, format!("deleted {key}"));
                self.refresh(cx);
            }
            Msg::Saved(key, Err(e)) => cx.fail(&format!("Saving {key}"), &e),
            Msg::Deleted(key, Err(e)) => cx.fail(&format!("Deleting {key}"), &e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_recognised_by_name_and_shape() {
        assert!(credential_warning("STRIPE_SECRET", "x").is_some());
        assert!(credential_warning("GITHUB", "ghp_abcdef").is_some());
        assert!(credential_warning("DATABASE_URL", "postgres://u:pw@db/x").is_some());
        assert!(credential_warning("SIGNING", "-----BEGIN PRIVATE KEY-----").is_some());
        assert!(credential_warning("X", "3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d").is_some());
        assert!(credential_warning("LOG_LEVEL", "info").is_none());
        assert!(credential_warning("SITE_URL", "https://shop.example/x").is_none());
    }
}
