//! The transcript keys: the active tab's scrollback and screen go to a new file under a
//! header from its exec's record; the tab's task renders it and the effects runner writes it.

use super::App;
use super::msg::Effect;

impl App {
    pub(super) fn transcript(&mut self, sgr: bool) -> Vec<Effect> {
        let Some(tab) = self.tabs.get(self.active) else {
            self.status = Some("no tab open: Enter on a container opens its shell".into());
            return Vec::new();
        };
        let header = match self
            .registry
            .get(&tab.key)
            .or_else(|| self.registry.history().find(|r| r.key == tab.key))
        {
            Some(rec) => crate::transcript::header(rec, true),
            None => format!(
                "# execmux transcript\n# namespace: {}\n# container: {}\n# exec: {}\n#\n",
                tab.key.namespace, tab.key.container, tab.key.exec
            ),
        };
        let header = if self.cluster {
            // The pod's facts, before the header's closing line.
            let body = header.strip_suffix("#\n").unwrap_or(&header);
            format!("{body}{}#\n", self.pod_lines(&tab.key))
        } else {
            header
        };
        let kind = if sgr { "transcript-sgr" } else { "transcript" };
        vec![Effect::Transcript {
            tab: tab.id,
            stem: format!("{kind}-{}-{}", tab.key.container, tab.key.exec),
            header,
            sgr,
        }]
    }

    /// A cluster exec's header lines: where it ran (the context, the pod, its container,
    /// its node), from the pod as the watch last saw it.
    fn pod_lines(&self, key: &crate::domain::ExecKey) -> String {
        let id = key.container.as_str();
        let (pod, container) = id.split_once('/').unwrap_or((id, ""));
        let node = self
            .containers
            .iter()
            .find(|c| c.namespace == key.namespace && c.id == key.container)
            .and_then(|c| c.labels.get("kubernetes/node"))
            .map_or("-", String::as_str);
        let line = |k: &str, v: &str| format!("# {k}: {}\n", crate::transcript::one_line(v));
        [
            line("backend", &self.address),
            line("pod", pod),
            line("pod container", container),
            line("node", node),
        ]
        .concat()
    }
}
