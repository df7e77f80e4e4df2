//! The embedded store: one SQLite file, written durably (WAL, full sync), safe for
//! concurrent requests in one process and for several processes on one file.
//!
//! What is deleted is overwritten (`secure_delete`), and a withdrawal or an erasure ends by
//! copying the journal into the file, emptying the journal and rebuilding the file
//! ([`scrub`]): erased personal data is gone from the files, not only from queries.
//!
//! The tables are in `SCHEMA`: what the intake writes (`submissions`, `answers`, `applicants`
//! apart, `suspects`), what the secretariat and the commission record (`decisions`, `scores`,
//! `recusals`, `withdrawn`, the final list in `final_list` and `final_placed`), and the messages
//! owed (`outbox`), written in the same transaction as what makes them owed. Every table is
//! created on open when missing, so an older file gains the newer ones; columns added to
//! existing tables are in `ADDED_COLUMNS`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use chrono::{DateTime, Utc};

use crate::application::{new_code, Application, Category, Fields, StoredAnswers, Suspect};
use crate::checking::{check_duplicate, stored_time, Kept};
use crate::final_list::check_lines;
use crate::outbox::{entry, outbox_time, owed, StoredDelivery, SENDING};
use crate::{
    Addressee, Channel, CommissionStore, Decision, Delivery, Erased, FinalList, MessageKind, Outbox, OutboxEntry,
    Outcome, Placed, RecordError, Recusal, Saved, Scores, ScoresError, Store, StoreError, StoreErrorKind, Tombstone,
    Verdict,
};

/// Cheap to clone: clones share one connection.
#[derive(Clone)]
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS submissions (
    submission_id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    received_at TEXT NOT NULL,
    -- Application::digest; NULL in files written before it was kept.
    digest TEXT
);
-- What the commission scores: answers and essay, no personal data.
CREATE TABLE IF NOT EXISTS answers (
    code TEXT PRIMARY KEY REFERENCES submissions(code),
    lang TEXT NOT NULL,
    category TEXT NOT NULL,
    received_at TEXT NOT NULL,
    answers TEXT NOT NULL,
    -- Channel::key; NULL in files written before it was kept, when every application came online.
    channel TEXT,
    -- Who of the secretariat keyed it in; NULL for online applications.
    entered_by TEXT
);
-- Names, birth dates, places and contacts, apart.
CREATE TABLE IF NOT EXISTS applicants (
    code TEXT PRIMARY KEY REFERENCES submissions(code),
    personal TEXT NOT NULL
);
-- Each commission member's scores for an application, criterion by criterion.
CREATE TABLE IF NOT EXISTS scores (
    code TEXT NOT NULL REFERENCES submissions(code),
    member TEXT NOT NULL,
    scores TEXT NOT NULL,
    PRIMARY KEY (code, member)
);
-- What the honeypot caught, until expires_at (seconds since 1970; NULL in older files).
CREATE TABLE IF NOT EXISTS suspects (
    submission_id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    lang TEXT NOT NULL,
    received_at TEXT NOT NULL,
    fields TEXT NOT NULL,
    expires_at INTEGER,
    -- Suspect::digest; NULL in files written before it was kept.
    digest TEXT
);
-- The secretariat's current decision about an application after checking it.
CREATE TABLE IF NOT EXISTS decisions (
    code TEXT PRIMARY KEY REFERENCES submissions(code),
    -- Verdict::key, with an ineligible one's reason or a duplicate's kept code.
    verdict TEXT NOT NULL,
    reason TEXT,
    duplicate_of TEXT,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
-- What stays of a withdrawn application: its answers, personal data, scores, decision and
-- recusals are deleted.
CREATE TABLE IF NOT EXISTS withdrawn (
    code TEXT PRIMARY KEY REFERENCES submissions(code),
    received_at TEXT NOT NULL,
    withdrawn_at TEXT NOT NULL,
    withdrawn_by TEXT
);
-- Commission members who do not score an application, and why.
CREATE TABLE IF NOT EXISTS recusals (
    code TEXT NOT NULL REFERENCES submissions(code),
    member TEXT NOT NULL,
    reason TEXT NOT NULL,
    recused_at TEXT NOT NULL,
    PRIMARY KEY (code, member)
);
-- Every message owed (outbox.rs), one per kind and code; nothing personal. Its times are
-- outbox_time's fixed-length UTC text, so that the claim's condition compares them as text.
-- The state's one time and detail are set, the others NULL: due (pending), lease_until
-- (sending), settled_at with message_id (sent) or with reason (failed).
CREATE TABLE IF NOT EXISTS outbox (
    kind TEXT NOT NULL,
    code TEXT NOT NULL REFERENCES submissions(code),
    lang TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    due TEXT,
    lease_until TEXT,
    settled_at TEXT,
    message_id TEXT,
    reason TEXT,
    PRIMARY KEY (kind, code)
);
-- The final list (final_list.rs): who recorded it, who froze it (NULL until frozen), in its
-- one row; its lines in final_placed.
CREATE TABLE IF NOT EXISTS final_list (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    frozen_by TEXT,
    frozen_at TEXT
);
CREATE TABLE IF NOT EXISTS final_placed (
    code TEXT PRIMARY KEY REFERENCES submissions(code),
    -- Outcome::key, decided and proposed.
    outcome TEXT NOT NULL,
    proposed TEXT NOT NULL,
    reason TEXT
);
";

/// Columns added since the first files were written: `CREATE TABLE IF NOT EXISTS` leaves an
/// older file's tables as they are, so these are added to it on open.
const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    ("submissions", "digest", "TEXT"),
    ("suspects", "expires_at", "INTEGER"),
    ("suspects", "digest", "TEXT"),
    ("answers", "channel", "TEXT"),
    ("answers", "entered_by", "TEXT"),
    // Tombstones written before who withdrew was kept have none (NULL).
    ("withdrawn", "withdrawn_by", "TEXT"),
];

/// How long a write waits for another process's lock before the request is answered
/// 503 with `Retry-After`: long enough for a commission import, short enough for a reader.
const BUSY_TIMEOUT_MS: u32 = 5_000;

/// SQLite's own words, sorted by what a caller can do about them.
fn failed(err: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    let message = err.to_string();
    let kind = match err.sqlite_error_code() {
        Some(
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::SystemIoFailure | ErrorCode::DiskFull,
        ) => StoreErrorKind::Unavailable,
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StoreErrorKind::Corrupt,
        Some(ErrorCode::ConstraintViolation) => StoreErrorKind::Conflict,
        Some(_) => StoreErrorKind::Misconfigured,
        // Conversions of stored values: the file holds something this code did not write.
        None => StoreErrorKind::Corrupt,
    };
    StoreError::new(kind, message).with_source(err)
}

fn to_json(value: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|err| StoreError::corrupt("a value could not be written as JSON").with_source(err))
}

fn corrupt_json(what: &str, code: &str, err: serde_json::Error) -> StoreError {
    StoreError::corrupt(format!("{what} of {code} is not the JSON this store writes")).with_source(err)
}

impl SqliteStore {
    /// Opens (creating when needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|err| {
                StoreError::misconfigured(format!("cannot create {}: {err}", dir.display())).with_source(err)
            })?;
        }
        // Names and contacts live in this file: only its owner may read it, nor its journals
        // (SQLite gives the -wal and -shm files the database file's own mode).
        private_file(path)?;
        let connection = Connection::open(path).map_err(|err| {
            StoreError::misconfigured(format!("cannot open {}: {err}", path.display())).with_source(err)
        })?;
        // secure_delete: what is deleted is overwritten in its page, not only unlinked; the
        // rebuild after an erasure (VACUUM) keeps its copy of the file in memory, not in /tmp.
        connection
            .execute_batch(&format!(
                "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
                 PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY;"
            ))
            .map_err(failed)?;
        connection.execute_batch(SCHEMA).map_err(failed)?;
        for (table, column, kind) in ADDED_COLUMNS {
            let present: bool = connection
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2)",
                    [table, column],
                    |row| row.get(0),
                )
                .map_err(failed)?;
            if !present {
                connection.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}")).map_err(failed)?;
            }
        }
        Ok(Self { connection: Arc::new(Mutex::new(connection)) })
    }

    /// Runs `work` on the connection on a thread where blocking is allowed, so that a
    /// locked file never stalls the server's other requests.
    async fn blocking<T: Send + 'static, E: From<StoreError> + Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E> {
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || {
            let mut connection = connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&mut connection)
        })
        .await
        .map_err(|err| E::from(StoreError::unavailable(format!("the store's worker stopped: {err}"))))?
    }
}

fn save_now(connection: &mut Connection, application: &Application) -> Result<Saved, StoreError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(failed)?;
    let received_at = application.received_at.to_rfc3339();
    let digest = application.digest();
    let code = loop {
        let code = new_code();
        // The conditional write: a known submission id inserts nothing.
        let inserted = transaction.execute(
            "INSERT INTO submissions (submission_id, code, received_at, digest) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (submission_id) DO NOTHING",
            params![application.submission_id, code, received_at, digest],
        );
        match inserted {
            Ok(0) => {
                let (existing, stored_digest): (String, Option<String>) = transaction
                    .query_row(
                        "SELECT code, digest FROM submissions WHERE submission_id = ?1",
                        [&application.submission_id],
                        |row| Ok((row.get(0)?, row.get(1)?)),
                    )
                    .map_err(failed)?;
                transaction.commit().map_err(failed)?;
                let same_content = stored_digest.is_none_or(|stored| stored == digest);
                return Ok(Saved { code: existing, created: false, same_content });
            }
            Ok(_) => break code,
            // The random code was taken already: draw again.
            Err(rusqlite::Error::SqliteFailure(err, _)) if err.code == rusqlite::ErrorCode::ConstraintViolation => {
                continue
            }
            Err(err) => return Err(failed(err)),
        }
    };
    let answers = to_json(&application.answers)?;
    let personal = to_json(&application.personal)?;
    transaction
        .execute(
            "INSERT INTO answers (code, lang, category, received_at, answers, channel, entered_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                code,
                application.lang,
                application.category.key(),
                received_at,
                answers,
                application.channel.key(),
                application.entered_by
            ],
        )
        .map_err(failed)?;
    transaction
        .execute("INSERT INTO applicants (code, personal) VALUES (?1, ?2)", params![code, personal])
        .map_err(failed)?;
    let received = outbox_time(application.received_at);
    for kind in owed(application) {
        transaction
            .execute(
                "INSERT INTO outbox (kind, code, lang, created_at, state, attempts, due)
                     VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?4)",
                params![kind.key(), code, application.lang, received],
            )
            .map_err(failed)?;
    }
    transaction.commit().map_err(failed)?;
    Ok(Saved { code, created: true, same_content: true })
}

fn save_suspect_now(connection: &mut Connection, suspect: &Suspect) -> Result<Saved, StoreError> {
    let fields = to_json(&suspect.fields)?;
    let digest = suspect.digest();
    let code = new_code();
    // What DynamoDB's TTL does on its own: catches past their time are deleted, here on the
    // next catch, by the intake's clock (the moment this one was received).
    connection
        .execute("DELETE FROM suspects WHERE expires_at <= ?1", [suspect.received_at.timestamp()])
        .map_err(failed)?;
    let inserted = connection
        .execute(
            "INSERT INTO suspects (submission_id, code, lang, received_at, fields, expires_at, digest)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (submission_id) DO NOTHING",
            params![
                suspect.submission_id,
                code,
                suspect.lang,
                suspect.received_at.to_rfc3339(),
                fields,
                suspect.expires_at(),
                digest
            ],
        )
        .map_err(failed)?;
    if inserted == 1 {
        return Ok(Saved { code, created: true, same_content: true });
    }
    let (code, stored_digest): (String, Option<String>) = connection
        .query_row("SELECT code, digest FROM suspects WHERE submission_id = ?1", [&suspect.submission_id], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .map_err(failed)?;
    Ok(Saved { code, created: false, same_content: stored_digest.is_none_or(|stored| stored == digest) })
}

fn answers_now(connection: &mut Connection) -> Result<Vec<StoredAnswers>, StoreError> {
    read_answers(connection, "ORDER BY received_at, code", [])
}

/// The answers of the rows `clause` (a `WHERE` and or an `ORDER BY`) picks.
fn read_answers(
    connection: &Connection,
    clause: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<StoredAnswers>, StoreError> {
    let mut statement = connection
        .prepare(&format!(
            "SELECT code, lang, category, received_at, answers, channel, entered_by FROM answers {clause}"
        ))
        .map_err(failed)?;
    let rows = statement
        .query_map(params, |row| {
            Ok((
                (row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?),
                (row.get::<_, String>(3)?, row.get::<_, String>(4)?),
                (row.get::<_, Option<String>>(5)?, row.get::<_, Option<String>>(6)?),
            ))
        })
        .map_err(failed)?;
    let mut all = Vec::new();
    for row in rows {
        let ((code, lang, category), (received_at, answers), (channel, entered_by)) = row.map_err(failed)?;
        let channel = match channel {
            None => Channel::Online,
            Some(key) => Channel::from_key(&key)
                .ok_or_else(|| StoreError::corrupt(format!("unknown channel {key} for {code}")))?,
        };
        all.push(StoredAnswers {
            category: Category::from_key(&category)
                .ok_or_else(|| StoreError::corrupt(format!("unknown category {category} for {code}")))?,
            answers: serde_json::from_str(&answers).map_err(|err| corrupt_json("the answers", &code, err))?,
            code,
            lang,
            received_at,
            channel,
            entered_by,
        });
    }
    Ok(all)
}

fn personal_now(connection: &mut Connection, code: &str) -> Result<Option<BTreeMap<String, String>>, StoreError> {
    let personal: Option<String> = connection
        .query_row("SELECT personal FROM applicants WHERE code = ?1", [code], |row| row.get(0))
        .optional()
        .map_err(failed)?;
    personal
        .map(|text| serde_json::from_str(&text).map_err(|err| corrupt_json("the personal data", code, err)))
        .transpose()
}

fn save_scores_now(
    connection: &mut Connection,
    member: &str,
    sheet: &[Scores],
    overwrite: bool,
) -> Result<(), ScoresError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(failed)?;
    let mut taken = Vec::new();
    for row in sheet {
        match standing(&transaction, &row.code)? {
            Standing::Stored { .. } => {}
            Standing::Withdrawn => return Err(ScoresError::Withdrawn(row.code.clone())),
            Standing::Unknown => return Err(ScoresError::UnknownCode(row.code.clone())),
        }
        if exists(&transaction, "SELECT 1 FROM recusals WHERE code = ?1 AND member = ?2", params![row.code, member])? {
            return Err(ScoresError::Recused(row.code.clone()));
        }
        let exists: bool = transaction
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM scores WHERE code = ?1 AND member = ?2)",
                params![row.code, member],
                |r| r.get(0),
            )
            .map_err(failed)?;
        if exists {
            taken.push(row.code.clone());
        }
    }
    if !taken.is_empty() && !overwrite {
        // Dropping the transaction rolls it back: nothing of the sheet is stored.
        return Err(ScoresError::WouldOverwrite(taken));
    }
    for row in sheet {
        let scores = to_json(&row.scores)?;
        transaction
            .execute(
                "INSERT INTO scores (code, member, scores) VALUES (?1, ?2, ?3)
                     ON CONFLICT (code, member) DO UPDATE SET scores = excluded.scores",
                params![row.code, member, scores],
            )
            .map_err(failed)?;
    }
    transaction.commit().map_err(failed)?;
    Ok(())
}

fn scores_now(connection: &mut Connection) -> Result<Vec<Scores>, StoreError> {
    let mut statement =
        connection.prepare("SELECT code, member, scores FROM scores ORDER BY code, member").map_err(failed)?;
    let rows = statement
        .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?)))
        .map_err(failed)?;
    let mut all = Vec::new();
    for row in rows {
        let (code, member, scores) = row.map_err(failed)?;
        let scores = serde_json::from_str(&scores).map_err(|err| corrupt_json("the scores", &code, err))?;
        all.push(Scores { code, member, scores });
    }
    Ok(all)
}

fn suspects_now(connection: &mut Connection) -> Result<Vec<(String, Fields)>, StoreError> {
    let mut statement =
        connection.prepare("SELECT code, fields FROM suspects ORDER BY received_at, code").map_err(failed)?;
    let rows =
        statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))).map_err(failed)?;
    let mut all = Vec::new();
    for row in rows {
        let (code, fields) = row.map_err(failed)?;
        let fields = serde_json::from_str(&fields).map_err(|err| corrupt_json("a suspect's fields", &code, err))?;
        all.push((code, fields));
    }
    Ok(all)
}

/// Where an application stands.
enum Standing {
    Stored { received_at: String },
    Withdrawn,
    Unknown,
}

fn standing(connection: &Connection, code: &str) -> Result<Standing, StoreError> {
    let received_at: Option<String> = connection
        .query_row("SELECT received_at FROM answers WHERE code = ?1", [code], |row| row.get(0))
        .optional()
        .map_err(failed)?;
    if let Some(received_at) = received_at {
        return Ok(Standing::Stored { received_at });
    }
    Ok(if exists(connection, "SELECT 1 FROM withdrawn WHERE code = ?1", [code])? {
        Standing::Withdrawn
    } else {
        Standing::Unknown
    })
}

/// Whether `query` finds a row.
fn exists(connection: &Connection, query: &str, params: impl rusqlite::Params) -> Result<bool, StoreError> {
    connection.query_row(&format!("SELECT EXISTS ({query})"), params, |row| row.get(0)).map_err(failed)
}

/// The application must be stored (not withdrawn, not unknown) for anything to be recorded
/// about it; answers with the time it was received.
fn stored(connection: &Connection, code: &str) -> Result<String, RecordError> {
    match standing(connection, code)? {
        Standing::Stored { received_at } => Ok(received_at),
        Standing::Withdrawn => Err(RecordError::Withdrawn(code.to_string())),
        Standing::Unknown => Err(RecordError::UnknownCode(code.to_string())),
    }
}

/// Makes what was deleted gone from the files too: with `secure_delete` the deleted rows are
/// overwritten in the pages written to the journal; VACUUM rebuilds the file without free
/// pages, and the TRUNCATE checkpoint copies the journal into the file and empties it, so no
/// earlier copy of a page stays in either.
fn scrub(connection: &mut Connection) -> Result<(), StoreError> {
    connection.execute_batch("VACUUM").map_err(failed)?;
    // (busy, frames in the journal, frames copied): busy when another connection is reading.
    let (busy, _, _): (i64, i64, i64) = connection
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .map_err(failed)?;
    if busy != 0 {
        return Err(StoreError::unavailable(
            "the deletion is recorded, but another program reading the file kept its journal from being emptied: \
             close it and run the same command again, which finishes the erasure",
        ));
    }
    Ok(())
}

fn decide_now(connection: &mut Connection, decision: &Decision) -> Result<(), RecordError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(failed)?;
    stored(&transaction, &decision.code)?;
    if let Verdict::Duplicate { of } = &decision.verdict {
        let kept = match standing(&transaction, of)? {
            Standing::Stored { .. } => Kept::Stored {
                is_duplicate: exists(
                    &transaction,
                    "SELECT 1 FROM decisions WHERE code = ?1 AND verdict = 'duplicate'",
                    [of],
                )?,
            },
            Standing::Withdrawn => Kept::Withdrawn,
            Standing::Unknown => Kept::Unknown,
        };
        let has_duplicates = exists(
            &transaction,
            "SELECT 1 FROM decisions WHERE verdict = 'duplicate' AND duplicate_of = ?1",
            [&decision.code],
        )?;
        check_duplicate(&decision.code, of, kept, has_duplicates)?;
    }
    let (verdict, reason, of) = decision.verdict.parts();
    transaction
        .execute(
            "INSERT INTO decisions (code, verdict, reason, duplicate_of, decided_by, decided_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (code) DO UPDATE SET verdict = excluded.verdict, reason = excluded.reason,
                     duplicate_of = excluded.duplicate_of, decided_by = excluded.decided_by,
                     decided_at = excluded.decided_at",
            params![decision.code, verdict, reason, of, decision.by, decision.at.to_rfc3339()],
        )
        .map_err(failed)?;
    transaction.commit().map_err(failed)?;
    Ok(())
}

fn decisions_now(connection: &mut Connection) -> Result<Vec<Decision>, StoreError> {
    let mut statement = connection
        .prepare("SELECT code, verdict, reason, duplicate_of, decided_by, decided_at FROM decisions ORDER BY code")
        .map_err(failed)?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                (row.get::<_, String>(0)?, row.get::<_, String>(1)?),
                (row.get::<_, Option<String>>(2)?, row.get::<_, Option<String>>(3)?),
                (row.get::<_, String>(4)?, row.get::<_, String>(5)?),
            ))
        })
        .map_err(failed)?;
    let mut all = Vec::new();
    for row in rows {
        let ((code, verdict), (reason, of), (by, at)) = row.map_err(failed)?;
        let verdict = Verdict::from_parts(&verdict, reason, of)
            .ok_or_else(|| StoreError::corrupt(format!("the decision about {code} is not one this store writes")))?;
        let at = stored_time(&at, "the time of the decision", &code)?;
        all.push(Decision { code, verdict, by, at });
    }
    Ok(all)
}

fn withdraw_now(
    connection: &mut Connection,
    code: &str,
    at: DateTime<Utc>,
    by: &str,
) -> Result<Tombstone, RecordError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(failed)?;
    let received_at = match stored(&transaction, code) {
        Ok(received_at) => received_at,
        Err(RecordError::Withdrawn(code)) => {
            // Asked again, as the error after a withdrawal that could not empty the journal
            // says to: the deletion is recorded; finish taking it out of the files. Its
            // messages went in the same transaction; deleting them again costs nothing and
            // keeps the promise the trait makes for stores that delete in steps.
            transaction.execute("DELETE FROM outbox WHERE code = ?1", [&code]).map_err(failed)?;
            forget_final_reason(&transaction, &code)?;
            transaction.commit().map_err(failed)?;
            scrub(connection)?;
            return Err(RecordError::Withdrawn(code));
        }
        Err(err) => return Err(err),
    };
    for table in ["answers", "applicants", "scores", "decisions", "recusals", "outbox"] {
        transaction.execute(&format!("DELETE FROM {table} WHERE code = ?1"), [code]).map_err(failed)?;
    }
    // The submission id keeps its code, so that a late retry of it stores nothing; the digest
    // of what she wrote goes with what she wrote.
    transaction.execute("UPDATE submissions SET digest = NULL WHERE code = ?1", [code]).map_err(failed)?;
    forget_final_reason(&transaction, code)?;
    transaction
        .execute(
            "INSERT INTO withdrawn (code, received_at, withdrawn_at, withdrawn_by) VALUES (?1, ?2, ?3, ?4)",
            params![code, received_at, at.to_rfc3339(), by],
        )
        .map_err(failed)?;
    transaction.commit().map_err(failed)?;
    scrub(connection)?;
    Ok(Tombstone { code: code.to_string(), received_at, withdrawn_at: at, by: by.to_string() })
}

/// A withdrawn application's line in the final list keeps its outcome and loses its reason:
/// the secretariat's free text may describe her.
fn forget_final_reason(connection: &Connection, code: &str) -> Result<(), StoreError> {
    connection.execute("UPDATE final_placed SET reason = NULL WHERE code = ?1", [code]).map_err(failed)?;
    Ok(())
}

fn withdrawn_now(connection: &mut Connection) -> Result<Vec<Tombstone>, StoreError> {
    let mut statement = connection
        .prepare("SELECT code, received_at, withdrawn_at, withdrawn_by FROM withdrawn ORDER BY received_at, code")
        .map_err(failed)?;
    let rows = statement
        .query_map([], |row| {
            let by = row.get::<_, Option<String>>(3)?.unwrap_or_default();
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?, by))
        })
        .map_err(failed)?;
    let mut all = Vec::new();
    for row in rows {
        let (code, received_at, withdrawn_at, by) = row.map_err(failed)?;
        let withdrawn_at = stored_time(&withdrawn_at, "the time of the withdrawal", &code)?;
        all.push(Tombstone { code, received_at, withdrawn_at, by });
    }
    Ok(all)
}

/// `(key, code, received at)` of every row of `query`.
fn received(connection: &Connection, query: &str) -> Result<Vec<(String, String, DateTime<Utc>)>, StoreError> {
    let mut statement = connection.prepare(query).map_err(failed)?;
    let rows = statement
        .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?)))
        .map_err(failed)?;
    let mut all = Vec::new();
    for row in rows {
        let (key, code, received_at) = row.map_err(failed)?;
        let received_at = stored_time(&received_at, "the time received", &code)?;
        all.push((key, code, received_at));
    }
    Ok(all)
}

fn erase_personal_now(connection: &mut Connection, before: DateTime<Utc>) -> Result<Erased, StoreError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(failed)?;
    let mut erased = Erased::default();
    let applicants = received(
        &transaction,
        "SELECT a.code, a.code, s.received_at FROM applicants a JOIN submissions s ON s.code = a.code",
    )?;
    for (code, _, received_at) in applicants {
        if received_at < before {
            transaction.execute("DELETE FROM applicants WHERE code = ?1", [&code]).map_err(failed)?;
            transaction.execute("UPDATE submissions SET digest = NULL WHERE code = ?1", [&code]).map_err(failed)?;
            erased.applicants += 1;
        }
    }
    // Messages to her that are not sent yet can no longer be addressed; sent ones hold
    // nothing of her and keep a later run from sending them again. Every application received
    // before the day, not only those erased now: a run after one that failed part-way
    // finishes it.
    for (code, _, received_at) in received(&transaction, "SELECT code, code, received_at FROM answers")? {
        if received_at < before {
            transaction
                .execute(
                    "DELETE FROM outbox WHERE code = ?1 AND kind IN ('receipt', 'outcome') AND state <> 'sent'",
                    [&code],
                )
                .map_err(failed)?;
        }
    }
    for (submission_id, _, received_at) in
        received(&transaction, "SELECT submission_id, code, received_at FROM suspects")?
    {
        if received_at < before {
            transaction.execute("DELETE FROM suspects WHERE submission_id = ?1", [&submission_id]).map_err(failed)?;
            erased.suspects += 1;
        }
    }
    transaction.commit().map_err(failed)?;
    // Also when nothing was left to erase: a second run finishes an erasure whose scrub failed.
    scrub(connection)?;
    Ok(erased)
}

fn recuse_now(connection: &mut Connection, recusal: &Recusal) -> Result<(), RecordError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(failed)?;
    stored(&transaction, &recusal.code)?;
    transaction
        .execute(
            "INSERT INTO recusals (code, member, reason, recused_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (code, member) DO UPDATE SET reason = excluded.reason, recused_at = excluded.recused_at",
            params![recusal.code, recusal.member, recusal.reason, recusal.at.to_rfc3339()],
        )
        .map_err(failed)?;
    transaction
        .execute("DELETE FROM scores WHERE code = ?1 AND member = ?2", params![recusal.code, recusal.member])
        .map_err(failed)?;
    transaction.commit().map_err(failed)?;
    Ok(())
}

fn recusals_now(connection: &mut Connection) -> Result<Vec<Recusal>, StoreError> {
    let mut statement = connection
        .prepare("SELECT code, member, reason, recused_at FROM recusals ORDER BY code, member")
        .map_err(failed)?;
    let rows = statement
        .query_map([], |row| {
            let by = row.get::<_, Option<String>>(3)?.unwrap_or_default();
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?, by))
        })
        .map_err(failed)?;
    let mut all = Vec::new();
    for row in rows {
        let (code, member, reason, at) = row.map_err(failed)?;
        let at = stored_time(&at, "the time of a recusal", &code)?;
        all.push(Recusal { member, code, reason, at });
    }
    Ok(all)
}

impl Store for SqliteStore {
    async fn save(&self, application: &Application) -> Result<Saved, StoreError> {
        let application = application.clone();
        self.blocking(move |connection| save_now(connection, &application)).await
    }

    async fn save_suspect(&self, suspect: &Suspect) -> Result<Saved, StoreError> {
        let suspect = suspect.clone();
        self.blocking(move |connection| save_suspect_now(connection, &suspect)).await
    }
}

impl CommissionStore for SqliteStore {
    async fn record_final(&self, list: &FinalList) -> Result<(), RecordError> {
        let list = list.clone();
        self.blocking(move |connection| record_final_now(connection, &list)).await
    }

    async fn freeze_final(
        &self,
        recorded_at: DateTime<Utc>,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<FinalList, RecordError> {
        let by = by.to_string();
        self.blocking(move |connection| freeze_final_now(connection, recorded_at, &by, at)).await
    }

    async fn final_list(&self) -> Result<Option<FinalList>, StoreError> {
        self.blocking(final_list_now).await
    }

    async fn answers(&self) -> Result<Vec<StoredAnswers>, StoreError> {
        self.blocking(answers_now).await
    }

    async fn personal(&self, code: &str) -> Result<Option<BTreeMap<String, String>>, StoreError> {
        let code = code.to_string();
        self.blocking(move |connection| personal_now(connection, &code)).await
    }

    async fn save_scores(&self, member: &str, sheet: &[Scores], overwrite: bool) -> Result<(), ScoresError> {
        let (member, sheet) = (member.to_string(), sheet.to_vec());
        self.blocking(move |connection| save_scores_now(connection, &member, &sheet, overwrite)).await
    }

    async fn scores(&self) -> Result<Vec<Scores>, StoreError> {
        self.blocking(scores_now).await
    }

    async fn suspects(&self) -> Result<Vec<(String, Fields)>, StoreError> {
        self.blocking(suspects_now).await
    }
    async fn decide(&self, decision: &Decision) -> Result<(), RecordError> {
        let decision = decision.clone();
        self.blocking(move |connection| decide_now(connection, &decision)).await
    }

    async fn decisions(&self) -> Result<Vec<Decision>, StoreError> {
        self.blocking(decisions_now).await
    }

    async fn withdraw(&self, code: &str, at: DateTime<Utc>, by: &str) -> Result<Tombstone, RecordError> {
        let (code, by) = (code.to_string(), by.to_string());
        self.blocking(move |connection| withdraw_now(connection, &code, at, &by)).await
    }

    async fn withdrawn(&self) -> Result<Vec<Tombstone>, StoreError> {
        self.blocking(withdrawn_now).await
    }

    async fn erase_personal(&self, before: DateTime<Utc>) -> Result<Erased, StoreError> {
        self.blocking(move |connection| erase_personal_now(connection, before)).await
    }

    async fn recuse(&self, recusal: &Recusal) -> Result<(), RecordError> {
        let recusal = recusal.clone();
        self.blocking(move |connection| recuse_now(connection, &recusal)).await
    }

    async fn recusals(&self) -> Result<Vec<Recusal>, StoreError> {
        self.blocking(recusals_now).await
    }
}

/// Creates the file at `path` readable and writable by its owner only, or takes that right
/// from everyone else on a file that exists.
fn private_file(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    let fail = |err: std::io::Error| {
        StoreError::misconfigured(format!("cannot make {} readable by its owner only: {err}", path.display()))
            .with_source(err)
    };
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            let mode = std::fs::metadata(path).map_err(fail)?.permissions().mode();
            if mode & 0o077 != 0 {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700)).map_err(fail)?;
            }
            Ok(())
        }
        Err(err) => Err(fail(err)),
    }
}

impl Outbox for SqliteStore {
    async fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        self.blocking(outbox_now).await
    }

    async fn enqueue(&self, kind: MessageKind, code: &str, lang: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let (code, lang) = (code.to_string(), lang.to_string());
        self.blocking(move |connection| enqueue_now(connection, kind, &code, &lang, now)).await
    }

    async fn claim(
        &self,
        kind: MessageKind,
        code: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<OutboxEntry>, StoreError> {
        let code = code.to_string();
        self.blocking(move |connection| claim_now(connection, kind, &code, now, lease_until)).await
    }

    async fn settle(
        &self,
        kind: MessageKind,
        code: &str,
        claimed_attempts: u32,
        delivery: &Delivery,
    ) -> Result<bool, StoreError> {
        let (code, delivery) = (code.to_string(), StoredDelivery::of(delivery));
        self.blocking(move |connection| settle_now(connection, kind, &code, claimed_attempts, &delivery)).await
    }

    async fn addressee(&self, code: &str) -> Result<Option<Addressee>, StoreError> {
        let code = code.to_string();
        self.blocking(move |connection| addressee_now(connection, &code)).await
    }
}

/// The columns [`read_entry`] reads, in its order.
const ENTRY_COLUMNS: &str =
    "kind, code, lang, created_at, state, attempts, due, lease_until, settled_at, message_id, reason";

fn read_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String, String, StoredDelivery)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        StoredDelivery {
            state: row.get(4)?,
            attempts: row.get(5)?,
            due: row.get(6)?,
            lease_until: row.get(7)?,
            settled_at: row.get(8)?,
            message_id: row.get(9)?,
            reason: row.get(10)?,
        },
    ))
}

fn outbox_now(connection: &mut Connection) -> Result<Vec<OutboxEntry>, StoreError> {
    let mut statement = connection.prepare(&format!("SELECT {ENTRY_COLUMNS} FROM outbox")).map_err(failed)?;
    let rows = statement.query_map([], read_entry).map_err(failed)?;
    let mut all = Vec::new();
    for row in rows {
        let (kind, code, lang, created_at, delivery) = row.map_err(failed)?;
        all.push(entry(&kind, code, lang, &created_at, delivery)?);
    }
    all.sort_by(|a, b| (a.kind, &a.code).cmp(&(b.kind, &b.code)));
    Ok(all)
}

fn enqueue_now(
    connection: &mut Connection,
    kind: MessageKind,
    code: &str,
    lang: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    // One statement: the application must be stored, and no entry of this kind and code be.
    let added = connection
        .execute(
            "INSERT INTO outbox (kind, code, lang, created_at, state, attempts, due)
                 SELECT ?1, ?2, ?3, ?4, 'pending', 0, ?4 WHERE EXISTS (SELECT 1 FROM answers WHERE code = ?2)
                 ON CONFLICT (kind, code) DO NOTHING",
            params![kind.key(), code, lang, outbox_time(now)],
        )
        .map_err(failed)?;
    Ok(added == 1)
}

fn claim_now(
    connection: &mut Connection,
    kind: MessageKind,
    code: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<OutboxEntry>, StoreError> {
    // One conditional write: of two senders, the second finds it `sending` and changes nothing.
    let claimed = connection
        .query_row(
            &format!(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1, due = NULL, lease_until = ?3
                     WHERE kind = ?1 AND code = ?2
                         AND ((state = 'pending' AND due <= ?4) OR (state = 'sending' AND lease_until <= ?4))
                     RETURNING {ENTRY_COLUMNS}"
            ),
            params![kind.key(), code, outbox_time(lease_until), outbox_time(now)],
            read_entry,
        )
        .optional()
        .map_err(failed)?;
    claimed.map(|(kind, code, lang, created_at, delivery)| entry(&kind, code, lang, &created_at, delivery)).transpose()
}

fn settle_now(
    connection: &mut Connection,
    kind: MessageKind,
    code: &str,
    claimed_attempts: u32,
    delivery: &StoredDelivery,
) -> Result<bool, StoreError> {
    let settled = connection
        .execute(
            "UPDATE outbox SET state = ?4, attempts = ?5, due = ?6, lease_until = ?7, settled_at = ?8,
                     message_id = ?9, reason = ?10
                 WHERE kind = ?1 AND code = ?2 AND state = ?11 AND attempts = ?3",
            params![
                kind.key(),
                code,
                claimed_attempts,
                delivery.state,
                delivery.attempts,
                delivery.due,
                delivery.lease_until,
                delivery.settled_at,
                delivery.message_id,
                delivery.reason,
                SENDING
            ],
        )
        .map_err(failed)?;
    Ok(settled == 1)
}

fn addressee_now(connection: &mut Connection, code: &str) -> Result<Option<Addressee>, StoreError> {
    let Some(answers) = read_answers(connection, "WHERE code = ?1", [code])?.into_iter().next() else {
        return Ok(None);
    };
    let personal = personal_now(connection, code)?;
    Ok(Some(Addressee { answers, personal }))
}

/// Who froze the final list and when, if it is.
fn frozen(connection: &Connection) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
    let row: Option<(Option<String>, Option<String>)> = connection
        .query_row("SELECT frozen_by, frozen_at FROM final_list WHERE id = 1", [], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()
        .map_err(failed)?;
    match row {
        Some((Some(by), Some(at))) => Ok(Some((by, stored_time(&at, "the time of freezing", "the final list")?))),
        _ => Ok(None),
    }
}

fn record_final_now(connection: &mut Connection, list: &FinalList) -> Result<(), RecordError> {
    check_lines(list)?;
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(failed)?;
    if let Some((by, at)) = frozen(&transaction)? {
        return Err(RecordError::Frozen { by, at });
    }
    for line in &list.placed {
        stored(&transaction, &line.code)?;
    }
    transaction.execute("DELETE FROM final_placed", []).map_err(failed)?;
    for line in &list.placed {
        transaction
            .execute(
                "INSERT INTO final_placed (code, outcome, proposed, reason) VALUES (?1, ?2, ?3, ?4)",
                params![line.code, line.outcome.key(), line.proposed.key(), line.reason],
            )
            .map_err(failed)?;
    }
    // Recording never freezes: `list.frozen` is not read (only freeze_final freezes).
    transaction
        .execute(
            "INSERT INTO final_list (id, recorded_by, recorded_at) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
            params![list.recorded_by, list.recorded_at.to_rfc3339()],
        )
        .map_err(failed)?;
    transaction.commit().map_err(failed)?;
    Ok(())
}

fn freeze_final_now(
    connection: &mut Connection,
    seen: DateTime<Utc>,
    by: &str,
    at: DateTime<Utc>,
) -> Result<FinalList, RecordError> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(failed)?;
    if let Some((by, at)) = frozen(&transaction)? {
        return Err(RecordError::Frozen { by, at });
    }
    // The list the user confirmed, or nothing: recorded again since, it is not what she saw.
    match read_final_list(&transaction)? {
        None => return Err(RecordError::NoFinalList),
        Some(list) if list.recorded_at != seen => {
            return Err(RecordError::ListChanged { by: list.recorded_by, at: list.recorded_at })
        }
        Some(_) => {}
    }
    let updated = transaction
        .execute("UPDATE final_list SET frozen_by = ?1, frozen_at = ?2 WHERE id = 1", params![by, at.to_rfc3339()])
        .map_err(failed)?;
    if updated == 0 {
        return Err(RecordError::NoFinalList);
    }
    let list = read_final_list(&transaction)?
        .ok_or_else(|| StoreError::corrupt("the final list vanished while it was frozen"))?;
    transaction.commit().map_err(failed)?;
    Ok(list)
}

fn final_list_now(connection: &mut Connection) -> Result<Option<FinalList>, StoreError> {
    read_final_list(connection)
}

fn read_final_list(connection: &Connection) -> Result<Option<FinalList>, StoreError> {
    let recorded: Option<(String, String)> = connection
        .query_row("SELECT recorded_by, recorded_at FROM final_list WHERE id = 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()
        .map_err(failed)?;
    let Some((recorded_by, recorded_at)) = recorded else {
        return Ok(None);
    };
    let mut statement =
        connection.prepare("SELECT code, outcome, proposed, reason FROM final_placed ORDER BY code").map_err(failed)?;
    let rows = statement
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?, row.get(3)?))
        })
        .map_err(failed)?;
    let mut placed = Vec::new();
    for row in rows {
        let (code, outcome, proposed, reason) = row.map_err(failed)?;
        let outcome_of = |key: &str| {
            Outcome::from_key(key)
                .ok_or_else(|| StoreError::corrupt(format!("the final list holds an unknown outcome {key} for {code}")))
        };
        placed.push(Placed { outcome: outcome_of(&outcome)?, proposed: outcome_of(&proposed)?, reason, code });
    }
    Ok(Some(FinalList {
        placed,
        recorded_at: stored_time(&recorded_at, "the time recorded", "the final list")?,
        recorded_by,
        frozen: frozen(connection)?,
    }))
}
