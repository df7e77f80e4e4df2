//! `applications`: what the intake has stored, and the secretariat's checking of it.
//!
//!     applications list [--personal] [--suspects]
//!     applications check [--personal] [--lang ky|ru]
//!     applications decide CODE eligible|ineligible|duplicate [--reason TEXT] [--of CODE] --by NAME
//!     applications withdraw CODE --by NAME [--yes]
//!     applications erase-personal --before YYYY-MM-DD [--yes]
//!     applications show CODE [--personal] [--lang ky|ru] [--out FILE]
//!     applications enter --by NAME [--port N]
//!
//! Every command takes `--store FILE` (the embedded store) or `--dynamodb` (the tables named
//! by APPLICATIONS_TABLE and APPLICANTS_TABLE; DYNAMODB_ENDPOINT for a local server), and
//! `--content DIR` where `check`, `show` and `erase-personal` read the form, the schedule and
//! the commission's words. Personal data (names, contacts) is printed only by `list
//! --personal` and `check`, which the secretariat runs at its own terminal, and written only
//! by `show --personal`, to a file readable by its owner. Stored text is printed one value a
//! line, its invisible characters written out (`<U+202E>`, `<U+000A>`). Nothing is logged.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone as _, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use commission::checking::{self, Age, Checked, Rules};
use commission::dossier::{self, bishkek, bishkek_moment, bishkek_time, Dossier};
use commission::{one_line, write_private, CommissionContent};
use content_model::Schedule;
use store::{CommissionStore, Decision, RecordError, SqliteStore, StoreError, StoredAnswers, Verdict};

/// What the intake has stored, and the secretariat's checking of it.
#[derive(Parser)]
struct Cli {
    /// The embedded store (what `generator serve` writes).
    #[arg(long, value_name = "FILE", default_value = ".mektep/applications.sqlite", global = true)]
    store: PathBuf,
    /// Use DynamoDB instead (APPLICATIONS_TABLE, APPLICANTS_TABLE, DYNAMODB_ENDPOINT).
    #[arg(long, global = true)]
    dynamodb: bool,
    /// The site's content: the form, the schedule's deadline and the commission's words.
    #[arg(long, value_name = "DIR", default_value = "content", global = true)]
    content: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the applications: code, age category, language, time received, channel and
    /// checking decision (times in Bishkek, UTC+6); then the withdrawn ones.
    List {
        /// Add names and contacts (for the secretariat only).
        #[arg(long)]
        personal: bool,
        /// List what the honeypot caught instead (kept apart, not applications).
        #[arg(long)]
        suspects: bool,
    },
    /// Key in applications that came on paper or by e-mail, through the site's form served
    /// on 127.0.0.1 (in a browser): prints the page's address.
    Enter(commission::entry::EnterArgs),
    /// Show what to decide about each application: completeness, age on the deadline day,
    /// likely duplicates, and the decision so far. Prints names (for the secretariat only).
    Check {
        /// The language of the report.
        #[arg(long, default_value = "ky")]
        lang: String,
        /// Add each applicant's name and birth date (for the secretariat only): without it,
        /// the report can be shown to anyone, as `list` can.
        #[arg(long)]
        personal: bool,
    },
    /// Record the checking decision about one application; it replaces any earlier one.
    Decide {
        /// The application's code.
        code: String,
        verdict: VerdictArg,
        /// Why it is set aside (for `ineligible` only).
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        /// The code of the application kept (for `duplicate` only).
        #[arg(long, value_name = "CODE")]
        of: Option<String>,
        /// Who decides; MEKTEP_SECRETARY when not given.
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// Withdraw one application at its applicant's request: its answers, personal data,
    /// scores, decision and recusals are removed for good; a tombstone (code, received,
    /// withdrawn) stays so that counts stay honest.
    Withdraw {
        /// The application's code.
        code: String,
        /// Who records the withdrawal; MEKTEP_SECRETARY when not given.
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        /// Do not ask to type the code again (for scripts).
        #[arg(long)]
        yes: bool,
    },
    /// Erase every applicant's personal data received before a day, after the programme:
    /// answers, decisions and scores stay for its reports.
    ErasePersonal {
        /// Erase what was received before this day (YYYY-MM-DD, from 00:00 Bishkek time).
        #[arg(long, value_name = "DATE")]
        before: String,
        /// Do not ask to confirm (for scripts).
        #[arg(long)]
        yes: bool,
    },
    /// Write one application as a printable page (A4): every answer, how and when it came,
    /// who keyed it in, the checking decision.
    Show {
        /// The application's code.
        code: String,
        /// Add the personal data (the file is then readable by you only).
        #[arg(long)]
        personal: bool,
        /// The language of the page.
        #[arg(long, default_value = "ky")]
        lang: String,
        /// Where to write the page [default: application-CODE.html].
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// The verdicts `decide` records.
#[derive(Clone, Copy, ValueEnum)]
enum VerdictArg {
    /// Complete, 18 or over on the deadline day, rural, no similar school before: scored.
    Eligible,
    /// Set aside, with `--reason`.
    Ineligible,
    /// Set aside as another application's duplicate, named with `--of`.
    Duplicate,
}

/// What an error says: a sentence for the secretariat, never an applicant's data.
type Failure = String;

fn store_failed(err: StoreError) -> Failure {
    err.to_string()
}

fn record_failed(err: RecordError) -> Failure {
    format!("{err}: nothing was changed")
}

/// The secretariat's name from `--by` or MEKTEP_SECRETARY, checked like an answer.
fn secretary(by: Option<&str>) -> Result<String, Failure> {
    let by = match by {
        Some(by) => by.to_string(),
        None => std::env::var("MEKTEP_SECRETARY").unwrap_or_default(),
    };
    short_text("--by", &by, 100).map_err(|why| {
        if by.trim().is_empty() {
            "--by NAME is required (or MEKTEP_SECRETARY), to say who did it; nothing was changed".into()
        } else {
            why
        }
    })
}

/// `value` trimmed, when it is one line of at most `max` visible characters; otherwise an
/// error naming `field`.
fn short_text(field: &str, value: &str, max: usize) -> Result<String, Failure> {
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("{field} is empty: nothing was changed"));
    }
    if value.chars().any(|c| c.is_control() || store::is_invisible(c)) {
        return Err(format!(
            "{field} holds invisible or control characters ({}): type it again; nothing was changed",
            one_line(value)
        ));
    }
    if value.chars().count() > max {
        return Err(format!("{field} is longer than {max} characters: nothing was changed"));
    }
    Ok(value.to_string())
}

/// A decision as `list` prints it.
fn decision_line(decision: Option<&Decision>) -> String {
    let Some(decision) = decision else {
        return "unchecked".into();
    };
    let at = bishkek_moment(decision.at);
    let by = one_line(&decision.by);
    match &decision.verdict {
        Verdict::Eligible => format!("eligible by {by} at {at}"),
        Verdict::Ineligible { reason } => format!("ineligible by {by} at {at}: {}", one_line(reason)),
        Verdict::Duplicate { of } => format!("duplicate of {} by {by} at {at}", one_line(of)),
    }
}

async fn decisions_by_code(store: &impl CommissionStore) -> Result<BTreeMap<String, Decision>, Failure> {
    let decisions = store.decisions().await.map_err(store_failed)?;
    Ok(decisions.into_iter().map(|decision| (decision.code.clone(), decision)).collect())
}

async fn list(store: &impl CommissionStore, personal: bool, suspects: bool) -> Result<(), Failure> {
    if suspects {
        let suspects = store.suspects().await.map_err(store_failed)?;
        println!("{} submissions caught by the honeypot (kept apart, not applications)", suspects.len());
        for (code, fields) in suspects {
            let names: Vec<Cow<'_, str>> = fields.keys().map(|name| one_line(name)).collect();
            println!("{}  fields: {}", one_line(&code), names.join(", "));
        }
        return Ok(());
    }
    let all = store.answers().await.map_err(store_failed)?;
    let decisions = decisions_by_code(store).await?;
    let withdrawn = store.withdrawn().await.map_err(store_failed)?;
    let count = |key: &str| all.iter().filter(|a| a.category.key() == key).count();
    println!(
        "{} applications: {} aged 28 and over, {} under 28; {} withdrawn",
        all.len(),
        count("aged_28_and_over"),
        count("under_28"),
        withdrawn.len()
    );
    for application in &all {
        print!(
            "{}  {:<16}  {}  {}  {:<6}  {}",
            one_line(&application.code),
            application.category.key(),
            one_line(&application.lang),
            one_line(&bishkek_time(&application.received_at)),
            application.channel.key(),
            decision_line(decisions.get(&application.code))
        );
        if personal {
            if let Some(personal) = store.personal(&application.code).await.map_err(store_failed)? {
                let fields: Vec<String> =
                    personal.iter().map(|(k, v)| format!("{}={}", one_line(k), one_line(v))).collect();
                print!("  {}", fields.join("; "));
            }
        }
        println!();
    }
    for tombstone in &withdrawn {
        println!(
            "{}  withdrawn  received {}  withdrawn {} by {}",
            one_line(&tombstone.code),
            one_line(&bishkek_time(&tombstone.received_at)),
            bishkek_moment(tombstone.withdrawn_at),
            one_line(&tombstone.by)
        );
    }
    Ok(())
}

/// The content `check`, `show` and `erase-personal` read, with the deadline of the schedule.
struct Content {
    commission: CommissionContent,
    deadline: DateTime<FixedOffset>,
}

fn load_content(dir: &Path) -> Result<Content, Failure> {
    let joined = |errors: Vec<content_model::ContentError>| {
        errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
    };
    let commission = CommissionContent::load(dir).map_err(joined)?;
    let file = dir.join("schedule.toml");
    let text = std::fs::read_to_string(&file).map_err(|err| format!("{}: {err}", file.display()))?;
    let schedule = Schedule::parse(&file, &text, &commission.languages).map_err(joined)?;
    let deadline = schedule
        .deadline
        .map(|deadline| deadline.at)
        .ok_or_else(|| format!("{}: there is no [deadline]: ages are counted on its day", file.display()))?;
    Ok(Content { commission, deadline })
}

async fn check(
    store: &impl CommissionStore,
    content: &Content,
    lang: &str,
    show_personal: bool,
) -> Result<(), Failure> {
    let lang = content.commission.language(lang)?;
    let selection = &content.commission.selection;
    let text = |key: &str, values: &[(&str, &str)]| selection.text(key, lang, values);
    let applications = store.answers().await.map_err(store_failed)?;
    let decisions = decisions_by_code(store).await?;
    let mut personal = Vec::with_capacity(applications.len());
    for application in &applications {
        personal.push(store.personal(&application.code).await.map_err(store_failed)?);
    }
    let checked: Vec<Checked<'_>> = applications
        .iter()
        .zip(&personal)
        .map(|(application, personal)| Checked {
            application,
            personal: personal.as_ref(),
            decision: decisions.get(&application.code),
        })
        .collect();
    let rules = Rules { form: &content.commission.form, deadline: content.deadline };
    let findings = checking::check(&rules, &checked);
    let deadline_day = content.deadline.date_naive().to_string();
    println!("{}", text("check_header", &[("count", &findings.len().to_string()), ("date", &deadline_day)]));
    for (finding, personal) in findings.iter().zip(&personal) {
        let application = finding.application;
        let birth = personal.as_ref().and_then(|personal| personal.get(&rules.form.age.field));
        let who: Vec<Cow<'_, str>> = finding.name.into_iter().chain(birth.map(String::as_str)).map(one_line).collect();
        let who = match (show_personal, who.is_empty()) {
            (false, _) => String::new(),
            (true, true) => "  —".to_string(),
            (true, false) => format!("  {}", who.join(", ")),
        };
        println!(
            "\n{}{who}  ·  {}  ·  {}",
            one_line(&application.code),
            dossier::channel_text(selection, application.channel, lang),
            bishkek_time(&application.received_at)
        );
        if finding.personal_erased {
            println!("  {}", text("check_personal_erased", &[]));
        }
        if finding.missing.is_empty() {
            if !finding.personal_erased {
                println!("  {}", text("check_complete", &[]));
            }
        } else {
            println!("  {}", text("check_missing", &[("questions", &finding.missing.join(", "))]));
        }
        let group = |key: &str| text(&format!("category_{key}"), &[]);
        match &finding.age {
            Age::Known { years, category, under_minimum } => {
                println!(
                    "  {}",
                    text(
                        "check_age",
                        &[("date", &deadline_day), ("years", &years.to_string()), ("group", &group(category.key()))]
                    )
                );
                if *under_minimum {
                    println!(
                        "  ! {}",
                        text("check_under_minimum", &[("minimum", &rules.form.age.minimum.to_string())])
                    );
                }
                if *category != application.category {
                    println!("  ! {}", text("check_group_differs", &[("group", &group(application.category.key()))]));
                }
            }
            Age::Unknown if !finding.personal_erased => println!("  ! {}", text("check_age_unknown", &[])),
            Age::Unknown => {}
        }
        if finding.likely_duplicates.is_empty() {
            if !finding.personal_erased {
                println!("  {}", text("check_no_duplicates", &[]));
            }
        } else {
            let list: Vec<String> = finding
                .likely_duplicates
                .iter()
                .map(|(code, likeness)| {
                    let why: Vec<String> = likeness.iter().map(|l| text(l.text_key(), &[])).collect();
                    format!("{} ({})", one_line(code), why.join(", "))
                })
                .collect();
            println!("  ! {}", text("check_likely_duplicates", &[("list", &list.join("; "))]));
        }
        println!(
            "  {}",
            text("check_decision", &[("decision", &dossier::decision_text(selection, finding.decision, lang))])
        );
    }
    let unchecked = findings.iter().filter(|f| f.decision.is_none()).count();
    let set_aside = findings.iter().filter(|f| f.decision.is_some_and(|d| d.verdict.sets_aside())).count();
    let eligible = findings.len() - unchecked - set_aside;
    println!(
        "\n{}",
        text(
            "check_summary",
            &[
                ("unchecked", &unchecked.to_string()),
                ("eligible", &eligible.to_string()),
                ("set_aside", &set_aside.to_string())
            ]
        )
    );
    Ok(())
}

/// Checks what was typed for `decide` and makes the decision, before the store is touched.
fn decision(
    code: &str,
    verdict: VerdictArg,
    reason: Option<&str>,
    of: Option<&str>,
    by: Option<&str>,
) -> Result<Decision, Failure> {
    // As typed, its invisible characters written out, for the messages.
    let shown = one_line(code);
    let verdict = match (verdict, reason, of) {
        (VerdictArg::Eligible, None, None) => Verdict::Eligible,
        (VerdictArg::Ineligible, Some(reason), None) => {
            Verdict::Ineligible { reason: short_text("--reason", reason, 500)? }
        }
        (VerdictArg::Ineligible, None, _) => {
            return Err(format!(
                "{shown}: ineligible needs --reason TEXT, the reason it is set aside; nothing was changed"
            ))
        }
        (VerdictArg::Duplicate, None, Some(of)) => {
            let of = of.trim();
            if of == code.trim() {
                return Err(format!(
                    "{shown} cannot be a duplicate of itself: --of names the application kept; nothing was changed"
                ));
            }
            Verdict::Duplicate { of: of.to_string() }
        }
        (VerdictArg::Duplicate, _, None) => {
            return Err(format!("{shown}: duplicate needs --of CODE, the application kept; nothing was changed"))
        }
        (_, Some(_), _) => return Err(format!("{shown}: --reason is only for ineligible; nothing was changed")),
        (_, _, Some(_)) => return Err(format!("{shown}: --of is only for duplicate; nothing was changed")),
    };
    Ok(Decision { code: code.trim().to_string(), verdict, by: secretary(by)?, at: Utc::now() })
}

async fn decide(store: &impl CommissionStore, decision: &Decision) -> Result<(), Failure> {
    let mut decisions = decisions_by_code(store).await?;
    if let Verdict::Duplicate { of } = &decision.verdict {
        // The store refuses these too; here the secretariat is told which, in its words.
        let all = store.answers().await.map_err(store_failed)?;
        let why = match decisions.get(of).map(|kept| &kept.verdict) {
            _ if !all.iter().any(|application| &application.code == of) => {
                find(store, &all, of).await.err().unwrap_or_default()
            }
            Some(Verdict::Duplicate { of: kept }) => {
                format!("{} is itself a duplicate of {}: name the application kept", one_line(of), one_line(kept))
            }
            _ => String::new(),
        };
        if !why.is_empty() {
            return Err(format!(
                "{} cannot be a duplicate of {}: {why}; nothing was changed",
                one_line(&decision.code),
                one_line(of)
            ));
        }
    }
    let earlier = decisions.remove(&decision.code);
    store.decide(decision).await.map_err(record_failed)?;
    println!("{}: {}", one_line(&decision.code), decision_line(Some(decision)));
    if let Some(earlier) = earlier {
        println!("  replaces: {}", decision_line(Some(&earlier)));
    }
    // Applications set aside as duplicates of this one now point at one that is set aside too:
    // the applicant would have none left in the ranking unless they are decided again.
    let pointing: Vec<Cow<'_, str>> = decisions
        .values()
        .filter(|other| matches!(&other.verdict, Verdict::Duplicate { of } if of == &decision.code))
        .map(|other| one_line(&other.code))
        .collect();
    if decision.verdict.sets_aside() && !pointing.is_empty() {
        println!(
            "  note: {} set aside as duplicates of {}, which is now set aside too: decide them again",
            pointing.join(", "),
            one_line(&decision.code)
        );
    }
    Ok(())
}

/// Asks at the terminal to type `expected` before something that cannot be undone; without
/// a terminal, `--yes` is the only confirmation.
fn confirm(question: &str, expected: &str) -> Result<(), Failure> {
    if !std::io::stdin().is_terminal() {
        return Err("not run at a terminal, so it cannot ask: add --yes to confirm; nothing was changed".into());
    }
    print!("{question} ");
    std::io::stdout().flush().map_err(|err| err.to_string())?;
    let mut typed = String::new();
    std::io::stdin().lock().read_line(&mut typed).map_err(|err| err.to_string())?;
    if typed.trim() == expected {
        Ok(())
    } else {
        Err(format!("`{}` is not `{expected}`: nothing was changed", one_line(typed.trim())))
    }
}

/// The application stored under `code`, or an error saying it was withdrawn (with its
/// tombstone's dates) or was never there.
async fn find<'a>(
    store: &impl CommissionStore,
    all: &'a [StoredAnswers],
    code: &str,
) -> Result<&'a StoredAnswers, Failure> {
    if let Some(application) = all.iter().find(|application| application.code == code) {
        return Ok(application);
    }
    let withdrawn = store.withdrawn().await.map_err(store_failed)?;
    Err(match withdrawn.iter().find(|tombstone| tombstone.code == code) {
        Some(tombstone) => format!(
            "the application {} was withdrawn at {} Bishkek time by {} (received {}): only its code and these dates are kept",
            one_line(code),
            bishkek_moment(tombstone.withdrawn_at),
            one_line(&tombstone.by),
            bishkek_time(&tombstone.received_at)
        ),
        None => format!("no application has the code {}", one_line(code)),
    })
}

/// A withdrawal the store could not finish: it may be part-done, and asking again finishes it.
fn withdrawal_failed(err: RecordError) -> Failure {
    match err {
        RecordError::Store(err) => {
            format!("{err}: the withdrawal may be part-done; run the same command again to finish it")
        }
        other => record_failed(other),
    }
}

/// Removes the mail files of `codes` from the embedded store's mail folder (`mail_folder`,
/// `None` on DynamoDB, whose messages live in the recipients' mailboxes only) and says how many.
fn forget_mail(mail_folder: Option<&Path>, codes: &[String]) -> Result<(), Failure> {
    let Some(folder) = mail_folder else {
        return Ok(());
    };
    let removed = mail::forget(folder, codes).map_err(|err| {
        format!("{}: {err}: its mail files were not removed; run the same command again", folder.display())
    })?;
    println!("removed {removed} mail files from {}", folder.display());
    Ok(())
}

async fn withdraw(
    store: &impl CommissionStore,
    code: &str,
    by: Option<&str>,
    yes: bool,
    mail_folder: Option<&Path>,
) -> Result<(), Failure> {
    let by = secretary(by)?;
    let all = store.answers().await.map_err(store_failed)?;
    if !all.iter().any(|application| application.code == code) {
        if let Some(tombstone) = store.withdrawn().await.map_err(store_failed)?.into_iter().find(|t| t.code == code) {
            // Asked again, as a failed withdrawal says to: the store finishes removing what
            // an interrupted one left (scores, recusals, the file's free pages and journal).
            return match store.withdraw(code, Utc::now(), &by).await {
                Err(RecordError::Withdrawn(_)) => {
                    println!(
                        "{} was already withdrawn at {} Bishkek time by {}; nothing of it is left but its tombstone",
                        one_line(code),
                        bishkek_moment(tombstone.withdrawn_at),
                        one_line(&tombstone.by)
                    );
                    // A withdrawal cut short before its mail files went: they go now.
                    forget_mail(mail_folder, &[code.to_string()])
                }
                Err(err) => Err(withdrawal_failed(err)),
                Ok(_) => Err(format!("the store withdrew {} a second time: report this", one_line(code))),
            };
        }
    }
    let application = find(store, &all, code).await.map_err(|why| format!("{why}; nothing was changed"))?;
    let decisions = decisions_by_code(store).await?;
    let kept_for: Vec<&str> = decisions
        .values()
        .filter(|decision| matches!(&decision.verdict, Verdict::Duplicate { of } if of == code))
        .map(|decision| decision.code.as_str())
        .collect();
    if !kept_for.is_empty() {
        return Err(format!(
            "{} is the application kept of {} (set aside as its duplicates): they are the same applicant's, so \
             withdraw them first, or decide them otherwise; nothing was changed",
            one_line(code),
            one_line(&kept_for.join(", "))
        ));
    }
    let personal = store.personal(code).await.map_err(store_failed)?;
    let scored_by = store.scores().await.map_err(store_failed)?.into_iter().filter(|s| s.code == code).count();
    let decision = decisions.get(code);
    let recusals = store.recusals().await.map_err(store_failed)?.into_iter().filter(|r| r.code == code).count();
    if !yes {
        confirm(
            &format!(
                "Withdrawing {} removes its answers, personal data, scores and decision for good. Type the code again to confirm:",
                one_line(code)
            ),
            code,
        )?;
    }
    let tombstone = store.withdraw(code, Utc::now(), &by).await.map_err(withdrawal_failed)?;
    println!(
        "withdrew {} (received {} Bishkek time) at {} Bishkek time, recorded by {}",
        one_line(&tombstone.code),
        bishkek_time(&application.received_at),
        bishkek_moment(tombstone.withdrawn_at),
        one_line(&tombstone.by)
    );
    let mut removed = vec![format!("{} answers", application.answers.len())];
    removed.push(match &personal {
        Some(fields) => format!("personal data ({} fields)", fields.len()),
        None => "no personal data (already erased)".into(),
    });
    removed.push(format!("scores of {scored_by} members"));
    removed.push(match decision {
        Some(decision) => format!("its decision ({})", decision.verdict.key()),
        None => "no decision (unchecked)".into(),
    });
    removed.push(format!("{recusals} recusals"));
    removed.push("messages not sent yet".into());
    println!("removed: {}", removed.join(", "));
    forget_mail(mail_folder, &[code.to_string()])?;
    println!("kept: a tombstone with its code, received and withdrawn times");
    Ok(())
}

/// `--before` as the first moment of that day in Bishkek, refused when in the future or on
/// or before the deadline day (an erasure then would cut through applications still coming in).
fn erase_before(before: &str, deadline: DateTime<FixedOffset>, now: DateTime<Utc>) -> Result<DateTime<Utc>, Failure> {
    let day = NaiveDate::parse_from_str(before.trim(), "%Y-%m-%d")
        .map_err(|_| format!("--before `{}` is not a day as YYYY-MM-DD; nothing was erased", one_line(before)))?;
    let midnight = bishkek()
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .single()
        .ok_or_else(|| format!("--before {day}: no such moment in Bishkek; nothing was erased"))?
        .with_timezone(&Utc);
    if midnight > now {
        return Err(format!(
            "--before {day} is in the future: only data received before today can be erased; nothing was erased"
        ));
    }
    if midnight <= deadline.with_timezone(&Utc) {
        return Err(format!(
            "--before {day} is not after the deadline day ({}): it would erase some applicants' data while others' is \
             still being checked; give a day after it; nothing was erased",
            deadline.with_timezone(&bishkek()).format("%Y-%m-%d %H:%M")
        ));
    }
    Ok(midnight)
}

async fn erase_personal(
    store: &impl CommissionStore,
    before: DateTime<Utc>,
    yes: bool,
    dynamodb: bool,
    mail_folder: Option<&Path>,
) -> Result<(), Failure> {
    let day = before.with_timezone(&bishkek()).date_naive();
    // The codes whose personal data goes: their receipts and outcomes hold her address and answers.
    let erased_codes: Vec<String> = store
        .answers()
        .await
        .map_err(store_failed)?
        .into_iter()
        .filter(|application| {
            DateTime::parse_from_rfc3339(&application.received_at).is_ok_and(|at| at.with_timezone(&Utc) < before)
        })
        .map(|application| application.code)
        .collect();
    if !yes {
        let mut holding = 0;
        for application in store.answers().await.map_err(store_failed)? {
            let received = DateTime::parse_from_rfc3339(&application.received_at).map(|at| at.with_timezone(&Utc));
            if received.is_ok_and(|at| at < before)
                && store.personal(&application.code).await.map_err(store_failed)?.is_some()
            {
                holding += 1;
            }
        }
        confirm(
            &format!(
                "This erases for good the personal data of the {holding} applications received before {day} \
                 (Bishkek time) that still hold it, and every honeypot catch received before then. Type `erase` to \
                 confirm:"
            ),
            "erase",
        )?;
    }
    let erased = store.erase_personal(before).await.map_err(store_failed)?;
    println!(
        "erased the personal data of {} applications and {} honeypot catches received before {day} 00:00 Bishkek time; \
         answers, decisions and scores stay",
        erased.applicants, erased.suspects
    );
    println!("removed too: their messages not sent yet");
    forget_mail(mail_folder, &erased_codes)?;
    if dynamodb {
        println!(
            "note: DynamoDB's point-in-time recovery still holds the erased data in its backups for up to its \
             recovery period (at most 35 days)"
        );
    }
    Ok(())
}

async fn show(
    store: &impl CommissionStore,
    content: &Content,
    code: &str,
    personal: bool,
    lang: &str,
    out: Option<&Path>,
) -> Result<(), Failure> {
    let lang = content.commission.language(lang)?;
    let all = store.answers().await.map_err(store_failed)?;
    let application = find(store, &all, code).await?;
    let fields = if personal { Some(store.personal(code).await.map_err(store_failed)?) } else { None };
    let decisions = decisions_by_code(store).await?;
    let page = dossier::dossier_html(
        &content.commission.form,
        &content.commission.selection,
        &Dossier {
            application,
            personal: fields.as_ref().map(Option::as_ref),
            decision: decisions.get(code),
            printed_at: Utc::now(),
        },
        lang,
    )
    .map_err(|err| err.to_string())?;
    // Codes are digits and dashes (the store found this one), so the name is a plain file name.
    let default = PathBuf::from(format!("application-{code}.html"));
    let out = out.unwrap_or(&default);
    let written = if personal { write_private(out, page.as_bytes()) } else { std::fs::write(out, page) };
    written.map_err(|err| format!("{}: {err}", out.display()))?;
    println!(
        "wrote {}{}",
        out.display(),
        if personal { " (with personal data: readable by you only; keep it safe)" } else { "" }
    );
    Ok(())
}

async fn run(store: &impl CommissionStore, cli: &Cli) -> Result<(), Failure> {
    // The embedded store's messages are files beside it (what the preview and `selection
    // notify` wrote); those of a withdrawn or erased applicant go with her data.
    let mail_folder = (!cli.dynamodb).then(|| mail::mail_folder(&cli.store));
    let mail_folder = mail_folder.as_deref();
    match &cli.command {
        Command::List { personal, suspects } => list(store, *personal, *suspects).await,
        // `enter` serves its page until stopped; `main` hands it over before a store is opened.
        Command::Enter(_) => Ok(()),
        Command::Check { lang, personal } => check(store, &load_content(&cli.content)?, lang, *personal).await,
        Command::Decide { code, verdict, reason, of, by } => {
            let decision = decision(code, *verdict, reason.as_deref(), of.as_deref(), by.as_deref())?;
            decide(store, &decision).await
        }
        Command::Withdraw { code, by, yes } => withdraw(store, code.trim(), by.as_deref(), *yes, mail_folder).await,
        Command::ErasePersonal { before, yes } => {
            let content = load_content(&cli.content)?;
            let before = erase_before(before, content.deadline, Utc::now())?;
            erase_personal(store, before, *yes, cli.dynamodb, mail_folder).await
        }
        Command::Show { code, personal, lang, out } => {
            show(store, &load_content(&cli.content)?, code.trim(), *personal, lang, out.as_deref()).await
        }
    }
}

async fn open_and_run(cli: &Cli) -> Result<(), Failure> {
    if cli.dynamodb {
        let tables = store::Tables::from_env().map_err(store_failed)?;
        return run(&store::DynamoStore::new(store::dynamodb_client().await, tables), cli).await;
    }
    // Opening would create an empty store: a wrong path must say so instead.
    if !cli.store.exists() {
        return Err(store_failed(StoreError::misconfigured(format!(
            "no store at {}: apply through `generator serve` first, or pass --store",
            cli.store.display()
        ))));
    }
    run(&SqliteStore::open(&cli.store).map_err(store_failed)?, cli).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Enter(args) = &cli.command {
        return commission::entry::enter(args, &cli.content, &cli.store, cli.dynamodb).await;
    }
    match open_and_run(&cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deadline() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2020-12-11T17:00:00+06:00").unwrap()
    }

    #[test]
    fn erasure_starts_at_midnight_in_bishkek_after_the_deadline_day() {
        let now = Utc.with_ymd_and_hms(2021, 10, 1, 0, 0, 0).unwrap();
        assert_eq!(
            erase_before("2021-10-01", deadline(), now).unwrap(),
            Utc.with_ymd_and_hms(2021, 9, 30, 18, 0, 0).unwrap()
        );
        assert_eq!(
            erase_before("2020-12-12", deadline(), now).unwrap(),
            Utc.with_ymd_and_hms(2020, 12, 11, 18, 0, 0).unwrap()
        );
    }

    #[test]
    fn erasure_refuses_a_day_in_the_future_on_the_deadline_or_not_a_day() {
        let now = Utc.with_ymd_and_hms(2021, 10, 1, 0, 0, 0).unwrap();
        let said = erase_before("2021-10-02", deadline(), now).unwrap_err();
        assert!(said.starts_with("--before 2021-10-02 is in the future"), "{said}");
        let said = erase_before("2020-12-11", deadline(), now).unwrap_err();
        assert!(said.starts_with("--before 2020-12-11 is not after the deadline day (2020-12-11 17:00)"), "{said}");
        for wrong in ["2021-13-01", "01.10.2021", "", "2021-10-01T00:00"] {
            let said = erase_before(wrong, deadline(), now).unwrap_err();
            assert!(said.contains("is not a day as YYYY-MM-DD; nothing was erased"), "{wrong}: {said}");
        }
    }

    #[test]
    fn a_decision_needs_what_its_verdict_needs() {
        let by = Some("Бермет");
        let eligible = decision("111-111-1111", VerdictArg::Eligible, None, None, by).unwrap();
        assert_eq!(eligible.verdict, Verdict::Eligible);
        assert_eq!(eligible.by, "Бермет");
        let said = decision("111-111-1111", VerdictArg::Ineligible, None, None, by).unwrap_err();
        assert_eq!(
            said,
            "111-111-1111: ineligible needs --reason TEXT, the reason it is set aside; nothing was changed"
        );
        let said = decision("111-111-1111", VerdictArg::Duplicate, None, None, by).unwrap_err();
        assert_eq!(said, "111-111-1111: duplicate needs --of CODE, the application kept; nothing was changed");
        let said = decision("111-111-1111", VerdictArg::Duplicate, None, Some("111-111-1111"), by).unwrap_err();
        assert!(said.starts_with("111-111-1111 cannot be a duplicate of itself"), "{said}");
        let said = decision("111-111-1111", VerdictArg::Eligible, Some("x"), None, by).unwrap_err();
        assert_eq!(said, "111-111-1111: --reason is only for ineligible; nothing was changed");
        let said = decision("111-111-1111", VerdictArg::Ineligible, Some("  "), None, by).unwrap_err();
        assert_eq!(said, "--reason is empty: nothing was changed");
        let said =
            decision("111-111-1111", VerdictArg::Ineligible, Some("шаарда \u{202E}жашайт"), None, by).unwrap_err();
        assert!(said.starts_with("--reason holds invisible or control characters (шаарда <U+202E>жашайт)"), "{said}");
        let said = decision("111-111-1111", VerdictArg::Eligible, None, None, Some(" ")).unwrap_err();
        assert!(said.starts_with("--by NAME is required (or MEKTEP_SECRETARY), to say who did it"), "{said}");
    }
}
