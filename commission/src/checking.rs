//! What the secretariat must decide about each application before it is scored: whether every
//! required answer is there, the applicant's age on the deadline day (and so her age group),
//! and which other applications are likely the same woman's — the same name and birth date,
//! or the same phone or e-mail, however they were typed.
//!
//! Everything here is pure: the tool reads the store and the content, these functions compare.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, NaiveDate};
use content_model::Form;
use intake::age_on;
use store::{Category, Decision, Fields, StoredAnswers};
use unicode_normalization::UnicodeNormalization as _;

/// Latin letters that look like Cyrillic ones (in either case), mapped to the Cyrillic
/// letter after lowercasing: `Aйгуль` typed with a Latin `A` is `Айгуль`. Kyrgyz letters
/// (ө, ү, ң) become their Russian neighbours (о, у, н): on a phone or a computer without a
/// Kyrgyz keyboard, that is how `Гүлнара` is typed, so the same woman applying twice may
/// write her name both ways. A likely duplicate by name also needs the same birth date.
fn cyrillic_look_alike(c: char) -> char {
    match c {
        'a' => 'а',
        'b' => 'в',
        'c' => 'с',
        'e' => 'е',
        'h' => 'н',
        'k' => 'к',
        'm' => 'м',
        'o' => 'о',
        'p' => 'р',
        't' => 'т',
        'x' => 'х',
        'y' => 'у',
        // ё is often written е in Russian names (Алёна, Алена); one skeleton for both.
        'ё' => 'е',
        // Kyrgyz letters as a Russian keyboard types them, from any keyboard's form of them
        // (ң with a tail, a barred o).
        'ө' | 'ɵ' => 'о',
        'ү' => 'у',
        'ң' | 'ӊ' => 'н',
        other => other,
    }
}

/// A text's skeleton for comparing: compatibility forms composed (NFKC: a full-width `Ａ`
/// is `A`, `и` with a combining breve is `й`), lowercased, Latin look-alikes as Cyrillic,
/// hyphens as blanks, runs of blanks as one.
pub fn skeleton(text: &str) -> String {
    let letters: String = text
        .nfkc()
        .flat_map(char::to_lowercase)
        .map(|c| if c == '-' || c == '‐' || c == '–' { ' ' } else { cyrillic_look_alike(c) })
        .collect();
    letters.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A name's key: its skeleton's words in order, so that `Асанова Айгүл` and `Айгүл Асанова`
/// are the same name.
pub fn name_key(name: &str) -> String {
    let skeleton = skeleton(name);
    let mut words: Vec<&str> = skeleton.split(' ').filter(|word| !word.is_empty()).collect();
    words.sort_unstable();
    words.join(" ")
}

/// Whether two name keys ([`name_key`]) may name one woman: the same words, or every word
/// of the shorter (two at least) in the longer, as when one form gives the patronymic
/// (`Асанова Айгүл Бакытовна`) and the other not (`Асанова Айгүл`).
fn same_person_named(one: &str, other: &str) -> bool {
    if one == other {
        return true;
    }
    let words = |key: &str| key.split(' ').map(str::to_string).collect::<BTreeSet<String>>();
    let (one, other) = (words(one), words(other));
    let (shorter, longer) = if one.len() <= other.len() { (&one, &other) } else { (&other, &one) };
    shorter.len() >= 2 && shorter.is_subset(longer)
}

/// A phone number's key: its digits, as the national number when it is a Kyrgyz one:
/// `+996 770 771 156`, `00996770771156`, `+996 0770 771 156`, `0770771156` and `770771156`
/// are all `770771156`.
/// `None` when it has too few digits to be compared (fewer than 6).
pub fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.nfkc().filter(char::is_ascii_digit).collect();
    let international = digits.strip_prefix("00").unwrap_or(&digits);
    let national = match international.len() {
        12 => international.strip_prefix("996"),
        // The trunk 0 kept after the country code, as people write it: +996 0770 …
        13 => international.strip_prefix("9960"),
        10 => digits.strip_prefix('0'),
        _ => None,
    };
    let key = national.unwrap_or(&digits);
    (key.len() >= 6).then(|| key.to_string())
}

/// An e-mail address's key: its skeleton without blanks.
pub fn email_key(email: &str) -> Option<String> {
    let key: String = skeleton(email).chars().filter(|c| !c.is_whitespace()).collect();
    (!key.is_empty()).then_some(key)
}

/// Why two applications look like one applicant's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Likeness {
    /// The same name (after [`name_key`]) and the same birth date.
    NameAndBirthDate,
    /// The same phone number (after [`phone_key`]), as phone or WhatsApp.
    Phone,
    /// The same e-mail address (after [`email_key`]).
    Email,
}

impl Likeness {
    /// The key of its words in `content/selection.toml`.
    pub fn text_key(self) -> &'static str {
        match self {
            Likeness::NameAndBirthDate => "check_same_name",
            Likeness::Phone => "check_same_phone",
            Likeness::Email => "check_same_email",
        }
    }
}

/// What the applicant's age on the deadline day says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Age {
    /// Years on the deadline day and the age group they give.
    Known { years: u32, category: Category, under_minimum: bool },
    /// No birth date to count from: erased with the personal data, or not a date.
    Unknown,
}

/// What the secretariat must decide about one application.
#[derive(Debug, Clone)]
pub struct Finding<'a> {
    pub application: &'a StoredAnswers,
    /// The applicant's name, for the secretariat's eyes; `None` once personal data is erased.
    pub name: Option<&'a str>,
    /// The ids (`3.2`) of required questions left without an answer.
    pub missing: Vec<&'a str>,
    /// Whether the personal data was erased, so its questions cannot be checked.
    pub personal_erased: bool,
    pub age: Age,
    /// Other codes that look like the same applicant's, and why.
    pub likely_duplicates: BTreeMap<String, BTreeSet<Likeness>>,
    pub decision: Option<&'a Decision>,
}

/// The rules the checks need from the content.
pub struct Rules<'a> {
    pub form: &'a Form,
    /// The application deadline: ages count on its day.
    pub deadline: DateTime<FixedOffset>,
}

/// Names of the personal questions the duplicate checks read.
const NAME: &str = "full_name";
const PHONES: [&str; 2] = ["phone", "whatsapp"];
const EMAIL: &str = "email";

/// One application with what is known about it: its answers, its personal data (`None` once
/// erased) and its current decision.
pub struct Checked<'a> {
    pub application: &'a StoredAnswers,
    pub personal: Option<&'a Fields>,
    pub decision: Option<&'a Decision>,
}

/// Every application's findings, in the order given.
pub fn check<'a>(rules: &Rules<'a>, applications: &[Checked<'a>]) -> Vec<Finding<'a>> {
    let keys: Vec<Keys> = applications.iter().map(|checked| Keys::of(checked.personal)).collect();
    applications
        .iter()
        .zip(&keys)
        .enumerate()
        .map(|(index, (checked, own))| {
            let mut likely_duplicates: BTreeMap<String, BTreeSet<Likeness>> = BTreeMap::new();
            for (other_index, (other, theirs)) in applications.iter().zip(&keys).enumerate() {
                if other_index == index {
                    continue;
                }
                let likeness = own.likeness(theirs);
                if !likeness.is_empty() {
                    likely_duplicates.entry(other.application.code.clone()).or_default().extend(likeness);
                }
            }
            let (missing, personal_erased) = missing_answers(rules.form, checked);
            Finding {
                application: checked.application,
                name: checked.personal.and_then(|personal| personal.get(NAME)).map(String::as_str),
                missing,
                personal_erased,
                age: age(rules, checked.personal),
                likely_duplicates,
                decision: checked.decision,
            }
        })
        .collect()
}

/// What the duplicate checks compare of one application.
#[derive(Default)]
struct Keys {
    name_and_birth: Option<(String, String)>,
    phones: BTreeSet<String>,
    email: Option<String>,
}

impl Keys {
    fn of(personal: Option<&Fields>) -> Self {
        let Some(personal) = personal else {
            return Keys::default();
        };
        let birth = personal.get("birth_date").map(|date| date.trim().to_string()).filter(|date| !date.is_empty());
        let name = personal.get(NAME).map(|name| name_key(name)).filter(|name| !name.is_empty());
        Keys {
            name_and_birth: name.zip(birth),
            phones: PHONES.iter().filter_map(|field| personal.get(*field)).filter_map(|p| phone_key(p)).collect(),
            email: personal.get(EMAIL).and_then(|email| email_key(email)),
        }
    }

    fn likeness(&self, other: &Keys) -> Vec<Likeness> {
        let mut likeness = Vec::new();
        if let (Some((name, birth)), Some((other_name, other_birth))) = (&self.name_and_birth, &other.name_and_birth) {
            if birth == other_birth && same_person_named(name, other_name) {
                likeness.push(Likeness::NameAndBirthDate);
            }
        }
        if !self.phones.is_disjoint(&other.phones) {
            likeness.push(Likeness::Phone);
        }
        if self.email.is_some() && self.email == other.email {
            likeness.push(Likeness::Email);
        }
        likeness
    }
}

/// The required questions without an answer, as the intake requires them (a text is
/// required after a yes to its question); personal questions cannot be checked once erased.
fn missing_answers<'a>(form: &'a Form, checked: &Checked<'_>) -> (Vec<&'a str>, bool) {
    let value = |name: &str| -> Option<&str> {
        checked
            .application
            .answers
            .get(name)
            .or_else(|| checked.personal.and_then(|personal| personal.get(name)))
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
    };
    let mut missing = Vec::new();
    let mut erased = false;
    for field in form.fields().filter(|field| field.kind.is_answered()) {
        let Some(name) = field.name.as_deref() else {
            continue;
        };
        let required = field.required || field.required_when.as_deref().is_some_and(|when| value(when) == Some("yes"));
        if !required || value(name).is_some() {
            continue;
        }
        if field.personal && checked.personal.is_none() {
            erased = true;
        } else {
            missing.push(field.id.as_str());
        }
    }
    (missing, erased)
}

fn age(rules: &Rules<'_>, personal: Option<&Fields>) -> Age {
    let birth = personal
        .and_then(|personal| personal.get(&rules.form.age.field))
        .and_then(|date| NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok());
    match birth {
        Some(birth) => {
            let years = age_on(birth, rules.deadline);
            let category = if years >= rules.form.age.older_from {
                Category::AgedTwentyEightAndOver
            } else {
                Category::UnderTwentyEight
            };
            Age::Known { years, category, under_minimum: years < rules.form.age.minimum }
        }
        None => Age::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_forms_of_one_number_have_one_key() {
        for phone in
            ["+996 770 771 156", "0770771156", "770771156", "996770771156", "00996 770 771 156", "+996 0770 771 156"]
        {
            assert_eq!(phone_key(phone).as_deref(), Some("770771156"), "{phone}");
        }
        assert_eq!(phone_key("+996 (770) 77-11-56").as_deref(), Some("770771156"));
        assert_eq!(phone_key("0770 771 156").as_deref(), Some("770771156"));
        // Full-width digits, as some phone keyboards type them.
        assert_eq!(phone_key("０７７０７７１１５６").as_deref(), Some("770771156"));
        assert_ne!(phone_key("0770771157"), phone_key("0770771156"));
        // A foreign number is compared as its digits.
        assert_eq!(phone_key("+7 916 123 45 67").as_deref(), Some("79161234567"));
        assert_eq!(phone_key("12-34"), None);
        assert_eq!(phone_key(""), None);
    }

    #[test]
    fn latin_look_alikes_case_and_blanks_make_one_name() {
        // `А`, `е`, `о`, `р`, `с`, `х`, `у`, `к`, `м`, `т`, `н`, `в` typed on a Latin keyboard.
        assert_eq!(skeleton("  AЙГУЛЬ   Токтоматова "), skeleton("Айгуль Токтоматова"));
        assert_eq!(skeleton("Pахат Cыдыкова"), skeleton("Рахат Сыдыкова"));
        assert_eq!(skeleton("TEMИPOBA XAKИMA"), skeleton("Темирова Хакима"));
        assert_eq!(skeleton("Maйрaм Boрoнцoвa"), skeleton("Майрам Воронцова"));
        assert_eq!(skeleton("Kyбaнычбeк"), skeleton("Кубанычбек"));
        assert_eq!(skeleton("Hуриза"), skeleton("Нуриза"));
        // Full-width Latin, a combining breve, ё for е, a hyphen for a blank.
        assert_eq!(skeleton("Ａйгуль"), skeleton("Айгуль"));
        assert_eq!(skeleton("Аи\u{306}ме"), skeleton("Айме"));
        assert_eq!(skeleton("Алёна Ким-Петрова"), skeleton("алена ким петрова"));
    }

    #[test]
    fn kyrgyz_letters_typed_on_a_russian_keyboard_make_the_same_name() {
        assert_eq!(skeleton("Айгүл Төлөгөнова"), skeleton("Айгул Тологонова"));
        assert_eq!(skeleton("Өмүрбек"), skeleton("Омурбек"));
        assert_eq!(skeleton("Жаңыл"), skeleton("Жаныл"));
        assert_eq!(skeleton("Жаӊыл"), skeleton("Жаңыл"));
        assert_eq!(skeleton("Айгүл Төлөгөнова"), "айгул тологонова");
        assert_ne!(skeleton("Айгүл"), skeleton("Айжан"));
    }

    #[test]
    fn a_name_with_and_without_its_patronymic_may_be_one_woman() {
        let with = name_key("Асанова Айгүл Бакытовна");
        assert!(same_person_named(&with, &name_key("Айгүл Асанова")));
        assert!(same_person_named(&name_key("Айгул Асанова"), &with));
        // One word in common is not enough: many share a first name.
        assert!(!same_person_named(&with, &name_key("Айгүл")));
        assert!(!same_person_named(&with, &name_key("Айгүл Токтоматова")));
    }

    #[test]
    fn a_name_is_the_same_in_either_order() {
        assert_eq!(name_key("Асанова Айгүл"), name_key("АЙГҮЛ  aсaнoвa"));
        assert_eq!(name_key("Асанова Айгүл"), name_key("Асанова Айгул"));
        assert_ne!(name_key("Асанова Айгүл"), name_key("Асанова Айжан"));
    }

    #[test]
    fn emails_compare_without_case_blanks_or_look_alikes() {
        assert_eq!(email_key(" Aigul@Mail.KG "), email_key("aigul@mail.kg"));
        // A Cyrillic `а` and `е` in an address typed on a Russian keyboard.
        assert_eq!(email_key("аigul@mаil.kg"), email_key("aigul@mail.kg"));
        assert_ne!(email_key("aigul1@mail.kg"), email_key("aigul@mail.kg"));
        assert_eq!(email_key("  "), None);
    }

    #[test]
    fn age_counts_whole_years_on_the_deadline_day_in_bishkek() {
        let deadline = DateTime::parse_from_rfc3339("2020-12-11T17:00:00+06:00").unwrap();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(age_on(day(2002, 12, 11), deadline), 18);
        assert_eq!(age_on(day(2002, 12, 12), deadline), 17);
        assert_eq!(age_on(day(1992, 12, 11), deadline), 28);
        assert_eq!(age_on(day(1992, 12, 12), deadline), 27);
        assert_eq!(age_on(day(2021, 1, 1), deadline), 0);
    }

    fn frozen_form() -> Form {
        let file = test_support::frozen_content().join("form.toml");
        Form::parse(&file, &std::fs::read_to_string(&file).unwrap(), &["ky".into(), "ru".into()]).unwrap()
    }

    fn stored(code: &str, answers: &Fields) -> StoredAnswers {
        StoredAnswers {
            code: code.into(),
            lang: "ky".into(),
            category: Category::UnderTwentyEight,
            received_at: "2020-12-01T08:30:00+00:00".into(),
            answers: answers.clone(),
            channel: store::Channel::Paper,
            entered_by: Some("Бермет".into()),
        }
    }

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// Every required answer of the frozen form but the personal ones: no to every yes/no
    /// question (so no text is required after it), every box ticked, and an essay.
    fn complete_answers() -> Fields {
        frozen_form()
            .fields()
            .filter(|f| f.required && !f.personal)
            .filter_map(|f| {
                let value = match f.kind {
                    content_model::FieldKind::YesNo => "no",
                    content_model::FieldKind::Confirm => "yes",
                    _ => "Эссе",
                };
                Some((f.name.clone()?, value.to_string()))
            })
            .collect()
    }

    #[test]
    fn findings_name_missing_answers_age_and_likely_duplicates() {
        let form = frozen_form();
        let rules = Rules { form: &form, deadline: DateTime::parse_from_rfc3339("2020-12-11T17:00:00+06:00").unwrap() };
        let mut answers = complete_answers();
        let first = stored("111-111-1111", &answers);
        // The essay is gone.
        answers.remove("essay");
        let second = stored("222-222-2222", &answers);
        let third = stored("333-333-3333", &complete_answers());
        let a = fields(&[
            ("full_name", "Айгуль Токтоматова"),
            ("birth_date", "2003-01-05"),
            ("residence", "Нарын"),
            ("phone", "+996 770 771 156"),
            ("email", "aigul@mail.kg"),
        ]);
        let b = fields(&[
            ("full_name", "TOKTOMATOBA AЙГУЛЬ"),
            ("birth_date", "2003-01-05"),
            ("residence", "Нарын"),
            ("phone", "0555 000 111"),
        ]);
        let c = fields(&[
            ("full_name", "Бермет Асанова"),
            ("birth_date", "1990-02-03"),
            ("residence", "Талас"),
            ("phone", "0700 123456"),
            ("whatsapp", "770771156"),
            ("email", "Aigul@Mail.kg"),
        ]);
        let decision = Decision {
            code: "333-333-3333".into(),
            verdict: store::Verdict::Eligible,
            by: "Бермет".into(),
            at: chrono::Utc::now(),
        };
        let findings = check(
            &rules,
            &[
                Checked { application: &first, personal: Some(&a), decision: None },
                Checked { application: &second, personal: Some(&b), decision: None },
                Checked { application: &third, personal: Some(&c), decision: Some(&decision) },
            ],
        );
        let [first, second, third] = &findings[..] else { panic!("{findings:?}") };
        assert_eq!(first.missing, Vec::<&str>::new());
        assert_eq!(second.missing, ["8.1"]);
        assert_eq!(first.age, Age::Known { years: 17, category: Category::UnderTwentyEight, under_minimum: true });
        assert_eq!(
            third.age,
            Age::Known { years: 30, category: Category::AgedTwentyEightAndOver, under_minimum: false }
        );
        assert_eq!(
            first.likely_duplicates,
            BTreeMap::from([
                ("222-222-2222".to_string(), BTreeSet::from([Likeness::NameAndBirthDate])),
                ("333-333-3333".to_string(), BTreeSet::from([Likeness::Phone, Likeness::Email])),
            ])
        );
        assert_eq!(second.likely_duplicates.keys().collect::<Vec<_>>(), ["111-111-1111"]);
        assert_eq!(third.decision, Some(&decision));
        assert_eq!(first.name, Some("Айгуль Токтоматова"));
    }

    #[test]
    fn erased_personal_data_is_said_not_counted_as_missing() {
        let form = frozen_form();
        let rules = Rules { form: &form, deadline: DateTime::parse_from_rfc3339("2020-12-11T17:00:00+06:00").unwrap() };
        let application = stored("111-111-1111", &complete_answers());
        let findings = check(&rules, &[Checked { application: &application, personal: None, decision: None }]);
        let [finding] = &findings[..] else { panic!("{findings:?}") };
        assert!(finding.personal_erased);
        assert!(finding.missing.is_empty(), "{:?}", finding.missing);
        assert_eq!(finding.age, Age::Unknown);
        assert_eq!(finding.name, None);
    }

    #[test]
    fn a_text_is_required_after_a_yes_only() {
        let form = frozen_form();
        let rules = Rules { form: &form, deadline: DateTime::parse_from_rfc3339("2020-12-11T17:00:00+06:00").unwrap() };
        let mut answers = complete_answers();
        for (name, value) in [
            ("lsg_experience", "yes"),
            ("lsg_experience_text", "Айыл өкмөтү менен"),
            ("community_experience", "yes"),
            ("support_groups", "yes"),
            ("ready_active", "yes"),
        ] {
            answers.insert(name.into(), value.into());
        }
        let application = stored("111-111-1111", &answers);
        let personal =
            fields(&[("full_name", "А"), ("birth_date", "1990-01-01"), ("residence", "Б"), ("phone", "0700123456")]);
        let findings =
            check(&rules, &[Checked { application: &application, personal: Some(&personal), decision: None }]);
        // Yes to 3.1 (with its text), 4.1 and 5.1 (without theirs); 6.1 has no text to ask for.
        assert_eq!(findings[0].missing, ["4.2", "5.2"]);
    }
}
