//! The final list and the outcomes, as the secretariat runs them: the ranking's proposal
//! written, edited in a "spreadsheet", recorded whole or refused with every problem named by
//! line and column, frozen, then told — a dry run that lists who gets what, and a run that
//! sends each outcome once into the store's mail folder, a second run sending nothing. A
//! withdrawal takes her mail files with it. On the embedded store, and on DynamoDB with the
//! outcomes sent through moto's SES.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::{Duration, TimeZone, Utc};
use store::{Application, Category, CommissionStore, Decision, MessageKind, Scores, Verdict};

/// The frozen content with a quota of two and a reserve of one for the young women, so that
/// five applications reach every outcome.
fn content(dir: &Path) -> PathBuf {
    let content = dir.join("content");
    let copied =
        std::process::Command::new("cp").arg("-r").arg(test_support::frozen_content()).arg(&content).status().unwrap();
    assert!(copied.success());
    let file = content.join("selection.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let text =
        text.replace("under_28 = { min = 10, max = 20, reserve = 5 }", "under_28 = { min = 1, max = 2, reserve = 1 }");
    assert!(text.contains("max = 2, reserve = 1"), "the fixture's quota line changed");
    std::fs::write(&file, text).unwrap();
    content
}

/// Y1…Y5 scored 5…1 by every member (so ranked in that order), with an address but Y3; Y1
/// and Y4 applied in Kyrgyz, the others in Russian. W is withdrawn and I ineligible.
async fn applications(store: &impl CommissionStore) -> BTreeMap<&'static str, String> {
    let mut codes = BTreeMap::new();
    for (n, name) in ["Y1", "Y2", "Y3", "Y4", "Y5", "W", "I"].into_iter().enumerate() {
        let mut personal = BTreeMap::from([
            ("full_name".to_string(), format!("Айгерим {name}")),
            ("phone".to_string(), "0555 987654".to_string()),
        ]);
        if name != "Y3" {
            personal.insert("email".to_string(), format!("{}@example.kg", name.to_lowercase()));
        }
        let application = Application {
            submission_id: format!("final-{name}"),
            lang: if matches!(name, "Y1" | "Y4") { "ky".into() } else { "ru".into() },
            received_at: Utc.with_ymd_and_hms(2020, 12, 1, 8, n as u32, 0).unwrap(),
            category: Category::UnderTwentyEight,
            answers: BTreeMap::from([("essay".to_string(), format!("Эссе {name}"))]),
            personal,
            channel: Default::default(),
            entered_by: None,
        };
        codes.insert(name, store.save(&application).await.unwrap().code);
    }
    let at = Utc.with_ymd_and_hms(2020, 12, 14, 9, 0, 0).unwrap();
    store.withdraw(&codes["W"], at, "Айнура").await.unwrap();
    let ineligible = Decision {
        code: codes["I"].clone(),
        verdict: Verdict::Ineligible { reason: "шаарда жашайт".into() },
        by: "Айнура".into(),
        at,
    };
    store.decide(&ineligible).await.unwrap();
    for member in ["gamsumo", "union", "project"] {
        let sheet: Vec<Scores> = ["Y1", "Y2", "Y3", "Y4", "Y5"]
            .iter()
            .enumerate()
            .map(|(i, name)| Scores { code: codes[name].clone(), member: member.into(), scores: vec![5 - i as u8; 7] })
            .collect();
        store.save_scores(member, &sheet, false).await.unwrap();
    }
    codes
}

/// Every member scores the applications named in `order` 5…1, replacing her scores.
async fn rescore(store: &impl CommissionStore, codes: &BTreeMap<&'static str, String>, order: [&str; 5]) {
    for member in ["gamsumo", "union", "project"] {
        let sheet: Vec<Scores> = order
            .iter()
            .enumerate()
            .map(|(i, name)| Scores { code: codes[name].clone(), member: member.into(), scores: vec![5 - i as u8; 7] })
            .collect();
        store.save_scores(member, &sheet, true).await.unwrap();
    }
}

/// Runs `selection` with `args` in Russian on `content` and the store (`--store FILE`, or the
/// DynamoDB `tables`).
struct Cli {
    store: PathBuf,
    content: PathBuf,
    tables: Option<store::Tables>,
    /// More of the environment (SES's endpoint, MAIL_FROM).
    env: Vec<(String, String)>,
}

impl Cli {
    fn run(&self, bin: &str, args: &[&str]) -> Output {
        let mut command = std::process::Command::new(bin);
        command.args(args).arg("--content").arg(&self.content).env_remove("MEKTEP_SECRETARY").env_remove("MAIL_FROM");
        command.envs(self.env.iter().map(|(name, value)| (name, value)));
        match &self.tables {
            Some(tables) => command
                .arg("--dynamodb")
                .env("APPLICATIONS_TABLE", &tables.applications)
                .env("APPLICANTS_TABLE", &tables.applicants),
            None => command.arg("--store").arg(&self.store),
        };
        command.output().unwrap()
    }

    fn selection(&self, args: &[&str]) -> Output {
        let mut args = args.to_vec();
        args.extend(["--lang", "ru"]);
        self.run(env!("CARGO_BIN_EXE_selection"), &args)
    }

    fn applications(&self, args: &[&str]) -> Output {
        self.run(env!("CARGO_BIN_EXE_applications"), args)
    }
}

fn succeeds(out: Output) -> String {
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn fails(out: Output) -> String {
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8(out.stderr).unwrap()
}

/// The proposal's rows as a spreadsheet reads them: the header, then one row a code.
fn rows(csv: &[u8]) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&csv[3..]);
    reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

/// `rows` saved as a spreadsheet in Russian saves them: semicolons, no byte order mark.
fn saved(rows: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    for row in rows {
        writer.write_record(row).unwrap();
    }
    writer.into_inner().unwrap()
}

fn row_of<'a>(rows: &'a mut [Vec<String>], code: &str) -> &'a mut Vec<String> {
    rows.iter_mut().find(|row| row[0] == code).unwrap()
}

/// The whole path on one store: propose, refused files, record, show, freeze, notify.
async fn the_final_list_and_its_outcomes(store: &impl CommissionStore, cli: &Cli, dir: &Path, by_mail_folder: bool) {
    let codes = applications(store).await;
    let code = |name: &str| codes[name].clone();
    let proposal_file = dir.join("final.csv");
    let printed = succeeds(cli.selection(&["final", "propose", "--out", proposal_file.to_str().unwrap()]));
    assert!(printed.contains("заявок – 5; отобрана – 2, в резерве – 1, не отобрана – 2"), "{printed}");
    let proposed = rows(&std::fs::read(&proposal_file).unwrap());
    assert_eq!(
        proposed[0][..7],
        ["Код", "Возрастная группа", "Место", "Средний балл (из 100)", "Предложенный итог", "Итог", "Причина"]
    );
    let outcomes: Vec<(String, &str, &str)> =
        proposed[1..].iter().map(|row| (row[0].clone(), row[4].as_str(), row[5].as_str())).collect();
    assert_eq!(
        outcomes,
        [
            (code("Y1"), "selected", "selected"),
            (code("Y2"), "selected", "selected"),
            (code("Y3"), "reserve", "reserve"),
            (code("Y4"), "not_selected", "not_selected"),
            (code("Y5"), "not_selected", "not_selected"),
        ],
        "the quota selected, the next one reserve, the rest not selected"
    );

    // Files the secretariat got wrong: each refused with its problem, and nothing stored.
    let file = dir.join("edited.csv");
    let record = |rows: &[Vec<String>]| {
        std::fs::write(&file, saved(rows)).unwrap();
        cli.selection(&["final", "record", file.to_str().unwrap(), "--by", "Айнура"])
    };
    let name = file.display().to_string();
    let mut bad = proposed.clone();
    row_of(&mut bad, &code("Y4"))[5] = "maybe".into();
    let said = fails(record(&bad));
    assert!(said.contains(&format!("{name}, строка 5, столбец 6 («Итог»): «maybe» – не итог")), "{said}");
    assert!(said.contains("Ничего не сохранено."), "{said}");
    let mut bad = proposed.clone();
    row_of(&mut bad, &code("Y4"))[5] = "reserve".into();
    let said = fails(record(&bad));
    assert!(
        said.contains(&format!(
            "строка 5, столбец 7 («Причина»): {}: итог расходится с предложением (not_selected → reserve)",
            code("Y4")
        )),
        "{said}"
    );
    let mut bad = proposed.clone();
    bad.push(bad[1].clone());
    let said = fails(record(&bad));
    assert!(
        said.contains(&format!("строка 7, столбец 1 («Код»): {} в списке дважды (первый раз в строке 2)", code("Y1"))),
        "{said}"
    );
    let mut bad = proposed.clone();
    bad.remove(3);
    let said = fails(record(&bad));
    assert!(
        said.contains(&format!("{name}: {} есть среди оцениваемых заявок, но его нет в файле", code("Y3"))),
        "{said}"
    );
    let mut bad = proposed.clone();
    for (other, row) in [("W", 1), ("I", 2)] {
        bad[row][0] = code(other);
    }
    bad.push({
        let mut row = proposed[1].clone();
        row[0] = "000-000-0000".into();
        row
    });
    let said = fails(record(&bad));
    assert!(said.contains(&format!("строка 2, столбец 1 («Код»): {}: заявка отозвана", code("W"))), "{said}");
    assert!(
        said.contains(&format!(
            "строка 3, столбец 1 («Код»): {}: секретариат признал заявку не соответствующей",
            code("I")
        )),
        "{said}"
    );
    assert!(said.contains("строка 7, столбец 1 («Код»): заявки с кодом 000-000-0000 нет"), "{said}");
    assert!(store.final_list().await.unwrap().is_none(), "a refused file stores nothing");
    assert!(fails(cli.selection(&["final", "show"])).contains("Итоговый список ещё не записан"));

    // The decision: Y4 moves up to the reserve, with a reason.
    let mut edited = proposed.clone();
    let y4 = row_of(&mut edited, &code("Y4"));
    y4[5] = "reserve".into();
    y4[6] = "решение согласовано с SDC".into();
    let printed = succeeds(record(&edited));
    assert!(
        printed.contains("Итоговый список записан (Айнура): заявок – 5, расходится с предложением – 1"),
        "{printed}"
    );
    let shown = succeeds(cli.selection(&["final", "show"]));
    assert!(shown.contains("Записал(а): Айнура") && shown.contains("Ещё не закреплён"), "{shown}");
    assert!(
        shown.contains(&format!(
            "{}  в резерве  (предложено: не отобрана; причина: решение согласовано с SDC)",
            code("Y4")
        )),
        "{shown}"
    );
    assert!(shown.contains("отобрана – 2, в резерве – 2, не отобрана – 1"), "{shown}");

    // Nothing is told before the list is frozen.
    let said = fails(cli.selection(&["notify", "--dry-run"]));
    assert!(said.contains("Итоговый список ещё не закреплён"), "{said}");
    // Not frozen while the secretariat has not checked the applications on it: `show` says
    // so, and `freeze` refuses, naming them.
    let mut placed = ["Y1", "Y2", "Y3", "Y4", "Y5"].map(code);
    placed.sort();
    let unchecked = format!("Эти заявки секретариат ещё не проверил: {}.", placed.join(", "));
    assert!(shown.contains(&format!("! {unchecked}")), "{shown}");
    let said = fails(cli.selection(&["final", "freeze", "--by", "Бермет", "--yes"]));
    assert!(said.contains(&unchecked) && said.contains("Ничего не изменено."), "{said}");
    assert_eq!(store.final_list().await.unwrap().unwrap().frozen, None);
    for name in ["Y1", "Y2", "Y3", "Y4", "Y5"] {
        let eligible =
            Decision { code: code(name), verdict: Verdict::Eligible, by: "Айнура".into(), at: Utc::now() };
        store.decide(&eligible).await.unwrap();
    }

    // Nor when scores imported since the list was recorded make the ranking propose otherwise
    // (every member now puts Y5 first and Y1 last).
    rescore(store, &codes, ["Y5", "Y2", "Y3", "Y4", "Y1"]).await;
    let said = fails(cli.selection(&["final", "freeze", "--by", "Бермет", "--yes"]));
    assert!(said.contains("После записи списка оценки изменились"), "{said}");
    assert!(
        said.contains(&format!("{}: в списке предложено selected, рейтинг теперь предлагает not_selected", code("Y1"))),
        "{said}"
    );
    assert!(
        said.contains(&format!("{}: в списке предложено not_selected, рейтинг теперь предлагает selected", code("Y5"))),
        "{said}"
    );
    assert!(said.contains("selection final propose, selection final record"), "{said}");
    assert_eq!(store.final_list().await.unwrap().unwrap().frozen, None);
    rescore(store, &codes, ["Y1", "Y2", "Y3", "Y4", "Y5"]).await;

    // Frozen: first what is frozen (who recorded it, when, the counts), then frozen.
    let printed = succeeds(cli.selection(&["final", "freeze", "--by", "Бермет", "--yes"]));
    assert!(
        printed.contains("Закрепляется список, который записал(а) Айнура ")
            && printed.contains("заявок – 5; отобрана – 2, в резерве – 2, не отобрана – 1."),
        "{printed}"
    );
    assert!(printed.contains("Итоговый список закреплён (Бермет"), "{printed}");
    let said = fails(record(&edited));
    assert!(said.contains("Итоговый список закрепил(а) Бермет") && said.contains("изменить его нельзя"), "{said}");

    // The dry run: who gets which message, without names unless asked.
    let dry = succeeds(cli.selection(&["notify", "--dry-run"]));
    let line = |name: &str| dry.lines().find(|line| line.starts_with(&code(name))).unwrap_or_else(|| panic!("{dry}"));
    assert_eq!(line("Y1"), format!("{}  ky  отобрана  на её электронную почту", code("Y1")));
    assert_eq!(line("Y3"), format!("{}  ru  в резерве  адреса нет: сообщите ей по телефону или почтой", code("Y3")));
    assert_eq!(line("Y4"), format!("{}  ky  в резерве  на её электронную почту", code("Y4")));
    assert_eq!(line("Y5"), format!("{}  ru  не отобрана  на её электронную почту", code("Y5")));
    assert!(
        dry.contains("По электронной почте – 4 (из них уже отправлено – 0), без адреса – 1, отозваны – 0."),
        "{dry}"
    );
    assert!(!dry.contains("Айгерим") && !dry.contains("@example.kg"), "no names or addresses: {dry}");
    let personal = succeeds(cli.selection(&["notify", "--dry-run", "--personal"]));
    assert!(personal.contains("Айгерим Y1  y1@example.kg"), "{personal}");
    assert!(
        store.outbox().await.unwrap().iter().all(|entry| entry.kind != MessageKind::Outcome),
        "a dry run owes nothing"
    );

    if !by_mail_folder {
        return;
    }
    // Sent into the mail folder: once each, even after a sender stopped half-way (Y5's entry
    // claimed and never settled, its lease run out).
    let now = Utc::now();
    assert!(store.enqueue(MessageKind::Outcome, &code("Y5"), "ru", now - Duration::minutes(30)).await.unwrap());
    assert!(store
        .claim(MessageKind::Outcome, &code("Y5"), now - Duration::minutes(30), now - Duration::minutes(20))
        .await
        .unwrap()
        .is_some());
    let printed = succeeds(cli.selection(&["notify"]));
    assert!(printed.contains("Отправлено сейчас – 4, отправлено раньше – 0, оставлено на следующую попытку – 0, отправка прекращена – 0, без адреса – 1."), "{printed}");
    let folder = mail::mail_folder(&cli.store);
    let outcomes = |folder: &Path| -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = std::fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.to_string_lossy().contains("-outcome-"))
            .map(|path| {
                (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&path).unwrap())
            })
            .collect();
        files.sort();
        files
    };
    let sent = outcomes(&folder);
    assert_eq!(sent.len(), 4, "{sent:?}");
    // Her code, her language, her outcome, to her address.
    for (name, subject, words) in [
        ("Y1", "Мектепке тандоонун жыйынтыгы", "Куттуктайбыз!"),
        ("Y2", "Итоги отбора в Школу", "Поздравляем!"),
        ("Y4", "Мектепке тандоонун жыйынтыгы", "Сиз Мектептин катышуучуларынын резервдик тизмесине кирдиңиз."),
        ("Y5", "Итоги отбора в Школу", "К сожалению, в этот раз вы не вошли"),
    ] {
        let (file, eml) =
            sent.iter().find(|(file, _)| file.contains(&code(name))).unwrap_or_else(|| panic!("{name}: {sent:?}"));
        let message = mail_parser::MessageParser::default().parse(eml.as_bytes()).unwrap();
        assert_eq!(message.subject(), Some(format!("{subject}: {}", code(name)).as_str()), "{file}");
        let text = message.body_text(0).unwrap();
        assert!(text.contains(words), "{file} tells her outcome in her language: {text}");
        assert!(eml.contains(&format!("{}@example.kg", name.to_lowercase())), "{file} is to her");
    }
    let printed = succeeds(cli.selection(&["notify"]));
    assert!(printed.contains("Отправлено сейчас – 0, отправлено раньше – 4"), "{printed}");
    assert!(printed.contains("Нового для отправки нет"), "{printed}");
    assert_eq!(outcomes(&folder).len(), 4, "the second run sent nothing");

    // Her withdrawal takes her mail with it.
    let printed = succeeds(cli.applications(&["withdraw", &code("Y2"), "--by", "Айнура", "--yes"]));
    assert!(printed.contains(&format!("removed 1 mail files from {}", folder.display())), "{printed}");
    assert!(outcomes(&folder).iter().all(|(file, _)| !file.contains(&code("Y2"))));
    assert_eq!(outcomes(&folder).len(), 3);
}

#[tokio::test]
async fn the_final_list_is_recorded_frozen_and_told_once_on_the_embedded_store() {
    let (dir, store) = test_support::temp_store();
    let cli =
        Cli { store: dir.path().join("applications.sqlite"), content: content(dir.path()), tables: None, env: vec![] };
    the_final_list_and_its_outcomes(&store, &cli, dir.path(), true).await;
}

#[tokio::test]
async fn the_final_list_is_recorded_frozen_and_told_once_through_ses_on_dynamodb() {
    assert!(
        std::env::var_os("DYNAMODB_ENDPOINT").is_some(),
        "DYNAMODB_ENDPOINT is not set: run `bash tests/run`, which starts DynamoDB Local, or start it with tests/dynamodb-local.sh"
    );
    let tables = test_support::fresh_tables();
    let store = store::DynamoStore::new(store::dynamodb_client().await, tables.clone());
    store.create_tables().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cli = Cli {
        store: dir.path().join("unused.sqlite"),
        content: content(dir.path()),
        tables: Some(tables),
        env: vec![],
    };
    the_final_list_and_its_outcomes(&store, &cli, dir.path(), false).await;

    // Through SES (moto's server): the sender is required, then each outcome goes once.
    let said = fails(cli.selection(&["notify"]));
    assert!(said.contains("Не задан MAIL_FROM"), "{said}");
    let moto = Moto::start();
    // DynamoDB Local keeps tables per access key and region: the command keeps the test's own
    // (or the "local" ones the store falls back to), and moto takes any.
    let var = |name: &str, or: &str| std::env::var(name).unwrap_or_else(|_| or.to_string());
    let (key, secret) = (var("AWS_ACCESS_KEY_ID", "local"), var("AWS_SECRET_ACCESS_KEY", "local"));
    let region = var("AWS_REGION", &var("AWS_DEFAULT_REGION", "us-east-1"));
    let ses = aws_sdk_sesv2::Client::from_conf(
        aws_sdk_sesv2::Config::builder()
            .behavior_version_latest()
            .region(aws_sdk_sesv2::config::Region::new(region.clone()))
            .credentials_provider(aws_sdk_sesv2::config::Credentials::new(&key, &secret, None, None, "test"))
            .endpoint_url(moto.url())
            .build(),
    );
    ses.create_email_identity().email_identity("mektep@vap.kg").send().await.unwrap();
    let endpoint = moto.url();
    let env = [
        ("AWS_ENDPOINT_URL_SES", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", key.as_str()),
        ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
        ("AWS_REGION", region.as_str()),
        ("MAIL_FROM", "mektep@vap.kg"),
    ];
    let cli = Cli { env: env.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect(), ..cli };
    let printed = succeeds(cli.selection(&["notify"]));
    assert!(
        printed.contains("Отправлено сейчас – 4, отправлено раньше – 0, оставлено на следующую попытку – 0"),
        "{printed}"
    );
    let sent = moto.raw_messages();
    assert_eq!(sent.len(), 4);
    let codes: BTreeMap<String, String> =
        store.answers().await.unwrap().into_iter().map(|answers| (answers.code, answers.lang)).collect();
    for raw in &sent {
        let message = mail_parser::MessageParser::default().parse(raw.as_bytes()).unwrap();
        let subject = message.subject().unwrap().to_string();
        let (code, lang) = codes.iter().find(|(code, _)| subject.ends_with(code.as_str())).unwrap();
        let prefix = if lang == "ky" {
            "Мектепке тандоонун жыйынтыгы"
        } else {
            "Итоги отбора в Школу"
        };
        assert_eq!(subject, format!("{prefix}: {code}"), "in her language");
        let reply_to = message.reply_to().and_then(|list| list.first()).and_then(|a| a.address()).unwrap();
        assert_eq!(reply_to, "ABuzurmankulova@dpi.kg", "replies go to the secretariat");
    }
    let printed = succeeds(cli.selection(&["notify"]));
    assert!(printed.contains("Отправлено сейчас – 0, отправлено раньше – 4"), "{printed}");
    assert_eq!(moto.raw_messages().len(), 4, "the second run sent nothing");
}

/// moto's server (`tests/.tools/venv/bin/moto_server`, from `bash tests/setup.sh`) on a free
/// loopback port, stopped when dropped.
struct Moto {
    child: std::process::Child,
    port: u16,
}

impl Moto {
    fn start() -> Self {
        let server = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/.tools/venv/bin/moto_server");
        assert!(server.exists(), "{} is missing: run `bash tests/setup.sh`", server.display());
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < std::time::Duration::from_secs(30), "moto did not start on port {port}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Moto { child, port }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every raw message moto's SES accepted, as sent.
    fn raw_messages(&self) -> Vec<String> {
        use std::io::{Read as _, Write as _};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(stream, "GET /moto-api/data.json HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (_, body) = response.split_once("\r\n\r\n").unwrap();
        let data: serde_json::Value = serde_json::from_str(body).unwrap();
        data["ses"]["RawMessage"]
            .as_array()
            .map(|messages| messages.iter().map(|m| m["raw_data"].as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
