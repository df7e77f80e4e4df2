//! Applications keyed in by the secretariat from paper or an e-mail: the form's own rules and
//! messages, as of the moment each was received, and a received time that could not be right
//! refused whatever the clock says.

use chrono::{DateTime, FixedOffset};
use intake::{validate_entry, EntryErrors, RawSubmission, Receipt, ReceivedError};
use store::{Category, Channel};
use test_support::*;

fn at(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap()
}

fn raw(fields: &[(String, String)]) -> RawSubmission {
    RawSubmission::parse(intake::BodyFormat::Form, &form_body(fields)).unwrap()
}

fn paper(received: &str) -> Receipt {
    Receipt { channel: Channel::Paper, received_at: at(received), entered_by: "Айнура".into() }
}

/// Long after the deadline, in stage II, when the secretariat keys in what came on paper.
const DURING_CHECKING: &str = "2020-12-20T10:00:00+06:00";

#[test]
fn a_paper_application_received_before_the_deadline_is_entered_after_it_with_its_own_time() {
    let intake = intake_at(DURING_CHECKING);
    let application =
        validate_entry(&intake, &raw(&valid_fields()), "ru", &paper("2020-12-10T15:30:00+06:00")).unwrap();
    assert_eq!(application.received_at.to_rfc3339(), "2020-12-10T09:30:00+00:00");
    assert_eq!(application.channel, Channel::Paper);
    assert_eq!(application.entered_by.as_deref(), Some("Айнура"));
    assert_eq!(application.lang, "ru");
    assert_eq!(application.personal["full_name"], "Асель Токтогулова");
}

#[test]
fn a_received_time_at_or_after_the_deadline_is_refused_and_the_fields_are_still_checked() {
    let intake = intake_at(DURING_CHECKING);
    for late in ["2020-12-11T17:00:00+06:00", "2020-12-11T17:01:00+06:00", "2020-12-14T09:00:00+06:00"] {
        let refused = validate_entry(&intake, &raw(&valid_fields()), "ky", &paper(late)).unwrap_err();
        assert_eq!(refused, EntryErrors { fields: vec![], received_at: Some(ReceivedError::AfterDeadline) }, "{late}");
    }
    // The same moment written in UTC is the same moment.
    let refused = validate_entry(&intake, &raw(&valid_fields()), "ky", &paper("2020-12-11T11:00:00+00:00"));
    assert_eq!(refused.unwrap_err().received_at, Some(ReceivedError::AfterDeadline));
    let just_in = validate_entry(&intake, &raw(&valid_fields()), "ky", &paper("2020-12-11T16:59:00+06:00"));
    assert!(just_in.is_ok());

    let without_phone = with(valid_fields(), "phone", None);
    let refused = validate_entry(&intake, &raw(&without_phone), "ky", &paper("2020-12-12T10:00:00+06:00")).unwrap_err();
    assert_eq!(refused.received_at, Some(ReceivedError::AfterDeadline));
    assert_eq!(refused.fields.len(), 1);
    assert_eq!(
        (refused.fields[0].field.as_str(), refused.fields[0].message.as_str()),
        ("phone", "Бул талааны толтуруңуз.")
    );
}

#[test]
fn a_received_time_later_than_the_clock_is_refused() {
    let intake = intake_at("2020-12-05T12:00:00+06:00");
    let refused = validate_entry(&intake, &raw(&valid_fields()), "ru", &paper("2020-12-05T12:01:00+06:00"));
    assert_eq!(refused.unwrap_err(), EntryErrors { fields: vec![], received_at: Some(ReceivedError::InFuture) });
    assert!(validate_entry(&intake, &raw(&valid_fields()), "ru", &paper("2020-12-05T11:59:00+06:00")).is_ok());
}

#[test]
fn age_counts_on_the_deadline_day_whenever_it_was_received_or_entered() {
    let intake = intake_at(DURING_CHECKING);
    let received = paper("2020-11-20T10:00:00+06:00");
    // 18 on the deadline day, 17 on the day it was received: she may apply.
    let eighteen = with(valid_fields(), "birth_date", Some("2002-12-11"));
    assert_eq!(validate_entry(&intake, &raw(&eighteen), "ky", &received).unwrap().category, Category::UnderTwentyEight);
    let seventeen = with(valid_fields(), "birth_date", Some("2002-12-12"));
    let refused = validate_entry(&intake, &raw(&seventeen), "ru", &received).unwrap_err();
    assert_eq!(refused.fields.len(), 1);
    assert_eq!(refused.fields[0].field, "birth_date");
    let deadline_day = intake.dates("ru").unwrap().date(intake.deadline().unwrap().date_naive());
    assert_eq!(refused.fields[0].message, intake.form().message("under_18", "ru", &[("date", &deadline_day)]));
    // 28 on the deadline day: the older group.
    let twenty_eight = with(valid_fields(), "birth_date", Some("1992-12-11"));
    let entered = validate_entry(&intake, &raw(&twenty_eight), "ky", &received).unwrap();
    assert_eq!(entered.category, Category::AgedTwentyEightAndOver);
}

#[test]
fn the_forms_messages_are_the_entrys_in_the_pages_language() {
    let intake = intake_at(DURING_CHECKING);
    let bad = with(with(valid_fields(), "email", Some("asel@")), "essay", None);
    let refused = validate_entry(&intake, &raw(&bad), "ru", &paper("2020-12-01T10:00:00+06:00")).unwrap_err();
    let shown: Vec<(&str, &str)> =
        refused.fields.iter().map(|error| (error.field.as_str(), error.message.as_str())).collect();
    assert_eq!(
        shown,
        [
            ("email", intake.form().message("invalid_email", "ru", &[]).as_str()),
            ("essay", intake.form().message("required", "ru", &[]).as_str())
        ]
    );
    assert_eq!(refused.received_at, None);
}

#[test]
fn a_received_time_before_the_call_opened_is_refused_as_a_mistyped_date() {
    let intake = intake_at(DURING_CHECKING);
    // The call opened with stage I on 9 November 2020 (content/schedule.toml), Bishkek time.
    for typo in ["2002-12-10T15:30:00+06:00", "2020-11-08T23:59:00+06:00", "2020-11-08T17:59:00+00:00"] {
        let refused = validate_entry(&intake, &raw(&valid_fields()), "ru", &paper(typo)).unwrap_err();
        assert_eq!(refused, EntryErrors { fields: vec![], received_at: Some(ReceivedError::BeforeCall) }, "{typo}");
    }
    assert!(validate_entry(&intake, &raw(&valid_fields()), "ru", &paper("2020-11-09T00:00:00+06:00")).is_ok());
}
