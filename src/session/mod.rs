//! One embedded terminal behind our own interface: alacritty's terminal with its own history
//! kept at zero, rows that scroll off kept in our compact ring of logical lines, the replies
//! and modes the program asked for, a widget that renders it, and the pure key and mouse
//! encoders that turn input into the bytes an exec expects.

pub mod bounds;
mod capture;
pub mod chars;
pub mod emulator;
mod hooks;
pub mod keys;
mod line;
pub mod modes;
pub mod mouse;
mod replies;
pub mod scrollback;
pub mod style;
pub mod terminal;
pub mod text;
pub mod view;

pub use replies::CELL_PIXELS;
