//! The `Content-Type` each file of the built site is served with: the same for the preview
//! (`serve`) and for the bucket (`deploy`), so the preview shows what production serves.

/// The `Content-Type` a file is served with: the registered type for its extension, text
/// always in UTF-8 (as the generator writes it), and feeds as Atom.
pub(crate) fn content_type(key: &str) -> String {
    let name = key.rsplit('/').next().unwrap_or(key);
    let extension = name.rsplit_once('.').map(|(_, extension)| extension.to_ascii_lowercase()).unwrap_or_default();
    let essence = match extension.as_str() {
        _ if name == "atom.xml" => "application/atom+xml",
        "xml" => "application/xml",
        "js" | "mjs" => "text/javascript",
        _ => mime_guess::from_ext(&extension).first_raw().unwrap_or("application/octet-stream"),
    };
    let textual = essence.starts_with("text/")
        || matches!(essence, "application/xml" | "application/atom+xml" | "application/rss+xml");
    if textual {
        format!("{essence}; charset=utf-8")
    } else {
        essence.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_file_we_emit_has_its_type() {
        for (key, expected) in [
            ("ky/index.html", "text/html; charset=utf-8"),
            ("404.html", "text/html; charset=utf-8"),
            ("ky/calendar.ics", "text/calendar; charset=utf-8"),
            ("ky/otchettor/atom.xml", "application/atom+xml; charset=utf-8"),
            ("sitemap.xml", "application/xml; charset=utf-8"),
            ("robots.txt", "text/plain; charset=utf-8"),
            ("ky/search.json", "application/json"),
            ("style.3f2a9c1b.css", "text/css; charset=utf-8"),
            ("app.3f2a9c1b.js", "text/javascript; charset=utf-8"),
            ("favicon.3f2a9c1b.svg", "image/svg+xml"),
            ("favicon.ico", "image/x-icon"),
            ("images/a.3f2a9c1b.jpg", "image/jpeg"),
            ("images/a.3f2a9c1b.PNG", "image/png"),
            ("images/a.3f2a9c1b.webp", "image/webp"),
            ("files/rules.pdf", "application/pdf"),
            ("LICENSE", "application/octet-stream"),
        ] {
            assert_eq!(content_type(key), expected, "{key}");
        }
    }
}
