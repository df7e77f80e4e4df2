//! Reports as editors publish them and readers find them: drafts, a report in one language,
//! images, listings page by page, tags, stage pages, previous and next, the Atom feeds
//! through a real Atom parser, and the search index.

mod common;

use std::path::Path;

fn write(content: &Path, name: &str, text: &str) {
    std::fs::write(content.join(name), text).unwrap();
}

fn report(title: &str, slug: &str, date: &str, stage: &str, extra: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\nslug = \"{slug}\"\ndate = {date}\nstage = \"{stage}\"\n{extra}+++\n\n{body}\n")
}

/// The frozen copy of the content plus: twelve more reports in both languages, a draft, a Kyrgyz-only
/// report with an image.
fn fixture() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let content = root.path().join("content");
    common::copy_tree(&common::frozen_content(), &content);
    for n in 1..=12 {
        let date = format!("2021-02-{n:02}");
        let tags = if n % 2 == 0 { "tags = [\"Насаатчылык\"]\n" } else { "" };
        write(
            &content,
            &format!("reports/week-{n}.ky.md"),
            &report(&format!("Жума {n}"), &format!("zhuma-{n}"), &date, "IV", tags, "Консультациялар уланууда."),
        );
        let tags = if n % 2 == 0 { "tags = [\"Наставничество\"]\n" } else { "" };
        write(
            &content,
            &format!("reports/week-{n}.ru.md"),
            &report(&format!("Неделя {n}"), &format!("nedelya-{n}"), &date, "IV", tags, "Консультации продолжаются."),
        );
    }
    write(
        &content,
        "reports/unfinished.ky.md",
        &report("Даяр эмес", "dayar-emes", "2021-03-01", "IV", "draft = true\n", "Текст."),
    );
    write(
        &content,
        "reports/unfinished.ru.md",
        &report("Не готово", "ne-gotovo", "2021-03-01", "IV", "draft = true\n", "Текст."),
    );
    std::fs::create_dir_all(content.join("images")).unwrap();
    std::fs::write(content.join("images/meeting.png"), common::png([200, 120, 40])).unwrap();
    write(
        &content,
        "reports/kyrgyz-only.ky.md",
        &report(
            "Айылдагы жолугушуу",
            "ayildagy-zholugushuu",
            "2021-03-05",
            "IV",
            "languages = [\"ky\"]\nsummary = \"Кыргызча гана.\"\n",
            "![Жолугушуунун катышуучулары](/images/meeting.png)",
        ),
    );
    root
}

const MOMENT: &str = "2021-03-10T12:00:00+06:00";

#[test]
fn reports_are_listed_newest_first_page_by_page_with_previous_and_next() {
    let root = fixture();
    let site = common::build(&root.path().join("content"), MOMENT);
    let first = site.read("ru/otchety/index.html");
    let newest = first.find("Неделя 12").expect("the newest report on page one");
    assert!(newest < first.find("Неделя 11").unwrap(), "newest first");
    assert!(!first.contains("Неделя 2<"), "ten per page");
    assert!(first.contains("href=\"/ru/otchety/page/2/\""));
    let second = site.read("ru/otchety/page/2/index.html");
    assert!(second.contains("Неделя 2<") && second.contains("Объявлен конкурс на участие в Школе"));
    let middle = site.read("ru/otchety/nedelya-5/index.html");
    assert!(
        middle.contains("rel=\"prev\" href=\"/ru/otchety/nedelya-4/\"")
            && middle.contains("rel=\"next\" href=\"/ru/otchety/nedelya-6/\"")
    );
    assert!(middle.contains("<time datetime=\"2021-02-05\">5 февраля 2021 г.</time>"));
    assert!(middle.contains("<a href=\"/ru/etapy/iv/\">IV этап</a>"), "the stage it is about");
}

#[test]
fn drafts_are_previewed_but_never_published() {
    let root = fixture();
    let content = root.path().join("content");
    let published = common::build(&content, MOMENT);
    assert!(!published.exists("ky/otchettor/dayar-emes/index.html"));
    assert!(!search_pages(&published, "ky").iter().any(|page| page["meta"]["title"] == "Даяр эмес"));
    assert!(!published.read("ky/otchettor/atom.xml").contains("Даяр эмес"));
    let output = root.path().join("preview");
    let options = generator::BuildOptions { drafts: true, ..common::options(&content, &output, MOMENT) };
    generator::build(&options).unwrap();
    assert!(output.join("ky/otchettor/dayar-emes/index.html").exists());
}

#[test]
fn a_report_in_one_language_says_so_instead_of_linking_nowhere() {
    let root = fixture();
    let site = common::build(&root.path().join("content"), MOMENT);
    let page = site.read("ky/otchettor/ayildagy-zholugushuu/index.html");
    let i18n: toml::Table =
        toml::from_str(&std::fs::read_to_string(common::frozen_content().join("i18n/ky.toml")).unwrap()).unwrap();
    let notice = format!("{} Русский", i18n["strings"]["not_translated"].as_str().unwrap());
    assert!(page.contains(&notice), "a notice in place of the translation link");
    assert!(!page.contains("hreflang=\"ru\""));
    assert!(!site.read("ru/otchety/index.html").contains("Айылдагы жолугушуу"));
    let img = page.split("<img src=\"/").nth(1).expect("the report's image").split('"').next().unwrap();
    assert!(img.starts_with("images/meeting.") && img.ends_with(".png") && site.exists(img), "{img}");
    assert!(page.contains(&format!("<img src=\"/{img}\" srcset=\"/{img} 2w\"")), "{page}");
    assert!(page.contains(
        "alt=\"Жолугушуунун катышуучулары\" width=\"2\" height=\"1\" loading=\"lazy\" decoding=\"async\"></picture>"
    ));
}

#[test]
fn tags_and_stage_pages_list_their_reports() {
    let root = fixture();
    let site = common::build(&root.path().join("content"), MOMENT);
    let tag = site.read("ru/otchety/tags/nastavnichestvo/index.html");
    assert_eq!(tag.matches("<h2><a href=\"/ru/otchety/nedelya-").count(), 6, "the six even weeks");
    assert!(tag.contains("Календарь наставничества"));
    let index = site.read("ru/otchety/tags/index.html");
    assert!(index.contains("href=\"/ru/otchety/tags/nastavnichestvo/\">Наставничество (7)</a>"));
    let stage = site.read("ky/etaptar/iv/index.html");
    assert!(stage.contains("Бул этап боюнча отчеттор") && stage.contains("Айылдагы жолугушуу"));
    assert_eq!(stage.matches("<h3><a href=\"/ky/otchettor/").count(), 10, "the newest ten, then a link to all");
    assert!(site.read("ky/index.html").contains("Акыркы отчеттор"), "the home page shows the latest");
}

#[test]
fn the_feeds_read_in_a_real_atom_parser() {
    let root = fixture();
    let site = common::build(&root.path().join("content"), MOMENT);
    for (lang, path, newest, count) in
        [("ky", "ky/otchettor/atom.xml", "Айылдагы жолугушуу", 16), ("ru", "ru/otchety/atom.xml", "Неделя 12", 15)]
    {
        let feed =
            atom_syndication::Feed::read_from(site.read(path).as_bytes()).unwrap_or_else(|err| panic!("{path}: {err}"));
        assert_eq!(feed.entries().len(), count, "{lang}");
        assert_eq!(feed.entries()[0].title().as_str(), newest);
        assert!(feed.entries()[0].links()[0].href().starts_with(&format!("https://mektep.vap.kg/{lang}/")));
        assert_eq!(feed.lang(), Some(lang));
        let with_summary = feed.entries().iter().find(|e| e.summary().is_some()).unwrap();
        assert!(!with_summary.summary().unwrap().as_str().is_empty());
    }
    let ky = site.read("ky/otchettor/atom.xml");
    assert!(ky.contains("src=&quot;https://mektep.vap.kg/images/meeting."), "links inside entries are absolute");
}

/// The pages in a language's search index, as Pagefind stores them: gzipped JSON after a
/// marker, a few pages to a file, by their hashes.
fn search_pages(site: &common::Built, lang: &str) -> Vec<serde_json::Value> {
    let folder = site.output.join(format!("{lang}/pagefind/fragment"));
    let mut pages = Vec::new();
    for entry in std::fs::read_dir(&folder).unwrap() {
        let mut text = String::new();
        let file = std::fs::File::open(entry.unwrap().path()).unwrap();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(file), &mut text).unwrap();
        let group: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text.strip_prefix("pagefind_dcd").unwrap()).unwrap();
        pages.extend(group.into_values());
    }
    assert!(pages.iter().all(|page| page["url"].is_string()), "{pages:?}");
    pages
}

#[test]
fn the_search_index_holds_each_languages_own_pages() {
    let root = fixture();
    let site = common::build(&root.path().join("content"), MOMENT);
    let (ky, ru) = (search_pages(&site, "ky"), search_pages(&site, "ru"));
    let titles = |pages: &[serde_json::Value]| {
        pages.iter().map(|page| page["meta"]["title"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert!(titles(&ky).contains(&"Мектепке катышуу үчүн конкурс жарыяланды".to_string()));
    assert!(!titles(&ky).iter().any(|t| t.starts_with("Неделя")));
    assert!(titles(&ru).iter().any(|t| t.starts_with("Календарь наставничества")));
    let week = ru.iter().find(|page| page["meta"]["title"] == "Неделя 3").unwrap();
    assert_eq!(week["url"], "/ru/otchety/nedelya-3/");
    assert!(week["content"].as_str().unwrap().contains("Консультации продолжаются."), "{week}");
    assert_eq!(week["meta"]["date"], "3 февраля 2021 г.");
    // Each language's bundle knows only its own: Russian is stemmed, Kyrgyz (which Pagefind
    // has no stemmer for) is indexed as written and found by prefix.
    let entry = |lang: &str| {
        serde_json::from_str::<serde_json::Value>(&site.read(&format!("{lang}/pagefind/pagefind-entry.json"))).unwrap()
    };
    assert_eq!(entry("ru")["languages"]["ru"]["wasm"], "ru");
    assert_eq!(entry("ky")["languages"]["ky"]["wasm"], serde_json::Value::Null);
    assert_eq!(entry("ky")["languages"].as_object().unwrap().len(), 1);
    assert!(!site.exists("ky/pagefind/pagefind-ui.js"), "Pagefind's own interface is not published");
}

/// Every file of the site, by path, with its bytes.
fn files(site: &common::Built) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(&site.output)
        .into_iter()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let path = entry.path().strip_prefix(&site.output).unwrap().to_string_lossy().to_string();
            (path, std::fs::read(entry.path()).unwrap())
        })
        .collect()
}

#[test]
fn the_same_content_builds_the_same_bytes_search_index_included() {
    // A deploy uploads what changed: a bundle that differed from build to build would be
    // uploaded, and invalidated, every time.
    let root = fixture();
    let content = root.path().join("content");
    let (first, second) = (files(&common::build(&content, MOMENT)), files(&common::build(&content, MOMENT)));
    assert!(first.keys().any(|path| path.starts_with("ru/pagefind/index/")), "the search index is part of the site");
    assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>(), "the same files");
    let differing: Vec<&String> =
        first.iter().filter(|(path, bytes)| second.get(*path) != Some(*bytes)).map(|(path, _)| path).collect();
    assert!(differing.is_empty(), "these files differ between two builds: {differing:?}");
}
