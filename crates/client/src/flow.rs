//! The activation flow the app drives: validate → (renew | activate) → verified token, or the
//! machine list when the seat limit is reached so the user can free one and retry.

use crate::api::ApiClient;
use crate::config::{ConfigError, VendorConfig};
use crate::error::ClientError;
use crate::fingerprint::Device;
use crate::offline::{self, OfflineError};
use keyturn_protocol::wire::{ActivateResponse, ErrorBody, LicenseSummary, Machine};
use keyturn_protocol::{Code, LicenseKey, TokenClaims};

#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // built once per activation; boxing would only burden callers
pub enum ActivationOutcome {
    Activated(Activation),
    /// Every seat is taken: free one of `machines` (deactivate) and run the flow again.
    LimitReached {
        license: LicenseSummary,
        machines: Vec<Machine>,
    },
}

/// A device bound to a license, with its verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activation {
    pub license: LicenseSummary,
    pub machine: Machine,
    pub token: String,
    pub claims: TokenClaims,
}

impl Activation {
    /// The activation (machine) id to renew or deactivate with.
    pub fn activation_id(&self) -> &str {
        &self.machine.id
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// The server refused this key on this device (suspended, revoked, expired, not found, ...).
    #[error("{message} ({code})")]
    Refused {
        code: Code,
        message: String,
        license: Option<LicenseSummary>,
    },
    /// The server could not be reached or answered unusably: nothing is known about the license.
    #[error(transparent)]
    Client(ClientError),
    /// The token the server sent does not check out with the pinned key.
    #[error("the server's activation token does not check out: {0}")]
    Token(#[from] OfflineError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The activation could not be kept on this computer (e.g. no keychain).
    #[error(transparent)]
    Store(#[from] crate::storage::StoreError),
    /// There is no activation on this computer to act on.
    #[error("this computer is not activated")]
    NotActivated,
    /// An offline activation response (or other code) that cannot be read.
    #[error("{0}")]
    OfflineCode(keyturn_protocol::offline::OfflineCodeError),
}

impl FlowError {
    /// The server's code, when there is one.
    pub fn code(&self) -> Option<Code> {
        match self {
            FlowError::Refused { code, .. } => Some(*code),
            FlowError::Client(e) => e.code(),
            _ => None,
        }
    }

    pub fn is_offline(&self) -> bool {
        matches!(self, FlowError::Client(e) if e.is_offline())
    }
}

impl From<ClientError> for FlowError {
    /// A server answer with a code becomes `Refused`; everything else stays a client error.
    fn from(err: ClientError) -> Self {
        match err {
            ClientError::Server {
                body: ErrorBody {
                    code, message, license, ..
                },
                status,
            } if status < 500 => FlowError::Refused { code, message, license },
            other => FlowError::Client(other),
        }
    }
}

/// A step of the flow, for live status lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowStep {
    Validating,
    Renewing,
    Activating,
    Verifying,
}

/// Runs the flow at the current time.
pub async fn activate_device(
    api: &ApiClient,
    config: &VendorConfig,
    key: &LicenseKey,
    device: &Device,
) -> Result<ActivationOutcome, FlowError> {
    activate_device_with(api, config, key, device, now(), |_| {}).await
}

/// Runs the flow at `now`, reporting each step.
pub async fn activate_device_with(
    api: &ApiClient,
    config: &VendorConfig,
    key: &LicenseKey,
    device: &Device,
    now: i64,
    mut on_step: impl FnMut(FlowStep),
) -> Result<ActivationOutcome, FlowError> {
    let verifying_key = config.pinned_keys()?;
    let request = device.activate_request(key);

    on_step(FlowStep::Validating);
    let validation = api.validate(key, &device.fingerprint).await?;
    let renewable = matches!(validation.code, Code::Valid | Code::Overdue);
    let answer = match (validation.code, validation.activation_id.as_deref()) {
        (_, Some(id)) if renewable => {
            on_step(FlowStep::Renewing);
            match api.renew(id, &request).await {
                // Freed elsewhere in the meantime: bind again.
                Err(e) if e.code() == Some(Code::ActivationNotFound) => activate(api, &request, &mut on_step).await,
                other => other,
            }
        }
        (Code::Valid | Code::FingerprintNotFound, _) => activate(api, &request, &mut on_step).await,
        (code, _) => {
            return Err(FlowError::Refused {
                code,
                message: validation.message,
                license: Some(validation.license),
            })
        }
    };
    let response = match answer {
        Ok(response) => response,
        Err(ClientError::Server { body, .. }) if body.code == Code::MachineLimitExceeded => {
            let (license, machines) = match (body.license, body.machines) {
                (Some(license), Some(machines)) => (license, machines),
                _ => {
                    let listed = api.machines(key, Some(&device.fingerprint)).await?;
                    (listed.license, listed.machines)
                }
            };
            return Ok(ActivationOutcome::LimitReached { license, machines });
        }
        Err(e) => return Err(e.into()),
    };

    on_step(FlowStep::Verifying);
    let ActivateResponse {
        machine,
        token,
        license,
    } = response;
    let claims = offline::check_token(
        &token,
        &verifying_key,
        &device.fingerprint,
        &config.product_id,
        now,
        None,
    )?;
    Ok(ActivationOutcome::Activated(Activation {
        license,
        machine,
        token,
        claims,
    }))
}

async fn activate(
    api: &ApiClient,
    request: &keyturn_protocol::wire::ActivateRequest,
    on_step: &mut impl FnMut(FlowStep),
) -> Result<ActivateResponse, ClientError> {
    on_step(FlowStep::Activating);
    api.activate(request).await
}

/// Starts this device's one trial of the vendor's product: the server creates a trial license
/// and binds this device; its token is verified like any activation's. A second trial of the
/// same device is refused with `TRIAL_USED`. Answers the trial key with the activation.
pub async fn start_trial_with(
    api: &ApiClient,
    config: &VendorConfig,
    device: &Device,
    now: i64,
    mut on_step: impl FnMut(FlowStep),
) -> Result<(LicenseKey, Activation), FlowError> {
    let verifying_key = config.pinned_keys()?;
    on_step(FlowStep::Activating);
    let response = api.trial(&device.trial_request(&config.product_id)).await?;
    on_step(FlowStep::Verifying);
    let key = LicenseKey::parse(&response.key)
        .map_err(|e| FlowError::Client(ClientError::Protocol(format!("the trial key is malformed: {e}"))))?;
    let claims = offline::check_token(
        &response.token,
        &verifying_key,
        &device.fingerprint,
        &config.product_id,
        now,
        None,
    )?;
    let activation = Activation {
        license: response.license,
        machine: response.machine,
        token: response.token,
        claims,
    };
    Ok((key, activation))
}

/// Frees `machine_id` (after `LimitReached`) and runs the flow again.
pub async fn free_and_retry(
    api: &ApiClient,
    config: &VendorConfig,
    key: &LicenseKey,
    device: &Device,
    machine_id: &str,
) -> Result<ActivationOutcome, FlowError> {
    free_and_retry_with(api, config, key, device, machine_id, now(), |_| {}).await
}

/// [`free_and_retry`] at `now`, reporting each step.
pub async fn free_and_retry_with(
    api: &ApiClient,
    config: &VendorConfig,
    key: &LicenseKey,
    device: &Device,
    machine_id: &str,
    now: i64,
    on_step: impl FnMut(FlowStep),
) -> Result<ActivationOutcome, FlowError> {
    api.deactivate(key, machine_id).await?;
    activate_device_with(api, config, key, device, now, on_step).await
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
