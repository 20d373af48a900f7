//! The sandbox's operator-only `/_sandbox/*` routes (the console's and the
//! registrar's part, faults), called as the operator; a refusal fails the
//! test with the status and the problem body.

use serde_json::Value;

pub struct Operator {
    api_url: String,
    token: String,
}

impl Operator {
    /// The operator of the sandbox at `api_url`.
    pub fn new(api_url: &str, operator_token: &str) -> Self {
        Self {
            api_url: api_url.trim_end_matches('/').to_string(),
            token: operator_token.to_string(),
        }
    }

    /// `POST path` with a JSON body; the JSON answer.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.call(false, path, body).await
    }

    /// `PUT path` with a JSON body; the JSON answer.
    pub async fn put(&self, path: &str, body: Value) -> Value {
        self.call(true, path, body).await
    }

    async fn call(&self, put: bool, path: &str, body: Value) -> Value {
        let http = comwit_client::http::client();
        let url = format!("{}{path}", self.api_url);
        let request = if put { http.put(url) } else { http.post(url) };
        let resp = request
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: the sandbox does not answer: {e}"));
        let status = resp.status();
        let answer: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {answer}");
        answer
    }
}
