//! One embedded terminal behind our own interface: a vt100 0.18 emulator with its own
//! scrollback kept off-screen in a compact ring, a widget that renders it, and the pure key
//! encoder that turns key presses into the bytes an exec expects.

pub mod emulator;
pub mod keys;
pub mod scrollback;
pub mod shared;
pub mod style;
pub mod view;
