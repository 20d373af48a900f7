//! The sign-in screen: shown when no credentials are configured, after
//! `:logout`, and on `:login`. Sign in with the browser (device login),
//! paste a token, or explore a local sandbox; it ends with the token (saved
//! where `tui.toml` says) for the switchboard to open a session on.

use std::any::Any;
use std::sync::Arc;

use comwit_client::credentials::{Credentials, Saved};
use comwit_client::{Client, Error, Secret, TokenKind};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use ratatui::layout::Position;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use tokio::sync::mpsc::UnboundedSender;

use crate::action::Action;
use crate::session::user_agent;
use crate::theme::Theme;
use crate::tree::NodeKey;
use crate::widgets::centered;
use crate::widgets::input::LineInput;
use comwit_client::rules;

const CHOICES: [(&str, &str); 3] = [
    (
        "Sign in with your browser",
        "device login: a code to approve in the web console",
    ),
    (
        "Paste a token",
        "a cwt_ token from the console (or an operator token)",
    ),
    (
        "Explore the sandbox",
        "a local Comwit Cloud with demo data; nothing is saved",
    ),
];

enum Stage {
    Menu(usize),
    Device {
        code: Option<(String, String)>,
        status: String,
    },
    Paste {
        input: LineInput,
        checking: bool,
        error: Option<String>,
    },
    /// Changing the API address.
    Address {
        input: LineInput,
        error: Option<String>,
    },
    /// Signed in; the token is being saved (off the UI task).
    Saving,
    Failed(String),
}

enum Msg {
    DeviceCode {
        user_code: String,
        uri: String,
        opened: bool,
    },
    SignedIn(Result<(Secret, Vec<String>), String>),
    Pasted(Result<Secret, String>),
    /// The token was saved; the notice says where (or why not).
    Saved {
        token: Secret,
        scopes: Option<Vec<String>>,
        notice: String,
    },
}

/// How the sign-in screen ended.
pub enum Ending {
    /// Quit (or, from a dashboard, go back to it).
    Quit,
    /// Signed in at `url` (`None`: the configured address) with `token`,
    /// saved by now (or the notice says why not).
    SignedIn {
        url: Option<String>,
        token: Secret,
        scopes: Option<Vec<String>>,
    },
    /// Explore the embedded sandbox.
    Sandbox,
}

pub struct FirstRun {
    stage: Stage,
    api_url: Option<String>,
    credentials: Arc<Credentials>,
    tx: UnboundedSender<Action>,
    /// Why the screen is shown, instead of "no credentials found".
    said: Option<String>,
    /// Esc and q go back to a dashboard instead of quitting.
    back: bool,
    pub ending: Option<Ending>,
    /// Where a saved token went, shown once the dashboard opens.
    pub saved_notice: Option<String>,
}

impl FirstRun {
    pub fn new(
        api_url: Option<String>,
        credentials: Arc<Credentials>,
        tx: UnboundedSender<Action>,
    ) -> Self {
        Self {
            stage: Stage::Menu(0),
            api_url,
            credentials,
            tx,
            said: None,
            back: false,
            ending: None,
            saved_notice: None,
        }
    }

    /// Shown again from a dashboard: `said` says why (signed out), and
    /// with `back` esc returns to the dashboard.
    pub fn again(mut self, said: Option<String>, back: bool) -> Self {
        self.said = said;
        self.back = back;
        self
    }

    fn client(&self, token: Option<Secret>) -> Result<Client, String> {
        let mut b = Client::builder()
            .maybe_token(token)
            .user_agent(user_agent());
        if let Some(url) = &self.api_url {
            b = b.base_url(url);
        }
        b.build().map_err(|e| e.to_string())
    }

    /// The API address sign-in and token checks will use (the configured
    /// one, `COMWIT_API_URL`, else Comwit Cloud), as the client reads it.
    pub fn api_address(&self) -> String {
        self.client(None)
            .map(|c| c.base_url().to_string())
            .unwrap_or_else(|e| e)
    }

    fn spawn(&self, work: impl std::future::Future<Output = Msg> + Send + 'static) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let msg = work.await;
            let _ = tx.send(Action::View(NodeKey::Root, Box::new(msg)));
        });
    }

    pub fn update(&mut self, action: Action) {
        match action {
            Action::Key(k) if k.kind == KeyEventKind::Press => self.on_key(k),
            Action::Paste(text) => {
                if let Stage::Paste { input, .. } = &mut self.stage {
                    input.insert_str(text.trim());
                }
            }
            Action::View(_, msg) => self.on_msg(msg),
            _ => {}
        }
    }

    fn on_key(&mut self, key: KeyEvent) {
        if key.code == KeyCode::Char('c')
            && key
                .modifiers
                .contains(ratatui::crossterm::event::KeyModifiers::CONTROL)
        {
            self.ending = Some(Ending::Quit);
            return;
        }
        match &mut self.stage {
            Stage::Menu(selected) => match key.code {
                KeyCode::Down | KeyCode::Char('j') => *selected = (*selected + 1) % CHOICES.len(),
                KeyCode::Up | KeyCode::Char('k') => {
                    *selected = (*selected + CHOICES.len() - 1) % CHOICES.len()
                }
                KeyCode::Char(c @ '1'..='3') => {
                    let i = c as usize - '1' as usize;
                    self.choose(i);
                }
                KeyCode::Enter => {
                    let i = *selected;
                    self.choose(i);
                }
                KeyCode::Char('a') => {
                    self.stage = Stage::Address {
                        input: LineInput::new(self.api_address()),
                        error: None,
                    }
                }
                KeyCode::Esc | KeyCode::Char('q') => self.ending = Some(Ending::Quit),
                _ => {}
            },
            Stage::Address { .. } => self.on_address_key(key),
            Stage::Paste {
                input,
                checking,
                error,
            } => match key.code {
                KeyCode::Esc => self.stage = Stage::Menu(1),
                KeyCode::Enter if !*checking => {
                    let token = Secret::new(input.text().trim().to_string());
                    // The form first: a truncated paste is named here, not
                    // sent to come back as a bare 401.
                    if let Err(why) = rules::user_token(token.expose()) {
                        *error = Some(why.to_string());
                        return;
                    }
                    *checking = true;
                    *error = None;
                    self.check_token(token);
                }
                _ => {
                    input.on_key(&key);
                    *error = None;
                }
            },
            Stage::Saving => {}
            Stage::Device { .. } => {
                if key.code == KeyCode::Esc {
                    self.stage = Stage::Menu(0);
                }
            }
            Stage::Failed(_) => self.stage = Stage::Menu(0),
        }
    }

    /// Editing the API address: enter keeps it if the client accepts it.
    fn on_address_key(&mut self, key: KeyEvent) {
        let Stage::Address { input, error } = &mut self.stage else {
            return;
        };
        match key.code {
            KeyCode::Esc => self.stage = Stage::Menu(0),
            KeyCode::Enter => {
                let url = input.text().trim().to_string();
                match Client::builder().base_url(&url).build() {
                    Ok(_) => {
                        self.api_url = Some(url);
                        self.stage = Stage::Menu(0);
                    }
                    Err(e) => *error = Some(e.to_string()),
                }
            }
            _ => {
                input.on_key(&key);
                *error = None;
            }
        }
    }

    /// A cheap authenticated call proves a pasted token works.
    fn check_token(&mut self, token: Secret) {
        let client = match self.client(Some(token.clone())) {
            Ok(client) => client,
            Err(e) => return self.stage = Stage::Failed(e),
        };
        self.spawn(async move {
            let url = client.base_url().to_string();
            Msg::Pasted(match client.projects().list().await {
                Ok(_) => Ok(token),
                Err(e) if e.is_unauthorized() => {
                    Err("the API refused this token (401): check it was copied whole".into())
                }
                Err(e) => Err(explain(&e, &url)),
            })
        });
    }

    fn choose(&mut self, choice: usize) {
        match choice {
            0 => {
                let client = match self.client(None) {
                    Ok(c) => c,
                    Err(e) => {
                        self.stage = Stage::Failed(e);
                        return;
                    }
                };
                self.stage = Stage::Device {
                    code: None,
                    status: "asking the API for a code…".into(),
                };
                let tx = self.tx.clone();
                self.spawn(async move {
                    let url = client.base_url().to_string();
                    let login = client.device_login();
                    let auth = match login.start().await {
                        Ok(a) => a,
                        Err(e) => return Msg::SignedIn(Err(explain(&e, &url))),
                    };
                    let uri = auth
                        .verification_uri_complete
                        .clone()
                        .unwrap_or_else(|| auth.verification_uri.clone());
                    let opened = crate::browser::open(&uri);
                    let _ = tx.send(Action::View(
                        NodeKey::Root,
                        Box::new(Msg::DeviceCode {
                            user_code: auth.user_code.clone(),
                            uri,
                            opened,
                        }),
                    ));
                    Msg::SignedIn(
                        login
                            .wait(&auth, |_| {})
                            .await
                            .map(|t| (t.token, t.scopes))
                            .map_err(|e| explain(&e, &url)),
                    )
                });
            }
            1 => {
                self.stage = Stage::Paste {
                    input: LineInput::masked(),
                    checking: false,
                    error: None,
                }
            }
            _ => self.ending = Some(Ending::Sandbox),
        }
    }

    fn on_msg(&mut self, msg: Box<dyn Any + Send>) {
        let Ok(msg) = msg.downcast::<Msg>() else {
            return;
        };
        match *msg {
            Msg::DeviceCode {
                user_code,
                uri,
                opened,
            } => {
                self.stage = Stage::Device {
                    code: Some((user_code, uri)),
                    status: if opened {
                        "opened your browser; approve the code there. Waiting…".into()
                    } else {
                        "open the URL in a browser and approve the code. Waiting…".into()
                    },
                }
            }
            Msg::SignedIn(Ok((token, scopes))) => self.save(token, Some(scopes)),
            Msg::SignedIn(Err(e)) => self.stage = Stage::Failed(format!("Sign-in failed: {e}")),
            Msg::Pasted(Ok(token)) => self.save(token, None),
            Msg::Pasted(Err(e)) => {
                if let Stage::Paste {
                    checking, error, ..
                } = &mut self.stage
                {
                    *checking = false;
                    *error = Some(e);
                }
            }
            Msg::Saved {
                token,
                scopes,
                notice,
            } => {
                self.saved_notice = Some(notice);
                self.finish(token, scopes);
            }
        }
    }

    /// Saves the token where `tui.toml` says (a user token to `config.json`,
    /// where the official CLI reads it, by default; an operator token to the
    /// keyring) on a blocking thread; [`Self::finish`] follows when it answers.
    fn save(&mut self, token: Secret, scopes: Option<Vec<String>>) {
        self.stage = Stage::Saving;
        let credentials = self.credentials.clone();
        self.spawn(async move {
            let saving = token.clone();
            let saved = crate::blocking::run(move || match saving.kind() {
                TokenKind::User => credentials.save_user_token(&saving),
                TokenKind::Operator => credentials.save_operator_token(&saving),
            })
            .await
            .and_then(|saved| saved.map_err(|e| e.to_string()));
            let notice = match saved {
                Ok(Saved::Keyring) => "signed in; the token is saved in your keyring".into(),
                Ok(Saved::File { notice, .. }) => format!("signed in; {notice}"),
                Err(e) => format!("signed in for this session only: saving the token failed ({e})"),
            };
            Msg::Saved {
                token,
                scopes,
                notice,
            }
        });
    }

    /// Ends with the token (saved by now) and the address it is for.
    fn finish(&mut self, token: Secret, scopes: Option<Vec<String>>) {
        self.ending = Some(Ending::SignedIn {
            url: self.api_url.clone(),
            token,
            scopes,
        });
    }

    pub fn draw(&self, frame: &mut Frame<'_>, theme: &Theme) {
        let area = centered(frame.area(), 76, 18);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focused)
            .title(if self.back || self.said.is_some() {
                " Sign in "
            } else {
                " Welcome to comwit "
            });
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let said = self.said.as_deref().unwrap_or(if self.back {
            "Sign in to another account, or paste a token."
        } else {
            "No credentials found (COMWIT_TOKEN, config.json or the keyring)."
        });
        let mut lines = vec![Line::raw(said.to_string()), Line::raw("")];
        lines.extend(self.stage_lines(theme));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if let Stage::Paste { input, .. } | Stage::Address { input, .. } = &self.stage {
            let (_, cursor) = input.display();
            frame.set_cursor_position(Position::new(
                (inner.x + 2 + cursor as u16).min(inner.x + inner.width.saturating_sub(1)),
                inner.y + 3,
            ));
        }
    }
}

impl FirstRun {
    /// The choices, under the API address they will use.
    fn menu_lines(&self, selected: usize, theme: &Theme) -> Vec<Line<'static>> {
        let mut out = Vec::new();
        out.push(Line::from(vec![
            Span::raw("API: "),
            Span::styled(self.api_address(), theme.accent),
            Span::styled("  (a: change)", theme.dim),
        ]));
        out.push(Line::raw(""));
        for (i, (title, what)) in CHOICES.iter().enumerate() {
            let style = if i == selected {
                theme.selected
            } else {
                ratatui::style::Style::new()
            };
            out.push(Line::styled(format!(" {}. {title} ", i + 1), style));
            out.push(Line::styled(format!("    {what}"), theme.dim));
        }
        out.push(Line::raw(""));
        let leave = if self.back { "q back" } else { "q quit" };
        out.push(Line::styled(
            format!("↑↓ choose   enter select   a API address   {leave}"),
            theme.dim,
        ));
        out
    }

    /// What the current stage shows under the welcome line.
    fn stage_lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        let mut out = Vec::new();
        match &self.stage {
            Stage::Menu(selected) => out.extend(self.menu_lines(*selected, theme)),
            Stage::Device { code, status } => {
                if let Some((user_code, uri)) = code {
                    out.push(Line::from(vec![
                        Span::raw("Code:  "),
                        Span::styled(user_code.clone(), theme.key),
                    ]));
                    out.push(Line::from(vec![
                        Span::raw("URL:   "),
                        Span::styled(uri.clone(), theme.accent),
                    ]));
                    out.push(Line::raw(""));
                }
                out.push(Line::styled(status.clone(), theme.dim));
                out.push(Line::raw(""));
                out.push(Line::styled("esc back", theme.dim));
            }
            Stage::Paste {
                input,
                checking,
                error,
            } => {
                out.push(Line::raw("Paste your token (it stays hidden):"));
                let (text, _) = input.display();
                out.push(Line::styled(format!("> {text}"), theme.accent));
                if *checking {
                    out.push(Line::styled("checking it with the API…", theme.dim));
                }
                if let Some(e) = error {
                    out.push(Line::styled(format!("✗ {e}"), theme.error));
                }
                out.push(Line::raw(""));
                out.push(Line::styled("enter check and save   esc back", theme.dim));
            }
            Stage::Address { input, error } => {
                out.push(Line::raw(
                    "The API address (https://, or http:// for a local sandbox):",
                ));
                out.push(Line::styled(
                    format!("> {}", input.display().0),
                    theme.accent,
                ));
                if let Some(e) = error {
                    out.push(Line::styled(format!("✗ {e}"), theme.error));
                }
                out.push(Line::raw(""));
                out.push(Line::styled("enter use it   esc back", theme.dim));
            }
            Stage::Saving => out.push(Line::raw("signed in; saving the token…")),
            Stage::Failed(e) => {
                out.push(Line::styled(e.clone(), theme.error));
                out.push(Line::raw(""));
                out.push(Line::styled("any key: back to the choices", theme.dim));
            }
        }
        out
    }
}

/// A failed call, in the user's terms: for an API that cannot be reached,
/// why (as far as the error tells) and the two ways on; other errors
/// already say what the API answered.
fn explain(err: &Error, url: &str) -> String {
    if !err.is_transport() {
        return err.to_string();
    }
    let detail = err.to_string().to_lowercase();
    let cause = if detail.contains("refused") {
        "nothing answers there (connection refused)"
    } else if ["dns", "resolve", "lookup"]
        .iter()
        .any(|w| detail.contains(w))
    {
        "the host name does not resolve"
    } else if detail.contains("timed out") {
        "no answer in time (timed out)"
    } else if detail.contains("certificate") || detail.contains("tls") {
        "the secure connection failed (TLS certificate)"
    } else {
        "the connection failed"
    };
    format!(
        "Could not reach the API at {url}: {cause}. Check the address (a on the first screen \
         changes it), or choose 3 to explore the sandbox without an account."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_token_is_saved_off_the_ui_task_before_the_dashboard_opens() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let creds = Arc::new(Credentials::in_memory().unwrap());
        let api = Some("http://127.0.0.1:9".to_string());
        let mut first = FirstRun::new(api, creds.clone(), tx);
        let token = Secret::new(format!("cwt_{}", "0".repeat(40)));
        first.on_msg(Box::new(Msg::Pasted(Ok(token))));
        assert!(first.ending.is_none(), "not before the save answers");
        assert!(matches!(first.stage, Stage::Saving));

        let saved = rx.recv().await.expect("the save reports back");
        first.update(saved);
        assert!(matches!(first.ending, Some(Ending::SignedIn { .. })));
        assert_eq!(
            first.saved_notice.as_deref(),
            Some("signed in; the token is saved in your keyring")
        );
        assert!(creds.user_token().unwrap().is_some(), "and it was saved");
    }
}
