/// Escapes text for HTML and XML: `& < > " '`. (Tera's default also escapes `/`, which
/// only makes every URL longer.)
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_quotes_but_not_slashes() {
        assert_eq!(
            super::escape_html("<a href=\"/ky/\">Ө & 'ң'</a>"),
            "&lt;a href=&quot;/ky/&quot;&gt;Ө &amp; &#39;ң&#39;&lt;/a&gt;"
        );
    }
}
