//! What a deploy carries besides its artifact — hosts to bind, the runtime
//! environment reference, a cap on concurrent requests — as the builds
//! view and watch mode ask for them: form fields, checked before anything
//! is sent. The session remembers them per app
//! ([`Remembered`](crate::remembered::Remembered)).

use comwit_client::models::DeployOptions;

use crate::widgets::modal::{Field, Values};

/// The form fields for `options` (as remembered, or as last typed).
pub fn fields(options: &DeployOptions) -> Vec<Field> {
    let max = options
        .max_concurrent_requests
        .map(|n| n.to_string())
        .unwrap_or_default();
    vec![
        Field::text("hosts", &options.hosts.join(", ")).labelled("hosts (comma separated)"),
        Field::text("env-ref", options.env_ref.as_deref().unwrap_or("")),
        Field::text("max-concurrent", &max).labelled("max concurrent requests"),
    ]
}

/// The options typed into [`fields`], or what is wrong with them.
pub fn parse(values: &Values) -> Result<DeployOptions, String> {
    let mut hosts: Vec<String> = Vec::new();
    for typed in values
        .get("hosts")
        .split([',', ' '])
        .filter(|h| !h.is_empty())
    {
        let host = super::checks::hostname(typed)?;
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    let env_ref = Some(values.get("env-ref").trim().to_string()).filter(|e| !e.is_empty());
    let max = values.get("max-concurrent").trim();
    let max_concurrent_requests = match max {
        "" => None,
        n => Some(n.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
            format!(
                "max concurrent requests {n:?} is not a whole number from 1 (or leave it empty)"
            )
        })?),
    };
    Ok(DeployOptions {
        hosts,
        env_ref,
        max_concurrent_requests,
    })
}

/// One line saying what a deploy will carry.
pub fn summary(options: &DeployOptions) -> String {
    let mut parts = Vec::new();
    if !options.hosts.is_empty() {
        parts.push(format!("hosts {}", options.hosts.join(", ")));
    }
    if let Some(e) = &options.env_ref {
        parts.push(format!("env-ref {e}"));
    }
    if let Some(n) = options.max_concurrent_requests {
        parts.push(format!("at most {n} concurrent requests"));
    }
    if parts.is_empty() {
        "no hosts, env-ref or concurrency cap".into()
    } else {
        parts.join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::widgets::modal::Values;

    fn values(hosts: &str, env_ref: &str, max: &str) -> Values {
        Values::from_pairs(vec![
            ("hosts", hosts.to_string()),
            ("env-ref", env_ref.to_string()),
            ("max-concurrent", max.to_string()),
        ])
    }

    #[test]
    fn typed_options_are_checked_and_normalised() {
        let o = parse(&values(
            "A.shop.example, b.shop.example a.shop.example",
            " prod ",
            "8",
        ))
        .unwrap();
        assert_eq!(o.hosts, ["a.shop.example", "b.shop.example"]);
        assert_eq!(o.env_ref.as_deref(), Some("prod"));
        assert_eq!(o.max_concurrent_requests, Some(8));
        assert_eq!(
            parse(&values("", "", "")).unwrap(),
            DeployOptions::default()
        );
        let bad_host = parse(&values("not a host!", "", "")).unwrap_err();
        assert!(bad_host.contains("is not a host name"), "{bad_host}");
        let bad_max = parse(&values("", "", "0")).unwrap_err();
        assert!(bad_max.contains("from 1"), "{bad_max}");
        assert!(summary(&o).contains("hosts a.shop.example, b.shop.example · env-ref prod"));
    }
}
