//! The embedded store: one SQLite file, written durably (WAL, full sync), safe for
//! concurrent requests in one process and for several processes on one file.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::{Saved, Scores, ScoresError, Store, StoreError};
use crate::application::{new_code, Application, Category, Fields, StoredAnswers, Suspect};

pub struct SqliteStore {
    connection: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS submissions (
    submission_id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    received_at TEXT NOT NULL
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
-- What the honeypot caught.
CREATE TABLE IF NOT EXISTS suspects (
    submission_id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    lang TEXT NOT NULL,
    received_at TEXT NOT NULL,
    fields TEXT NOT NULL
);
";

fn failed(err: impl std::fmt::Display) -> StoreError {
    StoreError(err.to_string())
}

impl SqliteStore {
    /// Opens (creating when needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|err| StoreError(format!("creating {}: {err}", dir.display())))?;
        }
        let connection =
            Connection::open(path).map_err(|err| StoreError(format!("opening {}: {err}", path.display())))?;
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;")
            .map_err(failed)?;
        connection.execute_batch(SCHEMA).map_err(failed)?;
        Ok(Self { connection: Mutex::new(connection) })
    }

    fn save_now(&self, application: &Application) -> Result<Saved, StoreError> {
        let mut connection = self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(failed)?;
        let received_at = application.received_at.to_rfc3339();
        let code = loop {
            let code = new_code();
            // The conditional write: a known submission id inserts nothing.
            let inserted = transaction.execute(
                "INSERT INTO submissions (submission_id, code, received_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (submission_id) DO NOTHING",
                params![application.submission_id, code, received_at],
            );
            match inserted {
                Ok(0) => {
                    let existing: String = transaction
                        .query_row(
                            "SELECT code FROM submissions WHERE submission_id = ?1",
                            [&application.submission_id],
                            |row| row.get(0),
                        )
                        .map_err(failed)?;
                    transaction.commit().map_err(failed)?;
                    return Ok(Saved { code: existing, created: false });
                }
                Ok(_) => break code,
                // The random code was taken already: draw again.
                Err(rusqlite::Error::SqliteFailure(err, _)) if err.code == rusqlite::ErrorCode::ConstraintViolation => {
                    continue
                }
                Err(err) => return Err(failed(err)),
            }
        };
        let answers = serde_json::to_string(&application.answers).map_err(failed)?;
        let personal = serde_json::to_string(&application.personal).map_err(failed)?;
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
        Ok(Saved { code, created: true })
    }

    fn save_suspect_now(&self, suspect: &Suspect) -> Result<Saved, StoreError> {
        let connection = self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let fields = serde_json::to_string(&suspect.fields).map_err(failed)?;
        let code = new_code();
        let inserted = connection
            .execute(
                "INSERT INTO suspects (submission_id, code, lang, received_at, fields) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (submission_id) DO NOTHING",
                params![suspect.submission_id, code, suspect.lang, suspect.received_at.to_rfc3339(), fields],
            )
            .map_err(failed)?;
        if inserted == 1 {
            return Ok(Saved { code, created: true });
        }
        let code = connection
            .query_row("SELECT code FROM suspects WHERE submission_id = ?1", [&suspect.submission_id], |row| row.get(0))
            .map_err(failed)?;
        Ok(Saved { code, created: false })
    }

    fn answers_now(&self) -> Result<Vec<StoredAnswers>, StoreError> {
        let connection = self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
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
                    .ok_or_else(|| StoreError(format!("unknown category {category} for {code}")))?,
                answers: serde_json::from_str(&answers).map_err(failed)?,
                code,
                lang,
                received_at,
            });
        }
        Ok(all)
    }

    fn personal_now(&self, code: &str) -> Result<Option<BTreeMap<String, String>>, StoreError> {
        let connection = self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let personal: Option<String> = connection
            .query_row("SELECT personal FROM applicants WHERE code = ?1", [code], |row| row.get(0))
            .optional()
            .map_err(failed)?;
        personal.map(|text| serde_json::from_str(&text).map_err(failed)).transpose()
    }

    fn save_scores_now(&self, member: &str, sheet: &[Scores], overwrite: bool) -> Result<(), ScoresError> {
        let mut connection = self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
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
            let scores = serde_json::to_string(&row.scores).map_err(failed)?;
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

    fn scores_now(&self) -> Result<Vec<Scores>, StoreError> {
        let connection = self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut statement =
            connection.prepare("SELECT code, member, scores FROM scores ORDER BY code, member").map_err(failed)?;
        let rows = statement
            .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?)))
            .map_err(failed)?;
        let mut all = Vec::new();
        for row in rows {
            let (code, member, scores) = row.map_err(failed)?;
            all.push(Scores { code, member, scores: serde_json::from_str(&scores).map_err(failed)? });
        }
        Ok(all)
    }

    fn suspects_now(&self) -> Result<Vec<(String, Fields)>, StoreError> {
        let connection = self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut statement =
            connection.prepare("SELECT code, fields FROM suspects ORDER BY received_at, code").map_err(failed)?;
        let rows =
            statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))).map_err(failed)?;
        let mut all = Vec::new();
        for row in rows {
            let (code, fields) = row.map_err(failed)?;
            all.push((code, serde_json::from_str(&fields).map_err(failed)?));
        }
        Ok(all)
    }
}

impl Store for SqliteStore {
    async fn save(&self, application: &Application) -> Result<Saved, StoreError> {
        self.save_now(application)
    }

    async fn save_suspect(&self, suspect: &Suspect) -> Result<Saved, StoreError> {
        self.save_suspect_now(suspect)
    }

    async fn answers(&self) -> Result<Vec<StoredAnswers>, StoreError> {
        self.answers_now()
    }

    async fn personal(&self, code: &str) -> Result<Option<BTreeMap<String, String>>, StoreError> {
        self.personal_now(code)
    }

    async fn save_scores(&self, member: &str, sheet: &[Scores], overwrite: bool) -> Result<(), ScoresError> {
        self.save_scores_now(member, sheet, overwrite)
    }

    async fn scores(&self) -> Result<Vec<Scores>, StoreError> {
        self.scores_now()
    }

    async fn suspects(&self) -> Result<Vec<(String, Fields)>, StoreError> {
        self.suspects_now()
    }
}
