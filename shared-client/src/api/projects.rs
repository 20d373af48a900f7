use crate::client::{Access, Call, Client};
use crate::models::Project;

pub struct Projects<'c> {
    pub(crate) client: &'c Client,
}

impl Projects<'_> {
    /// Projects the token can access (`project:read`).
    pub async fn list(&self) -> crate::Result<Vec<Project>> {
        let call = Call::get("/v1/projects".into(), Access::Scope("project:read"));
        let route = call.route();
        super::unwrap(&route, self.client.json(call).await?, "projects")
    }
}
