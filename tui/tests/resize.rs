//! Every view, with its dialogs open, drawn at 80×24 and at sizes far
//! below it: nothing may panic (ratatui clips; our layout arithmetic
//! must not underflow).

mod support;

use ratatui::crossterm::event::KeyCode;
use support::Harness;

const SIZES: [(u16, u16); 6] = [(80, 24), (60, 16), (40, 12), (20, 6), (5, 3), (1, 1)];

fn every_size(h: &mut Harness) {
    let (w, ht, focus) = (h.width, h.height, h.app.focus);
    for (width, height) in SIZES {
        h.width = width;
        h.height = height;
        let _ = h.screen();
    }
    h.width = w;
    h.height = ht;
    // Back at full size, as a terminal redraws after a resize. The narrow
    // sizes hid the tree, which moves the keys to the view; the flow goes
    // on where it was.
    let _ = h.screen();
    h.app.focus = focus;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_view_and_dialog_draws_at_small_sizes() {
    let mut h = Harness::start().await;
    every_size(&mut h);
    h.web("builds").await;
    h.wait_for("● build-").await;
    every_size(&mut h);
    h.key(KeyCode::Char('d'));
    every_size(&mut h);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('b'));
    every_size(&mut h);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);

    h.select("environment").await;
    h.key(KeyCode::Tab);
    h.wait_for("LOG_LEVEL").await;
    h.key(KeyCode::Char('n'));
    every_size(&mut h);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);

    h.select("hostnames").await;
    h.key(KeyCode::Tab);
    h.wait_for("www.shop.example").await;
    h.key(KeyCode::Char('a'));
    every_size(&mut h);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);

    h.open("databases").await;
    every_size(&mut h);
    h.select("shop-db").await;
    every_size(&mut h);

    h.open("domains").await;
    every_size(&mut h);
    h.select("shop.example (managed)").await;
    h.key(KeyCode::Tab);
    h.wait_for("records").await;
    h.key(KeyCode::Char('n'));
    every_size(&mut h);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);

    for command in ["sql shop-db", "delegation", "watch web"] {
        h.key(KeyCode::Char(':'));
        h.chars(command);
        every_size(&mut h);
        h.key(KeyCode::Enter);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        h.drain();
        every_size(&mut h);
        h.key(KeyCode::Esc);
        h.key(KeyCode::Esc);
        h.key(KeyCode::Esc);
    }
    h.key(KeyCode::Char('?'));
    every_size(&mut h);
}
