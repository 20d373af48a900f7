//! `sandbox/action.yml` (`uses: comwit/deploy/sandbox@v1`) as GitHub runs
//! it: its steps under bash with their `env:` mapping, the binary built
//! from source (a fake cargo installs the real one), the sandbox started in
//! the background and what the next steps need exported.

use std::path::{Path, PathBuf};

use comwit_e2e::composite::{Composite, load, outputs_read, step, yaml_scalar as s};

const BIN: &str = env!("CARGO_BIN_EXE_comwit-sandbox");

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Stops the sandbox the action left running (the runner does at job end).
struct Stop(String);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill").arg(&self.0).status();
    }
}

#[test]
fn every_input_reaches_the_start_step_and_every_output_is_mapped_from_it() {
    let doc = load(&repo_root().join("sandbox/action.yml"));
    let env = step(&doc, "start")["env"]
        .as_hash()
        .expect("start env")
        .clone();
    let script = std::fs::read_to_string(repo_root().join("sandbox/action-start.sh")).unwrap();
    for (name, spec) in doc["inputs"].as_hash().unwrap() {
        let name = s(name);
        assert!(
            spec["description"].as_str().is_some_and(|d| d.len() > 10),
            "{name}"
        );
        assert!(
            !spec["default"].is_badvalue(),
            "input {name} needs a default"
        );
        let var = format!("INPUT_{}", name.to_ascii_uppercase().replace('-', "_"));
        let mapped = env
            .iter()
            .find(|(k, _)| s(k) == var)
            .map(|(_, v)| s(v))
            .unwrap_or_else(|| panic!("input {name} is not passed as {var}"));
        assert_eq!(mapped, format!("${{{{ inputs.{name} }}}}"));
        assert!(script.contains(&var), "action-start.sh never reads {var}");
    }
    for (name, spec) in doc["outputs"].as_hash().unwrap() {
        let name = s(name);
        assert_eq!(
            s(&spec["value"]),
            format!("${{{{ steps.start.outputs.{name} }}}}")
        );
        assert!(
            script.contains(&format!("echo \"{name}=")),
            "action-start.sh never writes {name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_action_starts_the_sandbox_and_exports_what_the_next_steps_need() {
    let doc = load(&repo_root().join("sandbox/action.yml"));
    let mut c = Composite::new(repo_root().join("sandbox"));
    let cargo_log = c.fake_cargo(Path::new(BIN));
    let given = [("listen", "127.0.0.1:0"), ("seed-demo", "true")];
    let (ran, outputs) = tokio::task::block_in_place(|| c.run_action(&doc, &given));
    let start = &ran["start"];
    assert_eq!(start.code, 0, "{}\n{}", start.stdout, start.stderr);
    let _stop = Stop(outputs["pid"].clone());

    let args = std::fs::read_to_string(&cargo_log).unwrap();
    assert!(args.contains("--bin comwit-sandbox"), "{args}");
    assert!(args.contains("/sandbox/../sandbox --root"), "{args}");

    // The tokens are masked before they are written anywhere.
    let token = &outputs["token"];
    assert!(token.starts_with("cwt_"), "{outputs:?}");
    let lines: Vec<&str> = start.stdout.lines().collect();
    assert_eq!(lines[0], format!("::add-mask::{token}"));
    assert_eq!(
        lines[1],
        format!("::add-mask::{}", outputs["operator-token"])
    );
    assert!(lines[2..].iter().all(|l| !l.contains(token.as_str())));

    let exported = std::fs::read_to_string(c.env_file()).unwrap();
    let api = &outputs["api-url"];
    assert!(
        api.starts_with("http://127.0.0.1:") && !api.ends_with(":0"),
        "{api}"
    );
    for line in [
        format!("COMWIT_API_URL={api}"),
        format!("COMWIT_TOKEN={token}"),
        format!("COMWIT_PROJECT={}", outputs["project"]),
    ] {
        assert!(exported.lines().any(|l| l == line), "{line} in {exported}");
    }
    assert!(outputs["data-url"].starts_with("http://127.0.0.1:"));
    assert!(outputs["site-url"].starts_with("http://127.0.0.1:"));
    assert!(outputs["dns-addr"].starts_with("127.0.0.1:"));

    // The next step's view: the token from the environment reaches the
    // seeded project and, with seed-demo, the demo projects.
    let http = comwit_client::http::client();
    let projects = http
        .get(format!("{api}/v1/projects"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(projects.status(), 200);
    let body: serde_json::Value = projects.json().await.unwrap();
    let ids: Vec<&str> = body["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["project_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&outputs["project"].as_str()), "{body}");
    assert!(ids.len() >= 3, "the demo projects too: {body}");
}

#[test]
fn a_sandbox_that_cannot_start_fails_the_step_with_its_reason() {
    let doc = load(&repo_root().join("sandbox/action.yml"));
    let mut c = Composite::new(repo_root().join("sandbox"));
    c.fake_cargo(Path::new(BIN));
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = taken.local_addr().unwrap().to_string();
    let inputs = Composite::inputs(&doc, &[("listen", &listen), ("ready-timeout", "20")]);
    let ran = c.run_steps(&doc, &inputs, "start");
    let start = &ran["start"];
    assert_eq!(start.code, 1, "{}", start.stdout);
    assert!(
        start
            .stdout
            .contains("::error title=comwit-sandbox did not start::")
            && start.stdout.contains("cannot listen"),
        "{}",
        start.stdout
    );

    let inputs = Composite::inputs(&doc, &[("seed-demo", "yes")]);
    let ran = c.run_steps(&doc, &inputs, "start");
    assert_eq!(ran["start"].code, 2);
    assert!(
        ran["start"]
            .stdout
            .contains("seed-demo is \"yes\": give true or false")
    );
}

#[test]
fn every_example_passes_declared_inputs_and_reads_declared_outputs() {
    let doc = load(&repo_root().join("sandbox/action.yml"));
    let mut seen = 0;
    for entry in std::fs::read_dir(repo_root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let workflow = load(&path);
        for (_, job) in workflow["jobs"].as_hash().unwrap() {
            for st in job["steps"].as_vec().unwrap() {
                let uses = st["uses"].as_str().unwrap_or("");
                if !uses.starts_with("comwit/deploy/sandbox@") {
                    continue;
                }
                seen += 1;
                for (name, _) in st["with"].as_hash().into_iter().flatten() {
                    let name = s(name);
                    assert!(
                        !doc["inputs"][name.as_str()].is_badvalue(),
                        "{}: {name}",
                        path.display()
                    );
                }
                let id = s(&st["id"]);
                for output in outputs_read(&text, &id) {
                    assert!(
                        !doc["outputs"][output].is_badvalue(),
                        "{}: {output}",
                        path.display()
                    );
                }
            }
        }
    }
    assert!(seen >= 1, "an example uses the sandbox action");
}
