//! The status line's message expires: one that stays the same for [`STATUS_TTL`] is taken
//! away on the next tick (the second's timer), so an old result does not linger. Errors stay
//! in the events pane; a quit in progress keeps its count.

use std::time::{Duration, SystemTime};

use super::App;

/// How long a status message stays.
pub const STATUS_TTL: Duration = Duration::from_secs(8);

/// The message on the status line, and since when.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    text: Option<String>,
    since: Option<SystemTime>,
}

impl App {
    /// After each message: a new status starts its time; on a tick, an old one goes.
    pub(super) fn age_status(&mut self, tick: bool) {
        let now = (self.clock)();
        if self.status != self.status_shown.text {
            self.status_shown = Shown {
                text: self.status.clone(),
                since: Some(now),
            };
            return;
        }
        let old = self
            .status_shown
            .since
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age >= STATUS_TTL);
        if tick && old && self.status.is_some() && !self.quitting {
            self.status = None;
            self.status_shown = Shown::default();
        }
    }
}
