//! The DNS views on the demo sandbox, driven by keys: a project's domains,
//! a domain's records (the record form, the platform_app and pending
//! locks) and the delegation watcher.

mod support;

use comwit_client::Client;
use comwit_client::models::{DomainStatus, NewRecord, Record};
use comwit_tui::tree::NodeKey;
use ratatui::crossterm::event::KeyCode;
use support::{Harness, Mode, row_labels};

fn client(h: &Harness) -> Client {
    h.app.session.client.clone()
}

async fn storefront(h: &Harness) -> String {
    h.storefront().await
}

async fn records(h: &Harness, domain: &str) -> Vec<Record> {
    let p = storefront(h).await;
    client(h).domains(&p).records(domain).list().await.unwrap()
}

async fn nameservers(h: &Harness, domain: &str) -> Vec<String> {
    let p = storefront(h).await;
    client(h)
        .domains(&p)
        .list()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.domain == domain)
        .expect("listed")
        .nameservers
}

/// The sandbox's simulated registrar: what the parent zone publishes for
/// `domain` (the user's step at their registrar).
async fn set_registrar(h: &Harness, domain: &str, ns: &[String]) {
    h.operator()
        .put(
            &format!("/_sandbox/registrar/{domain}/nameservers"),
            serde_json::json!({ "nameservers": ns }),
        )
        .await;
}

/// Makes a pending domain managed through the registrar and the platform.
async fn delegate(h: &Harness, domain: &str) {
    let ns = nameservers(h, domain).await;
    set_registrar(h, domain, &ns).await;
    let p = storefront(h).await;
    let check = client(h)
        .domains(&p)
        .check_delegation(domain)
        .await
        .unwrap();
    assert_eq!(check.status, DomainStatus::Managed);
}

/// storefront › domains, with the domains view focused.
async fn open_domains(h: &mut Harness) {
    h.open("storefront").await;
    h.open("domains").await;
    h.key(KeyCode::Tab);
    h.wait_for("waiting for delegation").await;
}

/// storefront › domains › `label`, with the records view focused.
async fn open_zone(h: &mut Harness, label: &str) {
    h.open("storefront").await;
    h.open("domains").await;
    h.select(label).await;
    h.key(KeyCode::Tab);
    h.wait_for(" records (").await;
}

/// A wide character (the 🔒 badge) fills two cells; TestBackend shows
/// the second as a space. `cells` turns text into what the screen shows.
fn cells(text: &str) -> String {
    text.replace('🔒', "🔒 ")
}

/// The screen as it reads (wide characters without their filler cell).
fn text(h: &mut Harness) -> String {
    h.screen().replace("🔒 ", "🔒")
}

/// Columns `cols` of lines `rows` of the screen (a screen cell is one
/// character in `Harness::screen`).
fn region(screen: &str, cols: std::ops::Range<usize>, rows: std::ops::Range<usize>) -> String {
    screen
        .lines()
        .skip(rows.start)
        .take(rows.len())
        .map(|l| {
            l.chars()
                .skip(cols.start)
                .take(cols.len())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The view's pane and the key bar. The tree beside it is left out: the
/// demo's projects are created in the same instant and list in id order,
/// which changes from run to run.
fn view_pane(screen: &str) -> String {
    let bar = screen.lines().last().unwrap_or_default();
    format!("{}\n{bar}", region(screen, 40..100, 2..29))
}

/// The dialog box in the middle of the screen (what it covers is not).
fn dialog(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    let corner = |l: &str, c: char| l.chars().nth(14) == Some(c);
    let top = lines.iter().position(|l| corner(l, '┌')).expect("a dialog");
    let bottom = top
        + lines[top..]
            .iter()
            .position(|l| corner(l, '└'))
            .expect("its end");
    region(screen, 14..86, top..bottom + 1)
}

fn toasts(h: &Harness) -> String {
    h.app
        .toasts
        .iter()
        .map(|t| t.text.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Replaces what changes from run to run with stand-ins of the same
/// width, so columns and borders stay where they were: the sandbox's
/// random nameservers (`ns-123.awsdns-45.com`), hex digests (CloudFront
/// targets, challenge tokens, app ids) and countdowns (`in 4s`).
fn stable(screen: &str) -> String {
    screen
        .lines()
        .map(|l| mask_countdowns(&mask_hex(&mask_nameservers(l))))
        .collect::<Vec<_>>()
        .join("\n")
}

fn digits(s: &str) -> usize {
    s.bytes().take_while(u8::is_ascii_digit).count()
}

/// `ns-<n>.awsdns-<n>.tld` and the spaces after it become a fixed name
/// plus whatever spaces keep the total width.
fn mask_nameservers(line: &str) -> String {
    const STAND_IN: &str = "ns-N.awsdns-N";
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("ns-") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 3..];
        let d1 = digits(tail);
        let after = tail[d1..].strip_prefix(".awsdns-");
        let (Some(after), true) = (after, d1 > 0) else {
            out.push_str("ns-");
            rest = tail;
            continue;
        };
        let d2 = digits(after);
        let mut after = &after[d2..];
        let tld = after
            .bytes()
            .take_while(|b| b.is_ascii_lowercase() || *b == b'.')
            .count();
        out.push_str(STAND_IN);
        out.push_str(&after[..tld]);
        after = &after[tld..];
        let spaces = after.bytes().take_while(|b| *b == b' ').count();
        if spaces > 0 {
            let width = 3 + d1 + 8 + d2 + spaces;
            out.push_str(&" ".repeat(width - STAND_IN.len()));
            after = &after[spaces..];
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Runs of 12+ hex digits, and whatever follows `cf-challenge=`, become
/// `#` of the same length.
fn mask_hex(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = chars.clone();
    let hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| hex(**c)).count();
        let challenge = i >= 13 && chars[i - 13..i].iter().collect::<String>() == "cf-challenge=";
        if run >= 12 || (run > 0 && challenge) {
            out[i..i + run].iter_mut().for_each(|c| *c = '#');
        }
        i += run.max(1);
    }
    out.into_iter().collect()
}

/// `in 4m59s` (the watcher's next check) becomes `in ~` padded to width.
fn mask_countdowns(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("in ") {
        out.push_str(&rest[..at + 3]);
        let tail = &rest[at + 3..];
        if digits(tail) == 0 {
            rest = tail;
            continue;
        }
        let token = tail
            .bytes()
            .take_while(|b| b.is_ascii_digit() || b"hms".contains(b))
            .count();
        out.push('~');
        out.push_str(&" ".repeat(token - 1));
        rest = &tail[token..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_masks_keep_widths() {
    let a = "│  ns-7.awsdns-05.com      │ in 4s    │ cf-challenge=0a1b2c │";
    let b = "│  ns-1234.awsdns-62.com   │ in 9m59s │ cf-challenge=ffee00 │";
    assert_eq!(stable(a), stable(b));
    assert_eq!(stable(a).chars().count(), a.chars().count());
    assert_eq!(
        mask_hex("d70c1af24480115.cloudfront.net"),
        "###############.cloudfront.net"
    );
    assert_eq!(mask_hex("192.0.2.10 cafe"), "192.0.2.10 cafe");
}

#[tokio::test]
async fn snapshots_of_the_domains_and_records_views_and_the_record_form() {
    let mut h = Harness::start().await;
    open_domains(&mut h).await;
    insta::assert_snapshot!("domains_view", stable(&view_pane(&h.screen())));

    h.key(KeyCode::Esc);
    h.select("shop.example (managed)").await;
    h.key(KeyCode::Tab);
    // The owner badge names the app once the app list is in.
    h.wait_for(&cells("🔒 web")).await;
    insta::assert_snapshot!("records_view", stable(&view_pane(&h.screen())));

    h.key(KeyCode::Char('n'));
    h.chars("api");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Right);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.chars("192.0.2.1");
    h.ctrl('s');
    insta::assert_snapshot!(
        "record_form_refusing_an_ipv4_for_aaaa",
        stable(&dialog(&h.screen()))
    );
}

#[tokio::test]
async fn snapshot_of_the_watcher() {
    let mut h = Harness::start().await;
    h.key(KeyCode::Char(':'));
    h.chars("delegation");
    h.key(KeyCode::Enter);
    h.settle(|a| {
        a.view(&NodeKey::Watcher)
            .is_some_and(|v| v.title().ends_with("2 domains"))
    })
    .await;
    h.wait_for("not_registered").await;
    h.settle(|a| {
        a.view(&NodeKey::Watcher)
            .is_some_and(|v| !v.title().contains("checking"))
    })
    .await;
    // Below the header, whose breadcrumbs follow the tree's first row.
    insta::assert_snapshot!("watcher", stable(&region(&h.screen(), 0..100, 2..30)));
}

#[tokio::test]
async fn domains_are_added_with_nameservers_to_copy_checked_and_deleted() {
    let mut h = Harness::start().await;
    open_domains(&mut h).await;
    let text = h.screen();
    assert!(text.contains("newbrand.example") && text.contains("… pending_delegation"));
    assert!(text.contains("shop.example") && text.contains("✓ managed"));
    assert!(
        text.contains("newbrand.example: set these nameservers at the registrar"),
        "{text}"
    );

    // Check the pending one now: the registry knows nothing about it.
    h.key(KeyCode::Char('c'));
    h.settle(|a| a.toasts.iter().any(|t| t.text.contains("still pending")))
        .await;
    assert!(
        toasts(&h).contains("newbrand.example: not_registered"),
        "{}",
        toasts(&h)
    );

    // Add one: the dialog lists the nameservers and y copies just them.
    h.key(KeyCode::Char('n'));
    h.chars("not a domain");
    h.key(KeyCode::Enter);
    assert!(h.screen().contains("is not a host name"), "{}", h.screen());
    h.ctrl('u');
    h.chars("launch.example");
    h.key(KeyCode::Enter);
    h.wait_for("Nameservers for launch.example").await;
    let expected = nameservers(&h, "launch.example").await;
    assert_eq!(expected.len(), 4);
    let text = h.screen();
    assert!(text.contains("replace its nameservers"), "{text}");
    assert!(text.contains(&expected[0]), "{text}");
    h.key(KeyCode::Char('y'));
    assert_eq!(
        h.app.last_copy.as_deref(),
        Some(expected.join("\n").as_str())
    );
    h.key(KeyCode::Esc);
    // The tree group was reloaded with the new domain.
    h.settle(|a| {
        row_labels(a)
            .iter()
            .any(|l| l == "launch.example (pending_delegation)")
    })
    .await;

    // Delete it: the warning, then the exact name to confirm.
    h.key(KeyCode::Char('/'));
    h.chars("launch");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('x'));
    let text = h.screen();
    assert!(text.contains("Delete launch.example"), "{text}");
    assert!(
        text.to_lowercase()
            .contains("restore your original nameservers at the registrar first"),
        "{text}"
    );
    h.chars("launch.exampl");
    h.key(KeyCode::Enter);
    assert!(
        h.screen().contains("Delete launch.example"),
        "a wrong name keeps it open"
    );
    h.chars("e");
    h.key(KeyCode::Enter);
    h.settle(|a| {
        a.toasts
            .iter()
            .any(|t| t.text.contains("deleted launch.example"))
    })
    .await;
    let p = storefront(&h).await;
    let left: Vec<String> = client(&h)
        .domains(&p)
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.domain)
        .collect();
    assert!(!left.contains(&"launch.example".to_string()), "{left:?}");
    h.settle(|a| {
        !row_labels(a)
            .iter()
            .any(|l| l.starts_with("launch.example"))
    })
    .await;
}

#[tokio::test]
async fn read_only_mode_refuses_domain_and_record_writes() {
    let mut h = Harness::start_with(|b| b, Mode::ReadOnly).await;
    open_zone(&mut h, "shop.example (managed)").await;
    h.key(KeyCode::Char('n'));
    h.key(KeyCode::Char('x'));
    assert!(toasts(&h).contains("read-only mode"), "{}", toasts(&h));
    assert!(!h.screen().contains("New record in"), "no form opened");
    assert!(!h.screen().contains("Delete @ A"), "no confirmation opened");
}

#[tokio::test]
async fn records_are_created_edited_and_deleted_through_the_form() {
    let mut h = Harness::start().await;
    open_zone(&mut h, "shop.example (managed)").await;

    h.key(KeyCode::Char('n'));
    assert!(h.screen().contains("New record in shop.example"));
    h.chars("api");
    h.key(KeyCode::Tab);
    // Through the types and back: A → AAAA → A.
    h.key(KeyCode::Right);
    h.key(KeyCode::Left);
    h.key(KeyCode::Tab);
    h.ctrl('u');
    h.chars("600");
    h.key(KeyCode::Tab);
    h.chars("not-an-ip");
    h.ctrl('s');
    let text = h.screen();
    assert!(
        text.contains("New record in shop.example"),
        "the form stays open"
    );
    assert!(text.contains("is not an IPv4 address"), "{text}");
    // Fix the value (ctrl-j clears to the line's start) and add a second.
    h.ctrl('j');
    h.chars("192.0.2.50");
    h.key(KeyCode::Enter);
    h.chars("192.0.2.51");
    h.ctrl('s');
    h.settle(|a| a.toasts.iter().any(|t| t.text == "saved api A"))
        .await;
    h.wait_for("192.0.2.50 · 192.0.2.51").await;
    let api = records(&h, "shop.example")
        .await
        .into_iter()
        .find(|r| r.name == "api.shop.example")
        .expect("created");
    assert_eq!(
        (api.kind.as_str(), api.ttl, api.values.clone()),
        (
            "A",
            Some(600),
            vec!["192.0.2.50".to_string(), "192.0.2.51".to_string()]
        )
    );
    // The new record is selected.
    assert!(h.screen().contains("api.shop.example A  TTL 600"));
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.last_copy.as_deref(), Some("192.0.2.50\n192.0.2.51"));

    // Edit: new TTL, first value replaced (ctrl-k clears to the line's end).
    h.key(KeyCode::Char('e'));
    let text = h.screen();
    assert!(text.contains("Edit api A"), "{text}");
    assert!(text.contains("TTL: 600"), "{text}");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.ctrl('u');
    h.chars("900");
    h.key(KeyCode::Tab);
    h.ctrl('k');
    h.chars("192.0.2.60");
    // Enter adds a line in the values; from another field it saves.
    h.key(KeyCode::Tab);
    h.key(KeyCode::Enter);
    h.settle(|a| a.toasts.iter().filter(|t| t.text == "saved api A").count() == 2)
        .await;
    h.wait_for("192.0.2.60 · 192.0.2.51").await;
    let api = records(&h, "shop.example")
        .await
        .into_iter()
        .find(|r| r.name == "api.shop.example")
        .expect("still there");
    assert_eq!(api.ttl, Some(900));
    assert_eq!(api.values, vec!["192.0.2.60", "192.0.2.51"]);

    // Delete, after confirming.
    h.key(KeyCode::Char('x'));
    assert!(h.screen().contains("Delete api A"));
    h.key(KeyCode::Char('n'));
    assert!(!h.screen().contains("Delete api A"), "n cancels");
    h.key(KeyCode::Char('x'));
    h.key(KeyCode::Char('y'));
    h.settle(|a| a.toasts.iter().any(|t| t.text == "deleted api A"))
        .await;
    assert!(
        !records(&h, "shop.example")
            .await
            .iter()
            .any(|r| r.name == "api.shop.example")
    );
    h.wait_for("· 7 records").await;
}

#[tokio::test]
async fn platform_app_records_are_locked() {
    let mut h = Harness::start().await;
    open_zone(&mut h, "shop.example (managed)").await;
    h.wait_for(&cells("🔒 web")).await;
    h.key(KeyCode::Char('/'));
    h.chars("cloudfront");
    h.key(KeyCode::Enter);
    let text = text(&mut h);
    assert!(text.contains("www.shop.example CNAME"), "{text}");
    assert!(text.contains("owner: 🔒 platform_app: app web"), "{text}");
    assert!(
        text.contains("locked: platform_app record"),
        "the key bar: {text}"
    );

    h.key(KeyCode::Char('e'));
    assert!(
        !h.screen().contains("Edit www CNAME"),
        "no form for a locked record"
    );
    let said = toasts(&h);
    assert!(
        said.contains("www CNAME is managed by the platform for app web (platform_app)")
            && said.contains("can't be edited"),
        "{said}"
    );
    h.key(KeyCode::Char('x'));
    assert!(
        toasts(&h).contains("can't be edited or deleted"),
        "{}",
        toasts(&h)
    );
    assert!(!h.screen().contains("Delete www CNAME"));

    // A new record at its name is refused in the form, before the API.
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('n'));
    h.chars("www");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.chars("192.0.2.9");
    h.ctrl('s');
    let text = h.screen();
    assert!(
        text.contains("New record in shop.example"),
        "still open: {text}"
    );
    assert!(
        text.contains("managed by the platform for app web"),
        "{text}"
    );
    assert!(h.app.notices.is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_pending_domain_refuses_creating_and_editing_but_deletes() {
    let mut h = Harness::start().await;
    // Give newbrand.example a record while managed, then let it lapse.
    delegate(&h, "newbrand.example").await;
    let p = storefront(&h).await;
    client(&h)
        .domains(&p)
        .records("newbrand.example")
        .create(&NewRecord {
            name: "www".into(),
            kind: "A".into(),
            ttl: Some(300),
            values: vec!["192.0.2.80".into()],
        })
        .await
        .unwrap();
    set_registrar(&h, "newbrand.example", &[]).await;
    let check = client(&h)
        .domains(&p)
        .check_delegation("newbrand.example")
        .await
        .unwrap();
    assert_eq!(check.status, DomainStatus::PendingDelegation);

    open_zone(&mut h, "newbrand.example (pending_delegation)").await;
    h.wait_for("192.0.2.80").await;
    let text = h.screen();
    assert!(
        text.contains("create/edit disabled until the domain is delegated"),
        "{text}"
    );
    assert!(
        text.contains("n/e disabled: domain not delegated yet"),
        "the key bar: {text}"
    );

    h.key(KeyCode::Char('n'));
    assert!(!h.screen().contains("New record in"), "no form");
    assert!(
        toasts(&h).contains("newbrand.example is pending_delegation: records can be created or edited only once the domain is delegated"),
        "{}",
        toasts(&h)
    );
    h.key(KeyCode::Char('e'));
    assert!(!h.screen().contains("Edit www A"), "no form");

    h.key(KeyCode::Char('x'));
    assert!(h.screen().contains("Delete www A"));
    h.key(KeyCode::Char('y'));
    h.settle(|a| a.toasts.iter().any(|t| t.text == "deleted www A"))
        .await;
    assert!(records(&h, "newbrand.example").await.is_empty());
    h.wait_for("No records yet.").await;
}

#[tokio::test]
async fn the_watcher_rings_when_a_domain_becomes_managed_and_when_it_lapses() {
    let mut h = Harness::start().await;
    h.key(KeyCode::Char(':'));
    h.chars("delegation");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.fullscreen, Some(NodeKey::Watcher));
    h.wait_for("1 managed, 1 waiting").await;
    h.wait_for("not_registered").await;
    assert!(!h.app.terminal.bell, "nothing changed yet");

    // The user sets the nameservers at the registrar, then checks now.
    let ns = nameservers(&h, "newbrand.example").await;
    set_registrar(&h, "newbrand.example", &ns).await;
    h.key(KeyCode::Char('/'));
    h.chars("newbrand");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('c'));
    h.wait_for("2 managed, 0 waiting").await;
    assert!(h.app.terminal.bell, "the bell was requested");
    assert!(
        toasts(&h).contains("newbrand.example is delegated: now managed"),
        "{}",
        toasts(&h)
    );
    let text = h.screen();
    assert!(text.contains("✓ published"), "{text}");
    assert!(text.contains("parent zone: delegated"), "{text}");
    assert!(
        text.contains("platform check: delegated (matched)"),
        "{text}"
    );
    assert!(text.contains("1/1 resolvers see the zone"), "{text}");
    assert!(
        text.contains("in 9m") || text.contains("in 10m"),
        "the slow schedule: {text}"
    );

    // The nameservers are removed at the registrar: a lapse rings too.
    h.app.terminal.bell = false;
    set_registrar(&h, "newbrand.example", &[]).await;
    h.key(KeyCode::Char('c'));
    h.wait_for("1 managed, 1 waiting").await;
    assert!(h.app.terminal.bell);
    assert!(
        toasts(&h).contains("newbrand.example lapsed"),
        "{}",
        toasts(&h)
    );
    assert!(h.screen().contains("✗ missing"));

    h.key(KeyCode::Esc);
    assert_eq!(
        h.app.fullscreen,
        Some(NodeKey::Watcher),
        "esc clears the filter first"
    );
    h.key(KeyCode::Esc);
    assert_eq!(h.app.fullscreen, None, "then leaves the watcher");
}
