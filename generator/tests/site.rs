//! What the generator makes of a whole site, read back as a reader's browser and tools would
//! get it: built from the frozen copy of the content (`tests/fixtures/site/content`), so the
//! sentences, phone numbers, dates, statuses and counts asserted here stay as they are when
//! editors change `content/`. What must hold of the real content whatever editors write is
//! in `content_lint.rs`.

mod common;

use common::{build_frozen_site, frozen_content, Built};

const DURING_INTAKE: &str = "2020-12-01T12:00:00+06:00";

/// The status class the stage index gives stage `id` (`iii`).
fn stage_status(built: &Built, lang_index: &str, id: &str) -> String {
    let html = built.read(lang_index);
    let at = html.find(&format!("id=\"stage-{id}\"")).unwrap_or_else(|| panic!("no stage {id} in {lang_index}"));
    let class = html[..at].rfind("class=\"status-").unwrap() + "class=\"status-".len();
    html[class..].split('"').next().unwrap().to_string()
}

/// A file of the frozen content, read as TOML: the words the site shows are taken from
/// there, as the generator takes them.
fn content_toml(file: &str) -> toml::Table {
    let path = frozen_content().join(file);
    toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Interface string `key` of the frozen content's i18n/<lang>.toml.
fn interface(lang: &str, key: &str) -> String {
    content_toml(&format!("i18n/{lang}.toml"))["strings"][key]
        .as_str()
        .unwrap_or_else(|| panic!("{lang}: {key}"))
        .into()
}

/// Text `key` of the frozen content's form.toml (`[messages]` or `[text]`) in `lang`.
fn form_text(key: &str, lang: &str) -> String {
    let form = content_toml("form.toml");
    let text =
        form["messages"].get(key).or_else(|| form["text"].get(key)).unwrap_or_else(|| panic!("form.toml: {key}"));
    text[lang].as_str().unwrap().to_string()
}

/// How many yes/no questions the frozen form asks.
fn yes_no_questions() -> usize {
    let form = content_toml("form.toml");
    let sections = form["section"].as_array().unwrap();
    sections
        .iter()
        .flat_map(|section| section["field"].as_array().unwrap())
        .filter(|f| f["kind"].as_str() == Some("yes-no"))
        .count()
}

/// The deadline box of a page.
fn deadline_box(html: &str) -> &str {
    let start = html.find("<aside class=\"deadline").expect("a deadline box");
    let end = start + html[start..].find("</aside>").unwrap();
    &html[start..end]
}

fn event_status(built: &Built, stage_page: &str, id: &str) -> String {
    let html = built.read(stage_page);
    let at = html.find(&format!("id=\"event-{id}\"")).unwrap_or_else(|| panic!("no event {id} in {stage_page}"));
    let class = html[..at].rfind("class=\"status-").unwrap() + "class=\"status-".len();
    html[class..].split('"').next().unwrap().to_string()
}

#[test]
fn every_part_of_the_source_is_on_the_site_in_both_languages() {
    let site = build_frozen_site(DURING_INTAKE);
    for (lang, stages, apply, results) in [
        ("ky", "ky/etaptar", "ky/otunmo-beruu/index.html", "ky/zhyiyntyktar/index.html"),
        ("ru", "ru/etapy", "ru/podacha-zayavki/index.html", "ru/rezultaty/index.html"),
    ] {
        let home = site.read(&format!("{lang}/index.html"));
        for id in ["introduction", "background", "goal", "audience", "requirements", "schedule"] {
            assert!(home.contains(&format!("id=\"{id}\"")), "{lang} home lacks #{id}");
        }
        assert_eq!(home.matches("class=\"footnote-definition\"").count(), 2, "{lang}: the background's two footnotes");
        let apply = site.read(apply);
        for id in ["contacts", "form-questions"] {
            assert!(apply.contains(&format!("id=\"{id}\"")), "{lang} apply page lacks #{id}");
        }
        for question in ["1.1", "1.5", "2.3", "3.2", "4.2", "5.2", "6.4", "7.1", "7.4.1", "7.4.2", "7.9", "8.1"] {
            assert!(apply.contains(&format!("<span class=\"qid\">{question}</span>")), "{lang}: question {question}");
        }
        assert!(
            apply.contains("ABuzurmankulova@dpi.kg")
                && apply.contains("0312\u{a0}976530")
                && apply.contains("0770\u{a0}771156")
        );
        assert!(site.read(results).contains("20"), "{lang}: expected results");
        for stage in ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"] {
            assert!(site.exists(&format!("{stages}/{stage}/index.html")), "{lang}: stage page {stage}");
        }
        let selection = site.read(&format!("{stages}/ii/index.html"));
        assert!(selection.contains("id=\"criteria\"") && selection.contains("id=\"criteria-chart\""));
        let criteria = content_toml("selection.toml")["criterion"].as_array().unwrap().len();
        assert_eq!(selection.matches("class=\"bar\"").count(), criteria, "{lang}: a bar per criterion");
        assert!(
            site.read(&format!("{stages}/i/index.html")).contains("class=\"footnote-definition\""),
            "{lang}: the portal footnote"
        );
    }
}

#[test]
fn the_kyrgyz_text_is_the_sources_own() {
    let site = build_frozen_site(DURING_INTAKE);
    // One sentence from each part of the source, as it stands there.
    let checks = [
        (
            "ky/index.html",
            "2011-жылдан бери Кыргызстанда Швейцариянын Өнүктүрүү жана Кызматташтык боюнча агенттиги (SDC)",
        ),
        (
            "ky/index.html",
            "Жергиликтүү кеңештердеги гендердик теңсиздик аялдар үчүн 30 пайыздык квоталарды киргизүүгө себепчи болду.",
        ),
        ("ky/index.html", "Мектептин максаты – жигердүү аялдардын, анын ичинде кыз-келиндердин"),
        ("ky/index.html", "2019–2020-жылдар аралыгында ушуга окшош мектептерге катышуу тажрыйбасы болбошу керек."),
        ("ky/etaptar/i/index.html", "Порталды ЖӨБ Союзу жана ӨСИ менен биргеликте ЖӨБЭММА иштетет."),
        (
            "ky/etaptar/ii/index.html",
            "Комиссиянын курамына ЖӨБЭММАдан, ЖӨБ Союзунан жана Долбоордон бирден өкүл кирет.",
        ),
        ("ky/etaptar/iii/index.html", "Мектепте окуу бир нече багытта өтөт."),
        ("ky/etaptar/iv/index.html", "Мектепти бүтүрүп, үйүнө кайтып келгенден кийин"),
        (
            "ky/etaptar/v/index.html",
            "Долбоор шайлоо күнү да Мектептин катышуучулары менен туруктуу байланышты кармап турат.",
        ),
        ("ky/etaptar/vi/index.html", "100дөн ашык жооптор камтылган"),
        ("ky/etaptar/vii/index.html", "2022-жылга жергиликтүү бюджеттин долбоорун түзүү боюнча"),
        (
            "ky/etaptar/viii/index.html",
            "Мектептин бардык катышуучулары Мыкты практикалар порталы тууралуу маалымат алып",
        ),
        ("ky/etaptar/ix/index.html", "Мектептин жыйынтыктоочу иш-чарасы – онлайн семинар."),
        ("ky/zhyiyntyktar/index.html", "бүтүрүүчүлөрүнүн бери дегенде 20 пайызы жергиликтүү кеңештин депутаты болот"),
        ("ky/otunmo-beruu/index.html", "Толугу менен толтурулган өтүнмөнү жана дилбаянды:"),
    ];
    for (page, sentence) in checks {
        assert!(site.read(page).contains(sentence), "{page} lacks: {sentence}");
    }
}

#[test]
fn stage_statuses_follow_the_clock() {
    let cases: [(&str, &[(&str, &str)]); 6] = [
        ("2020-11-08T23:59:00+06:00", &[("i", "upcoming"), ("ix", "upcoming")]),
        (DURING_INTAKE, &[("i", "under_way"), ("ii", "upcoming")]),
        ("2020-12-11T18:00:00+06:00", &[("i", "under_way"), ("ii", "under_way"), ("iii", "upcoming")]),
        ("2021-03-04T10:00:00+06:00", &[("iii", "finished"), ("iv", "under_way"), ("v", "upcoming")]),
        (
            "2021-06-15T10:00:00+06:00",
            &[("v", "finished"), ("vi", "under_way"), ("vii", "under_way"), ("viii", "upcoming")],
        ),
        ("2021-10-01T00:00:00+06:00", &[("i", "finished"), ("vi", "finished"), ("ix", "finished")]),
    ];
    for (moment, expected) in cases {
        let site = build_frozen_site(moment);
        for (stage, status) in expected {
            assert_eq!(stage_status(&site, "ky/etaptar/index.html", stage), *status, "stage {stage} at {moment} (ky)");
            assert_eq!(stage_status(&site, "ru/etapy/index.html", stage), *status, "stage {stage} at {moment} (ru)");
        }
    }
    let meeting_day = build_frozen_site("2021-03-04T10:00:00+06:00");
    let page = "ru/etapy/iv/index.html";
    assert_eq!(event_status(&meeting_day, page, "iv-1"), "finished");
    assert_eq!(event_status(&meeting_day, page, "iv-2"), "under_way");
    assert_eq!(event_status(&meeting_day, page, "iv-3"), "under_way");
    assert_eq!(event_status(&meeting_day, page, "iv-5"), "upcoming");
    assert!(meeting_day.read(page).contains(&interface("ru", "status_under_way")));
}

#[test]
fn the_deadline_closes_the_call_at_five_in_bishkek() {
    let schedule = content_toml("schedule.toml");
    let summary = |lang: &str| schedule["deadline"]["summary"][lang].as_str().unwrap().to_string();
    let cases = [
        ("ky", "2020-жылдын 11-декабры, саат 17:00 (Бишкек убактысы, UTC+6)", "etaptar"),
        ("ru", "11 декабря 2020 г., 17:00 (время Бишкека, UTC+6)", "etapy"),
    ];
    let open = build_frozen_site("2020-12-11T16:59:00+06:00");
    for (lang, moment, _) in cases {
        let home = open.read(&format!("{lang}/index.html"));
        let open_box = deadline_box(&home);
        assert!(open_box.contains(moment), "{lang}: the deadline");
        assert_eq!(open_box.matches(&summary(lang)).count(), 1, "{lang}: one sentence, said once: {open_box}");
        assert!(open_box.contains(&interface(lang, "apply_cta")), "{lang}: how to apply");
    }
    // 17:00 in Bishkek is 11:00 UTC.
    let closed = build_frozen_site("2020-12-11T11:00:00Z");
    for (lang, moment, stages) in cases {
        let home = closed.read(&format!("{lang}/index.html"));
        let closed_box = deadline_box(&home);
        assert!(closed_box.contains(&interface(lang, "deadline_closed")), "{lang}: closed: {closed_box}");
        let closed_at = format!("<time datetime=\"2020-12-11T17:00:00+06:00\">{moment}</time>");
        let passed = interface(lang, "deadline_passed").replace("{date}", &closed_at);
        assert!(closed_box.contains(&passed), "{lang}: closed at five: {closed_box}");
        assert!(!closed_box.contains(&summary(lang)), "{lang}: no «applications are accepted» once they are not");
        assert!(!closed_box.contains(&interface(lang, "apply_cta")));
        assert!(
            closed_box
                .contains(&format!("{} <a href=\"/{lang}/{stages}/ii/\">", interface(lang, "deadline_selection"))),
            "{lang}: the selection: {closed_box}"
        );
        assert!(
            closed_box.contains(&format!("{}: <a href=\"/{lang}/{stages}/iii/\">", interface(lang, "next_stage"))),
            "{lang}: the next stage: {closed_box}"
        );
    }
}

#[test]
fn dates_read_as_people_write_them() {
    let site = build_frozen_site(DURING_INTAKE);
    let ky = site.read("ky/etaptar/index.html");
    for date in [
        "2020-жылдын 9-ноябры – 11-декабры",
        "2021-жылдын 25-29-январь күндөрү",
        "апрель, 2021-жыл",
        "май–август, 2021-жыл",
        "2021-жылдын 4-марты",
        "2020-жылдын 11-декабры – 2021-жылдын 16-январы",
    ] {
        assert!(ky.contains(date), "ky lacks {date}");
    }
    let ru = site.read("ru/etapy/index.html");
    for date in [
        "9 ноября – 11 декабря 2020 г.",
        "25–29 января 2021 г.",
        "апрель 2021 г.",
        "май–август 2021 г.",
        "4 марта 2021 г.",
        "11 декабря 2020 г. – 16 января 2021 г.",
    ] {
        assert!(ru.contains(date), "ru lacks {date}");
    }
}

#[test]
fn the_calendars_read_in_a_real_ical_parser() {
    let site = build_frozen_site(DURING_INTAKE);
    let schedule = content_toml("schedule.toml");
    let stages = schedule["stage"].as_array().unwrap();
    let sub_events: usize =
        stages.iter().map(|stage| stage.get("event").and_then(|e| e.as_array()).map_or(0, Vec::len)).sum();
    let events = stages.len() + sub_events + 1;
    for lang in ["ky", "ru"] {
        let school = stages.iter().find(|stage| stage["id"].as_str() == Some("III")).unwrap();
        let school_title = school["title"][lang].as_str().unwrap();
        let text = site.read(&format!("{lang}/calendar.ics"));
        let mut calendars = ical::IcalParser::new(text.as_bytes());
        let calendar = calendars.next().expect("one calendar").expect("valid iCalendar");
        assert!(calendars.next().is_none());
        assert_eq!(calendar.events.len(), events, "{lang}: every stage, every sub-event, the deadline");
        let property = |event: &ical::parser::ical::component::IcalEvent, name: &str| {
            event.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone()).unwrap_or_default()
        };
        let school = calendar.events.iter().find(|e| property(e, "SUMMARY").contains(school_title)).expect("stage III");
        assert_eq!(property(school, "DTSTART"), "20210125");
        assert_eq!(property(school, "DTEND"), "20210130", "all-day ends are exclusive");
        let monitoring = calendar.events.iter().find(|e| property(e, "UID").starts_with("stage-v-")).unwrap();
        assert_eq!(
            (property(monitoring, "DTSTART").as_str(), property(monitoring, "DTEND").as_str()),
            ("20210401", "20210501")
        );
        let deadline = calendar.events.iter().find(|e| property(e, "UID").starts_with("deadline-")).unwrap();
        assert_eq!(property(deadline, "DTSTART"), "20201211T110000Z", "17:00 in Bishkek");
        let uids: std::collections::HashSet<String> = calendar.events.iter().map(|e| property(e, "UID")).collect();
        assert_eq!(uids.len(), events, "unique UIDs");
    }
    assert!(site.read("ky/etaptar/index.html").contains("href=\"/ky/calendar.ics\""), "linked from the schedule");
}

#[test]
fn the_root_shows_kyrgyz_and_offers_russian_and_404s_exist() {
    let site = build_frozen_site(DURING_INTAKE);
    let root = site.read("index.html");
    assert!(root.contains("<html lang=\"ky\">") && root.contains("href=\"/ru/\""));
    assert!(root.contains("<link rel=\"canonical\" href=\"https://mektep.vap.kg/ky/\">"));
    for lang in ["ky", "ru"] {
        assert!(site.read(&format!("{lang}/404.html")).contains(&interface(lang, "not_found_title")));
    }
    assert!(site.exists("404.html") && site.exists(&site.linked("index.html", "icon")));
}

#[test]
fn the_form_page_has_every_question_with_a_label_and_the_right_input() {
    let site = build_frozen_site(DURING_INTAKE);
    for (page, lang) in [("ky/otunmo-formasy/index.html", "ky"), ("ru/forma-zayavki/index.html", "ru")] {
        let html = site.read(page);
        assert!(html.contains(&format!("action=\"/api/applications?lang={lang}\"")));
        for name in ["full_name", "residence", "workplace", "lsg_experience_text", "essay", "consent_personal_data"] {
            assert!(
                html.contains(&format!("<label for=\"f-{name}\">")) && html.contains(&format!("id=\"f-{name}\"")),
                "{page}: {name}"
            );
        }
        assert!(html.contains("type=\"date\" id=\"f-birth_date\" name=\"birth_date\" autocomplete=\"bday\" required"));
        assert!(html.contains("type=\"tel\" id=\"f-phone\" name=\"phone\" maxlength=\"32\" inputmode=\"tel\" autocomplete=\"tel\" required"));
        assert!(html.contains(
            "type=\"email\" id=\"f-email\" name=\"email\" maxlength=\"254\" inputmode=\"email\" autocomplete=\"email\""
        ));
        assert_eq!(
            html.matches("type=\"radio\"").count(),
            2 * yes_no_questions(),
            "{page}: two answers a yes/no question"
        );
        assert!(html.contains("data-max-words=\"1000\""));
        assert!(html.contains("name=\"website\" tabindex=\"-1\""), "the honeypot");
        for section in 1..=9 {
            assert!(
                html.contains(&format!("<fieldset class=\"form-section\" id=\"form-section-{section}\">")),
                "{page}: section {section}"
            );
        }
    }
}

#[test]
fn after_the_deadline_the_form_page_shows_no_form() {
    let site = build_frozen_site("2020-12-11T17:00:00+06:00");
    let html = site.read("ru/forma-zayavki/index.html");
    assert!(!html.contains("<form id=\"application\"") && !html.contains("id=\"form-rules\""));
    assert!(html.contains(&form_text("closed_title", "ru")));
    let closed = form_text("closed_text", "ru").replace("{date}", "11 декабря 2020 г., 17:00 (время Бишкека, UTC+6)");
    assert!(html.contains(&closed), "{closed}");
}

#[test]
fn after_the_deadline_the_pages_about_applying_say_when_the_call_closed_and_what_comes_next() {
    let schedule = content_toml("schedule.toml");
    let site = build_frozen_site("2020-12-20T12:00:00+06:00");
    for (lang, form, apply, stages, closed_at) in [
        (
            "ky",
            "ky/otunmo-formasy/index.html",
            "ky/otunmo-beruu/index.html",
            "etaptar",
            "2020-жылдын 11-декабры, саат 17:00 (Бишкек убактысы, UTC+6)",
        ),
        (
            "ru",
            "ru/forma-zayavki/index.html",
            "ru/podacha-zayavki/index.html",
            "etapy",
            "11 декабря 2020 г., 17:00 (время Бишкека, UTC+6)",
        ),
    ] {
        let selection = format!("{} <a href=\"/{lang}/{stages}/ii/\">", interface(lang, "deadline_selection"));
        // The form page: no words inviting to fill the form in, the notice with the time.
        let html = site.read(form);
        assert!(!html.contains("id=\"form-intro\""), "{form}: the page's own words invite to apply");
        assert!(html.contains(&form_text("closed_text", lang).replace("{date}", closed_at)), "{form}");
        assert!(html.contains(&selection), "{form}: where the programme goes on");
        // The page on how to apply: the notice instead of its own words, no print hint.
        let html = site.read(apply);
        let closed_box = deadline_box(&html);
        assert!(closed_box.contains(&interface(lang, "deadline_closed")), "{apply}: {closed_box}");
        assert!(closed_box.contains(&format!("\">{closed_at}</time>")), "{apply}: {closed_box}");
        assert!(closed_box.contains(&selection), "{apply}: {closed_box}");
        assert!(!html.contains("<p>Каждая") && !html.contains("<p>Ар бир"), "{apply}: how to send, after the deadline");
        assert!(!html.contains(&interface(lang, "form_print_hint")), "{apply}: print the form and fill it in");
        assert!(html.contains(&format!("<h2 id=\"contacts\">{}</h2>", interface(lang, "contact_heading_closed"))));
        // The schedule's deadline row.
        let index = site.read(&format!("{lang}/{stages}/index.html"));
        let summary = schedule["deadline"]["summary"][lang].as_str().unwrap();
        assert!(!index.contains(summary), "{lang}: the schedule still says applications are accepted");
        assert!(index.contains(&format!("<td>{}</td>", interface(lang, "deadline_closed"))), "{lang}: the row");
    }
    // Before the deadline the same pages say how to apply.
    let open = build_frozen_site(DURING_INTAKE);
    assert!(open.read("ru/forma-zayavki/index.html").contains("<div id=\"form-intro\">"));
    assert!(open.read("ru/podacha-zayavki/index.html").contains("<p>Каждая"));
    assert!(open.read("ky/otunmo-beruu/index.html").contains(&interface("ky", "form_print_hint")));
}

#[test]
fn the_essays_limit_is_said_once_on_the_printed_form() {
    let site = build_frozen_site(DURING_INTAKE);
    for (page, lang) in [("ky/otunmo-beruu/index.html", "ky"), ("ru/podacha-zayavki/index.html", "ru")] {
        let html = site.read(page);
        let start = html.find("<span class=\"qid\">8.1</span>").expect("question 8.1");
        let question = &html[start..start + html[start..].find("</li>").unwrap()];
        let limit = interface(lang, "max_words").replace("{n}", "1000");
        let said = question.to_lowercase().matches(&limit.to_lowercase()).count();
        assert_eq!(said, 1, "{page}: {question}");
    }
}

#[test]
fn a_stage_page_says_as_of_when_without_brackets_in_brackets() {
    let site = build_frozen_site(DURING_INTAKE);
    for page in ["ky/etaptar/iii/index.html", "ru/etapy/iii/index.html"] {
        let html = site.read(page);
        let start = html.find("<p class=\"when").expect("the stage's dates");
        let line = &html[start..start + html[start..].find("</p>").unwrap()];
        let as_of = line.split("<span class=\"as-of\">").nth(1).expect("as of when").split("</span>").next().unwrap();
        assert!(!as_of.starts_with('(') && as_of.matches('(').count() == 1, "{page}: {as_of}");
    }
}

#[test]
fn a_page_without_a_description_is_described_by_its_first_paragraph() {
    let site = build_frozen_site(DURING_INTAKE);
    // Stage pages say nothing in their front matter: theirs is their first paragraph, cut near
    // 160 characters at a word.
    for stage in ["ky/etaptar/ii/index.html", "ru/etapy/ii/index.html"] {
        let html = site.read(stage);
        let description =
            html.split("<meta name=\"description\" content=\"").nth(1).unwrap().split('"').next().unwrap();
        assert!(description.chars().count() <= 161 && description.ends_with('…'), "{stage}: {description}");
        let first_words: String = description.chars().take(40).collect();
        assert!(html.contains(&format!("<p>{first_words}")), "{stage}: {description}");
    }
}

#[test]
fn a_search_page_has_one_search_landmark() {
    let site = build_frozen_site(DURING_INTAKE);
    for page in ["ky/izdoo/index.html", "ru/poisk/index.html", "ky/index.html", "ru/etapy/index.html"] {
        assert_eq!(site.read(page).matches("role=\"search\"").count(), 1, "{page}");
    }
}
