//! The one place where text that came from the config, from AWS or from a file is made safe to
//! show: every renderer (human, Markdown, the report's Markdown and HTML, the state views)
//! passes what it writes through here (DESIGN.md section 5, "What the reviewer reads is
//! sealed").
//!
//! A control character (C0, DEL, C1: an escape sequence that moves the cursor or clears the
//! screen, a carriage return that overwrites a line) or a Unicode bidirectional control
//! (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069: the "Trojan Source" trick, which
//! makes a path or a policy Sid read as something else) is written as a visible escape such
//! as `\u{1b}` or `\u{202e}`, so it can neither act on the terminal nor reorder what is read.
//! Markup (Markdown, HTML) is escaped by each renderer for where the text lands; this module
//! makes sure no invisible character reaches any of them.

use std::borrow::Cow;

/// Whether `c` is a Unicode bidirectional control: the marks (ALM U+061C, LRM U+200E, RLM
/// U+200F), the embeddings and overrides (U+202A–U+202E) and the isolates (U+2066–U+2069).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` must never reach a reader as it is: a control character or a bidirectional
/// control. A newline and a tab are too; [`text`] keeps them, [`value`] does not.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Text of many lines (a message, a document): every unsafe character but the newline and
/// the tab (which move to the next line or column and no further) written as a visible
/// escape.
pub fn text(s: &str) -> Cow<'_, str> {
    escape(s, |c| !matches!(c, '\n' | '\t') && is_unsafe(c))
}

/// One value on one line (a name, a path, a command): every unsafe character, the newline
/// too, written as a visible escape.
pub fn value(s: &str) -> Cow<'_, str> {
    escape(s, is_unsafe)
}

/// The visible form of an unsafe character: `\t`, `\n`, `\r`, else `\u{…}`.
pub fn visible(c: char) -> String {
    match c {
        '\t' => "\\t".to_string(),
        '\n' => "\\n".to_string(),
        '\r' => "\\r".to_string(),
        c => format!("\\u{{{:x}}}", u32::from(c)),
    }
}

fn escape(s: &str, unsafe_: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&unsafe_) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if unsafe_(c) {
            out.push_str(&visible(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidirectional_characters_become_visible() {
        assert_eq!(value("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(value("x\ny\rz\t"), "x\\ny\\rz\\t");
        assert_eq!(text("x\ny\r\t"), "x\ny\\r\t");
        assert_eq!(value("\u{202e}gpj.exe"), "\\u{202e}gpj.exe");
        for c in [
            '\u{061c}', '\u{200e}', '\u{200f}', '\u{2066}', '\u{2069}', '\u{85}', '\u{7f}',
        ] {
            assert!(is_unsafe(c), "{c:?}");
            assert!(!value(&c.to_string()).contains(c));
        }
        assert!(matches!(value("plain é ü 日本"), Cow::Borrowed(_)));
    }
}
