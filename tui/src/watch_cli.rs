//! `comwit-tui watch`: redeploy on file change without the dashboard.
//! Progress bars on a terminal, plain lines otherwise, JSON lines with
//! `--json`. The first Ctrl-C lets a running upload finish; a second one
//! aborts it.

use std::io::IsTerminal;
use std::time::Duration;

use comwit_client::Client;
use comwit_client::watch::{Control, Phase, WatchEvent, WatchOptions, run};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use tokio::sync::mpsc::unbounded_channel;

use crate::widgets::bytes;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Bars,
    Lines,
    Json,
}

impl Output {
    pub fn pick(json: bool) -> Self {
        if json {
            Output::Json
        } else if std::io::stderr().is_terminal() {
            Output::Bars
        } else {
            Output::Lines
        }
    }
}

/// `300ms`, `2s`, `1m`, or a bare number of milliseconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, unit) = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map(|i| t.split_at(i))
        .unwrap_or((t, "ms"));
    let n: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (try 300ms, 2s or 1m)"))?;
    let ms = match unit.trim() {
        "ms" => n,
        "s" => n * 1000.0,
        "m" | "min" => n * 60_000.0,
        other => return Err(format!("{text:?}: unknown unit {other:?} (use ms, s or m)")),
    };
    Ok(Duration::from_millis(ms as u64))
}

/// One event as a JSON line.
/// A `--check` path: absolute, no scheme or host (those come from where
/// the app is served), no whitespace.
pub fn parse_check_path(text: &str) -> Result<String, String> {
    if !text.starts_with('/') || text.starts_with("//") {
        return Err(format!(
            "{text:?} is not a path: give one like /healthz (the site's address is added)"
        ));
    }
    if text.chars().any(char::is_whitespace) {
        return Err(format!(
            "{text:?}: a path has no spaces (encode them as %20)"
        ));
    }
    Ok(text.to_string())
}

/// Where `--check` asks: the sandbox's site listener for the app, else
/// `https://` and the first host each deploy binds.
pub fn check_url(
    path: &str,
    site_url: Option<&str>,
    app: &str,
    hosts: &[String],
) -> Result<String, String> {
    match (site_url, hosts.first()) {
        (Some(site), _) => Ok(format!("{}/apps/{app}{path}", site.trim_end_matches('/'))),
        (None, Some(host)) => Ok(format!("https://{host}{path}")),
        (None, None) => Err(
            "--check needs a place to ask: --hosts (the check asks https:// and the first host) or --sandbox"
                .to_string(),
        ),
    }
}

pub fn event_json(e: &WatchEvent) -> serde_json::Value {
    match e {
        WatchEvent::Watching { root, directories } => {
            json!({"event": "watching", "root": root, "directories": directories})
        }
        WatchEvent::Changed { changes } => json!({"event": "changed", "changes": changes}),
        WatchEvent::Queued => json!({"event": "queued"}),
        WatchEvent::Phase(p) => json!({"event": "phase", "phase": p.as_str()}),
        WatchEvent::BuildOutput(line) => json!({"event": "build_output", "line": line}),
        WatchEvent::Upload { sent, total } => {
            json!({"event": "upload", "sent": sent, "total": total})
        }
        WatchEvent::Deployed(r) => json!({
            "event": "deployed",
            "build_id": r.build_id,
            "previous_build_id": r.previous_build_id,
            "sha256": r.sha256,
            "size": r.size,
            "changes": r.changes,
            "duration_ms": r.duration.as_millis() as u64,
            "check": r.checked.as_ref().map(|c| json!({
                "url": c.url, "status": c.status, "ok": c.ok,
                "attempts": c.attempts, "error": c.error,
            })),
        }),
        WatchEvent::Skipped { reason } => json!({"event": "skipped", "reason": reason}),
        WatchEvent::Failed { stage, error } => {
            json!({"event": "failed", "stage": stage, "error": error})
        }
        WatchEvent::Paused(p) => json!({"event": if *p { "paused" } else { "resumed" }}),
        WatchEvent::Notice(n) => json!({"event": "notice", "message": n}),
        WatchEvent::Stopped => json!({"event": "stopped"}),
    }
}

/// One event as a human line (None for the ones only bars show).
pub fn event_line(e: &WatchEvent) -> Option<String> {
    Some(match e {
        WatchEvent::Watching { root, directories } => format!(
            "watching {} ({directories} directories); Ctrl-C stops",
            root.display()
        ),
        WatchEvent::Changed { changes } => format!("{changes} change(s)"),
        WatchEvent::Queued => "changed during the deploy: one more deploy follows".into(),
        WatchEvent::Phase(Phase::Building) => "building…".into(),
        WatchEvent::Phase(Phase::Packing) => "packing…".into(),
        WatchEvent::Phase(Phase::Uploading) => "uploading…".into(),
        WatchEvent::Phase(_) | WatchEvent::Upload { .. } => return None,
        WatchEvent::BuildOutput(line) => format!("  | {line}"),
        WatchEvent::Deployed(r) => {
            let mut line = format!(
                "deployed {} ({}, {:.1} s, {} change(s)); roll back to {}",
                r.build_id,
                bytes(r.size),
                r.duration.as_secs_f64(),
                r.changes,
                r.previous_build_id
                    .as_deref()
                    .unwrap_or("nothing (first build)")
            );
            if let Some(checked) = &r.checked {
                line.push('\n');
                line.push_str(&checked.line());
            }
            line
        }
        WatchEvent::Skipped { reason } => format!("skipped: {reason}"),
        WatchEvent::Failed { stage, error } => format!("{stage} failed: {error}"),
        WatchEvent::Paused(true) => "paused".into(),
        WatchEvent::Paused(false) => "resumed".into(),
        WatchEvent::Notice(n) => n.clone(),
        WatchEvent::Stopped => "stopped".into(),
    })
}

/// Runs until stopped; the exit is an error only when watching could not start.
pub async fn watch(client: Client, options: WatchOptions, output: Output) -> anyhow::Result<()> {
    let (tx, mut events) = unbounded_channel();
    let (control, rx) = unbounded_channel();
    let engine = tokio::spawn(run(client, options, tx, rx));

    // Ctrl-C: finish the running deploy; again: abort it.
    let interrupts = control.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("stopping after the running deploy (Ctrl-C again aborts it)");
            let _ = interrupts.send(Control::Stop);
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = interrupts.send(Control::Abort);
            }
        }
    });

    let bar = (output == Output::Bars).then(|| {
        let b = ProgressBar::new_spinner();
        b.enable_steady_tick(Duration::from_millis(120));
        b
    });
    while let Some(event) = events.recv().await {
        match output {
            Output::Json => println!("{}", event_json(&event)),
            Output::Lines => {
                if let Some(line) = event_line(&event) {
                    println!("{line}");
                }
            }
            Output::Bars => {
                let bar = bar.as_ref().expect("bars");
                match &event {
                    WatchEvent::Upload { sent, total } => {
                        if bar.length() != Some(*total) {
                            bar.set_style(
                                ProgressStyle::with_template(
                                    "{spinner} uploading [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                                )
                                .unwrap_or_else(|_| ProgressStyle::default_bar())
                                .progress_chars("=> "),
                            );
                            bar.set_length(*total);
                        }
                        bar.set_position(*sent);
                    }
                    WatchEvent::Phase(p) => {
                        bar.set_style(ProgressStyle::default_spinner());
                        bar.set_length(0);
                        bar.set_message(p.as_str());
                    }
                    other => {
                        if let Some(line) = event_line(other) {
                            bar.println(line);
                        }
                    }
                }
            }
        }
        if event == WatchEvent::Stopped {
            break;
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    engine.await??;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("300ms").unwrap(), Duration::from_millis(300));
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("250").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("soon").unwrap_err().contains("300ms"));
        assert!(parse_duration("3h").unwrap_err().contains("unit"));
    }

    #[test]
    fn events_read_as_json_and_lines() {
        let e = WatchEvent::Skipped {
            reason: "unchanged".into(),
        };
        assert_eq!(event_json(&e)["event"], "skipped");
        assert_eq!(event_line(&e).unwrap(), "skipped: unchanged");
        assert!(event_line(&WatchEvent::Upload { sent: 1, total: 2 }).is_none());
    }
}
