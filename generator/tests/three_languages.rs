//! Adding a language is configuration and content only: the fixture adds English to the
//! real templates without touching them.

mod common;

#[test]
fn a_third_language_needs_only_configuration_and_content() {
    let site = common::build(&common::fixtures().join("three-languages/content"), "2020-12-01T12:00:00+06:00");
    let home = site.read("en/index.html");
    assert!(home.contains("<html lang=\"en\">"));
    for lang in ["ky", "ru", "en"] {
        assert!(
            home.contains(&format!(
                "<link rel=\"alternate\" hreflang=\"{lang}\" href=\"https://example.org/{lang}/\">"
            )),
            "{lang}"
        );
    }
    assert!(home.contains("11 December 2020, 17:00 (Bishkek time, UTC+6)"));
    assert!(home.contains("Until 17:00."), "the deadline box says when, once");
    let schedule = site.read("en/schedule/index.html");
    assert!(schedule.contains("9 November – 11 December 2020") && schedule.contains("April 2021"));
    assert!(site.read("en/schedule/collecting-applications-stage/index.html").contains("Under way"));
    assert!(site.read("ky/schedule/index.html").contains("2021-жылдын 11-апрели"));
    assert!(site.read("en/calendar.ics").contains("SUMMARY:I stage: Collecting applications"));
    assert_eq!(site.read("sitemap.xml").matches("<url>").count(), 3 * 4);
    assert!(site.read("en/404.html").contains("Page not found"));
}
