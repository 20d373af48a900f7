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

/// Errors are declared as the server sends them: every 4xx/5xx whose body
/// is a Problem is `application/problem+json`, and every operation lists
/// the 414 and 431 any request can meet, 400 where it takes input and 401
/// where it needs a token.
#[tokio::test]
async fn openapi_declares_errors_as_problem_details() {
    let env = start().await;
    let spec = env
        .call(reqwest::Method::GET, "/openapi.json", None, None)
        .await
        .expect(200)
        .body;
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let responses = op["responses"].as_object().unwrap();
            for status in ["414", "431"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path}: no {status}"
                );
            }
            let takes_input = op["parameters"].as_array().is_some_and(|p| !p.is_empty())
                || op.get("requestBody").is_some();
            if takes_input {
                assert!(responses.contains_key("400"), "{method} {path}: no 400");
            }
            if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                assert!(responses.contains_key("401"), "{method} {path}: no 401");
            }
            for (status, response) in responses {
                if !(status.starts_with('4') || status.starts_with('5')) {
                    continue;
                }
                let content = response["content"].as_object();
                let problem = content.is_some_and(|c| {
                    c.get("application/problem+json")
                        .is_some_and(|m| m["schema"]["$ref"] == "#/components/schemas/Problem")
                });
                let other_json = content.is_some_and(|c| c.contains_key("application/json"));
                assert!(
                    problem || (path == "/readyz" && status == "503"),
                    "{method} {path} {status}: {response}"
                );
                assert!(!other_json || path == "/readyz", "{method} {path} {status}");
            }
        }
    }
    assert!(operations > 40, "{operations} operations");
}
