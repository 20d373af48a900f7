//! `tui.toml`, beside the CLI's `config.json`: keymap, theme, mouse, and
//! where a login done in the dashboard keeps its token.
//!
//! ```toml
//! mouse = true
//! credentials = "keyring"   # default "config.json", shared with the CLI
//! [keys]
//! quit = "ctrl-q"
//! [theme]
//! accent = "magenta"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use comwit_client::credentials::TokenPlace;
use serde::Deserialize;

use crate::keymap::Keymap;
use crate::theme::Theme;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    mouse: bool,
    #[serde(default)]
    credentials: TokenPlace,
    #[serde(default)]
    keys: BTreeMap<String, String>,
    #[serde(default)]
    theme: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub keymap: Keymap,
    pub theme: Theme,
    pub mouse: bool,
    /// Where a login done here (device login, a pasted token) is saved.
    pub credentials: TokenPlace,
}

impl Settings {
    /// Where the file lives: next to `config.json`.
    pub fn path() -> Option<PathBuf> {
        comwit_client::config::config_path(&comwit_client::config::ProcessEnv)
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("tui.toml")))
    }

    /// Reads `path` (a missing file means defaults). A broken file gives
    /// the defaults and the reason, so the dashboard still opens and says
    /// what to fix.
    pub fn load(path: Option<&Path>, no_color: bool) -> (Self, Option<String>) {
        let defaults = Self {
            theme: if no_color {
                Theme::monochrome()
            } else {
                Theme::default()
            },
            ..Self::default()
        };
        let Some(path) = path else {
            return (defaults, None);
        };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (defaults, None),
            Err(e) => return (defaults, Some(format!("{}: {e}", path.display()))),
        };
        match Self::parse(&text, no_color) {
            Ok(s) => (s, None),
            Err(e) => (
                defaults,
                Some(format!("{}: {e}; using the defaults", path.display())),
            ),
        }
    }

    pub fn parse(text: &str, no_color: bool) -> Result<Self, String> {
        let file: File = toml::from_str(text).map_err(|e| e.message().to_string())?;
        Ok(Self {
            keymap: Keymap::from_overrides(&file.keys)?,
            theme: Theme::from_overrides(&file.theme, no_color)?,
            mouse: file.mouse,
            credentials: file.credentials,
        })
    }
}

/// `NO_COLOR` set to anything non-empty (no-color.org).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_sets_keys_theme_and_mouse() {
        let s = Settings::parse(
            "mouse = true\n[keys]\nquit = \"ctrl-q\"\n[theme]\nerror = \"#ff0000\"\n",
            false,
        )
        .unwrap();
        assert!(s.mouse);
        assert_eq!(s.keymap.quit.label(), "ctrl-q");
        assert_eq!(
            s.theme.error.fg,
            Some(ratatui::style::Color::Rgb(255, 0, 0))
        );
    }

    #[test]
    fn logins_go_to_config_json_unless_the_keyring_is_chosen() {
        let s = Settings::parse("", false).unwrap();
        assert_eq!(s.credentials, TokenPlace::ConfigFile);
        let s = Settings::parse("credentials = \"keyring\"\n", false).unwrap();
        assert_eq!(s.credentials, TokenPlace::Keyring);
        let err = Settings::parse("credentials = \"vault\"\n", false).unwrap_err();
        assert!(
            err.contains("config.json") && err.contains("keyring"),
            "names the choices: {err}"
        );
    }

    #[test]
    fn a_broken_file_falls_back_to_defaults_and_names_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tui.toml");
        std::fs::write(&path, "[keys]\nquit = 3\n").unwrap();
        let (s, warning) = Settings::load(Some(&path), false);
        assert_eq!(s.keymap, Keymap::default());
        let warning = warning.expect("a warning");
        assert!(warning.contains("tui.toml"), "{warning}");
        let (_, none) = Settings::load(Some(&dir.path().join("absent.toml")), false);
        assert!(none.is_none());
    }
}
