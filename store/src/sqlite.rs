//! The embedded store: one SQLite file, written durably (WAL, full sync), safe for
//! concurrent requests in one process and for several processes on one file.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::application::{new_code, Application, Category, Fields, StoredAnswers, Suspect};
use crate::{CommissionStore, Saved, Scores, ScoresError, Store, StoreError, StoreErrorKind};

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
    answers TEXT NOT NULL
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
";

/// Columns added since the first files were written: `CREATE TABLE IF NOT EXISTS` leaves an
/// older file's tables as they are, so these are added to it on open.
const ADDED_COLUMNS: &[(&str, &str, &str)] =
    &[("submissions", "digest", "TEXT"), ("suspects", "expires_at", "INTEGER"), ("suspects", "digest", "TEXT")];

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
        connection
            .execute_batch(&format!(
                "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
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
            "INSERT INTO answers (code, lang, category, received_at, answers) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![code, application.lang, application.category.key(), received_at, answers],
        )
        .map_err(failed)?;
    transaction
        .execute("INSERT INTO applicants (code, personal) VALUES (?1, ?2)", params![code, personal])
        .map_err(failed)?;
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
    let mut statement = connection
        .prepare("SELECT code, lang, category, received_at, answers FROM answers ORDER BY received_at, code")
        .map_err(failed)?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
            ))
        })
        .map_err(failed)?;
    let mut all = Vec::new();
    for row in rows {
        let (code, lang, category, received_at, answers) = row.map_err(failed)?;
        all.push(StoredAnswers {
            category: Category::from_key(&category)
                .ok_or_else(|| StoreError::corrupt(format!("unknown category {category} for {code}")))?,
            answers: serde_json::from_str(&answers).map_err(|err| corrupt_json("the answers", &code, err))?,
            code,
            lang,
            received_at,
            channel: crate::Channel::Online,
            entered_by: None,
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
        let known: bool = transaction
            .query_row("SELECT EXISTS (SELECT 1 FROM answers WHERE code = ?1)", [&row.code], |r| r.get(0))
            .map_err(failed)?;
        if !known {
            return Err(ScoresError::UnknownCode(row.code.clone()));
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
    async fn decide(&self, _decision: &crate::Decision) -> Result<(), crate::RecordError> {
        Err(StoreError::misconfigured("not built yet").into())
    }

    async fn decisions(&self) -> Result<Vec<crate::Decision>, StoreError> {
        Err(StoreError::misconfigured("not built yet"))
    }

    async fn withdraw(
        &self,
        _code: &str,
        _at: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::Tombstone, crate::RecordError> {
        Err(StoreError::misconfigured("not built yet").into())
    }

    async fn withdrawn(&self) -> Result<Vec<crate::Tombstone>, StoreError> {
        Err(StoreError::misconfigured("not built yet"))
    }

    async fn erase_personal(&self, _before: chrono::DateTime<chrono::Utc>) -> Result<crate::Erased, StoreError> {
        Err(StoreError::misconfigured("not built yet"))
    }

    async fn recuse(&self, _recusal: &crate::Recusal) -> Result<(), crate::RecordError> {
        Err(StoreError::misconfigured("not built yet").into())
    }

    async fn recusals(&self) -> Result<Vec<crate::Recusal>, StoreError> {
        Err(StoreError::misconfigured("not built yet"))
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
