//! Dates as people write them, from patterns in each language's translation file.
//!
//! Kyrgyz in the source's own style (`2020-жылдын 11-декабры`, and a few days of one month
//! as the source writes them, `2021-жылдын 25-29-январь күндөрү`: after the genitive year a
//! bare `25–29-январь` does not read), Russian as `11 декабря 2020 г.`: CLDR's Kyrgyz forms
//! differ from the source, so the month forms and patterns are ours, per language, in data.

use crate::{Period, YearMonth};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};
use serde::Deserialize;

/// Placeholders: `{y}` year, `{d}` day, `{m}` month standing alone, `{M}` month after a day
/// number; with `1`/`2` suffixes for the two ends of a range.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatePatterns {
    /// Month names standing alone (`апрель`), January first.
    pub months: Vec<String>,
    /// Month names after a day number (`декабря`, `декабры`).
    pub months_after_day: Vec<String>,
    pub day: String,
    pub days_same_month: String,
    pub days_same_year: String,
    pub days: String,
    pub month: String,
    pub months_same_year: String,
    pub months_range: String,
    /// `{date}`, `{time}` (24-hour), `{zone}` and `{offset}` (`UTC+6`).
    pub date_time: String,
    /// The time zone's name for people: `Бишкек убактысы`.
    pub zone: String,
}

impl DatePatterns {
    pub fn check(&self) -> Result<(), crate::Message> {
        for (name, list) in [("months", &self.months), ("months_after_day", &self.months_after_day)] {
            if list.len() != 12 {
                return Err(crate::Message::MonthCount { name: name.to_string(), count: list.len().to_string() });
            }
        }
        Ok(())
    }

    /// Month names are checked to be twelve at load; chrono's months are 1–12.
    fn month(&self, month: u32) -> &str {
        (month as usize).checked_sub(1).and_then(|i| self.months.get(i)).map_or("", String::as_str)
    }

    fn month_after_day(&self, month: u32) -> &str {
        (month as usize).checked_sub(1).and_then(|i| self.months_after_day.get(i)).map_or("", String::as_str)
    }

    pub fn date(&self, day: NaiveDate) -> String {
        fill(
            &self.day,
            &[
                ("y", day.year().to_string()),
                ("d", day.day().to_string()),
                ("M", self.month_after_day(day.month()).into()),
            ],
        )
    }

    pub fn period(&self, period: &Period) -> String {
        match *period {
            Period::Day(day) => self.date(day),
            Period::Days(first, last) => self.days_range(first, last),
            Period::Month(month) => self.year_month(month),
            Period::Months(first, last) => self.months_range_text(first, last),
        }
    }

    fn days_range(&self, first: NaiveDate, last: NaiveDate) -> String {
        let values = [
            ("y", first.year().to_string()),
            ("y1", first.year().to_string()),
            ("y2", last.year().to_string()),
            ("d1", first.day().to_string()),
            ("d2", last.day().to_string()),
            ("m", self.month(first.month()).into()),
            ("M", self.month_after_day(first.month()).into()),
            ("M1", self.month_after_day(first.month()).into()),
            ("M2", self.month_after_day(last.month()).into()),
        ];
        let pattern = if first.year() != last.year() {
            &self.days
        } else if first.month() != last.month() {
            &self.days_same_year
        } else {
            &self.days_same_month
        };
        fill(pattern, &values)
    }

    fn year_month(&self, month: YearMonth) -> String {
        fill(&self.month, &[("y", month.year().to_string()), ("m", self.month(month.month()).into())])
    }

    fn months_range_text(&self, first: YearMonth, last: YearMonth) -> String {
        let values = [
            ("y", first.year().to_string()),
            ("y1", first.year().to_string()),
            ("y2", last.year().to_string()),
            ("m1", self.month(first.month()).into()),
            ("m2", self.month(last.month()).into()),
        ];
        fill(if first.year() == last.year() { &self.months_same_year } else { &self.months_range }, &values)
    }

    /// A moment with its time and zone: `2020-жылдын 11-декабры, саат 17:00 (Бишкек убактысы, UTC+6)`.
    pub fn date_time(&self, at: DateTime<FixedOffset>) -> String {
        let seconds = at.offset().local_minus_utc();
        let (sign, seconds) = if seconds < 0 { ('−', -seconds) } else { ('+', seconds) };
        let offset = match seconds % 3600 {
            0 => format!("UTC{sign}{}", seconds / 3600),
            rest => format!("UTC{sign}{}:{:02}", seconds / 3600, rest / 60),
        };
        fill(
            &self.date_time,
            &[
                ("date", self.date(at.date_naive())),
                ("time", format!("{:02}:{:02}", at.hour(), at.minute())),
                ("zone", self.zone.clone()),
                ("offset", offset),
            ],
        )
    }
}

/// Replaces each `{name}` of `pattern`; longer names first so `{y1}` is not read as `{y}`.
fn fill(pattern: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after
            .find('}')
            .and_then(|close| values.iter().find(|(name, _)| *name == &after[..close]).map(|(_, v)| (close, v)))
        {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The date patterns of the frozen copy of the content, which editors never change.
    fn patterns(lang: &str) -> DatePatterns {
        let file =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../tests/fixtures/site/content/i18n/{lang}.toml"));
        let text = std::fs::read_to_string(&file).unwrap();
        crate::Translation::parse(&file, &text).unwrap().dates
    }

    fn period(text: &str) -> Period {
        text.parse().unwrap()
    }

    #[test]
    fn kyrgyz_dates_follow_the_source() {
        let ky = patterns("ky");
        assert_eq!(ky.period(&period("2020-12-11")), "2020-жылдын 11-декабры");
        assert_eq!(ky.period(&period("2021-01-25/2021-01-29")), "2021-жылдын 25-29-январь күндөрү");
        assert_eq!(ky.period(&period("2021-02-11/2021-03-11")), "2021-жылдын 11-февралы – 11-марты");
        assert_eq!(ky.period(&period("2020-12-11/2021-01-16")), "2020-жылдын 11-декабры – 2021-жылдын 16-январы");
        assert_eq!(ky.period(&period("2021-04")), "апрель, 2021-жыл");
        assert_eq!(ky.period(&period("2021-05/2021-08")), "май–август, 2021-жыл");
    }

    #[test]
    fn russian_dates_are_written_the_russian_way() {
        let ru = patterns("ru");
        assert_eq!(ru.period(&period("2020-12-11")), "11 декабря 2020 г.");
        assert_eq!(ru.period(&period("2021-01-25/2021-01-29")), "25–29 января 2021 г.");
        assert_eq!(ru.period(&period("2021-02-11/2021-03-11")), "11 февраля – 11 марта 2021 г.");
        assert_eq!(ru.period(&period("2020-12-11/2021-01-16")), "11 декабря 2020 г. – 16 января 2021 г.");
        assert_eq!(ru.period(&period("2021-04")), "апрель 2021 г.");
        assert_eq!(ru.period(&period("2021-05/2021-08")), "май–август 2021 г.");
        assert_eq!(ru.period(&period("2020-12/2021-01")), "декабрь 2020 г. – январь 2021 г.");
    }

    #[test]
    fn the_deadline_shows_time_and_zone() {
        let at = DateTime::parse_from_rfc3339("2020-12-11T17:00:00+06:00").unwrap();
        assert_eq!(patterns("ky").date_time(at), "2020-жылдын 11-декабры, саат 17:00 (Бишкек убактысы, UTC+6)");
        assert_eq!(patterns("ru").date_time(at), "11 декабря 2020 г., 17:00 (время Бишкека, UTC+6)");
    }

    #[test]
    fn fill_leaves_unknown_braces_alone() {
        assert_eq!(fill("{y1}/{y} {x}", &[("y", "a".into()), ("y1", "b".into())]), "b/a {x}");
    }
}
