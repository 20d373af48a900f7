//! Zone files in the records view: `E` exports the zone, `I` imports a
//! file as a plan shown in full, applied only on yes.

mod support;

use ratatui::crossterm::event::KeyCode;
use support::Harness;

fn fill(h: &mut Harness, text: &str) {
    h.ctrl('u');
    h.chars(text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_import_an_edited_file_shows_the_plan_and_applies_on_yes() {
    let mut h = Harness::start().await;
    h.zone().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shop.zone");

    h.key(KeyCode::Char('E'));
    h.wait_for("Export shop.example").await;
    fill(&mut h, file.to_str().unwrap());
    h.key(KeyCode::Enter);
    h.toast("exported 7 records of shop.example").await;
    let mut text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("$ORIGIN shop.example.") && text.contains("; locked"),
        "{text}"
    );

    text.push_str("zz 300 IN A 192.0.2.99\n");
    std::fs::write(&file, text).unwrap();
    h.key(KeyCode::Char('I'));
    h.wait_for("Import a zone file into shop.example").await;
    h.chars(file.to_str().unwrap());
    h.key(KeyCode::Enter);
    h.wait_for("Apply to shop.example").await;
    let screen = h.screen();
    assert!(screen.contains("+ create    zz"), "{screen}");
    assert!(
        screen.contains("1 to create, 0 to update, 0 to delete"),
        "{screen}"
    );
    h.key(KeyCode::Char('y'));
    h.toast("applied 1 change(s) to shop.example").await;
    h.wait_for("192.0.2.99").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_file_is_refused_in_the_prompt() {
    let mut h = Harness::start().await;
    h.zone().await;
    h.key(KeyCode::Char('I'));
    h.wait_for("Import a zone file into shop.example").await;
    h.chars("/no/such.zone");
    h.key(KeyCode::Enter);
    h.wait_for("No such file").await;
    assert!(
        h.screen().contains("Import a zone file"),
        "the prompt stays open"
    );
}
