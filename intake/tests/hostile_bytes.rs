//! Bodies as an attacker or a broken client writes them: bytes that are not UTF-8, escaped
//! halves of UTF-16 pairs, control characters and decomposed letters. Every refusal says why
//! in the applicant's language, names the field when there is one, and stores nothing.

use http::{Request, StatusCode};
use intake::{handle, Intake};
use store::{CommissionStore, SqliteStore};
use test_support::*;

/// A valid form body without `name`, with `tail` (raw bytes, already encoded) appended.
fn form_with(name: &str, tail: &[u8]) -> Vec<u8> {
    let mut body = form_body(&with(valid_fields(), name, None));
    body.extend_from_slice(b"&");
    body.extend_from_slice(tail);
    body
}

/// A valid JSON body without `name`, with `member` (raw JSON bytes, `"name": value`) added.
fn json_with(name: &str, member: &[u8]) -> Vec<u8> {
    let mut body = json_body(&with(valid_fields(), name, None));
    assert_eq!(body.pop(), Some(b'}'));
    body.extend_from_slice(b",");
    body.extend_from_slice(member);
    body.extend_from_slice(b"}");
    body
}

fn post_to(uri: &str, content_type: &str, body: Vec<u8>) -> Request<Vec<u8>> {
    Request::post(uri).header("content-type", content_type).body(body).unwrap()
}

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

async fn assert_nothing_stored(store: &SqliteStore) {
    assert!(store.answers().await.unwrap().is_empty(), "an application was stored from a refused body");
    assert!(store.suspects().await.unwrap().is_empty(), "a suspect was stored from a refused body");
}

#[tokio::test]
async fn invalid_utf8_in_a_form_post_is_a_400_in_the_pages_language() {
    let intake = intake_at(DURING_INTAKE);
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("percent-encoded, in an answer", form_with("full_name", b"full_name=%D0%90%FF%D0%B9&lang=ru"), "ru"),
        ("a raw byte, in an answer", form_with("essay", b"essay=\xC0\xAF&lang=ru"), "ru"),
        ("an encoded lone surrogate", form_with("full_name", b"full_name=%ED%A0%80&lang=ky"), "ky"),
        ("in a field's name", form_with("lang", b"lang=ru&%FFname=x"), "ru"),
        ("an overlong slash", form_with("residence", b"residence=%C0%AF&lang=ru"), "ru"),
    ];
    for (case, body, lang) in cases {
        let (_dir, store) = temp_store();
        let response = handle(&store, &intake, post_to("/api/applications", FORM, body)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
        let page = body_text(&response);
        assert!(page.contains(&format!("<html lang=\"{lang}\">")), "{case}: {page}");
        assert!(page.contains(&escaped(&form_text("not_text", lang))), "{case}: {page}");
        assert_nothing_stored(&store).await;
    }
}

#[tokio::test]
async fn without_a_readable_language_the_400_is_in_every_language() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    // The language itself is broken, and the URL names none: both languages say it.
    let body = form_with("lang", b"lang=%FF");
    let page = handle(&store, &intake, post_to("/api/applications", FORM, body)).await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    let text = body_text(&page);
    for lang in ["ky", "ru"] {
        assert!(text.contains(&format!("<p lang=\"{lang}\">{}</p>", escaped(&form_text("not_text", lang)))), "{text}");
    }

    let json = handle(&store, &intake, post("application/json", b"{\"essay\": \"\xFF\"}".to_vec())).await;
    assert_eq!(json.status(), StatusCode::BAD_REQUEST);
    let reply = body_json(&json);
    assert_eq!(reply["error"], "not_text");
    assert_eq!(reply["message"], format!("{}\n{}", form_text("not_text", "ky"), form_text("not_text", "ru")));
    assert_nothing_stored(&store).await;
}

#[tokio::test]
async fn the_urls_language_is_used_when_the_bodys_cannot_be_read() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let body = form_with("lang", b"lang=%FF%FE");
    let response = handle(&store, &intake, post_to("/api/applications?lang=ru", FORM, body)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(body_text(&response).contains(&escaped(&form_text("not_text", "ru"))));

    let body = b"\xFF\xFE{}".to_vec();
    let response = handle(&store, &intake, post_to("/api/applications?lang=ru", JSON, body)).await;
    assert_eq!(body_json(&response)["message"], form_text("not_text", "ru"));
    assert_nothing_stored(&store).await;
}

#[tokio::test]
async fn a_json_lone_surrogate_or_broken_byte_is_a_400_never_a_replacement_character() {
    let intake = intake_at(DURING_INTAKE);
    let cases: [(&str, Vec<u8>); 5] = [
        ("a lone leading surrogate", json_with("full_name", br#""full_name": "\ud800""#)),
        ("a lone trailing surrogate", json_with("essay", br#""essay": "text \udfff text""#)),
        ("a reversed pair", json_with("full_name", br#""full_name": "\ude00\ud83d""#)),
        ("a surrogate in a name", json_with("x", br#""\ud800": "x""#)),
        ("a raw byte", json_with("residence", b"\"residence\": \"\xD0\"")),
    ];
    for (case, body) in cases {
        let (_dir, store) = temp_store();
        let body = [br#"{"lang":"ru","#.as_slice(), body.get(1..).unwrap()].concat();
        let response = handle(&store, &intake, post("application/json", body)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
        let reply = body_json(&response);
        assert_eq!(reply["error"], "not_text", "{case}");
        assert_eq!(reply["message"], form_text("not_text", "ru"), "{case}: the body's language was readable");
        assert_nothing_stored(&store).await;
    }
}

#[tokio::test]
async fn control_characters_in_an_answer_are_a_422_naming_the_field() {
    let intake = intake_at(DURING_INTAKE);
    let cases = [
        ("full_name", "Асель\u{0}Токтогулова", "NUL"),
        ("full_name", "\u{1b}[31mАсель\u{1b}[0m", "an escape sequence"),
        ("residence", "Кара-Суу\u{9b}2J", "C1's control sequence introducer"),
        ("workplace", "Мектеп\u{7f}", "DEL"),
        ("full_name", "Асель\tТоктогулова", "a tab in a one-line answer"),
        ("full_name", "Асель\nТоктогулова", "a line break in a one-line answer"),
        ("phone", "0700\r123456", "a carriage return in a phone number"),
        ("email", "asel@example.kg\u{8}", "a backspace"),
        ("essay", "Менин айылым\u{7}", "BEL in a long text"),
        ("lsg_experience", "yes\u{0}", "NUL after a choice"),
    ];
    each_is_refused_naming_its_field(&intake, &cases, "control_characters").await;
}

#[tokio::test]
async fn long_texts_keep_their_line_breaks_and_tabs() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let essay = "Биринчи абзац.\r\n\r\nЭкинчи абзац:\n\t— суу;\r\t— жол.";
    let response = handle(&store, &intake, post_form(&with(valid_fields(), "essay", Some(essay)))).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored = store.answers().await.unwrap();
    assert_eq!(stored[0].answers["essay"], "Биринчи абзац.\n\nЭкинчи абзац:\n\t— суу;\n\t— жол.");
}

#[tokio::test]
async fn what_the_honeypot_catches_is_not_kept_with_control_characters_either() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let fields =
        with(with(valid_fields(), "website", Some("http://spam.example")), "residence", Some("\u{1b}]0;x\u{7}"));
    let response = handle(&store, &intake, post_form(&fields)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields = with(with(valid_fields(), "website", Some("http://spam.example")), "bot\u{0}field", Some("x"));
    let response = handle(&store, &intake, post_json(&fields)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body_json(&response)["errors"][0]["field"], "bot\u{0}field");
    assert_nothing_stored(&store).await;
}

#[tokio::test]
async fn answers_are_stored_composed_so_a_decomposed_letter_equals_the_precomposed_one() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    // й and ё typed as a base letter and a combining mark, as some keyboards and pastes do.
    let decomposed = "Аи\u{306}жан Сеи\u{306}тказиева, Бе\u{308}лөк";
    let composed = "Айжан Сейтказиева, Бёлөк";
    assert_ne!(decomposed, composed);
    let fields = with(with(valid_fields(), "full_name", Some(decomposed)), "submission_id", Some("nfc-00000001"));
    let response = handle(&store, &intake, post_json(&fields)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let code = body_json(&response)["code"].as_str().unwrap().to_string();
    assert_eq!(store.personal(&code).await.unwrap().unwrap()["full_name"], composed);

    // Lengths count composed letters: 200 й fit a 200-letter answer however they were typed.
    let field = intake.form().fields().find(|f| f.name.as_deref() == Some("full_name")).unwrap();
    let at_the_limit = "и\u{306}".repeat(field.max_length());
    let fields = with(with(valid_fields(), "full_name", Some(&at_the_limit)), "submission_id", Some("nfc-00000002"));
    let response = handle(&store, &intake, post_form(&fields)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{}", body_text(&response));
    let stored = store.answers().await.unwrap();
    assert_eq!(stored.len(), 2);
    let last = stored.iter().map(|a| a.code.clone()).find(|c| *c != code).unwrap();
    assert_eq!(store.personal(&last).await.unwrap().unwrap()["full_name"], "й".repeat(field.max_length()));
}

/// Text as the function's pages write it.
fn escaped(text: &str) -> String {
    content_model::escape_html(text)
}

/// Characters that make text look other than it is: refused in every short answer (names,
/// phone, place, e-mail, dates, choices), in the applicant's language, naming the field.
#[tokio::test]
async fn invisible_characters_in_a_short_answer_are_a_422_naming_the_field() {
    let intake = intake_at(DURING_INTAKE);
    let cases = [
        ("full_name", "Айгуль \u{202E}gnp.exe\u{202C}", "a right-to-left override"),
        ("full_name", "Асель\u{200B}Токтогулова", "a zero-width space"),
        ("residence", "Кара-Суу\u{E0041}\u{E0042}", "tag characters"),
        ("workplace", "\u{2066}Мектеп\u{2069}", "directional isolates"),
        ("phone", "0700\u{200D}123456", "a zero-width joiner in a phone number"),
        ("whatsapp", "\u{FEFF}+996 700 123456", "a byte order mark"),
        ("email", "asel@\u{00AD}example.kg", "a soft hyphen in an address"),
        ("birth_date", "1990-05-17\u{2060}", "a word joiner after a date"),
        ("lsg_experience", "yes\u{200B}", "a zero-width space after a choice"),
    ];
    each_is_refused_naming_its_field(&intake, &cases, "invisible_characters").await;
}

/// A long text may hold a joiner or a mark pasted with it: the tools that print stored
/// text show those neutralised instead.
#[tokio::test]
async fn long_texts_keep_invisible_characters() {
    let (_dir, store) = temp_store();
    let intake = intake_at(DURING_INTAKE);
    let essay = "Менин айылым\u{200B} — суу\u{00AD}су жок.";
    let response = handle(&store, &intake, post_json(&with(valid_fields(), "essay", Some(essay)))).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{}", body_text(&response));
    assert_eq!(store.answers().await.unwrap()[0].answers["essay"], essay);
}

/// A field's name with an invisible character is no name of the form: refused with the
/// invisible-character message, shown with the character written out.
#[tokio::test]
async fn invisible_characters_in_a_field_name_are_refused_and_shown_written_out() {
    let intake = intake_at(DURING_INTAKE);
    for website in [None, Some("http://spam.example")] {
        let (_dir, store) = temp_store();
        let fields = with(with(valid_fields(), "full\u{200B}name", Some("x")), "website", website);
        let response = handle(&store, &intake, post_json(&with(fields, "lang", Some("ru")))).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let errors = body_json(&response)["errors"].clone();
        assert_eq!(errors.as_array().unwrap().len(), 1, "{errors}");
        assert_eq!(errors[0]["field"], "full\u{200B}name");
        assert_eq!(errors[0]["label"], "full<U+200B>name");
        assert_eq!(errors[0]["message"], form_text("invisible_characters", "ru"));
        assert_nothing_stored(&store).await;
    }
}

/// Each `(field, value, case)` posted as JSON in Russian and as a form in Kyrgyz: a 422 with
/// one error, on that field, saying `message_key`'s words in the applicant's language, and
/// nothing stored.
async fn each_is_refused_naming_its_field(intake: &Intake, cases: &[(&str, &str, &str)], message_key: &str) {
    for &(name, value, case) in cases {
        for (request, lang) in [
            (post_json(&with(with(valid_fields(), name, Some(value)), "lang", Some("ru"))), "ru"),
            (post_form(&with(valid_fields(), name, Some(value))), "ky"),
        ] {
            let (_dir, store) = temp_store();
            let json = request.headers()["content-type"] == JSON;
            let response = handle(&store, intake, request).await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{case}");
            let message = form_text(message_key, lang);
            assert!(!message.is_empty() && message != message_key, "{message_key} is in form.toml");
            if json {
                let errors = body_json(&response)["errors"].as_array().unwrap().clone();
                assert_eq!(errors.len(), 1, "{case}: {errors:?}");
                assert_eq!((errors[0]["field"].as_str(), errors[0]["message"].as_str()), (Some(name), Some(&*message)));
            } else {
                let label = intake.form().fields().find(|f| f.name.as_deref() == Some(name)).unwrap().label.get("ky");
                let page = body_text(&response);
                assert!(page.contains(&escaped(label)) && page.contains(&escaped(&message)), "{case}: {page}");
            }
            assert_nothing_stored(&store).await;
        }
    }
}
