//! The Kubernetes backend: execs over the API server's `pods/exec` (websocket), pods and
//! their containers from the API. See `exec` for one exec and `kill` for how an exec is
//! ended where Kubernetes has no call for it.

pub mod config;
mod error;
pub mod exec;
pub mod kill;
pub mod marker;
pub mod pods;
pub mod short;
pub mod status;
pub mod stream;
pub mod watch;

pub use config::{Cluster, connect};
pub use error::KubeError;
pub use exec::{KubeExec, KubePlan};
