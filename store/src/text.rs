//! Characters that change how text looks without being seen: direction overrides that turn
//! `Айгуль <U+202E>gnp.exe` into `Айгуль exe.png` on screen, zero-width and tag characters that make
//! two equal-looking names differ. The intake refuses them in short answers; every tool that
//! prints stored text shows them as `<U+202E>` instead (what was stored before the rule, or
//! in a long text, is still shown honestly).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is a format character a reader cannot see: bidirectional controls, zero-width
/// spaces and joiners, invisible operators, tag characters, fillers that pass for blanks, the
/// soft hyphen and the line and paragraph separators. Variation selectors (which pick an
/// emoji's look) are not among them.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// `text` as it can be shown on a terminal or in a sheet: every invisible character and every
/// control character other than a line break or a tab written as `<U+XXXX>`.
pub fn printable(text: &str) -> Cow<'_, str> {
    let hidden = |c: char| is_invisible(c) || (c.is_control() && c != '\n' && c != '\t');
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if hidden(c) {
            // Writing to a String cannot fail.
            let _ = write!(shown, "<U+{:04X}>", u32::from(c));
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_direction_override_is_shown_not_obeyed() {
        assert_eq!(printable("Айгуль \u{202E}gnp.exe\u{202C}"), "Айгуль <U+202E>gnp.exe<U+202C>");
        assert_eq!(printable("a\u{200B}b\u{E0041}\u{FEFF}"), "a<U+200B>b<U+E0041><U+FEFF>");
        assert_eq!(printable("x\u{1b}[31m"), "x<U+001B>[31m");
    }

    #[test]
    fn ordinary_text_is_left_as_it_is() {
        for text in ["Айгүл Төлөгөнова", "Нарын обл., ө ү ң", "line\nbreak\tand tab", "👍🏽 ❤\u{FE0F}"]
        {
            assert!(matches!(printable(text), Cow::Borrowed(_)), "{text}");
        }
    }
}
