//! What containerd and `/proc` tell about an exec this registry did not create: its
//! command, whether it has a terminal, when its process started, and whether an execmux
//! made it (our id prefix and an owner record in the runtime dir).

use std::time::SystemTime;

use super::{ExecState, Origin, Registry};
use crate::domain::ExecKey;

/// Facts about one running exec, read by the monitor (I/O) and applied here (pure).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The host command line (empty when unreadable).
    pub command: Vec<String>,
    /// Whether its process has a terminal, when `Tasks.Get` answered.
    pub tty: Option<bool>,
    /// When its process started, from `/proc` (None when it cannot be read from here).
    pub started_at: Option<SystemTime>,
    /// Another execmux made it: our prefix, a FIFO directory of ours, its owner record.
    pub execmux: bool,
}

impl Facts {
    /// Only a command line (what an event carries before anything else is read).
    pub fn command(command: Vec<String>) -> Self {
        Self {
            command,
            ..Self::default()
        }
    }
}

impl Registry {
    /// Fills in what the facts say about an exec of another client or another execmux.
    /// A record this registry created keeps what it knows; for the others the process's
    /// own start time replaces the moment it was first seen, and tty and origin are set.
    pub fn describe_with(&mut self, key: &ExecKey, facts: &Facts) {
        let Some(rec) = self.execs.get_mut(key) else {
            return;
        };
        if rec.command.is_empty() {
            rec.command.clone_from(&facts.command);
        }
        if rec.origin == Origin::Own {
            return;
        }
        if let Some(tty) = facts.tty {
            rec.tty = tty;
        }
        if facts.execmux {
            rec.origin = Origin::Execmux;
        }
        if let Some(t) = facts.started_at
            && rec.state == ExecState::Running
        {
            rec.started_at = Some(t);
            // It cannot have been created after it started.
            if rec.created_at.is_none_or(|c| c > t) {
                rec.created_at = Some(t);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn key(e: &str) -> ExecKey {
        ExecKey {
            namespace: "ns".into(),
            container: "c".into(),
            exec: e.into(),
        }
    }

    #[test]
    fn a_foreign_exec_takes_its_process_start_tty_and_origin() {
        let mut r = Registry::new(10);
        let seen = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let began = SystemTime::UNIX_EPOCH + Duration::from_secs(900);
        r.observe(&key("execmux-1"), Some(7), seen);
        r.describe_with(
            &key("execmux-1"),
            &Facts {
                command: vec!["/bin/sh".into()],
                tty: Some(true),
                started_at: Some(began),
                execmux: true,
            },
        );
        let rec = r.get(&key("execmux-1")).expect("record");
        assert_eq!(
            (rec.origin, rec.tty, rec.started_at, rec.created_at),
            (Origin::Execmux, true, Some(began), Some(began))
        );
        assert_eq!(rec.command, ["/bin/sh"]);
        // Without a proof it stays foreign; without a readable start, the moment seen.
        r.observe(&key("other"), Some(8), seen);
        r.describe_with(&key("other"), &Facts::command(vec!["sleep".into()]));
        let rec = r.get(&key("other")).expect("record");
        assert_eq!(
            (rec.origin, rec.tty, rec.started_at),
            (Origin::Foreign, false, Some(seen))
        );
    }
}
