//! Stage II on a generated set of applications in both age groups: sheets without personal
//! data, every refused import with its message, atomic imports, and the ranking checked by
//! hand — on the embedded store and on DynamoDB. And the files the commission opens in a
//! spreadsheet: no cell a formula however it is split, no hidden character, a saved sheet
//! read back whatever separator the spreadsheet chose, personal data readable by its owner.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use chrono::{TimeZone, Utc};
use commission::{import_sheet, rank, results_csv, results_markdown, sheet_csv, sheet_html, ImportError, Pool};
use content_model::{Form, Selection};
use store::{Application, Category, CommissionStore, Scores, ScoresError, Store};

fn content<T>(name: &str, parse: impl Fn(&Path, &str, &[String]) -> Result<T, Vec<content_model::ContentError>>) -> T {
    let file = test_support::frozen_content().join(name);
    parse(&file, &std::fs::read_to_string(&file).unwrap(), &["ky".into(), "ru".into()]).unwrap()
}

fn form() -> Form {
    content("form.toml", Form::parse)
}

/// The frozen selection rules with a quota of two for the older group, so the edge is near.
fn selection() -> Selection {
    let mut selection: Selection = content("selection.toml", Selection::parse);
    selection.quotas.aged_28_and_over.max = 2;
    selection
}

const SECRETS: [&str; 6] =
    ["Айгерим Секретова", "0555 987654", "secret@example.kg", "1988-02-03", "Жаңы-Жол айылы", "Айыл өкмөтү, адис"];

/// Seven applications: four aged 28 and over (A1–A4), three under 28 (Y1–Y3). Returns their
/// codes by name.
async fn applications(store: &impl CommissionStore) -> BTreeMap<&'static str, String> {
    let mut codes = BTreeMap::new();
    for (n, name) in ["A1", "A2", "A3", "A4", "Y1", "Y2", "Y3"].into_iter().enumerate() {
        let application = Application {
            submission_id: format!("selection-{name}"),
            lang: "ky".into(),
            received_at: Utc.with_ymd_and_hms(2020, 12, 1, 8, n as u32, 0).unwrap(),
            category: if name.starts_with('A') { Category::AgedTwentyEightAndOver } else { Category::UnderTwentyEight },
            answers: BTreeMap::from([
                (
                    "essay".to_string(),
                    if name == "A2" { "=HYPERLINK(\"http://x\")".to_string() } else { format!("Эссе {name}") },
                ),
                ("lsg_experience".to_string(), "yes".to_string()),
            ]),
            personal: BTreeMap::from([
                ("full_name".to_string(), SECRETS[0].to_string()),
                ("phone".to_string(), SECRETS[1].to_string()),
                ("email".to_string(), SECRETS[2].to_string()),
                ("birth_date".to_string(), SECRETS[3].to_string()),
                ("residence".to_string(), SECRETS[4].to_string()),
                ("workplace".to_string(), SECRETS[5].to_string()),
            ]),
            channel: Default::default(),
            entered_by: None,
        };
        codes.insert(name, store.save(&application).await.unwrap().code);
    }
    codes
}

/// A member's sheet as exported, with `scores` filled in per code (other rows left empty and dropped).
fn filled_sheet(exported: &[u8], scores: &BTreeMap<String, [&str; 7]>) -> Vec<u8> {
    let mut reader = csv::Reader::from_reader(&exported[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let first = header.iter().position(|h| h.starts_with("C1 ")).unwrap();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    for record in reader.records() {
        let mut row: Vec<String> = record.unwrap().iter().map(str::to_string).collect();
        if let Some(given) = scores.get(&row[0]) {
            for (i, score) in given.iter().enumerate() {
                row[first + i] = score.to_string();
            }
            writer.write_record(&row).unwrap();
        }
    }
    writer.into_inner().unwrap()
}

const ALL5: [&str; 7] = ["5"; 7];
const ALL4: [&str; 7] = ["4"; 7];
const ALL3: [&str; 7] = ["3"; 7];
const MIXED: [&str; 7] = ["5", "4", "3", "2", "1", "5", "4"];

async fn import(
    store: &impl CommissionStore,
    member: &str,
    sheet: Vec<u8>,
    overwrite: bool,
) -> Result<usize, ImportError> {
    import_sheet(store, &selection(), member, &sheet, overwrite, "ru").await
}

async fn sheet_for(store: &impl CommissionStore) -> Vec<u8> {
    sheet_csv(&form(), &selection(), &Pool::load(store).await.unwrap(), "gamsumo", "ru")
}

fn scores(codes: &BTreeMap<&str, String>, given: &[(&str, [&'static str; 7])]) -> BTreeMap<String, [&'static str; 7]> {
    given.iter().map(|(name, s)| (codes[name].clone(), *s)).collect()
}

async fn the_whole_stage(store: &impl CommissionStore) {
    let codes = applications(store).await;
    let exported = sheet_for(store).await;

    // Sheets carry answers and essays, never personal data, and neutralise formulas.
    assert_eq!(&exported[..3], &[0xEF, 0xBB, 0xBF], "UTF-8 with a byte order mark");
    let html = sheet_html(&form(), &selection(), &Pool::load(store).await.unwrap(), "gamsumo", "ky").unwrap();
    for secret in SECRETS {
        assert!(!String::from_utf8_lossy(&exported).contains(secret), "the CSV sheet holds {secret}");
        assert!(!html.contains(secret), "the printable sheet holds {secret}");
    }
    let text = String::from_utf8(exported.clone()).unwrap();
    assert!(text.contains("'=HYPERLINK"), "a formula-like answer is neutralised");
    assert!(text.contains("C5 · Желание учиться (Раздел 6, 20%) · 1–5"), "each criterion says where its evidence is");
    assert!(html.contains("Эссе A1") && html.contains("Дилбаян (8.1)"));

    // Every refused import names its row and stores nothing.
    let bad = scores(
        &codes,
        &[("A1", ALL5), ("A2", ["5", "6", "3", "2", "1", "5", "4"]), ("A3", ["4", "4", "", "4", "4", "4", "4"])],
    );
    let rules = selection();
    let said = |err: ImportError| err.message(&rules, "ru");
    let text = |key: &str, values: &[(&str, &str)]| rules.text(key, "ru", values);
    let row = |n: &str| format!("{}: ", text("import_row", &[("row", n)]));
    let err = said(import(store, "gamsumo", filled_sheet(&exported, &bad), false).await.unwrap_err());
    let criterion = |n: usize| rules.criteria[n - 1].title.get("ru").to_string();
    let bad_score =
        text("import_bad_score", &[("code", &codes["A2"]), ("number", "2"), ("title", &criterion(2)), ("value", "6")]);
    assert!(err.contains(&format!("{}{bad_score}", row("3"))), "{err}");
    let missing = text("import_missing_score", &[("code", &codes["A3"]), ("number", "3"), ("title", &criterion(3))]);
    assert!(err.contains(&format!("{}{missing}", row("4"))), "{err}");
    assert!(err.ends_with(&text("import_nothing_changed", &[])), "{err}");
    assert!(store.scores().await.unwrap().is_empty(), "a bad sheet changes nothing");

    let unknown = String::from_utf8(filled_sheet(&exported, &scores(&codes, &[("A1", ALL5)])))
        .unwrap()
        .replace(&codes["A1"], "999-999-9999");
    let err = said(import(store, "gamsumo", unknown.into_bytes(), false).await.unwrap_err());
    assert!(
        err.contains(&format!("{}{}", row("2"), text("import_unknown_code", &[("code", "999-999-9999")]))),
        "{err}"
    );
    let err = said(
        import(store, "mayor", filled_sheet(&exported, &scores(&codes, &[("A1", ALL5)])), false).await.unwrap_err(),
    );
    assert!(
        err.contains(&text("import_not_member", &[("member", "mayor"), ("members", "gamsumo, union, project")])),
        "{err}"
    );

    // The three members' sheets.
    let gamsumo = scores(
        &codes,
        &[("A1", ALL5), ("A2", ALL4), ("A3", ALL4), ("A4", ALL5), ("Y1", ALL5), ("Y2", ALL3), ("Y3", ALL4)],
    );
    let union = scores(
        &codes,
        &[("A1", ALL5), ("A2", ALL4), ("A3", ALL4), ("A4", ALL3), ("Y1", ALL5), ("Y2", ALL3), ("Y3", ALL4)],
    );
    let project =
        scores(&codes, &[("A1", ALL5), ("A2", MIXED), ("A3", ALL4), ("A4", ALL4), ("Y1", ALL5), ("Y2", ALL3)]);
    assert_eq!(import(store, "gamsumo", filled_sheet(&exported, &gamsumo), false).await.unwrap(), 7);
    assert_eq!(import(store, "union", filled_sheet(&exported, &union), false).await.unwrap(), 7);
    // A slip first: the project's member gave A1 all threes, then corrects it explicitly.
    let slip = scores(&codes, &[("A1", ALL3)]);
    import(store, "project", filled_sheet(&exported, &slip), false).await.unwrap();
    match import(store, "project", filled_sheet(&exported, &project), false).await {
        Err(ImportError::Scores(ScoresError::WouldOverwrite(taken))) => assert_eq!(taken, vec![codes["A1"].clone()]),
        other => panic!("a second import must not overwrite silently: {other:?}"),
    }
    assert_eq!(import(store, "project", filled_sheet(&exported, &project), true).await.unwrap(), 6);

    // The ranking, by hand: weights 15 15 10 10 20 10 20; all fives give 100, all fours 80,
    // all threes 60, the mixed sheet 5 4 3 2 1 5 4 gives (75+60+30+20+20+50+80)/5 = 67.
    let ranking = rank(&selection(), &Pool::load(store).await.unwrap(), &store.scores().await.unwrap());
    let (older, younger) = (&ranking.groups[0].1, &ranking.groups[1].1);
    let row = |list: &[commission::Ranked], name: &str| list.iter().find(|r| r.code == codes[name]).unwrap().clone();
    let a1 = row(older, "A1");
    assert_eq!((a1.place, a1.totals.clone(), a1.mean, a1.proposed), (1, vec![Some(100.0); 3], 100.0, true));
    let a2 = row(older, "A2");
    assert_eq!(a2.totals, vec![Some(80.0), Some(80.0), Some(67.0)]);
    assert!((a2.mean - 75.666).abs() < 0.01);
    assert_eq!((a2.place, a2.proposed, a2.disagreement), (4, false, false));
    let (a3, a4) = (row(older, "A3"), row(older, "A4"));
    assert_eq!((a3.place, a4.place), (2, 2), "equal totals share a place");
    assert_eq!((a3.mean, a4.mean), (80.0, 80.0));
    assert!(
        a3.tie_at_cut && a4.tie_at_cut && !a3.proposed && !a4.proposed,
        "a tie across the quota's edge is shown, not settled"
    );
    assert!(a4.disagreement && !a3.disagreement, "100 against 60 is more than 25 points apart");
    assert_eq!(
        younger.iter().map(|r| (r.place, r.mean, r.proposed)).collect::<Vec<_>>(),
        vec![(1, 100.0, true), (2, 60.0, true)]
    );
    assert_eq!(
        ranking.incomplete,
        vec![(codes["Y3"].clone(), vec!["project".to_string()])],
        "Y3 is reported, not ranked"
    );

    // Results: codes and totals for the site; names only when asked.
    let plain = String::from_utf8(results_csv(&form(), &selection(), &ranking, None, "ru")).unwrap();
    assert!(
        plain.contains(&format!(
            "\"Женщины 28 лет и старше\",\"1\",\"{}\",\"100.0\",\"100.0\",\"100.0\",\"100.0\",\"Да\",",
            codes["A1"]
        )),
        "{plain}"
    );
    assert!(plain.contains("оценки членов комиссии сильно расходятся; равный балл на границе квоты: решает комиссия"));
    assert!(!plain.contains(SECRETS[0]));
    let personal: BTreeMap<String, _> =
        [(codes["A1"].clone(), store.personal(&codes["A1"]).await.unwrap().unwrap())].into();
    assert!(String::from_utf8(results_csv(&form(), &selection(), &ranking, Some(&personal), "ru"))
        .unwrap()
        .contains(SECRETS[0]));
    let report = results_markdown(&selection(), &ranking, "ky", chrono::NaiveDate::from_ymd_opt(2021, 1, 16).unwrap());
    let front: content_model::FrontMatter =
        toml::from_str(report.strip_prefix("+++\n").unwrap().split_once("+++\n").unwrap().0).unwrap();
    let rules = selection();
    let text = |key: &str, values: &[(&str, &str)]| rules.text(key, "ky", values);
    assert_eq!(front.title, text("results_title", &[]));
    assert_eq!(front.date.unwrap().to_string(), "2021-01-16");
    assert_eq!(front.stage.as_deref(), Some("II"));
    assert!(front.draft, "the secretariat publishes it by hand");
    assert!(report.contains(&format!("| 1 | {} | 100.0 | {} |", codes["A1"], text("yes", &[]))));
    assert!(report.contains(&text("results_rules", &[("points", "25")])) && report.contains(&codes["Y3"]));
    let group = text("category_under_28", &[]);
    assert!(report.contains(&text("results_short", &[("group", &group), ("proposed", "2"), ("minimum", "10")])));
    for secret in SECRETS {
        assert!(!report.contains(secret));
    }
}

#[tokio::test]
async fn stage_two_on_the_embedded_store() {
    let (_dir, store) = test_support::temp_store();
    the_whole_stage(&store).await;
}

#[tokio::test]
async fn stage_two_on_dynamodb() {
    the_whole_stage(&test_support::dynamo_store().await).await;
}

#[tokio::test]
async fn the_secretariats_command_works_on_the_embedded_store() {
    let (dir, store) = test_support::temp_store();
    let codes = applications(&store).await;
    let file = dir.path().join("applications.sqlite");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_selection"))
            .args(args)
            .arg("--store")
            .arg(&file)
            .arg("--content")
            .arg(test_support::frozen_content())
            .output()
            .unwrap()
    };
    let sheets = dir.path().join("sheets");
    let out = run(&["sheets", "--member", "union", "--lang", "ru", "--out", sheets.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = std::fs::read(sheets.join("union.csv")).unwrap();
    let html = std::fs::read_to_string(sheets.join("union.html")).unwrap();
    for secret in SECRETS {
        assert!(!String::from_utf8_lossy(&csv).contains(secret) && !html.contains(secret));
    }
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, filled_sheet(&csv, &scores(&codes, &[("A1", ["5", "5", "5", "5", "5", "5", "0"])]))).unwrap();
    let rules = selection();
    let out = run(&["import", "--member", "union", "--lang", "ru", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let row = format!("{}: ", rules.text("import_row", "ru", &[("row", "2")]));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&row), "{}", String::from_utf8_lossy(&out.stderr));
    let good = dir.path().join("good.csv");
    std::fs::write(&good, filled_sheet(&csv, &scores(&codes, &[("A1", ALL5)]))).unwrap();
    let out = run(&["import", "--member", "union", good.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["rank", "--lang", "ru"]);
    let printed = String::from_utf8_lossy(&out.stdout);
    let names = |ids: &[&str]| {
        ids.iter()
            .map(|id| rules.members.iter().find(|m| m.id == *id).unwrap().name.get("ru").to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let not_ranked =
        rules.text("not_ranked", "ru", &[("code", &codes["A1"]), ("members", &names(&["gamsumo", "project"]))]);
    assert!(printed.contains(&not_ranked), "{printed}");
    assert!(!printed.contains("not ranked") && !printed.contains("proposed"), "no English words: {printed}");

    // The same ranking as JSON, for spreadsheets and scripts.
    for (member, file) in [("gamsumo", &good), ("project", &good)] {
        assert!(run(&["import", "--member", member, file.to_str().unwrap()]).status.success());
    }
    let out = run(&["rank", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ranked = &json["groups"][0]["applications"][0];
    assert_eq!(json["groups"][0]["category"], "aged_28_and_over");
    assert_eq!(ranked["code"], codes["A1"].as_str());
    assert_eq!(ranked["place"], 1);
    assert_eq!(ranked["mean"], 100.0);
    assert_eq!(ranked["totals"]["union"], 100.0);
    assert_eq!(ranked["proposed"], true);
    assert_eq!(ranked["tie_at_edge"], false);
    assert_eq!(ranked["disagreement"], false);
    assert_eq!(json["incomplete"].as_array().unwrap().len(), 6, "{json}");
}

/// What a reader of the printable page sees in a cell: its text with the five entities the
/// sheet's escaping writes turned back into characters, and `<br>` as a line break.
fn cell_text(html: &str) -> String {
    html.replace("<br>", "\n")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The cells of the row whose heading starts with `id ` (a question's number), as written.
fn row_cells<'a>(html: &'a str, id: &str) -> Vec<&'a str> {
    let start = format!("<tr><th scope=\"row\">{id} ");
    html.lines()
        .filter(|line| line.starts_with(&start))
        .map(|line| line.split_once("<td>").unwrap().1.strip_suffix("</td></tr>").unwrap())
        .collect()
}

#[tokio::test]
async fn markup_in_an_essay_or_answer_is_shown_as_text_on_the_printable_sheet() {
    let (dir, store) = test_support::temp_store();
    let essay = "<script>alert(1)</script>\n\"quotes\" & ampersands";
    let answer = "<img src=x onerror=alert(2)> & 'single' \"double\"";
    let application = Application {
        submission_id: "hostile".into(),
        lang: "ru".into(),
        received_at: Utc.with_ymd_and_hms(2020, 12, 1, 8, 0, 0).unwrap(),
        category: Category::UnderTwentyEight,
        answers: BTreeMap::from([
            ("essay".to_string(), essay.to_string()),
            ("lsg_experience_text".to_string(), answer.to_string()),
        ]),
        personal: BTreeMap::from([("full_name".to_string(), SECRETS[0].to_string())]),
        channel: Default::default(),
        entered_by: None,
    };
    store.save(&application).await.unwrap();
    let sheets = dir.path().join("sheets");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_selection"))
        .args(["sheets", "--member", "union", "--lang", "ru", "--out", sheets.to_str().unwrap(), "--store"])
        .arg(dir.path().join("applications.sqlite"))
        .arg("--content")
        .arg(test_support::frozen_content())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(sheets.join("union.html")).unwrap();

    assert!(!html.to_lowercase().contains("<script"), "no script element: {html}");
    assert!(!html.contains("<img"), "no image element: {html}");
    assert_eq!(
        row_cells(&html, "8.1"),
        ["&lt;script&gt;alert(1)&lt;/script&gt;<br>&quot;quotes&quot; &amp; ampersands"],
        "the essay is escaped, its lines kept"
    );
    assert_eq!(row_cells(&html, "8.1").iter().map(|cell| cell_text(cell)).collect::<Vec<_>>(), [essay]);
    assert_eq!(row_cells(&html, "3.2").iter().map(|cell| cell_text(cell)).collect::<Vec<_>>(), [answer]);
    assert!(!html.contains(SECRETS[0]));
}

/// `selection` with `args`, on the embedded store in `dir` and the frozen content.
fn selection_cli(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_selection"))
        .args(args)
        .arg("--store")
        .arg(dir.join("applications.sqlite"))
        .arg("--content")
        .arg(test_support::frozen_content())
        .output()
        .unwrap()
}

/// What a spreadsheet may run as a formula when a cell starts with it (OWASP), full-width
/// forms included.
const TRIGGERS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}'];

/// Every cell a spreadsheet could make of `csv`, splitting on `delimiter`: as a reader that
/// honours quotes does (Python's csv, Excel's and LibreOffice's import), and as one that
/// does not (splitting lines, then taking off blanks and quotes as a lenient reader would).
fn cells_as_opened(csv: &[u8], delimiter: u8) -> Vec<String> {
    let csv = csv.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(csv);
    let mut cells = Vec::new();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(csv);
    for record in reader.records() {
        cells.extend(record.unwrap().iter().map(str::to_string));
    }
    let text = String::from_utf8(csv.to_vec()).unwrap();
    for line in text.split(['\r', '\n']) {
        for piece in line.split(char::from(delimiter)) {
            cells.push(piece.trim_start_matches(|c: char| c.is_whitespace() || c == '"').to_string());
        }
    }
    cells
}

/// An application whose answers and personal data try every way into a formula cell, with
/// invisible characters stored in them (as before the intake refused them), scored by all
/// three members so that it is in the results.
async fn hostile_application(store: &impl CommissionStore) -> String {
    let application = Application {
        submission_id: "hostile-cells".into(),
        lang: "ru".into(),
        received_at: Utc.with_ymd_and_hms(2020, 12, 1, 8, 0, 0).unwrap(),
        category: Category::AgedTwentyEightAndOver,
        answers: BTreeMap::from([
            (
                "essay".to_string(),
                "Айгуль;=2+2\nx\t=3+3\r\n-1+1, @SUM(1); \"=HYPERLINK(\"\"http://x\"\")\"; \u{FF1D}1+1;\t+1".to_string(),
            ),
            ("lsg_experience_text".to_string(), "отчёт \u{202E}gnp.exe\u{202C} \u{200B}\u{E0041}".to_string()),
        ]),
        personal: BTreeMap::from([
            ("full_name".to_string(), "Айгүл Төлөгөнова".to_string()),
            ("residence".to_string(), "Айгуль \u{202E}gnp.exe\u{202C};=2+2".to_string()),
            ("phone".to_string(), "+996 770 771 156".to_string()),
            ("email".to_string(), "x\t=3+3@example.kg".to_string()),
            ("workplace".to_string(), "Жаңы-Жол айыл өкмөтү".to_string()),
        ]),
        channel: Default::default(),
        entered_by: None,
    };
    let code = store.save(&application).await.unwrap().code;
    for member in ["gamsumo", "union", "project"] {
        let scores = Scores { code: code.clone(), member: member.into(), scores: vec![4; 7] };
        store.save_scores(member, &[scores], false).await.unwrap();
    }
    code
}

#[tokio::test]
async fn the_exported_sheets_open_in_a_spreadsheet_without_formulas_or_hidden_characters() {
    let (dir, store) = test_support::temp_store();
    let code = hostile_application(&store).await;
    let sheets = dir.path().join("sheets");
    let out =
        selection_cli(dir.path(), &["sheets", "--member", "union", "--lang", "ru", "--out", sheets.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // A results file from an earlier run, readable by everyone: it is replaced, not reused.
    let results = dir.path().join("results.csv");
    std::fs::write(&results, "old").unwrap();
    std::fs::set_permissions(&results, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = selection_cli(dir.path(), &["results", "--personal", "--lang", "ru", "--out", results.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let sheet = std::fs::read(sheets.join("union.csv")).unwrap();
    let written = std::fs::read(&results).unwrap();
    for csv in [&sheet, &written] {
        let text = String::from_utf8(csv.clone()).unwrap();
        assert!(!text.chars().skip(1).any(store::is_invisible), "only the byte order mark: {text}");
        // Every cell quoted: each record starts and ends with a quote.
        for record in text.trim_start_matches('\u{FEFF}').split_terminator("\r\n") {
            assert!(record.starts_with('"') && record.ends_with('"'), "{record:?}");
        }
        for delimiter in [b',', b';', b'\t'] {
            for cell in cells_as_opened(csv, delimiter) {
                assert!(
                    !cell.starts_with(TRIGGERS),
                    "split on {:?}, a cell starts a formula: {cell:?}",
                    char::from(delimiter)
                );
            }
        }
    }
    // Read with the separator we write, values are what the secretariat expects to see.
    let row = |csv: &[u8]| {
        let mut reader = csv::Reader::from_reader(&csv[3..]);
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
        let row: Vec<String> = reader.records().next().unwrap().unwrap().iter().map(str::to_string).collect();
        header.into_iter().zip(row).collect::<BTreeMap<String, String>>()
    };
    let results_row = row(&written);
    assert_eq!(results_row["Код"], code);
    assert_eq!(results_row["Средний балл (из 100)"], "80.0", "numbers are quoted, and still numbers to a spreadsheet");
    assert_eq!(results_row["Фамилия, имя, отчество"], "Айгүл Төлөгөнова");
    assert_eq!(results_row["Место работы, должность"], "Жаңы-Жол айыл өкмөтү");
    assert_eq!(results_row["Место жительства / название айыл окмоту"], "Айгуль <U+202E>gnp.exe<U+202C>;'=2+2");
    assert_eq!(results_row["Телефон"], "'+996 770 771 156", "a phone starting with + shows the apostrophe");
    assert_eq!(results_row["Адрес электронной почты"], "x\t'=3+3@example.kg");
    let sheet_row = row(&sheet);
    let essay = sheet_row.iter().find(|(name, _)| name.starts_with("8.1 ")).unwrap().1;
    assert_eq!(
        essay,
        "Айгуль;'=2+2\nx\t'=3+3<U+000D>\n'-1+1, '@SUM(1); \"'=HYPERLINK(\"\"http://x\"\")\"; '\u{FF1D}1+1;'\t'+1"
    );
    let answer = sheet_row.iter().find(|(name, _)| name.starts_with("3.2 ")).unwrap().1;
    assert_eq!(answer, "отчёт <U+202E>gnp.exe<U+202C> <U+200B><U+E0041>");

    // The printable sheet shows them too, escaped as any text.
    let html = std::fs::read_to_string(sheets.join("union.html")).unwrap();
    assert!(html.contains("отчёт &lt;U+202E&gt;gnp.exe&lt;U+202C&gt; &lt;U+200B&gt;&lt;U+E0041&gt;"), "{html}");
    assert!(!html.chars().any(store::is_invisible), "{html}");

    // Names and contacts: the owner's only, and nothing left beside it.
    let mode = std::fs::metadata(&results).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "results with personal data are mode {mode:o}");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| !name.starts_with("applications.sqlite"))
        .collect();
    assert_eq!(left.len(), 2, "no temporary file is left beside the results: {left:?}");
}

#[tokio::test]
async fn a_sheet_saved_by_a_spreadsheet_imports_with_commas_semicolons_or_tabs() {
    let (dir, store) = test_support::temp_store();
    let code = hostile_application(&store).await;
    let other = applications(&store).await;
    let sheets = dir.path().join("sheets");
    let out =
        selection_cli(dir.path(), &["sheets", "--member", "union", "--lang", "ru", "--out", sheets.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let exported = std::fs::read(sheets.join("union.csv")).unwrap();

    // Opened as a spreadsheet opens CSV: apostrophes stay as text. A member scores the
    // hostile application and A1, typing an apostrophe before one score and the code.
    let mut reader = csv::Reader::from_reader(&exported[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let first = header.iter().position(|h| h.starts_with("C1 ")).unwrap();
    let mut rows = vec![header];
    for record in reader.records() {
        let mut row: Vec<String> = record.unwrap().iter().map(str::to_string).collect();
        if row[0] == code {
            row[0] = format!("'{code}");
            for (i, score) in ["'5", "4", "3", "2", "1", "5", " 4 "].into_iter().enumerate() {
                row[first + i] = score.to_string();
            }
        } else if row[0] == other["A1"] {
            for i in 0..7 {
                row[first + i] = "3".to_string();
            }
        } else {
            // Rows left empty are not saved with the sheet here; an empty row's code alone
            // would be a missing score.
            continue;
        }
        rows.push(row);
    }
    // Saved as Excel saves: commas, semicolons (Kyrgyz and Russian locales, with a byte
    // order mark), tabs; quotes only where needed.
    for (name, delimiter, bom) in [("commas", b',', false), ("semicolons", b';', true), ("tabs", b'\t', false)] {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(csv::Terminator::CRLF)
            .from_writer(if bom { vec![0xEF, 0xBB, 0xBF] } else { Vec::new() });
        for row in &rows {
            writer.write_record(row).unwrap();
        }
        let saved = dir.path().join(format!("{name}.csv"));
        std::fs::write(&saved, writer.into_inner().unwrap()).unwrap();
        let out = selection_cli(
            dir.path(),
            &["import", "--member", "union", "--lang", "ru", "--overwrite", saved.to_str().unwrap()],
        );
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let rules = selection();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            format!("{}\n", rules.text("imported", "ru", &[("member", "union"), ("count", "2")])),
            "{name}"
        );
        let mut stored: Vec<(String, Vec<u8>)> = store
            .scores()
            .await
            .unwrap()
            .into_iter()
            .filter(|s| s.member == "union")
            .map(|s| (s.code, s.scores))
            .collect();
        stored.sort();
        let mut expected = vec![(code.clone(), vec![5, 4, 3, 2, 1, 5, 4]), (other["A1"].clone(), vec![3; 7])];
        expected.sort();
        assert_eq!(stored, expected, "{name}");
    }

    // A value from the sheet in a problem is shown, not obeyed.
    let rules = selection();
    let mut bad = rows.clone();
    bad[1][0] = "999\u{202E}-999\n".to_string();
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in &bad {
        writer.write_record(row).unwrap();
    }
    let saved = dir.path().join("bad.csv");
    std::fs::write(&saved, writer.into_inner().unwrap()).unwrap();
    let out = selection_cli(dir.path(), &["import", "--member", "union", "--lang", "ru", saved.to_str().unwrap()]);
    let said = String::from_utf8(out.stderr).unwrap();
    assert!(said.contains(&rules.text("import_unknown_code", "ru", &[("code", "999<U+202E>-999")])), "{said}");
    assert!(!said.chars().any(store::is_invisible), "{said}");
}
