//! The dashboard shell on the demo sandbox: tree, detail, header, palette,
//! help, filter, read-only.

mod support;

use ratatui::crossterm::event::KeyCode;
use support::{Harness, row_labels};

#[tokio::test]
async fn the_tree_loads_lazily_and_the_header_shows_where_and_who() {
    let mut h = Harness::start().await;
    h.open("storefront").await;
    h.open("apps").await;
    assert!(row_labels(&h.app).contains(&"web".to_string()));
    h.open("web").await;
    for child in ["builds", "environment", "hostnames"] {
        assert!(row_labels(&h.app).contains(&child.to_string()), "{child}");
    }
    let text = h.screen();
    assert!(text.contains("▾ storefront"), "{text}");
    assert!(text.contains("sandbox"), "target in the header: {text}");
    assert!(
        text.contains("user project:r database:rw app:rwd domain:rw"),
        "scopes in the header: {text}"
    );
    assert!(
        text.contains("storefront › apps › web"),
        "breadcrumbs: {text}"
    );
    h.key(KeyCode::Char('q'));
    assert!(h.app.quitting());
}

#[tokio::test]
async fn a_narrow_header_drops_the_scopes_then_cuts_with_an_ellipsis() {
    let mut h = Harness::start_with(|b| b, support::Mode::ReadOnly).await;
    h.web("builds").await;
    let line = |h: &mut Harness, n: usize| h.screen().lines().nth(n).unwrap().to_string();
    // Wide: everything, scopes too.
    h.width = 120;
    assert!(
        line(&mut h, 0).contains("user project:r"),
        "{}",
        line(&mut h, 0)
    );
    // Narrower: the scopes go, read-only and the API state stay.
    h.width = 56;
    let top = line(&mut h, 0);
    assert!(
        !top.contains("project:r") && top.contains(" user "),
        "{top}"
    );
    assert!(top.contains("READ-ONLY") && top.contains("API ⟳"), "{top}");
    // Narrowest: cut with … (read-only still first), and the trail keeps
    // its last step.
    h.width = 40;
    let top = line(&mut h, 0);
    assert!(top.contains("READ-ONLY") && top.ends_with('…'), "{top:?}");
    let trail = line(&mut h, 1);
    assert!(trail.ends_with("apps › web › builds"), "{trail:?}");
    h.width = 120;
    h.key(KeyCode::Tab);
    h.open("domains").await;
    h.select("shop.example (managed)").await;
    h.width = 40;
    let trail = line(&mut h, 1);
    assert!(
        trail.starts_with('…') && trail.ends_with("shop.example (managed)"),
        "{trail:?}"
    );
    h.app.session.target = "a-very-long-api-address.example.internal:8443".into();
    let top = line(&mut h, 0);
    assert!(top.ends_with('…') && top.chars().count() <= 40, "{top:?}");
}

#[tokio::test]
async fn the_palette_jumps_to_a_named_app_and_completes() {
    let mut h = Harness::start().await;
    h.open("storefront").await;
    h.open("apps").await;
    h.key(KeyCode::Char(':'));
    h.chars("ap");
    h.key(KeyCode::Tab);
    assert_eq!(
        h.app.palette.as_ref().unwrap().candidates,
        vec!["apps", "app"],
        "two commands start with ap"
    );
    assert_eq!(h.app.palette.as_ref().unwrap().input.text(), "app");
    h.chars(" a");
    h.key(KeyCode::Tab);
    assert_eq!(
        h.app.palette.as_ref().unwrap().input.text(),
        "app api",
        "the one loaded app starting with a"
    );
    h.key(KeyCode::Enter);
    h.settle(|a| a.selected_node().is_some_and(|n| n.label == "api"))
        .await;
    assert!(h.app.palette.is_none());

    h.key(KeyCode::Char(':'));
    h.chars("nonsense");
    h.key(KeyCode::Enter);
    let text = h.screen();
    assert!(text.contains("no command :nonsense"), "{text}");
    h.key(KeyCode::Esc);
    assert!(h.app.palette.is_none());
}

#[tokio::test]
async fn filter_help_and_resize_down_to_80x24() {
    let mut h = Harness::start().await;
    h.open("storefront").await;
    h.open("apps").await;
    h.key(KeyCode::Char('/'));
    h.chars("we");
    assert_eq!(
        row_labels(&h.app),
        vec!["web"],
        "the filter narrows the tree"
    );
    h.key(KeyCode::Esc);
    assert!(row_labels(&h.app).len() > 1, "esc clears the filter");

    h.key(KeyCode::Char('?'));
    let text = h.screen();
    assert!(text.contains("Everywhere"), "{text}");
    // The help scrolls: the commands are at its end.
    h.key(KeyCode::Char('G'));
    let text = h.screen();
    assert!(text.contains(":sql"), "{text}");
    h.key(KeyCode::Char('x'));
    assert!(!h.app.help, "any key closes help");

    for (w, ht) in [(80, 24), (40, 10), (1, 1)] {
        h.width = w;
        h.height = ht;
        let _ = h.screen();
    }
}

#[tokio::test]
async fn starting_in_a_project_by_name_selects_and_opens_it() {
    let mut h = Harness::start().await;
    h.app
        .run_command(comwit_tui::palette::Command::Project("storefront".into()));
    h.settle(|a| {
        a.selected_node().is_some_and(|n| n.label == "storefront")
            && row_labels(a).contains(&"apps".to_string())
    })
    .await;
}
