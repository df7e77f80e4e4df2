//! The shapes templates see: everything already in the page's language, dates already
//! written out, statuses already decided. Templates only lay them out.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};
use content_model::{Period, Status};
use serde::Serialize;

use crate::form_view::{form_view, FormView};
use crate::load::{Page, Site};

#[derive(Serialize)]
pub(crate) struct LanguageView<'a> {
    pub(crate) lang: &'a str,
    pub(crate) t: &'a std::collections::BTreeMap<String, String>,
    pub(crate) languages: Vec<LanguageLink<'a>>,
    pub(crate) nav: Vec<Link>,
    /// URL of every page in this language by content path (`apply`, `stages/_index`),
    /// so templates can link to a page without knowing its slug.
    pub(crate) urls: std::collections::BTreeMap<&'a str, &'a str>,
    pub(crate) schedule: ScheduleView,
    /// Inserted only for pages that show them (see `render::add_page`).
    #[serde(skip)]
    pub(crate) criteria: Vec<CriterionView<'a>>,
    #[serde(skip)]
    pub(crate) form: Option<FormView<'a>>,
    /// The newest reports, for the home page.
    pub(crate) latest_reports: Vec<crate::reports::ReportSummary>,
    /// The search page of this language, when the site has one.
    pub(crate) search_url: Option<&'a str>,
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

#[derive(Serialize, Clone)]
pub(crate) struct Link {
    pub(crate) title: String,
    pub(crate) url: String,
}

#[derive(Serialize)]
pub(crate) struct ScheduleView {
    pub(crate) deadline: Option<DeadlineView>,
    pub(crate) stages: Vec<StageView>,
}

#[derive(Serialize)]
pub(crate) struct DeadlineView {
    pub(crate) title: String,
    pub(crate) summary: String,
    pub(crate) text: String,
    /// For `<time datetime>`.
    pub(crate) iso: String,
    pub(crate) passed: bool,
    /// The deadline's day alone, for «applications closed on …».
    pub(crate) day: String,
    /// Where a reader goes once the call is closed: the stage that begins as the intake
    /// closes (the selection), and the first stage after it that has not begun yet.
    pub(crate) selection: Option<StageLink>,
    pub(crate) next: Option<StageLink>,
}

/// A stage named by its page's title, with its dates and status.
#[derive(Serialize)]
pub(crate) struct StageLink {
    pub(crate) title: String,
    pub(crate) url: Option<String>,
    pub(crate) dates: String,
    pub(crate) status: &'static str,
    pub(crate) status_label: String,
}

#[derive(Serialize)]
pub(crate) struct StageView {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) dates: String,
    pub(crate) iso: Option<String>,
    pub(crate) status: &'static str,
    pub(crate) status_label: String,
    /// The stage's own page in this language, when it has one.
    pub(crate) url: Option<String>,
    pub(crate) events: Vec<EventView>,
    /// Neighbouring stages in schedule order, for the pager on stage pages.
    pub(crate) previous: Option<Link>,
    pub(crate) next: Option<Link>,
}

#[derive(Serialize)]
pub(crate) struct EventView {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) dates: String,
    pub(crate) iso: Option<String>,
    pub(crate) status: &'static str,
    pub(crate) status_label: String,
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

/// The page itself, as its template sees it.
#[derive(Serialize)]
pub(crate) struct PageView<'a> {
    pub(crate) title: &'a str,
    pub(crate) description: Option<String>,
    pub(crate) content: &'a str,
    pub(crate) url: &'a str,
    pub(crate) permalink: String,
    pub(crate) includes: &'a [String],
    pub(crate) stage: Option<&'a StageView>,
    /// Pages directly in this section, for section pages.
    pub(crate) children: Vec<Link>,
}

pub(crate) fn iso(period: &Period) -> Option<String> {
    match period {
        Period::Day(day) => Some(day.format("%Y-%m-%d").to_string()),
        Period::Month(month) => Some(format!("{:04}-{:02}", month.year, month.month)),
        _ => None,
    }
}

/// Builds what every page in `lang` shares.
pub(crate) fn language_view<'a>(
    site: &'a Site,
    lang: &'a str,
    now: DateTime<FixedOffset>,
    pinned: bool,
    reports: &crate::reports::Reports,
) -> LanguageView<'a> {
    let translation = site.translation(lang);
    let dates = &translation.dates;
    let zone = site.config.offset();
    let status_label = |status: Status| translation.get(&format!("status_{}", status.key())).to_string();
    let stage_pages: HashMap<&str, &Page> = site
        .pages
        .iter()
        .filter(|page| page.lang == lang)
        .filter_map(|page| page.stage_page().map(|stage| (stage, page)))
        .collect();

    let mut stages: Vec<StageView> = site
        .schedule
        .stages
        .iter()
        .map(|stage| {
            let status = stage.period.status(now, zone);
            let page = stage_pages.get(stage.id.as_str());
            StageView {
                id: stage.id.clone(),
                title: stage.title.get(lang).into(),
                dates: dates.period(&stage.period),
                iso: iso(&stage.period),
                status: status.key(),
                status_label: status_label(status),
                url: page.map(|page| page.url.clone()),
                events: stage
                    .events
                    .iter()
                    .map(|event| {
                        let status = event.period.status(now, zone);
                        EventView {
                            id: event.id.clone(),
                            title: event.title.get(lang).into(),
                            dates: dates.period(&event.period),
                            iso: iso(&event.period),
                            status: status.key(),
                            status_label: status_label(status),
                        }
                    })
                    .collect(),
                previous: None,
                next: None,
            }
        })
        .collect();
    link_neighbours(&mut stages, translation.get("stage"));

    let deadline = site.schedule.deadline.as_ref().map(|deadline| {
        let stage_link = |stage: &StageView| StageLink {
            title: stage_pages.get(stage.id.as_str()).map_or_else(
                || format!("{} {}. {}", stage.id, translation.get("stage"), stage.title),
                |page| page.front.title.clone(),
            ),
            url: stage.url.clone(),
            dates: stage.dates.clone(),
            status: stage.status,
            status_label: stage.status_label.clone(),
        };
        let closes_on = deadline.at.with_timezone(&zone).date_naive();
        // The selection is the stage that begins on the day the intake closes.
        let after = site.schedule.stages.iter().position(|stage| stage.period.first_day() == closes_on);
        let next =
            stages.iter().skip(after.map_or(0, |after| after + 1)).find(|stage| stage.status == Status::Upcoming.key());
        DeadlineView {
            title: deadline.title.get(lang).into(),
            summary: deadline.summary.get(lang).into(),
            text: dates.date_time(deadline.at),
            iso: deadline.at.to_rfc3339(),
            passed: now >= deadline.at,
            day: dates.date(closes_on),
            selection: after.and_then(|index| stages.get(index)).map(&stage_link),
            next: next.map(&stage_link),
        }
    });

    let mut nav: Vec<(&Page, Link)> = site
        .pages
        .iter()
        .filter(|page| page.lang == lang && page.front.menu)
        .map(|page| (page, Link { title: page.front.title.clone(), url: page.url.clone() }))
        .collect();
    nav.sort_by_key(|(page, _)| page.front.weight);

    let home_of = |other: &str| format!("/{other}/");
    let latest_reports =
        reports.latest(lang, 3).into_iter().map(|page| crate::reports::summary(site, &stages, page)).collect();
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
            .filter(|page| page.lang == lang)
            .map(|page| (page.canonical.as_str(), page.url.as_str()))
            .collect(),
        schedule: ScheduleView { deadline, stages },
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
        form: site.form.as_ref().map(|form| form_view(form, site, lang, now, pinned)),
        latest_reports,
        search_url: site.page(lang, "search").map(|page| page.url.as_str()),
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

fn link_neighbours(stages: &mut [StageView], stage_word: &str) {
    let links: Vec<Option<Link>> = stages
        .iter()
        .map(|stage| {
            stage.url.as_ref().map(|url| Link { title: format!("{} {stage_word}", stage.id), url: url.clone() })
        })
        .collect();
    for (index, stage) in stages.iter_mut().enumerate() {
        stage.previous = index.checked_sub(1).and_then(|i| links.get(i)).cloned().flatten();
        stage.next = links.get(index + 1).cloned().flatten();
    }
}
