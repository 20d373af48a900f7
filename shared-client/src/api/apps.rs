use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::client::{Access, Call, Client, Retry, decode, seg};
use crate::error::Error;
use crate::models::{
    App, AppDeletion, AttachResult, Build, DnsMode, EnvVar, Finalized, Hostname, ManagedDnsStatus,
    Rollback,
};

/// `client.apps(project)`: the apps of one project.
pub struct Apps<'c> {
    pub(crate) client: &'c Client,
    pub(crate) project: String,
}

impl<'c> Apps<'c> {
    fn base(&self) -> String {
        format!("/v1/projects/{}/apps", seg(&self.project))
    }

    pub async fn list(&self) -> crate::Result<Vec<App>> {
        let call = Call::get(self.base(), Access::Scope("app:read"));
        let route = call.route();
        super::unwrap(&route, self.client.json(call).await?, "apps")
    }

    /// Not retried: a repeat could race a second create.
    pub async fn create(&self, name: &str) -> crate::Result<App> {
        let call = Call::write(
            Method::POST,
            self.base(),
            Access::Scope("app:write"),
            Retry::Never,
        )
        .json(json!({ "name": name }));
        let route = call.route();
        super::unwrap(&route, self.client.json(call).await?, "app")
    }

    /// One app (with its builds).
    pub async fn get(&self, app_id: &str) -> crate::Result<App> {
        self.app(app_id).get().await
    }

    /// Finds an app by id or name.
    pub async fn find(&self, id_or_name: &str) -> crate::Result<Option<App>> {
        Ok(self
            .list()
            .await?
            .into_iter()
            .find(|a| a.app_id == id_or_name || a.name == id_or_name))
    }

    pub fn app(&self, app_id: &str) -> AppHandle<'c> {
        AppHandle {
            client: self.client,
            base: format!("{}/{}", self.base(), seg(app_id)),
        }
    }
}

/// `client.apps(project).app(id)`: one app's builds, environment and
/// hostnames.
pub struct AppHandle<'c> {
    pub(crate) client: &'c Client,
    pub(crate) base: String,
}

impl AppHandle<'_> {
    pub async fn get(&self) -> crate::Result<App> {
        let call = Call::get(self.base.clone(), Access::Scope("app:read"));
        let route = call.route();
        super::unwrap(&route, self.client.json(call).await?, "app")
    }

    /// Re-entrant (documented), so retried on connection errors.
    pub async fn delete(&self) -> crate::Result<AppDeletion> {
        self.client
            .json(Call::write(
                Method::DELETE,
                self.base.clone(),
                Access::Scope("app:write"),
                Retry::Safe,
            ))
            .await
    }

    pub async fn builds(&self) -> crate::Result<Vec<Build>> {
        let call = Call::get(format!("{}/builds", self.base), Access::Scope("app:read"));
        let route = call.route();
        super::unwrap(&route, self.client.json(call).await?, "builds")
    }

    /// Re-activates `build_id`, or the build active before the current one.
    pub async fn rollback(&self, build_id: Option<&str>) -> crate::Result<Rollback> {
        let body = match build_id {
            Some(id) => json!({ "build_id": id }),
            None => json!({}),
        };
        self.client
            .json(
                Call::write(
                    Method::POST,
                    format!("{}/rollbacks", self.base),
                    Access::Scope("app:deploy"),
                    Retry::Never,
                )
                .json(body),
            )
            .await
    }

    pub async fn env(&self) -> crate::Result<Vec<EnvVar>> {
        let call = Call::get(
            format!("{}/environment", self.base),
            Access::Scope("app:read"),
        );
        let route = call.route();
        super::unwrap(&route, self.client.json(call).await?, "environment")
    }

    /// Creates or updates one plain value. Run once: environment writes
    /// are not on the documented retry-safe list.
    pub async fn set_env(&self, key: &str, value: &str) -> crate::Result<()> {
        let call = Call::write(
            Method::PUT,
            format!("{}/environment/{}", self.base, seg(key)),
            Access::Scope("app:write"),
            Retry::Never,
        )
        .json(json!({ "value": value, "secret": false }));
        self.client.execute(&call).await.map(|_| ())
    }

    pub async fn remove_env(&self, key: &str) -> crate::Result<()> {
        let call = Call::write(
            Method::DELETE,
            format!("{}/environment/{}", self.base, seg(key)),
            Access::Scope("app:write"),
            Retry::Never,
        );
        self.client.execute(&call).await.map(|_| ())
    }

    pub async fn hostnames(&self) -> crate::Result<Vec<Hostname>> {
        let call = Call::get(format!("{}/domains", self.base), Access::Scope("app:read"));
        let route = call.route();
        super::unwrap(&route, self.client.json(call).await?, "domains")
    }

    /// Attaches a hostname (idempotent, so retried). A 202 — bound but the
    /// managed DNS records failed — is `Error::ManagedDnsFailed`
    /// (`is_accepted_with_failure`); repeat the call to retry.
    pub async fn attach(&self, domain: &str, mode: DnsMode) -> crate::Result<AttachResult> {
        let call = Call::write(
            Method::POST,
            format!("{}/domains", self.base),
            Access::Scope("app:write"),
            Retry::Safe,
        )
        .json(json!({ "domain": domain, "dns_mode": mode }));
        let route = call.route();
        let (status, body) = self.client.execute(&call).await?;
        let result: AttachResult = decode(&route, &body)?;
        let failed = result
            .managed_dns
            .as_ref()
            .is_some_and(|m| m.status == ManagedDnsStatus::Failed);
        if status == StatusCode::ACCEPTED || failed {
            return Err(Error::ManagedDnsFailed {
                route,
                result: Box::new(result),
            });
        }
        Ok(result)
    }

    /// Completes activation (re-entrant, so retried).
    pub async fn finalize(&self, domain: &str) -> crate::Result<Finalized> {
        self.client
            .json(
                Call::write(
                    Method::POST,
                    format!("{}/domains/{}/finalize", self.base, seg(domain)),
                    Access::Scope("app:write"),
                    Retry::Safe,
                )
                .json(json!({})),
            )
            .await
    }

    pub(crate) fn deployments_path(&self) -> String {
        format!("{}/deployments", self.base)
    }
}
