//! The mail worker of a server process: claims due emails (leased, so with several replicas one
//! process sends each), sends each over SMTP and records the outcome. The key is read from the
//! claimed row and goes nowhere but into the message; errors are logged without it.

use super::template::Template;
use super::{MailOptions, SmtpTls};
use crate::clock::Clock;
use crate::domain::mail::KeyMail;
use crate::domain::secrets::KeyHasher;
use crate::store::Store;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;

const IDLE_POLL: Duration = Duration::from_millis(500);
const BATCH: u32 = 16;

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    template: Template,
}

impl Mailer {
    /// From `serve`'s options (None: email is off); refuses a bad sender or template at start.
    pub fn from_options(opts: &MailOptions, portal_url: String) -> Result<Option<Mailer>, String> {
        if !opts.enabled() {
            return Ok(None);
        }
        let host = opts.smtp_host.clone().unwrap_or_default();
        let from: Mailbox = opts
            .mail_from
            .as_deref()
            .unwrap_or_default()
            .parse()
            .map_err(|e| format!("--mail-from: {e} (e.g. \"Acme Sales <sales@acme.example>\")"))?;
        let tls = || TlsParameters::new(host.clone()).map_err(|e| format!("--smtp-host: {e}"));
        let tls = match opts.smtp_tls {
            SmtpTls::Opportunistic => Tls::Opportunistic(tls()?),
            SmtpTls::Required => Tls::Required(tls()?),
            SmtpTls::Wrapper => Tls::Wrapper(tls()?),
            SmtpTls::Off => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host)
            .port(opts.smtp_port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(30)));
        if let Some(user) = &opts.smtp_username {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                opts.smtp_password.clone().unwrap_or_default(),
            ));
        }
        let read = |path: &Option<std::path::PathBuf>, default: &str| match path {
            Some(p) => std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display())),
            None => Ok(default.to_string()),
        };
        let template = Template {
            subject: opts.mail_subject.clone(),
            text: read(&opts.mail_text_template, super::template::DEFAULT_TEXT)?,
            html: read(&opts.mail_html_template, super::template::DEFAULT_HTML)?,
            link_scheme: opts.link_scheme.clone(),
            portal_url,
        };
        Ok(Some(Mailer {
            transport: builder.build(),
            from,
            template,
        }))
    }

    /// Sends one email; the error says why (never with the key).
    async fn send(&self, mail: &KeyMail, hasher: &KeyHasher) -> Result<(), String> {
        let sealed = mail.key.as_deref().ok_or("the key is no longer kept")?;
        let key = hasher
            .open_mailed_key(&mail.license_id, sealed)
            .ok_or("the kept key does not open under this server's secret")?;
        let key = key.as_str();
        let to_name = (!mail.to_name.is_empty()).then(|| mail.to_name.clone());
        let address = mail
            .to_email
            .parse()
            .map_err(|e| format!("not an email address: {e}"))?;
        let rendered = self.template.render(mail, key);
        let message = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(to_name, address))
            .subject(rendered.subject)
            .multipart(MultiPart::alternative_plain_html(rendered.text, rendered.html))
            .map_err(|e| format!("cannot build the message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|e| format!("the mail server: {e}"))
    }
}

/// Starts the worker on the current tokio runtime.
pub fn start(store: Arc<dyn Store>, clock: Arc<Clock>, mailer: Mailer) {
    tokio::spawn(async move {
        loop {
            let due = match store.claim_mails(clock.now(), BATCH).await {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim emails");
                    Vec::new()
                }
            };
            if due.is_empty() {
                tokio::time::sleep(IDLE_POLL).await;
                continue;
            }
            for mail in due {
                let outcome = mailer.send(&mail, &store.secrets().hasher).await;
                if let Err(e) = &outcome {
                    tracing::info!(license = %mail.license_id, error = %e, "purchase email not sent; it will be retried");
                }
                if let Err(e) = store
                    .finish_mail(clock.now(), mail.license_id.clone(), outcome.err())
                    .await
                {
                    tracing::warn!(error = %e, license = %mail.license_id, "could not record an email attempt");
                }
            }
        }
    });
}
