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
        let kind = if sgr { "transcript-sgr" } else { "transcript" };
        vec![Effect::Transcript {
            tab: tab.id,
            stem: format!("{kind}-{}-{}", tab.key.container, tab.key.exec),
            header,
            sgr,
        }]
    }
}
