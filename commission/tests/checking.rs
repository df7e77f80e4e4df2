//! The secretariat's checking as it runs it: the built `applications` binary on a real
//! embedded store in a temporary folder, with the frozen content. Likely duplicates across
//! phone forms and look-alike letters, decisions recorded, listed and changed, a withdrawal,
//! an erasure of personal data, the printable dossier, and bad input that changes nothing.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Output, Stdio};

use chrono::{DateTime, TimeZone, Utc};
use intake::age_on;
use store::{Application, Category, Channel, Store};

/// Personal questions of the frozen form: stored apart from the answers.
const PERSONAL: [&str; 7] = ["full_name", "birth_date", "residence", "workplace", "phone", "whatsapp", "email"];

/// The binary on `store` with the frozen content; MEKTEP_SECRETARY unset and no terminal,
/// so that a test sees exactly what its flags say.
fn applications(store: &Path, args: &[&str]) -> Output {
    applications_with(store, args, None)
}

fn applications_with(store: &Path, args: &[&str], secretary: Option<&str>) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_applications"));
    command
        .args(args)
        .arg("--store")
        .arg(store)
        .arg("--content")
        .arg(test_support::frozen_content())
        .env_remove("MEKTEP_SECRETARY")
        .stdin(Stdio::null());
    if let Some(name) = secretary {
        command.env("MEKTEP_SECRETARY", name);
    }
    command.output().unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// What a refused command said; it must have failed with exit code 1 and printed nothing.
fn refused(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stdout));
    assert!(output.stdout.is_empty(), "{}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A valid application of the frozen form, with `changes` to its answers (None removes one).
fn application(
    id: &str,
    channel: Channel,
    received_at: DateTime<Utc>,
    changes: &[(&str, Option<&str>)],
) -> Application {
    let mut fields = test_support::valid_fields();
    for (name, value) in changes {
        fields = test_support::with(fields, name, *value);
    }
    let (personal, answers): (Vec<_>, Vec<_>) =
        fields.into_iter().partition(|(name, _)| PERSONAL.contains(&name.as_str()));
    let birth = personal.iter().find(|(name, _)| name == "birth_date").map(|(_, date)| date.clone()).unwrap();
    let deadline = DateTime::parse_from_rfc3339(test_support::AFTER_DEADLINE).unwrap();
    let age = age_on(chrono::NaiveDate::parse_from_str(&birth, "%Y-%m-%d").unwrap(), deadline);
    Application {
        submission_id: id.into(),
        lang: "ky".into(),
        received_at,
        category: if age >= 28 { Category::AgedTwentyEightAndOver } else { Category::UnderTwentyEight },
        answers: answers.into_iter().collect(),
        personal: personal.into_iter().collect(),
        channel,
        entered_by: (channel != Channel::Online).then(|| "Бермет Осмонова".to_string()),
    }
}

fn on(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 12, day, hour, minute, 0).unwrap()
}

/// Four applications: Айгуль online; the same phone in another form on paper; her name typed
/// with Latin look-alikes and her birth date by e-mail; and someone else, 17 on the deadline.
struct Four {
    online: String,
    paper: String,
    email: String,
    other: String,
}

async fn four(store: &impl Store) -> Four {
    let aigul = [("full_name", Some("Айгуль Токтоматова")), ("birth_date", Some("1995-03-02"))];
    let online = application(
        "check-online",
        Channel::Online,
        on(1, 8, 30),
        &[
            aigul[0],
            aigul[1],
            ("phone", Some("+996 770 771 156")),
            ("whatsapp", None),
            ("email", Some("aigul@mail.kg")),
        ],
    );
    let paper = application(
        "check-paper",
        Channel::Paper,
        on(10, 9, 30),
        &[
            ("full_name", Some("Айгүл Асанова")),
            ("birth_date", Some("1990-01-01")),
            ("phone", Some("0770771156")),
            ("whatsapp", None),
            ("email", None),
        ],
    );
    // `A`, `O`, `K`, `M`, `T`, `B` and `A` from a Latin keyboard, and the words swapped.
    let email = application(
        "check-email",
        Channel::Email,
        on(11, 10, 0),
        &[
            ("full_name", Some("TOKTOMATOBA AЙГУЛЬ")),
            ("birth_date", Some("1995-03-02")),
            ("phone", Some("0555 111 222")),
            ("whatsapp", None),
            ("email", None),
        ],
    );
    let other = application(
        "check-other",
        Channel::Online,
        on(2, 8, 0),
        &[
            ("full_name", Some("Нуриза Жумабаева")),
            ("birth_date", Some("2003-01-05")),
            ("phone", Some("0700 999888")),
            ("whatsapp", None),
            ("email", Some("nuriza@example.kg")),
        ],
    );
    let mut codes = Vec::new();
    for application in [&online, &paper, &email, &other] {
        codes.push(store.save(application).await.unwrap().code);
    }
    let [online, paper, email, other] = <[String; 4]>::try_from(codes).unwrap();
    Four { online, paper, email, other }
}

/// The block `check` prints for `code`: from its line to the blank line after it.
fn block<'a>(report: &'a str, code: &str) -> &'a str {
    let start = report.find(&format!("\n{code}  ")).unwrap_or_else(|| panic!("{code} in {report}"));
    let rest = &report[start + 1..];
    &rest[..rest.find("\n\n").unwrap_or(rest.len())]
}

#[tokio::test]
async fn duplicates_are_found_across_phone_forms_and_look_alike_letters() {
    let (dir, store) = test_support::temp_store();
    let file = dir.path().join("applications.sqlite");
    let codes = four(&store).await;

    // Names and birth dates only when asked for, as in `list`.
    let blind = stdout(&applications(&file, &["check", "--lang", "ru"]));
    for personal in ["Айгуль", "Токтоматова", "1995-03-02"] {
        assert!(!blind.contains(personal), "{blind}");
    }
    assert!(block(&blind, &codes.online).starts_with(&format!("{}  ·  онлайн, через форму на сайте", codes.online)));
    assert!(block(&blind, &codes.paper).contains(&format!("{} (тот же телефон)", codes.online)), "{blind}");

    let report = stdout(&applications(&file, &["check", "--lang", "ru", "--personal"]));
    assert!(report.starts_with("Заявок: 4; возраст считается на 2020-12-11\n"), "{report}");

    let online = block(&report, &codes.online);
    assert!(online.starts_with(&format!(
        "{}  Айгуль Токтоматова, 1995-03-02  ·  онлайн, через форму на сайте  ·  2020-12-01 14:30",
        codes.online
    )));
    assert!(online.contains("\n  Полная: на все обязательные вопросы есть ответы\n"), "{online}");
    assert!(online.contains("\n  Возраст на 2020-12-11: 25 (Молодые женщины до 28 лет)\n"), "{online}");
    let mut likely =
        [format!("{} (тот же телефон)", codes.paper), format!("{} (те же имя и дата рождения)", codes.email)];
    likely.sort();
    assert!(
        online.contains(&format!("\n  ! Возможно, заявка той же заявительницы: {}\n", likely.join("; "))),
        "{online}"
    );
    assert!(online.ends_with("\n  Решение: не проверена"), "{online}");

    let paper = block(&report, &codes.paper);
    assert!(paper.contains("  ·  на бумаге  ·  2020-12-10 15:30"), "{paper}");
    assert!(paper.contains(&format!("Возможно, заявка той же заявительницы: {} (тот же телефон)\n", codes.online)));
    let email = block(&report, &codes.email);
    assert!(email.contains("  ·  по электронной почте  ·  2020-12-11 16:00"), "{email}");
    assert!(email
        .contains(&format!("Возможно, заявка той же заявительницы: {} (те же имя и дата рождения)\n", codes.online)));

    let other = block(&report, &codes.other);
    assert!(
        other.contains(
            "\n  Возраст на 2020-12-11: 17 (Молодые женщины до 28 лет)\n  ! Нет 18 лет: участвовать в Школе не может\n"
        ),
        "{other}"
    );
    assert!(other.contains("\n  Похожих заявок не найдено\n"), "{other}");
    assert!(report.ends_with("\nНе проверено: 4; соответствуют требованиям: 0; исключено: 0\n"), "{report}");

    // The same in Kyrgyz, the language by default.
    let report = stdout(&applications(&file, &["check"]));
    assert!(report.starts_with("4 өтүнмө; курагы 2020-12-11 күнүнө карата эсептелет\n"), "{report}");
    assert!(block(&report, &codes.paper)
        .contains(&format!("! Ошол эле адамдын өтүнмөсү болушу мүмкүн: {} (телефону бирдей)", codes.online)));
}

#[tokio::test]
async fn a_missing_answer_of_a_keyed_in_application_is_named() {
    let (dir, store) = test_support::temp_store();
    let file = dir.path().join("applications.sqlite");
    // Keyed in from paper by hand: 3.1 answered yes, its description left out, no essay.
    let keyed =
        application("check-incomplete", Channel::Paper, on(9, 5, 0), &[("lsg_experience_text", None), ("essay", None)]);
    let code = store.save(&keyed).await.unwrap().code;
    let report = stdout(&applications(&file, &["check", "--lang", "ru"]));
    assert!(block(&report, &code).contains("\n  Нет ответа на обязательные вопросы: 3.2, 8.1\n"), "{report}");
}

#[tokio::test]
async fn decisions_are_recorded_with_who_and_when_listed_and_changed() {
    let (dir, store) = test_support::temp_store();
    let file = dir.path().join("applications.sqlite");
    let codes = four(&store).await;
    let before = Utc::now().timestamp();

    let said = stdout(&applications(&file, &["decide", &codes.online, "eligible", "--by", "Бермет Осмонова"]));
    assert!(said.starts_with(&format!("{}: eligible by Бермет Осмонова at 20", codes.online)), "{said}");
    // The secretary's name may come from the environment.
    let said = stdout(&applications_with(
        &file,
        &["decide", &codes.paper, "duplicate", "--of", &codes.online],
        Some("Айнура"),
    ));
    assert!(said.starts_with(&format!("{}: duplicate of {} by Айнура at ", codes.paper, codes.online)), "{said}");
    let reason = "18 жашка толо элек";
    stdout(&applications(
        &file,
        &["decide", &codes.other, "ineligible", "--reason", reason, "--by", "Бермет Осмонова"],
    ));

    let listing = stdout(&applications(&file, &["list"]));
    assert!(listing.starts_with("4 applications: 1 aged 28 and over, 3 under 28; 0 withdrawn\n"), "{listing}");
    let line = |code: &str| listing.lines().find(|line| line.starts_with(code)).unwrap().to_string();
    assert!(line(&codes.online).contains("  online  eligible by Бермет Осмонова at "), "{listing}");
    assert!(line(&codes.paper).contains(&format!("  paper   duplicate of {} by Айнура at ", codes.online)));
    assert!(line(&codes.other).ends_with(&format!(": {reason}")), "{listing}");
    assert!(line(&codes.email).ends_with("  email   unchecked"), "{listing}");
    // When: the minute it was recorded, on Bishkek's clock as the received times are.
    let at = line(&codes.online).rsplit(" at ").next().unwrap().to_string();
    let at = DateTime::parse_from_str(&format!("{at} +06:00"), "%Y-%m-%d %H:%M %z").unwrap().timestamp();
    assert!(at >= before - 60 && at <= Utc::now().timestamp(), "{at}");

    // Changed: the new decision replaces the old and says what it replaced.
    let said = stdout(&applications(
        &file,
        &["decide", &codes.online, "ineligible", "--reason", "шаарда жашайт", "--by", "Айнура"],
    ));
    assert!(said.contains("\n  replaces: eligible by Бермет Осмонова at "), "{said}");
    // The paper one was set aside as its duplicate: the secretariat is told to decide it again.
    assert!(
        said.ends_with(&format!(
            "\n  note: {} set aside as duplicates of {}, which is now set aside too: decide them again\n",
            codes.paper, codes.online
        )),
        "{said}"
    );
    let listing = stdout(&applications(&file, &["list"]));
    let online = listing.lines().find(|l| l.starts_with(&codes.online)).unwrap();
    assert!(online.contains("  ineligible by Айнура at ") && online.ends_with(": шаарда жашайт"), "{online}");

    let report = stdout(&applications(&file, &["check", "--lang", "ru"]));
    assert!(
        block(&report, &codes.online).contains("\n  Решение: не соответствует требованиям: шаарда жашайт (Айнура, ")
    );
    assert!(block(&report, &codes.paper).contains(&format!("\n  Решение: повтор заявки {} (Айнура, ", codes.online)));
    assert!(report.ends_with("\nНе проверено: 1; соответствуют требованиям: 0; исключено: 3\n"), "{report}");
}

#[tokio::test]
async fn a_withdrawn_application_leaves_only_its_tombstone() {
    let (dir, store) = test_support::temp_store();
    let file = dir.path().join("applications.sqlite");
    let codes = four(&store).await;
    stdout(&applications(&file, &["decide", &codes.online, "eligible", "--by", "Бермет"]));

    // The application kept of a duplicate cannot go alone: the duplicate is hers too.
    stdout(&applications(&file, &["decide", &codes.paper, "duplicate", "--of", &codes.online, "--by", "Бермет"]));
    let before = stdout(&applications(&file, &["list", "--personal"]));
    let said = refused(&applications(&file, &["withdraw", &codes.online, "--by", "Айнура", "--yes"]));
    assert_eq!(
        said,
        format!(
            "error: {} is the application kept of {} (set aside as its duplicates): they are the same applicant's, so \
             withdraw them first, or decide them otherwise; nothing was changed\n",
            codes.online, codes.paper
        )
    );
    assert_eq!(stdout(&applications(&file, &["list", "--personal"])), before, "nothing was changed");
    stdout(&applications(&file, &["decide", &codes.paper, "eligible", "--by", "Бермет"]));

    let said = stdout(&applications(&file, &["withdraw", &codes.online, "--by", "Айнура", "--yes"]));
    let lines: Vec<&str> = said.lines().collect();
    assert!(
        lines[0].starts_with(&format!("withdrew {} (received 2020-12-01 14:30 Bishkek time) at ", codes.online))
            && lines[0].ends_with("Bishkek time, recorded by Айнура"),
        "{said}"
    );
    let answers = application("x", Channel::Online, on(1, 0, 0), &[("whatsapp", None)]).answers.len();
    assert_eq!(
        lines[1],
        format!(
            "removed: {answers} answers, personal data (6 fields), scores of 0 members, its decision (eligible), 0 \
             recusals, messages not sent yet"
        )
    );
    let mail = dir.path().join("applications.mail");
    assert_eq!(lines[2], format!("removed 0 mail files from {}", mail.display()), "none was written here");
    assert_eq!(lines[3], "kept: a tombstone with its code, received and withdrawn times");

    let listing = stdout(&applications(&file, &["list", "--personal"]));
    assert!(listing.starts_with("3 applications: 1 aged 28 and over, 2 under 28; 1 withdrawn\n"), "{listing}");
    assert!(!listing.contains("Айгуль Токтоматова") && !listing.contains("aigul@mail.kg"), "{listing}");
    let tombstone = listing.lines().last().unwrap();
    assert!(
        tombstone.starts_with(&format!("{}  withdrawn  received 2020-12-01 14:30  withdrawn 20", codes.online))
            && tombstone.ends_with(" by Айнура"),
        "who withdrew it is kept with the tombstone: {listing}"
    );

    let out = dir.path().join("withdrawn.html");
    let said = refused(&applications(&file, &["show", &codes.online, "--out", out.to_str().unwrap()]));
    assert!(
        said.starts_with(&format!("error: the application {} was withdrawn at ", codes.online))
            && said.ends_with(
                "Bishkek time by Айнура (received 2020-12-01 14:30): only its code and these dates are kept\n"
            ),
        "{said}"
    );
    assert!(!out.exists());
    let said = refused(&applications(&file, &["decide", &codes.online, "eligible", "--by", "Бермет"]));
    assert_eq!(said, format!("error: the application {} was withdrawn: nothing was changed\n", codes.online));
    // Asked again (as a withdrawal that failed part-way says to), it finishes and says so.
    let said = stdout(&applications(&file, &["withdraw", &codes.online, "--by", "Бермет", "--yes"]));
    assert!(
        said.starts_with(&format!("{} was already withdrawn at ", codes.online))
            && said.ends_with(&format!(
                " Bishkek time by Айнура; nothing of it is left but its tombstone\nremoved 0 mail files from {}\n",
                mail.display()
            )),
        "{said}"
    );
    // Its likely duplicates no longer point at it.
    let report = stdout(&applications(&file, &["check", "--lang", "ru"]));
    assert!(!report.contains(&codes.online), "{report}");
}

#[tokio::test]
async fn after_erasure_the_dossier_has_no_name_and_the_answers_stay() {
    let (dir, store) = test_support::temp_store();
    let file = dir.path().join("applications.sqlite");
    let codes = four(&store).await;
    stdout(&applications(&file, &["decide", &codes.online, "eligible", "--by", "Бермет"]));
    // Today in Bishkek: every application of the frozen content was received before it.
    let today = Utc::now().with_timezone(&commission::dossier::bishkek()).date_naive().to_string();

    let said = stdout(&applications(&file, &["erase-personal", "--before", &today, "--yes"]));
    assert_eq!(
        said,
        format!(
            "erased the personal data of 4 applications and 0 honeypot catches received before {today} 00:00 Bishkek \
             time; answers, decisions and scores stay\nremoved too: their messages not sent yet\nremoved 0 mail files \
             from {}\n",
            dir.path().join("applications.mail").display()
        )
    );

    let out = dir.path().join("dossier.html");
    stdout(&applications(
        &file,
        &["show", &codes.online, "--personal", "--lang", "ru", "--out", out.to_str().unwrap()],
    ));
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.contains("Личные данные удалены."), "{page}");
    for personal in ["Айгуль", "Токтоматова", "1995-03-02", "770", "aigul@mail.kg", "Кара-Суу"]
    {
        assert!(!page.contains(personal), "{personal} in {page}");
    }
    // The answers, the essay and the decision stay.
    assert!(page.contains("Менин айылымда таза суу жок."), "{page}");
    assert!(page.contains("соответствует требованиям (Бермет, "), "{page}");

    let listing = stdout(&applications(&file, &["list", "--personal"]));
    assert!(!listing.contains("full_name="), "{listing}");
    let report = stdout(&applications(&file, &["check", "--lang", "ru"]));
    assert!(
        block(&report, &codes.online).contains("\n  Личные данные удалены: имя, возраст и повторы проверить нельзя\n")
    );
    assert!(!report.contains("Айгуль"), "{report}");
}

#[tokio::test]
async fn the_dossier_is_a_printable_page_in_either_language_with_personal_data_only_when_asked() {
    let (dir, store) = test_support::temp_store();
    let file = dir.path().join("applications.sqlite");
    let codes = four(&store).await;

    let out = dir.path().join("ru.html");
    let said = stdout(&applications(&file, &["show", &codes.paper, "--lang", "ru", "--out", out.to_str().unwrap()]));
    assert_eq!(said, format!("wrote {}\n", out.display()));
    let page = std::fs::read_to_string(&out).unwrap();
    for expected in [
        "<html lang=\"ru\">",
        "@page{size:A4",
        &format!("<h1>Заявка {}</h1>", codes.paper),
        "<tr><th scope=\"row\">Как поступила</th><td>на бумаге</td></tr>",
        "<tr><th scope=\"row\">Получена (время Бишкека)</th><td>2020-12-10 15:30</td></tr>",
        "<tr><th scope=\"row\">Кто внёс в систему</th><td>Бермет Осмонова</td></tr>",
        "<tr><th scope=\"row\">Решение по проверке</th><td>не проверена</td></tr>",
        "<h2>3. Опыт работы с органами МСУ</h2>",
        "<span class=\"id\">6.1</span>",
        "<td>Да</td>",
        "<td>Нет</td>",
        "Айыл өкмөтү менен суу маселесин чечүүгө катыштым.",
        "<span class=\"id\">9.5</span>",
    ] {
        assert!(page.contains(expected), "{expected} in {page}");
    }
    // Nothing personal without --personal, and nothing from outside the page.
    for absent in
        ["Айгүл Асанова", "1990-01-01", "0770771156", "Кара-Суу", "Личные данные", "<link", "<script", "src=", "http"]
    {
        assert!(!page.contains(absent), "{absent} in {page}");
    }
    assert!(!page.contains("<span class=\"id\">1.1</span>"), "{page}");

    let personal = dir.path().join("ky.html");
    let said =
        stdout(&applications(&file, &["show", &codes.online, "--personal", "--out", personal.to_str().unwrap()]));
    assert!(said.ends_with(" (with personal data: readable by you only; keep it safe)\n"), "{said}");
    assert_eq!(std::fs::metadata(&personal).unwrap().permissions().mode() & 0o777, 0o600);
    let page = std::fs::read_to_string(&personal).unwrap();
    for expected in [
        "<html lang=\"ky\">",
        "Жеке маалыматтар (катчылык үчүн гана)",
        "<td>Айгуль Токтоматова</td>",
        "<td>+996 770 771 156</td>",
        "<td>Ооба</td>",
        "онлайн, сайттагы форма аркылуу",
        "<td>өтүнмө ээси өзү</td>",
        "<td>текшериле элек</td>",
    ] {
        assert!(page.contains(expected), "{expected} in {page}");
    }
    // An unanswered question says so, in the page's language.
    assert!(page.contains("<span class=\"id\">2.2</span>WhatsApp (Вотсап)</th><td>жооп жок</td>"), "{page}");
}

#[tokio::test]
async fn bad_input_to_every_command_names_the_code_or_field_and_changes_nothing() {
    let (dir, store) = test_support::temp_store();
    let file = dir.path().join("applications.sqlite");
    let codes = four(&store).await;
    stdout(&applications(&file, &["decide", &codes.online, "eligible", "--by", "Бермет"]));
    let stored = stdout(&applications(&file, &["list", "--personal"]));
    let unknown = "999-999-9999";
    let out = dir.path().join("nothing.html");
    let out = out.to_str().unwrap();

    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["decide", unknown, "eligible", "--by", "Бермет"],
            format!("error: no application has the code {unknown}: nothing was changed\n"),
        ),
        (
            vec!["decide", &codes.other, "ineligible", "--by", "Бермет"],
            format!(
                "error: {}: ineligible needs --reason TEXT, the reason it is set aside; nothing was changed\n",
                codes.other
            ),
        ),
        (
            vec!["decide", &codes.other, "duplicate", "--by", "Бермет"],
            format!("error: {}: duplicate needs --of CODE, the application kept; nothing was changed\n", codes.other),
        ),
        (
            vec!["decide", &codes.other, "duplicate", "--of", &codes.other, "--by", "Бермет"],
            format!(
                "error: {} cannot be a duplicate of itself: --of names the application kept; nothing was changed\n",
                codes.other
            ),
        ),
        (
            vec!["decide", &codes.other, "eligible", "--reason", "x", "--by", "Бермет"],
            format!("error: {}: --reason is only for ineligible; nothing was changed\n", codes.other),
        ),
        (
            vec!["decide", &codes.other, "eligible"],
            "error: --by NAME is required (or MEKTEP_SECRETARY), to say who did it; nothing was changed\n".into(),
        ),
        (
            vec!["decide", &codes.other, "ineligible", "--reason", "a\u{202E}b", "--by", "Бермет"],
            "error: --reason holds invisible or control characters (a<U+202E>b): type it again; nothing was changed\n"
                .into(),
        ),
        (
            vec!["withdraw", unknown, "--by", "Бермет", "--yes"],
            format!("error: no application has the code {unknown}; nothing was changed\n"),
        ),
        (
            vec!["withdraw", &codes.other, "--by", "Бермет"],
            "error: not run at a terminal, so it cannot ask: add --yes to confirm; nothing was changed\n".into(),
        ),
        (
            vec!["withdraw", &codes.other, "--yes"],
            "error: --by NAME is required (or MEKTEP_SECRETARY), to say who did it; nothing was changed\n".into(),
        ),
        (
            vec!["erase-personal", "--before", "11.12.2021", "--yes"],
            "error: --before `11.12.2021` is not a day as YYYY-MM-DD; nothing was erased\n".into(),
        ),
        (
            vec!["erase-personal", "--before", "2999-01-01", "--yes"],
            "error: --before 2999-01-01 is in the future: only data received before today can be erased; nothing was \
             erased\n"
                .into(),
        ),
        (
            vec!["erase-personal", "--before", "2020-12-05", "--yes"],
            "error: --before 2020-12-05 is not after the deadline day (2020-12-11 17:00): it would erase some \
             applicants' data while others' is still being checked; give a day after it; nothing was erased\n"
                .into(),
        ),
        (
            vec!["erase-personal", "--before", "2021-10-01"],
            "error: not run at a terminal, so it cannot ask: add --yes to confirm; nothing was changed\n".into(),
        ),
        (vec!["show", unknown, "--out", out], format!("error: no application has the code {unknown}\n")),
        (
            vec!["show", &codes.online, "--lang", "en", "--out", out],
            "error: `en` is not one of the site's languages (ky, ru)\n".into(),
        ),
        (vec!["check", "--lang", "en"], "error: `en` is not one of the site's languages (ky, ru)\n".into()),
    ];
    for (args, says) in &cases {
        assert_eq!(&refused(&applications(&file, args)), says, "{args:?}");
        assert_eq!(stdout(&applications(&file, &["list", "--personal"])), stored, "{args:?} changed the store");
    }
    // The store's own refusal of a duplicate of an application that is itself a duplicate.
    stdout(&applications(&file, &["decide", &codes.paper, "duplicate", "--of", &codes.online, "--by", "Бермет"]));
    let stored = stdout(&applications(&file, &["list", "--personal"]));
    for (of, why) in [
        (unknown.to_string(), format!("no application has the code {unknown}")),
        (
            codes.paper.clone(),
            format!("{} is itself a duplicate of {}: name the application kept", codes.paper, codes.online),
        ),
    ] {
        let said = refused(&applications(&file, &["decide", &codes.email, "duplicate", "--of", &of, "--by", "Бермет"]));
        assert_eq!(said, format!("error: {} cannot be a duplicate of {of}: {why}; nothing was changed\n", codes.email));
        assert_eq!(stdout(&applications(&file, &["list", "--personal"])), stored);
    }
    assert!(!Path::new(out).exists());
}

/// The binary on the DynamoDB tables `tables` (at DYNAMODB_ENDPOINT) with the frozen content.
fn on_dynamodb(tables: &store::Tables, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_applications"))
        .args(args)
        .arg("--dynamodb")
        .arg("--content")
        .arg(test_support::frozen_content())
        .env("APPLICATIONS_TABLE", &tables.applications)
        .env("APPLICANTS_TABLE", &tables.applicants)
        .env_remove("MEKTEP_SECRETARY")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[tokio::test]
async fn the_secretariats_path_works_on_dynamodb() {
    assert!(
        std::env::var_os("DYNAMODB_ENDPOINT").is_some(),
        "DYNAMODB_ENDPOINT is not set: run `bash tests/run`, which starts DynamoDB Local, or start it with tests/dynamodb-local.sh"
    );
    let tables = test_support::fresh_tables();
    let store = store::DynamoStore::new(store::dynamodb_client().await, tables.clone());
    store.create_tables().await.unwrap();
    let codes = four(&store).await;
    let run = |args: &[&str]| on_dynamodb(&tables, args);

    let report = stdout(&run(&["check", "--lang", "ru"]));
    assert!(block(&report, &codes.paper)
        .contains(&format!("Возможно, заявка той же заявительницы: {} (тот же телефон)\n", codes.online)));
    stdout(&run(&["decide", &codes.paper, "duplicate", "--of", &codes.online, "--by", "Айнура"]));
    let stored = stdout(&run(&["list", "--personal"]));
    assert!(stored.contains(&format!("  paper   duplicate of {} by Айнура at ", codes.online)), "{stored}");
    let said = refused(&run(&["decide", "999-999-9999", "eligible", "--by", "Айнура"]));
    assert_eq!(said, "error: no application has the code 999-999-9999: nothing was changed\n");
    assert_eq!(stdout(&run(&["list", "--personal"])), stored);

    stdout(&run(&["withdraw", &codes.other, "--by", "Айнура", "--yes"]));
    let listing = stdout(&run(&["list"]));
    assert!(listing.starts_with("3 applications: 1 aged 28 and over, 2 under 28; 1 withdrawn\n"), "{listing}");

    let today = Utc::now().with_timezone(&commission::dossier::bishkek()).date_naive().to_string();
    let said = stdout(&run(&["erase-personal", "--before", &today, "--yes"]));
    assert!(said.starts_with("erased the personal data of 3 applications and 0 honeypot catches"), "{said}");
    assert!(said.contains("point-in-time recovery"), "{said}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dossier.html");
    stdout(&run(&["show", &codes.online, "--personal", "--lang", "ru", "--out", out.to_str().unwrap()]));
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.contains("Личные данные удалены.") && !page.contains("Айгуль"), "{page}");
}
