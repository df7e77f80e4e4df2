//! What every page of one language shares: its words, menu, languages, schedule, contact.

use chrono::{DateTime, FixedOffset};
use content_model::{form_view, FormView};
use serde::Serialize;

use super::schedule::{schedule_view, ScheduleView};
use super::Link;
use crate::load::{Page, Site};

#[derive(Serialize)]
pub(crate) struct LanguageView<'a> {
    pub(crate) lang: &'a str,
    pub(crate) t: &'a std::collections::BTreeMap<String, String>,
    pub(crate) languages: Vec<LanguageLink<'a>>,
    pub(crate) nav: Vec<Link>,
    /// URL of every page in this language but reports by content path (`apply`,
    /// `stages/_index`), so templates can link to a page without knowing its slug. Reports
    /// are left out: every page carries this, and a site can have tens of thousands of them.
    pub(crate) urls: std::collections::BTreeMap<&'a str, &'a str>,
    pub(crate) schedule: ScheduleView,
    /// Inserted only for pages that show them (see `render::add_page`).
    #[serde(skip)]
    pub(crate) criteria: Vec<CriterionView<'a>>,
    #[serde(skip)]
    pub(crate) form: Option<FormView<'a>>,
    /// The search page of this language, when the site has one.
    pub(crate) search_url: Option<&'a str>,
    /// The URLs of the parts of this language's search index, which its search page merges.
    pub(crate) search_bundles: Vec<String>,
    pub(crate) contact: ContactView<'a>,
    pub(crate) calendar_url: String,
    /// The moment the site shows itself as of, written out.
    pub(crate) as_of: String,
}

#[derive(Serialize)]
pub(crate) struct LanguageLink<'a> {
    pub(crate) lang: &'a str,
    pub(crate) name: &'a str,
    /// Site-relative URL of this page (or of the home page) in that language.
    pub(crate) url: String,
    pub(crate) permalink: String,
    pub(crate) current: bool,
}

#[derive(Serialize)]
pub(crate) struct CriterionView<'a> {
    pub(crate) number: usize,
    pub(crate) weight: u32,
    pub(crate) title: &'a str,
    pub(crate) description: &'a str,
    pub(crate) evidence: &'a str,
}

#[derive(Serialize)]
pub(crate) struct ContactView<'a> {
    pub(crate) address: &'a str,
    pub(crate) person: &'a str,
    pub(crate) email: &'a str,
    pub(crate) phones: &'a [String],
}

/// Builds what every page in `lang` shares.
pub(crate) fn language_view<'a>(
    site: &'a Site,
    lang: &'a str,
    now: DateTime<FixedOffset>,
    pinned: bool,
) -> LanguageView<'a> {
    let translation = site.translation(lang);
    let dates = &translation.dates;
    let zone = site.config.offset();
    let schedule = schedule_view(site, lang, now);

    let mut nav: Vec<(&Page, Link)> = site
        .pages
        .iter()
        .filter(|page| page.lang == lang && page.front.menu)
        .map(|page| (page, Link { title: page.front.title.clone(), url: page.url.clone() }))
        .collect();
    nav.sort_by_key(|(page, _)| page.front.weight);

    let home_of = |other: &str| format!("/{other}/");
    LanguageView {
        lang,
        t: &translation.strings,
        languages: site
            .config
            .languages
            .iter()
            .map(|other| LanguageLink {
                lang: other,
                name: &site.translation(other).name,
                url: home_of(other),
                permalink: format!("{}{}", site.config.base_url, home_of(other)),
                current: other == lang,
            })
            .collect(),
        nav: nav.into_iter().map(|(_, link)| link).collect(),
        urls: site
            .pages
            .iter()
            .filter(|page| page.lang == lang && !page.is_report())
            .map(|page| (page.canonical.as_str(), page.url.as_str()))
            .collect(),
        schedule,
        criteria: site
            .selection
            .criteria
            .iter()
            .enumerate()
            .map(|(index, criterion)| CriterionView {
                number: index + 1,
                weight: criterion.weight,
                title: criterion.title.get(lang),
                description: criterion.description.get(lang),
                evidence: criterion.evidence.get(lang),
            })
            .collect(),
        form: site.form.as_ref().map(|form| {
            let deadline = site.schedule.deadline.as_ref().map(|deadline| deadline.at);
            form_view(form, lang, dates, deadline, site.config.intake_path(), now, pinned)
        }),
        search_url: site.page(lang, "search").map(|page| page.url.as_str()),
        search_bundles: crate::search::Parts::of(site).urls(lang),
        contact: ContactView {
            address: site.config.contact.address.get(lang),
            person: site.config.contact.person.get(lang),
            email: &site.config.contact.email,
            phones: &site.config.contact.phones,
        },
        calendar_url: format!("/{lang}/calendar.ics"),
        as_of: dates.date_time(now.with_timezone(&zone)),
    }
}
