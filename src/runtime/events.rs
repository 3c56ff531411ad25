//! containerd's event stream: subscribe (all namespaces or one), decode every task and
//! container topic into domain events, and resubscribe with backoff when the stream ends.

use std::time::Duration;

use containerd_client::events as ev;
use containerd_client::services::v1::{SubscribeRequest, events_client::EventsClient};
use prost::Message;
use tokio::sync::mpsc;
use tokio_stream::StreamExt;

use super::{Runtime, time_of, type_name};
use crate::domain::{
    ContainerId, ContainerKey, ExecId, ExecKey, ExitInfo, Namespace, RuntimeEvent,
};

/// How long a subscription must stand without failing before it counts as registered.
const SETTLE: Duration = Duration::from_millis(300);

pub use crate::domain::FeedItem;

/// Filters for one namespace, or None for all.
fn filters(ns: Option<&Namespace>) -> Vec<String> {
    ["|^/tasks/|", "|^/containers/|"]
        .iter()
        .map(|t| match ns {
            Some(ns) => format!("namespace=={ns},topic~={t}"),
            None => format!("topic~={t}"),
        })
        .collect()
}

/// Decodes one envelope's payload. Unknown topics give None.
pub fn decode(ns: &str, type_url: &str, value: &[u8]) -> Option<RuntimeEvent> {
    let namespace = Namespace::from(ns);
    let ck = |id: String| ContainerKey {
        namespace: namespace.clone(),
        container: ContainerId::from(id),
    };
    let ek = |c: String, e: String| ExecKey {
        namespace: namespace.clone(),
        container: ContainerId::from(c),
        exec: ExecId::from(e),
    };
    let exit = |code, at: Option<&prost_types::Timestamp>| ExitInfo {
        code,
        at: time_of(at),
    };
    Some(match type_name(type_url) {
        "containerd.events.TaskCreate" => {
            let m = ev::TaskCreate::decode(value).ok()?;
            RuntimeEvent::TaskCreate {
                container: ck(m.container_id),
                pid: m.pid,
            }
        }
        "containerd.events.TaskStart" => {
            let m = ev::TaskStart::decode(value).ok()?;
            RuntimeEvent::TaskStart {
                container: ck(m.container_id),
                pid: m.pid,
            }
        }
        "containerd.events.TaskExit" => {
            let m = ev::TaskExit::decode(value).ok()?;
            RuntimeEvent::TaskExit {
                container: ck(m.container_id),
                id: m.id,
                pid: m.pid,
                exit: exit(m.exit_status, m.exited_at.as_ref()),
            }
        }
        "containerd.events.TaskDelete" => {
            let m = ev::TaskDelete::decode(value).ok()?;
            RuntimeEvent::TaskDelete {
                container: ck(m.container_id),
                id: m.id,
                pid: m.pid,
                exit: exit(m.exit_status, m.exited_at.as_ref()),
            }
        }
        "containerd.events.TaskPaused" => RuntimeEvent::TaskPaused {
            container: ck(ev::TaskPaused::decode(value).ok()?.container_id),
        },
        "containerd.events.TaskResumed" => RuntimeEvent::TaskResumed {
            container: ck(ev::TaskResumed::decode(value).ok()?.container_id),
        },
        "containerd.events.TaskOOM" => RuntimeEvent::TaskOom {
            container: ck(ev::TaskOom::decode(value).ok()?.container_id),
        },
        "containerd.events.TaskExecAdded" => {
            let m = ev::TaskExecAdded::decode(value).ok()?;
            RuntimeEvent::ExecAdded {
                exec: ek(m.container_id, m.exec_id),
            }
        }
        "containerd.events.TaskExecStarted" => {
            let m = ev::TaskExecStarted::decode(value).ok()?;
            RuntimeEvent::ExecStarted {
                exec: ek(m.container_id, m.exec_id),
                pid: m.pid,
            }
        }
        "containerd.events.ContainerCreate" => {
            let m = ev::ContainerCreate::decode(value).ok()?;
            RuntimeEvent::ContainerCreate {
                container: ck(m.id),
                image: m.image,
            }
        }
        "containerd.events.ContainerUpdate" => {
            let m = ev::ContainerUpdate::decode(value).ok()?;
            RuntimeEvent::ContainerUpdate {
                container: ck(m.id),
                image: m.image,
            }
        }
        "containerd.events.ContainerDelete" => RuntimeEvent::ContainerDelete {
            container: ck(ev::ContainerDelete::decode(value).ok()?.id),
        },
        _ => return None,
    })
}

impl Runtime {
    /// Follows the event stream until `tx` is closed, resubscribing with backoff (100 ms
    /// doubling to 5 s) whenever it ends. Run it on its own task.
    pub async fn follow_events(self, ns: Option<Namespace>, tx: mpsc::Sender<FeedItem>) {
        let mut backoff = Duration::from_millis(100);
        loop {
            let req = SubscribeRequest {
                filters: filters(ns.as_ref()),
            };
            let mut client = EventsClient::new(self.channel());
            let call = client.subscribe(req);
            tokio::pin!(call);
            // containerd sends the stream's headers with its first event; a subscription
            // that has not failed within SETTLE is taken as registered.
            let mut told = false;
            let answer = tokio::select! {
                r = &mut call => r,
                () = tokio::time::sleep(SETTLE) => {
                    told = true;
                    if tx.send(FeedItem::Subscribed).await.is_err() {
                        return;
                    }
                    call.await
                }
            };
            let lost = match answer {
                Err(s) => format!("subscribe: {}", s.message()),
                Ok(resp) => {
                    backoff = Duration::from_millis(100);
                    if !told && tx.send(FeedItem::Subscribed).await.is_err() {
                        return;
                    }
                    let mut stream = resp.into_inner();
                    loop {
                        match stream.next().await {
                            None => break String::from("event stream ended"),
                            Some(Err(s)) => break format!("event stream: {}", s.message()),
                            Some(Ok(env)) => {
                                let Some(any) = env.event else { continue };
                                let Some(event) = decode(&env.namespace, &any.type_url, &any.value)
                                else {
                                    tracing::debug!(topic = env.topic, "event not decoded");
                                    continue;
                                };
                                let at = time_of(env.timestamp.as_ref());
                                if tx.send(FeedItem::Event { at, event }).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                }
            };
            tracing::warn!(%lost, "containerd events lost; resubscribing");
            if tx.send(FeedItem::Lost(lost)).await.is_err() {
                return;
            }
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                () = tx.closed() => return,
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_slashless_type_urls() {
        let m = ev::TaskExit {
            container_id: "c".into(),
            id: "e1".into(),
            pid: 42,
            exit_status: 3,
            exited_at: Some(prost_types::Timestamp {
                seconds: 1_700_000_000,
                nanos: 0,
            }),
        };
        let got = decode("ns", "containerd.events.TaskExit", &m.encode_to_vec());
        let Some(RuntimeEvent::TaskExit {
            container,
            id,
            pid,
            exit,
        }) = got
        else {
            panic!("not decoded: {got:?}");
        };
        assert_eq!(
            (container.container.as_str(), id.as_str(), pid, exit.code),
            ("c", "e1", 42, 3)
        );
        assert!(exit.at.is_some());
        let with_slash = decode(
            "ns",
            "types.example/containerd.events.TaskExecAdded",
            &ev::TaskExecAdded {
                container_id: "c".into(),
                exec_id: "x".into(),
            }
            .encode_to_vec(),
        );
        assert!(matches!(with_slash, Some(RuntimeEvent::ExecAdded { .. })));
        assert_eq!(decode("ns", "containerd.events.Nope", &[]), None);
    }

    #[test]
    fn go_zero_time_is_none() {
        let m = ev::TaskExit {
            exited_at: Some(prost_types::Timestamp {
                seconds: -62_135_596_800,
                nanos: 0,
            }),
            ..Default::default()
        };
        let got = decode("ns", "containerd.events.TaskExit", &m.encode_to_vec());
        assert!(matches!(
            got,
            Some(RuntimeEvent::TaskExit {
                exit: ExitInfo { at: None, .. },
                ..
            })
        ));
    }

    #[test]
    fn filters_per_namespace() {
        assert_eq!(
            filters(None),
            vec!["topic~=|^/tasks/|", "topic~=|^/containers/|"]
        );
        assert_eq!(
            filters(Some(&"k8s.io".into()))[0],
            "namespace==k8s.io,topic~=|^/tasks/|"
        );
    }
}
