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
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await;
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
            .map_err(classify)?;
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

/// Whether trying again can help. A refusal of this message (`MessageRejected`, an invalid
/// address, a request SES will not take) is permanent; throttling, a paused or suspended
/// account (an operator's fix lets it go), a 5xx, a timeout or a dropped connection is not.
fn classify(err: SdkError<SendEmailError>) -> SendError {
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
                SendEmailError::MessageRejected(_)
                | SendEmailError::BadRequestException(_)
                | SendEmailError::MailFromDomainNotVerifiedException(_) => SendError::Permanent(reason),
                _ if status == 400 && !is_throttling(service.err()) => SendError::Permanent(reason),
                _ => SendError::Transient(reason),
            }
        }
        SdkError::ConstructionFailure(_) => SendError::Permanent(format!("SES request not built: {}", said(&err))),
        _ => SendError::Transient(format!("SES unreachable: {}", said(&err))),
    }
}

fn is_throttling(err: &SendEmailError) -> bool {
    use aws_sdk_sesv2::error::ProvideErrorMetadata as _;
    matches!(err, SendEmailError::TooManyRequestsException(_) | SendEmailError::LimitExceededException(_))
        || err.code().is_some_and(|code| code.contains("Throttl") || code.contains("TooManyRequests"))
}
