//! Outgoing mail: SMTP when `OCOP_SMTP_URL` is set, otherwise .eml files in
//! the data dir's outbox (so a laptop install works without a mail server),
//! and an in-memory box that tests read their invitations from.
//!
//! Sending blocks and may take as long as the SMTP timeout: only the outbox
//! sender worker (services::outbox) calls it, never a request.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

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
pub struct MemoryBox(Arc<(Mutex<Vec<Mail>>, Condvar)>);

/// How long `MemoryBox::last_to` waits for the sender worker to deliver.
const MEMORY_WAIT: Duration = Duration::from_secs(10);

impl MemoryBox {
    /// Every mail sent so far, oldest first.
    pub fn all(&self) -> Vec<Mail> {
        self.0.0.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// The newest mail sent to `to`. Mails go out from the outbox worker
    /// after the request answered, so this waits (up to 10 s) for one.
    pub fn last_to(&self, to: &str) -> Option<Mail> {
        let deadline = Instant::now() + MEMORY_WAIT;
        let (lock, arrived) = &*self.0;
        let mut mails = lock.lock().ok()?;
        loop {
            if let Some(m) = mails.iter().rev().find(|m| m.to == to) {
                return Some(m.clone());
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            mails = arrived.wait_timeout(mails, left).ok()?.0;
        }
    }

    fn push(&self, mail: Mail) {
        let (lock, arrived) = &*self.0;
        if let Ok(mut v) = lock.lock() {
            v.push(mail);
        }
        arrived.notify_all();
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
    /// The server refused for good (a 5xx answer): retrying cannot help.
    #[error("SMTP refused: {0}")]
    SmtpRefused(String),
    #[error("outbox: {0}")]
    Outbox(#[from] std::io::Error),
}

impl Mailer {
    /// The mailer the settings ask for.
    pub fn from_settings(settings: &Settings) -> Result<Mailer, MailError> {
        let from = parse_sender(&settings.mail_from)?;
        match &settings.smtp_url {
            Some(url) => {
                // lettre waits 60 s per command by default; a relay that
                // accepts and never answers must not hold a send that long.
                let transport = SmtpTransport::from_url(url)
                    .map_err(|e| MailError::Smtp(e.to_string()))?
                    .timeout(Some(Duration::from_secs(settings.smtp_timeout_secs)))
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
                mailbox.push(mail.clone());
                Ok(())
            }
            Mailer::Smtp(transport, from) => {
                let message = build(from, mail)?;
                transport.send(&message).map_err(|e| {
                    if e.is_permanent() {
                        MailError::SmtpRefused(e.to_string())
                    } else {
                        MailError::Smtp(e.to_string())
                    }
                })?;
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
                let path = dir.join(&name);
                // Written beside the outbox, then moved in: whoever reads
                // the outbox never sees half a mail.
                let partial = dir.with_file_name(format!(".outbox-{name}.partial"));
                std::fs::write(&partial, message.formatted())?;
                std::fs::rename(&partial, &path)?;
                tracing::info!(path = %path.display(), "mail written to the outbox (no SMTP configured)");
                Ok(())
            }
        }
    }
}

impl MailError {
    /// True when trying again later cannot succeed.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            MailError::BadRecipient | MailError::Build(_) | MailError::SmtpRefused(_)
        )
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
