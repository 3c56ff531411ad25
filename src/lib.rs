//! execmux: a terminal exec console for containerd.

pub mod domain;
pub mod registry;
pub mod runtime;
pub mod launcher;
