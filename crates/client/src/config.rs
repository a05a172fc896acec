//! The vendor's config file shipped with the app (JSON).

use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Default name of the environment variable that overrides the computed fingerprint.
pub const DEFAULT_FINGERPRINT_ENV: &str = "KEYTURN_FINGERPRINT";

fn default_fingerprint_env() -> String {
    DEFAULT_FINGERPRINT_ENV.to_owned()
}

/// Default URL scheme of activation links (`keyturn://activate?key=...`).
pub const DEFAULT_LINK_SCHEME: &str = "keyturn";

fn default_link_scheme() -> String {
    DEFAULT_LINK_SCHEME.to_owned()
}

/// The app identifier of a build that names none (Keyturn's own, as in tauri.conf.json).
pub const DEFAULT_IDENTIFIER: &str = "dev.keyturn.app";

fn default_identifier() -> String {
    DEFAULT_IDENTIFIER.to_owned()
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct VendorConfig {
    pub product_name: String,
    pub product_id: String,
    pub server_url: String,
    /// The pinned token public key, unpadded base64url (see `keyturn_protocol::token::parse_public_key`).
    /// Configs from before key rotation name only this one; it is pinned along with `public_keys`.
    #[serde(default)]
    pub public_key: String,
    /// The pinned token public keys (`keyturn-server keys list` prints them): during a signing
    /// key rotation the current and the next key; remove a key once the server retired it.
    #[serde(default)]
    pub public_keys: Vec<String>,
    #[serde(default)]
    pub support_url: Option<String>,
    #[serde(default)]
    pub renew_url: Option<String>,
    /// Name of the fingerprint override variable, e.g. `LICENTRIC_FINGERPRINT`.
    #[serde(default = "default_fingerprint_env")]
    pub fingerprint_env: String,
    #[serde(default)]
    pub logo: Option<String>,
    #[serde(default)]
    pub accent_color: Option<String>,
    /// The vendor's product offers a free trial (`POST /v1/trials`): Welcome offers to start it.
    #[serde(default)]
    pub trial: bool,
    /// URL scheme of activation links, e.g. `acme` for `acme://activate?key=...`.
    #[serde(default = "default_link_scheme")]
    pub link_scheme: String,
    /// The app's language regardless of the OS locale (e.g. `de`); absent: the OS decides.
    #[serde(default)]
    pub language: Option<String>,
    /// The app's identifier (reverse DNS, e.g. `com.acme.licensing`): names its data folder, so
    /// each vendor's app keeps its own state. The packaged app is built with the same one.
    #[serde(default = "default_identifier")]
    pub identifier: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the config is not valid JSON for a vendor config: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("the config field `{field}` is invalid: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("the config's public_key is not a base64url Ed25519 public key")]
    PublicKey,
}

impl VendorConfig {
    /// Parses and checks a config: required fields non-empty, server URL http(s), public key and
    /// override variable name well-formed.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let config: VendorConfig = serde_json::from_str(text)?;
        config.check()?;
        Ok(config)
    }

    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_json(&text)
    }

    /// The pinned public keys that verify activation tokens: `public_keys`, then `public_key`
    /// (once each). At least one is required.
    pub fn pinned_keys(&self) -> Result<Vec<VerifyingKey>, ConfigError> {
        let mut keys: Vec<VerifyingKey> = Vec::new();
        for text in self
            .public_keys
            .iter()
            .chain(Some(&self.public_key).filter(|k| !k.trim().is_empty()))
        {
            let key = keyturn_protocol::token::parse_public_key(text).map_err(|_| ConfigError::PublicKey)?;
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        if keys.is_empty() {
            return Err(ConfigError::Invalid {
                field: "public_keys",
                reason: "pin at least one public key (\"public_keys\": [...], or \"public_key\")".to_owned(),
            });
        }
        Ok(keys)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let invalid = |field, reason: &str| {
            Err(ConfigError::Invalid {
                field,
                reason: reason.to_owned(),
            })
        };
        if self.product_name.trim().is_empty() {
            return invalid("product_name", "empty");
        }
        if self.product_id.trim().is_empty() {
            return invalid("product_id", "empty");
        }
        let url = self.server_url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() <= "https://".len() {
            return invalid("server_url", "must be an http:// or https:// URL");
        }
        let env = &self.fingerprint_env;
        if env.is_empty() || !env.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return invalid("fingerprint_env", "must be a variable name of letters, digits and _");
        }
        let scheme = self.link_scheme.as_bytes();
        let scheme_ok = scheme.first().is_some_and(u8::is_ascii_lowercase)
            && scheme
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.'));
        if !scheme_ok || matches!(self.link_scheme.as_str(), "http" | "https" | "file") {
            return invalid(
                "link_scheme",
                "must be a lowercase URL scheme of your own, e.g. \"acme\"",
            );
        }
        if let Some(language) = &self.language {
            if language.len() != 2 || !language.bytes().all(|b| b.is_ascii_lowercase()) {
                return invalid("language", "must be a two-letter language code, e.g. \"de\"");
            }
        }
        let id = &self.identifier;
        let id_ok = id.contains('.')
            && id.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if !id_ok {
            return invalid(
                "identifier",
                "must be reverse DNS of letters, digits, - and _, e.g. com.acme.app",
            );
        }
        self.pinned_keys()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public_key() -> String {
        let key = keyturn_protocol::token::signing_key_from_seed([3; 32]);
        keyturn_protocol::token::public_key_to_string(&key.verifying_key())
    }

    #[test]
    fn minimal_config_gets_defaults() {
        let text = format!(
            r#"{{"product_name":"Acme","product_id":"prod_1","server_url":"https://lic.example","public_key":"{}"}}"#,
            public_key()
        );
        let config = VendorConfig::from_json(&text).unwrap();
        assert_eq!(config.fingerprint_env, "KEYTURN_FINGERPRINT");
        assert_eq!(config.support_url, None);
        assert_eq!(config.link_scheme, "keyturn");
        assert!(!config.trial);
        assert_eq!(config.language, None);
        assert_eq!(config.identifier, "dev.keyturn.app");
        config.pinned_keys().unwrap();
    }

    #[test]
    fn link_scheme_and_language_are_checked() {
        let with = |extra: &str| {
            VendorConfig::from_json(&format!(
                r#"{{"product_name":"Acme","product_id":"p","server_url":"https://x","public_key":"{}",{extra}}}"#,
                public_key()
            ))
        };
        let config = with(r#""link_scheme":"acme-app","language":"de","trial":true"#).unwrap();
        assert_eq!(
            (config.link_scheme.as_str(), config.language.as_deref()),
            ("acme-app", Some("de"))
        );
        assert!(config.trial);
        for bad in [
            r#""link_scheme":"Acme""#,
            r#""link_scheme":"https""#,
            r#""link_scheme":"1x""#,
            r#""link_scheme":"""#,
        ] {
            let err = with(bad).unwrap_err();
            assert!(
                matches!(
                    err,
                    ConfigError::Invalid {
                        field: "link_scheme",
                        ..
                    }
                ),
                "{bad}: {err}"
            );
        }
        for bad in [r#""language":"german""#, r#""language":"DE""#] {
            let err = with(bad).unwrap_err();
            assert!(
                matches!(err, ConfigError::Invalid { field: "language", .. }),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn bad_fields_are_named() {
        let text = format!(
            r#"{{"product_name":"Acme","product_id":"p","server_url":"ftp://x","public_key":"{}"}}"#,
            public_key()
        );
        let err = VendorConfig::from_json(&text).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Invalid {
                    field: "server_url",
                    ..
                }
            ),
            "{err}"
        );
        let text = r#"{"product_name":"Acme","product_id":"p","server_url":"https://x","public_key":"nope"}"#;
        assert!(matches!(VendorConfig::from_json(text), Err(ConfigError::PublicKey)));
        assert!(matches!(VendorConfig::from_json("{}"), Err(ConfigError::Parse(_))));
        for bad in ["../escape", "noddots", "a..b", "a/b.c"] {
            let text = format!(
                r#"{{"product_name":"A","product_id":"p","server_url":"https://x","public_key":"{}","identifier":"{bad}"}}"#,
                public_key()
            );
            let err = VendorConfig::from_json(&text).unwrap_err();
            assert!(
                matches!(
                    err,
                    ConfigError::Invalid {
                        field: "identifier",
                        ..
                    }
                ),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn load_reports_the_path() {
        let err = VendorConfig::load(Path::new("/nonexistent/keyturn.json")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/keyturn.json"));
    }
}
