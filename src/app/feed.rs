//! containerd's side: the event feed, resyncs and their snapshots.

use super::msg::Effect;
use super::{App, Connection};
use crate::domain::{FeedItem, RuntimeEvent};
use crate::registry::sync;

impl App {
    pub(super) fn on_feed(&mut self, item: FeedItem) -> Vec<Effect> {
        match item {
            FeedItem::Subscribed => {
                self.connection = Connection::Connected;
                let mut effects: Vec<Effect> = self.resync().into_iter().collect();
                effects.push(Effect::ListNamespaces);
                effects
            }
            FeedItem::Lost(why) => {
                self.connection = Connection::Reconnecting(why.clone());
                self.log(format!("events lost: {why}; reconnecting"), true);
                Vec::new()
            }
            FeedItem::Changed => {
                self.connection = Connection::Connected;
                self.resync().into_iter().collect()
            }
            FeedItem::Event { event, .. } => {
                let c = event.container();
                if self.scope.namespace().is_some_and(|ns| *ns != c.namespace) {
                    self.out_of_scope(&event);
                    return Vec::new();
                }
                sync::apply(&mut self.registry, &event, (self.clock)());
                if let Some(line) = describe(&event) {
                    self.log(line, false);
                }
                // Keep the container list's task column live without a full resync.
                let task = self.registry.container_task(&c);
                let mut effects = Vec::new();
                let info = self.containers.iter_mut().find(|x| x.key() == c);
                if let (Some(Some(state)), Some(t)) = (task, info.and_then(|i| i.task.as_mut())) {
                    t.state = state;
                    if let RuntimeEvent::TaskStart { pid, .. } = event {
                        t.pid = pid;
                    }
                } else {
                    // A container or task appeared or went away: read the list again.
                    effects.extend(self.resync());
                }
                self.clamp_selection();
                effects
            }
        }
    }

    /// An event of a namespace out of view: only the end of an exec the registry holds
    /// (a tab opened before the scope changed) is kept; nothing is shown or read again.
    fn out_of_scope(&mut self, event: &RuntimeEvent) {
        if let RuntimeEvent::TaskExit { container, id, .. } = event {
            let key = crate::domain::ExecKey {
                namespace: container.namespace.clone(),
                container: container.container.clone(),
                exec: id.as_str().into(),
            };
            if self.registry.get(&key).is_some() {
                sync::apply(&mut self.registry, event, (self.clock)());
            }
        }
    }
}

/// A runtime event as a line of the events pane; None for an exec's create and start,
/// whose line is the registry's (`exec_create`, `exec_start`): one line per step.
fn describe(e: &RuntimeEvent) -> Option<String> {
    let c = e.container();
    let who = format!("{}/{}", c.namespace, c.container);
    Some(match e {
        RuntimeEvent::TaskCreate { pid, .. } => format!("task create {who} pid {pid}"),
        RuntimeEvent::TaskStart { pid, .. } => format!("task start {who} pid {pid}"),
        RuntimeEvent::TaskExit { id, exit, .. } if id.is_empty() || *id == c.container.as_str() => {
            format!("task exit {who} {}", exit.code)
        }
        RuntimeEvent::TaskExit { id, exit, .. } => format!("exec exit {who} {id} {}", exit.code),
        RuntimeEvent::TaskDelete { .. } => format!("task delete {who}"),
        RuntimeEvent::TaskPaused { .. } => format!("task paused {who}"),
        RuntimeEvent::TaskResumed { .. } => format!("task resumed {who}"),
        RuntimeEvent::TaskOom { .. } => format!("task oom {who}"),
        RuntimeEvent::ExecAdded { .. } | RuntimeEvent::ExecStarted { .. } => return None,
        RuntimeEvent::ContainerCreate { image, .. } => format!("container create {who} {image}"),
        RuntimeEvent::ContainerUpdate { .. } => format!("container update {who}"),
        RuntimeEvent::ContainerDelete { .. } => format!("container delete {who}"),
    })
}
