//! The schedule as pages show it: stages and events with their dates written out and their
//! status as of the build, and the deadline with where to go once it has passed.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};
use content_model::{Period, Status};
use serde::Serialize;

use super::Link;
use crate::load::{Page, Site};

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

/// `2020-11-09` or `2020-11`, for `<time datetime>`; nothing for longer periods.
pub(crate) fn iso(period: &Period) -> Option<String> {
    match period {
        Period::Day(day) => Some(day.format("%Y-%m-%d").to_string()),
        Period::Month(month) => Some(format!("{:04}-{:02}", month.year(), month.month())),
        _ => None,
    }
}

/// The schedule in `lang` as of `now`.
pub(crate) fn schedule_view(site: &Site, lang: &str, now: DateTime<FixedOffset>) -> ScheduleView {
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
            selection: after.and_then(|index| stages.get(index)).map(&stage_link),
            next: next.map(&stage_link),
        }
    });
    ScheduleView { deadline, stages }
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
