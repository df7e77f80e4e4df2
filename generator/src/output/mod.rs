//! Files of the built site: [`Output`], a path and its bytes, as every step makes them.
//!
//! They are written as they are made into a fresh folder that is swapped in only when the
//! whole site built, so a failed build never leaves a half-built site served
//! ([`next_folder`]), by writes that never follow a link out of that folder nor change a
//! file linked elsewhere ([`write`]). What the checks after rendering need (paths, links,
//! ids, inline scripts) is kept; the bytes are not ([`written`]).

// Declared, not re-exported: `Output` is what the checks (`csp`, `links`) and
// `fingerprint` read, and `written` reads them, so this module imports none of its own
// consumers.
pub(crate) mod next_folder;
pub(crate) mod write;
pub(crate) mod written;

/// A file of the built site, as a step made it.
pub(crate) struct Output {
    /// Path inside the output folder, with `/` separators: `ky/etaptar/index.html`.
    pub(crate) path: String,
    pub(crate) bytes: Vec<u8>,
}

impl Output {
    /// A page at a site URL ending in `/`.
    pub(crate) fn html(url: &str, html: String) -> Self {
        Self { path: page_path(url), bytes: html.into_bytes() }
    }

    pub(crate) fn file(path: &str, bytes: Vec<u8>) -> Self {
        Self { path: path.trim_start_matches('/').to_string(), bytes }
    }

    pub(crate) fn is_html(&self) -> bool {
        self.path.ends_with(".html")
    }
}

/// The file a page at a site URL ending in `/` is written to: `ky/etaptar/index.html`.
pub(crate) fn page_path(url: &str) -> String {
    format!("{}index.html", url.trim_start_matches('/'))
}
