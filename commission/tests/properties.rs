//! The sheet import on generated sheets: bytes of any kind, and sheets shaped like the real
//! ones with wrong, missing, repeated and unknown cells, and codes set aside or recused. No
//! sheet panics; a refused sheet says why and changes nothing in the store; an accepted one
//! changes only its member's scores, and never scores a code set aside or one she recused from.
//!
//! `CASES` cases (a few seconds). A longer run sets the number:
//! `PROPTEST_CASES=100000 cargo test --release -p commission --test properties`.

use std::cell::Cell;
use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use commission::{import_sheet, ImportError};
use content_model::Selection;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use store::{Application, Category, CommissionStore, Decision, Recusal, Scores, Store, Verdict};

const CASES: u32 = 2_000;

fn runner() -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(CASES);
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

fn selection() -> Selection {
    let file = test_support::frozen_content().join("selection.toml");
    Selection::parse(&file, &std::fs::read_to_string(&file).unwrap(), &["ky".into(), "ru".into()]).unwrap()
}

/// What a member writes in a score cell, right and wrong.
const CELLS: &[&str] =
    &["1", "2", "3", "4", "5", " 5 ", "'4", "0", "6", "-1", "3.5", "", "x", "٣", "=1+1", "255", "256"];

/// A sheet shaped like the exported ones: a code column and one per criterion (some
/// renamed, missing or repeated), rows of known, unknown, repeated and empty codes.
fn shaped_sheet(selection: &Selection, codes: Vec<String>) -> impl Strategy<Value = Vec<u8>> {
    let criteria = selection.criteria.len();
    let mut code_names: Vec<String> = selection.text["code"].values().map(|name| name.to_string()).collect();
    code_names.extend(["code".to_string(), "Code".to_string(), String::new()]);
    let column = prop_oneof![
        8 => (1..=criteria).prop_map(|n| format!("C{n}")),
        2 => (1..=criteria).prop_map(|n| format!("C{n} критерий")),
        1 => (0..=criteria + 2).prop_map(|n| format!("C{n}x")),
    ];
    let mut code_cells = codes;
    code_cells.extend(["000-000-0000".to_string(), String::new(), "'".to_string()]);
    let code_cell = prop::sample::select(code_cells).prop_flat_map(
        |code| prop_oneof![4 => Just(code.clone()), 1 => Just(format!("'{code}")), 1 => Just(format!(" {code} "))],
    );
    let cell = prop_oneof![6 => prop::sample::select(&CELLS[..5]), 1 => prop::sample::select(CELLS)];
    let cells = prop_oneof![
        6 => prop::collection::vec(cell.clone(), criteria),
        1 => prop::collection::vec(cell, criteria - 1..=criteria + 1),
    ];
    let row = (code_cell, cells);
    let columns = prop_oneof![
        3 => Just((1..=criteria).map(|n| format!("C{n}")).collect::<Vec<_>>()),
        1 => prop::collection::vec(column, criteria - 1..=criteria + 1),
    ];
    let code_name = prop_oneof![3 => Just(code_names[0].clone()), 1 => prop::sample::select(code_names)];
    (code_name, columns, prop::collection::vec(row, 0..4), any::<bool>()).prop_map(|(code_name, columns, rows, bom)| {
        let mut writer =
            csv::WriterBuilder::new().flexible(true).from_writer(if bom { vec![0xEF, 0xBB, 0xBF] } else { Vec::new() });
        let header: Vec<String> = std::iter::once(code_name).chain(columns).collect();
        writer.write_record(&header).unwrap();
        for (code, cells) in rows {
            let row: Vec<String> = std::iter::once(code).chain(cells.iter().map(|c| c.to_string())).collect();
            writer.write_record(&row).unwrap();
        }
        writer.into_inner().unwrap()
    })
}

/// A shaped sheet with a few bytes changed, or bytes of any kind.
fn sheet(selection: &Selection, codes: Vec<String>) -> impl Strategy<Value = Vec<u8>> {
    let edits = prop_oneof![3 => Just(Vec::new()), 1 => prop::collection::vec((0.0..1.0, any::<u8>()), 1..3)];
    let edited = (shaped_sheet(selection, codes), edits).prop_map(|(mut sheet, edits)| {
        for (at, byte) in edits {
            let i = (sheet.len() as f64 * at) as usize;
            sheet.insert(i.min(sheet.len()), byte);
        }
        sheet
    });
    prop_oneof![4 => edited, 1 => prop::collection::vec(any::<u8>(), 0..400)]
}

async fn five_applications(store: &impl Store) -> Vec<String> {
    let mut codes = Vec::new();
    for n in 0..5u32 {
        let application = Application {
            submission_id: format!("property-{n}"),
            lang: "ru".into(),
            received_at: Utc.with_ymd_and_hms(2020, 12, 1, 8, n, 0).unwrap(),
            category: if n.is_multiple_of(2) { Category::AgedTwentyEightAndOver } else { Category::UnderTwentyEight },
            answers: BTreeMap::from([("essay".to_string(), format!("Эссе {n}"))]),
            personal: BTreeMap::from([("full_name".to_string(), format!("Аты {n}"))]),
            channel: Default::default(),
            entered_by: None,
        };
        codes.push(store.save(&application).await.unwrap().code);
    }
    codes
}

fn by_member(scores: &[Scores], member: &str, keep: bool) -> Vec<Scores> {
    scores.iter().filter(|s| (s.member == member) == keep).cloned().collect()
}

#[test]
fn any_sheet_is_imported_whole_or_refused_without_a_change() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (_dir, store) = test_support::temp_store();
    let selection = selection();
    let codes = runtime.block_on(five_applications(&store));
    // One member has scored two applications already, so an import may overwrite.
    let earlier: Vec<Scores> = codes
        .iter()
        .take(2)
        .map(|code| Scores { code: code.clone(), member: "gamsumo".into(), scores: vec![3; selection.criteria.len()] })
        .collect();
    runtime.block_on(store.save_scores("gamsumo", &earlier, false)).unwrap();
    // The last application is a duplicate of the first; `union` recused from the fourth.
    let at = Utc.with_ymd_and_hms(2020, 12, 14, 9, 0, 0).unwrap();
    let (set_aside, recused) = (codes[4].clone(), codes[3].clone());
    let duplicate = Verdict::Duplicate { of: codes[0].clone() };
    runtime
        .block_on(store.decide(&Decision { code: set_aside.clone(), verdict: duplicate, by: "Бермет".into(), at }))
        .unwrap();
    let recusal = Recusal { member: "union".into(), code: recused.clone(), reason: "туугандар".into(), at };
    runtime.block_on(store.recuse(&recusal)).unwrap();

    let member = prop::sample::select(vec!["gamsumo", "union", "project", "nobody", ""]);
    let lang = prop::sample::select(vec!["ky", "ru"]);
    let strategy = (sheet(&selection, codes), member, any::<bool>(), lang);
    let (refused, imported) = (Cell::new(0), Cell::new(0));
    let result = runner().run(&strategy, |(sheet, member, overwrite, lang)| {
        let before = runtime.block_on(store.scores()).unwrap();
        let outcome = runtime.block_on(import_sheet(&store, &selection, member, &sheet, overwrite, lang));
        let after = runtime.block_on(store.scores()).unwrap();
        match outcome {
            Ok(rows) => {
                prop_assert_eq!(by_member(&after, member, false), by_member(&before, member, false));
                let mine = by_member(&after, member, true);
                prop_assert!(mine.len() >= rows, "{rows} rows imported, {} stored", mine.len());
                for scores in mine {
                    prop_assert!(scores.code != set_aside, "a duplicate was scored");
                    prop_assert!(member != "union" || scores.code != recused, "a recused code was scored");
                    prop_assert_eq!(scores.scores.len(), selection.criteria.len());
                    prop_assert!(scores.scores.iter().all(|s| (1..=5).contains(s)), "{scores:?}");
                }
                imported.set(imported.get() + 1);
            }
            Err(err) => {
                prop_assert_eq!(&after, &before, "a refused sheet changed the store");
                if let ImportError::Sheet(problems) = &err {
                    prop_assert!(!problems.is_empty(), "refused without a reason");
                }
                prop_assert!(err.message(&selection, lang).lines().count() >= 2);
                refused.set(refused.get() + 1);
            }
        }
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
    println!("sheets: {} refused with nothing changed, {} imported", refused.get(), imported.get());
}
