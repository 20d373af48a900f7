//! Where the dashboard can point — its contexts, as `:ctx` lists them —
//! and how each is opened: the embedded sandbox as its demo user or its
//! operator, the configured API with the token saved for it, and other
//! addresses given a token in this run.
//!
//! One switchboard lives as long as the process. Each context gets a fresh
//! dashboard (its own tree and views, its own event channel), so an answer
//! from one context's background work can never land in another's.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use comwit_client::credentials::{Credentials, OPERATOR_TOKEN_ENV, TOKEN_ENV, TokenSource};
use comwit_client::delegation::{Parents, system_resolvers};
use comwit_client::{Client, DEFAULT_API_URL, Secret, TokenKind};
use comwit_sandbox::{Sandbox, SandboxInfo};

use tokio::sync::mpsc::UnboundedSender;

use crate::action::Action;
use crate::firstrun::{Ending, FirstRun};
use crate::remembered::Remembered;
use crate::session::{Session, sandbox_session, user_agent};

/// One place the dashboard can point, as one identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The embedded sandbox (started on first use), as its demo user or
    /// its operator.
    Sandbox { operator: bool },
    /// The configured API (`--api-url`, `COMWIT_API_URL`, else Comwit
    /// Cloud) with the token saved for it.
    Configured { operator: bool },
    /// Another address, with a token given in this run (kept in memory).
    Other { url: String, token: Secret },
}

impl Target {
    pub fn is_operator(&self) -> bool {
        match self {
            Target::Sandbox { operator } | Target::Configured { operator } => *operator,
            Target::Other { token, .. } => token.kind() == TokenKind::Operator,
        }
    }

    /// "user" or "operator".
    pub fn identity(&self) -> &'static str {
        if self.is_operator() {
            "operator"
        } else {
            "user"
        }
    }
}

/// What kind of place a context is, for its header colour: production
/// stands out from the sandbox, and both from anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Sandbox,
    Cloud,
    Other,
}

/// The label and kind of place of a context whose client talks to `url`.
pub fn place_of(target: &Target, url: &str) -> (String, Place) {
    match target {
        Target::Sandbox { .. } => ("sandbox".into(), Place::Sandbox),
        _ if url == DEFAULT_API_URL => ("Comwit Cloud".into(), Place::Cloud),
        _ => (url.to_string(), Place::Other),
    }
}

/// One line of `:ctx`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub target: Target,
    /// "sandbox", "Comwit Cloud" or the address.
    pub label: String,
    pub place: Place,
    /// Where its token comes from.
    pub source: String,
    /// A token is saved for it; the configured API without one is listed
    /// too, to sign in to.
    pub signed_in: bool,
}

/// Why a dashboard ends, and what comes next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    Quit,
    /// Open this context instead.
    Switch(Target),
    /// The sign-in screen (device login or a pasted token); esc there
    /// comes back to this context.
    SignIn,
    /// Forget this context's token everywhere it is stored, then offer
    /// to sign in again.
    SignOut(Target),
}

impl Exit {
    /// The question asked when leaving loses work.
    pub fn question(&self) -> &'static str {
        match self {
            Exit::Quit => "Quit anyway?",
            Exit::Switch(_) => "Switch anyway?",
            Exit::SignIn => "Leave for the sign-in screen anyway?",
            Exit::SignOut(_) => "Sign out anyway?",
        }
    }
}

/// What the screen shows next.
pub enum Screen {
    Dashboard {
        session: Box<Session>,
        /// Said once the dashboard opens (where a token went, a failure).
        notice: Option<String>,
    },
    SignIn {
        /// The dashboard esc goes back to (none after signing out).
        back: Option<Box<Session>>,
        /// Why the screen is shown (signed out, and from where).
        said: Option<String>,
    },
    Quit,
}

/// The sandbox `:ctx` opens: none yet, one this process started, or one
/// someone else runs (a test's).
enum SandboxSlot {
    None,
    Owned(Box<Sandbox>),
    Attached(Box<SandboxInfo>),
}

pub struct Switchboard {
    /// `--api-url`; without it the client reads `COMWIT_API_URL`, else
    /// Comwit Cloud.
    api_url: Option<String>,
    /// The system's credentials (`COMWIT_TOKEN`, `config.json`, keyring).
    credentials: Arc<Credentials>,
    read_only: bool,
    /// The project to open on the configured API.
    project: Option<String>,
    sandbox: SandboxSlot,
    /// `--sandbox-data`: where the sandbox (and its remembered deploy
    /// options) live between runs.
    sandbox_data: Option<PathBuf>,
    /// The sandbox's database tokens, in memory, kept across switches.
    sandbox_credentials: Arc<Credentials>,
    /// Other addresses given a token in this run.
    others: Vec<(String, Secret)>,
}

impl Switchboard {
    pub fn new(
        api_url: Option<String>,
        credentials: Arc<Credentials>,
        read_only: bool,
        project: Option<String>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            api_url,
            credentials,
            read_only,
            project,
            sandbox: SandboxSlot::None,
            sandbox_data: None,
            sandbox_credentials: Arc::new(Credentials::in_memory()?),
            others: Vec::new(),
        })
    }

    /// The sandbox keeps its data (and deploy options) in `dir`.
    pub fn sandbox_data(mut self, dir: Option<PathBuf>) -> Self {
        self.sandbox_data = dir;
        self
    }

    /// `Target::Sandbox` opens this running sandbox (not one of its own).
    pub fn attached(mut self, info: &SandboxInfo) -> Self {
        self.sandbox = SandboxSlot::Attached(Box::new(info.clone()));
        self
    }

    /// The address the configured API is reached at, as the client reads it.
    pub fn api_address(&self) -> String {
        self.client(self.api_url.as_deref(), None)
            .map(|c| c.base_url().to_string())
            .unwrap_or_else(|_| self.api_url.clone().unwrap_or_default())
    }

    fn client(&self, url: Option<&str>, token: Option<Secret>) -> anyhow::Result<Client> {
        let mut builder = Client::builder()
            .maybe_token(token)
            .user_agent(user_agent());
        if let Some(url) = url {
            builder = builder.base_url(url);
        }
        Ok(builder.build()?)
    }

    /// The configured API's token for `operator` (reading the keyring on
    /// a blocking thread: it may wait on an unlock prompt).
    async fn saved_token(&self, operator: bool) -> anyhow::Result<Option<(Secret, TokenSource)>> {
        saved_token(&self.credentials, operator).await
    }

    /// The context the dashboard starts in: the configured API's operator
    /// token, else its user token; `None` when neither is saved.
    pub async fn configured(&self) -> anyhow::Result<Option<Target>> {
        for operator in [true, false] {
            if self.saved_token(operator).await?.is_some() {
                return Ok(Some(Target::Configured { operator }));
            }
        }
        Ok(None)
    }

    /// A dashboard session on `target`, starting the sandbox if need be.
    pub async fn open(&mut self, target: &Target) -> anyhow::Result<Session> {
        let mut session = match target {
            Target::Sandbox { operator } => self.sandbox_session(*operator).await?,
            Target::Configured { operator } => {
                let (token, _) = self
                    .saved_token(*operator)
                    .await?
                    .with_context(|| format!("no {} token is saved any more", target.identity()))?;
                let url = self.api_url.clone();
                self.remote(url.as_deref(), token, None, target.clone())?
            }
            Target::Other { url, token } => {
                self.remember(url, token);
                self.remote(Some(url), token.clone(), None, target.clone())?
            }
        };
        session.contexts = self.listing();
        Ok(session)
    }

    /// A session on a token just signed in with (or pasted) on the
    /// sign-in screen, at the address that screen used.
    pub async fn signed_in(
        &mut self,
        url: Option<String>,
        token: Secret,
        scopes: Option<Vec<String>>,
    ) -> anyhow::Result<Session> {
        let configured = url.is_none() || url == self.api_url;
        let target = match url.clone() {
            Some(url) if !configured => Target::Other {
                url,
                token: token.clone(),
            },
            _ => Target::Configured {
                operator: token.kind() == TokenKind::Operator,
            },
        };
        if let Target::Other { url, token } = &target {
            self.remember(url, token);
        }
        let url = if configured {
            self.api_url.clone()
        } else {
            url
        };
        let mut session = self.remote(url.as_deref(), token, scopes, target)?;
        session.contexts = self.listing();
        Ok(session)
    }

    fn remember(&mut self, url: &str, token: &Secret) {
        if !self.others.iter().any(|(u, t)| u == url && t == token) {
            self.others.push((url.to_string(), token.clone()));
        }
    }

    /// A session on an API other than the embedded sandbox.
    fn remote(
        &self,
        url: Option<&str>,
        token: Secret,
        scopes: Option<Vec<String>>,
        context: Target,
    ) -> anyhow::Result<Session> {
        let client = self.client(url, Some(token))?;
        let (target, _) = place_of(&context, client.base_url());
        let configured = matches!(context, Target::Configured { .. });
        Ok(Session {
            client,
            target,
            context,
            contexts: Listing::default(),
            scopes,
            credentials: self.credentials.clone(),
            secrets_in_memory: false,
            sql_operator: None,
            read_only: self.read_only,
            // `--project` and `default_project` name a project of the
            // configured API, not of any other address.
            project: self.project.clone().filter(|_| configured),
            dns_parents: Parents::Root,
            resolvers: system_resolvers(),
            deploy_options: if configured {
                Remembered::in_state_dir()
            } else {
                Remembered::in_memory()
            },
            sandbox: None,
        })
    }

    async fn sandbox_session(&mut self, operator: bool) -> anyhow::Result<Session> {
        if matches!(self.sandbox, SandboxSlot::None) {
            let mut builder = Sandbox::builder().seed_demo();
            if let Some(dir) = &self.sandbox_data {
                builder = builder.data_dir(dir);
            }
            let started = builder.start().await.context("starting the sandbox")?;
            self.sandbox = SandboxSlot::Owned(Box::new(started));
        }
        let info = match &self.sandbox {
            SandboxSlot::Owned(s) => s.info(),
            SandboxSlot::Attached(info) => info,
            SandboxSlot::None => unreachable!("started above"),
        };
        let mut session = sandbox_session(info, self.read_only, operator)?;
        session.credentials = self.sandbox_credentials.clone();
        if let Some(dir) = &self.sandbox_data {
            session.deploy_options = Remembered::in_dir(dir);
        }
        Ok(session)
    }

    /// What follows a dashboard that ended with `exit`; a switch that
    /// fails goes back to `session`, saying why.
    pub async fn after(&mut self, exit: Exit, session: Session) -> Screen {
        let back = |session, notice| Screen::Dashboard {
            session: Box::new(session),
            notice: Some(notice),
        };
        match exit {
            Exit::Quit => Screen::Quit,
            Exit::SignIn => Screen::SignIn {
                back: Some(Box::new(session)),
                said: None,
            },
            Exit::Switch(target) => match self.open(&target).await {
                Ok(next) => Screen::Dashboard {
                    session: Box::new(next),
                    notice: None,
                },
                Err(e) => back(session, format!("could not switch context: {e:#}")),
            },
            Exit::SignOut(target) => match self.sign_out(&target).await {
                Ok(said) => Screen::SignIn {
                    back: None,
                    said: Some(said),
                },
                Err(e) => back(session, format!("not signed out: {e:#}")),
            },
        }
    }

    /// The sign-in screen for the configured API (`said`: why it shows;
    /// `back`: esc returns to a dashboard), given its channel.
    pub fn sign_in_screen(
        &self,
        said: Option<String>,
        back: bool,
    ) -> impl FnOnce(UnboundedSender<Action>) -> FirstRun + use<> {
        let (url, credentials) = (self.api_url.clone(), self.credentials.clone());
        move |tx| FirstRun::new(url, credentials, tx).again(said, back)
    }

    /// What follows the sign-in screen: the new session, or the dashboard
    /// it was opened from when it was left without signing in.
    pub async fn after_sign_in(
        &mut self,
        ending: Ending,
        notice: Option<String>,
        back: Option<Box<Session>>,
    ) -> Screen {
        let opened = match ending {
            Ending::Quit => {
                return match back {
                    Some(session) => Screen::Dashboard {
                        session,
                        notice: None,
                    },
                    None => Screen::Quit,
                };
            }
            Ending::Sandbox => self.open(&Target::Sandbox { operator: false }).await,
            Ending::SignedIn { url, token, scopes } => self.signed_in(url, token, scopes).await,
        };
        match opened {
            Ok(session) => Screen::Dashboard {
                session: Box::new(session),
                notice,
            },
            Err(e) => Screen::SignIn {
                back,
                said: Some(format!("That did not open: {e:#}")),
            },
        }
    }

    /// Forgets `target`'s token in every place it was stored, and says
    /// where (and what is left that only the user can remove).
    pub async fn sign_out(&mut self, target: &Target) -> anyhow::Result<String> {
        let operator = target.is_operator();
        match target {
            Target::Sandbox { .. } => anyhow::bail!(
                "the sandbox's tokens live in memory and die with it: there is nothing to forget"
            ),
            Target::Other { url, token } => {
                self.others.retain(|(u, t)| !(u == url && t == token));
                return Ok(format!(
                    "Signed out of {url}: its token was kept in memory only, and is forgotten."
                ));
            }
            Target::Configured { .. } => {}
        }
        let credentials = self.credentials.clone();
        crate::blocking::run(move || {
            if operator {
                credentials.clear_operator_token()
            } else {
                credentials.clear_user_token()
            }
        })
        .await
        .map_err(anyhow::Error::msg)??;
        let (label, _) = place_of(target, &self.api_address());
        let mut said = if operator {
            format!("Signed out of {label}: the operator token was removed from the keyring.")
        } else {
            format!(
                "Signed out of {label}: the user token was removed from config.json (where the \
                 comwit CLI reads it too) and from the keyring."
            )
        };
        if let Some((_, TokenSource::Environment)) = self.saved_token(operator).await? {
            let var = if operator {
                OPERATOR_TOKEN_ENV
            } else {
                TOKEN_ENV
            };
            said.push_str(&format!(
                " {var} is still set in your environment: unset it, or it signs you in again."
            ));
        }
        Ok(said)
    }

    /// Stops the sandbox this process started, if any.
    pub async fn shutdown(self) {
        if let SandboxSlot::Owned(sandbox) = self.sandbox {
            (*sandbox).shutdown().await;
        }
    }

    /// What `:ctx` will list, read when it opens.
    pub fn listing(&self) -> Listing {
        Listing {
            api_address: self.api_address(),
            credentials: Some(self.credentials.clone()),
            others: self.others.clone(),
        }
    }
}

/// What signing out of `target` (labelled `label`) removes, asked
/// before it is done.
pub fn sign_out_warning(target: &Target, label: &str) -> String {
    match target {
        Target::Configured { operator: false } => format!(
            "Signing out of {label} removes the user token from config.json (the comwit CLI \
             is signed out too) and from the keyring."
        ),
        Target::Configured { operator: true } => {
            format!("Signing out of {label} removes the operator token from the keyring.")
        }
        Target::Other { url, .. } => {
            format!("Signing out of {url} forgets its token (kept in memory for this run).")
        }
        Target::Sandbox { .. } => "The sandbox's tokens live in memory only.".into(),
    }
}

/// The saved token for `operator` or the user, and where it was found,
/// read on a blocking thread (a keyring may wait on an unlock prompt).
async fn saved_token(
    credentials: &Arc<Credentials>,
    operator: bool,
) -> anyhow::Result<Option<(Secret, TokenSource)>> {
    let credentials = credentials.clone();
    let found = crate::blocking::run(move || {
        if operator {
            credentials.operator_token()
        } else {
            credentials.user_token()
        }
    })
    .await
    .map_err(anyhow::Error::msg)??;
    Ok(found)
}

/// What `:ctx` lists, read only when it opens: reading the keyring may
/// ask to unlock it, which must not happen at start or at each switch.
#[derive(Clone, Default)]
pub struct Listing {
    /// The configured API's address.
    api_address: String,
    /// The system's credentials (`None`: a session made without a
    /// switchboard, which offers only the sandbox).
    credentials: Option<Arc<Credentials>>,
    /// Addresses given a token in this run.
    others: Vec<(String, Secret)>,
}

impl Listing {
    /// Every context `:ctx` offers now: the sandbox both ways, the
    /// configured API with each saved token (the user's always, to sign
    /// in to), and the addresses given a token in this run.
    pub async fn entries(&self) -> anyhow::Result<Vec<Entry>> {
        let sandbox = |operator| Entry {
            target: Target::Sandbox { operator },
            label: "sandbox".into(),
            place: Place::Sandbox,
            source: "demo data, in memory".into(),
            signed_in: true,
        };
        let mut entries = vec![sandbox(false), sandbox(true)];
        if let Some(credentials) = &self.credentials {
            for operator in [false, true] {
                let saved = saved_token(credentials, operator).await?;
                if saved.is_none() && operator {
                    continue;
                }
                entries.push(self.configured(operator, saved.map(|(_, s)| s)));
            }
        }
        for (url, token) in &self.others {
            let target = Target::Other {
                url: url.clone(),
                token: token.clone(),
            };
            let (label, place) = place_of(&target, url);
            entries.push(Entry {
                target,
                label,
                place,
                source: "given in this run (memory only)".into(),
                signed_in: true,
            });
        }
        Ok(entries)
    }

    /// The configured API's line, with where its token was found.
    fn configured(&self, operator: bool, found: Option<TokenSource>) -> Entry {
        let target = Target::Configured { operator };
        let (label, place) = place_of(&target, &self.api_address);
        Entry {
            target,
            label,
            place,
            source: found.map_or("not signed in: enter signs in".into(), |s| {
                source_text(s, operator)
            }),
            signed_in: found.is_some(),
        }
    }
}

/// Where a saved token was found, in the user's terms.
fn source_text(source: TokenSource, operator: bool) -> String {
    match source {
        TokenSource::Environment if operator => OPERATOR_TOKEN_ENV.into(),
        TokenSource::Environment => TOKEN_ENV.into(),
        TokenSource::ConfigFile => "config.json".into(),
        TokenSource::Keyring => "keyring".into(),
    }
}
