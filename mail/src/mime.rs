//! A composed message as raw MIME (RFC 5322): `multipart/alternative` with a UTF-8
//! `text/plain` part and a `text/html` part, From, To, Reply-To and Subject. SES sends it as
//! it is (`Content.Raw`): a simple message would lose its text part in moto, and raw MIME is
//! also what the preview writes to its folder.

use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

use crate::{Composed, SendError};

impl Composed {
    /// The raw message from `from`, answered to `reply_to` (the secretariat). Empty when an
    /// address does not parse; [`Composed::try_to_mime`] says which.
    pub fn to_mime(&self, from: &str, reply_to: &str) -> Vec<u8> {
        self.try_to_mime(from, reply_to).unwrap_or_default()
    }

    /// The raw message, or why it cannot be written: a sender, Reply-To or recipient address
    /// that does not parse (a permanent failure: the message never goes as it is). The error
    /// names which address it was, never the address itself.
    pub fn try_to_mime(&self, from: &str, reply_to: &str) -> Result<Vec<u8>, SendError> {
        let mailbox = |address: &str, which: &str| {
            address
                .trim()
                .parse::<Mailbox>()
                .map_err(|err| SendError::Permanent(format!("invalid {which} address: {err}")))
        };
        let mut builder = Message::builder()
            .from(mailbox(from, "sender")?)
            .reply_to(mailbox(reply_to, "Reply-To")?)
            .subject(self.subject.as_str());
        for to in &self.to {
            builder = builder.to(mailbox(to, "recipient")?);
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(self.text.clone(), self.html.clone()))
            .map_err(|err| SendError::Permanent(format!("the message cannot be written: {err}")))?;
        Ok(message.formatted())
    }
}
