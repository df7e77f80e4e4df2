//! What the notifier is invoked with, read from the event's JSON: EventBridge's scheduled
//! event (drain the outbox), or SNS carrying SES's bounce and complaint notifications (log
//! them). Only what an operator needs is kept: which message (its `kind` and `code` tags) and
//! what kind of bounce. The addresses in the notification are never read.

use serde_json::Value;

/// What the notifier was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// EventBridge's schedule: one drain of every kind.
    Scheduled,
    /// SES notifications delivered through SNS.
    Ses(Vec<SesReport>),
    /// Anything else, described without its content.
    Other(String),
}

/// One SES notification about a sent message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesReport {
    /// `Bounce`, `Complaint`, or another type SES publishes (`Delivery`, `Reject`, …).
    pub notification: String,
    /// The message's `kind` tag (`receipt`, `notice`, `outcome`), when SES passed it on.
    pub kind: Option<String>,
    /// The message's `code` tag.
    pub code: Option<String>,
    /// A bounce's `bounceType` and `bounceSubType` (`Permanent`/`General`), a complaint's
    /// `complaintFeedbackType` (`abuse`).
    pub detail: Option<String>,
    pub sub_detail: Option<String>,
}

impl SesReport {
    /// One log line: a warning `mail_bounce` or `mail_complaint` (the operator's alarms match
    /// on them), `mail_ses_notification` at info for other types. Never an address.
    pub fn log(&self) {
        let kind = self.kind.as_deref().unwrap_or("-");
        let code = self.code.as_deref().unwrap_or("-");
        let detail = self.detail.as_deref().unwrap_or("-");
        let sub_detail = self.sub_detail.as_deref().unwrap_or("-");
        match self.notification.as_str() {
            "Bounce" => tracing::warn!(kind, code, bounce_type = detail, bounce_sub_type = sub_detail, "mail_bounce"),
            "Complaint" => tracing::warn!(kind, code, complaint_type = detail, "mail_complaint"),
            other => tracing::info!(kind, code, notification = other, "mail_ses_notification"),
        }
    }
}

/// Reads an invocation's event.
pub fn read_event(event: &Value) -> Event {
    if event.get("source").and_then(Value::as_str) == Some("aws.events")
        || event.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event")
    {
        return Event::Scheduled;
    }
    let Some(records) = event.get("Records").and_then(Value::as_array) else {
        return Event::Other(describe(event));
    };
    let mut reports = Vec::new();
    for record in records {
        let source = record.get("EventSource").or_else(|| record.get("eventSource")).and_then(Value::as_str);
        if source != Some("aws:sns") {
            return Event::Other(format!("a record from {}", source.unwrap_or("an unknown source")));
        }
        let message = record.pointer("/Sns/Message").and_then(Value::as_str).unwrap_or("");
        match serde_json::from_str::<Value>(message) {
            Ok(notification) => reports.push(report(&notification)),
            Err(_) => return Event::Other("an SNS message that is not JSON".into()),
        }
    }
    Event::Ses(reports)
}

/// SES writes `notificationType` for identity notifications and `eventType` for a
/// configuration set's event publishing; the tags come with the latter (`mail.tags`, each a
/// list of values).
fn report(notification: &Value) -> SesReport {
    let text = |pointer: &str| notification.pointer(pointer).and_then(Value::as_str).map(str::to_string);
    let tag = |name: &str| {
        let values = notification.pointer(&format!("/mail/tags/{name}"));
        values.and_then(|values| values.get(0)).or(values).and_then(Value::as_str).map(str::to_string)
    };
    let notification_type =
        text("/notificationType").or_else(|| text("/eventType")).unwrap_or_else(|| "unknown".into());
    let (detail, sub_detail) = match notification_type.as_str() {
        "Bounce" => (text("/bounce/bounceType"), text("/bounce/bounceSubType")),
        "Complaint" => (text("/complaint/complaintFeedbackType"), text("/complaint/complaintSubType")),
        _ => (None, None),
    };
    SesReport { notification: notification_type, kind: tag("kind"), code: tag("code"), detail, sub_detail }
}

/// What an unknown event is, by its top-level keys only (never its values).
fn describe(event: &Value) -> String {
    match event.as_object() {
        Some(object) => format!("an event with keys {:?}", object.keys().collect::<Vec<_>>()),
        None => "an event that is not a JSON object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sns(message: Value) -> Value {
        json!({"Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "Sns": {"Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:eu-central-1:1:mail", "Message": message.to_string()}
        }]})
    }

    #[test]
    fn a_scheduled_event_drains() {
        let event = json!({
            "version": "0", "id": "e-1", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2020-12-01T06:00:00Z", "region": "eu-central-1",
            "resources": ["arn:aws:events:eu-central-1:123456789012:rule/mektep-notifier"], "detail": {}
        });
        assert_eq!(read_event(&event), Event::Scheduled);
    }

    #[test]
    fn a_bounce_names_the_message_by_its_tags_and_its_bounce_type() {
        let event = sns(json!({
            "eventType": "Bounce",
            "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                       "bouncedRecipients": [{"emailAddress": "asel@example.kg"}]},
            "mail": {"destination": ["asel@example.kg"], "source": "mektep@vap.kg",
                     "tags": {"kind": ["receipt"], "code": ["482-913-5074"], "ses:configuration-set": ["mektep"]}}
        }));
        let Event::Ses(reports) = read_event(&event) else { panic!() };
        assert_eq!(
            reports,
            [SesReport {
                notification: "Bounce".into(),
                kind: Some("receipt".into()),
                code: Some("482-913-5074".into()),
                detail: Some("Permanent".into()),
                sub_detail: Some("General".into()),
            }]
        );
    }

    #[test]
    fn a_complaint_of_an_identity_notification_has_no_tags_and_still_logs() {
        let event = sns(json!({
            "notificationType": "Complaint",
            "complaint": {"complaintFeedbackType": "abuse", "complainedRecipients": [{"emailAddress": "asel@example.kg"}]},
            "mail": {"destination": ["asel@example.kg"]}
        }));
        let Event::Ses(reports) = read_event(&event) else { panic!() };
        assert_eq!(reports[0].notification, "Complaint");
        assert_eq!(reports[0].kind, None);
        assert_eq!(reports[0].detail.as_deref(), Some("abuse"));
    }

    #[test]
    fn anything_else_is_described_by_its_keys_only() {
        let event = json!({"email": "asel@example.kg"});
        assert_eq!(read_event(&event), Event::Other("an event with keys [\"email\"]".into()));
        let event = json!({"Records": [{"eventSource": "aws:dynamodb"}]});
        assert_eq!(read_event(&event), Event::Other("a record from aws:dynamodb".into()));
    }
}
