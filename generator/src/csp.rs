//! The Content-Security-Policy the site is served with: everything from the site itself, and
//! of inline scripts exactly those the build wrote, each allowed by the SHA-256 of its text.
//! Inline styles, `<style>` elements and `on…=` handlers would be blocked by that policy, so
//! the build refuses them instead of shipping a page that breaks only in production.

use std::collections::BTreeSet;

use base64::Engine as _;
use content_model::Message;
use sha2::{Digest, Sha256};

use crate::output::Output;

/// The policy for these outputs, and what in them the policy would block, as
/// (output path, problem).
pub(crate) fn content_security_policy(outputs: &[Output]) -> (String, Vec<(String, Message)>) {
    let mut hashes = BTreeSet::new();
    let mut problems = Vec::new();
    for output in outputs.iter().filter(|output| output.is_html()) {
        let inline = scan(std::str::from_utf8(&output.bytes).unwrap_or(""));
        hashes.extend(inline.scripts.iter().map(|script| script_hash(script)));
        problems.extend(inline.blocked.into_iter().map(|blocked| (output.path.clone(), blocked.on(&output.path))));
    }
    (policy(&hashes), problems)
}

/// The policy of a page without inline scripts.
pub(crate) fn base_policy() -> &'static str {
    static BASE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BASE.get_or_init(|| policy(&BTreeSet::new()))
}

/// The policy string, allowing the inline scripts with these `'sha256-…'` sources.
fn policy(script_hashes: &BTreeSet<String>) -> String {
    // The search (Pagefind) compiles its WebAssembly, in the page or in its worker: that
    // takes `'wasm-unsafe-eval'`, which allows WebAssembly only, not `eval` of JavaScript.
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for hash in script_hashes {
        script_src.push(' ');
        script_src.push_str(hash);
    }
    format!(
        "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; form-action 'self'; base-uri 'self'; frame-ancestors 'none'; object-src 'none'"
    )
}

/// `'sha256-…'` for a script's text as the browser hashes it: its characters as written
/// (no entity is decoded inside `<script>`), line ends as the HTML parser leaves them.
pub(crate) fn script_hash(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let digest = Sha256::digest(text.as_bytes());
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
}

/// What a page has inline.
#[derive(Debug, Default, PartialEq)]
struct Inline<'a> {
    /// The text of every inline `<script>` the browser runs (not JSON data blocks).
    scripts: Vec<&'a str>,
    /// What the policy would block: `<style>` elements, `style` and `on…` attributes,
    /// `javascript:` URLs.
    blocked: Vec<Blocked>,
}

/// One thing on a page that the policy would block.
#[derive(Debug, PartialEq)]
enum Blocked {
    StyleAttribute { element: String },
    Handler { attribute: String, element: String },
    JavascriptUrl { element: String, attribute: String },
    StyleElement,
}

impl Blocked {
    /// The message for this on the page at output path `page`.
    fn on(self, page: &str) -> Message {
        let page = page.to_string();
        match self {
            Blocked::StyleAttribute { element } => Message::CspStyleAttribute { element, page },
            Blocked::Handler { attribute, element } => Message::CspHandler { attribute, element, page },
            Blocked::JavascriptUrl { element, attribute } => Message::CspJavascriptUrl { element, attribute, page },
            Blocked::StyleElement => Message::CspStyleElement { page },
        }
    }
}

/// Reads a page's tags in order, skipping comments and the text of scripts.
fn scan(html: &str) -> Inline<'_> {
    let lower = html.to_ascii_lowercase();
    let mut inline = Inline::default();
    let mut at = 0;
    while let Some(found) = lower[at..].find('<') {
        let start = at + found;
        let rest = &lower[start..];
        if rest.starts_with("<!--") {
            at = rest.find("-->").map_or(html.len(), |end| start + end + 3);
            continue;
        }
        let name_len = rest[1..].find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len() - 1);
        if name_len == 0 || !rest[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
            at = start + 1;
            continue;
        }
        let name = &rest[1..1 + name_len];
        let (attributes, tag_end) = attributes(html, start + 1 + name_len);
        for (attribute, value) in &attributes {
            let lower_value = value.trim_start().to_ascii_lowercase();
            if attribute == "style" {
                inline.blocked.push(Blocked::StyleAttribute { element: name.to_string() });
            } else if attribute.len() > 2 && attribute.starts_with("on") {
                inline.blocked.push(Blocked::Handler { attribute: attribute.clone(), element: name.to_string() });
            } else if lower_value.starts_with("javascript:") {
                inline.blocked.push(Blocked::JavascriptUrl { element: name.to_string(), attribute: attribute.clone() });
            }
        }
        at = tag_end;
        match name {
            "script" | "style" => {
                let close = format!("</{name}");
                let body_end = lower[at..].find(&close).map_or(html.len(), |end| at + end);
                let body = &html[at..body_end];
                if name == "style" {
                    inline.blocked.push(Blocked::StyleElement);
                } else if runs(&attributes) {
                    inline.scripts.push(body);
                }
                at = body_end;
            }
            _ => {}
        }
    }
    inline
}

/// Whether a `<script>` with these attributes is inline JavaScript the browser runs: no
/// `src`, and no `type` or a JavaScript one. Data blocks (`application/json`) never run,
/// so the policy has nothing to say about them.
fn runs(attributes: &[(String, String)]) -> bool {
    if attributes.iter().any(|(name, _)| name == "src") {
        return false;
    }
    match attributes.iter().find(|(name, _)| name == "type") {
        None => true,
        Some((_, kind)) => {
            let kind = kind.trim().to_ascii_lowercase();
            kind.is_empty()
                || kind == "module"
                || matches!(
                    kind.as_str(),
                    "text/javascript"
                        | "application/javascript"
                        | "application/ecmascript"
                        | "application/x-ecmascript"
                        | "application/x-javascript"
                        | "text/ecmascript"
                        | "text/jscript"
                        | "text/livescript"
                        | "text/x-ecmascript"
                        | "text/x-javascript"
                )
                || kind.starts_with("text/javascript1.")
        }
    }
}

/// The attributes of the tag whose name ends at `from`, as (lower-case name, value), and
/// where the tag ends (after its `>`).
// Every index is compared with `bytes.len()` just before it is used, and the scan stops only
// on ASCII bytes, so every slice falls on a character boundary of the same string.
#[allow(clippy::indexing_slicing)]
fn attributes(html: &str, from: usize) -> (Vec<(String, String)>, usize) {
    let bytes = html.as_bytes();
    let mut found = Vec::new();
    let mut at = from;
    let skip_space = |at: &mut usize| {
        while *at < bytes.len() && (bytes[*at].is_ascii_whitespace() || bytes[*at] == b'/') {
            *at += 1;
        }
    };
    loop {
        skip_space(&mut at);
        if at >= bytes.len() {
            return (found, bytes.len());
        }
        if bytes[at] == b'>' {
            return (found, at + 1);
        }
        let name_start = at;
        while at < bytes.len() && !bytes[at].is_ascii_whitespace() && !matches!(bytes[at], b'=' | b'>' | b'/') {
            at += 1;
        }
        let name = html[name_start..at].to_ascii_lowercase();
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let mut value = String::new();
        if at < bytes.len() && bytes[at] == b'=' {
            at += 1;
            while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            if at < bytes.len() && (bytes[at] == b'"' || bytes[at] == b'\'') {
                let quote = bytes[at];
                let value_start = at + 1;
                let value_end = html[value_start..].find(quote as char).map_or(html.len(), |end| value_start + end);
                value = html[value_start..value_end].to_string();
                at = (value_end + 1).min(html.len());
            } else {
                let value_start = at;
                while at < bytes.len() && !bytes[at].is_ascii_whitespace() && bytes[at] != b'>' {
                    at += 1;
                }
                value = html[value_start..at].to_string();
            }
        }
        if !name.is_empty() {
            found.push((name, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_running_scripts_and_skips_data_blocks_and_comments() {
        let page = "<p>x</p><!-- <script>old()</script> --><script type=\"application/json\" id=\"rules\">{\"a\": 1}</script>\n<SCRIPT>\nrun(\"</p>\");\n</SCRIPT><script type=module>go()</script><script src=\"/a.js\"></script>";
        assert_eq!(scan(page).scripts, vec!["\nrun(\"</p>\");\n", "go()"]);
        assert!(scan(page).blocked.is_empty());
    }

    #[test]
    fn hashes_what_browsers_hash() {
        // The SHA-256 of `alert(1)` in base64, as `openssl dgst -sha256 -binary | base64` gives it.
        assert_eq!(script_hash("alert(1)"), "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='");
        assert_eq!(script_hash("a\r\nb"), script_hash("a\nb"));
    }

    #[test]
    fn reports_what_the_policy_would_block() {
        let page = "<span class=\"bar\" style=\"width: 60%\">x</span><button onclick=\"go()\">b</button>\
                    <a href=\" javascript:go()\">c</a><style>p{}</style><p data-style=\"x\">style=\"in text\"</p>";
        let blocked: Vec<String> =
            scan(page).blocked.into_iter().map(|blocked| blocked.on("ky/index.html").to_string()).collect();
        let blocks = ": the site's Content-Security-Policy blocks it (on /ky/index.html)";
        assert_eq!(
            blocked,
            vec![
                format!("a `style` attribute on <span> (put the rule in style.css){blocks}"),
                format!("an `onclick` handler on <button> (use a script){blocks}"),
                format!("a `javascript:` URL in <a href>{blocks}"),
                format!("a <style> element (put the rules in style.css){blocks}"),
            ]
        );
    }

    #[test]
    fn the_policy_lists_each_hash_once_in_order() {
        let outputs = vec![
            Output::file("ky/index.html", b"<script>b()</script><script>a()</script>".to_vec()),
            Output::file("ru/index.html", b"<script>a()</script>".to_vec()),
            Output::file("ky/pagefind/pagefind.js", b"<script>c()</script>".to_vec()),
        ];
        let (policy, problems) = content_security_policy(&outputs);
        let (a, b) = (script_hash("a()"), script_hash("b()"));
        let (first, second) = if a < b { (a, b) } else { (b, a) };
        assert_eq!(
            policy,
            format!(
                "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {first} {second}; style-src 'self'; img-src 'self' data:; \
                 connect-src 'self'; form-action 'self'; base-uri 'self'; frame-ancestors 'none'; object-src 'none'"
            )
        );
        assert!(problems.is_empty());
    }
}
