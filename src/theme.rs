//! The console's semantic colours: the `[theme]` table of the config file (colour names,
//! `#rrggbb` or a 0-255 index), checked and resolved once, and whether `NO_COLOR` asks for
//! no colour at all.

use std::str::FromStr;

use ratatui::style::Color;
use serde::{Deserialize, Serialize};

/// The `[theme]` table as written: one colour per meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThemeConfig {
    /// Focused frames, keys in hints and help.
    pub accent: String,
    /// Running, connected, exit code 0.
    pub ok: String,
    /// Waiting, paused, an exec that could not run (126/127).
    pub warn: String,
    /// Errors and exit codes 1-125.
    pub error: String,
    /// Exit codes of a process killed by a signal (128+N).
    pub signal: String,
    /// Headers, unfocused frames, collected execs.
    pub dim: String,
    /// The background of the selected row in the focused pane, and of a copy selection.
    pub selection: String,
    /// Broadcasting tabs and marks; the copy mode's badge.
    pub broadcast: String,
    /// Search matches.
    pub search: String,
    /// The search match the cursor stands on.
    pub search_current: String,
}

impl Default for ThemeConfig {
    /// The 16 named colours, which every terminal maps to its own palette: readable on
    /// light and dark backgrounds alike.
    fn default() -> Self {
        Self {
            accent: "cyan".into(),
            ok: "green".into(),
            warn: "yellow".into(),
            error: "red".into(),
            signal: "magenta".into(),
            dim: "dark-gray".into(),
            selection: "blue".into(),
            broadcast: "magenta".into(),
            search: "yellow".into(),
            search_current: "light-red".into(),
        }
    }
}

/// The resolved colours the renderer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub accent: Color,
    pub ok: Color,
    pub warn: Color,
    pub error: Color,
    pub signal: Color,
    pub dim: Color,
    pub selection: Color,
    pub broadcast: Color,
    pub search: Color,
    pub search_current: Color,
    /// `NO_COLOR` is set: the frame keeps its modifiers and loses every colour.
    pub no_color: bool,
}

impl Default for Theme {
    fn default() -> Self {
        ThemeConfig::default().resolve().unwrap_or(Self {
            accent: Color::Cyan,
            ok: Color::Green,
            warn: Color::Yellow,
            error: Color::Red,
            signal: Color::Magenta,
            dim: Color::DarkGray,
            selection: Color::Blue,
            broadcast: Color::Magenta,
            search: Color::Yellow,
            search_current: Color::LightRed,
            no_color: false,
        })
    }
}

impl ThemeConfig {
    /// The colours, or which entry is not a colour.
    pub fn resolve(&self) -> Result<Theme, String> {
        let parse = |name: &str, value: &str| {
            Color::from_str(value.trim()).map_err(|_| {
                format!(
                    "theme.{name} = {value:?} is not a colour (a name such as \"cyan\" or \
                     \"light-red\", \"#rrggbb\", or 0-255)"
                )
            })
        };
        Ok(Theme {
            accent: parse("accent", &self.accent)?,
            ok: parse("ok", &self.ok)?,
            warn: parse("warn", &self.warn)?,
            error: parse("error", &self.error)?,
            signal: parse("signal", &self.signal)?,
            dim: parse("dim", &self.dim)?,
            selection: parse("selection", &self.selection)?,
            broadcast: parse("broadcast", &self.broadcast)?,
            search: parse("search", &self.search)?,
            search_current: parse("search_current", &self.search_current)?,
            no_color: false,
        })
    }
}

/// Whether a `NO_COLOR` value asks for no colour: any non-empty value does.
pub fn no_color(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_hex_and_indexes_resolve_and_a_bad_entry_is_named() {
        let t = ThemeConfig::default().resolve().expect("defaults resolve");
        assert_eq!(t, Theme::default());
        assert_eq!(t.dim, Color::DarkGray);
        let custom = ThemeConfig {
            accent: "#ff8800".into(),
            ok: "light-green".into(),
            warn: "208".into(),
            ..ThemeConfig::default()
        };
        let t = custom.resolve().expect("custom resolves");
        assert_eq!(t.accent, Color::Rgb(0xff, 0x88, 0));
        assert_eq!(t.ok, Color::LightGreen);
        assert_eq!(t.warn, Color::Indexed(208));
        let bad = ThemeConfig {
            error: "blood".into(),
            ..ThemeConfig::default()
        };
        let e = bad.resolve().expect_err("not a colour");
        assert!(e.contains("theme.error") && e.contains("blood"), "{e}");
    }

    #[test]
    fn only_a_non_empty_no_color_counts() {
        use std::ffi::OsStr;
        assert!(!no_color(None));
        assert!(!no_color(Some(OsStr::new(""))));
        assert!(no_color(Some(OsStr::new("1"))));
        assert!(no_color(Some(OsStr::new("0"))), "any non-empty value");
    }
}
