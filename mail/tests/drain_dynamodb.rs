//! The drain on the production store: DynamoDB Local (`DYNAMODB_ENDPOINT`; `tests/run`
//! starts it, or `eval "$(bash tests/dynamodb-local.sh)"`). The same passes as on SQLite:
//! receipts and one digest once, an interrupted try sent again after its lease, outcomes of
//! a frozen list, and nothing the second time.

mod common;

use common::{application, at, letters, Logs, Recorder};
use mail::{drain, Settings};
use store::{CommissionStore, Delivery, FinalList, MessageKind, Outbox, Outcome, Placed, Store};

#[tokio::test]
async fn the_drain_sends_each_message_once_on_dynamodb() {
    let logs = Logs::capture();
    let store = test_support::dynamo_store().await;
    let mut codes = Vec::new();
    for (i, (lang, email)) in [("ky", "a@example.kg"), ("ru", "b@example.kg"), ("ru", "")].into_iter().enumerate() {
        let mut application = application(&format!("sub-dyn-{i}"), lang, email);
        application.received_at = at(i as i64);
        codes.push(store.save(&application).await.unwrap().code);
    }
    // A drain claimed the first receipt and stopped.
    store.claim(MessageKind::Receipt, &codes[0], at(5), at(125)).await.unwrap().unwrap();
    let mailer = Recorder::default();
    let settings = Settings::new("secretariat@example.kg");

    let drained = drain(&store, &mailer, &letters(), &settings, at(10)).await.unwrap();
    assert_eq!((drained.receipts.sent, drained.digests, drained.notices.sent), (1, 1, 3), "{drained:?}");
    let drained = drain(&store, &mailer, &letters(), &settings, at(125)).await.unwrap();
    assert_eq!((drained.receipts.sent, drained.digests), (1, 0), "{drained:?}");
    assert_eq!(logs.saying("mail_resent_after_interrupted_try").len(), 1);
    let sent = mailer.take();
    assert_eq!(sent.iter().filter(|m| m.kind == MessageKind::Receipt).count(), 2);

    for code in &codes {
        assert!(store.enqueue(MessageKind::Outcome, code, "ru", at(200)).await.unwrap());
    }
    let placed = |code: &String, outcome| Placed { code: code.clone(), outcome, proposed: outcome, reason: None };
    store
        .record_final(&FinalList {
            placed: vec![
                placed(&codes[0], Outcome::Selected),
                placed(&codes[1], Outcome::NotSelected),
                placed(&codes[2], Outcome::Reserve),
            ],
            recorded_by: "secretariat".into(),
            recorded_at: at(150),
            frozen: None,
        })
        .await
        .unwrap();
    assert_eq!(drain(&store, &mailer, &letters(), &settings, at(300)).await.unwrap().outcomes, Default::default());
    store.freeze_final(at(150), "secretariat", at(310)).await.unwrap();
    let drained = drain(&store, &mailer, &letters(), &settings, at(320)).await.unwrap();
    assert_eq!((drained.outcomes.sent, drained.outcomes.failed), (2, 1), "{drained:?}");
    let outcomes = mailer.take();
    assert!(outcomes.iter().any(|m| m.code == codes[0] && m.text.contains("Куттуктайбыз!")));

    assert_eq!(drain(&store, &mailer, &letters(), &settings, at(4000)).await.unwrap().messages_sent(), 0);
    assert!(mailer.sent().is_empty());
    let entries = store.outbox().await.unwrap();
    assert_eq!(entries.len(), 8);
    assert!(entries.iter().all(|entry| matches!(entry.delivery, Delivery::Sent { .. } | Delivery::Failed { .. })));
}
