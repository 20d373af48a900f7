//! `comwit-deploy` under a simulated GitHub runner against an in-process
//! sandbox: deploys, environment, hosts, rollback, and the errors people
//! meet, with the token kept out of every log, output and summary.

mod common;

use common::{BIN, Runner, noise, platform, sha256_and_size};
use comwit_client::package::{PackOptions, pack_to_file};
use serde_json::json;

const SITE: &[(&str, &[u8])] = &[
    ("index.html", b"<h1>hello</h1>"),
    ("assets/app.js", b"console.log('hi')"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploys_a_directory_with_outputs_summary_and_the_token_hidden() {
    let p = platform().await;
    let app = p.create_app("web").await;
    let r = Runner::new(BIN);
    r.files("dist", SITE);
    let run = r
        .step(&[
            ("token", &p.user),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
        ])
        .await;
    run.assert_ok();
    run.assert_hidden(&p.user);

    // Outputs parse back and match what the platform holds.
    let builds = p.builds(&app).await;
    assert_eq!(builds.len(), 1, "exactly one build");
    let build = builds[0]["build_id"].as_str().unwrap();
    assert_eq!(run.output("app-id"), app);
    assert_eq!(run.output("build-id"), build);
    assert_eq!(run.output("previous-build-id"), "");
    assert_eq!(p.app(&app).await["active_build_id"], build);
    // The artifact is the deterministic pack of dist/.
    let expected = r.dir.path().join("expected.tar.zst");
    let packed = pack_to_file(&r.workspace.join("dist"), &expected, &PackOptions::new()).unwrap();
    assert_eq!(run.output("artifact-sha256"), packed.sha256);
    assert_eq!(run.output("artifact-size"), packed.size.to_string());
    assert_eq!(builds[0]["sha256"], packed.sha256.as_str());

    // Phases are grouped, in order.
    let groups: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("::group::"))
        .collect();
    assert_eq!(groups, ["package", "resolve", "upload", "report"]);
    assert_eq!(
        run.stdout.matches("::group::").count(),
        run.stdout.matches("::endgroup::").count()
    );

    // The job summary is a table with app, build, artifact and timings.
    assert!(
        run.summary.contains("### Comwit deploy: web ✅"),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains(&format!("| Build | `{build}` (first build) |")),
        "{}",
        run.summary
    );
    assert!(run.summary.contains(&packed.sha256), "{}", run.summary);
    assert!(
        run.summary.contains("| Timings | package "),
        "{}",
        run.summary
    );

    // A second deploy names the first as the previous build, with a rollback hint.
    r.files("dist", &[("index.html", b"<h1>v2</h1>")]);
    let second = r
        .step(&[
            ("token", &p.user),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
        ])
        .await;
    second.assert_ok();
    assert_eq!(second.output("previous-build-id"), build);
    assert_ne!(second.output("build-id"), build);
    assert!(
        second.summary.contains(&format!("--build-id {build}")),
        "{}",
        second.summary
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploys_a_prebuilt_tar_zst_from_the_working_directory() {
    let p = platform().await;
    let app = p.create_app("prebuilt").await;
    let r = Runner::new(BIN);
    let src = r.files("src-site", SITE);
    let archive = r.workspace.join("web/out/site.tar.zst");
    std::fs::create_dir_all(archive.parent().unwrap()).unwrap();
    pack_to_file(&src, &archive, &PackOptions::new()).unwrap();
    let (sha, size) = sha256_and_size(&archive);
    let run = r
        .step(&[
            ("token", &p.user),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
            ("working-directory", "web"),
            ("package", "out/site.tar.zst"),
        ])
        .await;
    run.assert_ok();
    assert!(run.stdout.contains("prebuilt .tar.zst"), "{}", run.log());
    assert_eq!(run.output("artifact-sha256"), sha);
    assert_eq!(run.output("artifact-size"), size.to_string());
    let builds = p.builds(&app).await;
    assert_eq!(builds.len(), 1);
    assert_eq!(builds[0]["sha256"], sha.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_app_creates_by_name_and_its_absence_fails_clearly() {
    let p = platform().await;
    let r = Runner::new(BIN);
    r.files("dist", SITE);
    let base = [
        ("token", p.user.as_str()),
        ("api-url", p.url.as_str()),
        ("project", p.project.as_str()),
        ("app-name", "blog"),
    ];
    let refused = r.step(&base).await;
    refused.assert_failed();
    let errors = refused.errors();
    assert_eq!(errors[0].0, "App not found", "{errors:?}");
    assert!(errors[0].1.contains("create-app: true"), "{errors:?}");
    assert!(
        p.apps().await.is_empty(),
        "nothing created without create-app"
    );

    let mut with_create = base.to_vec();
    with_create.push(("create-app", "true"));
    let run = r.step(&with_create).await;
    run.assert_ok();
    let apps = p.apps().await;
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["name"], "blog");
    assert_eq!(run.output("app-id"), apps[0]["app_id"].as_str().unwrap());
    assert!(
        run.summary.contains("created by this run"),
        "{}",
        run.summary
    );

    // A second run finds the app by name instead of creating another.
    let again = r.step(&with_create).await;
    again.assert_ok();
    assert_eq!(p.apps().await.len(), 1);
    assert_eq!(again.output("app-id"), run.output("app-id"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_is_set_before_the_deploy_and_credentials_are_warned_and_masked() {
    let p = platform().await;
    let app = p.create_app("envy").await;
    let r = Runner::new(BIN);
    r.files("dist", SITE);
    let secret_value = "sk_live_51HxZq0v8Kp3Nw2Yt7";
    let env =
        format!("# comment\nLOG_LEVEL=info\nGREETING=\"hello world\"\nSTRIPE_KEY={secret_value}\n");
    let run = r
        .step(&[
            ("token", &p.user),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
            ("env", &env),
        ])
        .await;
    run.assert_ok();
    run.assert_hidden(&p.user);
    run.assert_hidden(secret_value);
    let vars = p
        .get(&format!(
            "/v1/projects/{}/apps/{app}/environment",
            p.project
        ))
        .await["environment"]
        .clone();
    let value = |k: &str| {
        vars.as_array()
            .unwrap()
            .iter()
            .find(|v| v["key"] == k)
            .map(|v| v["value"].as_str().unwrap().to_string())
    };
    assert_eq!(value("LOG_LEVEL").as_deref(), Some("info"));
    assert_eq!(value("GREETING").as_deref(), Some("hello world"));
    assert_eq!(value("STRIPE_KEY").as_deref(), Some(secret_value));
    let warnings = run.annotations("warning");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].0, "Credential-looking env value");
    assert!(warnings[0].1.contains("STRIPE_KEY") && warnings[0].1.contains("plain text"));
    // Set before the upload.
    let env_at = run.stdout.find("::group::environment").unwrap();
    let upload_at = run.stdout.find("::group::upload").unwrap();
    assert!(env_at < upload_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finalize_hosts_with_external_records_outputs_the_records_to_publish() {
    let p = platform().await;
    let app = p.create_app("ext").await;
    let r = Runner::new(BIN);
    r.files("dist", SITE);
    let run = r
        .step(&[
            ("token", &p.user),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
            ("hosts", "www.outside.test\nshop.outside.test"),
            ("finalize-hosts", "true"),
        ])
        .await;
    run.assert_ok();
    assert_eq!(run.output("hosts"), "www.outside.test,shop.outside.test");
    assert_eq!(run.output("url"), "https://www.outside.test");
    // A multi-line output survives the round trip.
    let records: Vec<&str> = run.output("dns-records").lines().collect();
    assert_eq!(records.len(), 4, "{records:?}");
    assert!(
        records[0].starts_with("CNAME www.outside.test "),
        "{records:?}"
    );
    assert!(
        records[1].starts_with("TXT _cf-challenge.www.outside.test "),
        "{records:?}"
    );
    let hostnames = p
        .get(&format!("/v1/projects/{}/apps/{app}/domains", p.project))
        .await["domains"]
        .clone();
    for h in hostnames.as_array().unwrap() {
        assert_eq!(h["dns_mode"], "external_records", "{h}");
        assert_eq!(h["status"], "active", "{h}");
    }
    assert_eq!(hostnames.as_array().unwrap().len(), 2);
    assert!(
        run.summary.contains("Publish these records"),
        "{}",
        run.summary
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finalize_hosts_under_a_managed_domain_lets_the_platform_write_records() {
    let p = platform().await;
    p.managed_domain("managed.test").await;
    let app = p.create_app("managed").await;
    let r = Runner::new(BIN);
    r.files("dist", SITE);
    let run = r
        .step(&[
            ("token", &p.user),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
            ("hosts", "www.managed.test"),
            ("finalize-hosts", "true"),
        ])
        .await;
    run.assert_ok();
    assert_eq!(run.output("dns-records"), "", "nothing to publish by hand");
    assert!(
        run.stdout.contains("managed DNS in managed.test"),
        "{}",
        run.log()
    );
    let hostnames = p
        .get(&format!("/v1/projects/{}/apps/{app}/domains", p.project))
        .await["domains"]
        .clone();
    assert_eq!(hostnames[0]["dns_mode"], "managed_project_domain");
    assert_eq!(hostnames[0]["status"], "active");
    let records = p
        .get(&format!(
            "/v1/projects/{}/domains/managed.test/records",
            p.project
        ))
        .await["records"]
        .clone();
    let ours: Vec<_> = records
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["owner"] == "platform_app" && r["owner_resource_id"] == app.as_str())
        .collect();
    assert!(
        ours.iter().any(|r| r["name"] == "www.managed.test"),
        "{records}"
    );
    assert!(
        run.summary.contains("managed_project_domain"),
        "{}",
        run.summary
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finalize_hosts_fails_the_step_when_managed_dns_is_not_applied() {
    let p = platform().await;
    p.managed_domain("flaky.test").await;
    let app = p.create_app("flaky").await;
    p.faults(json!({ "managed_dns_failing": true })).await;
    let r = Runner::new(BIN);
    r.files("dist", SITE);
    let run = r
        .step(&[
            ("token", &p.user),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
            ("hosts", "www.flaky.test"),
            ("finalize-hosts", "true"),
        ])
        .await;
    run.assert_failed();
    let errors = run.errors();
    assert_eq!(errors[0].0, "Managed DNS records not applied", "{errors:?}");
    assert!(errors[0].1.contains("www.flaky.test"), "{errors:?}");
    assert!(run.stdout.contains("attempt 1 of 3"), "{}", run.log());
    assert!(run.summary.contains("❌ failed"), "{}", run.summary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_mode_reactivates_the_previous_or_a_named_build() {
    let p = platform().await;
    let app = p.create_app("undo").await;
    let r = Runner::new(BIN);
    let mut builds = Vec::new();
    for v in 1..=3 {
        r.files(
            "dist",
            &[("index.html", format!("<h1>v{v}</h1>").as_bytes())],
        );
        let run = r
            .step(&[
                ("token", &p.user),
                ("api-url", &p.url),
                ("project", &p.project),
                ("app", &app),
            ])
            .await;
        run.assert_ok();
        builds.push(run.output("build-id").to_string());
    }
    let undo = r
        .step(&[
            ("command", "rollback"),
            ("token", &p.user),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
        ])
        .await;
    undo.assert_ok();
    undo.assert_hidden(&p.user);
    assert_eq!(undo.output("build-id"), builds[1]);
    assert_eq!(undo.output("previous-build-id"), builds[2]);
    assert_eq!(p.app(&app).await["active_build_id"], builds[1].as_str());
    assert_eq!(p.builds(&app).await.len(), 3, "a rollback uploads nothing");
    assert!(
        undo.summary.contains("### Comwit rollback: undo ✅"),
        "{}",
        undo.summary
    );

    let named = r
        .step(&[
            ("command", "rollback"),
            ("build-id", &builds[0]),
            ("token", &p.user),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
        ])
        .await;
    named.assert_ok();
    assert_eq!(named.output("build-id"), builds[0]);
    assert_eq!(p.app(&app).await["active_build_id"], builds[0].as_str());

    let unknown = r
        .step(&[
            ("command", "rollback"),
            ("build-id", "build-nope"),
            ("token", &p.user),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
        ])
        .await;
    unknown.assert_failed();
    assert!(
        unknown.errors()[0].1.contains("build-nope"),
        "{}",
        unknown.log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_package_fails_before_anything_reaches_the_platform() {
    let p = platform().await;
    let r = Runner::new(BIN);
    let run = r
        .step(&[
            ("token", &p.user),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app-name", "ghost"),
            ("create-app", "true"),
            ("package", "build/site.tar.zst"),
        ])
        .await;
    run.assert_failed();
    run.assert_hidden(&p.user);
    let errors = run.errors();
    assert_eq!(errors[0].0, "Cannot use the package");
    assert!(
        errors[0].1.contains("build/site.tar.zst` does not exist"),
        "{errors:?}"
    );
    assert!(
        errors[0].1.contains("tar --zstd"),
        "the fix is named: {errors:?}"
    );
    assert!(p.apps().await.is_empty(), "no app was created");
    // Still a summary and outputs, saying what failed.
    assert!(
        run.summary.contains("Cannot use the package"),
        "{}",
        run.summary
    );
    assert_eq!(run.output("build-id"), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_directory_fails_with_the_fix() {
    let p = platform().await;
    let app = p.create_app("empty").await;
    let r = Runner::new(BIN);
    std::fs::create_dir_all(r.workspace.join("dist")).unwrap();
    let run = r
        .step(&[
            ("token", &p.user),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
        ])
        .await;
    run.assert_failed();
    let errors = run.errors();
    assert!(
        errors[0].1.contains("contains nothing to pack"),
        "{errors:?}"
    );
    assert!(errors[0].1.contains("run the build first"), "{errors:?}");
    assert!(p.builds(&app).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_fails_with_a_401_annotation() {
    let p = platform().await;
    let app = p.create_app("web").await;
    let r = Runner::new(BIN);
    r.files("dist", SITE);
    let bad = "cwt_0000000000000000000000000000000000000000";
    let run = r
        .step(&[
            ("token", bad),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
        ])
        .await;
    run.assert_failed();
    run.assert_hidden(bad);
    let errors = run.errors();
    assert_eq!(errors[0].0, "Comwit token rejected");
    assert!(errors[0].1.contains("401"), "{errors:?}");
    assert!(errors[0].1.contains("create a new token"), "{errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_out_of_scope_token_gets_an_annotation_naming_the_scope() {
    let p = platform().await;
    let app = p.create_app("web").await;
    let token = p.mint(&["app:read", "app:write"]).await;
    let r = Runner::new(BIN);
    r.files("dist", SITE);
    let run = r
        .step(&[
            ("token", &token),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
        ])
        .await;
    run.assert_failed();
    run.assert_hidden(&token);
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "Comwit token lacks a scope");
    assert!(errors[0].1.contains("403"), "{errors:?}");
    assert!(
        errors[0].1.contains("app:deploy"),
        "names the scope: {errors:?}"
    );
    assert!(p.builds(&app).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_token_is_refused_and_never_printed() {
    let p = platform().await;
    let app = p.create_app("web").await;
    let r = Runner::new(BIN);
    r.files("dist", SITE);
    let run = r
        .step(&[
            ("token", &p.op),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
        ])
        .await;
    run.assert_failed();
    run.assert_hidden(&p.op);
    let errors = run.errors();
    assert_eq!(errors[0].0, "Operator token refused");
    assert!(errors[0].1.contains("cwt_"), "{errors:?}");
    assert!(p.builds(&app).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fork_pull_request_without_a_token_skips_or_fails_on_request() {
    let p = platform().await;
    let mut r = Runner::new(BIN);
    r.files("dist", SITE);
    r.pull_request(7, "abcdef1234567890abcdef1234567890abcdef12", true);
    let skipped = r
        .step(&[("token", ""), ("api-url", &p.url), ("app-name", "web")])
        .await;
    skipped.assert_ok();
    let notices = skipped.annotations("notice");
    assert_eq!(notices[0].0, "Comwit deploy skipped");
    assert!(notices[0].1.contains("fork"), "{notices:?}");
    assert_eq!(skipped.output("skipped"), "true");
    assert!(skipped.errors().is_empty());

    let failed = r
        .step(&[
            ("token", ""),
            ("api-url", &p.url),
            ("app-name", "web"),
            ("fail-without-token", "true"),
        ])
        .await;
    failed.assert_failed();
    assert_eq!(
        failed.errors()[0].0,
        "No Comwit token on a fork pull request"
    );

    // Not a fork: an empty token is an error that says how to pass one.
    let mut same_repo = Runner::new(BIN);
    same_repo.files("dist", SITE);
    same_repo.pull_request(8, "abcdef1234567890abcdef1234567890abcdef12", false);
    let missing = same_repo
        .step(&[("token", ""), ("api-url", &p.url), ("app-name", "web")])
        .await;
    missing.assert_failed();
    assert_eq!(missing.errors()[0].0, "No Comwit token");
    assert!(missing.errors()[0].1.contains("secrets.COMWIT_TOKEN"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_upload_prints_progress_lines() {
    let p = platform().await;
    let app = p.create_app("big").await;
    let r = Runner::new(BIN);
    let files: Vec<(String, Vec<u8>)> = (0..6)
        .map(|i| (format!("blob-{i}.bin"), noise(i + 1, 2 << 20)))
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    r.files("dist", &refs);
    let run = r
        .step(&[
            ("token", &p.user),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
        ])
        .await;
    run.assert_ok();
    let progress: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("upload: ") && l.contains('%'))
        .collect();
    assert!(
        progress.len() >= 3,
        "progress lines: {progress:?}\n{}",
        run.log()
    );
    assert!(progress.last().unwrap().contains("100%"), "{progress:?}");
    assert!(progress[0].contains("of 12.6 MB"), "{progress:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_deploy_response_never_makes_a_second_build() {
    let p = platform().await;
    let app = p.create_app("lossy").await;
    p.faults(json!({ "drop_deploy_responses": 1 })).await;
    let r = Runner::new(BIN);
    r.files("dist", SITE);
    let run = r
        .step(&[
            ("token", &p.user),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
        ])
        .await;
    run.assert_ok();
    let builds = p.builds(&app).await;
    assert_eq!(builds.len(), 1, "one build for one run");
    assert_eq!(
        run.output("build-id"),
        builds[0]["build_id"].as_str().unwrap()
    );
    assert!(
        run.stdout.contains("found by listing builds"),
        "{}",
        run.log()
    );
}

/// The whole artifact reached the platform but the answer was lost and no
/// build appeared: exit code 3, an annotation that says what to check, and
/// never a second upload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploy_whose_outcome_is_unknown_exits_3_without_a_second_upload() {
    let p = platform().await;
    let app = p.create_app("lost").await;
    p.faults(json!({ "drop_deploy_requests": 1 })).await;
    let r = Runner::new(BIN);
    r.files("dist", SITE);
    let run = r
        .step(&[
            ("token", &p.user),
            ("api-url", &p.url),
            ("project", &p.project),
            ("app", &app),
            ("deploy-grace", "1"),
        ])
        .await;
    assert_eq!(run.code, 3, "exit code 3: outcome unknown\n{}", run.log());
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (title, message) = &errors[0];
    assert_eq!(title, "Deploy outcome unknown");
    assert!(message.contains("sha256"), "{message}");
    assert!(message.contains("/builds"), "says where to look: {message}");
    assert!(p.builds(&app).await.is_empty(), "no second upload");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_packs_into_runner_temp_without_a_token() {
    let r = Runner::new(BIN);
    r.files("dist", SITE);
    let run = r.step(&[("dry-run", "true"), ("app-name", "web")]).await;
    run.assert_ok();
    let path = std::path::PathBuf::from(run.output("artifact-path"));
    assert!(path.starts_with(&r.runner_temp), "{path:?}");
    let (sha, size) = sha256_and_size(&path);
    assert_eq!(run.output("artifact-sha256"), sha);
    assert_eq!(run.output("artifact-size"), size.to_string());
    assert_eq!(run.output("build-id"), "");
    assert!(
        run.summary.contains("### Comwit dry run: web ✅"),
        "{}",
        run.summary
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_github_flags_work_and_input_variables_are_ignored() {
    let p = platform().await;
    let app = p.create_app("cli").await;
    let mut r = Runner::new(BIN);
    r.files("dist", SITE);
    // Set as if by a runner, but GITHUB_ACTIONS is not true here.
    r.set("INPUT_APP", "app-does-not-exist");
    let run = r
        .cli(&[
            "--token",
            &p.user,
            "--api-url",
            &p.url,
            "--project",
            &p.project,
            "--app",
            &app,
        ])
        .await;
    run.assert_ok();
    assert!(
        !run.stdout.contains("::"),
        "no workflow commands outside GitHub\n{}",
        run.log()
    );
    assert!(run.stdout.contains("== upload =="), "{}", run.log());
    assert!(!run.stdout.contains(&p.user), "token printed");
    assert_eq!(p.builds(&app).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_input_is_a_usage_error_that_still_hides_the_token() {
    let r = Runner::new(BIN);
    r.files("dist", SITE);
    let token = "cwt_1234567890abcdef1234567890abcdef12345678";
    let run = r
        .step(&[
            ("token", token),
            ("app-name", "web"),
            ("max-concurrent-requests", "lots"),
        ])
        .await;
    assert_eq!(run.code, 2, "{}", run.log());
    run.assert_hidden(token);
    let errors = run.errors();
    assert_eq!(errors[0].0, "Invalid input", "{errors:?}");
    assert!(errors[0].1.contains("lots"), "{errors:?}");
    assert!(
        errors[0].1.contains("--max-concurrent-requests"),
        "{errors:?}"
    );

    let bad_env = r
        .step(&[
            ("token", token),
            ("app-name", "web"),
            ("env", "A=1\nnot a pair"),
        ])
        .await;
    assert_eq!(bad_env.code, 2, "{}", bad_env.log());
    assert_eq!(bad_env.errors()[0].0, "Invalid env input");
    assert!(bad_env.errors()[0].1.contains("line 2"));
}
