//! Reports: the pages of a section with `paginate_by`. They are listed newest first, page by
//! page; per tag; on the page of the stage they are about; in an Atom feed per language; and
//! each links to the previous and next report.

use std::collections::{BTreeMap, HashMap};

use content_model::escape_html;
use serde::Serialize;

use crate::load::{Page, Site};
use crate::slug::slugify;
use crate::views::{Link, StageView};

/// A report as listings and the feed show it.
#[derive(Serialize, Clone)]
pub(crate) struct ReportSummary {
    pub(crate) title: String,
    pub(crate) url: String,
    /// `2020-11-09`, for `<time datetime>`.
    pub(crate) iso: String,
    /// As people write it in the page's language.
    pub(crate) date: String,
    pub(crate) summary: Option<String>,
    pub(crate) stage: Option<Link>,
    pub(crate) tags: Vec<Link>,
    /// The listing of the report's section.
    pub(crate) listing_url: String,
}

/// What a report's own page shows besides its text.
#[derive(Serialize)]
pub(crate) struct ReportView {
    #[serde(flatten)]
    pub(crate) summary: ReportSummary,
    /// The older and newer report in the same language.
    pub(crate) previous: Option<Link>,
    pub(crate) next: Option<Link>,
    /// The listing the report belongs to.
    pub(crate) listing: Link,
}

/// One page of a listing.
#[derive(Serialize)]
pub(crate) struct Paginator {
    pub(crate) items: Vec<ReportSummary>,
    pub(crate) number: usize,
    pub(crate) total: usize,
    pub(crate) previous: Option<String>,
    pub(crate) next: Option<String>,
    pub(crate) pages: Vec<PageLink>,
    /// Where this page of the listing is published.
    #[serde(skip)]
    pub(crate) url: String,
}

#[derive(Serialize)]
pub(crate) struct PageLink {
    pub(crate) number: usize,
    pub(crate) url: String,
    pub(crate) current: bool,
}

/// A tag of one language's reports, with its reports, newest first.
pub(crate) struct Tag<'a> {
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) reports: Vec<&'a Page>,
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
        for page in site.pages.iter().filter(|page| page.report) {
            let section = page.parent_section().unwrap_or("");
            lists.entry(page.lang.as_str()).or_default().entry(section).or_default().push(page);
        }
        let mut positions: HashMap<&str, HashMap<&str, (&str, usize)>> = HashMap::new();
        for (lang, sections) in lists.iter_mut() {
            for (section, list) in sections.iter_mut() {
                list.sort_by(|a, b| (b.date, &a.front.title).cmp(&(a.date, &b.front.title)));
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
        let mut found: Vec<&Page> = self
            .lists
            .get(lang)
            .into_iter()
            .flat_map(|sections| sections.values())
            .flat_map(|list| list.iter().copied())
            .filter(|page| page.front.stage.as_deref() == Some(stage))
            .collect();
        found.sort_by_key(|page| std::cmp::Reverse(page.date));
        found
    }

    /// The newest `count` reports in `lang`, across sections.
    pub(crate) fn latest(&self, lang: &str, count: usize) -> Vec<&'a Page> {
        let mut all: Vec<&Page> = self
            .lists
            .get(lang)
            .into_iter()
            .flat_map(|sections| sections.values())
            .flat_map(|list| list.iter().copied())
            .collect();
        all.sort_by_key(|page| std::cmp::Reverse(page.date));
        all.truncate(count);
        all
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

    pub(crate) fn view(&self, site: &Site, stages: &[StageView], page: &Page) -> Option<ReportView> {
        let (section, index) = *self.positions.get(page.lang.as_str())?.get(page.canonical.as_str())?;
        let list = self.list(&page.lang, section);
        let link = |other: &Page| Link { title: other.front.title.clone(), url: other.url.clone() };
        let listing = site
            .page(&page.lang, &format!("{section}/_index"))
            .map(|p| Link { title: p.front.title.clone(), url: p.url.clone() })?;
        Some(ReportView {
            summary: summary(site, stages, page),
            // The list runs newest first: the next report is the one before.
            next: index.checked_sub(1).and_then(|i| list.get(i)).map(|other| link(other)),
            previous: list.get(index + 1).map(|other| link(other)),
            listing,
        })
    }
}

/// The URL of a section's listing in `lang`.
pub(crate) fn section_url(site: &Site, lang: &str, section: &str) -> String {
    site.page(lang, &format!("{section}/_index")).map(|page| page.url.clone()).unwrap_or_else(|| format!("/{lang}/"))
}

pub(crate) fn summary(site: &Site, stages: &[StageView], page: &Page) -> ReportSummary {
    let translation = site.translation(&page.lang);
    let dates = &translation.dates;
    let stage_word = translation.get("stage");
    let base = section_url(site, &page.lang, page.parent_section().unwrap_or(""));
    let date = page.date.unwrap_or_default();
    ReportSummary {
        title: page.front.title.clone(),
        url: page.url.clone(),
        iso: date.to_string(),
        date: dates.date(date),
        summary: page.front.summary.clone(),
        stage: page.front.stage.as_deref().and_then(|id| stages.iter().find(|stage| stage.id == id)).map(|stage| {
            Link { title: format!("{} {stage_word}", stage.id), url: stage.url.clone().unwrap_or_default() }
        }),
        tags: page
            .front
            .tags
            .iter()
            .map(|name| Link { title: name.clone(), url: format!("{base}tags/{}/", slugify(name)) })
            .collect(),
        listing_url: base,
    }
}

/// Splits a listing into pages of `per_page`; the first is at `base`, then `base/page/N/`.
pub(crate) fn paginate(items: Vec<ReportSummary>, per_page: usize, base: &str) -> Vec<Paginator> {
    let per_page = per_page.max(1);
    let total = items.len().div_ceil(per_page).max(1);
    let url = |number: usize| {
        if number == 1 {
            base.to_string()
        } else {
            format!("{base}page/{number}/")
        }
    };
    let mut chunks: Vec<Vec<ReportSummary>> = items.chunks(per_page).map(<[_]>::to_vec).collect();
    if chunks.is_empty() {
        chunks.push(Vec::new());
    }
    chunks
        .into_iter()
        .enumerate()
        .map(|(index, items)| {
            let number = index + 1;
            Paginator {
                items,
                number,
                total,
                previous: (number > 1).then(|| url(number - 1)),
                next: (number < total).then(|| url(number + 1)),
                pages: (1..=total).map(|n| PageLink { number: n, url: url(n), current: n == number }).collect(),
                url: url(number),
            }
        })
        .collect()
}

/// The Atom feed of a section in `lang`: its 50 newest reports, each with its whole text.
pub(crate) fn atom(
    site: &Site,
    lang: &str,
    section: &str,
    bodies: &HashMap<(&str, &str), &str>,
    reports: &Reports,
) -> String {
    let base = &site.config.base_url;
    let listing = site.page(lang, &format!("{section}/_index"));
    let url = format!("{base}{}", section_url(site, lang, section));
    let title =
        format!("{} – {}", site.translation(lang).get("site_title"), listing.map_or("", |p| p.front.title.as_str()));
    let offset = &site.config.timezone;
    let stamp = |page: &Page| format!("{}T00:00:00{offset}", page.date.unwrap_or_default());
    let list = reports.list(lang, section);
    let updated = list.first().map(|page| stamp(page)).unwrap_or_else(|| "2020-11-01T00:00:00+06:00".into());
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{lang}\">\n  <title>{}</title>\n  <id>{url}</id>\n  <link rel=\"self\" type=\"application/atom+xml\" href=\"{url}atom.xml\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\n  <updated>{updated}</updated>\n  <author><name>{}</name></author>\n",
        escape_html(&title),
        escape_html(site.translation(lang).get("site_title")),
    );
    for page in list.iter().take(50) {
        let link = format!("{base}{}", page.url);
        xml.push_str(&format!(
            "  <entry>\n    <title>{}</title>\n    <id>{link}</id>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{link}\"/>\n    <published>{}</published>\n    <updated>{}</updated>\n",
            escape_html(&page.front.title),
            stamp(page),
            stamp(page)
        ));
        if let Some(summary) = &page.front.summary {
            xml.push_str(&format!("    <summary>{}</summary>\n", escape_html(summary)));
        }
        for tag in &page.front.tags {
            xml.push_str(&format!(
                "    <category term=\"{}\" label=\"{}\"/>\n",
                escape_html(&slugify(tag)),
                escape_html(tag)
            ));
        }
        let body = bodies.get(&(page.lang.as_str(), page.canonical.as_str())).copied().unwrap_or("");
        // Links inside the text are site-relative; feed readers need them whole.
        let body = body.replace("href=\"/", &format!("href=\"{base}/")).replace("src=\"/", &format!("src=\"{base}/"));
        xml.push_str(&format!("    <content type=\"html\">{}</content>\n  </entry>\n", escape_html(&body)));
    }
    xml.push_str("</feed>\n");
    xml
}
