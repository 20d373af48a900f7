//! The README's sandbox examples, run as written: `comwit-sandbox serve`
//! with a ready file, then the two-step `tar --zstd` + `curl` deploy the
//! platform docs describe, against it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use comwit_e2e::readme::{self, Example};
use serde_json::Value;

fn examples_of(program: &str) -> Vec<Example> {
    let ex: Vec<Example> = readme::examples()
        .into_iter()
        .filter(|e| e.program() == program)
        .collect();
    assert!(!ex.is_empty(), "the README shows {program}");
    ex
}

fn wait_for_file(path: &Path) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Ok(v) = serde_json::from_str::<Value>(&text)
        {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "no ready file at {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn bash(command: &str, dir: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let bins = dir.join(".bin");
    std::fs::create_dir_all(&bins).unwrap();
    let link = bins.join("comwit-sandbox");
    if !link.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_comwit-sandbox"), &link).unwrap();
    }
    let path = format!(
        "{}:{}",
        bins.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(command)
        .current_dir(dir)
        .env("PATH", path);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Runs a README example under bash; its stdout.
fn run_example(ex: &Example, dir: &Path, env: &[(&str, &str)]) -> String {
    let out = bash(&ex.command, dir, env);
    assert!(
        out.status.success(),
        "README line {}: {}\n{}",
        ex.line,
        ex.text,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_serve_example_starts_a_sandbox_the_curl_example_deploys_to() {
    let serve = examples_of("comwit-sandbox");
    let serve = serve
        .iter()
        .find(|e| e.command.contains("--ready-file"))
        .expect("a serve example with a ready file");
    let work = tempfile::tempdir().unwrap();
    // The example's ready file, made private to this run.
    let ready = work.path().join("sb.json");
    let command = serve
        .command
        .replace("/tmp/sb.json", ready.to_str().unwrap());
    assert_ne!(command, serve.command, "the example writes /tmp/sb.json");
    let bins = work.path().join(".bin");
    bash("true", work.path(), &[]);
    let mut server = Command::new("bash")
        .arg("-c")
        .arg(format!("exec {command}"))
        .env(
            "PATH",
            format!(
                "{}:{}",
                bins.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let info = wait_for_file(&ready);
    let api = info["api_url"].as_str().unwrap();
    let token = info["user_token"].as_str().unwrap();
    let project = info["project_id"].as_str().unwrap();

    let app: Value = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let resp = comwit_client::http::client()
            .post(format!("{api}/v1/projects/{project}/apps"))
            .bearer_auth(token)
            .json(&serde_json::json!({"name": "readme"}))
            .send()
            .await
            .unwrap();
        resp.json().await.unwrap()
    });
    let app_id = app["app"]["app_id"].as_str().unwrap();

    std::fs::create_dir_all(work.path().join("dist")).unwrap();
    std::fs::write(work.path().join("dist/index.html"), "<h1>README</h1>").unwrap();
    let env = [
        ("API", api),
        ("PROJECT_ID", project),
        ("APP_ID", app_id),
        ("COMWIT_TOKEN", token),
    ];
    let mut answer = String::new();
    let deploys = examples_of("curl");
    let deploys = deploys.iter().filter(|e| !e.command.contains("/_sandbox/"));
    for ex in examples_of("tar").iter().chain(deploys) {
        answer = run_example(ex, work.path(), &env);
    }
    let deployed: Value = serde_json::from_str(&answer).expect("curl printed the deploy answer");
    assert!(
        deployed.to_string().contains("build-"),
        "a build was created: {deployed}"
    );

    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let exit = server.wait().unwrap();
    assert!(exit.success(), "SIGTERM stops it cleanly: {exit}");
}

/// The snapshot examples: taken from a running sandbox, restored into it,
/// and a new sandbox started from the file.
#[test]
fn the_snapshot_examples_take_restore_and_start_from_a_snapshot() {
    let work = tempfile::tempdir().unwrap();
    bash("true", work.path(), &[]);
    let ready = work.path().join("ready.json");
    let mut server = Command::new(env!("CARGO_BIN_EXE_comwit-sandbox"))
        .args([
            "serve",
            "--ephemeral",
            "--listen",
            "127.0.0.1:0",
            "--ready-file",
        ])
        .arg(&ready)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let info = wait_for_file(&ready);
    let env = [
        ("API", info["api_url"].as_str().unwrap()),
        ("OP", info["operator_token"].as_str().unwrap()),
    ];
    let curls = examples_of("curl");
    let snapshot_examples: Vec<&Example> = curls
        .iter()
        .filter(|e| e.command.contains("/_sandbox/"))
        .collect();
    assert_eq!(snapshot_examples.len(), 2, "snapshot, then restore");
    for ex in snapshot_examples {
        run_example(ex, work.path(), &env);
    }
    assert!(work.path().join("team.tar.zst").exists());
    let _ = server.kill();
    let _ = server.wait();

    let start = examples_of("comwit-sandbox");
    let start = start
        .iter()
        .find(|e| e.command.contains("--restore"))
        .expect("a serve --restore example");
    let mut restored = Command::new("bash")
        .arg("-c")
        .arg(format!("exec {} --listen 127.0.0.1:0", start.command))
        .current_dir(work.path())
        .env(
            "PATH",
            format!(
                "{}:{}",
                work.path().join(".bin").display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    let mut lines =
        std::io::BufRead::lines(std::io::BufReader::new(restored.stdout.take().unwrap()));
    while let Some(Ok(line)) = lines.next() {
        banner.push_str(&line);
        banner.push('\n');
        if line.trim_start().starts_with("project") {
            break;
        }
    }
    let _ = restored.kill();
    let _ = restored.wait();
    let project = info["project_id"].as_str().unwrap();
    assert!(banner.contains(project), "the snapshot's project: {banner}");
}
