//! The README's comwit-deploy examples, run against a sandbox: the
//! workflow's `uses: comwit/deploy` step with its `with:` inputs, and the
//! command lines with their placeholders (`proj-…`, `app-…`, `build-…`)
//! filled in from what the earlier examples created.

mod common;

use std::collections::HashMap;
use std::process::Command;

use common::{BIN, Platform, Runner, platform, yaml_scalar as scalar};
use comwit_e2e::readme::{self, Example};
use yaml_rust2::{Yaml, YamlLoader};

fn action_yml() -> Yaml {
    let path = readme::path().with_file_name("action.yml");
    let text = std::fs::read_to_string(path).unwrap();
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

/// The README workflow's step using the action: its id, its `with:`
/// inputs, and the text of the whole workflow.
fn workflow_step() -> (String, Vec<(String, String)>, String) {
    deploy_step_of(|text| !text.contains("comwit/deploy/sandbox@"))
}

/// The deploy step of the first README workflow `which` picks.
fn deploy_step_of(which: impl Fn(&str) -> bool) -> (String, Vec<(String, String)>, String) {
    let blocks = readme::blocks(&readme::text(), &["yaml"]);
    let block = blocks
        .iter()
        .find(|b| b.text.contains("uses: comwit/deploy@") && which(&b.text))
        .expect("the README shows the action in a workflow");
    let doc = YamlLoader::load_from_str(&block.text).unwrap().remove(0);
    let step = doc["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("comwit/deploy@"))
        })
        .unwrap();
    let with = step["with"]
        .as_hash()
        .unwrap()
        .iter()
        .map(|(k, v)| (scalar(k), scalar(v)))
        .collect();
    (scalar(&step["id"]), with, block.text.clone())
}

/// `${{ secrets.COMWIT_TOKEN }}` and `${{ vars.COMWIT_PROJECT }}` as a
/// repository would set them, here for the sandbox.
fn expand(value: &str, p: &Platform) -> String {
    let v = value
        .replace("${{ secrets.COMWIT_TOKEN }}", &p.user)
        .replace("${{ vars.COMWIT_PROJECT }}", &p.project);
    assert!(
        !v.contains("${{"),
        "an expression this test does not know: {value}"
    );
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workflow_example_deploys_binds_its_host_and_sets_the_outputs_it_echoes() {
    let p = platform().await;
    let (id, with, workflow) = workflow_step();
    let declared = action_yml();
    for (name, _) in &with {
        assert!(
            !declared["inputs"][name.as_str()].is_badvalue(),
            "the README passes `{name}`, which action.yml does not declare"
        );
    }
    let mut inputs: Vec<(String, String)> = with
        .iter()
        .map(|(k, v)| (k.clone(), expand(v, &p)))
        .collect();
    // The workflow deploys to Comwit Cloud; this one to the sandbox.
    inputs.push(("api-url".into(), p.url.clone()));
    let r = Runner::new(BIN);
    r.files("dist", &[("index.html", b"<h1>from the README</h1>")]);
    let given: Vec<(&str, &str)> = inputs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let run = r.step(&given).await;
    run.assert_ok();

    let marker = format!("steps.{id}.outputs.");
    let echoed: Vec<&str> = workflow
        .split(&marker)
        .skip(1)
        .map(|rest| {
            rest.split(|c: char| !(c.is_alphanumeric() || c == '-'))
                .next()
                .unwrap()
        })
        .collect();
    assert!(!echoed.is_empty(), "the workflow uses the step's outputs");
    for output in echoed {
        assert!(
            !declared["outputs"][output].is_badvalue(),
            "the README echoes `{output}`, which action.yml does not declare"
        );
        assert!(
            !run.output(output).is_empty(),
            "{output} is set\n{}",
            run.log()
        );
    }
    let apps = p.apps().await;
    let app = apps
        .iter()
        .find(|a| a["name"] == "web")
        .expect("create-app made `web`");
    let app_id = app["app_id"].as_str().unwrap();
    assert_eq!(p.builds(app_id).await.len(), 1);
    let hosts = p
        .get(&format!("/v1/projects/{}/apps/{app_id}/domains", p.project))
        .await;
    assert_eq!(hosts["domains"][0]["domain"], "www.example.com", "{hosts}");
    assert_eq!(
        hosts["domains"][0]["status"], "active",
        "finalized: {hosts}"
    );
}

fn deploy_examples() -> Vec<Example> {
    let ex: Vec<Example> = readme::examples()
        .into_iter()
        .filter(|e| e.program() == "comwit-deploy")
        .collect();
    assert!(ex.len() >= 2, "{ex:?}");
    ex
}

/// Runs `command` under bash in `dir`, with the binary under test first on
/// PATH and the token in `COMWIT_TOKEN`, as the README's lines assume.
fn sh(command: &str, dir: &std::path::Path, p: &Platform) -> std::process::Output {
    let bins = dir.join(".bin");
    std::fs::create_dir_all(&bins).unwrap();
    let link = bins.join("comwit-deploy");
    if !link.exists() {
        std::os::unix::fs::symlink(BIN, &link).unwrap();
    }
    let path = format!(
        "{}:{}",
        bins.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("bash")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir)
        .env("COMWIT_TOKEN", &p.user)
        .env("COMWIT_API_URL", &p.url)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_examples_deploy_and_roll_back() {
    let p = platform().await;
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(work.path().join("dist")).unwrap();
    let mut ids: HashMap<&str, String> = HashMap::from([("proj-…", p.project.clone())]);
    for ex in deploy_examples() {
        let rollback = ex.command.contains("rollback");
        // Rolling back needs a build before the active one: the deploys
        // before it ran twice.
        let runs = if rollback { 1 } else { 2 };
        for n in 0..runs {
            std::fs::write(
                work.path().join("dist/index.html"),
                format!("<h1>README line {} run {n}</h1>", ex.line),
            )
            .unwrap();
            let mut command = ex.command.clone();
            for (placeholder, id) in &ids {
                command = command.replace(placeholder, id);
            }
            assert!(
                !command.contains('…'),
                "README line {}: unfilled {command}",
                ex.line
            );
            let out = sh(&command, work.path(), &p);
            assert!(
                out.status.success(),
                "README line {}: {}\n{}\n{}",
                ex.line,
                ex.text,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let app = p
            .apps()
            .await
            .into_iter()
            .find(|a| a["name"] == "web")
            .expect("app web");
        let app_id = app["app_id"].as_str().unwrap().to_string();
        let builds = p.builds(&app_id).await;
        if rollback {
            let active = p.app(&app_id).await["active_build_id"].clone();
            assert_eq!(
                active.as_str(),
                Some(ids["build-…"].as_str()),
                "rolled back"
            );
        } else {
            assert_eq!(builds.len(), 2, "two deploys, two builds");
            // The older build, to roll back to (the list is newest first).
            let older = builds
                .iter()
                .map(|b| b["build_id"].as_str().unwrap().to_string())
                .find(|b| Some(b.as_str()) != app["active_build_id"].as_str())
                .unwrap();
            ids.insert("app-…", app_id);
            ids.insert("build-…", older);
        }
    }
}

/// "Sandbox in CI": after the sandbox action, the deploy step runs with
/// no token, project or API input — only the COMWIT_* it exported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_in_ci_example_deploys_with_only_what_the_sandbox_action_exports() {
    let p = platform().await;
    let (_, with, _) = deploy_step_of(|text| text.contains("comwit/deploy/sandbox@"));
    for name in ["token", "project", "api-url"] {
        assert!(
            with.iter().all(|(k, _)| k != name),
            "the example passes {name}"
        );
    }
    let mut r = Runner::new(BIN);
    r.set("COMWIT_API_URL", &p.url);
    r.set("COMWIT_TOKEN", &p.user);
    r.set("COMWIT_PROJECT", &p.project);
    r.files("dist", &[("index.html", b"<h1>rehearsal</h1>")]);
    let given: Vec<(&str, &str)> = with.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = r.step(&given).await;
    run.assert_ok();
    run.assert_hidden(&p.user);
    let app = run.output("app-id");
    assert_eq!(p.app(app).await["active_build_id"], run.output("build-id"));
}
