//! Two-phase garbage collection, as Docker's daemon does it every 5 minutes: an exec marked
//! can-remove is collected; any other exec no container lists as live is marked, so an exit
//! code stays visible for at least one interval.

use std::time::SystemTime;

use super::{ExecState, LifecycleKind, Registry, container_of};

/// What one sweep did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sweep {
    pub collected: usize,
    pub marked: usize,
}

impl Registry {
    /// Runs one sweep; logs each collected exec and, when anything changed, the sweep.
    pub fn gc_sweep(&mut self, now: SystemTime) -> Sweep {
        let doomed: Vec<_> = self
            .execs
            .iter()
            .filter(|(_, r)| r.can_remove)
            .map(|(k, _)| k.clone())
            .collect();
        for key in &doomed {
            if let Some(mut rec) = self.execs.remove(key) {
                rec.state = ExecState::Collected;
                self.history.push_back(rec);
                if self.history.len() > self.history_cap {
                    self.history.pop_front();
                }
                self.emit(Some(key.clone()), now, LifecycleKind::Collected);
            }
        }
        let mut marked = 0;
        for (key, rec) in &mut self.execs {
            let listed = self
                .live
                .get(&container_of(key))
                .is_some_and(|s| s.contains(&key.exec));
            if !listed {
                rec.can_remove = true;
                marked += 1;
            }
        }
        let sweep = Sweep {
            collected: doomed.len(),
            marked,
        };
        if sweep != Sweep::default() {
            self.emit(
                None,
                now,
                LifecycleKind::Sweep {
                    collected: sweep.collected,
                    marked,
                },
            );
        }
        sweep
    }
}
