//! The console's view of a cluster: the pods of its scope, kept from a watch (never a poll)
//! as one row per container, in the shape the console lists for containerd. The watch
//! resumes by itself after an API server restart (a new list, then the watch again, with a
//! backoff); while it fails the console hears that the view is lost, and once it answers
//! again that it is back.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use futures::StreamExt as _;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::runtime::WatchStreamExt as _;
use kube::runtime::watcher::{self, Event};

use super::pods::{PodContainer, rows_of};
use crate::domain::{ContainerId, ContainerInfo, FeedItem, Namespace, TaskInfo, TaskState};

/// The rows the watch keeps, read by the console's resync.
#[derive(Debug, Clone, Default)]
pub struct PodView {
    rows: Arc<Mutex<Vec<ContainerInfo>>>,
}

impl PodView {
    /// The containers of the pods as last seen.
    pub fn containers(&self) -> Vec<ContainerInfo> {
        self.rows.lock().map(|r| r.clone()).unwrap_or_default()
    }

    fn set(&self, pods: &BTreeMap<(String, String), Pod>) {
        let mut rows: Vec<ContainerInfo> = pods
            .values()
            .flat_map(rows_of)
            .map(|c| container_info(&c))
            .collect();
        rows.sort_by(|a, b| (&a.namespace, &a.id).cmp(&(&b.namespace, &b.id)));
        if let Ok(mut r) = self.rows.lock() {
            *r = rows;
        }
    }
}

/// One pod's container as the console lists a container: its id `POD/CONTAINER`, its
/// image, a running task when the container runs (Kubernetes gives no pid: 0), and the
/// pod's node, phase, state and restarts as labels.
pub fn container_info(c: &PodContainer) -> ContainerInfo {
    let state = if c.state == "running" {
        TaskState::Running
    } else if c.state.starts_with("terminated") {
        TaskState::Stopped
    } else {
        TaskState::Created
    };
    let labels = BTreeMap::from([
        ("kubernetes/node".to_owned(), c.node.clone()),
        ("kubernetes/phase".to_owned(), c.phase.clone()),
        ("kubernetes/state".to_owned(), c.state.clone()),
        ("kubernetes/restarts".to_owned(), c.restarts.to_string()),
    ]);
    ContainerInfo {
        namespace: Namespace::from(c.namespace.clone()),
        id: ContainerId::from(format!("{}/{}", c.pod, c.container)),
        image: c.image.clone(),
        runtime: "kubernetes".into(),
        labels,
        created_at: None,
        task: Some(TaskInfo { state, pid: 0 }),
    }
}

/// Watches the pods of `namespace` (all when `None`) into `view`, telling `feed` when the
/// view changed (`Changed`), when the watch failed (`Lost`) and when it answers again
/// (`Subscribed`). Runs until `feed` is closed.
pub async fn follow(
    client: kube::Client,
    namespace: Option<String>,
    view: PodView,
    feed: tokio::sync::mpsc::UnboundedSender<FeedItem>,
) {
    let api: Api<Pod> = match &namespace {
        Some(ns) => Api::namespaced(client, ns),
        None => Api::all(client),
    };
    let mut stream = watcher::watcher(api, watcher::Config::default())
        .default_backoff()
        .boxed();
    let mut pods: BTreeMap<(String, String), Pod> = BTreeMap::new();
    let mut fresh: BTreeMap<(String, String), Pod> = BTreeMap::new();
    let mut lost = false;
    let key = |p: &Pod| {
        (
            p.metadata.namespace.clone().unwrap_or_default(),
            p.metadata.name.clone().unwrap_or_default(),
        )
    };
    while let Some(ev) = stream.next().await {
        let changed = match ev {
            Err(e) => {
                if !lost {
                    lost = true;
                    if feed.send(FeedItem::Lost(e.to_string())).is_err() {
                        return;
                    }
                }
                continue;
            }
            Ok(Event::Init) => {
                fresh.clear();
                false
            }
            Ok(Event::InitApply(p)) => {
                fresh.insert(key(&p), p);
                false
            }
            Ok(Event::InitDone) => {
                pods = std::mem::take(&mut fresh);
                true
            }
            Ok(Event::Apply(p)) => {
                pods.insert(key(&p), p);
                true
            }
            Ok(Event::Delete(p)) => {
                pods.remove(&key(&p));
                true
            }
        };
        if lost {
            lost = false;
            if feed.send(FeedItem::Subscribed).is_err() {
                return;
            }
        }
        if changed {
            view.set(&pods);
            if feed.send(FeedItem::Changed).is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pods_container_is_listed_as_pod_slash_container_with_its_state() {
        let c = PodContainer {
            namespace: "default".into(),
            pod: "web".into(),
            container: "nginx".into(),
            node: "n1".into(),
            phase: "Running".into(),
            state: "running".into(),
            ready: true,
            restarts: 2,
            image: "nginx:1".into(),
        };
        let info = container_info(&c);
        assert_eq!(info.id.as_str(), "web/nginx");
        assert_eq!(info.task.map(|t| t.state), Some(TaskState::Running));
        assert_eq!(info.labels["kubernetes/restarts"], "2");
        let waiting = container_info(&PodContainer {
            state: "waiting: ContainerCreating".into(),
            ..c.clone()
        });
        assert_eq!(waiting.task.map(|t| t.state), Some(TaskState::Created));
        let ended = container_info(&PodContainer {
            state: "terminated: Completed".into(),
            ..c
        });
        assert_eq!(ended.task.map(|t| t.state), Some(TaskState::Stopped));
    }
}
