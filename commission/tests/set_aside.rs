//! Stage II after the secretariat's checking, as the secretariat runs `selection`: an
//! application set aside (ineligible, duplicate) or withdrawn never reaches a scoring sheet
//! or the ranking; one not yet checked does, and says so; `rank` and `results` count what
//! was set aside by reason. A member's recusal takes the code off her sheet, the ranking
//! takes the other members' mean and says so, and an import that scores a recused or
//! set-aside code is refused whole, naming its row, with nothing changed.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use commission::{import_sheet, rank, sheet_csv, ImportError, Pool};
use content_model::{Form, Selection};
use store::{
    Application, Category, CommissionStore, Decision, Erased, Fields, RecordError, Recusal, Saved, Scores, ScoresError,
    Store, StoreError, StoredAnswers, Suspect, Tombstone, Verdict,
};

fn content<T>(name: &str, parse: impl Fn(&Path, &str, &[String]) -> Result<T, Vec<content_model::ContentError>>) -> T {
    let file = test_support::frozen_content().join(name);
    parse(&file, &std::fs::read_to_string(&file).unwrap(), &["ky".into(), "ru".into()]).unwrap()
}

fn form() -> Form {
    content("form.toml", Form::parse)
}

fn selection() -> Selection {
    content("selection.toml", Selection::parse)
}

fn text(key: &str, values: &[(&str, &str)]) -> String {
    selection().text(key, "ru", values)
}

fn member_name(id: &str) -> String {
    selection().members.iter().find(|m| m.id == id).unwrap().name.get("ru").to_string()
}

/// What the secretariat's decisions are stamped with.
fn checked_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 12, 14, 9, 0, 0).unwrap()
}

/// Applications named `names`, oldest first, each with an essay that says its name; their codes by name.
async fn save(store: &impl Store, names: &[&'static str]) -> BTreeMap<&'static str, String> {
    let mut codes = BTreeMap::new();
    for (n, name) in names.iter().enumerate() {
        let application = Application {
            submission_id: format!("set-aside-{name}"),
            lang: "ru".into(),
            received_at: Utc.with_ymd_and_hms(2020, 12, 1, 8, n as u32, 0).unwrap(),
            category: Category::AgedTwentyEightAndOver,
            answers: BTreeMap::from([("essay".to_string(), essay(name))]),
            personal: BTreeMap::from([("full_name".to_string(), "Гүлнара Асанова".to_string())]),
            channel: Default::default(),
            entered_by: None,
        };
        codes.insert(*name, store.save(&application).await.unwrap().code);
    }
    codes
}

fn essay(name: &str) -> String {
    format!("Эссе заявки «{name}»")
}

/// The five applications of the checking tests, oldest first (rows 2 to 6 of a sheet).
const FIVE: [&str; 5] = ["kept", "duplicate", "ineligible", "withdrawn", "unchecked"];

/// The secretariat's checking: `kept` eligible, `duplicate` a duplicate of it, `ineligible`
/// set aside with a reason, `withdrawn` withdrawn; `unchecked` left as it came.
async fn check(store: &impl CommissionStore, codes: &BTreeMap<&str, String>) {
    let decide = |name: &str, verdict: Verdict| Decision {
        code: codes[name].clone(),
        verdict,
        by: "Бермет".into(),
        at: checked_at(),
    };
    store.decide(&decide("kept", Verdict::Eligible)).await.unwrap();
    store.decide(&decide("duplicate", Verdict::Duplicate { of: codes["kept"].clone() })).await.unwrap();
    store.decide(&decide("ineligible", Verdict::Ineligible { reason: "шаарда жашайт".into() })).await.unwrap();
    store.withdraw(&codes["withdrawn"], checked_at(), "Айнура").await.unwrap();
}

/// `selection` with `args`, on the embedded store in `dir` and the frozen content.
fn cli(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_selection"))
        .args(args)
        .arg("--store")
        .arg(dir.join("applications.sqlite"))
        .arg("--content")
        .arg(test_support::frozen_content())
        .output()
        .unwrap()
}

fn succeeds(out: std::process::Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn fails(out: std::process::Output) -> String {
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stderr).unwrap()
}

/// `member`'s sheet in Russian, written by `selection sheets` into `dir/sheets`: its CSV,
/// its printable page and what the command printed.
fn sheets(dir: &Path, member: &str) -> (Vec<u8>, String, String) {
    let out = dir.join("sheets");
    let printed = succeeds(cli(dir, &["sheets", "--member", member, "--lang", "ru", "--out", out.to_str().unwrap()]));
    let csv = std::fs::read(out.join(format!("{member}.csv"))).unwrap();
    let html = std::fs::read_to_string(out.join(format!("{member}.html"))).unwrap();
    (csv, html, printed)
}

/// The codes a sheet's CSV lists, in its order, with its "checking" cell.
fn listed(csv: &[u8]) -> Vec<(String, String)> {
    let mut reader = csv::Reader::from_reader(&csv[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let checking = header.iter().position(|h| *h == text("sheet_checking", &[])).unwrap();
    reader.records().map(|r| r.unwrap()).map(|r| (r[0].to_string(), r[checking].to_string())).collect()
}

/// `exported` with every criterion of the rows of `given` filled in, other rows dropped.
fn filled(exported: &[u8], given: &BTreeMap<String, u8>) -> Vec<u8> {
    let mut reader = csv::Reader::from_reader(&exported[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let first = header.iter().position(|h| h.starts_with("C1 ")).unwrap();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    for record in reader.records() {
        let mut row: Vec<String> = record.unwrap().iter().map(str::to_string).collect();
        if let Some(score) = given.get(&row[0]) {
            for cell in &mut row[first..first + 7] {
                *cell = score.to_string();
            }
            writer.write_record(&row).unwrap();
        }
    }
    writer.into_inner().unwrap()
}

/// Imports `sheet` for `member` with `selection import`, in Russian.
fn import_cli(dir: &Path, member: &str, sheet: Vec<u8>, overwrite: bool) -> std::process::Output {
    let file = dir.join(format!("{member}-filled.csv"));
    std::fs::write(&file, sheet).unwrap();
    let mut args = vec!["import", "--member", member, "--lang", "ru", file.to_str().unwrap()];
    if overwrite {
        args.push("--overwrite");
    }
    cli(dir, &args)
}

fn all(codes: &BTreeMap<&str, String>, given: &[(&str, u8)]) -> BTreeMap<String, u8> {
    given.iter().map(|(name, score)| (codes[name].clone(), *score)).collect()
}

/// The line of `printed` that shows `code`.
fn line_of<'a>(printed: &'a str, code: &str) -> &'a str {
    printed.lines().find(|line| line.contains(code)).unwrap_or_else(|| panic!("{code} is not shown: {printed}"))
}

#[tokio::test]
async fn a_duplicate_an_ineligible_and_a_withdrawn_application_never_reach_a_sheet_or_the_ranking() {
    let (dir, store) = test_support::temp_store();
    let dir = dir.path();
    let codes = save(&store, &FIVE).await;
    // A member scored the duplicate before the secretariat found it out.
    let early = Scores { code: codes["duplicate"].clone(), member: "project".into(), scores: vec![5; 7] };
    store.save_scores("project", &[early], false).await.unwrap();
    check(&store, &codes).await;
    let gone = ["duplicate", "ineligible", "withdrawn"];

    // The sheets: the kept and the unchecked application, the unchecked one marked.
    for member in ["gamsumo", "union", "project"] {
        let (csv, html, printed) = sheets(dir, member);
        assert_eq!(
            listed(&csv),
            [
                (codes["kept"].clone(), text("checked_eligible", &[])),
                (codes["unchecked"].clone(), text("not_checked", &[]))
            ]
        );
        let csv = String::from_utf8(csv).unwrap();
        for name in gone {
            for page in [&csv, &html] {
                assert!(!page.contains(&codes[name]) && !page.contains(&essay(name)), "{name} on a sheet: {page}");
            }
        }
        assert!(html.contains(&essay("kept")) && html.contains(&essay("unchecked")));
        assert!(html.contains(&format!("<p class=\"unchecked\">{}</p>", text("not_checked", &[]))), "{html}");
        assert_eq!(html.matches("class=\"unchecked\"").count(), 1, "only the unchecked one is marked");
        let (csv, html) = (dir.join(format!("sheets/{member}.csv")), dir.join(format!("sheets/{member}.html")));
        let written =
            text("sheets_written", &[("count", "2"), ("csv", csv.to_str().unwrap()), ("html", html.to_str().unwrap())]);
        assert_eq!(printed, format!("{written}\n"), "no recusal, nothing more said");
    }

    // Every member scores both; the ranking has both, the unchecked one marked, and counts
    // what was set aside.
    let (csv, _, _) = sheets(dir, "union");
    for (member, kept, unchecked) in [("gamsumo", 5, 4), ("union", 5, 4), ("project", 4, 4)] {
        succeeds(import_cli(
            dir,
            member,
            filled(&csv, &all(&codes, &[("kept", kept), ("unchecked", unchecked)])),
            true,
        ));
    }
    let printed = succeeds(cli(dir, &["rank", "--lang", "ru"]));
    for name in gone {
        assert!(!printed.contains(&codes[name]), "{name} is ranked: {printed}");
    }
    assert!(line_of(&printed, &codes["unchecked"]).contains(&text("flag_unchecked", &[])), "{printed}");
    assert!(!line_of(&printed, &codes["kept"]).contains(&text("flag_unchecked", &[])), "{printed}");
    let counts =
        text("set_aside_counts", &[("ineligible", "1"), ("duplicate", "1"), ("withdrawn", "1"), ("unchecked", "1")]);
    assert!(printed.contains(&counts), "{printed}");

    let json: serde_json::Value = serde_json::from_str(&succeeds(cli(dir, &["rank", "--json"]))).unwrap();
    assert_eq!(json["set_aside"], serde_json::json!({ "ineligible": 1, "duplicate": 1, "withdrawn": 1 }));
    assert_eq!(json["unchecked"], 1);
    let ranked = json["groups"][0]["applications"].as_array().unwrap();
    let checked: Vec<(&str, bool)> =
        ranked.iter().map(|r| (r["code"].as_str().unwrap(), r["checked"].as_bool().unwrap())).collect();
    assert_eq!(checked, [(codes["kept"].as_str(), true), (codes["unchecked"].as_str(), false)]);

    // The results say the same; the published report too, in both languages.
    let results = dir.join("results.csv");
    let printed = succeeds(cli(dir, &["results", "--lang", "ru", "--out", results.to_str().unwrap()]));
    assert!(printed.contains(&counts), "{printed}");
    let written = String::from_utf8(std::fs::read(&results).unwrap()).unwrap();
    for name in gone {
        assert!(!written.contains(&codes[name]), "{name} in the results: {written}");
    }
    assert!(line_of(&written, &codes["unchecked"]).contains(&text("flag_unchecked", &[])), "{written}");
    let reports = dir.join("reports");
    std::fs::create_dir(&reports).unwrap();
    succeeds(cli(dir, &["report", "--date", "2021-01-16", "--out", reports.to_str().unwrap()]));
    for lang in ["ky", "ru"] {
        let report = std::fs::read_to_string(reports.join(format!("selection-results.{lang}.md"))).unwrap();
        let counts = selection().text(
            "set_aside_counts",
            lang,
            &[("ineligible", "1"), ("duplicate", "1"), ("withdrawn", "1"), ("unchecked", "1")],
        );
        assert!(report.contains(&counts), "{report}");
        for name in gone {
            assert!(!report.contains(&codes[name]), "{name} in the report: {report}");
        }
    }
}

/// The same through the library, on either store: the pool, a sheet and the ranking.
async fn set_aside_applications_are_left_out(store: &impl CommissionStore) {
    let codes = save(store, &FIVE).await;
    check(store, &codes).await;
    let pool = Pool::load(store).await.unwrap();
    let sheet = String::from_utf8(sheet_csv(&form(), &selection(), &pool, "union", "ru")).unwrap();
    for name in ["duplicate", "ineligible", "withdrawn"] {
        assert!(!sheet.contains(&codes[name]), "{name} on a sheet");
    }
    for member in ["gamsumo", "union", "project"] {
        let sheet: Vec<Scores> = [("kept", 5), ("unchecked", 4)]
            .iter()
            .map(|(name, score)| Scores { code: codes[name].clone(), member: member.into(), scores: vec![*score; 7] })
            .collect();
        store.save_scores(member, &sheet, false).await.unwrap();
    }
    let ranking = rank(&selection(), &pool, &store.scores().await.unwrap());
    let ranked: Vec<(&str, bool)> =
        ranking.groups.iter().flat_map(|(_, list)| list).map(|r| (r.code.as_str(), r.checked)).collect();
    assert_eq!(ranked, [(codes["kept"].as_str(), true), (codes["unchecked"].as_str(), false)]);
    assert_eq!((ranking.set_aside.ineligible, ranking.set_aside.duplicate, ranking.set_aside.withdrawn), (1, 1, 1));
    assert_eq!(ranking.unchecked, 1);
}

#[tokio::test]
async fn set_aside_applications_are_left_out_on_the_embedded_store() {
    let (_dir, store) = test_support::temp_store();
    set_aside_applications_are_left_out(&store).await;
}

#[tokio::test]
async fn set_aside_applications_are_left_out_on_dynamodb() {
    set_aside_applications_are_left_out(&test_support::dynamo_store().await).await;
}

#[tokio::test]
async fn an_import_row_for_a_set_aside_or_withdrawn_code_is_refused_whole_naming_the_row() {
    let (dir, store) = test_support::temp_store();
    let dir = dir.path();
    let codes = save(&store, &FIVE).await;
    // The sheet was made before the checking; the member scores every row of it.
    let (csv, _, _) = sheets(dir, "union");
    check(&store, &codes).await;
    let every: Vec<(&str, u8)> = FIVE.iter().map(|name| (*name, 4)).collect();
    let said = fails(import_cli(dir, "union", filled(&csv, &all(&codes, &every)), false));
    let row = |n: &str| text("import_row", &[("row", n)]);
    let code = |name: &str| codes[name].clone();
    for expected in [
        format!("{}: {}", row("3"), text("import_duplicate", &[("code", &code("duplicate")), ("of", &code("kept"))])),
        format!("{}: {}", row("4"), text("import_ineligible", &[("code", &code("ineligible"))])),
        format!("{}: {}", row("5"), text("import_withdrawn", &[("code", &code("withdrawn"))])),
    ] {
        assert!(said.contains(&expected), "{expected} in: {said}");
    }
    assert!(said.trim_end().ends_with(&text("import_nothing_changed", &[])), "{said}");
    assert!(!said.contains("шаарда жашайт"), "the secretariat's reason is not shown to members: {said}");
    assert!(store.scores().await.unwrap().is_empty(), "the kept and the unchecked rows were not stored either");
}

#[tokio::test]
async fn a_recused_members_sheet_lacks_the_code_and_the_ranking_takes_the_others_mean() {
    let (dir, store) = test_support::temp_store();
    let dir = dir.path();
    let codes = save(&store, &["known", "other"]).await;
    let known = codes["known"].clone();

    // Refused recusals name what is wrong and record nothing.
    let said = fails(cli(dir, &["recuse", "--member", "mayor", &known, "--reason", "тааныйт", "--lang", "ru"]));
    assert!(said.contains(&text("import_not_member", &[("member", "mayor"), ("members", "gamsumo, union, project")])));
    let said = fails(cli(dir, &["recuse", "--member", "union", "999-999-9999", "--reason", "тааныйт", "--lang", "ru"]));
    assert!(said.contains(&text("import_unknown_code", &[("code", "999-999-9999")])), "{said}");
    let said = fails(cli(dir, &["recuse", "--member", "union", &known, "--reason", "  ", "--lang", "ru"]));
    assert!(said.contains(&text("recuse_no_reason", &[("code", &known)])), "{said}");
    assert!(store.recusals().await.unwrap().is_empty());

    let printed = succeeds(cli(
        dir,
        &["recuse", "--member", "union", &known, "--reason", "Коңшусу, жакшы тааныйт", "--lang", "ru"],
    ));
    assert!(printed.contains(&text("recused", &[("member", &member_name("union")), ("code", &known)])), "{printed}");
    let recusals = store.recusals().await.unwrap();
    assert_eq!(
        recusals.iter().map(|r| (r.member.as_str(), r.code.as_str(), r.reason.as_str())).collect::<Vec<_>>(),
        [("union", known.as_str(), "Коңшусу, жакшы тааныйт")]
    );

    // Her sheet no longer has it; the others' do.
    let (union, html, printed) = sheets(dir, "union");
    assert_eq!(listed(&union).into_iter().map(|(code, _)| code).collect::<Vec<_>>(), [codes["other"].clone()]);
    assert!(!html.contains(&known) && !html.contains(&essay("known")));
    assert!(printed.contains(&text("sheets_recused", &[("count", "1")])), "{printed}");
    let (gamsumo, _, printed) = sheets(dir, "gamsumo");
    assert_eq!(listed(&gamsumo).len(), 2);
    assert!(!printed.contains(&text("sheets_recused", &[("count", "1")])));

    // 100 and 80 from the two who score it: 90, the mean of two, marked.
    succeeds(import_cli(dir, "gamsumo", filled(&gamsumo, &all(&codes, &[("known", 5), ("other", 4)])), false));
    succeeds(import_cli(dir, "project", filled(&gamsumo, &all(&codes, &[("known", 4), ("other", 4)])), false));
    succeeds(import_cli(dir, "union", filled(&union, &all(&codes, &[("other", 4)])), false));
    let printed = succeeds(cli(dir, &["rank", "--lang", "ru"]));
    let line = line_of(&printed, &known);
    assert!(line.contains("100.0     —  80.0    90.0"), "{line}");
    let mark = text("flag_recused", &[("count", "2"), ("total", "3"), ("members", &member_name("union"))]);
    assert!(line.contains(&mark), "{line}");
    assert!(!line_of(&printed, &codes["other"]).contains(&mark));
    assert!(!printed.contains(&text("not_ranked", &[("code", &known), ("members", &member_name("union"))])));
    assert!(!printed.contains("Коңшусу"), "the reason stays with the secretariat: {printed}");

    let json: serde_json::Value = serde_json::from_str(&succeeds(cli(dir, &["rank", "--json"]))).unwrap();
    let ranked = json["groups"][0]["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == known.as_str())
        .unwrap()
        .clone();
    assert_eq!(ranked["mean"], 90.0);
    assert_eq!(ranked["totals"], serde_json::json!({ "gamsumo": 100.0, "union": null, "project": 80.0 }));
    assert_eq!(ranked["recused"], serde_json::json!(["union"]));

    let results = dir.join("results.csv");
    succeeds(cli(dir, &["results", "--lang", "ru", "--out", results.to_str().unwrap()]));
    let written = String::from_utf8(std::fs::read(&results).unwrap()).unwrap();
    let row = line_of(&written, &known);
    assert!(row.contains(&format!("\"100.0\",\"{}\",\"80.0\",\"90.0\"", text("recused_cell", &[]))), "{row}");
    assert!(row.contains(&mark), "{row}");

    // The report published on the site says the mean is of fewer members, never who recused.
    let reports = dir.join("reports");
    std::fs::create_dir(&reports).unwrap();
    succeeds(cli(dir, &["report", "--date", "2021-01-16", "--out", reports.to_str().unwrap()]));
    let report = std::fs::read_to_string(reports.join("selection-results.ru.md")).unwrap();
    let report_line = line_of(&report, &known);
    assert!(report_line.contains(&text("flag_fewer_members", &[("count", "2"), ("total", "3")])), "{report_line}");
    assert!(!report.contains(&member_name("union")) && !report.contains("самоотвод"), "{report}");
}

#[tokio::test]
async fn an_import_scoring_a_recused_code_is_refused_whole_naming_the_row_and_nothing_changes() {
    let (dir, store) = test_support::temp_store();
    let dir = dir.path();
    let codes = save(&store, &["known", "other"]).await;
    // Her sheet from before her recusal; she had scored the other application already.
    let (sheet, _, _) = sheets(dir, "union");
    succeeds(import_cli(dir, "union", filled(&sheet, &all(&codes, &[("other", 3)])), false));
    succeeds(cli(dir, &["recuse", "--member", "union", &codes["known"], "--reason", "туугандар"]));
    let before = store.scores().await.unwrap();

    let said = fails(import_cli(dir, "union", filled(&sheet, &all(&codes, &[("known", 5), ("other", 4)])), true));
    let expected =
        format!("{}: {}", text("import_row", &[("row", "2")]), text("import_recused", &[("code", &codes["known"])]));
    assert!(said.contains(&expected), "{expected} in: {said}");
    assert!(said.trim_end().ends_with(&text("import_nothing_changed", &[])), "{said}");
    assert_eq!(store.scores().await.unwrap(), before, "nothing changed, her other score neither");
}

/// The embedded store, with a recusal recorded just before a sheet is saved: as when the
/// secretariat records one while a member's sheet is being imported.
struct RecusedMeanwhile {
    store: store::SqliteStore,
    recusal: Recusal,
}

impl Store for RecusedMeanwhile {
    async fn save(&self, application: &Application) -> Result<Saved, StoreError> {
        self.store.save(application).await
    }

    async fn save_suspect(&self, suspect: &Suspect) -> Result<Saved, StoreError> {
        self.store.save_suspect(suspect).await
    }
}

impl store::Outbox for RecusedMeanwhile {
    async fn outbox(&self) -> Result<Vec<store::OutboxEntry>, StoreError> {
        self.store.outbox().await
    }

    async fn enqueue(
        &self,
        kind: store::MessageKind,
        code: &str,
        lang: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.store.enqueue(kind, code, lang, now).await
    }

    async fn claim(
        &self,
        kind: store::MessageKind,
        code: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<store::OutboxEntry>, StoreError> {
        self.store.claim(kind, code, now, lease_until).await
    }

    async fn settle(
        &self,
        kind: store::MessageKind,
        code: &str,
        claimed_attempts: u32,
        delivery: &store::Delivery,
    ) -> Result<bool, StoreError> {
        self.store.settle(kind, code, claimed_attempts, delivery).await
    }

    async fn addressee(&self, code: &str) -> Result<Option<store::Addressee>, StoreError> {
        self.store.addressee(code).await
    }
}

impl CommissionStore for RecusedMeanwhile {
    async fn record_final(&self, list: &store::FinalList) -> Result<(), RecordError> {
        self.store.record_final(list).await
    }

    async fn freeze_final(
        &self,
        recorded_at: DateTime<Utc>,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<store::FinalList, RecordError> {
        self.store.freeze_final(recorded_at, by, at).await
    }

    async fn final_list(&self) -> Result<Option<store::FinalList>, StoreError> {
        self.store.final_list().await
    }

    async fn answers(&self) -> Result<Vec<StoredAnswers>, StoreError> {
        self.store.answers().await
    }

    async fn personal(&self, code: &str) -> Result<Option<BTreeMap<String, String>>, StoreError> {
        self.store.personal(code).await
    }

    async fn save_scores(&self, member: &str, sheet: &[Scores], overwrite: bool) -> Result<(), ScoresError> {
        self.store.recuse(&self.recusal).await.unwrap();
        self.store.save_scores(member, sheet, overwrite).await
    }

    async fn scores(&self) -> Result<Vec<Scores>, StoreError> {
        self.store.scores().await
    }

    async fn suspects(&self) -> Result<Vec<(String, Fields)>, StoreError> {
        self.store.suspects().await
    }

    async fn decide(&self, decision: &Decision) -> Result<(), RecordError> {
        self.store.decide(decision).await
    }

    async fn decisions(&self) -> Result<Vec<Decision>, StoreError> {
        self.store.decisions().await
    }

    async fn withdraw(&self, code: &str, at: DateTime<Utc>, by: &str) -> Result<Tombstone, RecordError> {
        self.store.withdraw(code, at, by).await
    }

    async fn withdrawn(&self) -> Result<Vec<Tombstone>, StoreError> {
        self.store.withdrawn().await
    }

    async fn erase_personal(&self, before: DateTime<Utc>) -> Result<Erased, StoreError> {
        self.store.erase_personal(before).await
    }

    async fn recuse(&self, recusal: &Recusal) -> Result<(), RecordError> {
        self.store.recuse(recusal).await
    }

    async fn recusals(&self) -> Result<Vec<Recusal>, StoreError> {
        self.store.recusals().await
    }
}

#[tokio::test]
async fn a_recusal_recorded_while_her_sheet_is_imported_refuses_it_naming_the_row() {
    let (_dir, store) = test_support::temp_store();
    let codes = save(&store, &["known", "other", "third"]).await;
    let pool = Pool::load(&store).await.unwrap();
    let sheet = filled(
        &sheet_csv(&form(), &selection(), &pool, "union", "ru"),
        &all(&codes, &[("known", 4), ("other", 5), ("third", 3)]),
    );
    let recusal =
        Recusal {
            member: "union".into(), code: codes["other"].clone(), reason: "туугандар".into(), at: checked_at()
        };
    let store = RecusedMeanwhile { store, recusal };
    let err = import_sheet(&store, &selection(), "union", &sheet, false, "ru").await.unwrap_err();
    let said = err.message(&selection(), "ru");
    let expected =
        format!("{}: {}", text("import_row", &[("row", "3")]), text("import_recused", &[("code", &codes["other"])]));
    assert!(matches!(err, ImportError::Sheet(_)), "{said}");
    assert!(said.contains(&expected), "{expected} in: {said}");
    assert!(store.scores().await.unwrap().is_empty(), "nothing of the sheet was stored");
}
