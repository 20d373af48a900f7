//! The real binary in a real terminal (tmux): start on the sandbox, open
//! the SQL console, run `select 1`, see the result, quit, and find the
//! terminal restored (cooked mode, main screen, the shell prompt back);
//! and the same start and quit in a small terminal.

mod tmux;

use tmux::Tmux;

/// The shell line that runs the dashboard on the sandbox, then reports
/// its exit status and how it left the terminal, on one line printed at
/// once: a test that sees `exit=` sees the terminal's modes too.
fn dashboard_script(home: &std::path::Path) -> String {
    dashboard_then(home, "")
}

/// [`dashboard_script`], the shell running `more` after its report.
fn dashboard_then(home: &std::path::Path, more: &str) -> String {
    let bin = env!("CARGO_BIN_EXE_comwit-tui");
    format!(
        "export HOME={home} XDG_CONFIG_HOME={home}/config XDG_STATE_HOME={home}/state; \
         {bin} --sandbox; status=$?; \
         modes=$(stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ' '); \
         echo \"exit=$status $modes\"; {more}sleep 60",
        home = home.display()
    )
}

/// Opens the SQL console on the demo's shop-db. The demo user has no
/// database token: the console asks before it runs SQL as the sandbox
/// operator (a query token minted).
fn open_sql_console(tmux: &Tmux) {
    tmux.wait_for("storefront");
    tmux.keys(&[":"]);
    tmux.keys(&["-l", "sql shop-db"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("Run SQL as the sandbox operator?");
    tmux.keys(&["y"]);
    tmux.wait_for("autocommit");
}

fn assert_restored(after: &str) {
    assert!(after.contains("exit=0"), "a clean exit:\n{after}");
    assert!(
        after.contains("icanon echo"),
        "cooked mode and echo are back:\n{after}"
    );
    assert!(
        !after.contains("storefront") && !after.contains("q quit"),
        "the alternate screen is gone:\n{after}"
    );
}

#[test]
fn a_small_terminal_gets_a_usable_layout_then_a_notice_and_quits_cleanly() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::start("small", 50, 16, &dashboard_script(home.path()));
    // 50×16: the tree is hidden, the view takes the width, the bar keeps
    // help and quit.
    let screen = tmux.wait_for("q quit");
    assert!(screen.contains("? help"), "{screen}");
    assert!(
        !screen.contains("┌ projects"),
        "the tree is hidden:\n{screen}"
    );
    tmux.keys(&["T"]);
    tmux.wait_for("┌ projects");
    // Below the minimum: a notice naming the size needed.
    tmux.run(&["resize-window", "-t", "smoke", "-x", "30", "-y", "8"]);
    let notice = tmux.wait_for("too small");
    let flat = notice.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("40×10"), "{notice}");
    tmux.keys(&["q"]);
    assert_restored(&tmux.wait_for("exit="));
}

#[test]
fn the_binary_runs_sql_on_the_sandbox_and_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    // After the dashboard exits, the shell reports how the terminal was left.
    let tmux = Tmux::start("smoke", 100, 30, &dashboard_script(home.path()));
    open_sql_console(&tmux);
    tmux.keys(&["-l", "select 41 + 1 as answer"]);
    tmux.keys(&["F5"]);
    // 42 appears only once the result grid has it (the editor holds 41 + 1).
    let screen = tmux.wait_for("42");
    assert!(screen.contains("answer"), "the column is named:\n{screen}");
    // Tab, not Escape, to the results: an Escape and the next key read
    // together are alt+key to any terminal program.
    tmux.keys(&["Tab"]);
    tmux.keys(&["q"]);
    let after = tmux.wait_for("exit=");
    assert!(after.contains("exit=0"), "a clean exit:\n{after}");
    assert!(
        after.contains("icanon echo"),
        "cooked mode and echo are back:\n{after}"
    );
    assert!(
        !after.contains("storefront"),
        "the alternate screen is gone:\n{after}"
    );
}

#[test]
fn the_binary_switches_context_and_visits_the_sign_in_screen_without_a_restart() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::start("contexts", 100, 30, &dashboard_script(home.path()));
    tmux.wait_for("storefront");
    tmux.keys(&[":"]);
    tmux.keys(&["-l", "ctx"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("demo data, in memory");
    tmux.keys(&["-l", "/sandbox operator"]);
    tmux.keys(&["Enter"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("OPERATOR");
    tmux.wait_for("platform");

    // The sign-in screen, and back to the operator's dashboard on q.
    tmux.keys(&[":"]);
    tmux.keys(&["-l", "login"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("Sign in to another account");
    tmux.keys(&["q"]);
    let back = tmux.wait_for("OPERATOR");
    assert!(back.contains("platform"), "the tree is back:\n{back}");

    tmux.keys(&["q"]);
    assert_restored(&tmux.wait_for("exit="));
}

/// The SQL console's buffer keys as a real terminal sends them (ctrl-t,
/// F3, alt-←, F7/F8, F4), and the text typed just before quitting found
/// in the buffers file once the process has exited.
#[test]
fn buffer_keys_arrive_through_a_real_terminal_and_quitting_saves_the_last_text() {
    let home = tempfile::tempdir().unwrap();
    let files = format!("{}/state/comwit/sql-history", home.path().display());
    let report = format!("echo \"saved=$(grep -o -h 'said last' {files}/*.buffers.json)\"; ");
    let tmux = Tmux::start("buffers", 100, 30, &dashboard_then(home.path(), &report));
    open_sql_console(&tmux);
    tmux.keys(&["-l", "select 1"]);
    tmux.keys(&["C-t"]);
    tmux.wait_for("[query 2]");
    tmux.keys(&["F3"]);
    tmux.wait_for("Rename buffer");
    tmux.keys(&["C-u"]);
    tmux.keys(&["-l", "tmux"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("[tmux]");
    tmux.keys(&["M-Left"]);
    let screen = tmux.wait_for("[query 1]");
    assert!(screen.contains("select 1"), "{screen}");
    tmux.keys(&["F8"]);
    tmux.wait_for("[tmux]");
    tmux.keys(&["F7"]);
    tmux.wait_for("[query 1]");
    tmux.keys(&["F8"]);
    tmux.wait_for("[tmux]");
    // An empty buffer closes at once; then type and quit straight away,
    // well inside the save's debounce.
    tmux.keys(&["F4"]);
    tmux.wait_for("[query 1]");
    tmux.keys(&["-l", "; select 'said last'"]);
    // Tab to the results (an Escape read together with the `q` would be
    // alt+q), then quit.
    tmux.keys(&["Tab"]);
    tmux.keys(&["q"]);
    let after = tmux.wait_for("saved=");
    assert!(after.contains("exit=0"), "a clean exit:\n{after}");
    assert!(
        after.contains("saved=said last"),
        "the last text reached the file:\n{after}"
    );
}
