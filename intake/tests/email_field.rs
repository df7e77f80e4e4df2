//! The receipt is addressed to the answer stored under `store::EMAIL_FIELD`: the form's
//! question of kind `email` must be named so, in the content the site is built from and in the
//! frozen copy the tests read, or applicants who gave an address would get no receipt.

use std::path::Path;

use chrono::DateTime;
use content_model::FieldKind;
use intake::{validate, Clock, Intake, RawSubmission};
use store::{Delivery, MessageKind, Outbox, Store, EMAIL_FIELD};
use test_support::*;

/// The names of the questions of kind `email` in the form of `content`.
fn email_questions(content: &Path) -> Vec<String> {
    let moment = DateTime::parse_from_rfc3339(DURING_INTAKE).unwrap();
    let intake = Intake::load(content, Clock::Fixed(moment)).unwrap_or_else(|errors| panic!("{errors:?}"));
    intake
        .form()
        .fields()
        .filter(|field| field.kind == FieldKind::Email)
        .map(|field| field.name.clone().unwrap())
        .collect()
}

#[test]
fn the_forms_one_email_question_is_the_field_receipts_are_addressed_to() {
    let live = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    for content in [live, frozen_content()] {
        assert_eq!(email_questions(&content), [EMAIL_FIELD], "{}", content.display());
    }
}

fn submission(fields: Vec<(String, String)>, id: &str) -> RawSubmission {
    RawSubmission {
        fields: fields.into_iter().collect(),
        lang: Some("ru".into()),
        submission_id: id.into(),
        honeypot: String::new(),
    }
}

/// Through the intake's own validation, as the form posts it: an application with an address
/// is stored with its receipt owed, in the language she applied in; one without, with only
/// the secretariat's notice.
#[tokio::test]
async fn a_validated_application_with_an_address_is_owed_a_receipt() {
    let intake = intake_at(DURING_INTAKE);
    let (_dir, store) = temp_store();
    let with_address = validate(&intake, &submission(valid_fields(), "email-field-0001"), "ru").unwrap();
    assert_eq!(with_address.personal[EMAIL_FIELD], "asel@example.kg", "the address is kept as personal data");
    let addressed = store.save(&with_address).await.unwrap().code;
    let without = with(valid_fields(), "email", None);
    let unaddressed = store.save(&validate(&intake, &submission(without, "email-field-0002"), "ru").unwrap()).await;
    let unaddressed = unaddressed.unwrap().code;

    let owed: Vec<(MessageKind, String, String)> = store
        .outbox()
        .await
        .unwrap()
        .into_iter()
        .map(|entry| {
            assert!(matches!(entry.delivery, Delivery::Pending { attempts: 0, .. }), "{entry:?}");
            (entry.kind, entry.code, entry.lang)
        })
        .collect();
    let mut expected = vec![
        (MessageKind::Receipt, addressed.clone(), "ru".to_string()),
        (MessageKind::Notice, addressed, "ru".to_string()),
        (MessageKind::Notice, unaddressed, "ru".to_string()),
    ];
    expected.sort();
    assert_eq!(owed, expected, "a receipt only where there is an address; the notice always");
}
