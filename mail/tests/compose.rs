//! What an applicant and the secretariat read: each message rendered from the frozen
//! content in Kyrgyz and in Russian, and its raw MIME read back by a mail parser.

mod common;

use common::{application, letters};
use mail::{compose_digest, compose_outcome, compose_receipt, Composed};
use mail_parser::{MessageParser, MimeHeaders};
use store::{Addressee, Category, Channel, Outbox, Outcome, SqliteStore, Store};

/// Saves `application` and reads it back as the drain would.
async fn stored(store: &SqliteStore, application: &store::Application) -> Addressee {
    let saved = store.save(application).await.unwrap();
    store.addressee(&saved.code).await.unwrap().unwrap()
}

async fn receipt(lang: &str) -> (Addressee, Composed) {
    let (_dir, store) = test_support::temp_store();
    let addressee = stored(&store, &application("sub-receipt-1", lang, "asel@example.kg")).await;
    let receipt = compose_receipt(&letters(), &addressee).unwrap();
    (addressee, receipt)
}

#[tokio::test]
async fn a_kyrgyz_receipt_says_her_code_time_next_stage_contacts_and_answers_in_kyrgyz() {
    let (addressee, receipt) = receipt("ky").await;
    let code = &addressee.answers.code;
    assert_eq!(receipt.to, ["asel@example.kg"]);
    assert_eq!(receipt.subject, format!("Өтүнмөңүз кабыл алынды: {code}"));
    for part in [&receipt.text, &receipt.html] {
        for expected in [
            format!("Өтүнмөңүздүн коду: {code}"),
            "2020-жылдын 1-декабры, саат 12:00 (Бишкек убактысы, UTC+6)".to_string(),
            "II этап".to_string(),
            "2020-жылдын 11-декабры – 2021-жылдын 16-январы".to_string(),
            "ABuzurmankulova@dpi.kg".into(),
            "0312 976530".into(),
            "Алтынай Бузурманкулова".into(),
            "Аты-жөнү".into(),
            "Асель Токтогулова".into(),
            "asel@example.kg".into(),
            "Менин айылымда таза суу жок.".into(),
            "Ооба".into(),
        ] {
            assert!(part.contains(&expected), "«{expected}» missing from:\n{part}");
        }
        assert!(!part.contains("Здравствуйте"), "Russian in a Kyrgyz receipt:\n{part}");
    }
}

#[tokio::test]
async fn a_russian_receipt_is_all_in_russian() {
    let (addressee, receipt) = receipt("ru").await;
    let code = &addressee.answers.code;
    assert_eq!(receipt.subject, format!("Ваша заявка принята: {code}"));
    for expected in [
        format!("Код вашей заявки: {code}"),
        "1 декабря 2020 г., 12:00 (время Бишкека, UTC+6)".to_string(),
        "11 декабря 2020 г. – 16 января 2021 г.".into(),
        "Фамилия, имя, отчество".into(),
        "Асель Токтогулова".into(),
        "Есть ли у вас опыт работы (взаимодействия) с органами МСУ?".into(),
        "Да".into(),
        "Нет".into(),
        "г. Бишкек, ул. Шевченко, 114".into(),
    ] {
        assert!(receipt.text.contains(&expected), "«{expected}» missing from:\n{}", receipt.text);
    }
    for kyrgyz in ["Саламатсызбы", "Ооба", "Аты-жөнү", "Бишкек убактысы"] {
        assert!(!receipt.text.contains(kyrgyz), "«{kyrgyz}» in a Russian receipt:\n{}", receipt.text);
    }
}

#[tokio::test]
async fn markup_in_an_answer_is_shown_as_text_and_nothing_loads_from_elsewhere() {
    let (_dir, store) = test_support::temp_store();
    let mut with_markup = application("sub-markup", "ru", "asel@example.kg");
    with_markup.answers.insert("essay".into(), "<script>alert('x')</script> & <b>жирный</b>\nвторая строка".into());
    let addressee = stored(&store, &with_markup).await;
    let receipt = compose_receipt(&letters(), &addressee).unwrap();
    assert!(receipt.text.contains("<script>alert('x')</script> & <b>жирный</b>"), "the text part shows it as written");
    assert!(receipt
        .html
        .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;жирный&lt;/b&gt;<br>"));
    assert!(!receipt.html.contains("<script"), "{}", receipt.html);
    for loads in ["<img", "src=", "href=", "http://", "https://", "<link", "url("] {
        assert!(!receipt.html.contains(loads), "`{loads}` in the HTML part");
    }
}

#[tokio::test]
async fn no_address_no_receipt_and_no_outcome() {
    let (_dir, store) = test_support::temp_store();
    let addressee = stored(&store, &application("sub-blank", "ky", "  ")).await;
    assert_eq!(compose_receipt(&letters(), &addressee), None);
    assert_eq!(compose_outcome(&letters(), &addressee, Outcome::Selected), None);
    let erased = Addressee { personal: None, ..addressee };
    assert_eq!(compose_outcome(&letters(), &erased, Outcome::Selected), None);
}

#[tokio::test]
async fn outcomes_in_her_language_with_the_schools_dates_for_the_selected() {
    let (_dir, store) = test_support::temp_store();
    let ky = stored(&store, &application("sub-ky", "ky", "a@example.kg")).await;
    let ru = stored(&store, &application("sub-ru", "ru", "b@example.kg")).await;
    let letters = letters();

    let selected = compose_outcome(&letters, &ky, Outcome::Selected).unwrap();
    assert_eq!(selected.subject, format!("Мектепке тандоонун жыйынтыгы: {}", ky.answers.code));
    assert!(selected.text.contains("Куттуктайбыз!"), "{}", selected.text);
    assert!(selected.text.contains("III этап") && selected.text.contains("2021-жылдын 25-29-январь күндөрү"));
    let selected = compose_outcome(&letters, &ru, Outcome::Selected).unwrap();
    assert!(
        selected.text.contains("Поздравляем!") && selected.text.contains("25–29 января 2021 г."),
        "{}",
        selected.text
    );

    let reserve = compose_outcome(&letters, &ru, Outcome::Reserve).unwrap();
    assert!(reserve.text.contains("резервный список"), "{}", reserve.text);
    assert!(!reserve.text.contains("25–29 января"), "dates are for the selected only");
    let not_selected = compose_outcome(&letters, &ky, Outcome::NotSelected).unwrap();
    assert!(not_selected.text.contains("Тилекке каршы"), "{}", not_selected.text);
    assert!(!not_selected.text.contains("Асель"), "an outcome carries no copy of her answers");
}

#[tokio::test]
async fn a_digest_names_codes_groups_languages_channels_and_times_but_no_one() {
    let (_dir, store) = test_support::temp_store();
    let first = stored(&store, &application("sub-d1", "ky", "asel@example.kg")).await;
    let mut paper = application("sub-d2", "ru", "");
    paper.category = Category::UnderTwentyEight;
    paper.channel = Channel::Paper;
    paper.entered_by = Some("secretariat".into());
    paper.received_at = common::at(90);
    let second = stored(&store, &paper).await;
    let digest = compose_digest(&letters(), "secretariat@example.kg", &[second.answers.clone(), first.answers.clone()]);
    assert_eq!(digest.to, ["secretariat@example.kg"]);
    assert_eq!(digest.subject, "Новые заявки: 2");
    let first_at = digest.text.find(&first.answers.code).unwrap();
    let second_at = digest.text.find(&second.answers.code).unwrap();
    assert!(first_at < second_at, "oldest first:\n{}", digest.text);
    for expected in [
        "28 лет и старше",
        "до 28 лет",
        "Кыргызча",
        "Русский",
        "через форму на сайте",
        "на бумаге",
        "1 декабря 2020 г., 12:00 (время Бишкека, UTC+6)",
        "1 декабря 2020 г., 12:01 (время Бишкека, UTC+6)",
    ] {
        assert!(digest.text.contains(expected), "«{expected}» missing:\n{}", digest.text);
        assert!(digest.html.contains(expected), "«{expected}» missing:\n{}", digest.html);
    }
    for personal in ["Асель", "asel@example.kg", "0700 123456", "Менин айылымда", "1990-05-17", "Кара-Суу"]
    {
        assert!(!digest.text.contains(personal) && !digest.html.contains(personal), "«{personal}» in a digest");
    }
}

#[tokio::test]
async fn the_raw_message_reads_back_as_text_and_html_alternatives_with_its_headers() {
    let (addressee, receipt) = receipt("ky").await;
    let raw = receipt.to_mime("mektep@vap.kg", "ABuzurmankulova@dpi.kg");
    let head = String::from_utf8_lossy(&raw[..raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap()]).to_string();
    assert!(head.contains("Content-Type: multipart/alternative"), "{head}");
    let message = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(message.subject().unwrap(), receipt.subject);
    assert_eq!(message.from().unwrap().first().unwrap().address().unwrap(), "mektep@vap.kg");
    assert_eq!(message.to().unwrap().first().unwrap().address().unwrap(), "asel@example.kg");
    assert_eq!(message.reply_to().unwrap().first().unwrap().address().unwrap(), "ABuzurmankulova@dpi.kg");
    assert_eq!(message.text_body_count(), 1);
    assert_eq!(message.html_body_count(), 1);
    let text = message.body_text(0).unwrap();
    // Lines of a message on the wire end in CRLF.
    assert_eq!(text.replace("\r\n", "\n").trim_end(), receipt.text.trim_end());
    assert!(text.contains(&addressee.answers.code));
    let html = message.body_html(0).unwrap();
    assert_eq!(html.replace("\r\n", "\n").trim_end(), receipt.html.trim_end());
    assert_eq!(message.attachment_count(), 0);
    let text_part = message.part(message.text_body[0]).unwrap();
    let content_type = text_part.content_type().unwrap();
    assert_eq!((content_type.ctype(), content_type.subtype()), ("text", Some("plain")));
    assert!(content_type.attribute("charset").unwrap().eq_ignore_ascii_case("utf-8"));
}

#[tokio::test]
async fn an_address_that_does_not_parse_is_a_permanent_refusal_that_does_not_show_it() {
    let (_dir, store) = test_support::temp_store();
    let addressee = stored(&store, &application("sub-bad", "ky", "asel at example")).await;
    let receipt = compose_receipt(&letters(), &addressee).unwrap();
    let err = receipt.try_to_mime("mektep@vap.kg", "ABuzurmankulova@dpi.kg").unwrap_err();
    assert!(matches!(err, mail::SendError::Permanent(_)), "{err:?}");
    assert!(err.reason().contains("recipient") && !err.reason().contains("asel"), "{err}");
    assert!(receipt.to_mime("mektep@vap.kg", "ABuzurmankulova@dpi.kg").is_empty());
}
