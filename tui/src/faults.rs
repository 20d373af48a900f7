//! `:fault` — outage drills on the sandbox the dashboard runs on: the
//! database or runtime control plane down, managed DNS failing, slow
//! routes, lost deploy answers; `:fault clear` ends them. It changes the
//! sandbox's `/_sandbox/faults` with its operator token; on Comwit Cloud
//! there is nothing to switch.

use serde_json::{Value, json};

use crate::session::SandboxAccess;

/// What `:fault` was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drill {
    /// `:fault`: say which are on.
    Show,
    /// `:fault clear`: all off.
    Clear,
    /// `:fault louhi|brrrd|dns [off]`.
    Switch { fault: &'static str, on: bool },
    /// `:fault slow PATH MS`.
    Slow { prefix: String, delay_ms: u64 },
    /// `:fault drop-response|drop-request [N]`.
    Drop { fault: &'static str, count: u32 },
}

pub const USAGE: &str = ":fault louhi|brrrd|dns [off], :fault slow /v1/projects 2000, \
                         :fault drop-response [N], :fault drop-request [N], :fault clear, or :fault to list";

/// Parses the words after `:fault`.
pub fn parse(args: &str) -> Result<Drill, String> {
    let words: Vec<&str> = args.split_whitespace().collect();
    let switch = |fault: &'static str, rest: &[&str]| match rest {
        [] | ["on"] => Ok(Drill::Switch { fault, on: true }),
        ["off"] => Ok(Drill::Switch { fault, on: false }),
        _ => Err(format!("after the fault, on or off; {USAGE}")),
    };
    let count = |fault: &'static str, rest: &[&str]| match rest {
        [] => Ok(Drill::Drop { fault, count: 1 }),
        [n] => n
            .parse()
            .map(|count| Drill::Drop { fault, count })
            .map_err(|_| format!("{n:?} is not a count; {USAGE}")),
        _ => Err(USAGE.to_string()),
    };
    match words.as_slice() {
        [] => Ok(Drill::Show),
        ["clear"] => Ok(Drill::Clear),
        ["louhi", rest @ ..] => switch("louhi_unreachable", rest),
        ["brrrd", rest @ ..] => switch("brrrd_unreachable", rest),
        ["dns", rest @ ..] => switch("managed_dns_failing", rest),
        ["slow", prefix, ms] if prefix.starts_with('/') => ms
            .parse::<u64>()
            .ok()
            .filter(|ms| *ms <= 60_000)
            .map(|delay_ms| Drill::Slow {
                prefix: prefix.to_string(),
                delay_ms,
            })
            .ok_or_else(|| format!("{ms:?}: give the delay in milliseconds, at most 60000")),
        ["drop-response", rest @ ..] => count("drop_deploy_responses", rest),
        ["drop-request", rest @ ..] => count("drop_deploy_requests", rest),
        _ => Err(USAGE.to_string()),
    }
}

/// Applies `drill` to the sandbox's faults; what is on afterwards.
pub async fn apply(sandbox: &SandboxAccess, drill: Drill) -> Result<String, String> {
    let url = format!("{}/_sandbox/faults", sandbox.api_url.trim_end_matches('/'));
    let http = comwit_client::http::client();
    let token = sandbox.operator_token.expose();
    let answer = |r: reqwest::Result<reqwest::Response>| async move {
        let r = r.map_err(|e| format!("the sandbox did not answer: {e}"))?;
        let status = r.status();
        let body: Value = r.json().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(format!("the sandbox refused: {status} {}", body["detail"]))
        }
    };
    let mut faults = answer(http.get(&url).bearer_auth(token).send().await).await?;
    match drill {
        Drill::Show => return Ok(describe(&faults)),
        Drill::Clear => faults = json!({}),
        Drill::Switch { fault, on } => faults[fault] = json!(on),
        Drill::Drop { fault, count } => faults[fault] = json!(count),
        Drill::Slow { prefix, delay_ms } => {
            let mut routes: Vec<Value> = faults["slow_routes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|r| r["path_prefix"] != prefix.as_str())
                .collect();
            if delay_ms > 0 {
                routes.push(json!({"path_prefix": prefix, "delay_ms": delay_ms}));
            }
            faults["slow_routes"] = Value::Array(routes);
        }
    }
    let now = answer(http.put(&url).bearer_auth(token).json(&faults).send().await).await?;
    Ok(describe(&now))
}

/// `faults: louhi down, slow /v1/projects +2000 ms` or `no faults`.
pub fn describe(faults: &Value) -> String {
    let mut on = Vec::new();
    for (key, words) in [
        ("louhi_unreachable", "louhi (databases) down"),
        ("brrrd_unreachable", "brrrd (runtime) down"),
        ("managed_dns_failing", "managed DNS failing"),
    ] {
        if faults[key] == true {
            on.push(words.to_string());
        }
    }
    for (key, words) in [
        ("drop_deploy_responses", "deploy answers lost"),
        ("drop_deploy_requests", "deploys dropped"),
    ] {
        if let Some(n) = faults[key].as_u64().filter(|n| *n > 0) {
            on.push(format!("next {n} {words}"));
        }
    }
    for route in faults["slow_routes"].as_array().into_iter().flatten() {
        on.push(format!(
            "slow {} +{} ms",
            route["path_prefix"].as_str().unwrap_or("?"),
            route["delay_ms"]
        ));
    }
    if on.is_empty() {
        "sandbox faults: none".into()
    } else {
        format!("sandbox faults: {}", on.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drills_parse_and_bad_ones_say_the_usage() {
        assert_eq!(parse("").unwrap(), Drill::Show);
        assert_eq!(
            parse("louhi").unwrap(),
            Drill::Switch {
                fault: "louhi_unreachable",
                on: true
            }
        );
        assert_eq!(
            parse("dns off").unwrap(),
            Drill::Switch {
                fault: "managed_dns_failing",
                on: false
            }
        );
        assert_eq!(
            parse("slow /v1/projects 250").unwrap(),
            Drill::Slow {
                prefix: "/v1/projects".into(),
                delay_ms: 250
            }
        );
        assert_eq!(
            parse("drop-response 2").unwrap(),
            Drill::Drop {
                fault: "drop_deploy_responses",
                count: 2
            }
        );
        for bad in [
            "nope",
            "slow v1 10",
            "slow /v1 99999999",
            "louhi maybe",
            "drop-request x",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn what_is_on_reads_as_words() {
        let faults = json!({"louhi_unreachable": true, "drop_deploy_responses": 1,
            "slow_routes": [{"path_prefix": "/v1/projects", "delay_ms": 2000}]});
        assert_eq!(
            describe(&faults),
            "sandbox faults: louhi (databases) down, next 1 deploy answers lost, slow /v1/projects +2000 ms"
        );
        assert_eq!(describe(&json!({})), "sandbox faults: none");
    }
}
