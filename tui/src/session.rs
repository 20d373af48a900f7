//! Who the dashboard acts as and where: the API client, the credential
//! store database tokens go to, and the switches that limit what it may do.

use std::sync::Arc;

use comwit_client::credentials::Credentials;
use comwit_client::delegation::Parents;
use comwit_client::{Client, Secret, TokenKind};

use crate::remembered::Remembered;
use crate::switchboard::{Listing, Place, Target, place_of};

pub struct Session {
    pub client: Client,
    /// "sandbox", "Comwit Cloud" or the custom URL.
    pub target: String,
    /// The context this session is (what `:ctx` marks as current).
    pub context: Target,
    /// What `:ctx` offers, this context included (read when it opens).
    pub contexts: Listing,
    /// Scopes of the user token, when known (device login and the sandbox
    /// say; a pasted or configured token does not).
    pub scopes: Option<Vec<String>>,
    /// Where database tokens are kept: the keyring, or memory in sandbox mode.
    pub credentials: Arc<Credentials>,
    /// `credentials` is the in-memory store (said so when a token is saved).
    pub secrets_in_memory: bool,
    /// An operator client for SQL when the user token cannot mint query
    /// tokens (the sandbox keeps its operator token in memory).
    pub sql_operator: Option<Client>,
    pub read_only: bool,
    /// `--project`, `COMWIT_PROJECT` or `default_project`.
    pub project: Option<String>,
    /// Where the delegation prober finds parent zones (the root servers,
    /// or the sandbox's registry).
    pub dns_parents: Parents,
    /// Resolvers for the propagation hint.
    pub resolvers: Vec<std::net::SocketAddr>,
    /// The deploy options last used per app.
    pub deploy_options: Remembered,
    /// The embedded sandbox's own side (its site listener, its operator
    /// routes), when this session is on it.
    pub sandbox: Option<SandboxAccess>,
}

/// What the dashboard may reach of the sandbox it runs on, besides the API.
#[derive(Clone)]
pub struct SandboxAccess {
    pub api_url: String,
    /// The site listener: an app's active build as files at
    /// `/apps/{app_id}/`.
    pub site_url: String,
    /// For `/_sandbox/*` (`:fault`).
    pub operator_token: Secret,
}

/// Where one-time database tokens go, apart from the session so a save
/// can run on a blocking thread (a keyring call may wait on an unlock
/// prompt; the screen keeps drawing).
#[derive(Clone)]
pub struct TokenStore {
    credentials: Arc<Credentials>,
    in_memory: bool,
}

impl TokenStore {
    /// Saves a one-time database token before it is shown, off the UI
    /// task, and says where it went (or why it did not, with what to do).
    pub async fn save(self, database_id: String, token: Secret) -> Result<String, String> {
        crate::blocking::run(move || self.save_now(&database_id, &token))
            .await
            .unwrap_or_else(|e| Err(not_saved(&e)))
    }

    /// Blocks on the keyring or the token file: only through [`Self::save`].
    fn save_now(&self, database_id: &str, token: &Secret) -> Result<String, String> {
        match self.credentials.store_database_token(database_id, token) {
            Ok(_) if self.in_memory => {
                Ok("Saved in memory for this sandbox session (never written to disk).".into())
            }
            Ok(comwit_client::credentials::Saved::Keyring) => {
                Ok("Saved to your keyring: the SQL console will use it.".into())
            }
            Ok(comwit_client::credentials::Saved::File { notice, .. }) => Ok(notice),
            Err(e) => Err(not_saved(&e)),
        }
    }
}

fn not_saved(why: &dyn std::fmt::Display) -> String {
    format!("could not save the token ({why}): copy it now, it is shown only once")
}

impl Session {
    /// Where database tokens are saved (see [`TokenStore::save`]).
    pub fn token_store(&self) -> TokenStore {
        TokenStore {
            credentials: self.credentials.clone(),
            in_memory: self.secrets_in_memory,
        }
    }

    pub fn token_kind(&self) -> Option<TokenKind> {
        self.client.token_kind()
    }

    pub fn is_operator(&self) -> bool {
        self.token_kind() == Some(TokenKind::Operator)
    }

    /// Where an app's active build can be looked at, on the sandbox;
    /// elsewhere a build is looked at on its hostname.
    pub fn site_url(&self) -> Option<&str> {
        self.sandbox.as_ref().map(|s| s.site_url.as_str())
    }

    /// What kind of place this is, for the header's colour.
    pub fn place(&self) -> Place {
        place_of(&self.context, self.client.base_url()).1
    }
}

/// The session of `--sandbox`: the demo user's token (or, `as_operator`,
/// the operator token), credentials in memory only, the sandbox's
/// registry as DNS parent.
pub fn sandbox_session(
    info: &comwit_sandbox::SandboxInfo,
    read_only: bool,
    as_operator: bool,
) -> anyhow::Result<Session> {
    let agent = user_agent();
    let client = Client::builder()
        .base_url(&info.api_url)
        .token(info.user_token.as_str())
        .user_agent(agent.clone())
        .build()?;
    let operator = Client::builder()
        .base_url(&info.api_url)
        .token(info.operator_token.as_str())
        .user_agent(agent)
        .build()?;
    let registry = info
        .registry_dns_addr
        .parse()
        .map_err(|e| anyhow::anyhow!("sandbox registry DNS address: {e}"))?;
    let (client, sql_operator) = if as_operator {
        (operator, None)
    } else {
        (client, Some(operator))
    };
    Ok(Session {
        client,
        target: "sandbox".into(),
        context: Target::Sandbox {
            operator: as_operator,
        },
        contexts: Listing::default(),
        scopes: Some(
            comwit_sandbox::LIVE_SCOPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
        credentials: Arc::new(Credentials::in_memory()?),
        secrets_in_memory: true,
        sql_operator,
        read_only,
        // The demo spreads over several projects: start at the top.
        project: None,
        dns_parents: Parents::Fixed(vec![registry]),
        resolvers: vec![info.dns_addr.parse()?],
        // The sandbox's ids die with it (unless it keeps a data directory,
        // where the caller puts them).
        deploy_options: Remembered::in_memory(),
        sandbox: Some(SandboxAccess {
            api_url: info.api_url.clone(),
            site_url: info.site_url.clone(),
            operator_token: Secret::new(info.operator_token.clone()),
        }),
    })
}

pub fn user_agent() -> String {
    format!("comwit-tui/{}", env!("CARGO_PKG_VERSION"))
}
