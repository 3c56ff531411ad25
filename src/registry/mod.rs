//! The exec registry: Docker's exec lifecycle on containerd. Two indexes (node-wide by key,
//! and the live execs of each container), create/start rules and conflicts, exit records,
//! two-phase garbage collection into a bounded history. Pure state: no I/O, no clock.

pub mod detach_keys;
mod facts;
mod gc;
pub mod rules;
pub mod sync;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::SystemTime;

use serde::Serialize;

pub use facts::Facts;

use crate::domain::{
    ConsoleSize, ContainerKey, ExecId, ExecKey, ExitInfo, ProcessDefaults, TaskState, ser_time_opt,
};

/// Where an exec came from, seen from this registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Created through this registry.
    Own,
    /// Made by another execmux (proven by our id prefix and its owner record).
    Execmux,
    /// Made by another client (ctr, nerdctl, Docker, kubelet).
    Foreign,
}

impl Origin {
    /// The word lists and tables show.
    pub fn label(self) -> &'static str {
        match self {
            Self::Own => "own",
            Self::Execmux => "execmux",
            Self::Foreign => "foreign",
        }
    }
}

/// Where an exec is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecState {
    Created,
    Running,
    Exited,
    Killed,
    FailedToStart,
    Collected,
}

impl std::fmt::Display for ExecState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Created => "created",
            Self::Running => "running",
            Self::Exited => "exited",
            Self::Killed => "killed",
            Self::FailedToStart => "failed to start",
            Self::Collected => "collected",
        })
    }
}

/// What a user asks for when creating an exec.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecConfig {
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub user: Option<String>,
    pub cwd: Option<String>,
    pub tty: bool,
    pub stdin: bool,
    pub privileged: bool,
    pub console: Option<ConsoleSize>,
    pub detach_keys: Option<String>,
}

/// One exec as the registry knows it.
#[allow(clippy::struct_excessive_bools)] // a record of independent facts, not a state machine
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExecRecord {
    #[serde(flatten)]
    pub key: ExecKey,
    pub origin: Origin,
    pub command: Vec<String>,
    pub tty: bool,
    pub stdin: bool,
    pub privileged: bool,
    pub user: Option<String>,
    pub cwd: Option<String>,
    #[serde(skip)]
    pub env: Vec<String>,
    #[serde(skip)]
    pub detach_keys: Vec<u8>,
    #[serde(skip)]
    pub console: Option<ConsoleSize>,
    pub pid: u32,
    pub state: ExecState,
    pub exit_code: Option<u32>,
    pub error: Option<String>,
    #[serde(serialize_with = "ser_time_opt")]
    pub created_at: Option<SystemTime>,
    #[serde(serialize_with = "ser_time_opt")]
    pub started_at: Option<SystemTime>,
    #[serde(serialize_with = "ser_time_opt")]
    pub finished_at: Option<SystemTime>,
    /// Marked by a GC sweep; removed by the next one.
    pub can_remove: bool,
    #[serde(skip)]
    kill_requested: bool,
}

impl ExecRecord {
    fn new(key: ExecKey, origin: Origin, now: SystemTime) -> Self {
        Self {
            key,
            origin,
            command: Vec::new(),
            tty: false,
            stdin: false,
            privileged: false,
            user: None,
            cwd: None,
            env: Vec::new(),
            detach_keys: Vec::new(),
            console: None,
            pid: 0,
            state: ExecState::Created,
            exit_code: None,
            error: None,
            created_at: Some(now),
            started_at: None,
            finished_at: None,
            can_remove: false,
            kill_requested: false,
        }
    }

    /// The command as one line.
    pub fn command_line(&self) -> String {
        if self.command.is_empty() {
            String::from("?")
        } else {
            self.command.join(" ")
        }
    }

    pub fn is_live(&self) -> bool {
        matches!(self.state, ExecState::Created | ExecState::Running)
    }
}

/// A change in an exec's life (or a GC sweep), for `execs --watch` and the events pane.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Lifecycle {
    #[serde(serialize_with = "ser_time_opt")]
    pub at: Option<SystemTime>,
    pub exec: Option<ExecKey>,
    #[serde(flatten)]
    pub kind: LifecycleKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LifecycleKind {
    Created { command: String },
    Started { pid: u32 },
    Exited { code: Option<u32> },
    Killed { code: Option<u32> },
    FailedToStart { code: u32, message: String },
    Detached,
    Collected,
    Sweep { collected: usize, marked: usize },
}

impl std::fmt::Display for Lifecycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let code = |c: &Option<u32>| c.map_or_else(|| String::from("?"), |c| c.to_string());
        match &self.kind {
            LifecycleKind::Created { command } => write!(f, "created ({command})")?,
            LifecycleKind::Started { pid } => write!(f, "started pid {pid}")?,
            LifecycleKind::Exited { code: c } => write!(f, "exited {}", code(c))?,
            LifecycleKind::Killed { code: c } => write!(f, "killed {}", code(c))?,
            LifecycleKind::FailedToStart { code, message } => {
                write!(f, "failed to start {code}: {message}")?;
            }
            LifecycleKind::Detached => f.write_str("detached")?,
            LifecycleKind::Collected => f.write_str("collected")?,
            LifecycleKind::Sweep { collected, marked } => {
                write!(f, "gc sweep: {collected} collected, {marked} marked")?;
            }
        }
        if let Some(k) = &self.exec {
            write!(f, " {k}")?;
        }
        Ok(())
    }
}

/// A request the lifecycle rules refuse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("no such exec: {0}")]
    NoSuchExec(ExecId),
    #[error("no such container: {0}")]
    NoSuchContainer(ContainerKey),
    #[error("container {0} is not running")]
    NotRunning(String),
    #[error(
        "{0} has no running task (created, not started): start it (ctr task start {0}, \
         nerdctl start {0}), then try again"
    )]
    NoTask(String),
    #[error("container {0} is paused, unpause the container before exec")]
    Paused(String),
    #[error("container {0} is restarting, wait until the container is running")]
    Restarting(String),
    #[error("exec {0} has already run")]
    AlreadyRun(ExecId),
    #[error("exec {0} is already running")]
    AlreadyRunning(ExecId),
    #[error("exec {0} already exists")]
    Duplicate(ExecId),
    #[error("no command given")]
    NoCommand,
    #[error(
        "user must not be empty: give USER[:GROUP], or leave -u out to keep the container's user"
    )]
    EmptyUser,
    #[error(transparent)]
    DetachKeys(#[from] detach_keys::InvalidDetachKeys),
}

/// Everything the runtime needs to start an exec, resolved by the rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartPlan {
    pub key: ExecKey,
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub user: Option<String>,
    pub tty: bool,
    pub stdin: bool,
    pub console: Option<ConsoleSize>,
    pub privileged: bool,
}

/// The registry itself.
#[derive(Debug)]
pub struct Registry {
    execs: BTreeMap<ExecKey, ExecRecord>,
    live: HashMap<ContainerKey, BTreeSet<ExecId>>,
    /// Known containers and their task state (None: no task).
    containers: HashMap<ContainerKey, Option<TaskState>>,
    history: VecDeque<ExecRecord>,
    history_cap: usize,
    log: Vec<Lifecycle>,
}

fn container_of(key: &ExecKey) -> ContainerKey {
    ContainerKey {
        namespace: key.namespace.clone(),
        container: key.container.clone(),
    }
}

impl Registry {
    /// An empty registry keeping at most `history_cap` collected execs.
    pub fn new(history_cap: usize) -> Self {
        Self {
            execs: BTreeMap::new(),
            live: HashMap::new(),
            containers: HashMap::new(),
            history: VecDeque::new(),
            history_cap,
            log: Vec::new(),
        }
    }

    /// Every exec not yet collected, in key order.
    pub fn execs(&self) -> impl Iterator<Item = &ExecRecord> {
        self.execs.values()
    }

    /// Collected execs, newest last.
    pub fn history(&self) -> impl Iterator<Item = &ExecRecord> {
        self.history.iter()
    }

    pub fn get(&self, key: &ExecKey) -> Option<&ExecRecord> {
        self.execs.get(key)
    }

    /// Whether GC collected this very exec: the same key that ran as the same pid.
    pub fn collected(&self, key: &ExecKey, pid: u32) -> bool {
        !self.execs.contains_key(key) && self.history.iter().any(|r| r.key == *key && r.pid == pid)
    }

    /// Live exec ids of a container (its index).
    pub fn live_execs(&self, c: &ContainerKey) -> impl Iterator<Item = &ExecId> {
        self.live.get(c).into_iter().flatten()
    }

    /// Lifecycle changes since the last call.
    pub fn take_log(&mut self) -> Vec<Lifecycle> {
        std::mem::take(&mut self.log)
    }

    fn emit(&mut self, exec: Option<ExecKey>, at: SystemTime, kind: LifecycleKind) {
        self.log.push(Lifecycle {
            at: Some(at),
            exec,
            kind,
        });
    }

    /// Records a container's task state (None: a container without a task).
    pub fn set_container(&mut self, key: ContainerKey, task: Option<TaskState>) {
        if matches!(task, None | Some(TaskState::Stopped)) {
            // Docker unregisters every exec of a container that stops.
            self.live.remove(&key);
        }
        self.containers.insert(key, task);
    }

    /// Forgets a deleted container; its execs go on to be collected.
    pub fn remove_container(&mut self, key: &ContainerKey) {
        self.live.remove(key);
        self.containers.remove(key);
    }

    /// The container's task state as last recorded: None when the container is unknown.
    pub fn container_task(&self, key: &ContainerKey) -> Option<Option<TaskState>> {
        self.containers.get(key).copied()
    }

    /// Creates an exec: checks the container, parses the detach keys, resolves env, user
    /// and working directory, and registers it in both indexes.
    pub fn create(
        &mut self,
        key: ExecKey,
        config: &ExecConfig,
        defaults: &ProcessDefaults,
        now: SystemTime,
    ) -> Result<&ExecRecord, RegistryError> {
        let container = container_of(&key);
        rules::check_container(&container, self.container_task(&container))?;
        if config.args.first().is_none_or(String::is_empty) {
            return Err(RegistryError::NoCommand);
        }
        let detach = detach_keys::parse(
            config
                .detach_keys
                .as_deref()
                .unwrap_or(detach_keys::DEFAULT),
        )?;
        if config.user.as_deref() == Some("") {
            return Err(RegistryError::EmptyUser);
        }
        if self.execs.contains_key(&key) {
            return Err(RegistryError::Duplicate(key.exec));
        }
        let mut rec = ExecRecord::new(key.clone(), Origin::Own, now);
        rec.command.clone_from(&config.args);
        rec.tty = config.tty;
        rec.stdin = config.stdin;
        rec.privileged = config.privileged;
        // A tty exec gets TERM=xterm unless the user says otherwise (Docker does the same).
        let base = if config.tty {
            rules::merge_env(&defaults.env, &["TERM=xterm".to_owned()])
        } else {
            defaults.env.clone()
        };
        rec.env = rules::merge_env(&base, &config.env);
        rec.cwd = Some(rules::working_dir(config.cwd.as_deref(), &defaults.cwd));
        rec.user.clone_from(&config.user);
        rec.detach_keys = detach;
        rec.console = config.console;
        let command = rec.command_line();
        self.live
            .entry(container)
            .or_default()
            .insert(key.exec.clone());
        self.execs.insert(key.clone(), rec);
        self.emit(Some(key.clone()), now, LifecycleKind::Created { command });
        self.execs
            .get(&key)
            .ok_or(RegistryError::NoSuchExec(key.exec))
    }

    /// Looks an exec up by Docker's rules: unknown exec, container gone, then the
    /// container's state.
    pub fn lookup(&self, key: &ExecKey) -> Result<&ExecRecord, RegistryError> {
        let rec = self
            .execs
            .get(key)
            .ok_or_else(|| RegistryError::NoSuchExec(key.exec.clone()))?;
        let container = container_of(key);
        rules::check_container(&container, self.container_task(&container))?;
        Ok(rec)
    }

    /// Begins a start: conflicts ("has already run", "is already running"), container
    /// rules, then marks it running. `console` given at start wins over the one at create.
    pub fn start(
        &mut self,
        key: &ExecKey,
        console: Option<ConsoleSize>,
    ) -> Result<StartPlan, RegistryError> {
        let rec = self
            .execs
            .get(key)
            .ok_or_else(|| RegistryError::NoSuchExec(key.exec.clone()))?;
        if rec.exit_code.is_some() || !rec.is_live() {
            return Err(RegistryError::AlreadyRun(key.exec.clone()));
        }
        if rec.state == ExecState::Running {
            return Err(RegistryError::AlreadyRunning(key.exec.clone()));
        }
        self.lookup(key)?;
        let rec = self
            .execs
            .get_mut(key)
            .ok_or_else(|| RegistryError::NoSuchExec(key.exec.clone()))?;
        rec.state = ExecState::Running;
        Ok(StartPlan {
            key: key.clone(),
            args: rec.command.clone(),
            env: rec.env.clone(),
            cwd: rec.cwd.clone().unwrap_or_else(|| "/".into()),
            user: rec.user.clone(),
            tty: rec.tty,
            stdin: rec.stdin,
            console: console.or(rec.console),
            privileged: rec.privileged,
        })
    }

    /// The runtime started the exec.
    pub fn started(&mut self, key: &ExecKey, pid: u32, now: SystemTime) {
        if let Some(rec) = self.execs.get_mut(key) {
            rec.pid = pid;
            rec.state = ExecState::Running;
            rec.started_at.get_or_insert(now);
            self.emit(Some(key.clone()), now, LifecycleKind::Started { pid });
        }
    }

    /// The runtime could not start the exec: it is no longer live, gets 126/127/128 from
    /// the runtime's message, and leaves its container's index. Returns the code.
    pub fn start_failed(&mut self, key: &ExecKey, message: &str, now: SystemTime) -> u32 {
        let code = rules::start_failure_code(message);
        if let Some(rec) = self.execs.get_mut(key) {
            rec.state = ExecState::FailedToStart;
            rec.exit_code = Some(code);
            rec.error = Some(message.to_owned());
            rec.finished_at = Some(now);
        }
        self.unlist(key);
        self.emit(
            Some(key.clone()),
            now,
            LifecycleKind::FailedToStart {
                code,
                message: message.to_owned(),
            },
        );
        code
    }

    /// We are about to kill the exec (a tab closed, a session cancelled, `K`).
    pub fn kill_requested(&mut self, key: &ExecKey) {
        if let Some(rec) = self.execs.get_mut(key) {
            rec.kill_requested = true;
        }
    }

    /// The exec left its terminal running (detach keys).
    pub fn detached(&mut self, key: &ExecKey, now: SystemTime) {
        if self.execs.contains_key(key) {
            self.emit(Some(key.clone()), now, LifecycleKind::Detached);
        }
    }

    /// The exec exited (Wait or the `/tasks/exit` event; either may come first). `exit`
    /// None: it is gone and containerd no longer knows its status.
    pub fn exited(&mut self, key: &ExecKey, exit: Option<ExitInfo>, now: SystemTime) {
        let Some(rec) = self.execs.get_mut(key) else {
            return;
        };
        if !rec.is_live() {
            self.late_exit_code(key, exit, now);
            return;
        }
        let code = exit.map(|e| e.code);
        rec.exit_code = code;
        rec.finished_at = Some(exit.and_then(|e| e.at).unwrap_or(now));
        rec.started_at.get_or_insert(now);
        let killed = rec.kill_requested;
        rec.state = if killed {
            ExecState::Killed
        } else {
            ExecState::Exited
        };
        self.unlist(key);
        let kind = if killed {
            LifecycleKind::Killed { code }
        } else {
            LifecycleKind::Exited { code }
        };
        self.emit(Some(key.clone()), now, kind);
    }

    /// The code of an exit already recorded without one (a snapshot found the exec deleted
    /// before its exit event or its Wait answered): the later report fills it in. A known
    /// code is never replaced.
    fn late_exit_code(&mut self, key: &ExecKey, exit: Option<ExitInfo>, now: SystemTime) {
        let Some(exit) = exit else { return };
        let Some(rec) = self.execs.get_mut(key) else {
            return;
        };
        if rec.exit_code.is_some() || !matches!(rec.state, ExecState::Exited | ExecState::Killed) {
            return;
        }
        rec.exit_code = Some(exit.code);
        if let Some(at) = exit.at {
            rec.finished_at = Some(at);
        }
        let code = Some(exit.code);
        let kind = if rec.state == ExecState::Killed {
            LifecycleKind::Killed { code }
        } else {
            LifecycleKind::Exited { code }
        };
        self.emit(Some(key.clone()), now, kind);
    }

    /// An exec seen in containerd (an event or `ListPids`) that may be new to us; made by
    /// another client, it is registered as foreign. `pid` Some: it is running.
    pub fn observe(&mut self, key: &ExecKey, pid: Option<u32>, now: SystemTime) {
        if !self.execs.contains_key(key) {
            let rec = ExecRecord::new(key.clone(), Origin::Foreign, now);
            self.execs.insert(key.clone(), rec);
            self.live
                .entry(container_of(key))
                .or_default()
                .insert(key.exec.clone());
            self.emit(
                Some(key.clone()),
                now,
                LifecycleKind::Created {
                    command: String::from("?"),
                },
            );
        }
        if let (Some(pid), Some(rec)) = (pid, self.execs.get(key))
            && rec.state == ExecState::Created
            && rec.origin != Origin::Own
        {
            self.started(key, pid, now);
        }
    }

    /// A running exec made by another execmux was taken over: from now on it is ours (a
    /// close kills it), with this console's detach keys.
    pub fn adopt(&mut self, key: &ExecKey, tty: bool, stdin: bool, detach_keys: Vec<u8>) {
        if let Some(rec) = self.execs.get_mut(key) {
            rec.origin = Origin::Own;
            rec.tty = tty;
            rec.stdin = stdin;
            rec.detach_keys = detach_keys;
        }
    }

    /// Fills in what only `Tasks.Get` or the process spec tells about a foreign exec.
    pub fn describe(&mut self, key: &ExecKey, command: Vec<String>, tty: bool) {
        if let Some(rec) = self.execs.get_mut(key)
            && rec.command.is_empty()
        {
            rec.command = command;
            rec.tty = tty;
        }
    }

    fn unlist(&mut self, key: &ExecKey) {
        let c = container_of(key);
        if let Some(set) = self.live.get_mut(&c) {
            set.remove(&key.exec);
            if set.is_empty() {
                self.live.remove(&c);
            }
        }
    }
}

#[cfg(test)]
mod tests;
