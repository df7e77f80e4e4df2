use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;

use crate::{ContentError, Localized, Message, Period, PeriodError};

/// `content/schedule.toml`: the programme's stages, their sub-events and the deadline.
/// Stage pages, the schedule table, the timeline and the calendars all come from this.
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    pub deadline: Option<Deadline>,
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone)]
pub struct Deadline {
    pub at: DateTime<FixedOffset>,
    pub title: Localized,
    pub summary: Localized,
}

#[derive(Debug, Clone)]
pub struct Stage {
    /// Roman numeral as the source writes it: `I` … `IX`.
    pub id: String,
    pub period: Period,
    pub title: Localized,
    pub events: Vec<Event>,
}

/// A dated part of a stage, such as an online meeting of the mentoring stage.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub period: Period,
    pub title: Localized,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    deadline: Option<RawDeadline>,
    #[serde(default)]
    stage: Vec<RawStage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadline {
    at: toml::value::Datetime,
    title: Localized,
    summary: Localized,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    id: String,
    when: String,
    title: Localized,
    #[serde(default)]
    event: Vec<RawEvent>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    id: String,
    when: String,
    title: Localized,
}

impl Schedule {
    /// Parses and checks the schedule for a site in `languages`; `file` is only used in errors.
    pub fn parse(file: &Path, text: &str, languages: &[String]) -> Result<Self, Vec<ContentError>> {
        let raw: RawSchedule =
            toml::from_str(text).map_err(|err| vec![ContentError::from_toml(file, text, 1, &err)])?;
        let mut errors = Vec::new();
        let mut error_near =
            |needle: &str, message: Message| errors.push(ContentError::near(file, text, needle, message));

        let deadline = raw.deadline.and_then(|raw| {
            for lang in raw.title.missing(languages).into_iter().chain(raw.summary.missing(languages)) {
                error_near("[deadline]", Message::DeadlineText { lang: lang.to_string() });
            }
            match DateTime::parse_from_rfc3339(&raw.at.to_string()) {
                Ok(at) => Some(Deadline { at, title: raw.title, summary: raw.summary }),
                Err(_) => {
                    error_near("at =", Message::DeadlineMoment { at: raw.at.to_string() });
                    None
                }
            }
        });

        let mut seen = HashSet::new();
        let mut stages = Vec::new();
        for raw_stage in raw.stage {
            let id_line = format!("\"{}\"", raw_stage.id);
            if !seen.insert(raw_stage.id.clone()) {
                error_near(&id_line, Message::DuplicateId { id: raw_stage.id.clone() });
            }
            check_title(&raw_stage.id, &raw_stage.title, languages, &mut error_near);
            let period = parse_when(&raw_stage.when, &mut error_near);
            let mut events = Vec::new();
            for raw_event in raw_stage.event {
                if !seen.insert(raw_event.id.clone()) {
                    error_near(&format!("\"{}\"", raw_event.id), Message::DuplicateId { id: raw_event.id.clone() });
                }
                check_title(&raw_event.id, &raw_event.title, languages, &mut error_near);
                if let Some(period) = parse_when(&raw_event.when, &mut error_near) {
                    events.push(Event { id: raw_event.id, period, title: raw_event.title });
                }
            }
            if let Some(period) = period {
                stages.push(Stage { id: raw_stage.id, period, title: raw_stage.title, events });
            }
        }
        if errors.is_empty() {
            Ok(Schedule { deadline, stages })
        } else {
            Err(errors)
        }
    }

    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|stage| stage.id == id)
    }
}

fn check_title(id: &str, title: &Localized, languages: &[String], error_near: &mut impl FnMut(&str, Message)) {
    for lang in title.missing(languages) {
        error_near(&format!("\"{id}\""), Message::MissingTitle { id: id.to_string(), lang: lang.to_string() });
    }
    for lang in title.unknown(languages) {
        error_near(&format!("\"{id}\""), Message::TitleLanguageUnknown { id: id.to_string(), lang: lang.to_string() });
    }
}

fn parse_when(when: &str, error_near: &mut impl FnMut(&str, Message)) -> Option<Period> {
    when.parse().map_err(|err: PeriodError| error_near(&format!("\"{when}\""), err.message().clone())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn languages() -> Vec<String> {
        vec!["ky".into(), "ru".into()]
    }

    const VALID: &str = r#"
[deadline]
at = 2020-12-11T17:00:00+06:00
title.ky = "Мөөнөт"
title.ru = "Срок"
summary.ky = "Саат 17:00гө чейин"
summary.ru = "До 17:00"

[[stage]]
id = "III"
when = "2021-01-25/2021-01-29"
title.ky = "Мектеп"
title.ru = "Школа"

[[stage]]
id = "IV"
when = "2021-02-01/2021-04-10"
title.ky = "Насаатчылык"
title.ru = "Наставничество"

[[stage.event]]
id = "IV.3"
when = "2021-03-04"
title.ky = "Онлайн жолугушуу"
title.ru = "Онлайн-встреча"
"#;

    #[test]
    fn reads_stages_events_and_deadline() {
        let schedule = Schedule::parse(Path::new("schedule.toml"), VALID, &languages()).unwrap();
        assert_eq!(schedule.stages.len(), 2);
        assert_eq!(schedule.stage("IV").unwrap().events[0].title.get("ru"), "Онлайн-встреча");
        assert_eq!(schedule.deadline.unwrap().at.to_rfc3339(), "2020-12-11T17:00:00+06:00");
    }

    #[test]
    fn a_bad_period_names_its_line() {
        let text = VALID.replace("2021-03-04", "2021-03-40");
        let errors = Schedule::parse(Path::new("content/schedule.toml"), &text, &languages()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, Some(23));
        assert!(
            errors[0].to_string().starts_with("content/schedule.toml:23: `2021-03-40` is not a date"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn missing_title_translation_and_duplicate_id_are_both_reported() {
        let text = VALID.replace("title.ru = \"Школа\"\n", "").replace("id = \"IV.3\"", "id = \"III\"");
        let errors = Schedule::parse(Path::new("schedule.toml"), &text, &languages()).unwrap_err();
        let messages: Vec<_> = errors.iter().map(|e| e.message.to_string()).collect();
        assert!(messages.iter().any(|m| m == "`III` has no `ru` title"), "{messages:?}");
        assert!(messages.iter().any(|m| m == "stage or event id `III` is used twice"), "{messages:?}");
    }

    #[test]
    fn deadline_without_offset_is_refused() {
        let text = VALID.replace("2020-12-11T17:00:00+06:00", "2020-12-11T17:00:00");
        let errors = Schedule::parse(Path::new("schedule.toml"), &text, &languages()).unwrap_err();
        assert!(errors[0].message.to_string().contains("UTC offset"), "{}", errors[0]);
    }
}
