//! Front matter written by the tools reads back exactly, whatever the editor typed: any
//! title, tags, stage, summary and day. 2,000 cases by default; `PROPTEST_CASES=100000
//! cargo test -p content-model --test front_matter_properties` runs longer.

use content_model::FrontMatter;
use proptest::prelude::*;

fn cases() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2000),
        ..ProptestConfig::default()
    }
}

/// Text an editor might type or paste: any characters, with the awkward ones made likely.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                Just('"'),
                Just('\\'),
                Just('\n'),
                Just('\r'),
                Just('\t'),
                Just('\u{301}'),
                Just('\u{ad}'),
                Just('\u{feff}'),
                Just('ң'),
                Just('ө'),
                Just('ү'),
                Just('🎉'),
                Just('+'),
                Just('='),
                Just('['),
                Just('#'),
                any::<char>()
            ],
            0..40
        )
        .prop_map(|chars| chars.into_iter().collect()),
    ]
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn whatever_is_written_reads_back_the_same_on_one_line(
        title in text(),
        tags in proptest::collection::vec(text(), 0..4),
        stage in proptest::option::of(text()),
        summary in proptest::option::of(text()),
        draft in any::<bool>(),
        days in 0i64..40_000,
    ) {
        let date = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(days);
        let front = FrontMatter { title, tags, stage, summary, draft, date: Some(FrontMatter::day(date)), ..FrontMatter::default() };
        let document = front.to_document("Текст\n");
        let inner = document.strip_prefix("+++\n").and_then(|rest| rest.split_once("\n+++\n").or_else(|| rest.split_once("+++\n")));
        prop_assert!(inner.is_some(), "{document}");
        let (toml, body) = inner.unwrap();
        let read: FrontMatter = toml::from_str(toml).map_err(|err| TestCaseError::fail(format!("{err}\n{document}")))?;
        prop_assert_eq!(read, front.on_one_line());
        prop_assert!(toml.lines().all(|line| line.trim() != "+++"), "{document}");
        prop_assert!(body.ends_with("Текст\n"));
    }

    #[test]
    fn any_text_as_front_matter_is_read_or_refused_without_panicking(toml in text()) {
        let _ = toml::from_str::<FrontMatter>(&toml);
    }
}
