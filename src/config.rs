//! The config file `$XDG_CONFIG_HOME/execmux/config.toml`: shell, scrollback, GC interval,
//! detach keys, key overrides and theme colours, all optional; `--print-config` shows the
//! defaults.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::keymap::{Action, Keymap};
use crate::theme::{Theme, ThemeConfig};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Shells tried in order when a container's tab opens (the first that exists).
    pub shell: Vec<String>,
    /// Lines of scrollback kept per tab.
    pub scrollback_lines: usize,
    /// Seconds between two GC sweeps of the exec registry (Docker: 300).
    pub gc_interval_secs: u64,
    /// Keys that leave a tab's exec running and return to navigation mode.
    pub detach_keys: String,
    /// Collected execs kept in the history.
    pub history: usize,
    /// Keys per action (an action listed here loses its default keys).
    pub keys: BTreeMap<Action, Vec<String>>,
    /// Colours by meaning (`NO_COLOR` in the environment turns every colour off).
    pub theme: ThemeConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            shell: vec!["/bin/bash".into(), "/bin/sh".into()],
            scrollback_lines: 10_000,
            gc_interval_secs: 300,
            detach_keys: crate::registry::detach_keys::DEFAULT.into(),
            history: 1000,
            keys: BTreeMap::new(),
            theme: ThemeConfig::default(),
        }
    }
}

/// The longest GC interval accepted, a year: beyond it a timer would pass the clock's range.
pub const MAX_GC_INTERVAL_SECS: u64 = 365 * 86_400;

/// A config file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("config {path}: {message}")]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
}

/// `$XDG_CONFIG_HOME/execmux/config.toml` (or `~/.config/...`).
pub fn default_path() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .map(|d| d.join("execmux").join("config.toml"))
}

impl Config {
    /// Loads `path`; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let err = |message: String| ConfigError {
            path: path.to_owned(),
            message,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(err(e.to_string())),
        };
        let cfg: Self = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        cfg.validate().map_err(err)?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), String> {
        if self.shell.is_empty() || self.shell.iter().any(|s| !s.starts_with('/')) {
            return Err("shell must list absolute paths, e.g. [\"/bin/bash\", \"/bin/sh\"]".into());
        }
        if self.gc_interval_secs == 0 {
            return Err("gc_interval_secs must be at least 1".into());
        }
        if self.gc_interval_secs > MAX_GC_INTERVAL_SECS {
            return Err(format!(
                "gc_interval_secs must be at most {MAX_GC_INTERVAL_SECS} (a year), not {}",
                self.gc_interval_secs
            ));
        }
        crate::registry::detach_keys::parse(&self.detach_keys).map_err(|e| e.to_string())?;
        Keymap::with_overrides(&self.keys)?;
        self.theme.resolve()?;
        Ok(())
    }

    /// The theme's colours (the defaults if an entry is not a colour; `load` refuses those).
    pub fn theme(&self) -> Theme {
        self.theme.resolve().unwrap_or_default()
    }

    pub fn keymap(&self) -> Keymap {
        Keymap::with_overrides(&self.keys).unwrap_or_default()
    }

    /// The defaults as a config file, with every key binding spelled out.
    pub fn print_defaults() -> String {
        let cfg = Self {
            keys: Keymap::default().table(),
            ..Self::default()
        };
        let body = toml::to_string(&cfg).unwrap_or_default();
        format!(
            "# execmux configuration: {}\n# Every setting is optional; these are the defaults.\n\n{body}",
            default_path().map_or_else(|| "config.toml".into(), |p| p.display().to_string())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_round_trip_and_bad_files_are_explained() {
        let dir = std::env::temp_dir().join(format!("execmux-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join("config.toml");
        assert_eq!(
            Config::load(&path).expect("missing file"),
            Config::default()
        );
        std::fs::write(&path, Config::print_defaults()).expect("write");
        let loaded = Config::load(&path).expect("printed defaults load");
        assert_eq!(loaded.keymap().table(), Keymap::default().table());
        for (bad, want) in [
            ("shell = []", "shell must list"),
            ("gc_interval_secs = 0", "at least 1"),
            (
                "gc_interval_secs = 18446744073709551615",
                "at most 31536000",
            ),
            ("detach_keys = \"ctrl-\"", "invalid detach keys"),
            ("colour = 1", "unknown field"),
            ("[keys]\nquit = [\"hyper-q\"]", "unknown key"),
            ("[theme]\nerror = \"blood\"", "theme.error"),
            ("[theme]\nbackground = \"red\"", "unknown field"),
        ] {
            std::fs::write(&path, bad).expect("write");
            let e = Config::load(&path).expect_err(bad).to_string();
            assert!(e.contains(want) && e.contains("config.toml"), "{bad}: {e}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_theme_is_read_from_its_table_and_printed() {
        let cfg: Config = toml::from_str("[theme]\naccent = \"light-magenta\"\nok = \"#00aa00\"")
            .expect("parses");
        let t = cfg.theme();
        assert_eq!(t.accent, ratatui::style::Color::LightMagenta);
        assert_eq!(t.ok, ratatui::style::Color::Rgb(0, 0xaa, 0));
        assert_eq!(
            t.error,
            ratatui::style::Color::Red,
            "unnamed entries keep their default"
        );
        let printed = Config::print_defaults();
        assert!(printed.contains("[theme]"), "{printed}");
        assert!(printed.contains("accent = \"cyan\""), "{printed}");
    }
}
