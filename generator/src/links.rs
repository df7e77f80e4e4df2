//! Every `href` and `src` inside the built site must point at a file (and an `id`) that exists.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use content_model::{ContentError, Message};

use crate::fingerprint::Fingerprints;

/// What the link check needs of one HTML page: its links, each once, and its ids.
pub(crate) struct PageLinks {
    path: String,
    /// `href` values, then `src` values, in page order, each once.
    links: Vec<Box<str>>,
    ids: HashSet<Box<str>>,
}

impl PageLinks {
    /// Reads the links and ids of the page at output path `path`.
    pub(crate) fn scan(path: &str, html: &str) -> Self {
        let mut seen = HashSet::new();
        let links = attribute_values(html, "href")
            .chain(attribute_values(html, "src"))
            .filter(|link| seen.insert(*link))
            .map(Box::from)
            .collect();
        Self { path: path.to_string(), links, ids: attribute_values(html, "id").map(Box::from).collect() }
    }

    /// Whether `other` has the same ids: links to this page's parts then still hold.
    pub(crate) fn same_ids(&self, other: &PageLinks) -> bool {
        self.ids == other.ids
    }

    /// The output path of the page.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }
}

/// `pages` are the HTML pages in output order and `files` every output path; `sources` maps
/// an output path to the file an editor would fix (the content file, or a template);
/// `fingerprints` names the files that are published under another name. With `only`, the
/// links of just those pages (positions in `pages`) are checked.
pub(crate) fn check_links(
    pages: &[PageLinks],
    only: Option<&HashSet<usize>>,
    files: &HashSet<String>,
    sources: &HashMap<String, PathBuf>,
    fallback: &Path,
    fingerprints: &Fingerprints,
) -> Vec<ContentError> {
    let ids: HashMap<&str, &HashSet<Box<str>>> = pages.iter().map(|page| (page.path.as_str(), &page.ids)).collect();
    let mut errors = Vec::new();
    let checked = pages.iter().enumerate().filter(|(at, _)| only.is_none_or(|only| only.contains(at)));
    for (_, page) in checked {
        let source = sources.get(&page.path).map(PathBuf::as_path).unwrap_or(fallback);
        for link in page.links.iter().map(|link| &**link) {
            let Some((file, fragment)) = target(&page.path, link) else {
                continue;
            };
            let (link, page) = (link.to_string(), page.path.clone());
            let problem = if let Some(published) = fingerprints.url(&format!("/{file}")) {
                Some(Message::LinkPublishedAs { link, published: published.to_string(), file, page })
            } else if !files.contains(file.as_str()) {
                Some(Message::LinkNotOnSite { link, page })
            } else {
                fragment
                    .filter(|fragment| !ids.get(file.as_str()).is_some_and(|ids| ids.contains(*fragment)))
                    .map(|fragment| Message::LinkMissingAnchor { link, fragment: fragment.to_string(), page })
            };
            if let Some(problem) = problem {
                errors.push(ContentError::new(source, problem));
            }
        }
    }
    errors
}

/// Resolves a link found on the page at `page_path` to (output file, fragment), or `None`
/// when it leaves the site.
fn target<'a>(page_path: &str, link: &'a str) -> Option<(String, Option<&'a str>)> {
    if link.starts_with("//")
        || link.contains("://")
        || link.starts_with("mailto:")
        || link.starts_with("tel:")
        || link.starts_with("data:")
    {
        return None;
    }
    let (path, fragment) = match link.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment).filter(|f| !f.is_empty())),
        None => (link, None),
    };
    let path = path.split('?').next().unwrap_or("");
    let dir = page_path.rsplit_once('/').map_or("", |(dir, _)| dir);
    let joined = if path.is_empty() {
        return Some((page_path.to_string(), fragment));
    } else if let Some(absolute) = path.strip_prefix('/') {
        absolute.to_string()
    } else {
        format!("{dir}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    let mut file = parts.join("/");
    if path.ends_with('/') || file.is_empty() {
        if !file.is_empty() {
            file.push('/');
        }
        file.push_str("index.html");
    }
    Some((file, fragment))
}

/// Values of `name="…"` attributes, with `&amp;` decoded. Our templates always quote with `"`.
fn attribute_values<'a>(html: &'a str, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let needle = format!(" {name}=\"");
    let mut rest = html;
    std::iter::from_fn(move || {
        let start = rest.find(&needle)? + needle.len();
        let end = rest[start..].find('"')? + start;
        let value = &rest[start..end];
        rest = &rest[end..];
        Some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Output;

    fn check(outputs: &[Output], fingerprints: &Fingerprints) -> Vec<ContentError> {
        let pages: Vec<PageLinks> = outputs
            .iter()
            .filter(|output| output.is_html())
            .map(|output| PageLinks::scan(&output.path, std::str::from_utf8(&output.bytes).unwrap()))
            .collect();
        let files = outputs.iter().map(|output| output.path.clone()).collect();
        check_links(&pages, None, &files, &HashMap::new(), Path::new("templates"), fingerprints)
    }

    #[test]
    fn resolves_absolute_relative_and_fragment_links() {
        assert_eq!(target("ky/a/index.html", "/ru/"), Some(("ru/index.html".into(), None)));
        assert_eq!(target("ky/a/index.html", "../b/#x"), Some(("ky/b/index.html".into(), Some("x"))));
        assert_eq!(target("ky/a/index.html", "#x"), Some(("ky/a/index.html".into(), Some("x"))));
        assert_eq!(target("ky/a/index.html", "/style.css"), Some(("style.css".into(), None)));
        assert_eq!(target("ky/a/index.html", "https://vap.kg"), None);
        assert_eq!(target("ky/a/index.html", "mailto:a@b"), None);
    }

    #[test]
    fn reports_missing_pages_and_anchors() {
        let outputs = vec![
            Output::file(
                "ky/index.html",
                br##"<a href="/ky/nowhere/">x</a><a href="/ru/#top">y</a><p id="me"></p><a href="#me">z</a>"##.to_vec(),
            ),
            Output::file("ru/index.html", b"<p></p>".to_vec()),
        ];
        let errors = check(&outputs, &Fingerprints::default());
        let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        assert_eq!(
            messages,
            vec![
                "links to /ky/nowhere/, which is not part of the site (on /ky/index.html)",
                "links to /ru/#top, but that page has no `#top` (on /ky/index.html)"
            ]
        );
    }

    #[test]
    fn a_plain_name_of_a_fingerprinted_file_says_how_to_link_it() {
        let mut outputs = vec![
            Output::file("images/a.png", b"png".to_vec()),
            Output::file("ky/index.html", br#"<img src="/images/a.png" alt="a">"#.to_vec()),
        ];
        let fingerprints = Fingerprints::apply(&mut outputs);
        let errors = check(&outputs, &fingerprints);
        assert_eq!(
            errors[0].message.to_string(),
            format!(
                "links to /images/a.png, which is published as {}: write it as Markdown, `![…](/images/a.png)` \
                 or `[…](/images/a.png)`, so that the link follows the file (on /ky/index.html)",
                fingerprints.url("/images/a.png").unwrap()
            )
        );
    }
}
