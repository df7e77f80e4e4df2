//! Stage II on a generated set of applications in both age groups: sheets without personal
//! data, every refused import with its message, atomic imports, and the ranking checked by
//! hand — on the embedded store and on DynamoDB.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::{TimeZone, Utc};
use commission::{import_sheet, rank, results_csv, results_markdown, sheet_csv, sheet_html, ImportError};
use content_model::{Form, Selection};
use store::{Application, Category, CommissionStore, ScoresError, Store};

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
    codes: &BTreeMap<&str, String>,
    overwrite: bool,
) -> Result<usize, ImportError> {
    let known: HashSet<String> = codes.values().cloned().collect();
    import_sheet(store, &selection(), member, &sheet, &known, overwrite, "ru").await
}

async fn sheet_for(store: &impl CommissionStore) -> Vec<u8> {
    sheet_csv(&form(), &selection(), &store.answers().await.unwrap(), "ru")
}

fn scores(codes: &BTreeMap<&str, String>, given: &[(&str, [&'static str; 7])]) -> BTreeMap<String, [&'static str; 7]> {
    given.iter().map(|(name, s)| (codes[name].clone(), *s)).collect()
}

async fn the_whole_stage(store: &impl CommissionStore) {
    let codes = applications(store).await;
    let exported = sheet_for(store).await;

    // Sheets carry answers and essays, never personal data, and neutralise formulas.
    assert_eq!(&exported[..3], &[0xEF, 0xBB, 0xBF], "UTF-8 with a byte order mark");
    let html = sheet_html(&form(), &selection(), &store.answers().await.unwrap(), "ky", "ЖӨБЭММАнын өкүлү").unwrap();
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
    let err = said(import(store, "gamsumo", filled_sheet(&exported, &bad), &codes, false).await.unwrap_err());
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
    let err = said(import(store, "gamsumo", unknown.into_bytes(), &codes, false).await.unwrap_err());
    assert!(
        err.contains(&format!("{}{}", row("2"), text("import_unknown_code", &[("code", "999-999-9999")]))),
        "{err}"
    );
    let err = said(
        import(store, "mayor", filled_sheet(&exported, &scores(&codes, &[("A1", ALL5)])), &codes, false)
            .await
            .unwrap_err(),
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
    assert_eq!(import(store, "gamsumo", filled_sheet(&exported, &gamsumo), &codes, false).await.unwrap(), 7);
    assert_eq!(import(store, "union", filled_sheet(&exported, &union), &codes, false).await.unwrap(), 7);
    // A slip first: the project's member gave A1 all threes, then corrects it explicitly.
    let slip = scores(&codes, &[("A1", ALL3)]);
    import(store, "project", filled_sheet(&exported, &slip), &codes, false).await.unwrap();
    match import(store, "project", filled_sheet(&exported, &project), &codes, false).await {
        Err(ImportError::Scores(ScoresError::WouldOverwrite(taken))) => assert_eq!(taken, vec![codes["A1"].clone()]),
        other => panic!("a second import must not overwrite silently: {other:?}"),
    }
    assert_eq!(import(store, "project", filled_sheet(&exported, &project), &codes, true).await.unwrap(), 6);

    // The ranking, by hand: weights 15 15 10 10 20 10 20; all fives give 100, all fours 80,
    // all threes 60, the mixed sheet 5 4 3 2 1 5 4 gives (75+60+30+20+20+50+80)/5 = 67.
    let ranking = rank(&selection(), &store.answers().await.unwrap(), &store.scores().await.unwrap());
    let (older, younger) = (&ranking.groups[0].1, &ranking.groups[1].1);
    let row = |list: &[commission::Ranked], name: &str| list.iter().find(|r| r.code == codes[name]).unwrap().clone();
    let a1 = row(older, "A1");
    assert_eq!((a1.place, a1.totals.clone(), a1.mean, a1.proposed), (1, vec![100.0, 100.0, 100.0], 100.0, true));
    let a2 = row(older, "A2");
    assert_eq!(a2.totals, vec![80.0, 80.0, 67.0]);
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
