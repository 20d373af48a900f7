//! `command: deploy`: package → resolve → environment → upload → hosts →
//! verify → report. The package is checked on disk before anything touches the
//! platform, so a missing or empty build never creates an app or a
//! deployment.

use std::path::{Path, PathBuf};
use std::time::Instant;

use comwit_client::api::apps::AppHandle;
use comwit_client::models::{App, DeployOptions};
use comwit_client::package::{self, PackError, PackOptions};
use comwit_client::{ArtifactSource, Client, DirectorySource, Error, PrebuiltSource, Secret};

use crate::failure::Failure;
use crate::github::{Event, Runner};
use crate::hosts;
use crate::inputs::{EnvEntry, Inputs, looks_like_credential};
use crate::outcome::{Artifact, Kind, Outcome, human_bytes};
use crate::progress;
use crate::resolve;
use crate::session::Session;
use crate::verify::{self, Check};

/// What the package input points at.
enum Package {
    Directory {
        root: PathBuf,
        files: u64,
        bytes: u64,
    },
    Prebuilt {
        path: PathBuf,
        size: u64,
        sha256: String,
    },
}

pub async fn run(
    inputs: &Inputs,
    env: &[EnvEntry],
    check: Option<&Check>,
    event: &Event,
    runner: &Runner,
) -> u8 {
    let kind = if inputs.dry_run {
        Kind::DryRun
    } else {
        Kind::Deploy
    };
    let mut outcome = Outcome::new(kind);
    outcome.app_name = inputs.app_name.clone();
    outcome.app_id = inputs.app.clone();
    let mut session = Session::new(runner, inputs, event);
    let result = steps(inputs, env, check, &mut session, &mut outcome).await;
    outcome.failure = result.err();
    session.finish(outcome).await
}

async fn steps(
    inputs: &Inputs,
    env: &[EnvEntry],
    check: Option<&Check>,
    session: &mut Session<'_>,
    outcome: &mut Outcome,
) -> Result<(), Failure> {
    let runner = session.runner;
    let started = Instant::now();

    let Some(package) = package_step(inputs, runner, outcome)? else {
        return Ok(());
    };
    let (client, _token, project, app) = resolve_step(inputs, runner, outcome).await?;
    let handle = client.apps(&project).app(&app.app_id);
    if !env.is_empty() {
        environment_step(env, &handle, runner, outcome).await?;
    }
    session.start_deployment(outcome).await;
    upload_step(&package, inputs, &handle, runner, outcome).await?;
    if !outcome.hosts.is_empty() {
        hosts_step(inputs, &client, &project, &app.app_id, runner, outcome).await?;
    }
    if let Some(check) = check {
        verify::step(check, &handle, runner, outcome).await?;
    }
    outcome.timings.push(("total", started.elapsed()));
    Ok(())
}

/// `package`: checks the package on disk. On a dry run it is packed here
/// and nothing else happens (`None`).
fn package_step(
    inputs: &Inputs,
    runner: &Runner,
    outcome: &mut Outcome,
) -> Result<Option<Package>, Failure> {
    runner.group("package");
    let t = Instant::now();
    let package = check_package(&inputs.package_path())?;
    match &package {
        Package::Directory { root, files, bytes } => runner.info(&format!(
            "{}: {files} files, {} — packed into a deterministic .tar.zst while it uploads",
            root.display(),
            human_bytes(*bytes)
        )),
        Package::Prebuilt { path, size, sha256 } => {
            runner.info(&format!(
                "{}: prebuilt .tar.zst, {}, sha256 {sha256}",
                path.display(),
                human_bytes(*size)
            ));
            outcome.artifact = Some(Artifact {
                sha256: sha256.clone(),
                size: *size,
                path: Some(path.clone()),
            });
        }
    }
    if inputs.dry_run {
        let artifact = dry_run(&package, inputs)?;
        runner.info(&format!(
            "dry run: {} ({}), sha256 {} — nothing was deployed",
            artifact
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            human_bytes(artifact.size),
            artifact.sha256
        ));
        outcome.artifact = Some(artifact);
        outcome.timings.push(("package", t.elapsed()));
        return Ok(None);
    }
    outcome.timings.push(("package", t.elapsed()));
    Ok(Some(package))
}

/// `resolve`: the client (and the token it holds), the project and the app.
async fn resolve_step(
    inputs: &Inputs,
    runner: &Runner,
    outcome: &mut Outcome,
) -> Result<(Client, Secret, String, App), Failure> {
    runner.group("resolve");
    let t = Instant::now();
    let (client, token, project) = resolve::target(inputs, runner, outcome).await?;
    let (app, created) = resolve::app(&client, &project, inputs, true).await?;
    runner.info(&format!(
        "project {project}, app {} ({}){}",
        app.name,
        app.app_id,
        if created { " — created" } else { "" }
    ));
    outcome.app_id = Some(app.app_id.clone());
    outcome.app_name = Some(app.name.clone()).filter(|n| !n.is_empty());
    outcome.created_app = created;
    outcome.previous_build_id = app.active_build().map(str::to_string);
    outcome.timings.push(("resolve", t.elapsed()));
    Ok((client, token, project, app))
}

/// `environment`: sets each `env` entry on the app.
async fn environment_step(
    env: &[EnvEntry],
    handle: &AppHandle<'_>,
    runner: &Runner,
    outcome: &mut Outcome,
) -> Result<(), Failure> {
    runner.group("environment");
    let t = Instant::now();
    for entry in env {
        if looks_like_credential(entry) {
            runner.warning(
                "Credential-looking env value",
                &format!(
                    "{} looks like a credential, but Comwit app environment values are stored and shown in plain text \
                     (secret values are not enabled on the platform yet) — keep credentials out of `env`, or accept \
                     that anyone with app:read can read it",
                    entry.key
                ),
            );
        }
        handle
            .set_env(&entry.key, &entry.value)
            .await
            .map_err(|e| Failure::api(&format!("setting env {}", entry.key), &e))?;
        runner.info(&format!("set {}", entry.key));
        outcome.env_keys.push(entry.key.clone());
    }
    outcome.timings.push(("environment", t.elapsed()));
    Ok(())
}

/// `upload`: packs (or streams the prebuilt archive) and deploys it.
async fn upload_step(
    package: &Package,
    inputs: &Inputs,
    handle: &AppHandle<'_>,
    runner: &Runner,
    outcome: &mut Outcome,
) -> Result<(), Failure> {
    runner.group("upload");
    let t = Instant::now();
    let options = DeployOptions {
        hosts: inputs.host_list(),
        env_ref: inputs.env_ref.clone(),
        max_concurrent_requests: inputs.max_concurrent_requests,
    };
    let source = artifact_source(package)?;
    let deployed = handle
        .deploy_safely(source.as_ref(), &options)
        .await
        .map_err(|e| upload_failure(&e))?;
    let secs = t.elapsed().as_secs_f64();
    if let Some(d) = &deployed.digest {
        runner.info(&format!(
            "uploaded {} in {secs:.1} s ({}/s), sha256 {}",
            human_bytes(d.size),
            human_bytes((d.size as f64 / secs.max(0.001)) as u64),
            d.sha256
        ));
        let path = outcome.artifact.as_ref().and_then(|a| a.path.clone());
        outcome.artifact = Some(Artifact {
            sha256: d.sha256.clone(),
            size: d.size,
            path,
        });
    }
    if deployed.recovered {
        runner.info("the deploy's response was lost; its build was found by listing builds (no second upload)");
    }
    runner.info(&format!("build {} is active", deployed.deployment.build_id));
    outcome.build_id = Some(deployed.deployment.build_id.clone());
    outcome.recovered = deployed.recovered;
    outcome.hosts = if deployed.deployment.hosts.is_empty() {
        options.hosts.clone()
    } else {
        deployed.deployment.hosts.clone()
    };
    outcome.timings.push(("upload", t.elapsed()));
    Ok(())
}

/// What the upload reads: the directory packed on the fly, or the checked
/// prebuilt archive.
fn artifact_source(package: &Package) -> Result<Box<dyn ArtifactSource>, Failure> {
    Ok(match package {
        Package::Directory { root, bytes, .. } => {
            let mut s = DirectorySource::new(root);
            if let Some(p) = progress::printer(*bytes, true) {
                s.options = PackOptions::new().with_progress(p);
            }
            Box::new(s)
        }
        Package::Prebuilt { path, size, .. } => {
            let s = PrebuiltSource::open_checked(path)
                .map_err(|e| Failure::api("checking the prebuilt archive", &e))?;
            Box::new(match progress::printer(*size, false) {
                Some(p) => s.with_progress(p),
                None => s,
            })
        }
    })
}

/// `hosts`: reports the bound hosts and, when asked, finalizes them.
async fn hosts_step(
    inputs: &Inputs,
    client: &Client,
    project: &str,
    app_id: &str,
    runner: &Runner,
    outcome: &mut Outcome,
) -> Result<(), Failure> {
    runner.group("hosts");
    let t = Instant::now();
    runner.info(&format!("bound: {}", outcome.hosts.join(", ")));
    if inputs.finalize_hosts {
        let hosts = outcome.hosts.clone();
        outcome.bound = hosts::finalize(client, project, app_id, &hosts, runner).await?;
    }
    outcome.timings.push(("hosts", t.elapsed()));
    Ok(())
}

fn upload_failure(e: &Error) -> Failure {
    Failure::api("uploading the build", e)
}

/// Checks the package on disk: a non-empty directory, or a file that is a
/// zstd-compressed tar (digested now).
fn check_package(path: &Path) -> Result<Package, Failure> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let prebuilt = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .is_some_and(|n| n.ends_with(".tar.zst") || n.ends_with(".tzst"));
            let err = if prebuilt {
                PackError::PrebuiltMissing {
                    path: path.to_path_buf(),
                }
            } else {
                PackError::RootMissing {
                    path: path.to_path_buf(),
                }
            };
            return Err(package_failure(err));
        }
        Err(source) => {
            return Err(package_failure(PackError::Unreadable {
                action: "read",
                path: path.to_path_buf(),
                source,
            }));
        }
    };
    if meta.is_dir() {
        let (files, bytes, empty) = scan(path).map_err(|source| {
            package_failure(PackError::Unreadable {
                action: "list",
                path: path.to_path_buf(),
                source,
            })
        })?;
        if empty {
            return Err(package_failure(PackError::EmptyRoot {
                path: path.to_path_buf(),
            }));
        }
        return Ok(Package::Directory {
            root: path.to_path_buf(),
            files,
            bytes,
        });
    }
    let info = package::check_prebuilt(path).map_err(package_failure)?;
    Ok(Package::Prebuilt {
        path: path.to_path_buf(),
        size: info.size,
        sha256: info.sha256,
    })
}

fn package_failure(e: PackError) -> Failure {
    Failure::new("Cannot use the package", format!("package input: {e}"))
}

/// Regular files and their bytes below `root` (symlinks not followed),
/// and whether `root` has no entries at all.
fn scan(root: &Path) -> std::io::Result<(u64, u64, bool)> {
    let mut files = 0;
    let mut bytes = 0;
    let empty = std::fs::read_dir(root)?.next().is_none();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let ty = entry.file_type()?;
            if ty.is_dir() {
                stack.push(entry.path());
            } else if ty.is_file() {
                files += 1;
                bytes += entry.metadata()?.len();
            }
        }
    }
    Ok((files, bytes, empty))
}

/// Packs (or, for a prebuilt archive, just names) the artifact without
/// deploying it.
fn dry_run(package: &Package, inputs: &Inputs) -> Result<Artifact, Failure> {
    match package {
        Package::Prebuilt { path, size, sha256 } => Ok(Artifact {
            sha256: sha256.clone(),
            size: *size,
            path: Some(path.clone()),
        }),
        Package::Directory { root, .. } => {
            let dir = std::env::var_os("RUNNER_TEMP")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(std::env::temp_dir)
                .join("comwit-deploy");
            std::fs::create_dir_all(&dir).map_err(|e| {
                Failure::new(
                    "Cannot write the artifact",
                    format!(
                        "creating {}: {e} — set RUNNER_TEMP to a writable directory",
                        dir.display()
                    ),
                )
            })?;
            let name = inputs
                .app_name
                .as_deref()
                .or(inputs.app.as_deref())
                .unwrap_or("site");
            let safe = comwit_client::places::safe_file_stem(name);
            let dest = dir.join(format!("{safe}.tar.zst"));
            let summary =
                package::pack_to_file(root, &dest, &PackOptions::new()).map_err(package_failure)?;
            Ok(Artifact {
                sha256: summary.sha256,
                size: summary.size,
                path: Some(dest),
            })
        }
    }
}
