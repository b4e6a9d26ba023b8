//! Outgoing mail: SMTP when `OCOP_SMTP_URL` is set, otherwise .eml files in
//! the data dir's outbox (so a laptop install works without a mail server),
//! and an in-memory box that tests read their invitations from.
//!
//! Sending blocks; callers run it off the async workers (in `web::block`).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use lettre::message::{Mailbox, header::ContentType};
use lettre::{Message, SmtpTransport, Transport};

use crate::config::Settings;

/// A mail to send: plain text, which every phone's mail app shows well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub to_name: String,
    pub subject: String,
    pub body: String,
}

/// Where mails go.
#[derive(Clone)]
pub enum Mailer {
    Smtp(Arc<SmtpTransport>, Mailbox),
    Outbox(PathBuf, Mailbox),
    Memory(MemoryBox, Mailbox),
}

/// Mails "sent" by a `Mailer::Memory`, for tests to read back.
#[derive(Clone, Default)]
pub struct MemoryBox(Arc<Mutex<Vec<Mail>>>);

impl MemoryBox {
    /// Every mail sent so far, oldest first.
    pub fn all(&self) -> Vec<Mail> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// The newest mail sent to `to`.
    pub fn last_to(&self, to: &str) -> Option<Mail> {
        self.all().into_iter().rev().find(|m| m.to == to)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid sender address {0:?}")]
    BadSender(String),
    #[error("invalid recipient address")]
    BadRecipient,
    #[error("cannot build mail: {0}")]
    Build(String),
    #[error("SMTP: {0}")]
    Smtp(String),
    #[error("outbox: {0}")]
    Outbox(#[from] std::io::Error),
}

impl Mailer {
    /// The mailer the settings ask for.
    pub fn from_settings(settings: &Settings) -> Result<Mailer, MailError> {
        let from = parse_sender(&settings.mail_from)?;
        match &settings.smtp_url {
            Some(url) => {
                let transport = SmtpTransport::from_url(url)
                    .map_err(|e| MailError::Smtp(e.to_string()))?
                    .build();
                Ok(Mailer::Smtp(Arc::new(transport), from))
            }
            None => Ok(Mailer::Outbox(settings.outbox_dir(), from)),
        }
    }

    /// An in-memory mailer and the box it fills.
    pub fn memory(from: &str) -> Result<(Mailer, MemoryBox), MailError> {
        let mailbox = MemoryBox::default();
        Ok((
            Mailer::Memory(mailbox.clone(), parse_sender(from)?),
            mailbox,
        ))
    }

    /// Sends `mail`, blocking until the server or disk accepted it.
    pub fn send(&self, mail: &Mail) -> Result<(), MailError> {
        match self {
            Mailer::Memory(mailbox, _) => {
                if let Ok(mut v) = mailbox.0.lock() {
                    v.push(mail.clone());
                }
                Ok(())
            }
            Mailer::Smtp(transport, from) => {
                let message = build(from, mail)?;
                transport
                    .send(&message)
                    .map_err(|e| MailError::Smtp(e.to_string()))?;
                Ok(())
            }
            Mailer::Outbox(dir, from) => {
                let message = build(from, mail)?;
                std::fs::create_dir_all(dir)?;
                let name = format!(
                    "{}-{}.eml",
                    chrono::Utc::now().format("%Y%m%dT%H%M%S"),
                    crate::util::random_hex(4)
                );
                let path = dir.join(name);
                std::fs::write(&path, message.formatted())?;
                tracing::info!(path = %path.display(), "mail written to the outbox (no SMTP configured)");
                Ok(())
            }
        }
    }
}

fn parse_sender(from: &str) -> Result<Mailbox, MailError> {
    from.parse()
        .map_err(|_| MailError::BadSender(from.to_owned()))
}

fn build(from: &Mailbox, mail: &Mail) -> Result<Message, MailError> {
    let to = Mailbox::new(
        Some(mail.to_name.clone()),
        mail.to.parse().map_err(|_| MailError::BadRecipient)?,
    );
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&mail.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| MailError::Build(e.to_string()))
}
