//! A database's tokens beyond the one it was created with: a token made
//! elsewhere pasted in (saved like a created one, never shown again), an
//! operator's short-lived query token for another tool, and connecting the
//! database to an app — its URL and the stored token written as the app's
//! `DATABASE_URL` and `DATABASE_AUTH_TOKEN`, with the seeds' warning that
//! app environment values are plain text.

use std::sync::Arc;

use comwit_client::credentials::Credentials;
use comwit_client::{Client, Secret};

use crate::widgets::modal::{Field, Modal, Values};

/// The environment entries the seeds' guides use for a database.
pub const URL_KEY: &str = "DATABASE_URL";
pub const TOKEN_KEY: &str = "DATABASE_AUTH_TOKEN";

/// The contract clamps a query token's life to 1..=3600 seconds.
const TTL_RANGE: std::ops::RangeInclusive<u64> = 1..=3600;

pub fn paste_form<I: Clone>(database: &str, intent: I) -> Modal<I> {
    Modal::form(
        format!("Database token for {database}"),
        vec![
            "A token made elsewhere (the web console, the official CLI, another \
             machine's rotation). It is saved like a created one and never shown again."
                .into(),
        ],
        vec![Field::secret("token", "")],
        intent,
    )
}

/// The pasted token, or why it cannot be one.
pub fn pasted(values: &Values) -> Result<Secret, String> {
    let token = values.get("token").trim();
    if token.is_empty() {
        return Err("paste the token (nothing was typed)".into());
    }
    if token.chars().any(char::is_whitespace) {
        return Err("a token has no spaces or line breaks: paste it alone".into());
    }
    Ok(Secret::new(token))
}

pub fn mint_form<I: Clone>(intent: I) -> Modal<I> {
    Modal::form(
        "Mint a query token",
        vec![
            "A short-lived token for another tool (a migration script, a BI client), \
             recorded with its audience and reason. The platform clamps its life to \
             1 to 3600 seconds."
                .into(),
        ],
        vec![
            Field::text("ttl", "900").labelled("ttl seconds"),
            Field::text("audience", ""),
            Field::text("reason", ""),
        ],
        intent,
    )
}

/// What the mint form asks the platform for.
#[derive(Debug, Clone, PartialEq)]
pub struct Mint {
    pub ttl_seconds: u64,
    pub audience: String,
    pub reason: String,
}

pub fn mint(values: &Values) -> Result<Mint, String> {
    let ttl = values.get("ttl").trim();
    let ttl_seconds = ttl
        .parse::<u64>()
        .ok()
        .filter(|t| TTL_RANGE.contains(t))
        .ok_or_else(|| format!("ttl {ttl:?}: give whole seconds from 1 to 3600"))?;
    let field = |name: &str| {
        let v = values.get(name).trim().to_string();
        if v.is_empty() {
            Err(format!("say the {name}: it is recorded with the token"))
        } else {
            Ok(v)
        }
    };
    Ok(Mint {
        ttl_seconds,
        audience: field("audience")?,
        reason: field("reason")?,
    })
}

pub fn connect_form<I: Clone>(database: &str, intent: I) -> Modal<I> {
    Modal::form(
        format!("Connect {database} to an app"),
        vec![
            format!(
                "Sets the app's {URL_KEY} to the database's URL and {TOKEN_KEY} to your \
                 stored database token; the next deploy runs with them."
            ),
            "⚠ App environment values are stored as plain text on the platform (there is \
             no secret store yet): anyone who can read the app's environment can read \
             this token."
                .into(),
        ],
        vec![Field::text("app", "").labelled("app (name or id)")],
        intent,
    )
}

/// The database an app is connected to: where it is and what it is called.
pub struct Connection {
    pub project: String,
    pub database_id: String,
    pub name: String,
    pub url: String,
}

/// Writes the database's URL and stored token into `app`'s environment;
/// the app's name on success. Reads the keyring on a blocking thread.
pub async fn connect(
    client: Client,
    credentials: Arc<Credentials>,
    db: Connection,
    app: String,
) -> Result<String, String> {
    let id = db.database_id.clone();
    let read = move || credentials.database_token(&id);
    let token = crate::blocking::run(read)
        .await?
        .map_err(|e| format!("could not read the stored token: {e}"))?
        .ok_or_else(|| {
            format!(
                "no database token of yours is stored for {}: paste one (t) or have an \
                 operator rotate it, then connect again",
                db.name
            )
        })?;
    let apps = client.apps(&db.project);
    let found = apps
        .find(app.trim())
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no app {:?} in this project", app.trim()))?;
    let handle = apps.app(&found.app_id);
    handle
        .set_env(URL_KEY, &db.url)
        .await
        .map_err(|e| e.to_string())?;
    handle
        .set_env(TOKEN_KEY, token.expose())
        .await
        .map_err(|e| e.to_string())?;
    Ok(found.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&'static str, &str)]) -> Values {
        Values::from_pairs(pairs.iter().map(|(k, v)| (*k, v.to_string())).collect())
    }

    #[test]
    fn a_pasted_token_is_one_word() {
        assert_eq!(
            pasted(&values(&[("token", " abc ")])).unwrap().expose(),
            "abc"
        );
        assert!(
            pasted(&values(&[("token", "")]))
                .unwrap_err()
                .contains("nothing")
        );
        assert!(
            pasted(&values(&[("token", "a b")]))
                .unwrap_err()
                .contains("no spaces")
        );
    }

    #[test]
    fn a_mint_needs_a_ttl_in_range_an_audience_and_a_reason() {
        let ok = mint(&values(&[
            ("ttl", "60"),
            ("audience", "bi"),
            ("reason", "report"),
        ]));
        assert_eq!(
            ok.unwrap(),
            Mint {
                ttl_seconds: 60,
                audience: "bi".into(),
                reason: "report".into()
            }
        );
        let long = mint(&values(&[
            ("ttl", "7200"),
            ("audience", "bi"),
            ("reason", "r"),
        ]));
        assert!(long.unwrap_err().contains("1 to 3600"));
        let why = mint(&values(&[
            ("ttl", "60"),
            ("audience", "bi"),
            ("reason", " "),
        ]));
        assert!(why.unwrap_err().contains("reason"));
    }
}
