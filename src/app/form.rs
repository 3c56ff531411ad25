//! The new-exec form: command, user, working directory, env lines, tty, privileged and
//! detach keys, edited with ratatui-textarea and validated before anything is created.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use crate::domain::ContainerKey;
use crate::registry::{ExecConfig, detach_keys};

/// The fields, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Command,
    User,
    Workdir,
    Env,
    DetachKeys,
    Tty,
    Privileged,
}

const ORDER: [Field; 7] = [
    Field::Command,
    Field::User,
    Field::Workdir,
    Field::Env,
    Field::DetachKeys,
    Field::Tty,
    Field::Privileged,
];

/// What a key did to the form.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Editing,
    Cancel,
    Submit(ExecConfig),
}

#[derive(Debug)]
pub struct Form {
    pub container: ContainerKey,
    pub command: TextArea<'static>,
    pub user: TextArea<'static>,
    pub workdir: TextArea<'static>,
    pub env: TextArea<'static>,
    pub detach: TextArea<'static>,
    pub tty: bool,
    pub privileged: bool,
    pub focus: Field,
    pub error: Option<String>,
    /// Privileged was asked for: waiting for `y`.
    pub confirming: bool,
    /// Every container the exec opens in, each in its own marked tab (empty: `container`
    /// alone).
    pub targets: Vec<ContainerKey>,
}

fn area(placeholder: &str, value: &str) -> TextArea<'static> {
    let mut t = TextArea::new(if value.is_empty() {
        vec![String::new()]
    } else {
        vec![value.to_owned()]
    });
    t.set_placeholder_text(placeholder.to_owned());
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t
}

fn text(t: &TextArea<'_>) -> String {
    t.lines().join("\n").trim().to_owned()
}

impl Form {
    pub fn new(container: ContainerKey, detach: &str) -> Self {
        Self {
            container,
            command: area("/bin/sh -c 'echo hello'", ""),
            user: area("the container's user (USER[:GROUP])", ""),
            workdir: area("the container's directory", ""),
            env: area("NAME=value, one per line", ""),
            detach: area(detach_keys::DEFAULT, detach),
            tty: true,
            privileged: false,
            focus: Field::Command,
            error: None,
            confirming: false,
            targets: Vec::new(),
        }
    }

    fn area_mut(&mut self) -> Option<&mut TextArea<'static>> {
        match self.focus {
            Field::Command => Some(&mut self.command),
            Field::User => Some(&mut self.user),
            Field::Workdir => Some(&mut self.workdir),
            Field::Env => Some(&mut self.env),
            Field::DetachKeys => Some(&mut self.detach),
            Field::Tty | Field::Privileged => None,
        }
    }

    fn step(&mut self, forward: bool) {
        let i = ORDER.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = ORDER.len();
        self.focus = ORDER[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    /// Handles one key press.
    pub fn key(&mut self, key: KeyEvent) -> Outcome {
        if self.confirming {
            if let KeyCode::Char('y' | 'Y') = key.code {
                return self.validate().map_or(Outcome::Editing, Outcome::Submit);
            }
            self.confirming = false;
            self.error = None;
            return Outcome::Editing;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return Outcome::Cancel,
            KeyCode::Tab | KeyCode::Down
                if !(self.focus == Field::Env && key.code == KeyCode::Down) =>
            {
                self.step(true);
            }
            KeyCode::BackTab | KeyCode::Up
                if !(self.focus == Field::Env && key.code == KeyCode::Up) =>
            {
                self.step(false);
            }
            KeyCode::Char('s') if ctrl => return self.submit(),
            KeyCode::Enter if self.focus != Field::Env => return self.submit(),
            KeyCode::Char(' ') if self.focus == Field::Tty => self.tty = !self.tty,
            KeyCode::Char(' ') if self.focus == Field::Privileged => {
                self.privileged = !self.privileged;
            }
            _ => {
                if let Some(t) = self.area_mut() {
                    t.input(key);
                }
            }
        }
        Outcome::Editing
    }

    fn submit(&mut self) -> Outcome {
        match self.validate() {
            Err(()) => Outcome::Editing,
            Ok(cfg) if cfg.privileged => {
                self.confirming = true;
                self.error = Some(
                    "privileged grants every capability the node allows: y to confirm, any other key to go back"
                        .into(),
                );
                Outcome::Editing
            }
            Ok(cfg) => Outcome::Submit(cfg),
        }
    }

    /// Checks every field; the first problem is shown in the form.
    fn validate(&mut self) -> Result<ExecConfig, ()> {
        let r = self.check();
        match r {
            Ok(cfg) => {
                self.error = None;
                Ok(cfg)
            }
            Err((field, message)) => {
                self.focus = field;
                self.error = Some(message);
                Err(())
            }
        }
    }

    fn check(&self) -> Result<ExecConfig, (Field, String)> {
        let command = text(&self.command);
        let args = shlex::split(&command)
            .ok_or((Field::Command, "command: unbalanced quotes".to_owned()))?;
        if args.is_empty() {
            return Err((Field::Command, "command: required".into()));
        }
        let user = text(&self.user);
        let valid_user = |s: &str| {
            let mut parts = s.split(':');
            let ok = |p: Option<&str>| {
                p.is_some_and(|p| !p.is_empty() && !p.chars().any(char::is_whitespace))
            };
            ok(parts.next())
                && parts.clone().count() <= 1
                && parts.next().is_none_or(|g| ok(Some(g)))
        };
        if !user.is_empty() && !valid_user(&user) {
            return Err((
                Field::User,
                format!("user {user:?}: expected USER or USER:GROUP"),
            ));
        }
        let workdir = text(&self.workdir);
        if !workdir.is_empty() && !workdir.starts_with('/') {
            return Err((
                Field::Workdir,
                format!("working directory {workdir:?} must be absolute"),
            ));
        }
        let mut env = Vec::new();
        for line in self
            .env
            .lines()
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
        {
            let name = line.split_once('=').map_or(line, |(n, _)| n);
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err((Field::Env, format!("env {line:?}: expected NAME=value")));
            }
            env.push(line.to_owned());
        }
        let detach = text(&self.detach);
        let detach = if detach.is_empty() {
            detach_keys::DEFAULT.to_owned()
        } else {
            detach
        };
        detach_keys::parse(&detach).map_err(|e| (Field::DetachKeys, e.to_string()))?;
        Ok(ExecConfig {
            args,
            env,
            user: (!user.is_empty()).then_some(user),
            cwd: (!workdir.is_empty()).then_some(workdir),
            tty: self.tty,
            stdin: true,
            privileged: self.privileged,
            console: None,
            detach_keys: Some(detach),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(form: &mut Form, s: &str) {
        for c in s.chars() {
            form.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }
    fn press(form: &mut Form, code: KeyCode) -> Outcome {
        form.key(KeyEvent::new(code, KeyModifiers::NONE))
    }
    fn form() -> Form {
        Form::new(
            ContainerKey {
                namespace: "n".into(),
                container: "c".into(),
            },
            "ctrl-p,ctrl-q",
        )
    }

    #[test]
    fn submits_a_valid_exec() {
        let mut f = form();
        typed(&mut f, "/bin/sh -c 'echo hi there'");
        press(&mut f, KeyCode::Tab);
        typed(&mut f, "nobody");
        press(&mut f, KeyCode::Tab);
        typed(&mut f, "/tmp");
        press(&mut f, KeyCode::Tab);
        typed(&mut f, "A=1");
        press(&mut f, KeyCode::Enter);
        typed(&mut f, "B");
        let Outcome::Submit(cfg) = f.key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL))
        else {
            panic!("not submitted: {:?}", f.error);
        };
        assert_eq!(cfg.args, vec!["/bin/sh", "-c", "echo hi there"]);
        assert_eq!(
            (cfg.user.as_deref(), cfg.cwd.as_deref()),
            (Some("nobody"), Some("/tmp"))
        );
        assert_eq!(cfg.env, vec!["A=1", "B"]);
        assert!(cfg.tty && cfg.stdin && !cfg.privileged);
        assert_eq!(cfg.detach_keys.as_deref(), Some("ctrl-p,ctrl-q"));
    }

    #[test]
    fn invalid_input_is_shown_and_nothing_is_submitted() {
        let cases: &[(&str, Field, &str, &str)] = &[
            ("", Field::Command, "", "command: required"),
            ("sh -c 'x", Field::Command, "", "unbalanced quotes"),
            ("sh", Field::User, "a b", "expected USER or USER:GROUP"),
            ("sh", Field::User, "a:b:c", "expected USER or USER:GROUP"),
            ("sh", Field::Workdir, "tmp", "must be absolute"),
            ("sh", Field::Env, "1X=2", "expected NAME=value"),
            ("sh", Field::DetachKeys, "ctrl-", "invalid detach keys"),
        ];
        for (cmd, field, value, want) in cases {
            let mut f = form();
            typed(&mut f, cmd);
            f.focus = *field;
            if *field == Field::DetachKeys {
                f.detach = TextArea::default();
            }
            typed(&mut f, value);
            let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
            assert_eq!(f.key(ctrl_s), Outcome::Editing, "{cmd} {value}");
            assert_eq!(f.focus, *field);
            assert!(
                f.error.as_deref().is_some_and(|e| e.contains(want)),
                "{cmd} {value}: {:?}",
                f.error
            );
        }
    }

    #[test]
    fn privileged_asks_for_confirmation() {
        let mut f = form();
        typed(&mut f, "sh");
        f.focus = Field::Privileged;
        press(&mut f, KeyCode::Char(' '));
        assert_eq!(press(&mut f, KeyCode::Enter), Outcome::Editing);
        assert!(f.confirming);
        assert_eq!(press(&mut f, KeyCode::Char('n')), Outcome::Editing);
        assert!(!f.confirming);
        press(&mut f, KeyCode::Enter);
        assert!(matches!(press(&mut f, KeyCode::Char('y')), Outcome::Submit(c) if c.privileged));
        assert_eq!(press(&mut form(), KeyCode::Esc), Outcome::Cancel);
    }
}
