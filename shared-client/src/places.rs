//! Where comwit keeps its files, on every platform: one rule for the home
//! directory, the config directory and the state directory.
//!
//! Unix-like systems (Linux, macOS) follow the XDG layout the official CLI
//! uses (`~/.config/comwit`, `~/.local/state/comwit`). Windows uses the same
//! layout under `HOME` when a user has set it (Git Bash, MSYS, many CI
//! images); without `HOME` it falls back to the platform's own directories
//! (`%APPDATA%\comwit`, `%LOCALAPPDATA%\comwit`), and `~` means
//! `%USERPROFILE%`.

use std::path::{Path, PathBuf};

use crate::config::{Env, ProcessEnv};

/// Which directory rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Unix,
    Windows,
}

impl Platform {
    /// The platform this binary was built for.
    pub const CURRENT: Platform = if cfg!(windows) {
        Platform::Windows
    } else {
        Platform::Unix
    };
}

/// Overrides the state directory (tests, or to keep it elsewhere).
pub const STATE_DIR_ENV: &str = "COMWIT_STATE_DIR";

/// The user's home directory: `HOME`, else on Windows `USERPROFILE`.
pub fn home(env: &dyn Env, platform: Platform) -> Option<PathBuf> {
    env.var("HOME")
        .or_else(|| match platform {
            Platform::Windows => env.var("USERPROFILE"),
            Platform::Unix => None,
        })
        .map(PathBuf::from)
}

/// comwit's config directory (without `COMWIT_CONFIG`, which names the file
/// itself): `$XDG_CONFIG_HOME/comwit`, else `~/.config/comwit`, else on
/// Windows `%APPDATA%\comwit`.
pub fn config_dir(env: &dyn Env, platform: Platform) -> Option<PathBuf> {
    xdg_or_home(env, platform, "XDG_CONFIG_HOME", ".config", "APPDATA")
}

/// comwit's state directory (logs, SQL history): `COMWIT_STATE_DIR`, else
/// `$XDG_STATE_HOME/comwit`, else `~/.local/state/comwit`, else on Windows
/// `%LOCALAPPDATA%\comwit`.
pub fn state_dir(env: &dyn Env, platform: Platform) -> Option<PathBuf> {
    if let Some(dir) = env.var(STATE_DIR_ENV) {
        return Some(PathBuf::from(dir));
    }
    xdg_or_home(
        env,
        platform,
        "XDG_STATE_HOME",
        ".local/state",
        "LOCALAPPDATA",
    )
}

/// The state directory of this process's environment.
pub fn process_state_dir() -> Option<PathBuf> {
    state_dir(&ProcessEnv, Platform::CURRENT)
}

/// A typed path with a leading `~/` made absolute against the home
/// directory; any other path as typed.
pub fn expand_home(typed: &str) -> PathBuf {
    expand_home_in(typed, &ProcessEnv, Platform::CURRENT)
}

/// [`expand_home`] for a given environment.
pub fn expand_home_in(typed: &str, env: &dyn Env, platform: Platform) -> PathBuf {
    let rest = typed.strip_prefix("~/").or_else(|| match platform {
        Platform::Windows => typed.strip_prefix("~\\"),
        Platform::Unix => None,
    });
    match (rest, home(env, platform)) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(typed),
    }
}

/// A file name made from `name` (an app or database name, an id),
/// whatever characters it holds: anything but ASCII letters, digits, `-`
/// and `_` becomes `_`, so it can neither leave the directory nor clash
/// with the platform's path rules.
pub fn safe_file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn xdg_or_home(
    env: &dyn Env,
    platform: Platform,
    xdg: &str,
    under_home: &str,
    windows_dir: &str,
) -> Option<PathBuf> {
    if let Some(dir) = env.var(xdg) {
        return Some(Path::new(&dir).join("comwit"));
    }
    if let Some(home) = env.var("HOME") {
        return Some(Path::new(&home).join(under_home).join("comwit"));
    }
    match platform {
        Platform::Windows => env.var(windows_dir).map(|d| Path::new(&d).join("comwit")),
        Platform::Unix => None,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn file_stems_keep_only_safe_characters() {
        assert_eq!(safe_file_stem("web-1_a"), "web-1_a");
        assert_eq!(safe_file_stem("../../etc/passwd"), "______etc_passwd");
        assert_eq!(safe_file_stem(r"db:名\x"), "db___x");
    }
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Env {
        move |key: &str| {
            vars.iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn unix_uses_xdg_then_home_and_nothing_else() {
        let e = env(&[("HOME", "/h"), ("APPDATA", "C:\\A")]);
        assert_eq!(
            config_dir(&e, Platform::Unix),
            Some("/h/.config/comwit".into())
        );
        assert_eq!(
            state_dir(&e, Platform::Unix),
            Some("/h/.local/state/comwit".into())
        );
        let e = env(&[("XDG_STATE_HOME", "/s"), ("HOME", "/h")]);
        assert_eq!(state_dir(&e, Platform::Unix), Some("/s/comwit".into()));
        let e = env(&[("APPDATA", "C:\\A"), ("USERPROFILE", "C:\\U")]);
        assert_eq!(config_dir(&e, Platform::Unix), None);
        assert_eq!(home(&e, Platform::Unix), None);
    }

    #[test]
    fn windows_without_home_falls_back_to_the_platform_directories() {
        let e = env(&[
            ("APPDATA", "C:\\Users\\o\\AppData\\Roaming"),
            ("LOCALAPPDATA", "C:\\Users\\o\\AppData\\Local"),
            ("USERPROFILE", "C:\\Users\\o"),
        ]);
        assert_eq!(
            config_dir(&e, Platform::Windows),
            Some(Path::new("C:\\Users\\o\\AppData\\Roaming").join("comwit"))
        );
        assert_eq!(
            state_dir(&e, Platform::Windows),
            Some(Path::new("C:\\Users\\o\\AppData\\Local").join("comwit"))
        );
        assert_eq!(home(&e, Platform::Windows), Some("C:\\Users\\o".into()));
        assert_eq!(
            expand_home_in("~/dist", &e, Platform::Windows),
            Path::new("C:\\Users\\o").join("dist")
        );
    }

    #[test]
    fn windows_with_home_keeps_the_cli_layout() {
        let e = env(&[("HOME", "/c/Users/o"), ("APPDATA", "C:\\A")]);
        assert_eq!(
            config_dir(&e, Platform::Windows),
            Some("/c/Users/o/.config/comwit".into())
        );
    }

    #[test]
    fn the_state_override_wins_everywhere() {
        let e = env(&[("COMWIT_STATE_DIR", "/tmp/s"), ("HOME", "/h")]);
        assert_eq!(state_dir(&e, Platform::Unix), Some("/tmp/s".into()));
        assert_eq!(state_dir(&e, Platform::Windows), Some("/tmp/s".into()));
    }

    #[test]
    fn only_a_leading_tilde_slash_is_expanded() {
        let e = env(&[("HOME", "/h")]);
        assert_eq!(
            expand_home_in("~/x", &e, Platform::Unix),
            PathBuf::from("/h/x")
        );
        assert_eq!(
            expand_home_in("~x", &e, Platform::Unix),
            PathBuf::from("~x")
        );
        assert_eq!(
            expand_home_in("a/~/x", &e, Platform::Unix),
            PathBuf::from("a/~/x")
        );
        assert_eq!(
            expand_home_in("~/x", &env(&[]), Platform::Unix),
            PathBuf::from("~/x")
        );
    }
}
