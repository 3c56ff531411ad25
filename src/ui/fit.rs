//! Text made to fit a number of columns: cut at the end or in the middle with `…`, by
//! display width (wide characters count twice, none is split).

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub const ELLIPSIS: char = '…';

/// Columns `s` takes.
pub fn width(s: &str) -> usize {
    s.width()
}

/// The longest start of `s` that takes at most `cols` columns.
fn head(s: &str, cols: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += c.width().unwrap_or(0);
        if used > cols {
            return &s[..i];
        }
    }
    s
}

/// The longest end of `s` that takes at most `cols` columns.
fn tail(s: &str, cols: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices().rev() {
        used += c.width().unwrap_or(0);
        if used > cols {
            return &s[i + c.len_utf8()..];
        }
    }
    s
}

/// `s` in at most `cols` columns: cut at the end with `…` when it is longer.
pub fn end(s: &str, cols: usize) -> String {
    if width(s) <= cols {
        return s.to_owned();
    }
    if cols == 0 {
        return String::new();
    }
    let mut out = head(s, cols - 1).to_owned();
    out.push(ELLIPSIS);
    out
}

/// `s` in at most `cols` columns, its middle replaced by `…` (a path keeps its start and
/// its file name).
pub fn middle(s: &str, cols: usize) -> String {
    if width(s) <= cols {
        return s.to_owned();
    }
    if cols == 0 {
        return String::new();
    }
    let room = cols - 1;
    let back = room / 2 + room % 2;
    let front = room - back;
    format!("{}{ELLIPSIS}{}", head(s, front), tail(s, back))
}

/// A message in at most `cols` columns: its longest word (a path, an id) shortened in its
/// middle when that is enough, else the message cut at its end.
pub fn message(s: &str, cols: usize) -> String {
    let over = width(s).saturating_sub(cols);
    if over == 0 {
        return s.to_owned();
    }
    let longest = s.split(' ').max_by_key(|w| width(w)).unwrap_or_default();
    // The word keeps at least 12 columns of its start and end.
    if width(longest) >= over + 12 {
        let short = middle(longest, width(longest) - over);
        return s.replacen(longest, &short, 1);
    }
    end(s, cols)
}

/// A pane title (` Containers · demo · 2 `) cut to fit the top border of a pane `cols` wide.
pub fn title(t: &str, cols: u16) -> String {
    let room = usize::from(cols).saturating_sub(4);
    format!(" {} ", end(t.trim(), room))
}

/// Widths of a table's columns in a pane `cols` wide (borders and one column between
/// cells): each fixed column as wide as its widest text (`texts[i]`, header included)
/// up to `caps[i]`, and the `fill` column every column left over.
pub fn columns(cols: u16, fill: usize, caps: &[u16], texts: &[Vec<usize>]) -> Vec<u16> {
    let mut widths: Vec<u16> = caps
        .iter()
        .zip(texts)
        .map(|(cap, t)| {
            let want = t.iter().copied().max().unwrap_or(0);
            u16::try_from(want).unwrap_or(u16::MAX).min(*cap)
        })
        .collect();
    let gaps = u16::try_from(caps.len().saturating_sub(1)).unwrap_or(u16::MAX);
    let others: u16 = widths
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != fill)
        .map(|(_, w)| *w)
        .sum();
    if let Some(w) = widths.get_mut(fill) {
        *w = cols
            .saturating_sub(2)
            .saturating_sub(gaps)
            .saturating_sub(others);
    }
    widths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_mark_what_is_left_out() {
        assert_eq!(end("uxbars2182", 6), "uxbar…");
        assert_eq!(end("short", 6), "short");
        assert_eq!(end("日本語です", 5), "日本…");
        assert_eq!(end("abc", 0), "");
        assert_eq!(
            middle("/root/.local/state/execmux/transcripts/web-1.txt", 21),
            "/root/.loc…/web-1.txt"
        );
        assert_eq!(width(&middle("/a/b/c/d/e/f", 7)), 7);
        assert_eq!(
            title(" Containers · uxbars2182 · 3 ", 20),
            " Containers · ux… "
        );
        assert_eq!(title(" Execs · 1 ", 30), " Execs · 1 ");
    }

    #[test]
    fn a_message_shortens_its_path_or_is_cut_at_its_end() {
        let saved = "transcript saved to /root/.local/state/execmux/web-1.txt now";
        assert_eq!(message(saved, 80), saved);
        assert_eq!(
            message(saved, 46),
            "transcript saved to /root/.loc…x/web-1.txt now"
        );
        assert_eq!(width(&message(saved, 46)), 46);
        let prose =
            "detached from execmux-0123456789abcdef; it keeps running (i to focus it again)";
        assert_eq!(message(prose, 30), "detached from execmux-0123456…");
    }

    #[test]
    fn the_fill_column_gets_what_the_others_leave() {
        let w = columns(
            26,
            1,
            &[6, u16::MAX, 12],
            &[vec![4, 6], vec![40], vec![5, 7]],
        );
        assert_eq!(w, vec![6, 9, 7]);
    }
}
