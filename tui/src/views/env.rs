//! An app's environment: list, add, edit, delete. Values are plain text
//! on the platform (no secret flag exists), so values that look like
//! credentials are flagged and masked until revealed.

use std::collections::HashSet;

use comwit_client::models::EnvVar;
use comwit_client::{Client, Error};
use ratatui::layout::Constraint;
use ratatui::text::Line;
use ratatui::widgets::Cell;

use super::resource::{Column, Detail, KeyAction, List, Resource};
use crate::context::Ctx;
use crate::keymap::Binding;
use crate::notice::Level;
use crate::theme::Theme;
use crate::widgets::modal::{Field, Modal, Outcome, Values};
use ratatui::crossterm::event::KeyCode;

#[derive(Clone)]
pub enum Intent {
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
    Saved(String, Result<(), Error>),
    Deleted(String, Result<(), Error>),
}

pub struct Env {
    project: String,
    app: String,
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

impl Env {
    pub fn new(project: &str, app: &str) -> Self {
        Self {
            project: project.to_string(),
            app: app.to_string(),
            revealed: HashSet::new(),
            failed: None,
        }
    }

    /// The add or edit form. A value the list masks stays masked in the
    /// form (ctrl-r shows it), so editing it does not print it.
    fn form(&self, var: Option<&EnvVar>) -> Modal<Intent> {
        let editing = var.is_some();
        let key = Field::text("key", var.map(|v| v.key.as_str()).unwrap_or(""));
        let value = var.map(|v| v.value.as_str()).unwrap_or("");
        let value = if var.is_some_and(|v| masked(self, v)) {
            Field::secret("value", value)
        } else {
            Field::text("value", value)
        };
        Modal::form(
            if editing {
                "Edit variable"
            } else {
                "Add variable"
            },
            vec!["Stored in plain text: readable by anyone with app:read on the project.".into()],
            vec![if editing { key.locked() } else { key }, value],
            Intent::Set { editing },
        )
    }

    fn submit(&mut self, list: &mut List<Self>, values: Values, editing: bool, cx: &mut Ctx<'_>) {
        let (key, value) = (
            values.get("key").trim().to_string(),
            values.get("value").to_string(),
        );
        if let Err(why) = super::checks::env_key(&key) {
            return list.refuse(why);
        }
        if !editing && list.items().iter().any(|v| v.key == key) {
            return list.refuse(format!("{key} exists: select it and press e to edit"));
        }
        // Warned before it is sent: once the value is stored, it is
        // readable; a second submit, unchanged, means "store it anyway".
        if let Some(why) = credential_warning(&key, &value)
            && !list.cautioned()
        {
            return list.caution(format!(
                "{key}: {why}. The platform stores env values in plain text (there is no \
                 secret flag): anyone with app:read on the project can read it. Press enter \
                 again to save anyway, or esc to keep it out."
            ));
        }
        list.wait();
        self.write(list, Write::Set(key, value), cx);
    }

    fn write(&mut self, list: &List<Self>, write: Write, cx: &mut Ctx<'_>) {
        self.failed = Some(write.clone());
        let (client, project, app) = (cx.client().clone(), self.project.clone(), self.app.clone());
        list.spawn(cx, async move {
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

/// Whether a variable's value is flagged and not revealed.
fn masked(env: &Env, v: &EnvVar) -> bool {
    credential_warning(&v.key, &v.value).is_some() && !env.revealed.contains(&v.key)
}

/// The value as the screen may show it: masked until revealed.
fn shown_value(env: &Env, v: &EnvVar) -> String {
    if masked(env, v) {
        "•••••••• (v reveals)".to_string()
    } else {
        v.value.clone()
    }
}

impl Resource for Env {
    type Item = EnvVar;
    type Intent = Intent;
    type Msg = Msg;

    const LOADING: &'static str = "Loading the environment";
    const COLUMNS: &'static [Column] = &[
        ("", Constraint::Length(1)),
        ("key", Constraint::Length(28)),
        ("value", Constraint::Min(10)),
    ];
    const ACTIONS: &'static [KeyAction<Self>] = &[
        KeyAction {
            keys: &[Binding::plain('n')],
            what: "add a variable",
            write: true,
            hint: |_, _| Some("add"),
            run: |env, list, _| list.open(env.form(None)),
        },
        KeyAction {
            keys: &[Binding::plain('e')],
            what: "edit the variable",
            write: true,
            hint: |_, list| list.selected().map(|_| "edit"),
            run: |env, list, _| {
                let form = env.form(list.selected());
                list.open(form);
            },
        },
        KeyAction {
            keys: &[Binding::plain('x'), Binding::key(KeyCode::Delete)],
            what: "delete the variable",
            write: true,
            hint: |_, list| list.selected().map(|_| "delete"),
            run: |_, list, _| {
                let Some(key) = list.selected().map(|v| v.key.clone()) else {
                    return;
                };
                list.open(Modal::confirm(
                    "Delete variable",
                    vec![format!(
                        "Remove {key} from this app's environment? The next deploy runs without it."
                    )],
                    Intent::Delete(key),
                ));
            },
        },
        KeyAction {
            keys: &[Binding::plain('v')],
            what: "reveal or hide the value",
            write: false,
            hint: |env, list| {
                let v = list.selected()?;
                credential_warning(&v.key, &v.value)?;
                Some(if masked(env, v) { "reveal" } else { "hide" })
            },
            run: |env, list, _| {
                if let Some(key) = list.selected().map(|v| v.key.clone())
                    && !env.revealed.remove(&key)
                {
                    env.revealed.insert(key);
                }
            },
        },
    ];

    fn title(&self) -> String {
        "environment".into()
    }

    fn empty(&self) -> &'static str {
        "no variables: press n to add one"
    }

    /// The value stays masked in the details until `v` reveals it.
    fn detail(&self, v: &EnvVar) -> Detail {
        let mut facts = vec![("key", v.key.clone()), ("value", shown_value(self, v))];
        if let Some(why) = credential_warning(&v.key, &v.value) {
            facts.push(("⚠ warning", format!("{why}; stored in plain text")));
        }
        facts.push(("stored", "plain text, readable with app:read".into()));
        Detail::Facts {
            title: v.key.clone(),
            facts,
        }
    }

    fn facts(&self, _list: &List<Self>, theme: &Theme) -> Vec<Line<'static>> {
        vec![Line::styled(
            "Plain text on the platform (no secret flag; see ?). ⚠ = looks like a credential.",
            theme.dim,
        )]
    }

    fn cells(&self, v: &EnvVar, theme: &Theme) -> Vec<Cell<'static>> {
        let flagged = credential_warning(&v.key, &v.value).is_some();
        let value = shown_value(self, v);
        vec![
            Cell::from(if flagged { "⚠" } else { " " }).style(theme.warn),
            Cell::from(v.key.clone()),
            Cell::from(value),
        ]
    }

    fn filter_text(&self, v: &EnvVar) -> String {
        v.key.clone()
    }

    type Loaded = Vec<EnvVar>;

    fn load(
        &self,
        client: Client,
    ) -> impl Future<Output = Result<Vec<EnvVar>, Error>> + Send + 'static {
        let (project, app) = (self.project.clone(), self.app.clone());
        async move { client.apps(&project).app(&app).env().await }
    }

    fn accept(&mut self, list: Vec<EnvVar>) -> Vec<EnvVar> {
        list
    }

    fn dialog(&mut self, list: &mut List<Self>, outcome: Outcome<Intent>, cx: &mut Ctx<'_>) {
        match outcome {
            Outcome::Submitted(Intent::Set { editing }, values) => {
                self.submit(list, values, editing, cx)
            }
            // The confirm waits for the answer: a refusal shows in it.
            Outcome::Confirmed(Intent::Delete(k), _) => {
                list.wait();
                self.write(list, Write::Remove(k), cx);
            }
            _ => list.close(),
        }
    }

    fn update(&mut self, list: &mut List<Self>, msg: Msg, cx: &mut Ctx<'_>) {
        match msg {
            Msg::Saved(key, Ok(())) => {
                list.accepted();
                self.failed = None;
                cx.toast(Level::Success, format!("saved {key}"));
                list.reload();
            }
            Msg::Deleted(key, Ok(())) => {
                list.accepted();
                self.failed = None;
                cx.toast(Level::Success, format!("deleted {key}"));
                list.reload();
            }
            Msg::Saved(key, Err(e)) => {
                if !list.refused(&e) {
                    cx.fail(&format!("Saving {key}"), &e);
                }
            }
            Msg::Deleted(key, Err(e)) => {
                if !list.refused(&e) {
                    cx.fail(&format!("Deleting {key}"), &e);
                }
            }
        }
    }

    /// Repeats the write that failed (safe: both are idempotent).
    fn retry(&mut self, list: &mut List<Self>, cx: &mut Ctx<'_>) -> bool {
        match self.failed.clone() {
            Some(w) => {
                self.write(list, w, cx);
                true
            }
            None => false,
        }
    }

    fn copy(&self, v: &EnvVar) -> Option<(String, String)> {
        Some((format!("the value of {}", v.key), v.value.clone()))
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
