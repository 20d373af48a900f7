//! `action.yml` as GitHub runs it: every input documented, defaulted and
//! passed to the binary through `env:` (composite actions get no `INPUT_*`
//! variables of their own), outputs mapped from the step, and the shell
//! steps run under bash the way the runner runs them — the source-build
//! fallback, the tool cache, and a prebuilt asset verified against the
//! committed sums.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clap::{CommandFactory, Parser};
use common::{BIN, parse_outputs, platform, yaml_scalar as s};
use comwit_deploy_action::inputs::{Inputs, env_name};
use comwit_deploy_action::outcome::{Kind, Outcome};
use yaml_rust2::{Yaml, YamlLoader};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn action() -> Yaml {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).expect("action.yml");
    YamlLoader::load_from_str(&text)
        .expect("valid YAML")
        .remove(0)
}

fn step<'a>(doc: &'a Yaml, id: &str) -> &'a Yaml {
    doc["runs"]["steps"]
        .as_vec()
        .expect("steps")
        .iter()
        .find(|st| st["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("no step {id}"))
}

#[test]
fn every_input_is_documented_defaulted_and_mapped_through_env() {
    let doc = action();
    assert_eq!(doc["runs"]["using"].as_str(), Some("composite"));
    assert!(doc["branding"]["icon"].as_str().is_some());
    assert!(doc["branding"]["color"].as_str().is_some());
    let inputs = doc["inputs"].as_hash().expect("inputs");
    let deploy_env = step(&doc, "deploy")["env"].as_hash().expect("deploy env");

    let mut names = Vec::new();
    for (name, spec) in inputs {
        let name = s(name);
        let description = spec["description"].as_str().unwrap_or("");
        assert!(description.len() > 10, "input {name} needs a description");
        assert!(
            !spec["default"].is_badvalue(),
            "input {name} needs a default"
        );
        let var = env_name(&name);
        let mapped = deploy_env
            .get(&Yaml::String(var.clone()))
            .map(s)
            .unwrap_or_else(|| panic!("input {name} is not passed as {var}"));
        assert_eq!(mapped, format!("${{{{ inputs.{name} }}}}"), "{var}");
        names.push(name);
    }
    // GitHub reporting is on by default, with the job's own token.
    assert_eq!(
        s(&doc["inputs"]["github-token"]["default"]),
        "${{ github.token }}"
    );
    // Nothing mapped that is not an input.
    for (var, _) in deploy_env {
        let var = s(var);
        if let Some(rest) = var.strip_prefix("INPUT_") {
            assert!(
                names.iter().any(|n| env_name(n) == var),
                "{var} maps no input ({rest})"
            );
        }
    }
    // The inputs are exactly the binary's flags.
    let mut flags: Vec<String> = Inputs::command()
        .get_arguments()
        .filter_map(|a| a.get_long().map(str::to_string))
        .filter(|l| l != "help" && l != "version")
        .collect();
    flags.sort();
    names.sort();
    assert_eq!(names, flags, "action.yml inputs vs comwit-deploy flags");

    // Outputs: exactly what the binary writes, mapped from the deploy step.
    let outputs = doc["outputs"].as_hash().expect("outputs");
    let mut declared: Vec<String> = Vec::new();
    for (name, spec) in outputs {
        let name = s(name);
        assert!(spec["description"].as_str().is_some_and(|d| !d.is_empty()));
        assert_eq!(
            s(&spec["value"]),
            format!("${{{{ steps.deploy.outputs.{name} }}}}")
        );
        declared.push(name);
    }
    let mut written: Vec<String> = Outcome::new(Kind::Deploy)
        .outputs()
        .into_iter()
        .map(|(n, _)| n.to_string())
        .collect();
    // What dns-plan and dns-apply write (tests/dns.rs reads each of them).
    written.extend(["dns-changes", "dns-plan", "dns-plan-path"].map(String::from));
    declared.sort();
    written.sort();
    assert_eq!(declared, written);
}

/// Runs the composite steps as the runner does: expressions substituted,
/// each `run:` under `bash --noprofile --norc -eo pipefail`, with the
/// step's `env:` and a fresh `GITHUB_OUTPUT` per step.
struct Composite {
    action_path: PathBuf,
    tmp: tempfile::TempDir,
    tool_cache: PathBuf,
    path: String,
    extra_env: Vec<(String, String)>,
}

struct StepRun {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: HashMap<String, String>,
}

impl Composite {
    fn new(action_path: PathBuf) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let tool_cache = tmp.path().join("tool-cache");
        std::fs::create_dir_all(&tool_cache).unwrap();
        std::fs::create_dir_all(tmp.path().join("workspace")).unwrap();
        Self {
            action_path,
            tool_cache,
            path: std::env::var("PATH").unwrap_or_default(),
            extra_env: Vec::new(),
            tmp,
        }
    }

    fn workspace(&self) -> PathBuf {
        self.tmp.path().join("workspace")
    }

    /// A fake `cargo` first on PATH: records its arguments and "installs"
    /// the real comwit-deploy into `--root`.
    fn fake_cargo(&mut self) -> PathBuf {
        let dir = self.tmp.path().join("fake-bin");
        std::fs::create_dir_all(&dir).unwrap();
        let log = self.tmp.path().join("cargo-args.log");
        let script = format!(
            "#!/bin/bash\nset -e\necho \"$*\" >> '{log}'\nroot=\nwhile [ $# -gt 0 ]; do\n  if [ \"$1\" = --root ]; then root=$2; fi\n  shift\ndone\nmkdir -p \"$root/bin\"\ncp '{bin}' \"$root/bin/comwit-deploy\"\n",
            log = log.display(),
            bin = BIN
        );
        let cargo = dir.join("cargo");
        std::fs::write(&cargo, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
        self.path = format!("{}:{}", dir.display(), self.path);
        log
    }

    fn run_step(
        &self,
        doc: &Yaml,
        id: &str,
        inputs: &HashMap<String, String>,
        steps: &HashMap<String, HashMap<String, String>>,
    ) -> StepRun {
        let st = step(doc, id);
        assert_eq!(
            st["shell"].as_str(),
            Some("bash"),
            "step {id} runs under bash"
        );
        let expr = |text: &str| substitute(text, doc, inputs, steps);
        let script = self.tmp.path().join(format!("{id}.sh"));
        std::fs::write(&script, expr(st["run"].as_str().unwrap())).unwrap();
        let output = self.tmp.path().join(format!("{id}.output"));
        std::fs::write(&output, "").unwrap();
        let mut cmd = std::process::Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script)
            .current_dir(self.workspace())
            .env_clear()
            .env("PATH", &self.path)
            .env("HOME", self.tmp.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", &self.action_path)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", self.tmp.path().join("summary.md"))
            .env("GITHUB_EVENT_PATH", self.tmp.path().join("event.json"))
            .env("GITHUB_REPOSITORY", "acme/site")
            .env("GITHUB_SHA", "2222222222222222222222222222222222222222")
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TEMP", self.tmp.path())
            .env("RUNNER_TOOL_CACHE", &self.tool_cache);
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        if let Some(env) = st["env"].as_hash() {
            for (k, v) in env {
                cmd.env(s(k), expr(&s(v)));
            }
        }
        let out = cmd.output().expect("bash runs");
        StepRun {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: parse_outputs(&std::fs::read_to_string(&output).unwrap()),
        }
    }

    /// The inputs as the runner sees them: defaults (their expressions
    /// evaluated) overridden by `given`.
    fn inputs(doc: &Yaml, given: &[(&str, &str)]) -> HashMap<String, String> {
        let none = HashMap::new();
        let mut inputs: HashMap<String, String> = HashMap::new();
        for (name, spec) in doc["inputs"].as_hash().unwrap() {
            let default = substitute(&s(&spec["default"]), doc, &none, &HashMap::new());
            inputs.insert(s(name), default);
        }
        for (k, v) in given {
            assert!(inputs.contains_key(*k), "{k} is not an input of action.yml");
            inputs.insert(k.to_string(), v.to_string());
        }
        inputs
    }

    /// The composite's steps in order, as the runner runs them, up to and
    /// including `last`: `if:` conditions evaluated, `uses:` steps
    /// (actions/cache) skipped — the tool cache, kept between runs of one
    /// `Composite`, stands in for the restored cache — and the rest run
    /// under bash. Each step that ran, by id.
    fn run_steps(
        &self,
        doc: &Yaml,
        inputs: &HashMap<String, String>,
        last: &str,
    ) -> HashMap<String, StepRun> {
        let mut outputs: HashMap<String, HashMap<String, String>> = HashMap::new();
        let mut ran = HashMap::new();
        for st in doc["runs"]["steps"].as_vec().expect("steps") {
            let id = s(&st["id"]);
            let wanted = st["if"].as_str().is_none_or(|c| condition(c, &outputs));
            if wanted && st["uses"].is_badvalue() {
                let run = self.run_step(doc, &id, inputs, &outputs);
                outputs.insert(id.clone(), run.outputs.clone());
                let failed = run.code != 0;
                ran.insert(id.clone(), run);
                if failed {
                    break;
                }
            }
            if id == last {
                break;
            }
        }
        ran
    }

    /// Every step, then the action's outputs as GitHub maps them.
    fn run_action(
        &self,
        doc: &Yaml,
        given: &[(&str, &str)],
    ) -> (HashMap<String, StepRun>, HashMap<String, String>) {
        let inputs = Self::inputs(doc, given);
        let ran = self.run_steps(doc, &inputs, "deploy");
        for (id, run) in &ran {
            if id != "deploy" {
                assert_eq!(run.code, 0, "{id} step\n{}\n{}", run.stdout, run.stderr);
            }
        }
        let steps: HashMap<String, HashMap<String, String>> = ran
            .iter()
            .map(|(id, run)| (id.clone(), run.outputs.clone()))
            .collect();
        let mut outputs = HashMap::new();
        for (name, spec) in doc["outputs"].as_hash().unwrap() {
            outputs.insert(
                s(name),
                substitute(&s(&spec["value"]), doc, &inputs, &steps),
            );
        }
        (ran, outputs)
    }
}

/// The one form of `if:` action.yml uses: `steps.ID.outputs.NAME == ''`.
fn condition(expr: &str, steps: &HashMap<String, HashMap<String, String>>) -> bool {
    let (lhs, rhs) = expr.split_once("==").expect("a comparison");
    assert_eq!(rhs.trim(), "''", "condition the test does not know: {expr}");
    value_of(lhs.trim(), &HashMap::new(), steps).is_empty()
}

/// Replaces `${{ … }}` the way the runner would for the expressions
/// action.yml uses; any other expression fails the test.
fn substitute(
    text: &str,
    _doc: &Yaml,
    inputs: &HashMap<String, String>,
    steps: &HashMap<String, HashMap<String, String>>,
) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed expression") + start;
        let expr = rest[start + 3..end].trim();
        // `a || b`: the first that is not empty.
        let value = expr
            .split("||")
            .map(|e| value_of(e.trim(), inputs, steps))
            .find(|v| !v.is_empty())
            .unwrap_or_default();
        out.push_str(&value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// One expression's value.
fn value_of(
    expr: &str,
    inputs: &HashMap<String, String>,
    steps: &HashMap<String, HashMap<String, String>>,
) -> String {
    if let Some(name) = expr.strip_prefix("inputs.") {
        inputs
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("unknown input {name}"))
    } else if let Some(path) = expr.strip_prefix("steps.") {
        let (id, output) = path.split_once(".outputs.").expect("steps.ID.outputs.NAME");
        steps
            .get(id)
            .and_then(|o| o.get(output))
            .cloned()
            .unwrap_or_default()
    } else if expr == "github.action_repository" {
        "comwit/deploy".to_string()
    } else if expr == "github.token" {
        // This runner has no GitHub token: no GitHub reporting.
        String::new()
    } else {
        panic!("expression the test does not know: {expr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_composite_steps_build_from_source_then_deploy_with_the_env_mapping() {
    let p = platform().await;
    let doc = action();
    let mut c = Composite::new(repo_root());
    let cargo_log = c.fake_cargo();
    let dist = c.workspace().join("site/dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<h1>composite</h1>").unwrap();
    let given = [
        ("token", p.user.as_str()),
        ("api-url", p.url.as_str()),
        ("project", p.project.as_str()),
        ("app-name", "composite"),
        ("create-app", "true"),
        ("working-directory", "site"),
        ("hosts", "one.composite.test\ntwo.composite.test"),
        ("env", "A=1\nB=two words"),
    ];
    let doc_ref = &doc;
    let c_ref = &c;
    let (ran, outputs) = tokio::task::block_in_place(|| c_ref.run_action(doc_ref, &given));
    let (build, deploy) = (&ran["build"], &ran["deploy"]);
    assert!(
        build
            .stdout
            .contains("::notice title=Building comwit-deploy::"),
        "{}",
        build.stdout
    );
    let args = std::fs::read_to_string(&cargo_log).unwrap();
    let expected_path = format!("--locked --path {}/action --root", repo_root().display());
    assert!(
        args.starts_with("install ") && args.contains(&expected_path),
        "{args}"
    );
    assert!(args.contains("--bin comwit-deploy"), "{args}");
    assert_eq!(
        deploy.code, 0,
        "deploy step\n{}\n{}",
        deploy.stdout, deploy.stderr
    );
    // The inputs reached the binary: app created by name, package under
    // working-directory, both hosts, the env values.
    let apps = p.apps().await;
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["name"], "composite");
    let app = apps[0]["app_id"].as_str().unwrap();
    assert_eq!(outputs["app-id"], app);
    let builds = p.builds(app).await;
    assert_eq!(outputs["build-id"], builds[0]["build_id"].as_str().unwrap());
    assert_eq!(outputs["hosts"], "one.composite.test,two.composite.test");
    let env = p
        .get(&format!(
            "/v1/projects/{}/apps/{app}/environment",
            p.project
        ))
        .await;
    assert!(env.to_string().contains("two words"), "{env}");
    // The token reaches the binary only through env and is masked first.
    assert_eq!(
        deploy.stdout.lines().next(),
        Some(format!("::add-mask::{}", p.user).as_str())
    );
    for line in deploy.stdout.lines().skip(1) {
        assert!(!line.contains(&p.user), "token printed: {line}");
    }
    assert!(!deploy.stderr.contains(&p.user));

    // Second run: the binary comes from the restored cache, cargo is not
    // run.
    let (ran2, _) = tokio::task::block_in_place(|| c_ref.run_action(doc_ref, &given));
    let (build2, deploy2) = (&ran2["build"], &ran2["deploy"]);
    assert!(
        build2.stdout.contains("restored from the cache"),
        "{}",
        build2.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&cargo_log).unwrap().lines().count(),
        1
    );
    assert_eq!(deploy2.code, 0, "{}", deploy2.stdout);
}

/// Without a release, a deploy builds lean and a DNS command builds with
/// the zone-file reader, each under its own cache key.
#[test]
fn a_dns_command_builds_from_source_with_the_dns_feature_under_its_own_key() {
    let doc = action();
    let mut c = Composite::new(repo_root());
    let cargo_log = c.fake_cargo();
    let build = |command: &str| {
        let inputs = Composite::inputs(&doc, &[("command", command)]);
        let ran = c.run_steps(&doc, &inputs, "build");
        assert_eq!(ran["build"].code, 0, "{}", ran["build"].stderr);
        ran["install"].outputs["source-key"].clone()
    };
    let (deploy_key, dns_key) = (build("deploy"), build("dns-plan"));
    let args = std::fs::read_to_string(&cargo_log).unwrap();
    let lines: Vec<&str> = args.lines().collect();
    assert_eq!(lines.len(), 2, "{args}");
    assert!(
        !lines[0].contains("--features"),
        "deploy builds lean: {args}"
    );
    assert!(lines[1].ends_with("--features dns"), "{args}");
    assert_eq!(dns_key, format!("{deploy_key}-dns"));
    // The same DNS command again: its binary comes from its own cache.
    build("dns-apply");
    assert_eq!(
        std::fs::read_to_string(&cargo_log).unwrap().lines().count(),
        2
    );
}

/// A copy of the action whose sums file lists one asset.
fn action_with_sums(dir: &Path, line: &str) -> PathBuf {
    let root = dir.join("action-copy");
    std::fs::create_dir_all(root.join("action")).unwrap();
    std::fs::copy(repo_root().join("action.yml"), root.join("action.yml")).unwrap();
    std::fs::write(
        root.join("action/release-assets.sha256"),
        format!("# test\n{line}\n"),
    )
    .unwrap();
    root
}

/// Release downloads served on loopback, as `GITHUB_SERVER_URL`: `bytes`
/// at the release path of `asset`, 404 elsewhere. Returns the URL and the
/// paths asked for.
async fn serve_release(
    version: &str,
    asset: &str,
    bytes: Vec<u8>,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let hits: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = hits.clone();
    let path = format!("/comwit/deploy/releases/download/v{version}/{asset}");
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let (bytes, log, path) = (bytes.clone(), log.clone(), path.clone());
        async move {
            log.lock().unwrap().push(uri.path().to_string());
            if uri.path() == path {
                (axum::http::StatusCode::OK, bytes)
            } else {
                (axum::http::StatusCode::NOT_FOUND, b"Not Found".to_vec())
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (server, hits)
}

/// scripts/release-archive packs what the release workflow publishes: the
/// download step accepts its archive and sums line and runs the binary in
/// it, and packing the same binary twice gives the same bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_release_script_builds_archives_the_download_step_accepts() {
    const TARGET: &str = "x86_64-unknown-linux-musl";
    let version = env!("CARGO_PKG_VERSION");
    let work = tempfile::tempdir().unwrap();
    // Small stand-ins for the release binaries: what is tested is the
    // archive and its sums, and that the binary inside is what runs.
    let bins = work.path().join("bins");
    std::fs::create_dir_all(&bins).unwrap();
    for name in ["comwit-deploy", "comwit-tui", "comwit-sandbox"] {
        let script = format!("#!/bin/sh\necho released-{name} \"$INPUT_APP_NAME\"\n");
        std::fs::write(bins.join(name), script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(bins.join(name), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // The completions and man pages are comwit-dist's (tested in the dist
    // crate); here a stand-in writes one of each.
    let dist_tool = bins.join("fake-comwit-dist");
    std::fs::write(
        &dist_tool,
        "#!/bin/sh\nmkdir -p \"$3/completions\" \"$3/man\"\n\
         echo \"complete $2\" > \"$3/completions/$2.bash\"\n\
         echo \".TH $2 1\" > \"$3/man/$2.1\"\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dist_tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let pack = |out: &str| {
        let status = std::process::Command::new("bash")
            .arg(repo_root().join("scripts/release-archive"))
            .args(["--target", TARGET, "--from"])
            .arg(&bins)
            .arg("--dist-tool")
            .arg(&dist_tool)
            .arg("--out")
            .arg(work.path().join(out))
            .status()
            .unwrap();
        assert!(status.success());
        work.path().join(out)
    };
    let (first, second) = (pack("one"), pack("two"));
    let asset = format!("comwit-deploy-{version}-{TARGET}.tar.gz");
    let bytes = std::fs::read(first.join(&asset)).unwrap();
    assert_eq!(
        bytes,
        std::fs::read(second.join(&asset)).unwrap(),
        "reproducible"
    );
    for name in ["comwit-tui", "comwit-sandbox"] {
        assert!(
            first
                .join(format!("{name}-{version}-{TARGET}.tar.gz.sha256"))
                .exists()
        );
    }
    let listed = std::process::Command::new("tar")
        .arg("-tzf")
        .arg(first.join(&asset))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout)
            .lines()
            .collect::<Vec<_>>(),
        [
            "comwit-deploy",
            "LICENSE",
            "README.md",
            "completions/comwit-deploy.bash",
            "man/comwit-deploy.1"
        ],
        "the binary at the root, then the docs"
    );
    let line = std::fs::read_to_string(first.join(format!("{asset}.sha256"))).unwrap();

    let (server, hits) = serve_release(version, &asset, bytes).await;
    let mut c = Composite::new(action_with_sums(work.path(), line.trim()));
    c.extra_env.push(("GITHUB_SERVER_URL".into(), server));
    let doc = action();
    let given = [("app-name", "released"), ("dry-run", "true")];
    let (ran, _) = tokio::task::block_in_place(|| c.run_action(&doc, &given));
    let (install, deploy) = (&ran["install"], &ran["deploy"]);
    assert!(
        install.stdout.contains("sha256 verified"),
        "{}",
        install.stdout
    );
    assert!(!ran.contains_key("build"), "no source build");
    assert_eq!(deploy.code, 0, "{}\n{}", deploy.stdout, deploy.stderr);
    assert_eq!(deploy.stdout.trim(), "released-comwit-deploy released");
    assert_eq!(hits.lock().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prebuilt_asset_is_verified_cached_and_a_tampered_one_refused() {
    const ASSET: &str = "comwit-deploy-9.9.9-x86_64-unknown-linux-musl.tar.gz";
    let work = tempfile::tempdir().unwrap();
    // The asset: a tar.gz with a stand-in comwit-deploy at its root.
    let staging = work.path().join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(
        staging.join("comwit-deploy"),
        "#!/bin/sh\necho prebuilt-comwit-deploy \"$INPUT_APP_NAME\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        staging.join("comwit-deploy"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let tarball = work.path().join(ASSET);
    let status = std::process::Command::new("tar")
        .arg("-czf")
        .arg(&tarball)
        .arg("-C")
        .arg(&staging)
        .arg("comwit-deploy")
        .status()
        .unwrap();
    assert!(status.success());
    let bytes = std::fs::read(&tarball).unwrap();
    let sha = {
        use std::io::Write;
        let mut child = std::process::Command::new("sha256sum")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&bytes).unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8(out.stdout).unwrap()[..64].to_string()
    };

    let (server, hits) = serve_release("9.9.9", ASSET, bytes.clone()).await;

    let doc = action();
    let given = [("app-name", "from-asset"), ("dry-run", "true")];

    // Good sums: downloaded, verified, cached; the second run reuses it.
    let mut c = Composite::new(action_with_sums(work.path(), &format!("{sha}  {ASSET}")));
    c.extra_env
        .push(("GITHUB_SERVER_URL".into(), server.clone()));
    let cargo_log = c.fake_cargo();
    let (ran, _) = tokio::task::block_in_place(|| c.run_action(&doc, &given));
    let (install, deploy) = (&ran["install"], &ran["deploy"]);
    assert!(
        !ran.contains_key("build"),
        "no source build with a prebuilt asset"
    );
    assert!(
        install.stdout.contains("sha256 verified"),
        "{}",
        install.stdout
    );
    let bin = &install.outputs["bin"];
    assert_eq!(
        PathBuf::from(bin),
        c.tool_cache
            .join("comwit-deploy/9.9.9/x86_64-unknown-linux-musl/comwit-deploy")
    );
    assert!(
        c.tool_cache
            .join("comwit-deploy/9.9.9/x86_64-unknown-linux-musl.complete")
            .exists()
    );
    assert_eq!(deploy.stdout.trim(), "prebuilt-comwit-deploy from-asset");
    let (ran2, _) = tokio::task::block_in_place(|| c.run_action(&doc, &given));
    let install2 = &ran2["install"];
    assert!(
        install2.stdout.contains("from the tool cache"),
        "{}",
        install2.stdout
    );
    assert_eq!(hits.lock().unwrap().len(), 1, "downloaded once");
    assert!(!cargo_log.exists(), "no source build");

    // Tampered: the sums do not match, so nothing is installed or run.
    let wrong = "0".repeat(64);
    let bad_root = work.path().join("bad");
    std::fs::create_dir_all(&bad_root).unwrap();
    let mut bad = Composite::new(action_with_sums(&bad_root, &format!("{wrong}  {ASSET}")));
    bad.extra_env
        .push(("GITHUB_SERVER_URL".into(), server.clone()));
    let inputs = Composite::inputs(&doc, &[]);
    let refused = bad.run_step(&doc, "install", &inputs, &HashMap::new());
    assert_ne!(refused.code, 0);
    assert!(
        refused
            .stdout
            .contains("::error title=comwit-deploy download rejected::"),
        "{}",
        refused.stdout
    );
    assert!(refused.stdout.contains(&sha), "names the sha it got");
    assert!(
        !bad.tool_cache
            .join("comwit-deploy/9.9.9/x86_64-unknown-linux-musl.complete")
            .exists()
    );

    // No such asset on the server: a warning, then the source build.
    let missing_root = work.path().join("missing");
    std::fs::create_dir_all(&missing_root).unwrap();
    let other = ASSET.replace("9.9.9", "9.9.8");
    let mut missing = Composite::new(action_with_sums(&missing_root, &format!("{sha}  {other}")));
    missing.extra_env.push(("GITHUB_SERVER_URL".into(), server));
    let cargo_log = missing.fake_cargo();
    let ran = missing.run_steps(&doc, &inputs, "build");
    let (fallback, build) = (&ran["install"], &ran["build"]);
    assert_eq!(fallback.code, 0, "{}\n{}", fallback.stdout, fallback.stderr);
    assert!(
        fallback
            .stdout
            .contains("::warning title=comwit-deploy asset unavailable::"),
        "{}",
        fallback.stdout
    );
    assert_eq!(build.code, 0, "{}\n{}", build.stdout, build.stderr);
    assert!(
        std::fs::read_to_string(cargo_log)
            .unwrap()
            .starts_with("install ")
    );
}

/// The steps of `workflow` that use the action, with their job's name.
fn action_steps(workflow: &Yaml) -> Vec<(String, Yaml)> {
    let mut out = Vec::new();
    for (job, spec) in workflow["jobs"].as_hash().expect("jobs") {
        for st in spec["steps"].as_vec().expect("steps") {
            if st["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("comwit/deploy@"))
            {
                out.push((s(job), st.clone()));
            }
        }
    }
    out
}

#[test]
fn every_example_passes_declared_inputs_and_reads_declared_outputs() {
    let doc = action();
    let dir = repo_root().join("examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let workflow = YamlLoader::load_from_str(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .remove(0);
        let steps = action_steps(&workflow);
        assert!(!steps.is_empty(), "{} uses the action", path.display());
        for (job, st) in steps {
            for (name, value) in st["with"].as_hash().expect("with") {
                let name = s(name);
                assert!(
                    !doc["inputs"][name.as_str()].is_badvalue(),
                    "{} job {job} passes undeclared input {name}",
                    path.display()
                );
                if name == "command" {
                    let command = s(value);
                    assert!(
                        Inputs::try_parse_from(["comwit-deploy", "--command", &command]).is_ok(),
                        "{}: command {command}",
                        path.display()
                    );
                }
            }
            let id = s(&st["id"]);
            for rest in text.split(&format!("steps.{id}.outputs.")).skip(1) {
                let output = rest
                    .split(|c: char| !(c.is_alphanumeric() || c == '-'))
                    .next()
                    .unwrap();
                assert!(
                    !doc["outputs"][output].is_badvalue(),
                    "{} reads undeclared output {output}",
                    path.display()
                );
            }
        }
        seen += 1;
    }
    assert!(seen >= 3);
}

#[test]
fn the_preview_example_deletes_its_preview_when_the_pull_request_closes() {
    let text = std::fs::read_to_string(repo_root().join("examples/pr-preview.yml")).unwrap();
    let workflow = YamlLoader::load_from_str(&text).unwrap().remove(0);
    let types: Vec<String> = workflow["on"]["pull_request"]["types"]
        .as_vec()
        .expect("pull_request types")
        .iter()
        .map(s)
        .collect();
    assert!(types.contains(&"closed".to_string()), "{types:?}");
    let steps = action_steps(&workflow);
    let command = |st: &Yaml| {
        st["with"]["command"]
            .as_str()
            .unwrap_or("deploy")
            .to_string()
    };
    let (deploy_job, deploy) = steps
        .iter()
        .find(|(_, st)| command(st) == "deploy")
        .unwrap();
    let (delete_job, delete) = steps
        .iter()
        .find(|(_, st)| command(st) == "delete")
        .unwrap();
    let condition = |job: &str| s(&workflow["jobs"][job]["if"]);
    assert_eq!(condition(deploy_job), "github.event.action != 'closed'");
    assert_eq!(condition(delete_job), "github.event.action == 'closed'");
    // The same app, environment and project: the delete finds the app, the
    // Deployments and the comment (its marker is project/app) the deploys made.
    for key in [
        "app-name",
        "project",
        "deployment-environment",
        "token",
        "github-token",
    ] {
        assert_eq!(deploy["with"][key], delete["with"][key], "{key}");
        assert!(!delete["with"][key].is_badvalue(), "{key}");
    }
}

/// The first column of the README table under `heading`, unquoted.
fn readme_table(heading: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let section = readme
        .split(&format!("\n{heading}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("README has {heading}"));
    section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.split('|')
                .nth(1)
                .unwrap()
                .trim()
                .trim_matches('`')
                .to_string()
        })
        .collect()
}

#[test]
fn the_readme_tables_list_every_input_and_output() {
    let doc = action();
    let names = |key: &str| -> Vec<String> { doc[key].as_hash().unwrap().keys().map(s).collect() };
    assert_eq!(readme_table("### Inputs"), names("inputs"));
    assert_eq!(readme_table("### Outputs"), names("outputs"));
}
