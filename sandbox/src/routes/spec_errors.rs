//! The error side of `/openapi.json`, in one place: every error response
//! is declared as `application/problem+json` (what `ApiError`, the
//! extractors and the listener send), and every operation lists the
//! errors any route can answer besides its own.

use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};

const PROBLEM: &str = "application/problem+json";

/// Rewrites the spec's error responses; call once on the merged spec.
pub fn describe_errors(api: &mut OpenApi) {
    for item in api.paths.paths.values_mut() {
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            add_common_errors(op);
            for (status, response) in op.responses.responses.iter_mut() {
                if let RefOr::T(response) = response
                    && (status.starts_with('4') || status.starts_with('5'))
                {
                    as_problem(response);
                }
            }
        }
    }
}

/// What any route may answer: a URL or headers too large for the server
/// (414, 431), bad input where it takes any (400), a body over the limit
/// (413), a missing or unknown token where one is needed (401).
fn add_common_errors(op: &mut Operation) {
    let takes_input =
        op.parameters.as_ref().is_some_and(|p| !p.is_empty()) || op.request_body.is_some();
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let mut common = vec![
        ("414", "The URL is longer than 65534 bytes"),
        ("431", "The request headers are too large"),
    ];
    if takes_input {
        common.push(("400", "Invalid input (path, query or body)"));
    }
    if op.request_body.is_some() {
        common.push(("413", "The body is larger than this route accepts"));
    }
    if secured {
        common.push(("401", "Missing, malformed or unknown token"));
    }
    for (status, description) in common {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(problem_response(description)));
    }
}

fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

/// A response whose body is the Problem schema is sent as problem+json.
fn as_problem(response: &mut Response) {
    let is_problem = response.content.get("application/json").is_some_and(
        |c| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem")),
    );
    if is_problem && let Some(content) = response.content.shift_remove("application/json") {
        response.content.insert(PROBLEM.to_string(), content);
    }
}
