//! Opening a URL in the user's browser: the device login's page, an app's
//! site. `COMWIT_BROWSER` names a command to run with the URL instead of
//! the platform's opener (a particular browser, or a script in tests).

/// Opens `url`; false when there is no way to here (over SSH, or no
/// opener), so the caller shows the URL instead.
pub fn open(url: &str) -> bool {
    let chosen = std::env::var("COMWIT_BROWSER")
        .ok()
        .filter(|c| !c.trim().is_empty());
    // Over SSH there is no local browser to open.
    if chosen.is_none() && std::env::var_os("SSH_CONNECTION").is_some() {
        return false;
    }
    let opener = chosen.unwrap_or_else(|| {
        if cfg!(target_os = "macos") {
            "open"
        } else if cfg!(windows) {
            "explorer"
        } else {
            "xdg-open"
        }
        .to_string()
    });
    std::process::Command::new(opener.trim())
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}
