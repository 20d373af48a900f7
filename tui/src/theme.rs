//! Colours and emphasis, from defaults, the `[theme]` table of `tui.toml`,
//! and `NO_COLOR` (which keeps emphasis but drops every colour).

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub accent: Style,
    pub selected: Style,
    pub dim: Style,
    pub ok: Style,
    pub warn: Style,
    pub error: Style,
    pub key: Style,
    pub operator: Style,
    pub locked: Style,
    pub border_focused: Style,
    /// The header's context label, by kind of place: the sandbox,
    /// Comwit Cloud (production), any other API.
    pub context_sandbox: Style,
    pub context_cloud: Style,
    pub context_other: Style,
}

impl Default for Theme {
    fn default() -> Self {
        Self {
            accent: Style::new().fg(Color::Cyan),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            dim: Style::new().fg(Color::DarkGray),
            ok: Style::new().fg(Color::Green),
            warn: Style::new().fg(Color::Yellow),
            error: Style::new().fg(Color::Red),
            key: Style::new().add_modifier(Modifier::BOLD),
            operator: Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            locked: Style::new().fg(Color::Magenta),
            border_focused: Style::new().fg(Color::Cyan),
            context_sandbox: on(Color::Green, Color::Black),
            context_cloud: on(Color::Red, Color::White),
            context_other: on(Color::Blue, Color::White),
        }
    }
}

/// Bold `fg` text on `bg`: a label that stands out as a block.
fn on(bg: Color, fg: Color) -> Style {
    Style::new().fg(fg).bg(bg).add_modifier(Modifier::BOLD)
}

impl Theme {
    /// A pane's border: marked while it has the keys.
    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.border_focused
        } else {
            Style::new()
        }
    }

    /// How a context of this kind of place is labelled.
    pub fn place(&self, place: crate::switchboard::Place) -> Style {
        use crate::switchboard::Place;
        match place {
            Place::Sandbox => self.context_sandbox,
            Place::Cloud => self.context_cloud,
            Place::Other => self.context_other,
        }
    }

    /// Emphasis without colour, for `NO_COLOR` terminals.
    pub fn monochrome() -> Self {
        Self {
            accent: Style::new().add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            dim: Style::new().add_modifier(Modifier::DIM),
            ok: Style::new(),
            warn: Style::new().add_modifier(Modifier::BOLD),
            error: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            key: Style::new().add_modifier(Modifier::BOLD),
            operator: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            locked: Style::new().add_modifier(Modifier::ITALIC),
            border_focused: Style::new().add_modifier(Modifier::BOLD),
            context_sandbox: Style::new().add_modifier(Modifier::BOLD),
            context_cloud: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            context_other: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        }
    }

    /// Defaults with the file's colours applied (`accent = "cyan"`,
    /// `error = "#ff5555"`); `no_color` wins over both.
    pub fn from_overrides(
        overrides: &BTreeMap<String, String>,
        no_color: bool,
    ) -> Result<Self, String> {
        if no_color {
            return Ok(Self::monochrome());
        }
        let mut theme = Self::default();
        for (name, value) in overrides {
            let color = Color::from_str(value).map_err(|_| {
                format!("[theme] {name} = {value:?} is not a colour (try a name like \"cyan\" or \"#rrggbb\")")
            })?;
            let slot = match name.as_str() {
                "accent" => &mut theme.accent,
                "dim" => &mut theme.dim,
                "ok" => &mut theme.ok,
                "warn" => &mut theme.warn,
                "error" => &mut theme.error,
                "locked" => &mut theme.locked,
                "border_focused" => &mut theme.border_focused,
                "operator" => {
                    theme.operator = theme.operator.bg(color);
                    continue;
                }
                // The context labels are blocks of colour: the colour is
                // their background.
                "context_sandbox" | "context_cloud" | "context_other" => {
                    let slot = match name.as_str() {
                        "context_sandbox" => &mut theme.context_sandbox,
                        "context_cloud" => &mut theme.context_cloud,
                        _ => &mut theme.context_other,
                    };
                    *slot = slot.bg(color);
                    continue;
                }
                other => {
                    return Err(format!(
                        "[theme] has no colour named {other:?} (known: accent, dim, ok, warn, error, locked, border_focused, operator, context_sandbox, context_cloud, context_other)"
                    ));
                }
            };
            *slot = slot.fg(color);
        }
        Ok(theme)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_apply_and_no_color_drops_colours() {
        let mut o = BTreeMap::new();
        o.insert("accent".to_string(), "magenta".to_string());
        let t = Theme::from_overrides(&o, false).unwrap();
        assert_eq!(t.accent.fg, Some(Color::Magenta));
        let mono = Theme::from_overrides(&o, true).unwrap();
        assert_eq!(mono.accent.fg, None);
        assert_eq!(mono.error.fg, None);
        o.insert("nope".into(), "red".into());
        assert!(
            Theme::from_overrides(&o, false)
                .unwrap_err()
                .contains("nope")
        );
    }
}
