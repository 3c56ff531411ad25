//! A client for the cluster as `kubectl` would pick it: `--kubeconfig`, else `KUBECONFIG`
//! (a list of files, merged), else `~/.kube/config`; the current context or `--context`;
//! the context's namespace unless `-n` names one. Exec credential plugins run as the
//! kubeconfig says (the `kube` crate runs them).

use std::path::Path;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use super::KubeError;

/// A connected client and the namespace it works in.
#[derive(Clone)]
pub struct Cluster {
    pub client: Client,
    /// The namespace of `-n`, else the context's, else `default`.
    pub namespace: String,
    /// The context's name, for what the user is told.
    pub context: String,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("namespace", &self.namespace)
            .field("context", &self.context)
            .finish_non_exhaustive()
    }
}

/// Loads the kubeconfig and makes a client; nothing is sent to the cluster yet.
pub async fn connect(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
    namespace: Option<&str>,
) -> Result<Cluster, KubeError> {
    let options = KubeConfigOptions {
        context: context.map(str::to_owned),
        ..KubeConfigOptions::default()
    };
    let file = match kubeconfig {
        Some(p) => Kubeconfig::read_from(p),
        None => match Kubeconfig::from_env() {
            Ok(Some(k)) => Ok(k),
            Ok(None) => Kubeconfig::read(),
            Err(e) => Err(e),
        },
    }
    .map_err(|e| KubeError::Config(e.to_string()))?;
    let name = context
        .map(str::to_owned)
        .or_else(|| file.current_context.clone())
        .unwrap_or_default();
    let config = Config::from_custom_kubeconfig(file, &options)
        .await
        .map_err(|e| KubeError::Config(e.to_string()))?;
    let namespace = match namespace {
        Some(n) => n.to_owned(),
        None => config.default_namespace.clone(),
    };
    let client = Client::try_from(config).map_err(|e| KubeError::Config(e.to_string()))?;
    Ok(Cluster {
        client,
        namespace,
        context: name,
    })
}
