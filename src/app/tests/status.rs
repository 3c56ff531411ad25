//! The status line's message: it expires on the second's tick, a new one starts its time
//! again, a quit in progress keeps its count.

use std::cell::Cell;
use std::time::{Duration, SystemTime};

use super::{app, fixed_clock};
use crate::app::App;
use crate::app::msg::Msg;

thread_local! {
    /// Seconds past the fixed clock; each test runs on its own thread.
    static OFFSET: Cell<u64> = const { Cell::new(0) };
}

fn clock() -> SystemTime {
    fixed_clock() + Duration::from_secs(OFFSET.with(Cell::get))
}

fn tick_after(app: &mut App, secs: u64) {
    OFFSET.with(|o| o.set(o.get() + secs));
    app.update(Msg::Tick);
}

#[test]
fn a_message_expires_on_the_tick_after_its_time() {
    let mut a = app();
    a.clock = clock;
    a.update(Msg::Error("transcript saved to /tmp/x".into()));
    tick_after(&mut a, 5);
    assert_eq!(a.status.as_deref(), Some("transcript saved to /tmp/x"));
    // Another message starts its own time.
    a.update(Msg::Error("second".into()));
    tick_after(&mut a, 5);
    assert_eq!(a.status.as_deref(), Some("second"));
    tick_after(&mut a, 3);
    assert_eq!(a.status, None, "8 s after it came");
    // Messages other than ticks never take it away.
    a.update(Msg::Error("third".into()));
    OFFSET.with(|o| o.set(o.get() + 60));
    a.update(Msg::Resize(120, 40));
    assert_eq!(a.status.as_deref(), Some("third"));
    tick_after(&mut a, 0);
    assert_eq!(a.status, None);
}
