//! Renewal: at renew-by the app renews in the background; failures back off exponentially with
//! jitter. The schedule is pure (clock and jitter injected) so tests never sleep.

use crate::api::ApiClient;
use crate::clock::Jitter;
use crate::config::{ConfigError, VendorConfig};
use crate::error::ClientError;
use crate::fingerprint::Device;
use crate::local::{self, ends_validity};
use crate::offline::{self, OfflineError};
use crate::storage::{Secret, SecretStore, StateStore, StoreError};
use keyturn_protocol::{Code, TokenClaims};

/// Exponential backoff with "equal jitter": the n-th retry waits between half and all of
/// `min(max, initial * factor^(n-1))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub initial_secs: i64,
    pub max_secs: i64,
    pub factor: i64,
}

impl Default for Backoff {
    /// 1 minute, doubling, at most 6 hours.
    fn default() -> Self {
        Backoff {
            initial_secs: 60,
            max_secs: 6 * 3600,
            factor: 2,
        }
    }
}

impl Backoff {
    /// The ceiling of the wait after `failures` failures in a row (`failures` ≥ 1).
    pub fn ceiling(&self, failures: u32) -> i64 {
        let mut delay = self.initial_secs.max(1);
        for _ in 1..failures.max(1) {
            delay = delay.saturating_mul(self.factor.max(1));
            if delay >= self.max_secs {
                return self.max_secs;
            }
        }
        delay.min(self.max_secs)
    }

    /// The wait after `failures` failures in a row: in `[ceiling/2, ceiling]`.
    pub fn delay(&self, failures: u32, jitter: &mut dyn Jitter) -> i64 {
        let ceiling = self.ceiling(failures);
        let half = ceiling / 2;
        half + ((ceiling - half) as f64 * jitter.unit()).round() as i64
    }
}

/// When to try renewing next: at renew-by when all is well; after a backoff delay when the last
/// `failures` attempts failed (never later than valid-until, so a reconnect gets its chance).
pub fn next_attempt(claims: &TokenClaims, now: i64, failures: u32, backoff: &Backoff, jitter: &mut dyn Jitter) -> i64 {
    if failures == 0 {
        return claims.renew_by.max(now);
    }
    let at = now + backoff.delay(failures, jitter);
    if now < claims.exp {
        at.min(claims.exp.max(now + 1))
    } else {
        at
    }
}

/// What a renewal attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenewalOutcome {
    /// A fresh token is stored.
    Renewed { claims: TokenClaims, next_renewal: i64 },
    /// Could not reach the server (or it failed): keep working on the stored token, retry later.
    Postponed {
        error: String,
        offline: bool,
        code: Option<Code>,
        retry_at: i64,
        failures: u32,
    },
    /// The server ended this activation: the token is deleted, local validity is over.
    Ended { code: Code, message: String },
}

#[derive(Debug, thiserror::Error)]
pub enum RenewalError {
    #[error("this computer is not activated")]
    NotActivated,
    /// The server sent a token that does not check out (wrong key, device or time).
    #[error("the renewed activation token does not check out: {0}")]
    Token(#[from] OfflineError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Everything a renewal needs.
pub struct Renewer<'a> {
    pub api: &'a ApiClient,
    pub config: &'a VendorConfig,
    pub device: &'a Device,
    pub secrets: &'a dyn SecretStore,
    pub state: &'a dyn StateStore,
    pub backoff: Backoff,
}

impl Renewer<'_> {
    /// True when a renewal attempt is due at `now`.
    pub fn due(&self, now: i64) -> Result<bool, StoreError> {
        let state = self.state.load()?;
        Ok(state.activation_id.is_some() && !matches!(state.next_renewal, Some(at) if now < at))
    }

    /// Renews now (whether due or not) and stores the result.
    pub async fn renew(&self, now: i64, jitter: &mut dyn Jitter) -> Result<RenewalOutcome, RenewalError> {
        let state = self.state.load()?;
        let (Some(activation_id), Some(key)) = (state.activation_id.clone(), local::stored_key(self.secrets)?) else {
            return Err(RenewalError::NotActivated);
        };
        let verifying_key = self.config.pinned_keys()?;
        let request = self.device.activate_request(&key);
        match self.api.renew(&activation_id, &request).await {
            Ok(response) => {
                let claims = offline::check_token(
                    &response.token,
                    &verifying_key,
                    &self.device.fingerprint,
                    &self.config.product_id,
                    now,
                    state.last_seen,
                )?;
                self.secrets.set(Secret::Token, &response.token)?;
                self.state.update(&mut |state| {
                    state.activation_id = Some(response.machine.id.clone());
                    state.last_seen = Some(offline::advance_last_seen(state.last_seen, now));
                    state.last_sync = Some(now);
                    state.next_renewal = Some(claims.renew_by);
                    state.renewal_failures = 0;
                    state.record_code(Code::Valid, now);
                    state.last_error = None;
                    state.license = Some(response.license.clone());
                    state.offline = false;
                    state.device_name = Some(response.machine.name.clone()).filter(|n| !n.is_empty());
                })?;
                Ok(RenewalOutcome::Renewed {
                    next_renewal: claims.renew_by,
                    claims,
                })
            }
            Err(ClientError::Server { body, status }) if status < 500 && ends_validity(body.code) => {
                self.secrets.delete(Secret::Token)?;
                self.state.update(&mut |state| {
                    if body.code == Code::ActivationNotFound {
                        state.activation_id = None;
                    }
                    state.next_renewal = None;
                    state.renewal_failures = 0;
                    state.last_sync = Some(now);
                    state.record_code(body.code, now);
                    state.last_error = Some(body.message.clone());
                    state.license = body.license.clone().or(state.license.take());
                    state.offline = false;
                })?;
                Ok(RenewalOutcome::Ended {
                    code: body.code,
                    message: body.message,
                })
            }
            Err(error) => {
                let current = self.current_claims(&verifying_key, now, state.last_seen);
                let (mut failures, mut retry_at) = (0, now);
                self.state.update(&mut |state| {
                    failures = state.renewal_failures.saturating_add(1);
                    retry_at = match &current {
                        Some(claims) => next_attempt(claims, now, failures, &self.backoff, jitter),
                        None => now + self.backoff.delay(failures, jitter),
                    };
                    state.renewal_failures = failures;
                    state.next_renewal = Some(retry_at);
                    if let Some(code) = error.code() {
                        state.record_code(code, now);
                    }
                    state.last_error = Some(error.to_string());
                    state.offline = error.is_offline();
                })?;
                Ok(RenewalOutcome::Postponed {
                    error: error.to_string(),
                    offline: error.is_offline(),
                    code: error.code(),
                    retry_at,
                    failures,
                })
            }
        }
    }

    fn current_claims(
        &self,
        key: &[ed25519_dalek::VerifyingKey],
        now: i64,
        last_seen: Option<i64>,
    ) -> Option<TokenClaims> {
        let token = self.secrets.get(Secret::Token).ok()??;
        offline::check_token(
            &token,
            key,
            &self.device.fingerprint,
            &self.config.product_id,
            now,
            last_seen,
        )
        .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedJitter;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let b = Backoff {
            initial_secs: 60,
            max_secs: 3600,
            factor: 2,
        };
        let ceilings: Vec<i64> = (1..=8).map(|n| b.ceiling(n)).collect();
        assert_eq!(ceilings, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(b.ceiling(u32::MAX), 3600);
    }

    #[test]
    fn jitter_spreads_within_half_and_full() {
        let b = Backoff {
            initial_secs: 60,
            max_secs: 3600,
            factor: 2,
        };
        assert_eq!(b.delay(3, &mut FixedJitter(0.0)), 120);
        assert_eq!(b.delay(3, &mut FixedJitter(0.5)), 180);
        assert_eq!(b.delay(3, &mut FixedJitter(0.999_999)), 240);
        let mut rng = crate::clock::RandomJitter::default();
        for n in 1..20 {
            let d = b.delay(n, &mut rng);
            assert!(d >= b.ceiling(n) / 2 && d <= b.ceiling(n), "{n}: {d}");
        }
    }

    fn claims(renew_by: i64, exp: i64) -> TokenClaims {
        TokenClaims {
            sub: "a".into(),
            license_id: "l".into(),
            fingerprint: "f".into(),
            product_id: "p".into(),
            policy_id: "q".into(),
            iat: 0,
            renew_by,
            exp,
            license_expires_at: None,
            status: keyturn_protocol::wire::LicenseStatus::Active,
            entitlements: vec![],
        }
    }

    #[test]
    fn schedule_is_renew_by_then_backoff_capped_at_valid_until() {
        let b = Backoff::default();
        let c = claims(1000, 5000);
        assert_eq!(next_attempt(&c, 10, 0, &b, &mut FixedJitter(0.0)), 1000);
        assert_eq!(next_attempt(&c, 2000, 0, &b, &mut FixedJitter(0.0)), 2000);
        assert_eq!(next_attempt(&c, 1000, 1, &b, &mut FixedJitter(0.0)), 1030);
        assert_eq!(next_attempt(&c, 1000, 2, &b, &mut FixedJitter(0.999)), 1120);
        // A long backoff never jumps past valid-until.
        assert_eq!(next_attempt(&c, 4990, 20, &b, &mut FixedJitter(0.5)), 5000);
    }
}
