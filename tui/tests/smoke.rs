//! The real binary in a real terminal (tmux): start on the sandbox, open
//! the SQL console, run `select 1`, see the result, quit, and find the
//! terminal restored (cooked mode, main screen, the shell prompt back).

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs (installed by .ci/run)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn capture(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "smoke"])
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "smoke"];
        args.extend(keys);
        self.run(&args);
    }

    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let screen = self.capture();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {text:?}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

#[test]
fn the_binary_runs_sql_on_the_sandbox_and_restores_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_comwit-tui");
    let tmux = Tmux {
        socket: format!("comwit-smoke-{}", std::process::id()),
    };
    // After the dashboard exits, the shell reports how the terminal was left.
    let script = format!(
        "export HOME={home} XDG_CONFIG_HOME={home}/config XDG_STATE_HOME={home}/state; \
         {bin} --sandbox; echo \"exit=$?\"; stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ' '; echo; sleep 60",
        home = home.path().display()
    );
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "smoke",
        "-x",
        "100",
        "-y",
        "30",
        "bash",
        "-c",
        &script,
    ]);
    tmux.wait_for("storefront");
    tmux.keys(&[":"]);
    tmux.keys(&["-l", "sql shop-db"]);
    tmux.keys(&["Enter"]);
    // Connected (a query token minted) before running.
    tmux.wait_for("autocommit");
    tmux.keys(&["-l", "select 41 + 1 as answer"]);
    tmux.keys(&["F5"]);
    // 42 appears only once the result grid has it (the editor holds 41 + 1).
    let screen = tmux.wait_for("42");
    assert!(screen.contains("answer"), "the column is named:\n{screen}");
    tmux.keys(&["Escape"]);
    tmux.keys(&["Escape"]);
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
