//! `:ctx`: every context the dashboard can point at — the sandbox as its
//! demo user or operator, the configured API with each saved token, other
//! addresses given a token in this run — with the current one marked.
//! `enter` switches (a fresh dashboard: its own tree and header colour),
//! `a` adds another API address with a token (checked before it is used),
//! `l` opens the sign-in screen and `x` signs out of the selected context.

use comwit_client::{Client, Error, Secret};
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Constraint;
use ratatui::widgets::Cell;

use super::resource::{Column, Detail, KeyAction, List, Resource};
use crate::context::{Ctx, Effect};
use crate::keymap::Binding;
use crate::notice::Level;
use crate::session::user_agent;
use crate::switchboard::{Entry, Exit, Listing, Place, Target};
use crate::theme::Theme;
use crate::widgets::modal::{Field, Modal, Outcome};
use comwit_client::rules;

pub struct Contexts {
    listing: Listing,
    current: Target,
}

#[derive(Clone)]
pub enum Intent {
    Add,
}

pub enum Msg {
    /// The token for another address was checked: `Ok` switches to it.
    Checked(Result<Target, Error>),
}

impl Contexts {
    pub fn new(listing: Listing, current: Target) -> Self {
        Self { listing, current }
    }

    /// The typed address and token, checked for form before any call.
    fn add(&self, list: &mut List<Self>, url: &str, token: &str, cx: &mut Ctx<'_>) {
        let token = Secret::new(token.trim().to_string());
        if let Err(why) = rules::user_token(token.expose()) {
            return list.refuse(why.to_string());
        }
        let client = match Client::builder()
            .base_url(url.trim())
            .token(token.clone())
            .user_agent(user_agent())
            .build()
        {
            Ok(client) => client,
            Err(e) => return list.refuse(e.to_string()),
        };
        list.wait();
        list.spawn(cx, async move {
            // A cheap authenticated call proves the token works there.
            let checked = client.projects().list().await.map(|_| Target::Other {
                url: client.base_url().to_string(),
                token,
            });
            Msg::Checked(checked)
        });
    }
}

fn add_form() -> Modal<Intent> {
    Modal::form(
        "Another API",
        vec![
            "An API address (https://, or http:// for a local sandbox) and a cwt_ user \
             token or an operator token for it. The token is checked there, then kept in \
             memory for this run only."
                .into(),
        ],
        vec![
            Field::text("address", "https://"),
            Field::secret("token", ""),
        ],
        Intent::Add,
    )
}

/// Sandbox, production and anything else, as the header colours them.
fn place_text(place: Place) -> &'static str {
    match place {
        Place::Sandbox => "local",
        Place::Cloud => "production",
        Place::Other => "other",
    }
}

impl Resource for Contexts {
    type Item = Entry;
    type Intent = Intent;
    type Msg = Msg;

    const LOADING: &'static str = "Listing contexts";
    const COLUMNS: &'static [Column] = &[
        ("", Constraint::Length(1)),
        ("context", Constraint::Min(16)),
        ("as", Constraint::Length(8)),
        ("kind", Constraint::Length(10)),
        ("token from", Constraint::Length(30)),
    ];
    const ACTIONS: &'static [KeyAction<Self>] = &[
        KeyAction {
            keys: &[Binding::key(KeyCode::Enter)],
            what: "switch to the context (a fresh dashboard on it)",
            write: false,
            hint: |_, list| {
                list.selected()
                    .map(|e| if e.signed_in { "switch" } else { "sign in" })
            },
            run: |ctx, list, cx| {
                let Some(entry) = list.selected() else { return };
                let exit = if entry.target == ctx.current {
                    return cx.toast(Level::Info, "this is the current context");
                } else if entry.signed_in {
                    Exit::Switch(entry.target.clone())
                } else {
                    Exit::SignIn
                };
                cx.effects.push(Effect::Exit(exit));
            },
        },
        KeyAction {
            keys: &[Binding::plain('a')],
            what: "add another API address with a token",
            write: false,
            hint: |_, _| Some("another API"),
            run: |_, list, _| list.open(add_form()),
        },
        KeyAction {
            keys: &[Binding::plain('l')],
            what: "sign in: device login or a pasted token (:login)",
            write: false,
            hint: |_, _| Some("sign in"),
            run: |_, _, cx| cx.effects.push(Effect::Exit(Exit::SignIn)),
        },
        KeyAction {
            keys: &[Binding::plain('x')],
            what: "sign out of the context: forget its token wherever it is saved (:logout)",
            write: false,
            hint: |_, list| {
                list.selected()
                    .filter(|e| e.signed_in && !matches!(e.target, Target::Sandbox { .. }))
                    .map(|_| "sign out")
            },
            run: |_, list, cx| {
                if let Some(entry) = list.selected() {
                    let exit = Exit::SignOut(entry.target.clone());
                    cx.effects.push(Effect::Exit(exit));
                }
            },
        },
    ];

    fn title(&self) -> String {
        "contexts".into()
    }

    fn empty(&self) -> &'static str {
        "no contexts: press a to add an API address, or l to sign in"
    }

    fn detail(&self, entry: &Entry) -> Detail {
        Detail::Facts {
            title: entry.label.clone(),
            facts: vec![
                ("as", entry.target.identity().into()),
                ("token from", entry.source.clone()),
            ],
        }
    }

    fn cells(&self, entry: &Entry, theme: &Theme) -> Vec<Cell<'static>> {
        let current = entry.target == self.current;
        vec![
            Cell::from(if current { "●" } else { "" }),
            Cell::from(entry.label.clone()).style(theme.place(entry.place)),
            Cell::from(entry.target.identity()),
            Cell::from(place_text(entry.place)),
            Cell::from(entry.source.clone()),
        ]
    }

    fn filter_text(&self, entry: &Entry) -> String {
        let place = place_text(entry.place);
        let (label, identity) = (&entry.label, entry.target.identity());
        format!("{label} {identity} {place} {}", entry.source)
    }

    type Loaded = Vec<Entry>;

    /// Read now: the saved tokens (the keyring among them) are only
    /// looked at when the list is opened.
    fn load(
        &self,
        _client: Client,
    ) -> impl Future<Output = Result<Vec<Entry>, Error>> + Send + 'static {
        let listing = self.listing.clone();
        async move {
            listing
                .entries()
                .await
                .map_err(|e| Error::Credentials(format!("{e:#}")))
        }
    }

    fn accept(&mut self, entries: Vec<Entry>) -> Vec<Entry> {
        entries
    }

    /// Starts on the current context.
    fn loaded(&mut self, list: &mut List<Self>) {
        let current = self.current.clone();
        list.select(|e| e.target == current);
    }

    fn dialog(&mut self, list: &mut List<Self>, outcome: Outcome<Intent>, cx: &mut Ctx<'_>) {
        match outcome {
            Outcome::Submitted(Intent::Add, values) => {
                let (url, token) = (values.get("address"), values.get("token"));
                self.add(list, url, token, cx)
            }
            _ => list.close(),
        }
    }

    fn update(&mut self, list: &mut List<Self>, msg: Msg, cx: &mut Ctx<'_>) {
        let Msg::Checked(checked) = msg;
        match checked {
            Ok(target) => {
                list.accepted();
                cx.effects.push(Effect::Exit(Exit::Switch(target)));
            }
            Err(e) => {
                let why = if e.is_unauthorized() {
                    "the API refused this token (401): check it was copied whole".to_string()
                } else {
                    e.to_string()
                };
                if !list.refused_because(why) {
                    cx.toast(Level::Error, format!("adding the API failed: {e}"));
                }
            }
        }
    }
}
