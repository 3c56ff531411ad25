//! execmux: a terminal exec console for containerd.

pub mod app;
pub mod audit;
pub mod backend;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod domain;
pub mod driver;
pub mod effects;
pub mod ending;
pub mod event_loop;
pub mod keymap;
pub mod launcher;
pub mod live_execs;
pub mod monitor;
pub mod procfs;
pub mod reaper;
pub mod registry;
pub mod runtime;
pub mod safe_file;
pub mod sandbox;
pub mod session;
pub mod theme;
pub mod transcript;
pub mod tui;
pub mod ui;
