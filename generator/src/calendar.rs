//! One iCalendar file per language with every stage, sub-event and the deadline (RFC 5545).

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use content_model::Period;

use crate::load::Site;

pub(crate) fn calendar(site: &Site, lang: &str, stamp: DateTime<FixedOffset>) -> String {
    let translation = site.translation(lang);
    let host = site.config.base_url.split("://").nth(1).unwrap_or("localhost").split('/').next().unwrap_or("localhost");
    let stamp = stamp.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string();
    let schedule_url = site
        .pages
        .iter()
        .find(|page| page.lang == lang && page.canonical == "stages/_index")
        .map(|page| format!("{}{}", site.config.base_url, page.url));
    let stage_url = |id: &str| {
        site.pages
            .iter()
            .find(|page| page.lang == lang && page.stage_page() == Some(id))
            .map(|page| format!("{}{}", site.config.base_url, page.url))
            .or_else(|| schedule_url.clone())
    };

    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        format!("PRODID:-//{host}//mektep generator//{}", lang.to_uppercase()),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!("X-WR-CALNAME:{}", escape(translation.get("site_title"))),
    ];
    let mut event = |uid: String, summary: String, when: When, url: Option<String>| {
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{uid}@{host}"));
        lines.push(format!("DTSTAMP:{stamp}"));
        match when {
            When::AllDay(first, end) => {
                lines.push(format!("DTSTART;VALUE=DATE:{}", first.format("%Y%m%d")));
                lines.push(format!("DTEND;VALUE=DATE:{}", end.format("%Y%m%d")));
            }
            When::Moment(at) => {
                let utc = at.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string();
                lines.push(format!("DTSTART:{utc}"));
                lines.push(format!("DTEND:{utc}"));
            }
        }
        lines.push(format!("SUMMARY:{}", escape(&summary)));
        if let Some(url) = url {
            lines.push(format!("URL:{url}"));
        }
        lines.push("TRANSP:TRANSPARENT".into());
        lines.push("END:VEVENT".into());
    };
    for stage in &site.schedule.stages {
        let stage_word = translation.get("stage");
        event(
            format!("stage-{}-{lang}", uid_part(&stage.id)),
            format!("{} {stage_word}: {}", stage.id, stage.title.get(lang)),
            When::from_period(&stage.period),
            stage_url(&stage.id),
        );
        for sub in &stage.events {
            event(
                format!("event-{}-{lang}", uid_part(&sub.id)),
                format!("{}: {}", sub.id, sub.title.get(lang)),
                When::from_period(&sub.period),
                stage_url(&stage.id),
            );
        }
    }
    if let Some(deadline) = &site.schedule.deadline {
        event(
            format!("deadline-{lang}"),
            deadline.title.get(lang).to_string(),
            When::Moment(deadline.at),
            schedule_url.clone(),
        );
    }
    lines.push("END:VCALENDAR".into());

    let mut text = String::new();
    for line in lines {
        fold(&line, &mut text);
    }
    text
}

enum When {
    /// First day and the day after the last (DTEND of all-day events is exclusive).
    AllDay(NaiveDate, NaiveDate),
    Moment(DateTime<FixedOffset>),
}

impl When {
    fn from_period(period: &Period) -> Self {
        When::AllDay(period.first_day(), period.end_exclusive())
    }
}

fn uid_part(id: &str) -> String {
    id.to_ascii_lowercase().replace('.', "-")
}

/// Escapes TEXT values: backslash, semicolon, comma and newlines.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets without splitting a UTF-8 character, ending lines in CRLF.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_cyrillic_lines_fold_at_75_octets_on_character_boundaries() {
        let mut out = String::new();
        fold(&format!("SUMMARY:{}", "ө".repeat(60)), &mut out);
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{}\r\n", "ө".repeat(60)));
    }

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(escape("a, b; c\\d\ne"), "a\\, b\\; c\\\\d\\ne");
    }
}
