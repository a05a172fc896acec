//! Running the server yourself: its options ([`OpsOptions`]), the one config file that every
//! `serve` option can also be written in ([`settings`]) and Prometheus metrics ([`metrics`]).
//! Depends on nothing else of the server (the event log and the HTTP layer call [`metrics`]);
//! `init`, `doctor` and the settings table are in [`crate::cli`], the routes in
//! [`crate::http::ops`].

pub mod metrics;
pub mod seal_key;
pub mod settings;

use std::net::SocketAddr;
use std::path::PathBuf;

/// The self-hosting options of `serve` (flattened into [`crate::http::serve::ServeOptions`], so
/// they are flags, environment variables and config-file keys like every other option).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OpsOptions {
    /// File holding the admin API's bearer token (one line; readable by the server's user only).
    /// `keyturn-server init` creates it. Use this or admin_token, not both.
    #[arg(long)]
    pub admin_token_file: Option<PathBuf>,
    /// Serve Prometheus metrics at /metrics on this separate address, e.g. 127.0.0.1:9187
    /// (keep it private: firewall or localhost).
    #[arg(long)]
    pub metrics_listen: Option<SocketAddr>,
    /// File holding a bearer token: /metrics is then also served on the main address, to
    /// requests that bear this token.
    #[arg(long)]
    pub metrics_token_file: Option<PathBuf>,
    /// Log lines as text or as json (one JSON object per line).
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl OpsOptions {
    /// The admin token: `--admin-token` or the first line of `--admin-token-file`.
    pub fn admin_token(&self, inline: Option<&str>) -> Result<Option<String>, String> {
        match (inline.filter(|t| !t.is_empty()), &self.admin_token_file) {
            (Some(_), Some(_)) => Err("give admin_token or admin_token_file, not both".into()),
            (Some(token), None) => Ok(Some(token.to_string())),
            (None, Some(path)) => read_secret(path, "admin_token_file").map(Some),
            (None, None) => Ok(None),
        }
    }

    pub fn metrics_token(&self) -> Result<Option<String>, String> {
        self.metrics_token_file
            .as_ref()
            .map(|path| read_secret(path, "metrics_token_file"))
            .transpose()
    }

    pub fn metrics_enabled(&self) -> bool {
        self.metrics_listen.is_some() || self.metrics_token_file.is_some()
    }
}

/// The first line of a secret file, which must not be empty.
pub fn read_secret(path: &std::path::Path, setting: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {setting} {}: {e}", path.display()))?;
    let token = text.lines().next().unwrap_or("").trim().to_string();
    if token.is_empty() {
        return Err(format!("{setting} {} is empty", path.display()));
    }
    Ok(token)
}
