//! Fault injection: the out-of-band failures the real platform can suffer,
//! switchable at run time through `PUT /_sandbox/faults`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Faults {
    /// Louhi (the database control plane) unreachable: `/readyz` 503 and
    /// database routes that call it answer 502.
    pub louhi_unreachable: bool,
    /// brrrd (the runtime control plane) unreachable: `/readyz` 503 and app
    /// routes that call it answer 502.
    pub brrrd_unreachable: bool,
    /// Managed-DNS record application fails: managed hostname attaches
    /// answer 202 with `managed_dns.status: "failed"`.
    pub managed_dns_failing: bool,
    /// The next N deploys are committed, then their connection is dropped
    /// before any response: the "response lost" case clients must handle.
    pub drop_deploy_responses: u32,
    /// The next N deploys read the whole artifact, then drop their
    /// connection without creating a build (a load balancer giving up on a
    /// request the platform never finished): the "outcome unknown" case.
    pub drop_deploy_requests: u32,
    /// Requests whose path starts with one of these prefixes are delayed.
    pub slow_routes: Vec<SlowRoute>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SlowRoute {
    /// Path prefix, e.g. `/v1/projects`.
    pub path_prefix: String,
    /// Added latency in milliseconds (at most 60000).
    pub delay_ms: u64,
}

impl Faults {
    pub fn delay_for(&self, path: &str) -> Option<Duration> {
        self.slow_routes
            .iter()
            .filter(|r| path.starts_with(&r.path_prefix))
            .map(|r| Duration::from_millis(r.delay_ms.min(60_000)))
            .max()
    }
}
