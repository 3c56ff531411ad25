//! What can go wrong talking to a cluster, sorted so that a user can act on it: a pod or
//! container that is not there, RBAC's refusal (naming the verb and the resource), an API
//! server that does not answer, and the rest with the server's own message.

use kube::core::Status;

#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    /// No usable kubeconfig or context.
    #[error("kubeconfig: {0}")]
    Config(String),
    /// The pod is not in the namespace.
    #[error("pod {pod} not found in namespace {namespace}")]
    PodNotFound { namespace: String, pod: String },
    /// The API server refused the request as not allowed (RBAC).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The request was refused as invalid (a container not in the pod, one not running).
    #[error("{0}")]
    Refused(String),
    /// The API server could not be reached or the connection broke.
    #[error("Kubernetes API server unreachable: {0}")]
    Unreachable(String),
    /// The credentials were not accepted (expired, revoked).
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// Any other answer of the API server.
    #[error("{0}")]
    Api(String),
    /// The exec ended with input it did not read, and the server holds its status until
    /// that input is taken (containerd's CRI waits for the copy of stdin).
    #[error(
        "the exec ended before it read all of its input ({0} bytes sent); its exit code is not \
         known: the cluster reports it only once all input was taken"
    )]
    InputLeft(u64),
    /// The exec's stream ended without a status.
    #[error("the exec's stream ended without its exit status{0}")]
    NoStatus(String),
}

impl KubeError {
    /// Sorts an error of a request about `pod` in `namespace`.
    pub fn from_kube(e: kube::Error, namespace: &str, pod: &str) -> Self {
        match e {
            kube::Error::Api(s) => Self::from_status(&s, namespace, pod),
            kube::Error::HyperError(e) => Self::Unreachable(e.to_string()),
            kube::Error::Service(e) => Self::Unreachable(e.to_string()),
            kube::Error::UpgradeConnection(e) => Self::Unreachable(e.to_string()),
            kube::Error::Auth(e) => Self::Unauthorized(e.to_string()),
            kube::Error::InferKubeconfig(e) => Self::Config(e.to_string()),
            kube::Error::InferConfig(e) => Self::Config(e.to_string()),
            other => Self::Api(other.to_string()),
        }
    }

    fn from_status(s: &Status, namespace: &str, pod: &str) -> Self {
        let message = if s.message.is_empty() {
            s.reason.clone()
        } else {
            s.message.clone()
        };
        match s.code {
            404 if !pod.is_empty() && message.contains("not found") && message.contains("pod") => {
                Self::PodNotFound {
                    namespace: namespace.to_owned(),
                    pod: pod.to_owned(),
                }
            }
            401 => Self::Unauthorized(message),
            403 => Self::Forbidden(message),
            400 | 404 | 422 => Self::Refused(message),
            _ => Self::Api(message),
        }
    }

    /// Whether the API server did not answer (worth a retry).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Unreachable(_))
    }
}
