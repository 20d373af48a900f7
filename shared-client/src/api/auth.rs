//! Device login (RFC 8628 style): start, show the code, poll.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::client::{Access, Call, Client, Retry};
use crate::error::Error;
use crate::models::{DeviceAuthorization, DeviceToken};
use crate::secret::Secret;

/// One poll's answer.
#[derive(Debug)]
pub enum Poll {
    Pending,
    /// Polling too fast: wait 5 s longer from now on.
    SlowDown,
    Approved(DeviceToken),
    Denied,
    Expired,
}

pub struct DeviceLogin<'c> {
    pub(crate) client: &'c Client,
}

impl DeviceLogin<'_> {
    pub async fn start(&self) -> crate::Result<DeviceAuthorization> {
        self.client
            .json(
                Call::write(
                    Method::POST,
                    "/v1/auth/device".into(),
                    Access::Public,
                    Retry::Never,
                )
                .json(json!({})),
            )
            .await
    }

    pub async fn poll(&self, device_code: &Secret) -> crate::Result<Poll> {
        let call = Call::write(
            Method::POST,
            "/v1/auth/device/token".into(),
            Access::Public,
            Retry::Never,
        )
        .json(json!({ "device_code": device_code.expose() }));
        match self.client.json::<DeviceToken>(call).await {
            Ok(token) => Ok(Poll::Approved(token)),
            Err(Error::Api {
                status: 400,
                problem,
                ..
            }) => match problem.detail.as_deref().unwrap_or("").trim() {
                "authorization_pending" => Ok(Poll::Pending),
                "slow_down" => Ok(Poll::SlowDown),
                "access_denied" => Ok(Poll::Denied),
                "expired_token" | "invalid_grant" => Ok(Poll::Expired),
                other => Err(Error::Login(format!(
                    "the server refused the login: {other}"
                ))),
            },
            Err(e) => Err(e),
        }
    }

    /// Polls every `interval` (growing by 5 s on `slow_down`) until the
    /// login is approved, denied or expired. `on_wait` is called before
    /// each wait with the time left, for a countdown.
    pub async fn wait(
        &self,
        auth: &DeviceAuthorization,
        mut on_wait: impl FnMut(Duration),
    ) -> crate::Result<DeviceToken> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(auth.expires_in);
        let mut interval = Duration::from_secs(auth.interval.max(1));
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return Err(Error::Login(
                    "the code expired before it was approved; start again".into(),
                ));
            }
            on_wait(left);
            tokio::time::sleep(interval.min(left)).await;
            match self.poll(&auth.device_code).await {
                Ok(Poll::Approved(token)) => return Ok(token),
                Ok(Poll::Pending) => {}
                Ok(Poll::SlowDown) => interval += Duration::from_secs(5),
                Ok(Poll::Denied) => {
                    return Err(Error::Login("the login was denied in the browser".into()));
                }
                Ok(Poll::Expired) => {
                    return Err(Error::Login(
                        "the code expired before it was approved; start again".into(),
                    ));
                }
                // A dropped connection while polling is not the end of the
                // login: keep polling until the deadline.
                Err(e) if e.is_transport() => tracing::debug!(%e, "poll failed; retrying"),
                Err(e) => return Err(e),
            }
        }
    }
}
