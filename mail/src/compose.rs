//! Messages composed from [`Letters`] and what the store holds: a receipt and an outcome for
//! an applicant, a digest of new applications for the secretariat. Each is plain text with
//! a simple HTML part saying the same (every value escaped); no images, no links, nothing
//! that loads from elsewhere.

use content_model::{escape_html, FieldKind};
use store::{Addressee, Category, Channel, MessageKind, Outcome, StoredAnswers, EMAIL_FIELD};

use crate::Letters;

/// The `code` of a digest, which is about many applications: its SES tag and its file name.
pub const DIGEST_CODE: &str = "digest";

/// One message, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub kind: MessageKind,
    /// The application's code; [`DIGEST_CODE`] for a digest of notices.
    pub code: String,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Her address, when she gave one (and it was not erased).
pub fn address_of(addressee: &Addressee) -> Option<String> {
    let personal = addressee.personal.as_ref()?;
    let address = personal.get(EMAIL_FIELD)?.trim();
    (!address.is_empty()).then(|| address.to_string())
}

/// Her receipt, in the language she applied in; `None` without an address.
pub fn compose_receipt(letters: &Letters, addressee: &Addressee) -> Option<Composed> {
    let to = address_of(addressee)?;
    let answers = &addressee.answers;
    let lang = letters.lang(&answers.lang);
    let code = answers.code.as_str();
    let say = |key: &str| letters.say(key, lang, &[("code", code)]);
    let mut body = Body::new(lang);
    body.paragraph(&say("greeting"));
    body.paragraph(&say("receipt_intro"));
    body.strong(&say("code_line"));
    body.paragraph(&letters.say(
        "receipt_received",
        lang,
        &[("time", &letters.stored_moment(&answers.received_at, lang))],
    ));
    body.paragraph(&say("receipt_keep"));
    body.heading(&say("receipt_next_heading"));
    body.paragraph(&letters.stage_line(&letters.receipt_stage, lang));
    body.paragraph(&say("receipt_next"));
    body.paragraph(&say("receipt_results"));
    contacts(letters, lang, &mut body);
    body.heading(&say("receipt_answers_heading"));
    body.paragraph(&say("receipt_answers_note"));
    answers_copy(letters, lang, addressee, &mut body);
    sign_off(letters, lang, &mut body);
    let (text, html) = body.finish();
    Some(Composed {
        kind: MessageKind::Receipt,
        code: code.to_string(),
        to: vec![to],
        subject: say("receipt_subject"),
        text,
        html,
    })
}

/// Her outcome from the frozen final list, in the language she applied in, with the next
/// stage's dates for those selected; `None` without an address.
pub fn compose_outcome(letters: &Letters, addressee: &Addressee, outcome: Outcome) -> Option<Composed> {
    let to = address_of(addressee)?;
    let lang = letters.lang(&addressee.answers.lang);
    let code = addressee.answers.code.as_str();
    let say = |key: &str| letters.say(key, lang, &[("code", code)]);
    let mut body = Body::new(lang);
    body.paragraph(&say("greeting"));
    body.strong(&say("code_line"));
    match outcome {
        Outcome::Selected => {
            body.paragraph(&say("outcome_selected"));
            body.paragraph(&say("outcome_selected_next"));
            body.paragraph(&letters.stage_line(&letters.selected_stage, lang));
            body.paragraph(&say("outcome_selected_contact"));
        }
        Outcome::Reserve => body.paragraph(&say("outcome_reserve")),
        Outcome::NotSelected => body.paragraph(&say("outcome_not_selected")),
    }
    contacts(letters, lang, &mut body);
    sign_off(letters, lang, &mut body);
    let (text, html) = body.finish();
    Some(Composed {
        kind: MessageKind::Outcome,
        code: code.to_string(),
        to: vec![to],
        subject: say("outcome_subject"),
        text,
        html,
    })
}

/// One digest of new applications for the secretariat at `to`: code, age group, language,
/// channel and time of each, oldest first; nothing personal and no answers.
pub fn compose_digest(letters: &Letters, to: &str, applications: &[StoredAnswers]) -> Composed {
    let lang = letters.lang(&letters.digest_lang).to_string();
    let lang = lang.as_str();
    let mut rows: Vec<&StoredAnswers> = applications.iter().collect();
    rows.sort_by(|a, b| a.received_at.cmp(&b.received_at).then_with(|| a.code.cmp(&b.code)));
    let mut body = Body::new(lang);
    body.paragraph(&letters.say("digest_intro", lang, &[]));
    let header: Vec<String> = ["digest_code", "digest_group", "digest_lang", "digest_channel", "digest_time"]
        .iter()
        .map(|key| letters.say(key, lang, &[]))
        .collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            vec![
                row.code.clone(),
                letters.say(group_key(row.category), lang, &[]),
                letters.language_names.get(&row.lang).cloned().unwrap_or_else(|| row.lang.clone()),
                letters.say(channel_key(row.channel), lang, &[]),
                letters.stored_moment(&row.received_at, lang),
            ]
        })
        .collect();
    body.table(&header, &cells);
    let (text, html) = body.finish();
    Composed {
        kind: MessageKind::Notice,
        code: DIGEST_CODE.to_string(),
        to: vec![to.to_string()],
        subject: letters.say("digest_subject", lang, &[("count", &rows.len().to_string())]),
        text,
        html,
    }
}

fn group_key(category: Category) -> &'static str {
    match category {
        Category::AgedTwentyEightAndOver => "group_aged_28_and_over",
        Category::UnderTwentyEight => "group_under_28",
    }
}

fn channel_key(channel: Channel) -> &'static str {
    match channel {
        Channel::Online => "channel_online",
        Channel::Paper => "channel_paper",
        Channel::Email => "channel_email",
    }
}

fn contacts(letters: &Letters, lang: &str, body: &mut Body) {
    let contact = &letters.contact;
    body.heading(&letters.say("contacts_heading", lang, &[]));
    body.pair(&letters.say("contact_person", lang, &[]), contact.person.get(lang));
    body.pair(&letters.say("contact_email", lang, &[]), &contact.email);
    body.pair(&letters.say("contact_phones", lang, &[]), &contact.phones.join(", "));
    body.pair(&letters.say("contact_address", lang, &[]), contact.address.get(lang));
}

fn sign_off(letters: &Letters, lang: &str, body: &mut Body) {
    body.rule();
    body.paragraph(&letters.say("signature", lang, &[]));
    body.small(&letters.say("automatic", lang, &[]));
}

/// Every question of the form in order, with her answer as she gave it (personal ones too:
/// the copy goes to her own address).
fn answers_copy(letters: &Letters, lang: &str, addressee: &Addressee, body: &mut Body) {
    let personal = addressee.personal.as_ref();
    for section in &letters.form.section {
        body.subheading(&format!("{}. {}", section.id, section.title.get(lang)));
        for field in &section.field {
            let label = format!("{} {}", field.id, field.label.get(lang));
            let Some(name) = field.name.as_deref() else {
                // A fixed answer or a group's heading: its label says it all.
                body.paragraph(&label);
                continue;
            };
            let given = addressee.answers.answers.get(name).or_else(|| personal.and_then(|fields| fields.get(name)));
            let value = match (field.kind, given.map(|value| value.trim()).filter(|value| !value.is_empty())) {
                (_, None) => letters.say("answer_empty", lang, &[]),
                (FieldKind::YesNo | FieldKind::Confirm, Some("yes")) => letters.say("answer_yes", lang, &[]),
                (FieldKind::YesNo | FieldKind::Confirm, Some("no")) => letters.say("answer_no", lang, &[]),
                (_, Some(value)) => value.to_string(),
            };
            body.pair(&label, &value);
        }
    }
}

/// A message's two parts, written side by side so they say the same.
struct Body {
    text: String,
    html: String,
}

impl Body {
    fn new(lang: &str) -> Self {
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head><meta charset=\"utf-8\"></head>\n<body style=\"font-family: sans-serif; line-height: 1.4\">\n",
            escape_html(lang)
        );
        Self { text: String::new(), html }
    }

    fn paragraph(&mut self, text: &str) {
        self.text.push_str(text);
        self.text.push_str("\n\n");
        self.html.push_str(&format!("<p>{}</p>\n", lines(text)));
    }

    fn strong(&mut self, text: &str) {
        self.text.push_str(text);
        self.text.push_str("\n\n");
        self.html.push_str(&format!("<p><strong>{}</strong></p>\n", lines(text)));
    }

    fn small(&mut self, text: &str) {
        self.text.push_str(text);
        self.text.push('\n');
        self.html.push_str(&format!("<p><small>{}</small></p>\n", lines(text)));
    }

    fn heading(&mut self, text: &str) {
        self.text.push_str(&format!("{text}\n{}\n\n", "=".repeat(text.chars().count())));
        self.html.push_str(&format!("<h2>{}</h2>\n", escape_html(text)));
    }

    fn subheading(&mut self, text: &str) {
        self.text.push_str(&format!("{text}\n{}\n\n", "-".repeat(text.chars().count())));
        self.html.push_str(&format!("<h3>{}</h3>\n", escape_html(text)));
    }

    /// A label and its value: the value indented under it in the text, so that a long
    /// answer of several paragraphs stays readable.
    fn pair(&mut self, label: &str, value: &str) {
        self.text.push_str(label);
        self.text.push('\n');
        for line in value.lines() {
            self.text.push_str("    ");
            self.text.push_str(line);
            self.text.push('\n');
        }
        self.text.push('\n');
        self.html.push_str(&format!("<p><b>{}</b><br>\n{}</p>\n", escape_html(label), lines(value)));
    }

    fn table(&mut self, header: &[String], rows: &[Vec<String>]) {
        for row in rows {
            for (name, value) in header.iter().zip(row) {
                self.text.push_str(&format!("{name}: {value}\n"));
            }
            self.text.push('\n');
        }
        self.html.push_str("<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\">\n<tr>");
        for name in header {
            self.html.push_str(&format!("<th>{}</th>", escape_html(name)));
        }
        self.html.push_str("</tr>\n");
        for row in rows {
            self.html.push_str("<tr>");
            for value in row {
                self.html.push_str(&format!("<td>{}</td>", escape_html(value)));
            }
            self.html.push_str("</tr>\n");
        }
        self.html.push_str("</table>\n");
    }

    fn rule(&mut self) {
        self.text.push_str("--\n");
        self.html.push_str("<hr>\n");
    }

    fn finish(mut self) -> (String, String) {
        self.html.push_str("</body>\n</html>\n");
        (self.text, self.html)
    }
}

/// Escaped text whose line breaks stay line breaks.
fn lines(text: &str) -> String {
    text.lines().map(escape_html).collect::<Vec<_>>().join("<br>\n")
}
