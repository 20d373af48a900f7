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
use common::{BIN, platform, yaml_scalar as s};
use comwit_deploy_action::inputs::{Inputs, env_name};
use comwit_deploy_action::outcome::{Kind, Outcome};
use comwit_e2e::composite::{Composite, load, outputs_read, step};
use yaml_rust2::{Yaml, YamlLoader};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn action() -> Yaml {
    load(&repo_root().join("action.yml"))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_composite_steps_build_from_source_then_deploy_with_the_env_mapping() {
    let p = platform().await;
    let doc = action();
    let mut c = Composite::new(repo_root());
    let cargo_log = c.fake_cargo(Path::new(BIN));
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
    let cargo_log = c.fake_cargo(Path::new(BIN));
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
    std::fs::copy(
        repo_root().join("action/acquire.sh"),
        root.join("action/acquire.sh"),
    )
    .unwrap();
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
    let cargo_log = c.fake_cargo(Path::new(BIN));
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
    let cargo_log = missing.fake_cargo(Path::new(BIN));
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
            for output in outputs_read(&text, &id) {
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
