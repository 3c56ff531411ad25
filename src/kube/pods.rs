//! Pods and their containers as one row per container: namespace, pod, container, node,
//! phase, whether the container runs (and why not), restarts, image.

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::ListParams;

use super::KubeError;

/// One container of one pod.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PodContainer {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub node: String,
    pub phase: String,
    /// `running`, `waiting: REASON`, `terminated: REASON`, or `unknown`.
    pub state: String,
    pub ready: bool,
    pub restarts: i32,
    pub image: String,
}

/// The containers of the pods in `namespace` (every namespace when `None`).
pub async fn list(
    client: kube::Client,
    namespace: Option<&str>,
) -> Result<Vec<PodContainer>, KubeError> {
    let api: Api<Pod> = match namespace {
        Some(ns) => Api::namespaced(client, ns),
        None => Api::all(client),
    };
    let pods = api
        .list(&ListParams::default())
        .await
        .map_err(|e| KubeError::from_kube(e, namespace.unwrap_or(""), ""))?;
    let mut rows: Vec<PodContainer> = pods.items.iter().flat_map(rows_of).collect();
    rows.sort_by(|a, b| (&a.namespace, &a.pod).cmp(&(&b.namespace, &b.pod)));
    Ok(rows)
}

/// The rows of one pod, in the order of its spec.
pub fn rows_of(pod: &Pod) -> Vec<PodContainer> {
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let Some(spec) = &pod.spec else {
        return Vec::new();
    };
    let status = pod.status.as_ref();
    let node = spec.node_name.clone().unwrap_or_default();
    let phase = status
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Unknown".into());
    let statuses = status
        .and_then(|s| s.container_statuses.as_deref())
        .unwrap_or(&[]);
    spec.containers
        .iter()
        .map(|c| {
            let st = statuses.iter().find(|s| s.name == c.name);
            let state = st.and_then(|s| s.state.as_ref()).map_or_else(
                || "unknown".to_owned(),
                |s| {
                    if s.running.is_some() {
                        "running".to_owned()
                    } else if let Some(w) = &s.waiting {
                        format!("waiting: {}", w.reason.as_deref().unwrap_or("-"))
                    } else if let Some(t) = &s.terminated {
                        format!("terminated: {}", t.reason.as_deref().unwrap_or("-"))
                    } else {
                        "unknown".to_owned()
                    }
                },
            );
            PodContainer {
                namespace: namespace.clone(),
                pod: name.clone(),
                container: c.name.clone(),
                node: node.clone(),
                phase: phase.clone(),
                state,
                ready: st.is_some_and(|s| s.ready),
                restarts: st.map_or(0, |s| s.restart_count),
                image: c.image.clone().unwrap_or_default(),
            }
        })
        .collect()
}

/// The annotation that names the container `kubectl exec` picks without `-c`.
const DEFAULT_CONTAINER: &str = "kubectl.kubernetes.io/default-container";

/// The container `kubectl exec` picks without `-c`: the one the pod's default-container
/// annotation names, else its first.
fn default_container<'a>(pod: &Pod, rows: &'a [PodContainer]) -> Option<&'a PodContainer> {
    pod.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(DEFAULT_CONTAINER))
        .and_then(|name| rows.iter().find(|r| &r.container == name))
        .or_else(|| rows.first())
}

/// Whether `container` of `pod` runs, from the pod's status: `Err` says why not.
pub async fn check_running(
    client: kube::Client,
    namespace: &str,
    pod: &str,
    container: Option<&str>,
) -> Result<String, KubeError> {
    let api: Api<Pod> = Api::namespaced(client, namespace);
    let p = api
        .get(pod)
        .await
        .map_err(|e| KubeError::from_kube(e, namespace, pod))?;
    let rows = rows_of(&p);
    let row = match container {
        Some(c) => rows.iter().find(|r| r.container == c).ok_or_else(|| {
            let names: Vec<&str> = rows.iter().map(|r| r.container.as_str()).collect();
            KubeError::Refused(format!(
                "container {c} is not in pod {pod} (its containers: {})",
                names.join(", ")
            ))
        })?,
        // As kubectl picks it: the pod's default-container annotation, else its first.
        None => default_container(&p, &rows)
            .ok_or_else(|| KubeError::Refused(format!("pod {pod} has no containers")))?,
    };
    if row.state != "running" {
        return Err(KubeError::Refused(format!(
            "container {} of pod {pod} is not running ({}, pod {})",
            row.container, row.state, row.phase
        )));
    }
    Ok(row.container.clone())
}

/// The cluster's namespaces, by name.
pub async fn namespaces(client: kube::Client) -> Result<Vec<crate::domain::Namespace>, KubeError> {
    use k8s_openapi::api::core::v1::Namespace;
    let api: Api<Namespace> = Api::all(client);
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| KubeError::from_kube(e, "", ""))?;
    let mut names: Vec<crate::domain::Namespace> = list
        .items
        .into_iter()
        .filter_map(|n| n.metadata.name)
        .map(crate::domain::Namespace::from)
        .collect();
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(annotation: Option<&str>) -> Pod {
        let mut v = serde_json::json!({
            "metadata": {"name": "p", "namespace": "default"},
            "spec": {"containers": [{"name": "app"}, {"name": "side"}]},
        });
        if let Some(a) = annotation {
            v["metadata"]["annotations"] = serde_json::json!({ DEFAULT_CONTAINER: a });
        }
        serde_json::from_value(v).expect("pod")
    }

    #[test]
    fn without_c_the_annotated_container_is_picked_else_the_first() {
        for (annotation, want) in [
            (None, "app"),
            (Some("side"), "side"),
            // An annotation naming no container of the pod is ignored, as kubectl does.
            (Some("gone"), "app"),
        ] {
            let p = pod(annotation);
            let rows = rows_of(&p);
            let got = default_container(&p, &rows).map(|r| r.container.as_str());
            assert_eq!(got, Some(want), "annotation {annotation:?}");
        }
    }
}
