//! One watch cycle: the optional build command, packing to a temporary
//! file (its sha256 decides whether anything changed), and the upload.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Instant;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::mpsc::UnboundedSender;

use super::{DeployRecord, Phase, WatchEvent, WatchOptions};
use crate::Client;
use crate::api::artifact::PrebuiltSource;
use crate::package::{self, PackOptions, ProgressEvent, ProgressFn};

/// How a cycle ended.
#[derive(Debug)]
pub enum Outcome {
    Deployed(DeployRecord),
    /// Nothing to upload (same artifact as the active build).
    Unchanged {
        sha256: String,
    },
    Failed {
        stage: &'static str,
        error: String,
    },
}

/// `command` under the platform's shell: `sh -c` on Unix, `cmd /d /s /c`
/// (`%COMSPEC%`) on Windows, so `npm run build && cp …` means what it means
/// in the user's terminal there.
fn shell(command: &str) -> Command {
    #[cfg(windows)]
    {
        let cmd = std::env::var_os("COMSPEC").unwrap_or_else(|| "cmd.exe".into());
        let mut c = Command::new(cmd);
        // cmd parses its own command line rather than argv quoting, so the
        // command goes verbatim; /s strips the outer quotes again.
        c.raw_arg(format!("/d /s /c \"{command}\""));
        c
    }
    #[cfg(not(windows))]
    {
        let mut c = Command::new("sh");
        c.arg("-c").arg(command);
        c
    }
}

fn emit(events: &UnboundedSender<WatchEvent>, e: WatchEvent) {
    let _ = events.send(e);
}

/// Runs the build command in `dir` with the platform's shell, passing its
/// output on.
async fn build(
    command: &str,
    dir: &Path,
    events: &UnboundedSender<WatchEvent>,
) -> Result<(), String> {
    let mut child = shell(command)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("could not run `{command}` in {}: {e}", dir.display()))?;
    let forward = |stream: Option<Box<dyn tokio::io::AsyncRead + Unpin + Send>>| {
        let events = events.clone();
        async move {
            if let Some(s) = stream {
                let mut lines = BufReader::new(s).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    emit(&events, WatchEvent::BuildOutput(line));
                }
            }
        }
    };
    let out = child
        .stdout
        .take()
        .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>);
    let err = child
        .stderr
        .take()
        .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Unpin + Send>);
    let (_, _, status) = tokio::join!(forward(out), forward(err), child.wait());
    let status = status.map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{command}` failed ({status}); fix it and save again"
        ))
    }
}

/// Build (if asked), pack, compare with `last_sha`, upload.
pub async fn run(
    client: Client,
    options: Arc<WatchOptions>,
    last_sha: Option<String>,
    changes: usize,
    events: UnboundedSender<WatchEvent>,
) -> Outcome {
    let started = Instant::now();
    if let Some(command) = &options.build {
        emit(&events, WatchEvent::Phase(Phase::Building));
        let dir = options.source.as_deref().unwrap_or(Path::new("."));
        if let Err(error) = build(command, dir, &events).await {
            return Outcome::Failed {
                stage: "build",
                error,
            };
        }
    }

    emit(&events, WatchEvent::Phase(Phase::Packing));
    let staging = match tempfile::Builder::new().prefix("comwit-watch-").tempdir() {
        Ok(d) => d,
        Err(e) => {
            return Outcome::Failed {
                stage: "package",
                error: format!("no temporary directory for the artifact: {e}"),
            };
        }
    };
    let (path, sha256, size) = match pack(&options.package, staging.path()).await {
        Ok(artifact) => artifact,
        Err(error) => {
            return Outcome::Failed {
                stage: "package",
                error,
            };
        }
    };
    if last_sha.as_deref() == Some(sha256.as_str()) {
        return Outcome::Unchanged { sha256 };
    }

    emit(&events, WatchEvent::Phase(Phase::Uploading));
    emit(
        &events,
        WatchEvent::Upload {
            sent: 0,
            total: size,
        },
    );
    let source = match upload_source(&path, size, &events) {
        Ok(s) => s,
        Err(error) => {
            return Outcome::Failed {
                stage: "package",
                error,
            };
        }
    };
    match deploy(&client, &options, &source).await {
        Ok((build_id, previous_build_id)) => {
            let duration = started.elapsed();
            let checked = checked(&options).await;
            Outcome::Deployed(DeployRecord {
                build_id,
                previous_build_id,
                sha256,
                size,
                changes,
                duration,
                checked,
            })
        }
        Err(error) => Outcome::Failed {
            stage: "deploy",
            error,
        },
    }
}

/// The check after a deploy, when one is asked for.
async fn checked(options: &WatchOptions) -> Option<super::check::Checked> {
    match &options.check {
        Some(check) => Some(super::check::run(check).await),
        None => None,
    }
}

/// Uploads the artifact: the build it became, and the build it replaced.
async fn deploy(
    client: &Client,
    options: &WatchOptions,
    source: &PrebuiltSource,
) -> Result<(String, Option<String>), String> {
    let deploy = &options.deploy;
    let apps = client.apps(&options.project);
    let app = apps.app(&options.app);
    let previous = app
        .get()
        .await
        .ok()
        .and_then(|a| a.active_build().map(str::to_string));
    match app.deploy_safely(source, deploy).await {
        Ok(outcome) => Ok((outcome.deployment.build_id, previous)),
        Err(e) => Err(e.to_string()),
    }
}

/// The artifact to upload (its path, sha256 and size): a directory is
/// packed into `staging`, a prebuilt archive is checked where it is.
async fn pack(package_path: &Path, staging: &Path) -> Result<(PathBuf, String, u64), String> {
    let package_path = package_path.to_path_buf();
    if package_path.is_dir() {
        let dest = staging.join("artifact.tar.zst");
        let dest2 = dest.clone();
        let packed = tokio::task::spawn_blocking(move || {
            package::pack_to_file(&package_path, &dest2, &PackOptions::new())
        })
        .await;
        match packed {
            Ok(Ok(summary)) => Ok((dest, summary.sha256, summary.size)),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    } else {
        match package::check_prebuilt(&package_path) {
            Ok(info) => Ok((package_path.clone(), info.sha256, info.size)),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The packed artifact opened for upload, reporting its progress.
fn upload_source(
    path: &Path,
    size: u64,
    events: &UnboundedSender<WatchEvent>,
) -> Result<PrebuiltSource, String> {
    let progress_events = events.clone();
    let progress: ProgressFn = Arc::new(move |e: &ProgressEvent| {
        if let ProgressEvent::Progress(p) = e {
            emit(
                &progress_events,
                WatchEvent::Upload {
                    sent: p.bytes_sent,
                    total: size,
                },
            );
        }
    });
    match PrebuiltSource::open_checked(path) {
        Ok(s) => Ok(s.with_progress(progress)),
        Err(e) => Err(e.to_string()),
    }
}
