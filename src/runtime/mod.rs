//! The typed containerd client: connect, namespaces, containers, tasks, pids. This module
//! tree is the only code that speaks gRPC; tonic and prost types never leave it.

pub mod adopt;
pub mod containers;
pub mod deadline;
pub mod error;
pub mod events;
pub mod exec;
pub mod fifo_base;
pub mod owner;
pub mod proof;
pub mod spec;
pub mod stdio;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use containerd_client::services::v1::{
    GetContainerRequest, GetRequest, ListContainersRequest, ListNamespacesRequest, ListPidsRequest,
    ListTasksRequest, containers_client::ContainersClient, namespaces_client::NamespacesClient,
    tasks_client::TasksClient,
};
use containerd_client::types::v1::Status;
use tonic::transport::Channel;

use crate::domain::{
    ContainerId, ContainerInfo, ExecId, ExecKey, ExitInfo, Namespace, ProcessEntry, ProcessStatus,
    TaskInfo, TaskState,
};
pub use deadline::Deadlines;
pub use error::{Code, ConnectError, Result, RuntimeError};

/// Default socket of the system containerd.
pub const DEFAULT_ADDRESS: &str = "/run/containerd/containerd.sock";
/// Largest message we decode: the Go client's limit (tonic's default is 4 MiB).
const MAX_DECODE: usize = 16 << 20;

/// runc's `ProcessDetails`, carried in `ListPids` for an exec's top process. containerd-client
/// does not compile `runc/options/oci.proto`, so it is declared here.
#[derive(Clone, PartialEq, prost::Message)]
struct ProcessDetails {
    #[prost(string, tag = "1")]
    exec_id: String,
}

/// A connection to one containerd. It outlives a daemon restart: tonic's channel redials
/// the socket on the first call after its connection broke (tested with SIGTERM and SIGKILL
/// restarts), so calls fail only while the daemon is away.
#[derive(Clone)]
pub struct Runtime {
    channel: Channel,
    address: PathBuf,
    deadlines: Deadlines,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("address", &self.address)
            .field("deadlines", &self.deadlines)
            .finish_non_exhaustive()
    }
}

/// Checks that `path` is a socket we may connect to, naming the exact reason when not.
fn probe_socket(path: &Path) -> Result<(), ConnectError> {
    use std::os::unix::fs::FileTypeExt;
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ConnectError::Missing(path.to_owned()),
        std::io::ErrorKind::PermissionDenied => ConnectError::PermissionDenied(path.to_owned()),
        _ => ConnectError::Other {
            path: path.to_owned(),
            source: e,
        },
    })?;
    if !meta.file_type().is_socket() {
        return Err(ConnectError::NotASocket(path.to_owned()));
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Ok(()),
        Err(e) => Err(match e.kind() {
            std::io::ErrorKind::NotFound => ConnectError::Missing(path.to_owned()),
            std::io::ErrorKind::ConnectionRefused => ConnectError::Refused(path.to_owned()),
            std::io::ErrorKind::PermissionDenied => ConnectError::PermissionDenied(path.to_owned()),
            _ => ConnectError::Other {
                path: path.to_owned(),
                source: e,
            },
        }),
    }
}

/// Adds the namespace header to a request; an invalid namespace is an error, not a panic.
pub(crate) fn request<T>(ns: &Namespace, msg: T) -> Result<tonic::Request<T>> {
    let mut req = tonic::Request::new(msg);
    let value = ns
        .as_str()
        .parse()
        .map_err(|_| RuntimeError::Invalid(format!("invalid namespace name {:?}", ns.as_str())))?;
    req.metadata_mut().insert("containerd-namespace", value);
    Ok(req)
}

/// A protobuf time, or None for Go's zero time (containerd's "not yet").
pub(crate) fn time_of(ts: Option<&prost_types::Timestamp>) -> Option<SystemTime> {
    let ts = ts?;
    if ts.seconds <= 0 {
        return None;
    }
    let secs = u64::try_from(ts.seconds).ok()?;
    let nanos = u32::try_from(ts.nanos).unwrap_or(0);
    SystemTime::UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
}

pub(crate) fn task_state(status: i32) -> TaskState {
    match Status::try_from(status) {
        Ok(Status::Created) => TaskState::Created,
        Ok(Status::Running) => TaskState::Running,
        Ok(Status::Stopped) => TaskState::Stopped,
        Ok(Status::Paused) => TaskState::Paused,
        Ok(Status::Pausing) => TaskState::Pausing,
        _ => TaskState::Unknown,
    }
}

/// The part of a type URL after its last `/`; containerd 1.6 sends URLs without a slash.
pub(crate) fn type_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

impl Runtime {
    /// Connects to the containerd socket at `address` with the default deadlines.
    pub async fn connect(address: impl AsRef<Path>) -> Result<Self> {
        Self::connect_with(address, Deadlines::default()).await
    }

    /// Connects with the given bounds on every unary call.
    pub async fn connect_with(address: impl AsRef<Path>, deadlines: Deadlines) -> Result<Self> {
        let address = address.as_ref().to_owned();
        let channel = deadline::within("connect", deadlines.connect, async {
            let probe = address.clone();
            tokio::task::spawn_blocking(move || probe_socket(&probe))
                .await
                .map_err(|e| RuntimeError::io("connect", std::io::Error::other(e)))??;
            containerd_client::connect(&address).await.map_err(|e| {
                RuntimeError::Connect(ConnectError::Other {
                    path: address.clone(),
                    source: std::io::Error::other(e.to_string()),
                })
            })
        })
        .await?;
        Ok(Self {
            channel,
            address,
            deadlines,
        })
    }

    /// The same connection with other bounds.
    #[must_use]
    pub fn with_deadlines(mut self, deadlines: Deadlines) -> Self {
        self.deadlines = deadlines;
        self
    }

    pub fn deadlines(&self) -> Deadlines {
        self.deadlines
    }

    pub fn address(&self) -> &Path {
        &self.address
    }

    pub(crate) fn tasks(&self) -> TasksClient<Channel> {
        TasksClient::new(self.channel.clone()).max_decoding_message_size(MAX_DECODE)
    }

    pub(crate) fn containers_client(&self) -> ContainersClient<Channel> {
        ContainersClient::new(self.channel.clone()).max_decoding_message_size(MAX_DECODE)
    }

    pub(crate) fn channel(&self) -> Channel {
        self.channel.clone()
    }

    /// Every namespace, sorted.
    pub async fn namespaces(&self) -> Result<Vec<Namespace>> {
        let mut client =
            NamespacesClient::new(self.channel.clone()).max_decoding_message_size(MAX_DECODE);
        let resp = deadline::call(
            "list namespaces",
            self.deadlines.call,
            client.list(ListNamespacesRequest {
                filter: String::new(),
            }),
        )
        .await?;
        let mut names: Vec<Namespace> = resp
            .namespaces
            .into_iter()
            .map(|n| Namespace::from(n.name))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Containers of a namespace with their tasks, sorted by id.
    pub async fn containers(&self, ns: &Namespace) -> Result<Vec<ContainerInfo>> {
        let mut containers = self.containers_client();
        let resp = deadline::call(
            "list containers",
            self.deadlines.call,
            containers.list(request(ns, ListContainersRequest { filters: vec![] })?),
        )
        .await?;
        let mut tasks_client = self.tasks();
        let req = ListTasksRequest {
            filter: String::new(),
        };
        let tasks = deadline::call(
            "list tasks",
            self.deadlines.call,
            tasks_client.list(request(ns, req)?),
        )
        .await?
        .tasks;
        // ListTasks puts the container id in `id` and leaves `container_id` empty.
        let task_of: BTreeMap<String, TaskInfo> = tasks
            .into_iter()
            .map(|p| {
                let key = if p.container_id.is_empty() {
                    p.id
                } else {
                    p.container_id
                };
                (
                    key,
                    TaskInfo {
                        state: task_state(p.status),
                        pid: p.pid,
                    },
                )
            })
            .collect();
        let mut out: Vec<ContainerInfo> = resp
            .containers
            .into_iter()
            .map(|c| ContainerInfo {
                namespace: ns.clone(),
                task: task_of.get(&c.id).copied(),
                id: ContainerId::from(c.id),
                image: c.image,
                runtime: c.runtime.map(|r| r.name).unwrap_or_default(),
                labels: c.labels.into_iter().collect(),
                created_at: time_of(c.created_at.as_ref()),
            })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// One container's OCI spec (JSON in an Any).
    pub async fn container_spec(
        &self,
        ns: &Namespace,
        id: &ContainerId,
    ) -> Result<oci_spec::runtime::Spec> {
        let mut client = self.containers_client();
        let resp = deadline::call(
            "get container",
            self.deadlines.call,
            client.get(request(ns, GetContainerRequest { id: id.to_string() })?),
        )
        .await?;
        let container = resp.container.ok_or_else(|| RuntimeError::Decode {
            op: "get container",
            message: format!("containerd returned no container for {id}"),
        })?;
        let spec = container.spec.ok_or_else(|| RuntimeError::Decode {
            op: "get container",
            message: format!("container {id} has no OCI spec"),
        })?;
        serde_json::from_slice(&spec.value).map_err(|e| RuntimeError::Decode {
            op: "decode container spec",
            message: e.to_string(),
        })
    }

    /// The task of a container: its state and init pid.
    pub async fn task(&self, ns: &Namespace, id: &ContainerId) -> Result<TaskInfo> {
        let status = self.process(ns, id, None).await?;
        Ok(TaskInfo {
            state: status.state,
            pid: status.pid,
        })
    }

    /// The status of a container's init process (`exec` None) or of one exec.
    pub async fn process(
        &self,
        ns: &Namespace,
        container: &ContainerId,
        exec: Option<&ExecId>,
    ) -> Result<ProcessStatus> {
        let req = GetRequest {
            container_id: container.to_string(),
            exec_id: exec.map(ToString::to_string).unwrap_or_default(),
        };
        let mut client = self.tasks();
        let resp = deadline::call(
            "get process",
            self.deadlines.call,
            client.get(request(ns, req)?),
        )
        .await?;
        let p = resp.process.ok_or_else(|| RuntimeError::Decode {
            op: "get process",
            message: "containerd returned no process".into(),
        })?;
        let state = task_state(p.status);
        let exit = (state == TaskState::Stopped).then(|| ExitInfo {
            code: p.exit_status,
            at: time_of(p.exited_at.as_ref()),
        });
        Ok(ProcessStatus {
            state,
            pid: p.pid,
            terminal: p.terminal,
            stdin: p.stdin,
            stdout: p.stdout,
            stderr: p.stderr,
            exit,
        })
    }

    /// The running processes of a container's task, with exec ids decoded.
    pub async fn pids(&self, ns: &Namespace, id: &ContainerId) -> Result<Vec<ProcessEntry>> {
        use prost::Message as _;
        let mut client = self.tasks();
        let req = ListPidsRequest {
            container_id: id.to_string(),
        };
        let resp = deadline::call(
            "list pids",
            self.deadlines.call,
            client.list_pids(request(ns, req)?),
        )
        .await?;
        Ok(resp
            .processes
            .into_iter()
            .map(|p| {
                let exec = p
                    .info
                    .filter(|any| type_name(&any.type_url).ends_with("ProcessDetails"))
                    .and_then(|any| ProcessDetails::decode(any.value.as_slice()).ok())
                    .map(|d| d.exec_id)
                    .filter(|e| !e.is_empty())
                    .map(ExecId::from);
                ProcessEntry { pid: p.pid, exec }
            })
            .collect())
    }

    /// Running execs of every container with a live task in `ns`.
    pub async fn running_execs(&self, ns: &Namespace) -> Result<Vec<(ExecKey, u32)>> {
        let mut out = Vec::new();
        for c in self.containers(ns).await? {
            let Some(task) = c.task else { continue };
            if !matches!(task.state, TaskState::Running | TaskState::Paused) {
                continue;
            }
            let pids = match self.pids(ns, &c.id).await {
                Ok(p) => p,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e),
            };
            for p in pids {
                if let Some(exec) = p.exec {
                    let key = ExecKey {
                        namespace: ns.clone(),
                        container: c.id.clone(),
                        exec,
                    };
                    out.push((key, p.pid));
                }
            }
        }
        Ok(out)
    }
}
