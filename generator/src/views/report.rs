//! Reports as listings, tag pages, stage pages and their own pages show them.

use serde::Serialize;

use super::schedule::StageView;
use super::Link;
use crate::load::{Page, Site};
use crate::reports::{section_url, Reports};
use crate::slug::slugify;

/// A report as listings show it.
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

pub(crate) fn summary(site: &Site, stages: &[StageView], page: &Page) -> ReportSummary {
    let translation = site.translation(&page.lang);
    let dates = &translation.dates;
    let stage_word = translation.get("stage");
    let base = section_url(site, &page.lang, page.parent_section().unwrap_or(""));
    let date = page.report_date().unwrap_or_default();
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

/// A report's own page: its summary, its neighbours and its listing; `None` for other pages.
pub(crate) fn report_view(site: &Site, reports: &Reports, stages: &[StageView], page: &Page) -> Option<ReportView> {
    let neighbours = reports.neighbours(page)?;
    let link = |other: &Page| Link { title: other.front.title.clone(), url: other.url.clone() };
    let listing = site.page(&page.lang, &format!("{}/_index", neighbours.section)).map(link)?;
    Some(ReportView {
        summary: summary(site, stages, page),
        next: neighbours.newer.map(link),
        previous: neighbours.older.map(link),
        listing,
    })
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
