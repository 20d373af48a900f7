use reqwest::Method;
use serde_json::json;

use crate::client::{Access, Call, Client, Retry, seg};
use crate::models::{
    CreatedDatabase, Database, DatabaseState, DatabaseStatus, DatabaseUsage, Deleted, QueryToken,
    RotatedToken,
};

/// `client.databases(project)`: the project surface (user tokens).
pub struct Databases<'c> {
    pub(crate) client: &'c Client,
    pub(crate) project: String,
}

impl Databases<'_> {
    fn base(&self) -> String {
        format!("/v1/projects/{}/databases", seg(&self.project))
    }

    /// Lists databases (never with a token).
    pub async fn list(&self) -> crate::Result<Vec<Database>> {
        let call = Call::get(self.base(), Access::Scope("database:read"));
        let route = call.route();
        super::unwrap(&route, self.client.json(call).await?, "databases")
    }

    /// Creates a database. The response carries the one-time
    /// `database_token`: store it at once (see `Credentials::store_database_token`).
    pub async fn create(&self, name: &str) -> crate::Result<CreatedDatabase> {
        self.client
            .json(
                Call::write(
                    Method::POST,
                    self.base(),
                    Access::Scope("database:write"),
                    Retry::Never,
                )
                .json(json!({ "name": name })),
            )
            .await
    }
}

/// `client.database_admin(database)`: the operator-only flat family.
pub struct DatabaseAdmin<'c> {
    pub(crate) client: &'c Client,
    pub(crate) database: String,
}

impl DatabaseAdmin<'_> {
    fn path(&self, tail: &str) -> String {
        format!("/v1/databases/{}{tail}", seg(&self.database))
    }

    pub async fn status(&self) -> crate::Result<DatabaseStatus> {
        let call = Call::get(self.path(""), Access::Operator);
        let route = call.route();
        super::unwrap(&route, self.client.json(call).await?, "database")
    }

    /// New one-time token; the old one stops working at once.
    pub async fn rotate_token(&self) -> crate::Result<RotatedToken> {
        self.client
            .json(Call::write(
                Method::POST,
                self.path("/token/rotate"),
                Access::Operator,
                Retry::Never,
            ))
            .await
    }

    /// A short-lived SQL token; the platform clamps `ttl_seconds` to 1..=3600.
    pub async fn query_token(
        &self,
        ttl_seconds: u64,
        audience: &str,
        reason: &str,
    ) -> crate::Result<QueryToken> {
        self.client
            .json(
                Call::write(
                    Method::POST,
                    self.path("/query-token"),
                    Access::Operator,
                    Retry::Never,
                )
                .json(json!({
                    "ttl_seconds": ttl_seconds,
                    "audience": audience,
                    "reason": reason,
                })),
            )
            .await
    }

    pub async fn suspend(&self) -> crate::Result<DatabaseState> {
        self.client
            .json(Call::write(
                Method::POST,
                self.path("/suspend"),
                Access::Operator,
                Retry::Never,
            ))
            .await
    }

    pub async fn resume(&self) -> crate::Result<DatabaseState> {
        self.client
            .json(Call::write(
                Method::POST,
                self.path("/resume"),
                Access::Operator,
                Retry::Never,
            ))
            .await
    }

    pub async fn usage(&self) -> crate::Result<DatabaseUsage> {
        self.client
            .json(Call::get(self.path("/usage"), Access::Operator))
            .await
    }

    /// Permanent.
    pub async fn delete(&self) -> crate::Result<Deleted> {
        self.client
            .json(Call::write(
                Method::DELETE,
                self.path(""),
                Access::Operator,
                Retry::Never,
            ))
            .await
    }
}
