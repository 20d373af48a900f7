//! No dead ends: Enter on every kind of row opens its details (or its own
//! view), groups show their lists, an empty project says what to create,
//! keys are offered only on the rows they apply to, the palette starts
//! afresh after an unknown command, and the breadcrumbs follow the view.

mod support;

use ratatui::crossterm::event::KeyCode;
use support::{Harness, Mode};

/// The keys the bar offers now (all of them, even those a narrow bar
/// would drop), as "keys what".
fn offered(h: &Harness) -> Vec<String> {
    h.app
        .key_hints()
        .iter()
        .map(|k| format!("{} {}", k.keys, k.what))
        .collect()
}

fn offers(h: &Harness, what: &str) -> bool {
    offered(h).iter().any(|k| k.ends_with(what))
}

/// Applies background reports until `done` holds (10 s at most).
async fn until(h: &mut Harness, done: impl Fn(&Harness) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !done(h) {
        assert!(std::time::Instant::now() < deadline, "{:?}", offered(h));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        h.drain();
    }
}

fn crumbs(h: &Harness) -> String {
    h.app.breadcrumbs().join(" › ")
}

/// The screen, and that every `facts` is on it.
fn shows(h: &mut Harness, facts: &[&str]) {
    let screen = h.screen();
    for fact in facts {
        assert!(screen.contains(fact), "no {fact:?} on:\n{screen}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_on_a_build_shows_its_facts_and_rollback_is_offered_only_off_the_active_one() {
    let mut h = Harness::start().await;
    h.web("builds").await;
    h.wait_for("● build-").await;
    assert!(!offers(&h, "roll back to this"), "{:?}", offered(&h));
    assert!(offers(&h, "details"), "{:?}", offered(&h));

    h.key(KeyCode::Enter);
    shows(
        &mut h,
        &[
            "active (serving)",
            "sha256",
            "files",
            "max concurrent  50",
            "env ref  not reported by the platform",
        ],
    );
    assert!(
        crumbs(&h).starts_with("storefront › apps › web › builds › build build-"),
        "{}",
        crumbs(&h)
    );
    h.key(KeyCode::Esc);

    h.key(KeyCode::Char('j'));
    assert!(offers(&h, "roll back to this"), "{:?}", offered(&h));
    h.key(KeyCode::Enter);
    shows(&mut h, &["not active (b rolls back to it)"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_on_an_env_entry_shows_it_masked_until_revealed() {
    let mut h = Harness::start().await;
    let project = h.storefront().await;
    let apps = h.app.session.client.apps(&project);
    let web = apps.find("web").await.unwrap().unwrap().app_id;
    apps.app(&web)
        .set_env("API_TOKEN", "tok-12345")
        .await
        .unwrap();
    h.web("environment").await;
    h.wait_for("API_TOKEN").await;
    h.key(KeyCode::Char('/'));
    h.chars("API_TOKEN");
    h.key(KeyCode::Enter);
    assert!(offers(&h, "reveal"), "{:?}", offered(&h));
    assert!(!offers(&h, "hide"), "{:?}", offered(&h));

    h.key(KeyCode::Enter);
    shows(
        &mut h,
        &[
            "key  API_TOKEN",
            "•••••••• (v reveals)",
            "the name suggests a credential",
        ],
    );
    assert!(!h.screen().contains("tok-12345"), "masked until asked");
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('v'));
    assert!(offers(&h, "hide"), "{:?}", offered(&h));
    h.key(KeyCode::Enter);
    shows(&mut h, &["value  tok-12345"]);
    h.key(KeyCode::Esc);

    // A plain value has nothing to reveal.
    h.key(KeyCode::Char('/'));
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('/'));
    h.chars("LOG_LEVEL");
    h.key(KeyCode::Enter);
    assert!(!offers(&h, "reveal"), "{:?}", offered(&h));
    h.key(KeyCode::Enter);
    shows(&mut h, &["value  info"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_on_a_hostname_shows_its_dns_and_finalize_is_offered_only_until_active() {
    let mut h = Harness::start().await;
    h.web("hostnames").await;
    h.wait_for("www.shop.example").await;
    assert!(!offers(&h, "finalize"), "active already: {:?}", offered(&h));
    h.key(KeyCode::Enter);
    shows(
        &mut h,
        &[
            "managed_project_domain",
            "managed dns  applied",
            "_cf-challenge.www.shop.example",
        ],
    );
    h.key(KeyCode::Esc);

    // A host attached but not finalized is offered finalize.
    h.key(KeyCode::Char('a'));
    h.chars("shop.other.example");
    h.key(KeyCode::Enter);
    h.wait_for("Records to publish").await;
    h.key(KeyCode::Esc);
    h.wait_for("shop.other.example").await;
    h.key(KeyCode::Char('/'));
    h.chars("other");
    h.key(KeyCode::Enter);
    assert!(offers(&h, "finalize"), "{:?}", offered(&h));
    h.key(KeyCode::Enter);
    shows(
        &mut h,
        &["external_records", "published by you at your DNS provider"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_on_a_record_shows_it_and_a_platform_record_says_what_removes_it() {
    let mut h = Harness::start().await;
    h.zone().await;
    h.key(KeyCode::Enter);
    shows(&mut h, &["owner  user", "ttl", "status"]);
    h.key(KeyCode::Esc);

    assert!(
        offers(&h, "edit") && offers(&h, "delete"),
        "{:?}",
        offered(&h)
    );
    h.key(KeyCode::Char('/'));
    h.chars("www");
    h.key(KeyCode::Enter);
    // The owner is named once the project's apps are listed.
    h.wait_for("🔒  web").await;
    // A platform record: its keys say it is locked, nothing more.
    assert!(
        offers(&h, "locked: platform_app record"),
        "{:?}",
        offered(&h)
    );
    assert!(
        !offers(&h, "edit") && !offers(&h, "delete"),
        "{:?}",
        offered(&h)
    );
    h.key(KeyCode::Enter);
    shows(
        &mut h,
        &[
            "owner  platform_app",
            "owned by  app web's hostname",
            "when that app is deleted",
        ],
    );
    assert!(
        !h.screen().contains("detach that"),
        "no call to detach exists"
    );
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('x'));
    h.toast("no way to detach a single hostname").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_on_an_app_a_database_or_a_domain_opens_its_own_view() {
    let mut h = Harness::start().await;
    h.open("storefront").await;
    for (group, row, view) in [
        ("apps", "web", "web · builds"),
        ("databases", "shop-db", "url"),
        ("domains", "shop.example", "shop.example records"),
    ] {
        h.select(group).await;
        h.key(KeyCode::Tab);
        h.wait_for(row).await;
        h.key(KeyCode::Char('/'));
        h.chars(row);
        h.key(KeyCode::Enter);
        assert!(offers(&h, "enter open"), "{group}: {:?}", offered(&h));
        h.key(KeyCode::Enter);
        h.wait_for(view).await;
        assert!(crumbs(&h).contains(row), "{}", crumbs(&h));
        h.key(KeyCode::Esc);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_group_shows_its_list() {
    let mut h = Harness::start().await;
    h.open("storefront").await;
    h.open("apps").await;
    h.open("web").await;
    for (group, header) in [
        ("apps", "active build"),
        ("databases", "status"),
        ("domains", "DOMAIN"),
        ("builds", "sha256"),
        ("environment", "LOG_LEVEL"),
        ("hostnames", "managed dns"),
    ] {
        h.select(group).await;
        h.wait_for(header).await;
        assert!(!h.screen().contains("press enter to open"), "{group}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_project_says_so_and_what_can_be_created() {
    let mut h = Harness::start().await;
    h.operator()
        .post("/_sandbox/projects", serde_json::json!({"name": "blank"}))
        .await;
    h.key(KeyCode::Char('r'));
    h.select("blank").await;
    h.wait_for("blank is empty").await;
    let screen = h.screen();
    for offer in [
        "a   create an app",
        "d   create a database",
        "o   onboard a domain",
    ] {
        assert!(screen.contains(offer), "{offer:?}:\n{screen}");
    }
    assert_eq!(crumbs(&h), "blank › overview");
    // d opens the databases list with its own create form.
    h.key(KeyCode::Tab);
    h.key(KeyCode::Char('d'));
    h.wait_for("Create a database").await;
    assert!(crumbs(&h).ends_with("databases"), "{}", crumbs(&h));
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);
    // o: the domains list with its form, from the overview again.
    h.select("blank").await;
    h.key(KeyCode::Tab);
    h.key(KeyCode::Char('o'));
    h.wait_for("Add a domain").await;
    assert!(crumbs(&h).ends_with("domains"), "{}", crumbs(&h));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_keys_follow_its_state_and_protection() {
    let mut h = Harness::start_with(|b| b, Mode::Operator).await;
    h.database("storefront", "shop-db").await;
    h.wait_for("Operator view").await;
    // The keys come with the listing, which may answer after internals.
    until(&mut h, |h| offers(h, "SQL console")).await;
    assert!(
        offers(&h, "suspend") && !offers(&h, "resume"),
        "{:?}",
        offered(&h)
    );
    h.key(KeyCode::Char('S'));
    h.key(KeyCode::Char('y'));
    h.toast("suspended").await;
    assert!(
        offers(&h, "resume") && !offers(&h, "suspend"),
        "{:?}",
        offered(&h)
    );
    assert!(
        !offers(&h, "SQL console"),
        "a suspended database refuses SQL"
    );
    h.wait_for("no SQL console while suspended").await;

    // The list agrees once it has the new state.
    h.key(KeyCode::Esc);
    h.select("databases").await;
    h.key(KeyCode::Tab);
    // Until it reloads, the list may still show the state it read before
    // (how long it keeps it depends on its refresh, i.e. on timing): r
    // reloads it now.
    h.key(KeyCode::Char('r'));
    until(&mut h, |h| !offers(h, "SQL console")).await;

    h.key(KeyCode::Esc);
    h.database("platform", "louhi-app").await;
    h.wait_for("protected tenant").await;
    assert!(
        !offers(&h, "SQL console"),
        "query tokens are refused: {:?}",
        offered(&h)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_palette_is_cleared_after_an_unknown_command() {
    let mut h = Harness::start().await;
    h.key(KeyCode::Char(':'));
    h.chars("deploy web");
    h.key(KeyCode::Enter);
    let palette = h.app.palette.as_ref().expect("still open, with the error");
    assert_eq!(palette.input.text(), "");
    assert!(
        palette
            .error
            .as_deref()
            .unwrap()
            .contains("no command :deploy")
    );
    assert!(
        h.screen().contains("✗ no command :deploy"),
        "{}",
        h.screen()
    );
    // The next command starts from nothing.
    h.chars("apps");
    h.key(KeyCode::Enter);
    assert!(h.app.palette.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn breadcrumbs_follow_every_view() {
    let mut h = Harness::start().await;
    h.storefront_overview().await;
    assert_eq!(crumbs(&h), "storefront › overview");
    h.web("builds").await;
    assert_eq!(crumbs(&h), "storefront › apps › web › builds");
    h.key(KeyCode::Esc);
    h.select("web").await;
    assert_eq!(
        crumbs(&h),
        "storefront › apps › web › builds",
        "an app shows its builds"
    );
    h.select("hostnames").await;
    assert_eq!(crumbs(&h), "storefront › apps › web › hostnames");
    assert!(h.screen().contains("storefront › apps › web › hostnames"));

    for (command, want) in [
        (
            "sql shop-db",
            "storefront › databases › shop-db › SQL console",
        ),
        ("watch web", "storefront › apps › web › watch mode"),
        ("delegation", "delegation watcher"),
    ] {
        h.key(KeyCode::Char(':'));
        h.chars(command);
        h.key(KeyCode::Enter);
        h.settle(|a| a.fullscreen.is_some()).await;
        assert_eq!(crumbs(&h), want, ":{command}");
        assert!(h.screen().contains(want), "{}", h.screen());
        // The console's editor takes the first esc.
        for _ in 0..3 {
            if h.app.fullscreen.is_some() {
                h.key(KeyCode::Esc);
            }
        }
        assert!(h.app.fullscreen.is_none(), "left :{command}");
    }

    // The console opened from the databases list, before the tree has
    // listed the databases, names the database too.
    let mut h = Harness::start().await;
    h.databases_list().await;
    h.key(KeyCode::Char('s'));
    h.settle(|a| a.fullscreen.is_some()).await;
    assert_eq!(crumbs(&h), "storefront › databases › shop-db › SQL console");
}
