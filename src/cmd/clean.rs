//! What the command line prints of text that a container or containerd controls (names,
//! labels, images, ids, command lines, error messages): every control character (C0, DEL,
//! C1), bidi override and line separator shown escaped, in text and in JSON, so none of
//! them reaches the terminal or a log viewer raw.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

use crate::session::view::is_unsafe_char;

/// `s` with each unsafe character written as `\xNN` (C0, DEL) or `\u{NNNN}` (C1 and the
/// rest); `s` itself when it has none.
pub fn text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if !is_unsafe_char(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

/// `value` as one line of JSON where DEL, C1 and the other unsafe characters are `\uNNNN`
/// escapes too (serde's own escapes cover C0, quotes and backslashes only).
pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut bytes = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut bytes, SafeJson);
    value.serialize(&mut ser)?;
    String::from_utf8(bytes).map_err(|e| serde_json::Error::io(io::Error::other(e)))
}

/// `serde_json`'s compact output, with the unsafe characters of each string escaped.
struct SafeJson;

impl serde_json::ser::Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|(_, c)| is_unsafe_char(*c)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            // Every unsafe character lies in the Basic Multilingual Plane: one escape.
            write!(writer, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_c0_del_c1_and_bidi_and_keeps_the_rest() {
        assert_eq!(text("plain ünï 名"), "plain ünï 名");
        assert!(matches!(text("plain"), Cow::Borrowed(_)));
        assert_eq!(
            text("a\u{1b}]2;t\u{7}b\u{7f}\u{9b}c\u{202e}\td\n"),
            r"a\x1b]2;t\x07b\x7f\u{9b}c\u{202e}\x09d\x0a"
        );
    }

    #[test]
    fn json_escapes_del_c1_and_bidi_and_still_says_the_value() {
        let value = serde_json::json!({"k\u{9b}": ["a\u{1b}b\u{7f}c\u{85}d\u{2066}e\"\\"]});
        let line = json(&value).expect("json");
        assert!(
            line.chars().all(|c| !is_unsafe_char(c)),
            "a raw unsafe character in {line:?}"
        );
        assert!(line.contains(r"\u007f") && line.contains(r"\u0085") && line.contains(r"\u009b"));
        let back: serde_json::Value = serde_json::from_str(&line).expect("parse");
        assert_eq!(back, value);
    }
}
