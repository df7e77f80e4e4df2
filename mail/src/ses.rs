//! Sending through Amazon SES v2 as raw MIME (`SendEmail` with `Content.Raw`), tagged with
//! the message's `kind` and `code`, so that a bounce or complaint SES reports later names
//! which message it was without naming anyone.

use aws_sdk_sesv2::error::SdkError;
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, MessageTag, RawMessage};
use aws_sdk_sesv2::Client;

use crate::mailer::without_addresses;
use crate::{Composed, Mailer, SendError};

/// An SES v2 client from the standard AWS environment. `AWS_ENDPOINT_URL_SES` (or the SDK's
/// own `AWS_ENDPOINT_URL_SESV2`) points it elsewhere: moto's server in the rehearsal.
pub async fn ses_client() -> Client {
    // A send that hangs would hold its lease and the invocation: each try gets 10 s, all of
    // the SDK's tries of one message 30 s; what is left is the drain's to retry.
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(std::time::Duration::from_secs(3))
                .operation_attempt_timeout(std::time::Duration::from_secs(10))
                .operation_timeout(std::time::Duration::from_secs(30))
                .build(),
        )
        .load()
        .await;
    let mut builder = aws_sdk_sesv2::config::Builder::from(&config);
    if let Some(endpoint) = std::env::var("AWS_ENDPOINT_URL_SES").ok().filter(|url| !url.is_empty()) {
        builder = builder.endpoint_url(endpoint);
    }
    Client::from_conf(builder.build())
}

/// Sends through SES from one verified identity.
#[derive(Debug, Clone)]
pub struct SesMailer {
    client: Client,
    from: String,
    reply_to: String,
    configuration_set: Option<String>,
}

impl SesMailer {
    /// `from`: the verified sender address; `reply_to`: the secretariat's address, where an
    /// applicant's answer goes; `configuration_set`: where SES publishes bounces and
    /// complaints (the notifier's SNS topic).
    pub fn new(client: Client, from: String, reply_to: String, configuration_set: Option<String>) -> Self {
        Self { client, from, reply_to, configuration_set }
    }

    async fn send_raw(&self, message: &Composed) -> Result<String, SendError> {
        let mime = message.try_to_mime(&self.from, &self.reply_to)?;
        let raw = RawMessage::builder()
            .data(Blob::new(mime))
            .build()
            .map_err(|err| SendError::Permanent(format!("the raw message cannot be built: {err}")))?;
        let tag = |name: &str, value: &str| {
            MessageTag::builder()
                .name(name)
                .value(tag_value(value))
                .build()
                .map_err(|err| SendError::Permanent(format!("the `{name}` tag cannot be built: {err}")))
        };
        let answer = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().set_to_addresses(Some(message.to.clone())).build())
            .content(EmailContent::builder().raw(raw).build())
            .email_tags(tag("kind", message.kind.key())?)
            .email_tags(tag("code", &message.code)?)
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(|err| classify(err, &self.from))?;
        Ok(answer.message_id().unwrap_or_default().to_string())
    }
}

impl Mailer for SesMailer {
    async fn send(&self, message: &Composed) -> Result<String, SendError> {
        self.send_raw(message).await
    }
}

/// SES allows letters, digits, `_`, `-`, `.` and `@` in a tag's value: a code is
/// `482-913-5074` already; anything else is replaced, never dropped.
fn tag_value(value: &str) -> String {
    value.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') { c } else { '_' }).collect()
}

/// Whether trying again can help. A refusal of this message (`MessageRejected` about a
/// recipient or the message itself, an invalid address, a request SES will not take) is
/// permanent; throttling, a paused or suspended account, a sender SES does not (yet) let us
/// send from (an operator's fix lets it go), a 5xx, a timeout or a dropped connection is not.
fn classify(err: SdkError<SendEmailError>, from: &str) -> SendError {
    let said = |err: &dyn std::error::Error| {
        without_addresses(&aws_smithy_types::error::display::DisplayErrorContext(err).to_string())
    };
    match &err {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let reason = format!("SES {status}: {}", said(service.err()));
            match service.err() {
                // The account or the configuration set, not this message: an operator's fix
                // lets it go, and max_attempts bounds the wait.
                SendEmailError::AccountSuspendedException(_)
                | SendEmailError::SendingPausedException(_)
                | SendEmailError::NotFoundException(_) => SendError::Transient(reason),
                // The sender, not this message: unverified or misspelt, every message fails
                // alike until the operator fixes it, and then each must still go.
                SendEmailError::MailFromDomainNotVerifiedException(_) => sender_refused(status, reason),
                SendEmailError::MessageRejected(rejected) if is_about_sender(rejected.message(), from) => {
                    sender_refused(status, reason)
                }
                SendEmailError::MessageRejected(_) | SendEmailError::BadRequestException(_) => {
                    SendError::Permanent(reason)
                }
                _ if status == 400 && !is_throttling(service.err()) => SendError::Permanent(reason),
                _ => SendError::Transient(reason),
            }
        }
        SdkError::ConstructionFailure(_) => SendError::Permanent(format!("SES request not built: {}", said(&err))),
        // The request may have reached SES and been accepted, its answer lost: trying again
        // may send it twice (the same window as an interrupted try), which the reason says.
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            SendError::Transient(format!("SES did not answer (the message may have gone): {}", said(&err)))
        }
        _ => SendError::Transient(format!("SES unreachable: {}", said(&err))),
    }
}

/// A refusal of the sender: tried again later (the entry keeps its backoff and its
/// `max_attempts`), and said at once in a line of its own, without any address, which the
/// operator's alarm matches: `mail_sender_not_verified`.
fn sender_refused(status: u16, reason: String) -> SendError {
    tracing::error!(status, reason = %reason, "mail_sender_not_verified");
    SendError::Transient(format!("the sender is not verified or not allowed: {reason}"))
}

/// Whether SES's words of a `MessageRejected` are about the sender rather than a recipient
/// or the message. "Did not have authority to send from …" is the sender. "Email address is
/// not verified. The following identities failed the check …: …" is the sender when it
/// names the sender's address or domain, or names no one; when it names only others, they
/// are recipients (SES's sandbox), which retrying cannot help.
fn is_about_sender(message: Option<&str>, from: &str) -> bool {
    let message = message.unwrap_or_default().to_lowercase();
    if message.contains("authority to send from") {
        return true;
    }
    if !message.contains("not verified") {
        return false;
    }
    let from = bare_address(from);
    let domain = from.rsplit_once('@').map(|(_, domain)| domain.to_string()).unwrap_or_default();
    let named: Vec<&str> = message
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '<' | '>' | '"' | '\'' | '(' | ')'))
        .map(|word| word.trim_end_matches(['.', ':']))
        .filter(|word| word.contains('@') || (!domain.is_empty() && *word == domain))
        .collect();
    named.is_empty() || named.iter().any(|word| *word == from || *word == domain)
}

/// `Mektep <noreply@mektep.vap.kg>` → `noreply@mektep.vap.kg`, lower case.
fn bare_address(from: &str) -> String {
    let inner = match (from.rfind('<'), from.rfind('>')) {
        (Some(open), Some(close)) if open < close => from.get(open + 1..close).unwrap_or(from),
        _ => from,
    };
    inner.trim().to_lowercase()
}

fn is_throttling(err: &SendEmailError) -> bool {
    use aws_sdk_sesv2::error::ProvideErrorMetadata as _;
    matches!(err, SendEmailError::TooManyRequestsException(_) | SendEmailError::LimitExceededException(_))
        || err.code().is_some_and(|code| code.contains("Throttl") || code.contains("TooManyRequests"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FROM: &str = "Mektep <noreply@mektep.vap.kg>";

    #[test]
    fn a_refusal_of_the_sender_is_told_from_a_refusal_of_a_recipient() {
        let about_sender = |message: &str| is_about_sender(Some(message), FROM);
        // moto's words, and SES's for a From it may not use.
        assert!(about_sender("Did not have authority to send from email noreply@mektep.vap.kg"));
        // SES's sandbox or an unverified identity: whose address failed the check decides.
        assert!(about_sender(
            "Email address is not verified. The following identities failed the check in region \
             EU-CENTRAL-1: noreply@mektep.vap.kg, asel@example.kg"
        ));
        assert!(about_sender(
            "Email address is not verified. The following identities failed the check: mektep.vap.kg"
        ));
        assert!(about_sender("Email address is not verified."));
        assert!(!about_sender(
            "Email address is not verified. The following identities failed the check in region \
             EU-CENTRAL-1: asel@example.kg"
        ));
        assert!(!about_sender(
            "Email address is not verified. The following identities failed the check in region \
             EU-CENTRAL-1: asel@mektep.vap.kg"
        ));
        assert!(!about_sender("Message length is more than 10 megabytes"));
        assert!(!is_about_sender(None, FROM));
    }
}
