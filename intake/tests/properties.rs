//! Properties of what reads applicants' bytes, on generated inputs: the body decoders of both
//! content types, validation, and the whole handler on a real store. No input panics; every
//! refusal is an error answer that names its fields where there are fields, and stores
//! nothing; whatever is stored is composed (NFC) text without control characters.
//!
//! Each property runs `CASES` cases (a few seconds in all). A longer run sets the number:
//! `PROPTEST_CASES=200000 cargo test --release -p intake --all-features --test properties`.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};

use http::{Request, StatusCode};
use intake::{handle, validate, BodyError, BodyFormat, Intake, RawSubmission};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use test_support::*;
use unicode_normalization::{is_nfc, UnicodeNormalization};

const CASES: u32 = 2_000;

/// `CASES`, or `PROPTEST_CASES` when set.
fn runner() -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(CASES);
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

/// Runs `property` on `strategy`'s values; a failure panics with the smallest input found.
fn check<S: Strategy>(strategy: S, property: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    if let Err(err) = runner().run(&strategy, property) {
        panic!("{err}");
    }
}

/// Pieces that break bodies in the ways attackers and broken clients do.
const HOSTILE: &[&str] = &[
    "%FF",
    "%C0%AF",
    "%ED%A0%80",
    "%F4%90%80%80",
    "%00",
    "%1B%5B31m",
    "%C2%9B",
    "%7F",
    "%0A",
    "%09",
    "%CC%86",
    "\\ud800",
    "\\udfff",
    "\\ud83d\\ude00",
    "\\u0000",
    "\\u001b[",
    "\\u0085",
    "\\u",
    "\u{1b}[",
    "\u{0}",
    "\u{306}",
    "&",
    "=",
    "+",
    "%",
    "\"",
    "\\",
    "{",
    "}",
    ",",
    ":",
    "[1]",
    "true",
    "null",
    "1e999",
    "&lang=ru",
    "&website=x",
];

/// An edit of a body: a byte put in or replaced, or a hostile piece put in, at a position
/// given as a fraction of the body's length.
#[derive(Debug, Clone)]
enum Edit {
    Insert(f64, Vec<u8>),
    Replace(f64, u8),
    Cut(f64, f64),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0.0..1.0, prop::sample::select(HOSTILE)).prop_map(|(at, piece)| Edit::Insert(at, piece.as_bytes().to_vec())),
        (0.0..1.0, prop::collection::vec(any::<u8>(), 1..4)).prop_map(|(at, bytes)| Edit::Insert(at, bytes)),
        (0.0..1.0, any::<u8>()).prop_map(|(at, byte)| Edit::Replace(at, byte)),
        (0.0..1.0, 0.0..0.2).prop_map(|(at, share)| Edit::Cut(at, share)),
    ]
}

fn apply(mut body: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    let at = |body: &Vec<u8>, share: f64| ((body.len() as f64) * share) as usize;
    for edit in edits {
        match edit {
            Edit::Insert(share, bytes) => {
                let i = at(&body, *share);
                body.splice(i..i, bytes.iter().copied());
            }
            Edit::Replace(share, byte) => {
                let i = at(&body, *share);
                if let Some(b) = body.get_mut(i) {
                    *b = *byte;
                }
            }
            Edit::Cut(share, length) => {
                let i = at(&body, *share);
                let end = (i + at(&body, *length)).min(body.len());
                body.drain(i..end);
            }
        }
    }
    body
}

/// A valid application (`n` makes its submission id and essay its own) in either format,
/// edited a few times, or bytes of any kind.
fn body() -> impl Strategy<Value = (BodyFormat, Vec<u8>)> {
    let format = prop_oneof![Just(BodyFormat::Form), Just(BodyFormat::Json)];
    let edited = (format.clone(), any::<u32>(), prop::collection::vec(edit(), 0..4)).prop_map(|(format, n, edits)| {
        let id = format!("prop-{n:010}");
        let fields = with(with(valid_fields(), "submission_id", Some(&id)), "essay", Some(&format!("Эссе {id}")));
        let body = match format {
            BodyFormat::Form => form_body(&fields),
            BodyFormat::Json => json_body(&fields),
        };
        (format, apply(body, &edits))
    });
    let any_bytes = (format, prop::collection::vec(any::<u8>(), 0..600));
    prop_oneof![3 => edited, 1 => any_bytes]
}

/// Rows stored in either of the store's tables of submissions: applications and suspects.
fn stored_rows(file: &rusqlite::Connection) -> i64 {
    file.query_row("SELECT (SELECT COUNT(*) FROM submissions) + (SELECT COUNT(*) FROM suspects)", [], |row| row.get(0))
        .unwrap()
}

/// Every stored text of application `code`: answers, personal data or a suspect's fields.
fn stored_texts(file: &rusqlite::Connection, code: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for sql in [
        "SELECT answers FROM answers WHERE code = ?1",
        "SELECT personal FROM applicants WHERE code = ?1",
        "SELECT fields FROM suspects WHERE code = ?1",
    ] {
        let json: Option<String> = file.query_row(sql, [code], |row| row.get(0)).ok();
        let fields: BTreeMap<String, String> =
            json.map(|json| serde_json::from_str(&json).unwrap()).unwrap_or_default();
        texts.extend(fields.into_iter().flat_map(|(name, value)| [name, value]));
    }
    texts
}

fn content_type(format: BodyFormat) -> &'static str {
    match format {
        BodyFormat::Form => "application/x-www-form-urlencoded",
        BodyFormat::Json => "application/json",
    }
}

fn code_of(response: &http::Response<Vec<u8>>) -> String {
    match response.status() {
        StatusCode::SEE_OTHER => {
            response.headers()["location"].to_str().unwrap().rsplit("code=").next().unwrap().to_string()
        }
        _ => body_json(response)["code"].as_str().unwrap().to_string(),
    }
}

#[test]
fn any_body_is_answered_without_a_panic_and_only_a_success_is_stored() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (dir, store) = temp_store();
    let file = rusqlite::Connection::open(dir.path().join("applications.sqlite")).unwrap();
    let intake = intake_at(DURING_INTAKE);
    let (refused, stored) = (Cell::new(0), Cell::new(0));
    check(body(), |(format, body)| {
        let before = stored_rows(&file);
        let request = Request::post("/api/applications").header("content-type", content_type(format)).body(body);
        let response = runtime.block_on(handle(&store, &intake, request.unwrap()));
        let after = stored_rows(&file);
        let status = response.status();
        prop_assert!(!status.is_server_error(), "{status}: {}", body_text(&response));
        if matches!(status, StatusCode::CREATED | StatusCode::OK | StatusCode::SEE_OTHER) {
            prop_assert!(after - before <= 1);
            let code = code_of(&response);
            let texts = stored_texts(&file, &code);
            prop_assert!(!texts.is_empty(), "{status} for {code}, which the store does not hold");
            for text in texts {
                prop_assert!(is_nfc(&text), "stored uncomposed: {text:?}");
                prop_assert!(!text.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "stored: {text:?}");
            }
            stored.set(stored.get() + 1);
        } else {
            prop_assert!(
                [StatusCode::BAD_REQUEST, StatusCode::PAYLOAD_TOO_LARGE, StatusCode::UNPROCESSABLE_ENTITY]
                    .contains(&status),
                "{status}"
            );
            prop_assert_eq!(after, before, "a refused body ({}) stored something", status);
            refused.set(refused.get() + 1);
        }
        Ok(())
    });
    println!("bodies: {} refused with nothing stored, {} stored", refused.get(), stored.get());
}

#[test]
fn any_bytes_decode_or_are_refused_without_a_panic_and_decoded_text_is_composed() {
    let format = prop_oneof![Just(BodyFormat::Form), Just(BodyFormat::Json)];
    check((format, prop::collection::vec(any::<u8>(), 0..300)), |(format, bytes)| {
        if let Ok(raw) = RawSubmission::parse(format, &bytes) {
            for text in raw.fields.iter().flat_map(|(name, value)| [name, value]).chain(&raw.lang) {
                prop_assert!(is_nfc(text), "{text:?}");
            }
        }
        Ok(())
    });
}

/// Text of any characters, control characters and combining marks included.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "(?s).{0,24}",
        prop::collection::vec(
            prop::sample::select(&['и', '\u{306}', 'е', '\u{308}', 'ө', '\0', '\u{1b}', '&', '=', '+', '%'][..]),
            0..12
        )
        .prop_map(|chars| chars.into_iter().collect()),
    ]
}

/// Names and values as any client could post them: composed names, values of any kind.
fn fields() -> impl Strategy<Value = BTreeMap<String, String>> {
    let name = any_text().prop_map(|name| name.nfc().collect::<String>());
    prop::collection::btree_map(name, any_text(), 0..8).prop_map(|mut fields| {
        for own in ["lang", "website", "submission_id"] {
            fields.remove(own);
        }
        fields
    })
}

#[test]
fn form_and_json_bodies_round_trip_to_composed_text() {
    check((fields(), any::<bool>()), |(fields, json)| {
        let pairs: Vec<(String, String)> = fields.clone().into_iter().collect();
        let (format, body) =
            if json { (BodyFormat::Json, json_body(&pairs)) } else { (BodyFormat::Form, form_body(&pairs)) };
        let raw = RawSubmission::parse(format, &body).map_err(|err| TestCaseError::fail(format!("{err:?}")))?;
        let composed: BTreeMap<String, String> =
            fields.into_iter().map(|(name, value)| (name, value.nfc().collect())).collect();
        prop_assert_eq!(raw.fields, composed);
        Ok(())
    });
}

#[test]
fn a_form_value_is_refused_exactly_when_its_bytes_are_not_utf8() {
    check(prop::collection::vec(any::<u8>(), 0..40), |bytes| {
        let encoded: String = bytes.iter().map(|b| format!("%{b:02X}")).collect();
        let parsed = RawSubmission::parse(BodyFormat::Form, format!("lang=ru&essay={encoded}").as_bytes());
        match std::str::from_utf8(&bytes) {
            Ok(text) => prop_assert_eq!(&parsed.unwrap().fields["essay"], &text.nfc().collect::<String>()),
            Err(_) => prop_assert_eq!(parsed.unwrap_err(), BodyError::NotText { lang: Some("ru".into()) }),
        }
        Ok(())
    });
}

#[test]
fn a_json_string_is_refused_exactly_when_its_escapes_are_not_utf16() {
    let unit = prop_oneof![any::<u16>(), 0xD800u16..0xE000, 0x20u16..0x80];
    check(prop::collection::vec(unit, 0..12), |units| {
        let escaped: String = units.iter().map(|u| format!("\\u{u:04x}")).collect();
        let parsed =
            RawSubmission::parse(BodyFormat::Json, format!(r#"{{"lang":"ky","essay":"{escaped}"}}"#).as_bytes());
        match String::from_utf16(&units) {
            Ok(text) => prop_assert_eq!(&parsed.unwrap().fields["essay"], &text.nfc().collect::<String>()),
            Err(_) => prop_assert_eq!(parsed.unwrap_err(), BodyError::NotText { lang: Some("ky".into()) }),
        }
        Ok(())
    });
}

/// A valid application's answers with some replaced, removed or added: values plausible for
/// some kind of question, hostile, or anything.
fn edited_answers(intake: &Intake) -> impl Strategy<Value = BTreeMap<String, String>> {
    let names: Vec<String> = intake.form().fields().filter_map(|field| field.name.clone()).collect();
    let name = prop_oneof![4 => prop::sample::select(names), 1 => "[a-z_]{1,12}", 1 => any::<String>()];
    let value = prop_oneof![
        Just(String::new()),
        Just("yes".to_string()),
        Just("no".to_string()),
        Just("on".to_string()),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        "[+]?[0-9 ()-]{0,20}",
        "[a-z.]{0,8}@[a-z.]{0,8}",
        "[ \t\r\n]*[а-яөүңА-Я ]{0,30}[ \t\r\n]*",
        prop::sample::select(HOSTILE).prop_map(str::to_string),
        any::<String>(),
        (990..1010usize).prop_map(|words| "сөз ".repeat(words)),
    ];
    prop::collection::vec((name, prop::option::weighted(0.8, value)), 0..6).prop_map(|edits| {
        let mut fields: BTreeMap<String, String> = valid_fields().into_iter().collect();
        for (name, value) in edits {
            match value {
                Some(value) => fields.insert(name, value),
                None => fields.remove(&name),
            };
        }
        fields
    })
}

#[test]
fn validation_never_panics_and_every_refusal_names_its_fields() {
    let intake = intake_at(DURING_INTAKE);
    let names: BTreeSet<String> = intake.form().fields().filter_map(|field| field.name.clone()).collect();
    let lang = prop_oneof![Just("ky"), Just("ru")];
    check((edited_answers(&intake), lang), |(fields, lang)| {
        let raw = RawSubmission {
            fields: fields.clone(),
            lang: Some(lang.to_string()),
            submission_id: "prop-validation".into(),
            honeypot: String::new(),
        };
        match validate(&intake, &raw, lang) {
            Ok(application) => {
                for (name, value) in application.answers.iter().chain(&application.personal) {
                    prop_assert!(names.contains(name), "stored an unknown field {name:?}");
                    prop_assert!(!value.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{name}: {value:?}");
                }
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty(), "refused without naming a field");
                for error in errors {
                    prop_assert!(
                        names.contains(&error.field) || fields.contains_key(&error.field),
                        "{:?} is neither a question nor posted",
                        error.field
                    );
                    prop_assert!(!error.message.trim().is_empty(), "{} has no message", error.field);
                }
            }
        }
        Ok(())
    });
}
