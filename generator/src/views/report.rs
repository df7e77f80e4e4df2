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
    /// The pages linked by number: the first, the last and [`PAGE_WINDOW`] either side of
    /// this one. A listing of thousands of pages links a dozen, not all of them: every page
    /// listing every other made the listings grow with the square of their length.
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
    /// Pages are left out between the one before and this one.
    pub(crate) gap_before: bool,
}

/// How many pages either side of the current one its paginator links.
pub(crate) const PAGE_WINDOW: usize = 2;

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

/// The numbers of the pages a paginator links, ascending: 1, the last, and the window
/// around `number`; at most `2 * PAGE_WINDOW + 5` of them, however long the listing.
fn window(number: usize, total: usize) -> impl Iterator<Item = usize> {
    let near = number.saturating_sub(PAGE_WINDOW).max(1)..=number.saturating_add(PAGE_WINDOW).min(total);
    let mut numbers: Vec<usize> = std::iter::once(1).chain(near).chain(std::iter::once(total)).collect();
    numbers.dedup();
    // A gap of one page shows that page: its number takes no more room than `…`.
    let mut filled = Vec::with_capacity(numbers.len() + 2);
    for n in numbers {
        if filled.last().is_some_and(|last| last + 2 == n) {
            filled.push(n - 1);
        }
        filled.push(n);
    }
    filled.into_iter()
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
        pages: window(number, total)
            .scan(0, |shown, n| {
                let gap_before = n > *shown + 1 && *shown > 0;
                *shown = n;
                Some(PageLink { number: n, url: url(n), current: n == number, gap_before })
            })
            .collect(),
        url: url(number),
    }
}

#[cfg(test)]
mod tests {
    use super::paginator;

    /// The numbers a paginator links, with `…` where it leaves pages out and `[n]` for the
    /// current one.
    fn shown(number: usize, total: usize) -> String {
        let pages = paginator(total * 10, Vec::new(), 10, number, "/ky/r/").pages;
        pages
            .iter()
            .map(|p| {
                let n = if p.current { format!("[{}]", p.number) } else { p.number.to_string() };
                if p.gap_before {
                    format!("… {n}")
                } else {
                    n
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn a_long_listing_links_the_ends_and_the_pages_near_the_current_one() {
        assert_eq!(shown(1, 1), "[1]");
        assert_eq!(shown(2, 3), "1 [2] 3");
        assert_eq!(shown(1, 5000), "[1] 2 3 … 5000");
        assert_eq!(shown(2500, 5000), "1 … 2498 2499 [2500] 2501 2502 … 5000");
        assert_eq!(shown(4, 5000), "1 2 3 [4] 5 6 … 5000");
        assert_eq!(shown(5000, 5000), "1 … 4998 4999 [5000]");
        assert_eq!(shown(5, 7), "1 2 3 4 [5] 6 7");
        assert_eq!(shown(5, 9), "1 2 3 4 [5] 6 7 8 9");
        assert_eq!(shown(5, 10), "1 2 3 4 [5] 6 7 … 10");
    }

    #[test]
    fn page_links_point_at_their_pages() {
        let pages = paginator(100, Vec::new(), 10, 5, "/ky/r/").pages;
        let urls: Vec<&str> = pages.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "/ky/r/",
                "/ky/r/page/2/",
                "/ky/r/page/3/",
                "/ky/r/page/4/",
                "/ky/r/page/5/",
                "/ky/r/page/6/",
                "/ky/r/page/7/",
                "/ky/r/page/10/"
            ]
        );
    }
}
