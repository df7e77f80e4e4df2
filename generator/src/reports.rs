//! Reports: the pages of a section with `paginate_by`, sorted and indexed once per build so
//! that listings, tag pages, stage pages, the feed and each report's neighbours agree.

use std::collections::{BTreeMap, HashMap};

use crate::load::{Page, PageKind, Site};
use crate::slug::slugify;

/// A tag of one language's reports, with its reports, newest first.
pub(crate) struct Tag<'a> {
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) reports: Vec<&'a Page>,
}

/// A report's place in its section's list.
pub(crate) struct Neighbours<'a> {
    /// The section directory: `reports`.
    pub(crate) section: &'a str,
    pub(crate) newer: Option<&'a Page>,
    pub(crate) older: Option<&'a Page>,
}

/// Every report, sorted and indexed once per build.
pub(crate) struct Reports<'a> {
    /// By language, then section directory; newest first.
    lists: HashMap<&'a str, HashMap<&'a str, Vec<&'a Page>>>,
    /// By language, then canonical path: (section directory, position in its list).
    positions: HashMap<&'a str, HashMap<&'a str, (&'a str, usize)>>,
}

impl<'a> Reports<'a> {
    pub(crate) fn new(site: &'a Site) -> Self {
        let mut lists: HashMap<&str, HashMap<&str, Vec<&Page>>> = HashMap::new();
        for page in &site.pages {
            if let PageKind::Report { section, .. } = &page.kind {
                lists.entry(page.lang.as_str()).or_default().entry(section.as_str()).or_default().push(page);
            }
        }
        let mut positions: HashMap<&str, HashMap<&str, (&str, usize)>> = HashMap::new();
        for (lang, sections) in lists.iter_mut() {
            for (section, list) in sections.iter_mut() {
                list.sort_by(|a, b| (b.report_date(), &a.front.title).cmp(&(a.report_date(), &b.front.title)));
                for (index, page) in list.iter().enumerate() {
                    positions.entry(*lang).or_default().insert(page.canonical.as_str(), (*section, index));
                }
            }
        }
        Self { lists, positions }
    }

    /// The reports of section `section` in `lang`, newest first.
    pub(crate) fn list(&self, lang: &str, section: &str) -> &[&'a Page] {
        self.lists.get(lang).and_then(|sections| sections.get(section)).map(Vec::as_slice).unwrap_or(&[])
    }

    /// All reports in `lang` about `stage`, newest first.
    pub(crate) fn about_stage(&self, lang: &str, stage: &str) -> Vec<&'a Page> {
        let mut found: Vec<&Page> = self.all(lang).filter(|page| page.front.stage.as_deref() == Some(stage)).collect();
        found.sort_by_key(|page| std::cmp::Reverse(page.report_date()));
        found
    }

    /// The newest `count` reports in `lang`, across sections.
    pub(crate) fn latest(&self, lang: &str, count: usize) -> Vec<&'a Page> {
        let mut all: Vec<&Page> = self.all(lang).collect();
        all.sort_by_key(|page| std::cmp::Reverse(page.report_date()));
        all.truncate(count);
        all
    }

    fn all(&self, lang: &str) -> impl Iterator<Item = &'a Page> + '_ {
        self.lists.get(lang).into_iter().flat_map(|sections| sections.values()).flat_map(|list| list.iter().copied())
    }

    /// Tags of section `section` in `lang`, by name.
    pub(crate) fn tags(&self, site: &Site, lang: &str, section: &str) -> Vec<Tag<'a>> {
        let base = section_url(site, lang, section);
        let mut tags: BTreeMap<String, Tag> = BTreeMap::new();
        for page in self.list(lang, section) {
            for name in &page.front.tags {
                let slug = slugify(name);
                tags.entry(slug.clone())
                    .or_insert_with(|| Tag {
                        name: name.clone(),
                        url: format!("{base}tags/{slug}/"),
                        reports: Vec::new(),
                    })
                    .reports
                    .push(page);
            }
        }
        tags.into_values().collect()
    }

    /// Where `page` stands in its section's list, if it is a report.
    pub(crate) fn neighbours(&self, page: &Page) -> Option<Neighbours<'a>> {
        let (section, index) = *self.positions.get(page.lang.as_str())?.get(page.canonical.as_str())?;
        let list = self.list(&page.lang, section);
        Some(Neighbours {
            section,
            // The list runs newest first: the newer report is the one before.
            newer: index.checked_sub(1).and_then(|i| list.get(i)).copied(),
            older: list.get(index + 1).copied(),
        })
    }
}

/// The URL of a section's listing in `lang`.
pub(crate) fn section_url(site: &Site, lang: &str, section: &str) -> String {
    site.page(lang, &format!("{section}/_index")).map(|page| page.url.clone()).unwrap_or_else(|| format!("/{lang}/"))
}
