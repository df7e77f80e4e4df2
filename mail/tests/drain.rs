//! Draining the outbox of a real SQLite store: every message once, digests no more often
//! than their interval, retries with backoff, giving up, permanent refusals, nothing to send
//! to, an interrupted try, and outcomes only from a frozen list; a pass longer than a lease
//! and its time budget, a store that fails to record a try, and the preview's folder kept
//! its owner's only.

mod common;

use std::time::Duration;

use chrono::TimeDelta;
use common::{application, at, letters, Flaky, HandClock, Logs, Recorder};
use mail::{drain, Composed, FolderMailer, Mailer, SendError, Settings};
use store::{CommissionStore, Delivery, FinalList, MessageKind, Outbox, Outcome, Placed, SqliteStore, Store};

fn settings() -> Settings {
    Settings::new("secretariat@example.kg")
}

async fn save(store: &SqliteStore, id: &str, lang: &str, email: &str, seconds: i64) -> String {
    let mut application = application(id, lang, email);
    application.received_at = at(seconds);
    store.save(&application).await.unwrap().code
}

async fn delivery(store: &SqliteStore, kind: MessageKind, code: &str) -> Delivery {
    let entries = store.outbox().await.unwrap();
    entries.into_iter().find(|entry| entry.kind == kind && entry.code == code).unwrap().delivery
}

#[tokio::test]
async fn each_receipt_goes_once_and_new_applications_reach_the_secretariat_in_one_digest() {
    let (_dir, store) = test_support::temp_store();
    let ky = save(&store, "s1", "ky", "a@example.kg", 0).await;
    let ru = save(&store, "s2", "ru", "b@example.kg", 1).await;
    let none = save(&store, "s3", "ky", "", 2).await;
    let mailer = Recorder::default();

    let drained = drain(&store, &mailer, &letters(), &settings(), at(10)).await.unwrap();
    assert_eq!((drained.receipts.sent, drained.notices.sent, drained.digests), (2, 3, 1));
    let sent = mailer.take();
    let receipts: Vec<_> = sent.iter().filter(|m| m.kind == MessageKind::Receipt).collect();
    assert_eq!(receipts.len(), 2);
    assert_eq!(receipts[0].code, ky);
    assert!(receipts[0].subject.starts_with("Өтүнмөңүз кабыл алынды"));
    assert_eq!(receipts[1].code, ru);
    assert!(receipts[1].subject.starts_with("Ваша заявка принята"));
    let digest = sent.iter().find(|m| m.kind == MessageKind::Notice).unwrap();
    assert_eq!(digest.to, ["secretariat@example.kg"]);
    for code in [&ky, &ru, &none] {
        assert!(digest.text.contains(code.as_str()), "{code} missing from the digest");
    }
    assert!(matches!(delivery(&store, MessageKind::Notice, &none).await, Delivery::Sent { attempts: 1, .. }));
    assert!(
        matches!(delivery(&store, MessageKind::Receipt, &ky).await, Delivery::Sent { message_id, .. } if message_id == "message-1")
    );

    let again = drain(&store, &mailer, &letters(), &settings(), at(3600)).await.unwrap();
    assert_eq!(again.messages_sent(), 0, "run twice, nothing goes twice");
    assert!(mailer.sent().is_empty());
}

#[tokio::test]
async fn notices_wait_for_the_digest_interval_then_go_together() {
    let (_dir, store) = test_support::temp_store();
    save(&store, "s1", "ky", "", 0).await;
    let mailer = Recorder::default();
    let mut settings = settings();
    settings.digest_interval = Duration::from_secs(300);
    assert_eq!(drain(&store, &mailer, &letters(), &settings, at(0)).await.unwrap().digests, 1);

    let second = save(&store, "s2", "ru", "", 60).await;
    let third = save(&store, "s3", "ky", "", 120).await;
    for seconds in [60, 120, 299] {
        let drained = drain(&store, &mailer, &letters(), &settings, at(seconds)).await.unwrap();
        assert_eq!(drained.digests, 0, "at {seconds} s, within 5 minutes of the last digest");
    }
    let drained = drain(&store, &mailer, &letters(), &settings, at(300)).await.unwrap();
    assert_eq!((drained.digests, drained.notices.sent), (1, 2));
    let digests: Vec<_> = mailer.take().into_iter().filter(|m| m.kind == MessageKind::Notice).collect();
    assert_eq!(digests.len(), 2);
    assert_eq!(digests[1].subject, "Новые заявки: 2");
    assert!(digests[1].text.contains(&second) && digests[1].text.contains(&third));
}

#[tokio::test]
async fn a_send_that_fails_for_now_is_tried_again_after_its_backoff() {
    let (_dir, store) = test_support::temp_store();
    let code = save(&store, "s1", "ky", "a@example.kg", 0).await;
    let mailer = Recorder::failing([SendError::Transient("SES 503: Service Unavailable".into())]);
    let mut settings = settings();
    settings.kinds = vec![MessageKind::Receipt];

    let drained = drain(&store, &mailer, &letters(), &settings, at(0)).await.unwrap();
    assert_eq!((drained.receipts.sent, drained.receipts.retry_later), (0, 1));
    assert_eq!(delivery(&store, MessageKind::Receipt, &code).await, Delivery::Pending { attempts: 1, due: at(30) });
    assert_eq!(
        drain(&store, &mailer, &letters(), &settings, at(29)).await.unwrap().receipts.sent,
        0,
        "not before 30 s"
    );
    assert_eq!(drain(&store, &mailer, &letters(), &settings, at(30)).await.unwrap().receipts.sent, 1);
    assert!(matches!(delivery(&store, MessageKind::Receipt, &code).await, Delivery::Sent { attempts: 2, .. }));
    assert_eq!(mailer.sent().len(), 1);
    assert!(
        matches!(delivery(&store, MessageKind::Notice, &code).await, Delivery::Pending { attempts: 0, .. }),
        "a drain of receipts leaves notices alone"
    );
}

#[tokio::test]
async fn a_message_that_keeps_failing_is_given_up_after_max_attempts_and_the_operator_sees_it() {
    let logs = Logs::capture();
    let (_dir, store) = test_support::temp_store();
    let code = save(&store, "s1", "ky", "asel@example.kg", 0).await;
    let mailer = Recorder::failing((0..10).map(|_| SendError::Transient("SES 429: TooManyRequests".into())));
    let mut settings = settings();
    settings.kinds = vec![MessageKind::Receipt];
    settings.max_attempts = 3;
    let mut now = at(0);
    for _ in 0..3 {
        drain(&store, &mailer, &letters(), &settings, now).await.unwrap();
        now += TimeDelta::hours(1);
    }
    match delivery(&store, MessageKind::Receipt, &code).await {
        Delivery::Failed { attempts: 3, reason, .. } => {
            assert_eq!(reason, "gave up after 3 tries: SES 429: TooManyRequests")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(drain(&store, &mailer, &letters(), &settings, now).await.unwrap().receipts, Default::default());
    let failed = logs.saying("mail_send_failed");
    assert_eq!(failed.len(), 1, "{:?}", logs.lines());
    assert!(failed[0].contains("kind=receipt") && failed[0].contains(&code) && failed[0].contains("TooManyRequests"));
    assert!(logs.lines().iter().all(|line| !line.contains("asel")), "no address in the logs");
}

#[tokio::test]
async fn a_permanent_refusal_fails_at_once() {
    let logs = Logs::capture();
    let (_dir, store) = test_support::temp_store();
    let code = save(&store, "s1", "ru", "asel@example.kg", 0).await;
    let mailer = Recorder::failing([SendError::Permanent("SES 400: MessageRejected: <address> not verified".into())]);
    let drained = drain(&store, &mailer, &letters(), &settings(), at(0)).await.unwrap();
    assert_eq!((drained.receipts.failed, drained.receipts.retry_later), (1, 0));
    assert!(matches!(
        delivery(&store, MessageKind::Receipt, &code).await,
        Delivery::Failed { attempts: 1, reason, .. } if reason.contains("MessageRejected")
    ));
    assert_eq!(logs.saying("mail_send_failed").len(), 1);
    assert_eq!(drain(&store, &mailer, &letters(), &settings(), at(7200)).await.unwrap().messages_sent(), 0);
}

#[tokio::test]
async fn a_try_interrupted_after_claiming_is_sent_again_once_its_lease_ran_out_and_logged() {
    let logs = Logs::capture();
    let (_dir, store) = test_support::temp_store();
    let code = save(&store, "s1", "ky", "a@example.kg", 0).await;
    // A drain claimed it and stopped (SES may or may not have sent it).
    store.claim(MessageKind::Receipt, &code, at(0), at(120)).await.unwrap().unwrap();
    let mailer = Recorder::default();
    let mut settings = settings();
    settings.kinds = vec![MessageKind::Receipt];
    assert_eq!(drain(&store, &mailer, &letters(), &settings, at(60)).await.unwrap().receipts.sent, 0, "lease held");
    assert!(logs.saying("mail_resent_after_interrupted_try").is_empty());
    assert_eq!(drain(&store, &mailer, &letters(), &settings, at(120)).await.unwrap().receipts.sent, 1);
    assert!(matches!(delivery(&store, MessageKind::Receipt, &code).await, Delivery::Sent { attempts: 2, .. }));
    let warned = logs.saying("mail_resent_after_interrupted_try");
    assert_eq!(warned.len(), 1);
    assert!(warned[0].contains("WARN") && warned[0].contains("kind=receipt") && warned[0].contains(&code));
    assert_eq!(drain(&store, &mailer, &letters(), &settings, at(600)).await.unwrap().receipts.sent, 0);
    assert_eq!(mailer.sent().len(), 1);
}

fn placed(code: &str, outcome: Outcome) -> Placed {
    Placed { code: code.into(), outcome, proposed: outcome, reason: None }
}

#[tokio::test]
async fn outcomes_go_only_from_a_frozen_list_in_her_language_and_never_twice() {
    let (_dir, store) = test_support::temp_store();
    let selected = save(&store, "s1", "ky", "a@example.kg", 0).await;
    let reserve = save(&store, "s2", "ru", "b@example.kg", 1).await;
    let no_address = save(&store, "s3", "ru", "", 2).await;
    let not_listed = save(&store, "s4", "ru", "d@example.kg", 3).await;
    for (code, lang) in [(&selected, "ky"), (&reserve, "ru"), (&no_address, "ru"), (&not_listed, "ru")] {
        assert!(store.enqueue(MessageKind::Outcome, code, lang, at(100)).await.unwrap());
    }
    let mailer = Recorder::default();
    let mut settings = settings();
    settings.kinds = vec![MessageKind::Outcome];
    assert_eq!(drain(&store, &mailer, &letters(), &settings, at(200)).await.unwrap().outcomes, Default::default());

    let list = FinalList {
        placed: vec![
            placed(&selected, Outcome::Selected),
            placed(&reserve, Outcome::Reserve),
            placed(&no_address, Outcome::NotSelected),
        ],
        recorded_by: "secretariat".into(),
        recorded_at: at(150),
        frozen: None,
    };
    store.record_final(&list).await.unwrap();
    let drained = drain(&store, &mailer, &letters(), &settings, at(200)).await.unwrap();
    assert_eq!(drained.outcomes, Default::default(), "a list not frozen yet is told to no one");

    store.freeze_final(at(150), "secretariat", at(250)).await.unwrap();
    let drained = drain(&store, &mailer, &letters(), &settings, at(300)).await.unwrap();
    assert_eq!((drained.outcomes.sent, drained.outcomes.failed), (2, 2));
    let sent = mailer.take();
    assert_eq!(sent.len(), 2, "no receipts or digests in a drain of outcomes");
    let to = |code: &str| sent.iter().find(|message| message.code == code).unwrap();
    assert!(to(&selected).text.contains("Куттуктайбыз!"));
    assert!(to(&reserve).text.contains("резервный список"));
    assert!(matches!(
        delivery(&store, MessageKind::Outcome, &no_address).await,
        Delivery::Failed { reason, .. } if reason == "no address"
    ));
    assert!(matches!(
        delivery(&store, MessageKind::Outcome, &not_listed).await,
        Delivery::Failed { reason, .. } if reason == "not in the final list"
    ));
    let again = drain(&store, &mailer, &letters(), &settings, at(400)).await.unwrap();
    assert_eq!(again.outcomes, Default::default(), "notify run twice sends nothing the second time");
    assert!(mailer.sent().is_empty());
}

#[tokio::test]
async fn the_preview_writes_each_message_to_a_file_and_forgets_a_withdrawn_applicants() {
    let (dir, store) = test_support::temp_store();
    let folder = mail::mail_folder(&dir.path().join("applications.sqlite"));
    assert_eq!(folder, dir.path().join("applications.mail"));
    let kept = save(&store, "s1", "ky", "a@example.kg", 0).await;
    let withdrawn = save(&store, "s2", "ru", "b@example.kg", 1).await;
    let mailer = FolderMailer::new(folder.clone()).with_sender("mektep@localhost", "ABuzurmankulova@dpi.kg");
    let drained = drain(&store, &mailer, &letters(), &settings(), at(10)).await.unwrap();
    assert_eq!(drained.messages_sent(), 3, "{drained:?}");
    let mut names: Vec<String> =
        std::fs::read_dir(&folder).unwrap().map(|entry| entry.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.iter().any(|name| name.ends_with("-digest.eml")), "{names:?}");
    let receipt = names.iter().find(|name| name.ends_with(&format!("-receipt-{kept}.eml"))).unwrap();
    assert!(matches!(
        delivery(&store, MessageKind::Receipt, &kept).await,
        Delivery::Sent { message_id, .. } if &message_id == receipt
    ));
    let raw = std::fs::read(folder.join(receipt)).unwrap();
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert!(message.body_text(0).unwrap().contains(&kept));

    assert_eq!(mail::forget(&folder, std::slice::from_ref(&withdrawn)).unwrap(), 1);
    let left: Vec<String> =
        std::fs::read_dir(&folder).unwrap().map(|entry| entry.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(left.len(), 2);
    assert!(left.iter().all(|name| !name.contains(&withdrawn)));
    assert_eq!(mail::forget(&dir.path().join("nowhere.mail"), &[kept]).unwrap(), 0);
}

/// A mailer each of whose sends takes `step` by the hand clock; the `pause_at`-th send
/// (from 1) says it is under way and waits to be let go on, as a slow SES would.
struct Slow {
    clock: HandClock,
    step: TimeDelta,
    sent: std::sync::Mutex<Vec<String>>,
    pause_at: usize,
    under_way: tokio::sync::Notify,
    go_on: tokio::sync::Notify,
}

impl Slow {
    fn new(clock: &HandClock, step: TimeDelta, pause_at: usize) -> Self {
        Self {
            clock: clock.clone(),
            step,
            sent: Default::default(),
            pause_at,
            under_way: Default::default(),
            go_on: Default::default(),
        }
    }

    fn codes(&self) -> Vec<String> {
        self.sent.lock().unwrap().clone()
    }
}

impl Mailer for Slow {
    async fn send(&self, message: &Composed) -> Result<String, SendError> {
        self.clock.advance(self.step);
        let n = {
            let mut sent = self.sent.lock().unwrap();
            sent.push(message.code.clone());
            sent.len()
        };
        if n == self.pause_at {
            self.under_way.notify_one();
            self.go_on.notified().await;
        }
        Ok(format!("slow-{n}"))
    }
}

/// Four receipts, each send taking 4 s, the lease 10 s: the pass takes 16 s. While its
/// third send is under way (12 s in), the scheduled drain runs. Every receipt goes once.
#[tokio::test]
async fn a_pass_longer_than_the_lease_leases_each_claim_from_its_own_time_so_a_drain_meanwhile_sends_nothing_twice() {
    let logs = Logs::capture();
    let (_dir, store) = test_support::temp_store();
    let mut codes = Vec::new();
    for i in 0..4 {
        codes.push(save(&store, &format!("s{i}"), "ky", &format!("a{i}@example.kg"), i).await);
    }
    let clock = HandClock::at(at(10));
    let mut settings = settings();
    settings.kinds = vec![MessageKind::Receipt];
    settings.lease = Duration::from_secs(10);
    settings.clock = clock.clock();
    let slow = Slow::new(&clock, TimeDelta::seconds(4), 3);
    let meanwhile = Recorder::default();
    let letters = letters();

    let (first, second) = tokio::join!(drain(&store, &slow, &letters, &settings, at(10)), async {
        slow.under_way.notified().await;
        assert_eq!(clock.now(), at(22), "the third send is under way, 12 s into the pass");
        let second = drain(&store, &meanwhile, &letters, &settings, clock.now()).await;
        slow.go_on.notify_one();
        second
    });
    let (first, second) = (first.unwrap(), second.unwrap());

    let mut sent: Vec<String> = slow.codes();
    sent.extend(meanwhile.sent().into_iter().map(|message| message.code));
    for code in &codes {
        let times = sent.iter().filter(|sent| *sent == code).count();
        assert_eq!(times, 1, "the receipt of {code} went {times} times: {sent:?}");
        assert!(matches!(delivery(&store, MessageKind::Receipt, code).await, Delivery::Sent { attempts: 1, .. }));
    }
    assert_eq!((first.receipts.sent, second.receipts.sent), (3, 1), "the drain meanwhile took the fourth");
    assert!(logs.saying("mail_resent_after_interrupted_try").is_empty(), "{:?}", logs.lines());
}

/// A backlog is sent over several runs: a pass stops claiming after its budget, says how
/// many it left, and the next run sends those.
#[tokio::test]
async fn a_pass_stops_claiming_after_its_budget_and_the_next_run_sends_the_rest() {
    let (_dir, store) = test_support::temp_store();
    let mut codes = Vec::new();
    for i in 0..5 {
        codes.push(save(&store, &format!("s{i}"), "ru", &format!("b{i}@example.kg"), i).await);
    }
    let clock = HandClock::at(at(10));
    let mut settings = settings();
    settings.kinds = vec![MessageKind::Receipt];
    settings.budget = Duration::from_secs(10);
    settings.clock = clock.clock();
    let slow = Slow::new(&clock, TimeDelta::seconds(4), usize::MAX);

    let first = drain(&store, &slow, &letters(), &settings, at(10)).await.unwrap();
    assert_eq!((first.receipts.sent, first.left_for_next_run), (3, 2), "claims at 0, 4 and 8 s, not at 12 s");
    assert_eq!(slow.codes(), codes[..3]);
    for code in &codes[3..] {
        assert!(matches!(delivery(&store, MessageKind::Receipt, code).await, Delivery::Pending { attempts: 0, .. }));
    }

    let next = drain(&store, &slow, &letters(), &settings, at(70)).await.unwrap();
    assert_eq!((next.receipts.sent, next.left_for_next_run), (2, 0));
    assert_eq!(slow.codes(), codes);
}

#[tokio::test]
async fn the_preview_folder_and_its_messages_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let (dir, store) = test_support::temp_store();
    save(&store, "s1", "ky", "a@example.kg", 0).await;
    let folder = dir.path().join("preview").join("applications.mail");
    let drained = drain(&store, &FolderMailer::new(folder.clone()), &letters(), &settings(), at(10)).await.unwrap();
    assert_eq!(drained.messages_sent(), 2);
    assert_eq!(mode(&folder), 0o700);
    for file in std::fs::read_dir(&folder).unwrap() {
        let file = file.unwrap();
        assert_eq!(mode(&file.path()), 0o600, "{:?}", file.file_name());
    }

    // A folder an earlier version made open to everyone is closed at the next message.
    let older = dir.path().join("older.mail");
    std::fs::create_dir(&older).unwrap();
    std::fs::set_permissions(&older, std::fs::Permissions::from_mode(0o755)).unwrap();
    save(&store, "s2", "ru", "b@example.kg", 20).await;
    let mut receipts = settings();
    receipts.kinds = vec![MessageKind::Receipt];
    assert_eq!(
        drain(&store, &FolderMailer::new(older.clone()), &letters(), &receipts, at(30)).await.unwrap().receipts.sent,
        1
    );
    assert_eq!(mode(&older), 0o700);
}

#[tokio::test]
async fn a_settle_that_fails_once_after_the_send_is_tried_again_and_the_message_goes_once() {
    let logs = Logs::capture();
    let (_dir, store) = test_support::temp_store();
    let code = save(&store, "s1", "ky", "a@example.kg", 0).await;
    let store = Flaky::new(store).failing_settles([true]);
    let mailer = Recorder::default();
    let mut settings = settings();
    settings.kinds = vec![MessageKind::Receipt];

    let drained = drain(&store, &mailer, &letters(), &settings, at(0)).await.unwrap();
    assert_eq!(drained.receipts.sent, 1);
    assert!(matches!(delivery(&store.store, MessageKind::Receipt, &code).await, Delivery::Sent { attempts: 1, .. }));
    assert_eq!(logs.saying("mail_settle_retry").len(), 1, "{:?}", logs.lines());
    assert!(logs.saying("mail_sent_not_recorded").is_empty());

    assert_eq!(drain(&store, &mailer, &letters(), &settings, at(3600)).await.unwrap().receipts.sent, 0);
    assert_eq!(mailer.sent().len(), 1, "sent once");
}

#[tokio::test]
async fn a_send_the_store_cannot_record_is_said_to_have_gone_with_its_kind_and_code() {
    let logs = Logs::capture();
    let (_dir, store) = test_support::temp_store();
    let code = save(&store, "s1", "ky", "asel@example.kg", 0).await;
    let store = Flaky::new(store).failing_settles([true; 10]);
    let mut settings = settings();
    settings.kinds = vec![MessageKind::Receipt];

    assert!(drain(&store, &Recorder::default(), &letters(), &settings, at(0)).await.is_err());
    let said = logs.saying("mail_sent_not_recorded");
    assert_eq!(said.len(), 1, "{:?}", logs.lines());
    assert!(said[0].contains("ERROR") && said[0].contains("kind=receipt") && said[0].contains(&code), "{}", said[0]);
    assert!(said[0].contains("message-1"), "the mail service's id: {}", said[0]);
    assert!(logs.lines().iter().all(|line| !line.contains("asel")), "no address in the logs");
}

#[tokio::test]
async fn a_store_error_after_claiming_gives_the_entry_back_due_at_once_with_its_tries() {
    let logs = Logs::capture();
    let (_dir, store) = test_support::temp_store();
    let code = save(&store, "s1", "ky", "a@example.kg", 0).await;
    let store = Flaky::new(store).failing_addressees([true]);
    let mailer = Recorder::default();
    let mut settings = settings();
    settings.kinds = vec![MessageKind::Receipt];

    assert!(drain(&store, &mailer, &letters(), &settings, at(10)).await.is_err());
    assert_eq!(
        delivery(&store.store, MessageKind::Receipt, &code).await,
        Delivery::Pending { attempts: 0, due: at(10) }
    );
    // The next run, a minute later and well within the lease the claim took, sends it.
    let next = drain(&store, &mailer, &letters(), &settings, at(70)).await.unwrap();
    assert_eq!(next.receipts.sent, 1);
    assert!(matches!(delivery(&store.store, MessageKind::Receipt, &code).await, Delivery::Sent { attempts: 1, .. }));
    assert!(logs.saying("mail_resent_after_interrupted_try").is_empty(), "nothing was sent: nothing to warn of");
}

#[tokio::test]
async fn a_store_error_while_gathering_a_digest_gives_back_every_notice_claimed() {
    let (_dir, store) = test_support::temp_store();
    let first = save(&store, "s1", "ky", "", 0).await;
    let second = save(&store, "s2", "ru", "", 1).await;
    let store = Flaky::new(store).failing_addressees([false, true]);
    let mailer = Recorder::default();
    let mut settings = settings();
    settings.kinds = vec![MessageKind::Notice];

    assert!(drain(&store, &mailer, &letters(), &settings, at(10)).await.is_err());
    for code in [&first, &second] {
        assert_eq!(
            delivery(&store.store, MessageKind::Notice, code).await,
            Delivery::Pending { attempts: 0, due: at(10) }
        );
    }
    let next = drain(&store, &mailer, &letters(), &settings, at(70)).await.unwrap();
    assert_eq!((next.digests, next.notices.sent), (1, 2));
}
