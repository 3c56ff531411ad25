//! The screen's geometry: a new size or a zoom gives every shown tab's terminal its new
//! console size (and its running tty exec a resize).

use ratatui::layout::Rect;

use super::App;
use super::layout::Layout;
use super::msg::Effect;

impl App {
    pub(super) fn on_resize(&mut self, w: u16, h: u16) -> Vec<Effect> {
        self.relayout(Layout::of(Rect::new(0, 0, w, h), self.layout.zoomed))
    }

    /// Zoom in (the current tab gets the whole window) or back out.
    pub(super) fn toggle_zoom(&mut self) -> Vec<Effect> {
        if !self.layout.zoomed && self.tabs.is_empty() {
            self.status = Some("no tab to zoom: Enter on a container opens its shell".into());
            return Vec::new();
        }
        self.relayout(Layout::of(self.layout.area, !self.layout.zoomed))
    }

    /// Back to the panes once no tab is left to show zoomed.
    pub(super) fn unzoom_if_no_tab(&mut self) -> Vec<Effect> {
        if self.layout.zoomed && self.tabs.is_empty() {
            self.relayout(Layout::new(self.layout.area))
        } else {
            Vec::new()
        }
    }

    /// Uses `layout`; every shown terminal takes its pane's size, running tty execs are told.
    fn relayout(&mut self, layout: Layout) -> Vec<Effect> {
        self.layout = layout;
        self.sync_panes()
    }
}
