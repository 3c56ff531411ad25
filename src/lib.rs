//! execmux: a terminal exec console for containerd.

pub mod cli;
pub mod cmd;
pub mod domain;
pub mod launcher;
pub mod monitor;
pub mod reaper;
pub mod registry;
pub mod runtime;
