//! A request body as the applicant's browser or a JSON client sent it: raw answers by name,
//! before any rule is applied.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// The posted answers by field name, with the form's own fields taken out.
#[derive(Debug, Clone)]
pub struct RawSubmission {
    pub fields: BTreeMap<String, String>,
    /// The page's language, when it said.
    pub lang: Option<String>,
    /// Sent by the page so that a retry stores nothing new; without JavaScript there is none,
    /// and the body's digest stands in (a double click posts the same body twice).
    pub submission_id: String,
    /// The hidden field only bots fill in.
    pub honeypot: String,
}

/// Why a body could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// Not UTF-8, not `a=b&c=d`, not a JSON object of strings and booleans.
    Unreadable,
}

/// The body formats the intake accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    Form,
    Json,
}

impl BodyFormat {
    /// From a `Content-Type` header, ignoring parameters such as `charset`.
    pub fn from_content_type(value: &str) -> Option<Self> {
        match value.split(';').next().unwrap_or("").trim().to_ascii_lowercase().as_str() {
            "application/x-www-form-urlencoded" => Some(BodyFormat::Form),
            "application/json" => Some(BodyFormat::Json),
            _ => None,
        }
    }
}

impl RawSubmission {
    pub fn parse(format: BodyFormat, body: &[u8]) -> Result<Self, BodyError> {
        let mut fields: BTreeMap<String, String> = match format {
            BodyFormat::Form => {
                let pairs: Vec<(String, String)> =
                    serde_urlencoded::from_bytes(body).map_err(|_| BodyError::Unreadable)?;
                let mut fields = BTreeMap::new();
                for (name, value) in pairs {
                    // A repeated name keeps its first value; the form never repeats one.
                    fields.entry(name).or_insert(value);
                }
                fields
            }
            BodyFormat::Json => {
                let object: BTreeMap<String, serde_json::Value> =
                    serde_json::from_slice(body).map_err(|_| BodyError::Unreadable)?;
                object
                    .into_iter()
                    .map(|(name, value)| {
                        let text = match value {
                            serde_json::Value::String(text) => text,
                            serde_json::Value::Bool(true) => "yes".into(),
                            serde_json::Value::Bool(false) => "no".into(),
                            serde_json::Value::Null => String::new(),
                            _ => return Err(BodyError::Unreadable),
                        };
                        Ok((name, text))
                    })
                    .collect::<Result<_, _>>()?
            }
        };
        let lang = fields.remove("lang");
        let honeypot = fields.remove("website").unwrap_or_default();
        let submission_id = match fields.remove("submission_id").filter(|id| is_valid_id(id)) {
            Some(id) => id,
            None => {
                let digest = Sha256::digest(body);
                format!("body-{}", digest.iter().take(16).map(|b| format!("{b:02x}")).collect::<String>())
            }
        };
        Ok(Self { fields, lang, submission_id, honeypot })
    }
}

/// Page-made ids: 8 to 64 letters, digits and hyphens (a UUID fits).
fn is_valid_id(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_form_posts_and_takes_out_the_forms_own_fields() {
        let body = "lang=ru&submission_id=3f2a9c1e-0000-4000-8000-000000000001&website=&full_name=%D0%90%D0%B9%D0%B3%D1%83%D0%BB%D1%8C&lsg_experience=yes";
        let raw = RawSubmission::parse(BodyFormat::Form, body.as_bytes()).unwrap();
        assert_eq!(raw.lang.as_deref(), Some("ru"));
        assert_eq!(raw.submission_id, "3f2a9c1e-0000-4000-8000-000000000001");
        assert_eq!(raw.fields["full_name"], "Айгуль");
        assert_eq!(raw.fields.len(), 2);
    }

    #[test]
    fn without_an_id_the_same_body_gets_the_same_id() {
        let a = RawSubmission::parse(BodyFormat::Form, b"full_name=A").unwrap();
        let b = RawSubmission::parse(BodyFormat::Form, b"full_name=A").unwrap();
        let c = RawSubmission::parse(BodyFormat::Form, b"full_name=B").unwrap();
        assert_eq!(a.submission_id, b.submission_id);
        assert_ne!(a.submission_id, c.submission_id);
        assert!(!a.submission_id.contains('A'));
    }

    #[test]
    fn json_booleans_become_yes_and_no_and_numbers_are_refused() {
        let raw = RawSubmission::parse(BodyFormat::Json, br#"{"confirm_age": true, "support_groups": false}"#).unwrap();
        assert_eq!((raw.fields["confirm_age"].as_str(), raw.fields["support_groups"].as_str()), ("yes", "no"));
        assert_eq!(
            RawSubmission::parse(BodyFormat::Json, br#"{"phone": 700123456}"#).unwrap_err(),
            BodyError::Unreadable
        );
        assert_eq!(RawSubmission::parse(BodyFormat::Json, b"[1]").unwrap_err(), BodyError::Unreadable);
    }

    #[test]
    fn content_types_are_read_without_their_parameters() {
        assert_eq!(BodyFormat::from_content_type("application/json; charset=utf-8"), Some(BodyFormat::Json));
        assert_eq!(BodyFormat::from_content_type("Application/X-WWW-Form-Urlencoded"), Some(BodyFormat::Form));
        assert_eq!(BodyFormat::from_content_type("multipart/form-data; boundary=x"), None);
    }
}
