//! The purchase email: the vendor's template ([`template`]) filled with the product, the key,
//! the activation link in the app's scheme (`SCHEME://activate?key=KEY`, what the app's
//! `links.rs` reads) and the customer portal's address, sent over SMTP by the mail worker
//! ([`worker`]; lettre, a maintained SMTP client with rustls, STARTTLS whenever the server
//! offers it). What is queued and when it is retried: [`crate::domain::mail`].

pub mod template;
pub mod worker;

use std::path::PathBuf;

/// How the connection to the mail server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpTls {
    /// STARTTLS when the server offers it, else plain (the default).
    Opportunistic,
    /// STARTTLS or no email.
    Required,
    /// TLS from the first byte (port 465).
    Wrapper,
    /// Never (a local relay).
    Off,
}

/// The mail options of `serve` (see `ServeOptions`).
#[derive(Debug, Clone, clap::Args)]
pub struct MailOptions {
    /// The SMTP server that sends the purchase emails (with `--mail-from`, turns them on).
    #[arg(long, env = "KEYTURN_SMTP_HOST")]
    pub smtp_host: Option<String>,
    #[arg(long, env = "KEYTURN_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,
    #[arg(long, env = "KEYTURN_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    #[arg(long, env = "KEYTURN_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    #[arg(long, value_enum, env = "KEYTURN_SMTP_TLS", default_value = "opportunistic")]
    pub smtp_tls: SmtpTls,
    /// The sender, e.g. `"Acme Sales <sales@acme.example>"`.
    #[arg(long, env = "KEYTURN_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// The subject; `{{product}}` is replaced.
    #[arg(long, env = "KEYTURN_MAIL_SUBJECT", default_value = "Your {{product}} license key")]
    pub mail_subject: String,
    /// A plain-text template file ({{name}}, {{product}}, {{key}}, {{activation_link}}, {{portal_link}}).
    #[arg(long, env = "KEYTURN_MAIL_TEXT_TEMPLATE")]
    pub mail_text_template: Option<PathBuf>,
    /// An HTML template file (same placeholders; the values are HTML-escaped).
    #[arg(long, env = "KEYTURN_MAIL_HTML_TEMPLATE")]
    pub mail_html_template: Option<PathBuf>,
    /// The app's link scheme (its vendor config's `link_scheme`): links are `SCHEME://activate?key=KEY`.
    #[arg(long, env = "KEYTURN_LINK_SCHEME", default_value = "keyturn")]
    pub link_scheme: String,
}

impl MailOptions {
    pub fn enabled(&self) -> bool {
        self.smtp_host.as_deref().is_some_and(|h| !h.is_empty())
            && self.mail_from.as_deref().is_some_and(|f| !f.is_empty())
    }
}
