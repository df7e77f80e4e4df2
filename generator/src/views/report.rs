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
pub(crate) struct ReportView<'s> {
    #[serde(flatten)]
    pub(crate) summary: &'s ReportSummary,
    /// The older and newer report in the same language.
    pub(crate) previous: Option<Link>,
    pub(crate) next: Option<Link>,
    /// The listing the report belongs to.
    pub(crate) listing: Link,
}

/// One page of a listing.
#[derive(Serialize)]
pub(crate) struct Paginator<'s> {
    pub(crate) items: Vec<&'s ReportSummary>,
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

/// A report's own page: its summary (made once, see [`summary`]), its neighbours and its
/// listing; `None` for other pages.
pub(crate) fn report_view<'s>(
    site: &Site,
    reports: &Reports,
    summary: &'s ReportSummary,
    page: &Page,
) -> Option<ReportView<'s>> {
    let neighbours = reports.neighbours(page)?;
    let link = |other: &Page| Link { title: other.front.title.clone(), url: other.url.clone() };
    let listing = site.page(&page.lang, &format!("{}/_index", neighbours.section)).map(link)?;
    Some(ReportView { summary, next: neighbours.newer.map(link), previous: neighbours.older.map(link), listing })
}

/// How many pages a listing of `items` takes, `per_page` to a page; an empty one has one.
pub(crate) fn page_count(items: usize, per_page: usize) -> usize {
    items.div_ceil(per_page.max(1)).max(1)
}

/// The part of `list` on page `number` (from 1), `per_page` to a page.
pub(crate) fn page_of<T>(list: &[T], per_page: usize, number: usize) -> &[T] {
    list.chunks(per_page.max(1)).nth(number.saturating_sub(1)).unwrap_or_default()
}

/// Page `number` (from 1) of a listing of `count` reports, `per_page` to a page, showing
/// `items` (see [`page_of`]): the first is at `base`, then `base/page/N/`.
pub(crate) fn paginator<'s>(
    count: usize,
    items: Vec<&'s ReportSummary>,
    per_page: usize,
    number: usize,
    base: &str,
) -> Paginator<'s> {
    let total = page_count(count, per_page);
    let url = |number: usize| {
        if number == 1 {
            base.to_string()
        } else {
            format!("{base}page/{number}/")
        }
    };
    Paginator {
        items,
        number,
        total,
        previous: (number > 1).then(|| url(number - 1)),
        next: (number < total).then(|| url(number + 1)),
        pages: (1..=total).map(|n| PageLink { number: n, url: url(n), current: n == number }).collect(),
        url: url(number),
    }
}
