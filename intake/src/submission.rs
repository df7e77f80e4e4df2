//! A request body as the applicant's browser or a JSON client sent it: raw answers by name,
//! before any rule is applied.

use std::collections::BTreeMap;
use std::fmt;

use percent_encoding::percent_decode;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

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
    /// Not `a=b&c=d`, not a JSON object of strings and booleans.
    Unreadable,
    /// Bytes that are not UTF-8, in the body or once percent-decoded, or a JSON escape of
    /// half a UTF-16 pair: text that cannot be stored as the applicant wrote it, so none of
    /// the body is. `lang` is what the body's own `lang` field said, when it could be read.
    NotText { lang: Option<String> },
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
        let pairs = match format {
            BodyFormat::Form => form_pairs(body)?,
            BodyFormat::Json => json_pairs(body)?,
        };
        let mut fields: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in pairs {
            // Composed (NFC), so that a letter typed as a base and a combining mark is the same
            // answer, of the same length, as the precomposed one. A repeated name keeps its
            // first value; the form never repeats one.
            fields.entry(name.nfc().collect()).or_insert_with(|| value.nfc().collect());
        }
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

/// `a=b&c=d`, each name and value percent-decoded and required to be UTF-8. (`serde_urlencoded`
/// would put U+FFFD in place of bytes that are not, and the answer would be stored changed.)
fn form_pairs(body: &[u8]) -> Result<Vec<(String, String)>, BodyError> {
    let mut pairs = Vec::new();
    let mut not_text = false;
    for piece in body.split(|&b| b == b'&').filter(|piece| !piece.is_empty()) {
        let mut parts = piece.splitn(2, |&b| b == b'=');
        let name = decode_form_text(parts.next().unwrap_or_default());
        let value = decode_form_text(parts.next().unwrap_or_default());
        match (name, value) {
            (Some(name), Some(value)) => pairs.push((name, value)),
            _ => not_text = true,
        }
    }
    if not_text {
        return Err(BodyError::NotText { lang: lang_of(&pairs) });
    }
    Ok(pairs)
}

fn decode_form_text(bytes: &[u8]) -> Option<String> {
    let spaced: Vec<u8> = bytes.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
    String::from_utf8(percent_decode(&spaced).collect()).ok()
}

/// A JSON object of strings, booleans and nulls; booleans become `yes` and `no`.
fn json_pairs(body: &[u8]) -> Result<Vec<(String, String)>, BodyError> {
    let Ok(text) = std::str::from_utf8(body) else {
        // Read past the broken bytes only to find the page's language for the refusal.
        let lang = json_answers(&String::from_utf8_lossy(body)).ok().and_then(|answers| {
            lang_of(
                &answers
                    .into_iter()
                    .filter_map(|(name, answer)| Some((name.text()?, answer.text()?)))
                    .collect::<Vec<_>>(),
            )
        });
        return Err(BodyError::NotText { lang });
    };
    let answers = json_answers(text)?;
    let mut pairs = Vec::with_capacity(answers.len());
    let mut not_text = false;
    for (name, answer) in answers {
        match (name.text(), answer.text()) {
            (Some(name), Some(value)) => pairs.push((name, value)),
            _ => not_text = true,
        }
    }
    if not_text {
        return Err(BodyError::NotText { lang: lang_of(&pairs) });
    }
    Ok(pairs)
}

/// The object's members in order, repeated names included, strings as the bytes their
/// escapes stand for (a lone surrogate comes out as WTF-8, which is not UTF-8).
fn json_answers(text: &str) -> Result<Vec<(JsonText, JsonText)>, BodyError> {
    let members: JsonMembers<'_> = serde_json::from_str(text).map_err(|_| BodyError::Unreadable)?;
    members
        .0
        .into_iter()
        .map(|(name, value)| {
            let answer = match value.get() {
                "true" => JsonText(b"yes".to_vec()),
                "false" => JsonText(b"no".to_vec()),
                "null" => JsonText(Vec::new()),
                string if string.starts_with('"') => serde_json::from_str(string).map_err(|_| BodyError::Unreadable)?,
                _ => return Err(BodyError::Unreadable),
            };
            Ok((name, answer))
        })
        .collect()
}

/// What a JSON string's escapes stand for, before it is known to be text.
struct JsonText(Vec<u8>);

impl JsonText {
    fn text(self) -> Option<String> {
        String::from_utf8(self.0).ok()
    }
}

impl<'de> Deserialize<'de> for JsonText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Bytes;
        impl Visitor<'_> for Bytes {
            type Value = JsonText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<JsonText, E> {
                Ok(JsonText(bytes.to_vec()))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<JsonText, E> {
                Ok(JsonText(text.as_bytes().to_vec()))
            }
        }
        // serde_json hands a string to `deserialize_bytes` unchecked, escapes resolved.
        deserializer.deserialize_bytes(Bytes)
    }
}

/// A JSON object's members as written, each value still raw.
struct JsonMembers<'a>(Vec<(JsonText, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for JsonMembers<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Members<'a> {
            type Value = JsonMembers<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonMembers<'a>, A::Error> {
                let mut members = Vec::new();
                while let Some(name) = map.next_key::<JsonText>()? {
                    members.push((name, map.next_value::<&'a RawValue>()?));
                }
                Ok(JsonMembers(members))
            }
        }
        deserializer.deserialize_map(Members(std::marker::PhantomData))
    }
}

fn lang_of(pairs: &[(String, String)]) -> Option<String> {
    pairs.iter().find(|(name, _)| name == "lang").map(|(_, value)| value.clone())
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
    fn bytes_that_are_not_utf8_are_refused_in_either_format_with_the_pages_language_when_it_reads() {
        let not_text = |format, body: &[u8]| RawSubmission::parse(format, body).unwrap_err();
        let lang = |lang: &str| BodyError::NotText { lang: Some(lang.into()) };
        assert_eq!(not_text(BodyFormat::Form, b"lang=ru&full_name=%C0%AF"), lang("ru"));
        assert_eq!(not_text(BodyFormat::Form, b"full_name=\xff&lang=ky"), lang("ky"));
        assert_eq!(not_text(BodyFormat::Form, b"%ED%A0%80=x&lang=ru"), lang("ru"), "an encoded surrogate");
        assert_eq!(not_text(BodyFormat::Form, b"lang=%FF"), BodyError::NotText { lang: None });
        assert_eq!(not_text(BodyFormat::Json, br#"{"lang":"ru","full_name":"\ud800"}"#), lang("ru"));
        assert_eq!(not_text(BodyFormat::Json, br#"{"lang":"ky","\udc00":"x"}"#), lang("ky"));
        assert_eq!(not_text(BodyFormat::Json, b"{\"lang\":\"ru\",\"essay\":\"\xc3\"}"), lang("ru"));
        assert_eq!(not_text(BodyFormat::Json, b"\xff"), BodyError::NotText { lang: None });
        let pair = RawSubmission::parse(BodyFormat::Json, br#"{"essay":"\ud83d\ude00"}"#).unwrap();
        assert_eq!(pair.fields["essay"], "😀", "a whole surrogate pair is text");
    }

    #[test]
    fn answers_are_composed() {
        let raw = RawSubmission::parse(BodyFormat::Form, "full_name=%D0%B8%CC%86".as_bytes()).unwrap();
        assert_eq!(raw.fields["full_name"], "й");
        let raw = RawSubmission::parse(BodyFormat::Json, "{\"full_name\": \"е\u{308}\"}".as_bytes()).unwrap();
        assert_eq!(raw.fields["full_name"], "ё");
    }

    #[test]
    fn content_types_are_read_without_their_parameters() {
        assert_eq!(BodyFormat::from_content_type("application/json; charset=utf-8"), Some(BodyFormat::Json));
        assert_eq!(BodyFormat::from_content_type("Application/X-WWW-Form-Urlencoded"), Some(BodyFormat::Form));
        assert_eq!(BodyFormat::from_content_type("multipart/form-data; boundary=x"), None);
    }
}
