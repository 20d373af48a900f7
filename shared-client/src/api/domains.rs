use reqwest::Method;
use serde_json::json;

use crate::client::{Access, Call, Client, Retry, seg};
use crate::models::{
    DelegationCheck, Deleted, Domain, DomainDeletion, NewRecord, Record, RecordUpdate,
};

/// `client.domains(project)`: project domains with delegated DNS.
pub struct Domains<'c> {
    pub(crate) client: &'c Client,
    pub(crate) project: String,
}

impl<'c> Domains<'c> {
    fn base(&self) -> String {
        format!("/v1/projects/{}/domains", seg(&self.project))
    }

    pub async fn list(&self) -> crate::Result<Vec<Domain>> {
        let call = Call::get(self.base(), Access::Scope("domain:read"));
        let route = call.route();
        super::unwrap(&route, self.client.json(call).await?, "domains")
    }

    /// Onboards a domain (`route53_delegated`). Retry-safe: an existing
    /// domain comes back as it is.
    pub async fn create(&self, domain: &str) -> crate::Result<Domain> {
        let call = Call::write(
            Method::POST,
            self.base(),
            Access::Scope("domain:write"),
            Retry::Safe,
        )
        .json(json!({ "domain": domain, "dns_mode": "route53_delegated" }));
        let route = call.route();
        super::unwrap(&route, self.client.json(call).await?, "domain")
    }

    /// Asks the platform to check delegation now. Run once: it is not on
    /// the documented retry-safe list (callers poll it on their own clock).
    pub async fn check_delegation(&self, domain: &str) -> crate::Result<DelegationCheck> {
        self.client
            .json(
                Call::write(
                    Method::POST,
                    format!("{}/{}/delegation-check", self.base(), seg(domain)),
                    Access::Scope("domain:write"),
                    Retry::Never,
                )
                .json(json!({})),
            )
            .await
    }

    /// Deletes every record (platform-owned too), the zone and the domain.
    pub async fn delete(&self, domain: &str) -> crate::Result<DomainDeletion> {
        self.client
            .json(Call::write(
                Method::DELETE,
                format!("{}/{}", self.base(), seg(domain)),
                Access::Scope("domain:write"),
                Retry::Never,
            ))
            .await
    }

    pub fn records(&self, domain: &str) -> Records<'c> {
        Records {
            client: self.client,
            base: format!("{}/{}/records", self.base(), seg(domain)),
        }
    }
}

/// `client.domains(project).records(domain)`.
pub struct Records<'c> {
    pub(crate) client: &'c Client,
    pub(crate) base: String,
}

impl Records<'_> {
    pub async fn list(&self) -> crate::Result<Vec<Record>> {
        let call = Call::get(self.base.clone(), Access::Scope("domain:read"));
        let route = call.route();
        super::unwrap(&route, self.client.json(call).await?, "records")
    }

    /// Only while the domain is `managed` (409 otherwise).
    pub async fn create(&self, record: &NewRecord) -> crate::Result<Record> {
        let body = serde_json::to_value(record).expect("records serialise");
        let call = Call::write(
            Method::POST,
            self.base.clone(),
            Access::Scope("domain:write"),
            Retry::Never,
        )
        .json(body);
        let route = call.route();
        super::unwrap(&route, self.client.json(call).await?, "record")
    }

    /// Partial update: omitted fields keep their values.
    pub async fn update(&self, record_id: &str, update: &RecordUpdate) -> crate::Result<Record> {
        let body = serde_json::to_value(update).expect("updates serialise");
        let call = Call::write(
            Method::PUT,
            format!("{}/{}", self.base, seg(record_id)),
            Access::Scope("domain:write"),
            Retry::Never,
        )
        .json(body);
        let route = call.route();
        super::unwrap(&route, self.client.json(call).await?, "record")
    }

    /// Always allowed; already gone is success (documented retry-safe).
    pub async fn delete(&self, record_id: &str) -> crate::Result<Deleted> {
        self.client
            .json(Call::write(
                Method::DELETE,
                format!("{}/{}", self.base, seg(record_id)),
                Access::Scope("domain:write"),
                Retry::Safe,
            ))
            .await
    }
}
