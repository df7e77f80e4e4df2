//! One contract, two stores: the SQLite file and DynamoDB (a real DynamoDB-compatible server
//! on loopback: `DYNAMODB_ENDPOINT`, which `tests/run` starts).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use store::{
    Application, Category, Channel, CommissionStore, Decision, Delivery, Erased, FinalList, MessageKind, Outbox,
    OutboxEntry, Outcome, Placed, RecordError, Recusal, Scores, ScoresError, SqliteStore, Store, Suspect, Tombstone,
    Verdict, EMAIL_FIELD,
};

fn application(id: &str, name: &str, second: u32) -> Application {
    Application {
        submission_id: id.to_string(),
        lang: "ky".into(),
        received_at: Utc.with_ymd_and_hms(2020, 12, 1, 6, 0, second).unwrap(),
        category: if second.is_multiple_of(2) { Category::AgedTwentyEightAndOver } else { Category::UnderTwentyEight },
        answers: BTreeMap::from([
            ("essay".to_string(), format!("Эссе {id}")),
            ("lsg_experience".to_string(), "yes".to_string()),
        ]),
        personal: BTreeMap::from([
            ("full_name".to_string(), name.to_string()),
            ("phone".to_string(), "0700 123456".to_string()),
        ]),
        channel: Default::default(),
        entered_by: None,
    }
}

/// What every store must do.
async fn contract(store: &impl CommissionStore) {
    let first = store.save(&application("sub-00000001", "Айгүл", 1)).await.unwrap();
    assert!(first.created);
    assert_eq!(first.code.len(), 12);

    assert!(first.same_content);
    let retry = store.save(&application("sub-00000001", "Айгүл", 1)).await.unwrap();
    assert_eq!((retry.code.as_str(), retry.created, retry.same_content), (first.code.as_str(), false, true));
    let later = Application {
        received_at: Utc.with_ymd_and_hms(2020, 12, 2, 6, 0, 0).unwrap(),
        ..application("sub-00000001", "Айгүл", 1)
    };
    assert!(store.save(&later).await.unwrap().same_content, "the time received is not the content");

    let again = store.save(&application("sub-00000001", "Айгүл (changed)", 1)).await.unwrap();
    assert_eq!(again.code, first.code, "a retry gets the first code");
    assert!(!again.created);
    assert!(!again.same_content, "a retry with other answers is told apart");
    let mut essay_changed = application("sub-00000001", "Айгүл", 1);
    essay_changed.answers.insert("essay".into(), "Башка эссе".into());
    assert!(!store.save(&essay_changed).await.unwrap().same_content, "answers count as well as personal data");

    let second = store.save(&application("sub-00000002", "Нургүл", 2)).await.unwrap();
    assert_ne!(second.code, first.code);

    let answers = store.answers().await.unwrap();
    assert_eq!(
        answers.iter().map(|a| a.code.as_str()).collect::<Vec<_>>(),
        [first.code.as_str(), second.code.as_str()],
        "oldest first"
    );
    assert_eq!(answers[0].category, Category::UnderTwentyEight);
    assert_eq!(answers[0].answers["essay"], "Эссе sub-00000001");
    assert_eq!(answers[0].received_at, "2020-12-01T06:00:01+00:00");
    assert!(answers.iter().all(|a| !a.answers.contains_key("full_name") && !a.answers.contains_key("phone")));

    let personal = store.personal(&first.code).await.unwrap().unwrap();
    assert_eq!(personal["full_name"], "Айгүл", "the first write wins; a retry changes nothing");
    assert_eq!(store.personal("000-000-0000").await.unwrap(), None);

    let suspect = Suspect {
        submission_id: "bot-00000001".into(),
        lang: "ru".into(),
        received_at: Utc.with_ymd_and_hms(2020, 12, 1, 7, 0, 0).unwrap(),
        fields: BTreeMap::from([("full_name".to_string(), "Spam".to_string())]),
    };
    let caught = store.save_suspect(&suspect).await.unwrap();
    assert!(caught.created && caught.same_content);
    let retried = store.save_suspect(&suspect).await.unwrap();
    assert_eq!((retried.code.as_str(), retried.created, retried.same_content), (caught.code.as_str(), false, true));
    let mut changed = suspect.clone();
    changed.fields.insert("essay".into(), "Other".into());
    let changed = store.save_suspect(&changed).await.unwrap();
    assert_eq!((changed.code.as_str(), changed.same_content), (caught.code.as_str(), false), "as an application's");
    let suspects = store.suspects().await.unwrap();
    assert_eq!(suspects, vec![(caught.code.clone(), suspect.fields.clone())]);
    assert_eq!(store.answers().await.unwrap().len(), 2, "suspects are not applications");
}

/// Many submissions at once, each id sent twice: exactly one item per id, and every
/// success names a stored application.
async fn concurrency<S: CommissionStore + 'static>(store: Arc<S>) {
    let mut tasks = Vec::new();
    for n in 0..24u32 {
        for _ in 0..2 {
            let store = Arc::clone(&store);
            tasks.push(tokio::spawn(async move {
                (n, store.save(&application(&format!("parallel-{n:04}"), "Parallel", n)).await)
            }));
        }
    }
    let mut codes: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for task in tasks {
        let (n, saved) = task.await.unwrap();
        codes.entry(n).or_default().push(saved.expect("every concurrent save succeeds").code);
    }
    let stored: Vec<String> = store.answers().await.unwrap().into_iter().map(|a| a.code).collect();
    assert_eq!(stored.len(), 24, "one item per submission id");
    for (n, pair) in codes {
        assert_eq!(pair[0], pair[1], "both posts of id {n} got the same code");
        assert!(stored.contains(&pair[0]), "the code answered for id {n} is stored");
    }
    let mut owed: Vec<(MessageKind, String)> = stored.into_iter().map(|code| (MessageKind::Notice, code)).collect();
    owed.sort();
    assert_eq!(self::owed(&store.outbox().await.unwrap()), owed, "one notice per application, none for a second post");
}

fn at(day: u32, hour: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 12, day, hour, 0, 0).unwrap()
}

fn decision(code: &str, verdict: Verdict) -> Decision {
    Decision { code: code.into(), verdict, by: "Гүлнара".into(), at: at(14, 9) }
}

fn duplicate(code: &str, of: &str) -> Decision {
    decision(code, Verdict::Duplicate { of: of.into() })
}

fn sheet(member: &str, codes: &[&str]) -> Vec<Scores> {
    codes.iter().map(|code| Scores { code: code.to_string(), member: member.into(), scores: vec![4; 7] }).collect()
}

fn bad_duplicate_why(result: Result<(), RecordError>) -> &'static str {
    match result {
        Err(RecordError::BadDuplicate { why, .. }) => why,
        other => panic!("expected a refused duplicate, got {other:?}"),
    }
}

/// How it came and who keyed it in, decisions and duplicates, recusals, withdrawal and erasure:
/// what every store must do after saving. Each refusal changes nothing.
async fn checking(store: &impl CommissionStore) {
    let a = store.save(&application("check-000001", "Айгүл", 1)).await.unwrap().code;
    let paper = Application {
        channel: Channel::Paper,
        entered_by: Some("Гүлнара".into()),
        ..application("check-000002", "Нургүл", 2)
    };
    let b = store.save(&paper).await.unwrap().code;
    let emailed = Application {
        channel: Channel::Email,
        entered_by: Some("Айжан".into()),
        ..application("check-000003", "Нургүл", 3)
    };
    let c = store.save(&emailed).await.unwrap().code;
    let answers = store.answers().await.unwrap();
    let how: Vec<(&str, Channel, Option<&str>)> =
        answers.iter().map(|a| (a.code.as_str(), a.channel, a.entered_by.as_deref())).collect();
    assert_eq!(
        how,
        [
            (a.as_str(), Channel::Online, None),
            (b.as_str(), Channel::Paper, Some("Гүлнара")),
            (c.as_str(), Channel::Email, Some("Айжан"))
        ]
    );

    // Decisions: one current per code, a later one replaces it, by code.
    store.decide(&decision(&b, Verdict::Ineligible { reason: "lives in Bishkek".into() })).await.unwrap();
    store.decide(&decision(&a, Verdict::Eligible)).await.unwrap();
    store.decide(&duplicate(&c, &a)).await.unwrap();
    let changed = Decision { by: "Айжан".into(), at: at(15, 10), ..decision(&b, Verdict::Eligible) };
    store.decide(&changed).await.unwrap();
    let mut expected = vec![decision(&a, Verdict::Eligible), changed.clone(), duplicate(&c, &a)];
    expected.sort_by(|x, y| x.code.cmp(&y.code));
    assert_eq!(store.decisions().await.unwrap(), expected);

    // Refused decisions change nothing.
    assert!(matches!(
        store.decide(&decision("000-000-0000", Verdict::Eligible)).await,
        Err(RecordError::UnknownCode(code)) if code == "000-000-0000"
    ));
    assert_eq!(
        bad_duplicate_why(store.decide(&duplicate(&a, &a)).await),
        "an application cannot be a duplicate of itself"
    );
    assert_eq!(
        bad_duplicate_why(store.decide(&duplicate(&a, "000-000-0000")).await),
        "no application has the other code"
    );
    assert!(bad_duplicate_why(store.decide(&duplicate(&b, &c)).await).contains("itself set aside as a duplicate"));
    assert!(
        bad_duplicate_why(store.decide(&duplicate(&a, &b)).await).contains("duplicates of this one"),
        "a kept application with duplicates cannot become one"
    );
    assert_eq!(store.decisions().await.unwrap(), expected);
    // The way round: point the duplicates at the one to keep first.
    store.decide(&duplicate(&c, &b)).await.unwrap();
    store.decide(&duplicate(&a, &b)).await.unwrap();
    assert_eq!(store.decisions().await.unwrap().iter().filter(|d| d.verdict.sets_aside()).count(), 2);

    // Recusals: recorded by code then member; her scores of it go, her sheet may not score it.
    store.save_scores("member-a", &sheet("member-a", &[&a, &b, &c]), false).await.unwrap();
    store.save_scores("member-b", &sheet("member-b", &[&b, &c]), false).await.unwrap();
    let recusal = |member: &str, code: &str| Recusal {
        member: member.into(),
        code: code.into(),
        reason: "my neighbour".into(),
        at: at(16, 9),
    };
    store.recuse(&recusal("member-b", &b)).await.unwrap();
    store.recuse(&recusal("member-a", &b)).await.unwrap();
    assert!(matches!(store.recuse(&recusal("member-a", "000-000-0000")).await, Err(RecordError::UnknownCode(_))));
    assert_eq!(store.recusals().await.unwrap(), [recusal("member-a", &b), recusal("member-b", &b)]);
    let scored = |scores: Vec<Scores>| -> Vec<(String, String)> {
        scores.into_iter().map(|row| (row.code, row.member)).collect()
    };
    let mut expected_scores =
        vec![(a.clone(), "member-a".to_string()), (c.clone(), "member-a".into()), (c.clone(), "member-b".into())];
    expected_scores.sort();
    assert_eq!(scored(store.scores().await.unwrap()), expected_scores);
    assert!(matches!(
        store.save_scores("member-a", &sheet("member-a", &[&a, &b]), true).await,
        Err(ScoresError::Recused(code)) if code == b
    ));
    assert_eq!(scored(store.scores().await.unwrap()), expected_scores, "a refused sheet changes nothing");

    // Withdrawal: answers, personal data, scores, decision and recusals go; a tombstone stays.
    store.recuse(&recusal("member-a", &c)).await.unwrap();
    let tombstone = store.withdraw(&c, at(17, 9), "Айнура").await.unwrap();
    assert_eq!(
        tombstone,
        Tombstone {
            code: c.clone(),
            received_at: "2020-12-01T06:00:03+00:00".into(),
            withdrawn_at: at(17, 9),
            by: "Айнура".into()
        }
    );
    assert_eq!(store.withdrawn().await.unwrap(), [tombstone.clone()]);
    assert!(store.answers().await.unwrap().iter().all(|answers| answers.code != c));
    assert_eq!(store.personal(&c).await.unwrap(), None);
    assert!(store.scores().await.unwrap().iter().all(|row| row.code != c));
    assert!(store.decisions().await.unwrap().iter().all(|decision| decision.code != c));
    assert!(store.recusals().await.unwrap().iter().all(|recusal| recusal.code != c));
    assert!(matches!(store.withdraw(&c, at(18, 9), "Айнура").await, Err(RecordError::Withdrawn(code)) if code == c));
    assert!(matches!(store.withdraw("000-000-0000", at(18, 9), "Айнура").await, Err(RecordError::UnknownCode(_))));
    assert_eq!(store.withdrawn().await.unwrap(), [tombstone], "a second withdrawal changes nothing");
    assert!(matches!(store.decide(&decision(&c, Verdict::Eligible)).await, Err(RecordError::Withdrawn(_))));
    assert!(matches!(store.recuse(&recusal("member-c", &c)).await, Err(RecordError::Withdrawn(_))));
    assert!(store.decide(&duplicate(&b, &c)).await.is_err(), "b is kept and has duplicates");
    assert_eq!(bad_duplicate_why(store.decide(&duplicate(&a, &c)).await), "the other application was withdrawn");
    let before = store.scores().await.unwrap();
    assert!(matches!(
        store.save_scores("member-c", &sheet("member-c", &[&a, &c]), false).await,
        Err(ScoresError::Withdrawn(code)) if code == c
    ));
    assert_eq!(store.scores().await.unwrap(), before, "a sheet naming a withdrawn code is refused whole");

    // Erasure: personal data and honeypot catches received before the day go; the rest stays.
    let early = store.save_suspect(&suspect("bot-erase-001", at(1, 5))).await.unwrap().code;
    let late = store.save_suspect(&suspect("bot-erase-002", at(2, 5))).await.unwrap().code;
    let decisions = store.decisions().await.unwrap();
    let answers = store.answers().await.unwrap();
    let erased = store.erase_personal(Utc.with_ymd_and_hms(2020, 12, 1, 6, 0, 2).unwrap()).await.unwrap();
    assert_eq!(erased, Erased { applicants: 1, suspects: 1 });
    assert_eq!(store.personal(&a).await.unwrap(), None);
    assert_eq!(store.personal(&b).await.unwrap().unwrap()["full_name"], "Нургүл", "received on the day: kept");
    let suspects: Vec<String> = store.suspects().await.unwrap().into_iter().map(|(code, _)| code).collect();
    assert!(!suspects.contains(&early) && suspects.contains(&late));
    assert_eq!(store.answers().await.unwrap(), answers, "answers stay");
    assert_eq!(store.decisions().await.unwrap(), decisions, "decisions stay");
    assert_eq!(store.scores().await.unwrap(), before, "scores stay");
    assert_eq!(store.erase_personal(at(1, 6)).await.unwrap(), Erased::default(), "nothing is left to erase");
    let retry = store.save(&application("check-000001", "Айгүл", 1)).await.unwrap();
    assert_eq!((retry.code.as_str(), retry.created), (a.as_str(), false), "the submission id keeps its code");
}

/// A withdrawal racing an import of scores that names it, many times over: the application ends
/// withdrawn with no scores; the import lands for the other codes or is refused whole. Returns
/// the withdrawn codes, for a store's own look at what it holds.
async fn withdrawal_racing_an_import<S: CommissionStore + 'static>(store: Arc<S>, rounds: u32) -> Vec<String> {
    let mut withdrawn = Vec::new();
    let (mut landed, mut refused) = (0, 0);
    for round in 0..rounds {
        let mut codes = Vec::new();
        for n in 0..3 {
            codes.push(store.save(&application(&format!("race-{round:03}-{n}"), "Race", n)).await.unwrap().code);
        }
        let member = format!("member-{round:03}");
        if round % 2 == 1 {
            // An earlier sheet of hers already scores the one withdrawn.
            store.save_scores(&member, &sheet(&member, &[&codes[0]]), false).await.unwrap();
        }
        let rows = sheet(&member, &[&codes[0], &codes[1], &codes[2]]);
        // Either may start first, by a little or not at all, so that the rounds interleave differently.
        let pause = |ms: u32| tokio::time::sleep(std::time::Duration::from_millis(u64::from(ms)));
        let (withdrawal_pause, import_pause) = (round % 3 * 2, round / 3 % 3 * 2);
        let withdrawal = {
            let (store, code) = (Arc::clone(&store), codes[0].clone());
            tokio::spawn(async move {
                pause(withdrawal_pause).await;
                store.withdraw(&code, at(20, 9), "Айнура").await
            })
        };
        let import = {
            let (store, member) = (Arc::clone(&store), member.clone());
            tokio::spawn(async move {
                pause(import_pause).await;
                store.save_scores(&member, &rows, true).await
            })
        };
        withdrawal.await.unwrap().expect("the withdrawal succeeds");
        let imported = import.await.unwrap();
        let mut hers: Vec<String> =
            store.scores().await.unwrap().into_iter().filter(|row| row.member == member).map(|row| row.code).collect();
        hers.sort();
        match imported {
            Ok(()) => {
                landed += 1;
                let mut others = vec![codes[1].clone(), codes[2].clone()];
                others.sort();
                assert_eq!(hers, others, "round {round}: the import landed for the other codes");
            }
            Err(ScoresError::Withdrawn(code)) => {
                refused += 1;
                assert_eq!(code, codes[0]);
                assert!(hers.is_empty(), "round {round}: a refused import stored nothing: {hers:?}");
            }
            Err(other) => panic!("round {round}: {other:?}"),
        }
        assert!(store.withdrawn().await.unwrap().iter().any(|tombstone| tombstone.code == codes[0]));
        withdrawn.push(codes[0].clone());
    }
    eprintln!("withdrawal racing an import: {landed} imports landed without it, {refused} refused");
    withdrawn
}

#[tokio::test]
async fn the_sqlite_store_keeps_the_checking_contract() {
    let (_dir, store) = test_support::temp_store();
    checking(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sqlite_store_ends_a_withdrawal_racing_an_import_withdrawn() {
    let (_dir, store) = test_support::temp_store();
    withdrawal_racing_an_import(Arc::new(store), 40).await;
}

#[cfg(feature = "dynamodb")]
#[tokio::test]
async fn the_dynamodb_store_keeps_the_checking_contract() {
    checking(&test_support::dynamo_store().await).await;
}

/// Besides what `scores` answers: no score item of a withdrawn code is left in the table,
/// of any member or version.
#[cfg(feature = "dynamodb")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_dynamodb_store_ends_a_withdrawal_racing_an_import_withdrawn() {
    let tables = test_support::fresh_tables();
    let client = store::dynamodb_client().await;
    let store = store::DynamoStore::new(client.clone(), tables.clone());
    store.create_tables().await.unwrap();
    let withdrawn = withdrawal_racing_an_import(Arc::new(store), 16).await;
    let items = client.scan().table_name(&tables.applications).send().await.unwrap().items.unwrap_or_default();
    let left: Vec<&str> = items
        .iter()
        .filter_map(|item| item.get("pk")?.as_s().ok())
        .filter(|pk| pk.starts_with("score#") && withdrawn.iter().any(|code| pk.ends_with(code.as_str())))
        .map(String::as_str)
        .collect();
    assert!(left.is_empty(), "score items of withdrawn codes: {left:?}");
    let applicants = client.scan().table_name(&tables.applicants).send().await.unwrap().items.unwrap_or_default();
    let left: Vec<&str> = applicants
        .iter()
        .filter_map(|item| item.get("pk")?.as_s().ok())
        .filter(|pk| withdrawn.iter().any(|code| pk.ends_with(code.as_str())))
        .map(String::as_str)
        .collect();
    assert!(left.is_empty(), "personal data of withdrawn codes: {left:?}");
}

/// "Erased" means gone from the files: neither the database file nor its journal holds the
/// name of an applicant whose personal data was erased, nor the name or essay of one who
/// withdrew, nor a honeypot catch's name, while another applicant's name is still there.
#[tokio::test]
async fn the_sqlite_store_erases_from_its_files_not_only_from_queries() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("applications.sqlite");
    let store = SqliteStore::open(&file).unwrap();
    let erased_name = "Бермет-ERASE-7f3a";
    let withdrawn_name = "Жылдыз-WITHDRAW-3b9d";
    let withdrawn_essay = "Эссе-WITHDRAW-91c2";
    let caught_name = "Spam-ERASE-c4d1";
    let kept_name = "Гүлзат-KEPT-5e60";
    store.save(&application("erase-000001", erased_name, 1)).await.unwrap();
    let mut withdrawing = application("erase-000002", withdrawn_name, 2);
    withdrawing.answers.insert("essay".into(), withdrawn_essay.into());
    let withdrawing = store.save(&withdrawing).await.unwrap().code;
    let mut catch = suspect("bot-erase-0001", at(1, 5));
    catch.fields.insert("full_name".into(), caught_name.into());
    store.save_suspect(&catch).await.unwrap();
    store.save(&application("erase-000003", kept_name, 30)).await.unwrap();

    let held = |text: &str| -> Vec<&'static str> {
        ["applications.sqlite", "applications.sqlite-wal"]
            .into_iter()
            .filter(|name| {
                let bytes = std::fs::read(dir.path().join(name)).unwrap_or_default();
                bytes.windows(text.len()).any(|window| window == text.as_bytes())
            })
            .collect()
    };
    for text in [erased_name, withdrawn_name, withdrawn_essay, caught_name, kept_name] {
        assert!(!held(text).is_empty(), "{text} is written before it is erased");
    }
    store.withdraw(&withdrawing, at(10, 9), "Айнура").await.unwrap();
    store.erase_personal(Utc.with_ymd_and_hms(2020, 12, 1, 6, 0, 2).unwrap()).await.unwrap();
    for text in [erased_name, withdrawn_name, withdrawn_essay, caught_name] {
        assert_eq!(held(text), Vec::<&str>::new(), "{text} is still in the files");
    }
    assert!(!held(kept_name).is_empty(), "what was not erased is still there");
    assert_eq!(store.answers().await.unwrap().len(), 2);
}

/// A file written before the channel was kept: its applications came online, keyed in by nobody.
#[tokio::test]
async fn the_sqlite_store_reads_applications_stored_before_channels_were_kept() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("applications.sqlite");
    let old = rusqlite::Connection::open(&file).unwrap();
    old.execute_batch(
        "CREATE TABLE submissions (submission_id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, received_at TEXT NOT NULL);
         CREATE TABLE answers (code TEXT PRIMARY KEY REFERENCES submissions(code), lang TEXT NOT NULL, category TEXT NOT NULL, received_at TEXT NOT NULL, answers TEXT NOT NULL);
         INSERT INTO submissions VALUES ('sub-old-00001', '111-222-3333', '2020-12-01T06:00:00+00:00');
         INSERT INTO answers VALUES ('111-222-3333', 'ru', 'under_28', '2020-12-01T06:00:00+00:00', '{\"essay\":\"Эссе\"}');",
    )
    .unwrap();
    drop(old);
    let store = SqliteStore::open(&file).unwrap();
    let answers = store.answers().await.unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!((answers[0].channel, answers[0].entered_by.as_deref()), (Channel::Online, None));
    store.decide(&decision("111-222-3333", Verdict::Eligible)).await.unwrap();
    assert_eq!(store.decisions().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_sqlite_store_keeps_the_contract() {
    let (_dir, store) = test_support::temp_store();
    contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sqlite_store_is_safe_under_concurrent_submissions() {
    let (_dir, store) = test_support::temp_store();
    concurrency(Arc::new(store)).await;
}

#[tokio::test]
async fn the_sqlite_store_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("applications.sqlite");
    let code = SqliteStore::open(&file).unwrap().save(&application("durable-0001", "Гүлзат", 3)).await.unwrap().code;
    let reopened = SqliteStore::open(&file).unwrap();
    assert_eq!(reopened.answers().await.unwrap()[0].code, code);
    assert_eq!(reopened.personal(&code).await.unwrap().unwrap()["full_name"], "Гүлзат");
}

/// Names and contacts are in the file and its journals: no other user of the machine may read
/// them, whether the file is new or was made readable by everyone before.
#[tokio::test]
async fn the_sqlite_store_and_its_journals_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let mode = |name: &str| std::fs::metadata(dir.path().join(name)).unwrap().permissions().mode() & 0o777;
    let file = dir.path().join("applications.sqlite");
    let store = SqliteStore::open(&file).unwrap();
    store.save(&application("private-0001", "Гүлзат", 3)).await.unwrap();
    for name in ["applications.sqlite", "applications.sqlite-wal", "applications.sqlite-shm"] {
        assert_eq!(mode(name), 0o600, "{name}");
    }
    drop(store);
    let older = dir.path().join("older.sqlite");
    SqliteStore::open(&older).unwrap();
    std::fs::set_permissions(&older, std::fs::Permissions::from_mode(0o644)).unwrap();
    SqliteStore::open(&older).unwrap();
    assert_eq!(mode("older.sqlite"), 0o600);
}

fn suspect(id: &str, received_at: chrono::DateTime<Utc>) -> Suspect {
    Suspect {
        submission_id: id.into(),
        lang: "ky".into(),
        received_at,
        fields: BTreeMap::from([("full_name".to_string(), "Spam".to_string())]),
    }
}

/// A honeypot's catch is kept 30 days: the file deletes what is older on the next catch.
#[tokio::test]
async fn the_sqlite_store_forgets_suspects_after_30_days() {
    let (_dir, store) = test_support::temp_store();
    let first = Utc.with_ymd_and_hms(2020, 11, 1, 6, 0, 0).unwrap();
    let old = store.save_suspect(&suspect("bot-old-0001", first)).await.unwrap();
    let kept = store.save_suspect(&suspect("bot-kept-0001", first + chrono::Duration::days(29))).await.unwrap();
    assert_eq!(store.suspects().await.unwrap().len(), 2, "29 days later both are kept");
    store.save_suspect(&suspect("bot-new-0001", first + chrono::Duration::days(30))).await.unwrap();
    let codes: Vec<String> = store.suspects().await.unwrap().into_iter().map(|(code, _)| code).collect();
    assert!(!codes.contains(&old.code), "30 days after it came, a catch is deleted");
    assert!(codes.contains(&kept.code));
    assert_eq!(codes.len(), 2);
}

/// A file written before the digest and the expiry were kept: its tables gain the columns,
/// an old submission counts as the same on a retry, an old catch is kept.
#[tokio::test]
async fn the_sqlite_store_opens_a_file_written_before_digests_and_expiries() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("applications.sqlite");
    let old = rusqlite::Connection::open(&file).unwrap();
    old.execute_batch(
        "CREATE TABLE submissions (submission_id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, received_at TEXT NOT NULL);
         CREATE TABLE suspects (submission_id TEXT PRIMARY KEY, code TEXT NOT NULL, lang TEXT NOT NULL, received_at TEXT NOT NULL, fields TEXT NOT NULL);
         INSERT INTO submissions VALUES ('sub-old-00001', '111-222-3333', '2020-12-01T06:00:00+00:00');
         INSERT INTO suspects VALUES ('bot-old-00001', '444-555-6666', 'ky', '2020-01-01T06:00:00+00:00', '{}');
         CREATE TABLE withdrawn (code TEXT PRIMARY KEY REFERENCES submissions(code), received_at TEXT NOT NULL, withdrawn_at TEXT NOT NULL);
         INSERT INTO withdrawn VALUES ('111-222-3333', '2020-12-01T06:00:00+00:00', '2020-12-20T06:00:00+00:00');",
    )
    .unwrap();
    drop(old);
    let store = SqliteStore::open(&file).unwrap();
    let retry = store.save(&application("sub-old-00001", "Кто-то другой", 1)).await.unwrap();
    assert_eq!((retry.code.as_str(), retry.created, retry.same_content), ("111-222-3333", false, true));
    assert_eq!(store.outbox().await.unwrap(), [], "an older file gains an empty outbox");
    assert_eq!(store.final_list().await.unwrap(), None, "and no final list");
    let new = store.save(&addressed("sub-new-00001", "Асель", 4, "asel@example.kg")).await.unwrap().code;
    assert_eq!(owed(&store.outbox().await.unwrap()), [(MessageKind::Receipt, new.clone()), (MessageKind::Notice, new)]);
    store.save_suspect(&suspect("bot-new-00001", Utc.with_ymd_and_hms(2020, 12, 1, 6, 0, 0).unwrap())).await.unwrap();
    assert_eq!(store.suspects().await.unwrap().len(), 2, "a catch without an expiry is not deleted");
    let tombstones = store.withdrawn().await.unwrap();
    assert_eq!(
        tombstones.iter().map(|t| (t.code.as_str(), t.by.as_str())).collect::<Vec<_>>(),
        [("111-222-3333", "")],
        "a tombstone from before who withdrew was kept reads with no one named"
    );
}

/// DynamoDB deletes a catch itself once its `expires_at` (a number, seconds since 1970:
/// the TTL attribute the template enables) has passed.
#[cfg(feature = "dynamodb")]
#[tokio::test]
async fn the_dynamodb_store_gives_suspects_a_ttl_of_30_days() {
    use aws_sdk_dynamodb::types::AttributeValue;

    let tables = test_support::fresh_tables();
    let client = store::dynamodb_client().await;
    let store = store::DynamoStore::new(client.clone(), tables.clone());
    store.create_tables().await.unwrap();
    let received = Utc.with_ymd_and_hms(2020, 12, 1, 6, 0, 0).unwrap();
    store.save_suspect(&suspect("bot-ttl-00001", received)).await.unwrap();
    let item = client
        .get_item()
        .table_name(&tables.applicants)
        .key("pk", AttributeValue::S("suspect#bot-ttl-00001".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let expected = (received + chrono::Duration::days(30)).timestamp().to_string();
    assert_eq!(item.get("expires_at"), Some(&AttributeValue::N(expected)));
}

/// A marker written before the digest was kept: a retry of its id counts as the same.
#[cfg(feature = "dynamodb")]
#[tokio::test]
async fn the_dynamodb_store_counts_an_old_marker_without_a_digest_as_the_same() {
    use aws_sdk_dynamodb::types::AttributeValue::S;

    let tables = test_support::fresh_tables();
    let client = store::dynamodb_client().await;
    let store = store::DynamoStore::new(client.clone(), tables.clone());
    store.create_tables().await.unwrap();
    let item = [
        ("pk", S("submission#sub-old-00001".into())),
        ("code", S("111-222-3333".into())),
        ("received_at", S("2020-12-01T06:00:00+00:00".into())),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value))
    .collect();
    client.put_item().table_name(&tables.applications).set_item(Some(item)).send().await.unwrap();
    let retry = store.save(&application("sub-old-00001", "Кто-то другой", 1)).await.unwrap();
    assert_eq!((retry.code.as_str(), retry.created, retry.same_content), ("111-222-3333", false, true));
}

#[cfg(feature = "dynamodb")]
#[tokio::test]
async fn the_dynamodb_store_keeps_the_contract() {
    contract(&test_support::dynamo_store().await).await;
}

#[cfg(feature = "dynamodb")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_dynamodb_store_is_safe_under_concurrent_submissions() {
    concurrency(Arc::new(test_support::dynamo_store().await)).await;
}

/// A commission of one member scores 500 applications; a second, corrected sheet fails
/// half-way through (`break_imports` makes the store fail, `mend` stops it); the first
/// sheet's scores must stay whole and current, and the corrected sheet lands once mended.
async fn a_long_sheet_is_all_or_nothing<S: CommissionStore, F: CommissionStore>(
    store: &S,
    broken: impl FnOnce(&[String]) -> F,
    mend: impl FnOnce(),
) {
    let mut codes = Vec::new();
    for n in 0..500u32 {
        codes.push(store.save(&application(&format!("long-{n:05}"), "Long", n % 60)).await.unwrap().code);
    }
    let sheet = |score: u8| -> Vec<Scores> {
        codes.iter().map(|code| Scores { code: code.clone(), member: "union".into(), scores: vec![score; 7] }).collect()
    };
    store.save_scores("union", &sheet(3), false).await.unwrap();
    let stored = store.scores().await.unwrap();
    assert_eq!(stored.len(), 500);
    assert!(stored.iter().all(|row| row.scores == vec![3; 7]));

    let failed = broken(&codes).save_scores("union", &sheet(5), true).await;
    assert!(matches!(failed, Err(ScoresError::Store(_))), "the injected failure is reported: {failed:?}");
    let stored = store.scores().await.unwrap();
    assert_eq!(stored.len(), 500, "a failed import leaves the previous sheet whole");
    assert!(stored.iter().all(|row| row.scores == vec![3; 7]), "and current");

    mend();
    store.save_scores("union", &sheet(5), true).await.unwrap();
    let stored = store.scores().await.unwrap();
    assert_eq!(stored.len(), 500);
    assert!(stored.iter().all(|row| row.scores == vec![5; 7]));
}

#[tokio::test]
async fn the_sqlite_store_imports_a_long_sheet_all_or_nothing() {
    let (dir, store) = test_support::temp_store();
    let file = dir.path().join("applications.sqlite");
    let side = rusqlite::Connection::open(&file).unwrap();
    a_long_sheet_is_all_or_nothing(
        &store,
        |codes| {
            // A real failure inside SQLite, at the 250th row of the transaction.
            side.execute_batch(&format!(
                "CREATE TRIGGER fail_half_way BEFORE UPDATE ON scores WHEN NEW.code = '{}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
                codes[249]
            ))
            .unwrap();
            store.clone()
        },
        || side.execute_batch("DROP TRIGGER fail_half_way").unwrap(),
    )
    .await;
}

#[cfg(feature = "dynamodb")]
mod dynamodb_faults {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use aws_smithy_runtime_api::box_error::BoxError;
    use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
    use aws_smithy_runtime_api::client::interceptors::Intercept;
    use aws_smithy_runtime_api::client::orchestrator::Metadata;
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
    use aws_smithy_types::config_bag::ConfigBag;

    /// Lets `allowed` batch writes through, then fails every later one as a dropped
    /// connection would: the import stops half-way through writing its new version.
    #[derive(Debug)]
    pub(super) struct FailBatchWritesAfter(pub(super) Arc<AtomicUsize>);

    impl Intercept for FailBatchWritesAfter {
        fn name(&self) -> &'static str {
            "FailBatchWritesAfter"
        }

        fn read_before_transmit(
            &self,
            _: &BeforeTransmitInterceptorContextRef<'_>,
            _: &RuntimeComponents,
            cfg: &mut ConfigBag,
        ) -> Result<(), BoxError> {
            if cfg.load::<Metadata>().is_some_and(|metadata| metadata.name() == "BatchWriteItem") {
                let left = self.0.load(Ordering::SeqCst);
                if left == 0 {
                    return Err("injected: the connection dropped".into());
                }
                self.0.store(left - 1, Ordering::SeqCst);
            }
            Ok(())
        }
    }
}

#[cfg(feature = "dynamodb")]
#[tokio::test]
async fn the_dynamodb_store_imports_a_long_sheet_all_or_nothing() {
    use std::sync::atomic::AtomicUsize;

    let tables = test_support::fresh_tables();
    let store = store::DynamoStore::new(store::dynamodb_client().await, tables.clone());
    store.create_tables().await.unwrap();
    // 500 rows are 20 batches of 25: the broken client writes 10 of them, then fails.
    let config = store::dynamodb_config()
        .await
        .interceptor(dynamodb_faults::FailBatchWritesAfter(Arc::new(AtomicUsize::new(10))))
        .build();
    let broken = store::DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), tables);
    a_long_sheet_is_all_or_nothing(&store, |_| broken, || {}).await;
}

/// Items as the tables held them before the items were typed (`store/src/dynamodb/items.rs`),
/// written attribute by attribute: the store must keep reading what production already holds.
#[tokio::test]
async fn the_dynamodb_store_reads_the_items_production_already_holds() {
    use aws_sdk_dynamodb::types::AttributeValue::{L, M, N, S};

    let tables = test_support::fresh_tables();
    let client = store::dynamodb_client().await;
    let store = store::DynamoStore::new(client.clone(), tables.clone());
    store.create_tables().await.unwrap();
    let s = |text: &str| S(text.to_string());
    let items = [
        (
            &tables.applications,
            vec![
                ("pk", s("application#123-456-7890")),
                ("code", s("123-456-7890")),
                ("lang", s("ru")),
                ("category", s("under_28")),
                ("received_at", s("2020-12-01T06:00:00+00:00")),
                ("answers", M([("essay".to_string(), s("Эссе"))].into())),
            ],
        ),
        (
            &tables.applicants,
            vec![
                ("pk", s("applicant#123-456-7890")),
                ("code", s("123-456-7890")),
                ("personal", M([("full_name".to_string(), s("Асель"))].into())),
            ],
        ),
        (
            &tables.applications,
            vec![
                ("pk", s("score#gamsumo#v1#123-456-7890")),
                ("code", s("123-456-7890")),
                ("member", s("gamsumo")),
                ("scores", L(vec![N("5".into()), N("3".into())])),
            ],
        ),
        (
            &tables.applications,
            vec![("pk", s("member#gamsumo")), ("member", s("gamsumo")), ("version", s("v1")), ("count", N("1".into()))],
        ),
    ];
    for (table, attributes) in items {
        let item = attributes.into_iter().map(|(name, value)| (name.to_string(), value)).collect();
        client.put_item().table_name(table).set_item(Some(item)).send().await.unwrap();
    }
    let answers = store.answers().await.unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!((answers[0].code.as_str(), answers[0].category), ("123-456-7890", Category::UnderTwentyEight));
    assert_eq!(answers[0].answers["essay"], "Эссе");
    assert_eq!((answers[0].channel, answers[0].entered_by.as_deref()), (Channel::Online, None), "as online ones");
    assert_eq!(store.personal("123-456-7890").await.unwrap().unwrap()["full_name"], "Асель");
    let scores = store.scores().await.unwrap();
    assert_eq!((scores[0].member.as_str(), scores[0].scores.as_slice()), ("gamsumo", &[5u8, 3][..]));
}

/// `application` with an address to write to.
fn addressed(id: &str, name: &str, second: u32, address: &str) -> Application {
    let mut application = application(id, name, second);
    application.personal.insert(EMAIL_FIELD.to_string(), address.to_string());
    application
}

/// What the outbox holds, by kind then code, without the details.
fn owed(entries: &[OutboxEntry]) -> Vec<(MessageKind, String)> {
    entries.iter().map(|entry| (entry.kind, entry.code.clone())).collect()
}

fn entry_of(entries: &[OutboxEntry], kind: MessageKind, code: &str) -> Option<OutboxEntry> {
    entries.iter().find(|entry| entry.kind == kind && entry.code == code).cloned()
}

fn second(n: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 12, 1, 6, 0, n).unwrap()
}

/// The outbox, as the intake fills it and a sender drains it: what saving owes, one claim at a
/// time, leases, settling, and what a withdrawal and an erasure leave of it.
async fn outbox_contract(store: &impl CommissionStore) {
    use MessageKind::{Notice, Outcome as Told, Receipt};

    // Saving: a notice always, a receipt when there is an address, in her language.
    let mut russian = addressed("mail-000001", "Асель", 1, " asel@example.kg ");
    russian.lang = "ru".into();
    let a = store.save(&russian).await.unwrap().code;
    let b = store.save(&application("mail-000002", "Нургүл", 2)).await.unwrap().code;
    let c = store.save(&addressed("mail-000003", "Жылдыз", 3, "   ")).await.unwrap().code;
    let caught = Suspect {
        fields: BTreeMap::from([(EMAIL_FIELD.to_string(), "bot@example.com".to_string())]),
        ..suspect("bot-mail-0001", second(4))
    };
    store.save_suspect(&caught).await.unwrap();
    let entries = store.outbox().await.unwrap();
    let mut expected = vec![(Receipt, a.clone()), (Notice, a.clone()), (Notice, b.clone()), (Notice, c.clone())];
    expected.sort();
    assert_eq!(owed(&entries), expected, "no receipt without an address or for a blank one; nothing for a catch");
    let receipt = entry_of(&entries, Receipt, &a).unwrap();
    assert_eq!(
        receipt,
        OutboxEntry {
            kind: Receipt,
            code: a.clone(),
            lang: "ru".into(),
            created_at: second(1),
            delivery: Delivery::Pending { attempts: 0, due: second(1) },
        },
        "owed from the moment it was received, in the language she applied in"
    );
    assert_eq!(entry_of(&entries, Notice, &a).unwrap().lang, "ru");

    // A retried save owes nothing new, whatever it holds.
    let retry = addressed("mail-000002", "Нургүл", 2, "nurgul@example.kg");
    assert!(!store.save(&retry).await.unwrap().created);
    assert_eq!(store.outbox().await.unwrap(), entries, "a retry adds nothing");

    // Claims: not before it is due; once; again only after the lease ran out.
    let lease = chrono::Duration::minutes(5);
    let early = second(0);
    assert_eq!(store.claim(Receipt, &a, early, early + lease).await.unwrap(), None, "not due yet");
    assert_eq!(store.outbox().await.unwrap(), entries, "a claim that finds nothing changes nothing");
    let now = at(1, 7);
    let claimed = store.claim(Receipt, &a, now, now + lease).await.unwrap().unwrap();
    assert_eq!(claimed.delivery, Delivery::Sending { attempts: 1, lease_until: now + lease });
    assert_eq!(entry_of(&store.outbox().await.unwrap(), Receipt, &a).unwrap(), claimed);
    let meanwhile = now + chrono::Duration::minutes(1);
    assert_eq!(store.claim(Receipt, &a, meanwhile, meanwhile + lease).await.unwrap(), None, "another sender has it");
    let later = now + lease;
    let reclaimed = store.claim(Receipt, &a, later, later + lease).await.unwrap().unwrap();
    assert_eq!(
        reclaimed.delivery,
        Delivery::Sending { attempts: 2, lease_until: later + lease },
        "a lease that ran out is claimed again, the try counted"
    );

    // Settling: only with the claim that holds it.
    let retry_at = later + chrono::Duration::minutes(2);
    let stale = Delivery::Sent { attempts: 1, at: later, message_id: "stale".into() };
    assert!(!store.settle(Receipt, &a, 1, &stale).await.unwrap(), "the first sender's claim ran out");
    assert_eq!(entry_of(&store.outbox().await.unwrap(), Receipt, &a).unwrap(), reclaimed, "and changed nothing");
    let pending = Delivery::Pending { attempts: 2, due: retry_at };
    assert!(store.settle(Receipt, &a, 2, &pending).await.unwrap());
    assert_eq!(entry_of(&store.outbox().await.unwrap(), Receipt, &a).unwrap().delivery, pending);
    assert!(!store.settle(Receipt, &a, 2, &pending).await.unwrap(), "a pending entry is not settled");
    assert_eq!(store.claim(Receipt, &a, later, later + lease).await.unwrap(), None, "the retry is not due yet");
    let third = store.claim(Receipt, &a, retry_at, retry_at + lease).await.unwrap().unwrap();
    assert_eq!(third.delivery, Delivery::Sending { attempts: 3, lease_until: retry_at + lease });
    let sent = Delivery::Sent { attempts: 3, at: retry_at, message_id: "0100-abc".into() };
    assert!(store.settle(Receipt, &a, 3, &sent).await.unwrap());
    let the_end = retry_at + chrono::Duration::days(30);
    assert_eq!(store.claim(Receipt, &a, the_end, the_end + lease).await.unwrap(), None, "a sent entry stays sent");
    assert!(!store.settle(Receipt, &a, 3, &pending).await.unwrap());
    assert_eq!(entry_of(&store.outbox().await.unwrap(), Receipt, &a).unwrap().delivery, sent);
    let failed = Delivery::Failed { attempts: 1, at: now, reason: "MessageRejected".into() };
    store.claim(Notice, &b, now, now + lease).await.unwrap().unwrap();
    assert!(store.settle(Notice, &b, 1, &failed).await.unwrap());
    assert_eq!(store.claim(Notice, &b, the_end, the_end + lease).await.unwrap(), None, "a failed entry stays failed");
    assert_eq!(entry_of(&store.outbox().await.unwrap(), Notice, &b).unwrap().delivery, failed);

    // Enqueuing: once per kind and code, whatever state the first is in; only for an application.
    assert!(store.enqueue(Told, &a, "ru", now).await.unwrap());
    assert!(!store.enqueue(Told, &a, "ky", later).await.unwrap(), "a second outcome adds nothing");
    assert!(!store.enqueue(Receipt, &a, "ru", later).await.unwrap(), "nor a receipt already sent");
    assert!(!store.enqueue(Told, "000-000-0000", "ru", now).await.unwrap(), "no application, nothing owed");
    let outcome = entry_of(&store.outbox().await.unwrap(), Told, &a).unwrap();
    assert_eq!((outcome.lang.as_str(), outcome.created_at), ("ru", now));
    assert_eq!(outcome.delivery, Delivery::Pending { attempts: 0, due: now });
    assert!(store.enqueue(Told, &b, "ky", now).await.unwrap());

    // The addressee: her answers and personal data as they are now.
    let addressee = store.addressee(&a).await.unwrap().unwrap();
    assert_eq!((addressee.answers.code.as_str(), addressee.answers.lang.as_str()), (a.as_str(), "ru"));
    assert_eq!(addressee.answers.answers["essay"], "Эссе mail-000001");
    assert_eq!(addressee.personal.unwrap()[EMAIL_FIELD], " asel@example.kg ");
    assert_eq!(store.addressee("000-000-0000").await.unwrap(), None);

    // A withdrawal takes every message of hers with it.
    store.withdraw(&b, at(10, 9), "Айнура").await.unwrap();
    let entries = store.outbox().await.unwrap();
    assert!(entries.iter().all(|entry| entry.code != b), "{:?}", owed(&entries));
    assert_eq!(store.addressee(&b).await.unwrap(), None, "nothing left to address");
    assert!(!store.enqueue(Told, &b, "ky", now).await.unwrap(), "nothing more is owed to a withdrawn code");
    assert_eq!(store.claim(Notice, &b, the_end, the_end + lease).await.unwrap(), None);
    assert!(!store.settle(Notice, &b, 1, &failed).await.unwrap());
    assert!(store.outbox().await.unwrap().iter().all(|entry| entry.code != b), "a late sender recreates nothing");

    // An erasure takes the messages to her that are not sent; sent ones and notices stay.
    let d = store.save(&addressed("mail-000004", "Гүлзат", 5, "gulzat@example.kg")).await.unwrap().code;
    let e = store.save(&addressed("mail-000005", "Айжан", 30, "aizhan@example.kg")).await.unwrap().code;
    for code in [&c, &d, &e] {
        assert!(store.enqueue(Told, code, "ky", now).await.unwrap());
    }
    store.claim(Told, &d, now, now + lease).await.unwrap().unwrap();
    let before = store.outbox().await.unwrap();
    store.erase_personal(second(10)).await.unwrap();
    let after = store.outbox().await.unwrap();
    let gone: Vec<(MessageKind, String)> =
        owed(&before).into_iter().filter(|owed_one| !owed(&after).contains(owed_one)).collect();
    let mut expected = vec![(Told, a.clone()), (Told, c.clone()), (Receipt, d.clone()), (Told, d.clone())];
    expected.sort();
    assert_eq!(gone, expected, "unsent receipts and outcomes of those erased, a claimed one too");
    assert_eq!(entry_of(&after, Receipt, &a).unwrap().delivery, sent, "a sent receipt stays: it holds nothing of her");
    assert!(entry_of(&after, Receipt, &e).is_some() && entry_of(&after, Told, &e).is_some(), "received later: kept");
    assert!([&a, &c, &d].iter().all(|code| entry_of(&after, Notice, code).is_some()), "notices stay");
    let addressee = store.addressee(&d).await.unwrap().unwrap();
    assert_eq!((addressee.answers.code.as_str(), addressee.personal), (d.as_str(), None), "erased: no one to address");
    assert!(!store.enqueue(Receipt, &a, "ru", the_end).await.unwrap(), "the sent receipt is not owed again");
}

/// Two senders (two connections or clients) claim each of many entries at the same moment:
/// exactly one of them gets each.
async fn claims_race<S: CommissionStore + 'static>(one: Arc<S>, other: Arc<S>) {
    let mut codes = Vec::new();
    for n in 0..12u32 {
        codes.push(one.save(&application(&format!("claim-{n:04}"), "Race", n)).await.unwrap().code);
    }
    let now = at(2, 6);
    let lease_until = now + chrono::Duration::minutes(5);
    for code in codes {
        let claim = |store: &Arc<S>| {
            let (store, code) = (Arc::clone(store), code.clone());
            tokio::spawn(async move { store.claim(MessageKind::Notice, &code, now, lease_until).await.unwrap() })
        };
        let (first, second) = (claim(&one), claim(&other));
        let (first, second) = (first.await.unwrap(), second.await.unwrap());
        assert!(first.is_some() != second.is_some(), "{code}: exactly one claim wins: {first:?} {second:?}");
        let entry = entry_of(&one.outbox().await.unwrap(), MessageKind::Notice, &code).unwrap();
        assert_eq!(entry.delivery, Delivery::Sending { attempts: 1, lease_until }, "{code}: claimed once");
    }
}

/// Saves an application with messages owed and withdraws it: for a store's own look at a
/// withdrawal that left messages behind (its clean-up failed part-way).
async fn withdrawn_with_messages(store: &impl CommissionStore) -> String {
    let code = store.save(&addressed("leftover-0001", "Асель", 1, "asel@example.kg")).await.unwrap().code;
    store.withdraw(&code, at(10, 9), "Айнура").await.unwrap();
    code
}

/// A withdrawal asked again finishes what the first left: the messages go, and so does the
/// reason in her line of the final list.
async fn withdrawal_asked_again_takes_the_messages(store: &impl CommissionStore, code: &str) {
    assert!(!store.outbox().await.unwrap().is_empty(), "the test left a message behind");
    let reason_of =
        |list: Option<FinalList>| list.unwrap().placed.into_iter().find(|line| line.code == code).unwrap().reason;
    assert!(reason_of(store.final_list().await.unwrap()).is_some(), "the test left a reason behind");
    assert!(matches!(store.withdraw(code, at(11, 9), "Айнура").await, Err(RecordError::Withdrawn(_))));
    assert_eq!(store.outbox().await.unwrap(), [], "asked again, the withdrawal takes its messages");
    assert_eq!(reason_of(store.final_list().await.unwrap()), None, "asked again, it takes the reason");
}

/// A withdrawal keeps her line in the final list, with its outcome, and takes the reason the
/// secretariat wrote there (it may describe her): before the list is frozen and after.
async fn withdrawal_takes_her_reason_from_the_final_list(store: &impl CommissionStore) {
    use Outcome::{NotSelected, Reserve, Selected};

    let mut codes = Vec::new();
    for n in 0..3u32 {
        codes.push(store.save(&application(&format!("reason-{n:04}"), "Reason", n)).await.unwrap().code);
    }
    let (a, b, c) = (&codes[0], &codes[1], &codes[2]);
    let list = final_list(
        "Айжан",
        at(19, 9),
        vec![
            placed(a, Selected, Reserve, Some("her mother is the district's akim")),
            placed(b, Reserve, NotSelected, Some("she moved to Naryn for her husband")),
            placed(c, NotSelected, NotSelected, None),
        ],
    );
    store.record_final(&list).await.unwrap();

    let line_of = |list: &FinalList, code: &str| list.placed.iter().find(|line| line.code == code).cloned().unwrap();

    store.withdraw(a, at(20, 8), "Айнура").await.unwrap();
    let mut expected = list.clone();
    expected.placed.iter_mut().filter(|line| &line.code == a).for_each(|line| line.reason = None);
    assert_eq!(store.final_list().await.unwrap().as_ref(), Some(&expected), "her line stays, without its reason");

    let frozen = store.freeze_final(expected.recorded_at, "Айнура", at(20, 9)).await.unwrap();
    assert_eq!(line_of(&frozen, b).reason.as_deref(), Some("she moved to Naryn for her husband"));
    store.withdraw(b, at(21, 9), "Айнура").await.unwrap();
    let after = store.final_list().await.unwrap().unwrap();
    assert_eq!(line_of(&after, b), placed(b, Reserve, NotSelected, None), "frozen, her line stays without its reason");
    assert_eq!(line_of(&after, c), line_of(&frozen, c), "the other lines stay as they were");
    assert_eq!(line_of(&after, a), line_of(&frozen, a));
    assert_eq!(after.frozen, frozen.frozen, "still frozen, by the same hand");
}

fn frozen_by<T>(result: Result<T, RecordError>) -> (String, chrono::DateTime<Utc>) {
    match result {
        Err(RecordError::Frozen { by, at }) => (by, at),
        Err(other) => panic!("expected a refusal as frozen, got {other:?}"),
        Ok(_) => panic!("expected a refusal as frozen, got success"),
    }
}

fn placed(code: &str, outcome: Outcome, proposed: Outcome, reason: Option<&str>) -> Placed {
    Placed { code: code.into(), outcome, proposed, reason: reason.map(str::to_string) }
}

fn final_list(by: &str, when: chrono::DateTime<Utc>, mut placed: Vec<Placed>) -> FinalList {
    placed.sort_by(|x, y| x.code.cmp(&y.code));
    FinalList { placed, recorded_by: by.into(), recorded_at: when, frozen: None }
}

/// The final list: recorded, replaced while not frozen, frozen once, never changed after;
/// every line names a stored application. Each refusal changes nothing.
async fn final_list_contract(store: &impl CommissionStore) {
    use Outcome::{NotSelected, Reserve, Selected};

    let mut codes = Vec::new();
    for n in 0..4u32 {
        codes.push(store.save(&application(&format!("final-{n:04}"), "Final", n)).await.unwrap().code);
    }
    let (a, b, c, withdrawn) = (&codes[0], &codes[1], &codes[2], &codes[3]);
    store.withdraw(withdrawn, at(15, 9), "Айнура").await.unwrap();
    assert_eq!(store.final_list().await.unwrap(), None);
    assert!(matches!(store.freeze_final(at(18, 9), "Айнура", at(20, 9)).await, Err(RecordError::NoFinalList)));
    assert_eq!(store.final_list().await.unwrap(), None, "nothing to freeze, nothing frozen");

    // Given in any order, read back by code.
    let proposal = vec![
        placed(c, NotSelected, NotSelected, None),
        placed(a, Selected, Selected, None),
        placed(b, Reserve, Reserve, None),
    ];
    let mut given = final_list("Гүлнара", at(18, 9), proposal.clone());
    given.placed.reverse();
    store.record_final(&given).await.unwrap();
    let first = final_list("Гүлнара", at(18, 9), proposal);
    assert_eq!(store.final_list().await.unwrap(), Some(first));

    let decided = final_list(
        "Айжан",
        at(19, 9),
        vec![
            placed(a, Selected, Selected, None),
            placed(b, Selected, Reserve, Some("agreed with SDC: the district had no one")),
            placed(c, NotSelected, NotSelected, None),
        ],
    );
    store.record_final(&decided).await.unwrap();
    assert_eq!(store.final_list().await.unwrap().as_ref(), Some(&decided), "an unfrozen list is replaced whole");

    let with = |line: Placed| {
        let mut list = decided.clone();
        list.placed.push(line);
        list
    };
    assert!(matches!(
        store.record_final(&with(placed("000-000-0000", Reserve, Reserve, None))).await,
        Err(RecordError::UnknownCode(code)) if code == "000-000-0000"
    ));
    assert!(matches!(
        store.record_final(&with(placed(withdrawn, Reserve, Reserve, None))).await,
        Err(RecordError::Withdrawn(code)) if &code == withdrawn
    ));
    assert!(store.record_final(&with(placed(a, Reserve, Reserve, None))).await.is_err(), "a code named twice");
    assert_eq!(store.final_list().await.unwrap().as_ref(), Some(&decided), "refused lists change nothing");

    // Shown the first list, confirmed after the second was recorded: not what she saw.
    assert!(matches!(
        store.freeze_final(at(18, 9), "Айнура", at(20, 9)).await,
        Err(RecordError::ListChanged { by, at: when }) if by == "Айжан" && when == at(19, 9)
    ));
    assert_eq!(store.final_list().await.unwrap().as_ref(), Some(&decided), "nothing frozen");
    let frozen = store.freeze_final(decided.recorded_at, "Айнура", at(20, 9)).await.unwrap();
    let expected = FinalList { frozen: Some(("Айнура".into(), at(20, 9))), ..decided.clone() };
    assert_eq!(frozen, expected);
    assert_eq!(store.final_list().await.unwrap().as_ref(), Some(&expected));
    assert_eq!(
        frozen_by(store.freeze_final(decided.recorded_at, "Гүлнара", at(21, 9)).await),
        ("Айнура".into(), at(20, 9))
    );
    assert_eq!(frozen_by(store.record_final(&decided).await), ("Айнура".into(), at(20, 9)));
    let changed = final_list("Гүлнара", at(21, 9), vec![placed(a, NotSelected, Selected, Some("late"))]);
    assert_eq!(frozen_by(store.record_final(&changed).await), ("Айнура".into(), at(20, 9)));
    assert_eq!(store.final_list().await.unwrap(), Some(expected), "a frozen list never changes");
}

#[tokio::test]
async fn the_sqlite_store_keeps_the_outbox_contract() {
    let (_dir, store) = test_support::temp_store();
    outbox_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sqlite_store_gives_each_claim_to_one_sender() {
    let (dir, store) = test_support::temp_store();
    // A second connection to the same file, as a second process would have.
    let other = SqliteStore::open(&dir.path().join("applications.sqlite")).unwrap();
    claims_race(Arc::new(store), Arc::new(other)).await;
}

#[tokio::test]
async fn the_sqlite_store_finishes_a_withdrawal_that_left_messages() {
    let (dir, store) = test_support::temp_store();
    let code = withdrawn_with_messages(&store).await;
    let side = rusqlite::Connection::open(dir.path().join("applications.sqlite")).unwrap();
    side.execute(
        "INSERT INTO outbox (kind, code, lang, created_at, state, attempts, due)
             VALUES ('receipt', ?1, 'ky', '2020-12-01T06:00:01.000000000Z', 'pending', 0, '2020-12-01T06:00:01.000000000Z')",
        [&code],
    )
    .unwrap();
    // And a line with a reason in the final list, as a list recorded before she withdrew
    // could have had if the withdrawal had stopped before clearing it.
    side.execute(
        "INSERT INTO final_list (id, recorded_by, recorded_at) VALUES (1, 'Айжан', '2020-12-19T09:00:00+00:00')",
        [],
    )
    .unwrap();
    side.execute(
        "INSERT INTO final_placed (code, outcome, proposed, reason) VALUES (?1, 'reserve', 'not_selected', 'her story')",
        [&code],
    )
    .unwrap();
    withdrawal_asked_again_takes_the_messages(&store, &code).await;
}

#[tokio::test]
async fn the_sqlite_store_takes_her_reason_from_the_final_list_when_she_withdraws() {
    let (_dir, store) = test_support::temp_store();
    withdrawal_takes_her_reason_from_the_final_list(&store).await;
}

#[tokio::test]
async fn the_sqlite_store_keeps_the_final_list_contract() {
    let (_dir, store) = test_support::temp_store();
    final_list_contract(&store).await;
}

#[cfg(feature = "dynamodb")]
#[tokio::test]
async fn the_dynamodb_store_keeps_the_outbox_contract() {
    outbox_contract(&test_support::dynamo_store().await).await;
}

#[cfg(feature = "dynamodb")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_dynamodb_store_gives_each_claim_to_one_sender() {
    let tables = test_support::fresh_tables();
    let one = store::DynamoStore::new(store::dynamodb_client().await, tables.clone());
    one.create_tables().await.unwrap();
    let other = store::DynamoStore::new(store::dynamodb_client().await, tables);
    claims_race(Arc::new(one), Arc::new(other)).await;
}

#[cfg(feature = "dynamodb")]
#[tokio::test]
async fn the_dynamodb_store_finishes_a_withdrawal_that_left_messages() {
    use aws_sdk_dynamodb::types::AttributeValue::{N, S};

    let tables = test_support::fresh_tables();
    let client = store::dynamodb_client().await;
    let store = store::DynamoStore::new(client.clone(), tables.clone());
    store.create_tables().await.unwrap();
    let code = withdrawn_with_messages(&store).await;
    // What a withdrawal that stopped after its transaction could leave if an entry were
    // written beside it: the item as the store writes it.
    let item = [
        ("pk", S(format!("outbox#receipt#{code}"))),
        ("kind", S("receipt".into())),
        ("code", S(code.clone())),
        ("lang", S("ky".into())),
        ("created_at", S("2020-12-01T06:00:01.000000000Z".into())),
        ("state", S("pending".into())),
        ("attempts", N("0".into())),
        ("due", S("2020-12-01T06:00:01.000000000Z".into())),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value))
    .collect();
    client.put_item().table_name(&tables.applicants).set_item(Some(item)).send().await.unwrap();
    // And a line with a reason in the final list, the item as the store writes it.
    let line = [
        ("code", S(code.clone())),
        ("outcome", S("reserve".into())),
        ("proposed", S("not_selected".into())),
        ("reason", S("her story".into())),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value))
    .collect();
    let list = [
        ("pk", S("final#list".into())),
        ("placed", aws_sdk_dynamodb::types::AttributeValue::L(vec![aws_sdk_dynamodb::types::AttributeValue::M(line)])),
        ("recorded_by", S("Айжан".into())),
        ("recorded_at", S("2020-12-19T09:00:00+00:00".into())),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value))
    .collect();
    client.put_item().table_name(&tables.applications).set_item(Some(list)).send().await.unwrap();
    withdrawal_asked_again_takes_the_messages(&store, &code).await;
}

#[cfg(feature = "dynamodb")]
#[tokio::test]
async fn the_dynamodb_store_takes_her_reason_from_the_final_list_when_she_withdraws() {
    withdrawal_takes_her_reason_from_the_final_list(&test_support::dynamo_store().await).await;
}

#[cfg(feature = "dynamodb")]
#[tokio::test]
async fn the_dynamodb_store_keeps_the_final_list_contract() {
    final_list_contract(&test_support::dynamo_store().await).await;
}

/// Where the deploy's and the operator's tools look: outbox entries are `outbox#<kind>#<code>`
/// items of the applicants table, holding nothing of the application but its code and
/// language; the final list is the one item `final#list` of the applications table.
#[cfg(feature = "dynamodb")]
#[tokio::test]
async fn the_dynamodb_store_keeps_the_outbox_and_the_final_list_where_the_layout_says() {
    let tables = test_support::fresh_tables();
    let client = store::dynamodb_client().await;
    let store = store::DynamoStore::new(client.clone(), tables.clone());
    store.create_tables().await.unwrap();
    let code = store.save(&addressed("layout-0001", "Асель", 1, "asel@example.kg")).await.unwrap().code;
    let applicants = client.scan().table_name(&tables.applicants).send().await.unwrap().items.unwrap_or_default();
    let mut outbox: Vec<_> = applicants
        .iter()
        .filter(|item| item.get("pk").and_then(|pk| pk.as_s().ok()).is_some_and(|pk| pk.starts_with("outbox#")))
        .collect();
    outbox.sort_by_key(|item| item.get("pk").and_then(|pk| pk.as_s().ok()).cloned());
    let keys: Vec<&str> = outbox.iter().filter_map(|item| item.get("pk")?.as_s().ok()).map(String::as_str).collect();
    assert_eq!(keys, [format!("outbox#notice#{code}"), format!("outbox#receipt#{code}")]);
    for item in outbox {
        let mut names: Vec<&str> = item.keys().map(String::as_str).collect();
        names.sort();
        assert_eq!(names, ["attempts", "code", "created_at", "due", "kind", "lang", "pk", "state"], "nothing personal");
    }
    let list = final_list("Гүлнара", at(18, 9), vec![placed(&code, Outcome::Selected, Outcome::Selected, None)]);
    store.record_final(&list).await.unwrap();
    let item = client
        .get_item()
        .table_name(&tables.applications)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S("final#list".into()))
        .send()
        .await
        .unwrap()
        .item;
    assert!(item.is_some(), "the final list is one item, final#list");
}
