//! Container and task administration on containerd: create a container from an OCI spec,
//! create and start its task, pause, resume, stop (SIGKILL to init, then wait), delete. The
//! console never calls these on a user's node; the private daemon of tests and the demo does.

use std::time::Duration;

use containerd_client::services::v1::{
    Container, CreateContainerRequest, CreateTaskRequest, DeleteContainerRequest,
    DeleteTaskRequest, KillRequest, PauseTaskRequest, ResumeTaskRequest, StartRequest, WaitRequest,
    container::Runtime as ContainerRuntime,
};

use super::error::{Result, RuntimeError};
use super::{Runtime, request};
use crate::domain::{ContainerId, Namespace};

/// How long a stop waits for the init's exit after its SIGKILL.
const STOP_WAIT: Duration = Duration::from_secs(10);

/// A container to create: its OCI spec, image name and labels.
pub struct NewContainer<'a> {
    pub id: &'a ContainerId,
    pub image: &'a str,
    pub labels: &'a [(String, String)],
    pub spec: &'a oci_spec::runtime::Spec,
}

impl Runtime {
    /// Creates a container (runc v2 runtime) from its spec.
    pub async fn create_container(&self, ns: &Namespace, new: &NewContainer<'_>) -> Result<()> {
        let json =
            serde_json::to_vec(new.spec).map_err(|e| RuntimeError::Invalid(e.to_string()))?;
        let container = Container {
            id: new.id.to_string(),
            labels: new.labels.iter().cloned().collect(),
            image: new.image.into(),
            runtime: Some(ContainerRuntime {
                name: "io.containerd.runc.v2".into(),
                options: None,
            }),
            spec: Some(prost_types::Any {
                type_url: "types.containerd.io/opencontainers/runtime-spec/1/Spec".into(),
                value: json,
            }),
            ..Default::default()
        };
        self.containers_client()
            .create(request(
                ns,
                CreateContainerRequest {
                    container: Some(container),
                },
            )?)
            .await
            .map_err(|s| RuntimeError::rpc("create container", &s))?;
        Ok(())
    }

    /// Creates and starts a container's task; returns the init's pid.
    pub async fn start_task(&self, ns: &Namespace, id: &ContainerId) -> Result<u32> {
        let req = CreateTaskRequest {
            container_id: id.to_string(),
            ..Default::default()
        };
        self.tasks()
            .create(request(ns, req)?)
            .await
            .map_err(|s| RuntimeError::rpc("create task", &s))?;
        let start = StartRequest {
            container_id: id.to_string(),
            exec_id: String::new(),
        };
        let resp = self
            .tasks()
            .start(request(ns, start)?)
            .await
            .map_err(|s| RuntimeError::rpc("start task", &s))?;
        Ok(resp.into_inner().pid)
    }

    pub async fn pause_task(&self, ns: &Namespace, id: &ContainerId) -> Result<()> {
        let msg = PauseTaskRequest {
            container_id: id.to_string(),
        };
        self.tasks()
            .pause(request(ns, msg)?)
            .await
            .map_err(|s| RuntimeError::rpc("pause", &s))?;
        Ok(())
    }

    pub async fn resume_task(&self, ns: &Namespace, id: &ContainerId) -> Result<()> {
        let msg = ResumeTaskRequest {
            container_id: id.to_string(),
        };
        self.tasks()
            .resume(request(ns, msg)?)
            .await
            .map_err(|s| RuntimeError::rpc("resume", &s))?;
        Ok(())
    }

    /// Kills a container's init with SIGKILL and waits for it (the task stays, stopped).
    pub async fn stop_task(&self, ns: &Namespace, id: &ContainerId) -> Result<()> {
        let kill = KillRequest {
            container_id: id.to_string(),
            signal: 9,
            ..Default::default()
        };
        self.tasks()
            .kill(request(ns, kill)?)
            .await
            .map_err(|s| RuntimeError::rpc("kill task", &s))?;
        let wait = WaitRequest {
            container_id: id.to_string(),
            exec_id: String::new(),
        };
        tokio::time::timeout(STOP_WAIT, self.tasks().wait(request(ns, wait)?))
            .await
            .map_err(|_| RuntimeError::Timeout {
                op: "wait task",
                secs: STOP_WAIT.as_secs(),
            })?
            .map_err(|s| RuntimeError::rpc("wait task", &s))?;
        Ok(())
    }

    /// Deletes a stopped task.
    pub async fn delete_task(&self, ns: &Namespace, id: &ContainerId) -> Result<()> {
        let del = DeleteTaskRequest {
            container_id: id.to_string(),
        };
        self.tasks()
            .delete(request(ns, del)?)
            .await
            .map_err(|s| RuntimeError::rpc("delete task", &s))?;
        Ok(())
    }

    /// Deletes a container that has no task.
    pub async fn delete_container(&self, ns: &Namespace, id: &ContainerId) -> Result<()> {
        self.containers_client()
            .delete(request(ns, DeleteContainerRequest { id: id.to_string() })?)
            .await
            .map_err(|s| RuntimeError::rpc("delete container", &s))?;
        Ok(())
    }
}
