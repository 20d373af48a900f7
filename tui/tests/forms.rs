//! Forms keep what was typed, and keys are safe: a form the platform
//! refuses stays open with the platform's reason and the input intact;
//! conflicts the dashboard can already see are refused before anything is
//! sent; confirmations focus No; rotating a database token has its own key;
//! credentials are masked in forms and warned about before they are saved.

mod support;

use comwit_client::Client;
use comwit_client::models::{NewRecord, Record};
use ratatui::crossterm::event::KeyCode;
use support::{Harness, Mode};

fn client(h: &Harness) -> Client {
    h.app.session.client.clone()
}

async fn records(h: &Harness) -> Vec<Record> {
    let p = h.storefront().await;
    client(h)
        .domains(&p)
        .records("shop.example")
        .list()
        .await
        .unwrap()
}

/// The web app's environment through the API, as (key, value).
async fn env(h: &Harness) -> Vec<(String, String)> {
    let p = h.storefront().await;
    let client = client(h);
    let apps = client.apps(&p);
    let web = apps.find("web").await.unwrap().expect("the demo's web app");
    let vars = apps.app(&web.app_id).env().await.unwrap();
    vars.into_iter().map(|v| (v.key, v.value)).collect()
}

/// The open dialog's text as one line: wrapped lines rejoined, runs of
/// spaces made one, so a sentence can be looked for whole.
fn dialog(h: &mut Harness) -> String {
    let screen = h.screen();
    let lines: Vec<&str> = screen.lines().collect();
    let corner = |l: &str, c: char| l.chars().nth(14) == Some(c);
    let Some(top) = lines.iter().position(|l| corner(l, '┌')) else {
        return String::new();
    };
    let inside: Vec<String> = lines[top..]
        .iter()
        .take_while(|l| !corner(l, '└'))
        .map(|l| l.chars().skip(15).take(70).collect())
        .collect();
    inside
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Someone else writes `late CNAME elsewhere.example.net` in shop.example
/// (the list on screen cannot know, the platform can).
async fn cname_at_late(h: &Harness) {
    let p = h.storefront().await;
    let cname = NewRecord {
        name: "late".into(),
        kind: "CNAME".into(),
        ttl: Some(300),
        values: vec!["elsewhere.example.net".into()],
    };
    let records_api = client(h);
    let zone = records_api.domains(&p);
    zone.records("shop.example").create(&cname).await.unwrap();
}

/// In the open record form: name, type (by presses of →), values.
fn fill_record(h: &mut Harness, name: &str, rights: usize, value: &str) {
    h.chars(name);
    h.key(KeyCode::Tab);
    for _ in 0..rights {
        h.key(KeyCode::Right);
    }
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.chars(value);
}

/// Where the record form's type choice starts (A) to `kind`.
fn rights_to(kind: &str) -> usize {
    comwit_client::rules::TYPES
        .iter()
        .position(|t| *t == kind)
        .expect("a type the form offers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostname_the_platform_refuses_keeps_the_form_with_the_reason() {
    let mut h = Harness::start().await;
    h.web("hostnames").await;
    h.wait_for("www.shop.example").await;

    // mail.shop.example is a user's A record in a managed zone: the
    // platform refuses to bind it (409), which no client rule can know.
    h.key(KeyCode::Char('a'));
    h.chars("mail.shop.example");
    h.key(KeyCode::Enter);
    let waiting = dialog(&mut h);
    assert!(
        waiting.contains("waiting for the platform"),
        "the form says it waits: {waiting}"
    );
    h.key(KeyCode::Enter);
    h.chars("x");
    h.wait_for("✗ the platform refused").await;
    let text = dialog(&mut h);
    assert!(text.contains("Attach a hostname"), "still open: {text}");
    assert!(
        text.contains("hostname: mail.shop.example "),
        "the input intact (keys while waiting were not taken): {text}"
    );
    assert!(
        text.contains(
            "the platform refused it (409): hostname mail.shop.example conflicts with your A \
             record"
        ),
        "the platform's detail, in the form: {text}"
    );
    assert!(h.app.notices.is_empty(), "no error dialog on top");

    // Fix the one field and send again.
    h.ctrl('u');
    h.chars("mail.elsewhere.example");
    assert!(
        !dialog(&mut h).contains("refused"),
        "typing clears the reason"
    );
    h.key(KeyCode::Enter);
    h.wait_for("Records to publish").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_name_that_is_taken_keeps_the_prompt_with_the_reason() {
    let mut h = Harness::start().await;
    h.databases_list().await;

    h.key(KeyCode::Char('n'));
    h.chars("shop-db");
    h.key(KeyCode::Enter);
    h.wait_for("✗ the platform refused").await;
    let text = dialog(&mut h);
    assert!(text.contains("Create a database"), "{text}");
    assert!(text.contains(">: shop-db"), "the name stays typed: {text}");
    assert!(text.contains("already has a database named"), "{text}");

    // A client rule is explained the same way, without a round trip.
    h.chars("_2");
    h.key(KeyCode::Enter);
    let text = dialog(&mut h);
    assert!(text.contains("lower-case"), "{text}");
    assert!(!text.contains("waiting"), "nothing was sent: {text}");

    h.key(KeyCode::Backspace);
    h.key(KeyCode::Backspace);
    h.chars("-2");
    h.key(KeyCode::Enter);
    h.wait_for("Database token (shown once)").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_the_platform_refuses_keeps_the_form_and_reloads_the_list() {
    let mut h = Harness::start().await;
    h.zone().await;
    h.key(KeyCode::Char('n'));
    fill_record(&mut h, "late", 0, "192.0.2.7");

    // Someone else writes a CNAME at the name while the form is open: the
    // list on screen cannot know, the platform can.
    cname_at_late(&h).await;

    h.ctrl('s');
    h.wait_for("✗ the platform refused").await;
    let text = dialog(&mut h);
    assert!(text.contains("New record in shop.example"), "{text}");
    assert!(
        text.contains("the platform refused it (409)") && text.contains("late.shop.example"),
        "{text}"
    );
    assert!(text.contains("name: late "), "input intact: {text}");
    assert!(text.contains("192.0.2.7"), "values intact: {text}");
    assert!(h.app.notices.is_empty());

    // The list reloaded under the form: sending again is now caught
    // before it leaves, naming the record that is in the way.
    h.wait_for("· 8 records").await;
    h.ctrl('s');
    let text = dialog(&mut h);
    assert!(
        text.contains("late CNAME is already there (elsewhere.example.net)"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cname_beside_other_records_is_refused_before_sending() {
    let mut h = Harness::start().await;
    h.zone().await;
    let before = records(&h).await.len();

    // A CNAME where an A record is.
    h.key(KeyCode::Char('n'));
    fill_record(&mut h, "mail", rights_to("CNAME"), "mx.example.net");
    h.ctrl('s');
    let text = dialog(&mut h);
    assert!(
        text.contains(
            "mail A is already there (192.0.2.25): a CNAME shares its name with no other \
             record: delete one of the two first"
        ),
        "names the record and the fix: {text}"
    );
    assert!(!text.contains("waiting"), "nothing sent: {text}");
    h.key(KeyCode::Esc);

    // The other way: an A record where a CNAME is.
    h.key(KeyCode::Char('n'));
    fill_record(&mut h, "docs", 0, "192.0.2.8");
    h.ctrl('s');
    let text = dialog(&mut h);
    assert!(
        text.contains("docs CNAME is already there (docs-host.example.net)"),
        "{text}"
    );
    h.key(KeyCode::Esc);

    // The apex alias beside the apex's A record.
    h.key(KeyCode::Char('n'));
    fill_record(&mut h, "@", rights_to("A_ALIAS"), "lb.example.net");
    h.ctrl('s');
    let text = dialog(&mut h);
    assert!(
        text.contains("@ A is already there (192.0.2.10): the apex alias (A_ALIAS)")
            && text.contains("delete the A/AAAA records at @ first"),
        "{text}"
    );
    h.key(KeyCode::Esc);
    h.drain();
    assert_eq!(records(&h).await.len(), before, "no request was made");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_on_a_fresh_delete_confirm_deletes_nothing() {
    let mut h = Harness::start().await;
    h.zone().await;
    let before = records(&h).await.len();
    h.key(KeyCode::Char('/'));
    h.chars("mail A");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('x'));
    let text = dialog(&mut h);
    assert!(text.contains("Delete mail A"), "{text}");
    assert!(text.contains("enter: no"), "the key line says it: {text}");
    h.key(KeyCode::Enter);
    assert!(dialog(&mut h).is_empty(), "enter closed it");
    h.drain();
    assert_eq!(records(&h).await.len(), before, "nothing deleted");

    // Moving to Yes and enter does delete: the choice is the user's.
    h.key(KeyCode::Char('x'));
    h.key(KeyCode::Right);
    assert!(dialog(&mut h).contains("enter: yes"));
    h.key(KeyCode::Enter);
    h.toast("deleted mail A").await;
    assert_eq!(records(&h).await.len(), before - 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_a_token_has_its_own_key_and_enter_keeps_the_token() {
    let mut h = Harness::start_with(|b| b, Mode::Operator).await;
    h.database("storefront", "shop-db").await;
    h.wait_for("Operator view").await;
    h.wait_for("K rotate token").await;

    // Shift-r, one slip from refresh, does nothing.
    h.key(KeyCode::Char('R'));
    assert!(dialog(&mut h).is_empty(), "no rotate dialog on R");

    h.key(KeyCode::Char('K'));
    let text = dialog(&mut h);
    assert!(text.contains("Rotate the token of shop-db?"), "{text}");
    h.key(KeyCode::Enter);
    assert!(dialog(&mut h).is_empty(), "enter is No");
    h.drain();
    assert!(
        !h.screen().contains("New database token"),
        "nothing rotated: {}",
        h.screen()
    );

    h.key(KeyCode::Char('K'));
    h.key(KeyCode::Char('y'));
    h.wait_for("New database token (shown once)").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_a_masked_value_keeps_it_masked_and_warns_before_saving() {
    let mut h = Harness::start().await;
    let p = h.storefront().await;
    let apps = client(&h);
    let apps = apps.apps(&p);
    let web = apps.find("web").await.unwrap().unwrap();
    apps.app(&web.app_id)
        .set_env("PAYMENT_TOKEN", "sk_live_oldsecret")
        .await
        .unwrap();
    h.web("environment").await;
    h.wait_for("PAYMENT_TOKEN").await;

    h.key(KeyCode::Char('/'));
    h.chars("PAYMENT");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('e'));
    let text = h.screen();
    assert!(text.contains("Edit variable"), "{text}");
    assert!(
        !text.contains("sk_live_oldsecret"),
        "masked in the form: {text}"
    );
    assert!(text.contains("ctrl-r show/hide value"), "{text}");
    h.ctrl('r');
    assert!(
        h.screen().contains("sk_live_oldsecret"),
        "revealed on ctrl-r"
    );
    h.ctrl('r');
    h.ctrl('u');
    h.chars("sk_live_newsecret");
    assert!(
        !h.screen().contains("sk_live_newsecret"),
        "what is typed is masked too"
    );

    // The warning comes first; nothing is stored until it is answered.
    h.key(KeyCode::Enter);
    let text = dialog(&mut h);
    assert!(
        text.contains("PAYMENT_TOKEN: the name suggests a credential")
            && text.contains("plain text")
            && text.contains("Press enter again to save anyway"),
        "{text}"
    );
    h.drain();
    let stored = env(&h).await;
    assert!(
        stored.contains(&("PAYMENT_TOKEN".into(), "sk_live_oldsecret".into())),
        "not saved before the warning is answered: {stored:?}"
    );
    h.key(KeyCode::Enter);
    h.toast("saved PAYMENT_TOKEN").await;
    assert!(
        env(&h)
            .await
            .contains(&("PAYMENT_TOKEN".into(), "sk_live_newsecret".into()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_credential_is_warned_about_before_it_is_saved() {
    let mut h = Harness::start().await;
    h.web("environment").await;
    h.wait_for("LOG_LEVEL").await;

    h.key(KeyCode::Char('n'));
    h.chars("GITHUB");
    h.key(KeyCode::Tab);
    h.chars("ghp_abc123");
    h.key(KeyCode::Enter);
    let text = dialog(&mut h);
    assert!(
        text.contains("GITHUB: the value looks like an API token"),
        "{text}"
    );
    h.drain();
    assert!(
        !env(&h).await.iter().any(|(k, _)| k == "GITHUB"),
        "nothing stored yet"
    );

    // Changing the value asks again: the warning was about other text.
    h.chars("4");
    assert!(
        !dialog(&mut h).contains("Press enter again"),
        "typing clears it"
    );
    h.key(KeyCode::Enter);
    assert!(dialog(&mut h).contains("Press enter again"), "warned again");
    h.key(KeyCode::Enter);
    h.toast("saved GITHUB").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_that_fails_upstream_keeps_the_form_to_send_again() {
    let mut h = Harness::start().await;
    h.web("environment").await;
    h.wait_for("LOG_LEVEL").await;
    h.faults(serde_json::json!({"brrrd_unreachable": true}))
        .await;
    h.key(KeyCode::Char('n'));
    h.chars("REGION");
    h.key(KeyCode::Tab);
    h.chars("eu-north");
    h.key(KeyCode::Enter);
    h.wait_for("✗ a control plane behind").await;
    let text = dialog(&mut h);
    assert!(
        text.contains("key: REGION value: eu-north"),
        "input intact: {text}"
    );
    assert!(text.contains("this may pass: send again"), "{text}");

    h.faults(serde_json::json!({})).await;
    h.key(KeyCode::Enter);
    h.toast("saved REGION").await;
    assert!(dialog(&mut h).is_empty(), "closed once saved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_to_a_dialog_closed_while_it_waited_never_lands_in_the_next() {
    let mut h = Harness::start().await;
    h.zone().await;
    // A name the platform will refuse for the second form: a CNAME there.
    cname_at_late(&h).await;

    // The first form is sent, then closed with esc before its answer.
    h.key(KeyCode::Char('n'));
    fill_record(&mut h, "first", 0, "192.0.2.1");
    h.ctrl('s');
    assert!(dialog(&mut h).contains("waiting for the platform"));
    h.key(KeyCode::Esc);
    // A second form is sent while the first answer is on its way (the
    // list has not reloaded, so the client cannot see the CNAME).
    h.key(KeyCode::Char('n'));
    fill_record(&mut h, "late", 0, "192.0.2.7");
    h.ctrl('s');

    // The first answer (created) neither closes the second form nor takes
    // its place; the second's refusal shows in it, input intact.
    h.wait_for("✗ the platform refused").await;
    let text = dialog(&mut h);
    assert!(text.contains("late.shop.example"), "{text}");
    assert!(text.contains("name: late "), "{text}");
    assert!(h.app.notices.is_empty(), "{:?}", h.app.notices.len());
    assert!(
        records(&h)
            .await
            .iter()
            .any(|r| r.name == "first.shop.example"),
        "the first form's record was created all the same"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_that_fails_keeps_its_confirm_with_the_reason_to_send_again() {
    let mut h = Harness::start().await;
    h.web("environment").await;
    h.wait_for("LOG_LEVEL").await;
    h.faults(serde_json::json!({"brrrd_unreachable": true}))
        .await;
    h.key(KeyCode::Char('/'));
    h.chars("LOG_LEVEL");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('x'));
    h.wait_for("Delete variable").await;
    h.key(KeyCode::Char('y'));
    assert!(dialog(&mut h).contains("waiting for the platform"));
    h.wait_for("✗ a control plane behind").await;
    assert!(dialog(&mut h).contains("LOG_LEVEL"), "{}", dialog(&mut h));
    assert!(h.app.notices.is_empty(), "the reason is in the confirm");

    h.faults(serde_json::json!({})).await;
    h.key(KeyCode::Char('y'));
    h.toast("deleted LOG_LEVEL").await;
    assert!(dialog(&mut h).is_empty(), "closed once deleted");
    assert!(!env(&h).await.iter().any(|(k, _)| k == "LOG_LEVEL"));
}
