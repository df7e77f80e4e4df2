//! Every page's URL: `/<lang>/`, then one segment per section (from its `_index` page) and
//! the page's slug; and no two pages at one URL.

use std::collections::HashMap;
use std::path::Path;

use content_model::{ContentError, Message};

use super::page::{parent_section, section_dir, Page, Parsed};
use crate::slug::slugify;

/// URLs: `/<lang>/` then one segment per section (from its `_index` page) and the page's slug.
pub(super) struct Urls {
    /// The URL segment of each section directory, by language.
    section_slugs: HashMap<(String, String), String>,
}

impl Urls {
    pub(super) fn new(pages: &[Parsed]) -> Self {
        let section_slugs = pages
            .iter()
            .filter_map(|page| {
                section_dir(&page.canonical)
                    .filter(|dir| !dir.is_empty())
                    .map(|dir| ((page.lang.clone(), dir.to_string()), page.own_slug()))
            })
            .collect();
        Self { section_slugs }
    }

    pub(super) fn of(&self, page: &Parsed) -> String {
        let mut url = format!("/{}/", page.lang);
        let own_dir = section_dir(&page.canonical);
        let dir = own_dir.or_else(|| parent_section(&page.canonical)).unwrap_or("");
        let mut prefix = String::new();
        for part in dir.split('/').filter(|part| !part.is_empty()) {
            prefix = if prefix.is_empty() { part.to_string() } else { format!("{prefix}/{part}") };
            let segment =
                self.section_slugs.get(&(page.lang.clone(), prefix.clone())).cloned().unwrap_or_else(|| slugify(part));
            url.push_str(&segment);
            url.push('/');
        }
        if own_dir.is_none() {
            url.push_str(&page.own_slug());
            url.push('/');
        }
        url
    }
}

/// No two pages at one URL.
pub(super) fn check_unique_urls(pages: &[Page], errors: &mut Vec<ContentError>) {
    let mut taken: HashMap<&str, &Path> = HashMap::new();
    for page in pages {
        if let Some(other) = taken.insert(&page.url, &page.source) {
            errors.push(ContentError::new(
                &page.source,
                Message::DuplicateUrl { url: page.url.clone(), other: other.display().to_string() },
            ));
        }
    }
}
