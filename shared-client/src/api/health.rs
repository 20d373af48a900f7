use reqwest::Method;

use crate::client::{Access, Call, Client, transport};
use crate::models::{PlatformStatus, Readiness};

pub struct Health<'c> {
    pub(crate) client: &'c Client,
}

impl Health<'_> {
    /// `GET /healthz`: true while the API process serves.
    pub async fn live(&self) -> crate::Result<bool> {
        let call = Call::get("/healthz".into(), Access::Public);
        Ok(self.client.execute(&call).await.is_ok())
    }

    /// `GET /readyz`: 503 means Louhi or brrrd is unreachable; that is an
    /// answer, not an error.
    pub async fn ready(&self) -> crate::Result<Readiness> {
        let route = "GET /readyz";
        let resp = self
            .client
            .http()
            .request(Method::GET, self.client.url("/readyz"))
            .send()
            .await
            .map_err(|e| transport(route, &e))?;
        let ready = resp.status().is_success();
        let body = resp.json().await.unwrap_or(serde_json::Value::Null);
        Ok(Readiness { ready, body })
    }

    /// `GET /v1/status` (operator only).
    pub async fn status(&self) -> crate::Result<PlatformStatus> {
        self.client
            .json(Call::get("/v1/status".into(), Access::Operator))
            .await
    }

    /// `GET /openapi.json`, the platform's authoritative spec.
    pub async fn openapi(&self) -> crate::Result<serde_json::Value> {
        self.client
            .json(Call::get("/openapi.json".into(), Access::Public))
            .await
    }
}
