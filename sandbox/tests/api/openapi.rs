//! `/openapi.json` documents every route of CONTRACT.md.

use crate::common::start;

/// (method, path) of every route in ../shared/CONTRACT.md, with the
/// sandbox's own routes, in the spec's parameter names.
const CONTRACT_ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/openapi.json"),
    ("get", "/docs"),
    ("get", "/v1/status"),
    ("get", "/v1/projects"),
    ("post", "/v1/projects/{project_id}/databases"),
    ("get", "/v1/projects/{project_id}/databases"),
    ("get", "/v1/databases/{database}"),
    ("post", "/v1/databases/{database}/token/rotate"),
    ("post", "/v1/databases/{database}/query-token"),
    ("post", "/v1/databases/{database}/suspend"),
    ("post", "/v1/databases/{database}/resume"),
    ("get", "/v1/databases/{database}/usage"),
    ("delete", "/v1/databases/{database}"),
    ("post", "/v1/projects/{project_id}/apps"),
    ("get", "/v1/projects/{project_id}/apps"),
    ("get", "/v1/projects/{project_id}/apps/{app_id}"),
    ("delete", "/v1/projects/{project_id}/apps/{app_id}"),
    (
        "post",
        "/v1/projects/{project_id}/apps/{app_id}/deployments",
    ),
    ("get", "/v1/projects/{project_id}/apps/{app_id}/builds"),
    ("post", "/v1/projects/{project_id}/apps/{app_id}/rollbacks"),
    ("get", "/v1/projects/{project_id}/apps/{app_id}/environment"),
    (
        "put",
        "/v1/projects/{project_id}/apps/{app_id}/environment/{key}",
    ),
    (
        "delete",
        "/v1/projects/{project_id}/apps/{app_id}/environment/{key}",
    ),
    ("get", "/v1/projects/{project_id}/apps/{app_id}/domains"),
    ("post", "/v1/projects/{project_id}/apps/{app_id}/domains"),
    (
        "post",
        "/v1/projects/{project_id}/apps/{app_id}/domains/{domain}/finalize",
    ),
    ("post", "/v1/projects/{project_id}/domains"),
    ("get", "/v1/projects/{project_id}/domains"),
    (
        "post",
        "/v1/projects/{project_id}/domains/{domain}/delegation-check",
    ),
    ("delete", "/v1/projects/{project_id}/domains/{domain}"),
    ("get", "/v1/projects/{project_id}/domains/{domain}/records"),
    ("post", "/v1/projects/{project_id}/domains/{domain}/records"),
    (
        "put",
        "/v1/projects/{project_id}/domains/{domain}/records/{record_id}",
    ),
    (
        "delete",
        "/v1/projects/{project_id}/domains/{domain}/records/{record_id}",
    ),
    ("get", "/v1/domain-availability"),
    ("get", "/v1/domain-prices"),
    ("post", "/v1/projects/{project_id}/domain-orders"),
    ("get", "/v1/projects/{project_id}/domain-orders/{order_id}"),
    ("post", "/v1/auth/device"),
    ("post", "/v1/auth/device/token"),
    ("post", "/_sandbox/tokens"),
    ("post", "/_sandbox/projects"),
    ("post", "/_sandbox/users"),
    ("put", "/_sandbox/registrar/{domain}/nameservers"),
    ("post", "/_sandbox/device/approve"),
    ("put", "/_sandbox/faults"),
];

#[tokio::test]
async fn openapi_lists_every_contract_route() {
    let env = start().await;
    let r = env
        .call(reqwest::Method::GET, "/openapi.json", None, None)
        .await
        .expect(200);
    let spec = r.body;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    let mut missing = Vec::new();
    for (method, path) in CONTRACT_ROUTES {
        if spec["paths"][path][method].is_null() {
            missing.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    assert!(
        missing.is_empty(),
        "routes missing from /openapi.json: {missing:?}"
    );
    for (path, item) in spec["paths"].as_object().unwrap() {
        if path.starts_with("/_sandbox/") {
            for op in item.as_object().unwrap().values() {
                assert_eq!(op["tags"][0], "sandbox", "{path} is tagged as sandbox-only");
            }
        }
    }
    assert!(
        spec["info"]["description"]
            .as_str()
            .unwrap()
            .contains("Assumptions")
    );
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
}
