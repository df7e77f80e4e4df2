//! The form's rules, applied to a raw submission: every problem found, each with the
//! field's name and a message in the applicant's language.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use content_model::{Field, FieldKind};
use serde::Serialize;

use crate::intake::Intake;
use crate::submission::RawSubmission;
use store::{is_invisible, printable, Application, Category, Channel, Fields};

/// One field's problem, ready to show next to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name as posted.
    pub field: String,
    /// The question's label in the applicant's language.
    pub label: String,
    pub message: String,
}

/// An application posted through the site's form, checked as of the intake's clock.
pub fn validate(intake: &Intake, raw: &RawSubmission, lang: &str) -> Result<Application, Vec<FieldError>> {
    let now = intake.now();
    let (category, answers, personal) = check_answers(intake, raw, lang, now)?;
    Ok(Application {
        submission_id: raw.submission_id.clone(),
        lang: lang.to_string(),
        received_at: now.to_utc(),
        category,
        answers,
        personal,
        channel: Channel::Online,
        entered_by: None,
    })
}

/// What the secretariat adds to an application that came on paper or by e-mail and is
/// keyed in by hand: how it came, when it was received, and who keyed it in.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// [`Channel::Paper`] or [`Channel::Email`].
    pub channel: Channel,
    pub received_at: DateTime<FixedOffset>,
    pub entered_by: String,
}

/// Why a received time cannot be right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceivedError {
    /// At or after the deadline: the application came too late to be accepted.
    AfterDeadline,
    /// Later than the intake's clock.
    InFuture,
    /// Before the call opened (the schedule's first day): most likely a mistyped year.
    BeforeCall,
}

/// Everything wrong with a keyed-in application: the form's questions, each with its
/// message in the page's language, and the received time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryErrors {
    pub fields: Vec<FieldError>,
    pub received_at: Option<ReceivedError>,
}

/// An application keyed in by the secretariat: the same rules and messages as the site's
/// form, as of the moment it was received instead of the clock (the birth date may not be
/// later than that day); age still counts on the deadline. Nothing here looks at whether
/// the form is still open: entry goes on after the deadline, and only the received time
/// must be before it.
pub fn validate_entry(
    intake: &Intake,
    raw: &RawSubmission,
    lang: &str,
    receipt: &Receipt,
) -> Result<Application, EntryErrors> {
    let received_at = check_received(intake, receipt.received_at).err();
    match check_answers(intake, raw, lang, receipt.received_at) {
        Ok((category, answers, personal)) if received_at.is_none() => Ok(Application {
            submission_id: raw.submission_id.clone(),
            lang: lang.to_string(),
            received_at: receipt.received_at.to_utc(),
            category,
            answers,
            personal,
            channel: receipt.channel,
            entered_by: Some(receipt.entered_by.clone()),
        }),
        Ok(_) => Err(EntryErrors { fields: Vec::new(), received_at }),
        Err(fields) => Err(EntryErrors { fields, received_at }),
    }
}

/// Whether an application received at `at` may be entered: before the deadline (exclusive,
/// as the form closes), not later than the intake's clock, and not before the call opened.
pub fn check_received(intake: &Intake, at: DateTime<FixedOffset>) -> Result<(), ReceivedError> {
    if intake.deadline.is_some_and(|deadline| at >= deadline) {
        Err(ReceivedError::AfterDeadline)
    } else if at > intake.now() {
        Err(ReceivedError::InFuture)
    } else if intake.opened.is_some_and(|opened| at < opened) {
        Err(ReceivedError::BeforeCall)
    } else {
        Ok(())
    }
}

/// The form's rules applied as of `now`: the age group, the answers and the personal data,
/// or every field's problem.
fn check_answers(
    intake: &Intake,
    raw: &RawSubmission,
    lang: &str,
    now: DateTime<FixedOffset>,
) -> Result<(Category, Fields, Fields), Vec<FieldError>> {
    let form = &intake.form;
    let mut errors = Vec::new();
    let mut answers = BTreeMap::new();
    let mut personal = BTreeMap::new();
    let mut category = None;

    for field in form.fields().filter(|field| field.kind.is_answered()) {
        let Some(name) = field.name.as_deref() else {
            continue;
        };
        let value = normalise(raw.fields.get(name).map(String::as_str).unwrap_or(""));
        let required = field.required
            || field.required_when.as_ref().is_some_and(|when| raw.fields.get(when).is_some_and(|v| v.trim() == "yes"));
        let mut fail = |key: &str, values: &[(&str, &str)]| {
            errors.push(FieldError {
                field: name.to_string(),
                label: field.label.get(lang).to_string(),
                message: form.message(key, lang, values),
            });
        };
        if value.is_empty() {
            if required {
                fail(
                    match field.kind {
                        FieldKind::YesNo => "required_choice",
                        FieldKind::Confirm => "must_confirm",
                        _ => "required",
                    },
                    &[],
                );
            }
            continue;
        }
        if has_control_characters(&value, field.kind) {
            fail("control_characters", &[]);
            continue;
        }
        // A direction override or a zero-width character makes a name, a phone number or a
        // place look other than it is, wherever it is shown. Long texts keep them (a pasted
        // essay may hold a joiner); the tools print those neutralised.
        if field.kind != FieldKind::LongText && value.chars().any(is_invisible) {
            fail("invisible_characters", &[]);
            continue;
        }
        let max = field.max_length();
        let is_choice = matches!(field.kind, FieldKind::YesNo | FieldKind::Confirm);
        if !is_choice && value.chars().count() > max {
            fail("too_long", &[("max", &max.to_string())]);
            continue;
        }
        let value = match check_kind(field, &value) {
            Ok(value) => value,
            Err(key) => {
                fail(key, &[]);
                continue;
            }
        };
        if let Some(max_words) = field.max_words {
            let count = value.split_whitespace().count();
            if count > max_words {
                fail("too_many_words", &[("max", &max_words.to_string()), ("count", &count.to_string())]);
                continue;
            }
        }
        if field.kind == FieldKind::Date {
            let Ok(date) = NaiveDate::parse_from_str(&value, "%Y-%m-%d") else {
                fail("invalid_date", &[]);
                continue;
            };
            if date > now.date_naive() {
                fail("date_in_future", &[]);
                continue;
            }
            if name == form.age.field {
                let on = intake.deadline.unwrap_or(now);
                let age = age_on(date, on);
                if age < form.age.minimum {
                    fail("under_18", &[("date", &intake.date_text(on.date_naive(), lang))]);
                    continue;
                }
                category = Some(if age >= form.age.older_from {
                    Category::AgedTwentyEightAndOver
                } else {
                    Category::UnderTwentyEight
                });
            }
        }
        if field.personal {
            personal.insert(name.to_string(), value);
        } else {
            answers.insert(name.to_string(), value);
        }
    }

    let known: Vec<&str> = form.fields().filter_map(|field| field.name.as_deref()).collect();
    for name in raw.fields.keys().filter(|name| !known.contains(&name.as_str())) {
        // No form has such a name; the message says what is wrong with it when it can, and
        // the name is shown with what cannot be seen written out.
        let key = if has_control_characters(name, FieldKind::Text) {
            "control_characters"
        } else if name.chars().any(is_invisible) {
            "invisible_characters"
        } else {
            "bad_request"
        };
        errors.push(FieldError {
            field: name.clone(),
            label: printable(name).into_owned(),
            message: form.message(key, lang, &[]),
        });
    }

    // The content check makes the age question required; should a form still reach here
    // without an answer to it, the applicant is told which question, not an empty error.
    if errors.is_empty() && category.is_none() {
        if let Some(field) = form.fields().find(|field| field.name.as_deref() == Some(form.age.field.as_str())) {
            errors.push(FieldError {
                field: form.age.field.clone(),
                label: field.label.get(lang).to_string(),
                message: form.message("required", lang, &[]),
            });
        }
    }
    match (errors.is_empty(), category) {
        (true, Some(category)) => Ok((category, answers, personal)),
        _ => Err(errors),
    }
}

/// C0 and C1 controls, NUL and DEL: an escape sequence or a stray byte has no place in an
/// answer, and could act on the terminal or the spreadsheet that shows it. Long texts keep
/// their line breaks and tabs; elsewhere those are only forgiven at the ends, which are trimmed.
fn has_control_characters(value: &str, kind: FieldKind) -> bool {
    let allowed = |c: char| kind == FieldKind::LongText && matches!(c, '\t' | '\n');
    value.chars().any(|c| c.is_control() && !allowed(c))
}

/// Line ends as `\n`, no surrounding blanks.
fn normalise(value: &str) -> String {
    value.replace("\r\n", "\n").replace('\r', "\n").trim().to_string()
}

/// The rule of each kind of answer; returns the value to store or the message key.
fn check_kind(field: &Field, value: &str) -> Result<String, &'static str> {
    match field.kind {
        FieldKind::YesNo => matches!(value, "yes" | "no").then(|| value.to_string()).ok_or("invalid_choice"),
        FieldKind::Confirm => matches!(value, "yes" | "on" | "true").then(|| "yes".to_string()).ok_or("invalid_choice"),
        FieldKind::Email => is_email(value).then(|| value.to_string()).ok_or("invalid_email"),
        FieldKind::Phone => is_phone(value).then(|| value.to_string()).ok_or("invalid_phone"),
        FieldKind::Date => NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .ok()
            .filter(|date| date.year() >= 1900)
            .map(|date| date.format("%Y-%m-%d").to_string())
            .ok_or("invalid_date"),
        FieldKind::Text | FieldKind::LongText => Ok(value.to_string()),
        FieldKind::Fixed | FieldKind::Group => Ok(String::new()),
    }
}

fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(char::is_whitespace)
}

/// Digits with the usual separators; 9 digits (0700123456 without its 0) to 15 (E.164).
fn is_phone(value: &str) -> bool {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    value.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)) && (9..=15).contains(&digits)
}

/// Full years between `birth` and the day of `on`, in `on`'s own time zone: the age the form
/// checks, and the one the secretariat's `check` shows.
pub fn age_on(birth: NaiveDate, on: DateTime<FixedOffset>) -> u32 {
    let day = on.date_naive();
    let mut years = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_counts_whole_years() {
        let deadline = DateTime::parse_from_rfc3339("2020-12-11T17:00:00+06:00").unwrap();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(age_on(day(2002, 12, 11), deadline), 18);
        assert_eq!(age_on(day(2002, 12, 12), deadline), 17);
        assert_eq!(age_on(day(1992, 12, 11), deadline), 28);
        assert_eq!(age_on(day(1992, 12, 12), deadline), 27);
    }

    #[test]
    fn phones_and_emails() {
        assert!(
            is_phone("0700 123456")
                && is_phone("+996 (700) 12-34-56")
                && !is_phone("12345")
                && !is_phone("0700 12345a")
        );
        assert!(is_email("a@b.kg") && !is_email("a@b") && !is_email("a b@c.kg") && !is_email("@b.kg"));
    }
}
