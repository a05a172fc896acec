//! One object the app holds for its whole run: the vendor config, the API client, this device,
//! the stores and the clock. Each method is one thing the user does (or the background task).

use crate::api::ApiClient;
use crate::clock::{Clock, FixedJitter, Jitter, RandomJitter};
use crate::config::VendorConfig;
use crate::fingerprint::{Device, Explanation};
use crate::flow::{self, ActivationOutcome, FlowError, FlowStep};
use crate::local::{self, LocalError, LocalLicense};
use crate::renewal::{Backoff, RenewalError, RenewalOutcome, Renewer};
use crate::storage::{Secret, SecretStore, StateStore, StoreError};
use keyturn_protocol::wire::MachinesResponse;
use keyturn_protocol::{Code, LicenseKey};
use serde::Serialize;
use std::sync::{Arc, Mutex};

mod floating;
mod rename;

pub use floating::OnStart;

pub struct Session {
    pub config: VendorConfig,
    pub api: ApiClient,
    pub device: Device,
    pub backoff: Backoff,
    secrets: Arc<dyn SecretStore>,
    state: Arc<dyn StateStore>,
    clock: Arc<dyn Clock>,
    jitter: Mutex<Box<dyn Jitter>>,
}

/// The support report's licensing part: no key, no token, no raw hardware values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostics {
    pub client_version: String,
    pub server_url: String,
    pub fingerprint: Explanation,
    pub activated: bool,
    /// The license and this device's activation as the server named them (support looks them
    /// up in its console); never the key.
    pub license_id: Option<String>,
    pub activation_id: Option<String>,
    /// Why the stored activation does not check out, in words, if it does not.
    pub local_problem: Option<String>,
    pub offline_seconds_left: Option<i64>,
    pub last_sync: Option<i64>,
    pub next_renewal: Option<i64>,
    pub renewal_failures: u32,
    pub last_code: Option<Code>,
    pub last_code_at: Option<i64>,
    /// The latest answer codes with their times, oldest first.
    pub recent_codes: Vec<crate::storage::CodeAt>,
    pub last_error: Option<String>,
}

impl Session {
    pub fn new(
        config: VendorConfig,
        device: Device,
        secrets: Arc<dyn SecretStore>,
        state: Arc<dyn StateStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<Session, FlowError> {
        config.pinned_keys()?;
        let api = ApiClient::new(&config.server_url).map_err(FlowError::Client)?;
        Ok(Session {
            config,
            api,
            device,
            backoff: Backoff::default(),
            secrets,
            state,
            clock,
            jitter: Mutex::new(Box::new(RandomJitter::default())),
        })
    }

    /// Replaces the jitter source (tests).
    pub fn with_jitter(mut self, jitter: Box<dyn Jitter>) -> Self {
        self.jitter = Mutex::new(jitter);
        self
    }

    /// Replaces the API client (e.g. other timeouts).
    pub fn with_api(mut self, api: ApiClient) -> Self {
        self.api = api;
        self
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The stored activation, checked offline now ("last seen" moves forward).
    pub fn status(&self) -> Result<LocalLicense, LocalError> {
        local::check_local(&self.config, &self.device, &*self.secrets, &*self.state, self.now())
    }

    /// The stored license key, if any.
    pub fn stored_key(&self) -> Result<Option<LicenseKey>, crate::storage::StoreError> {
        local::stored_key(&*self.secrets)
    }

    /// Keeps the key of a floating license in the keychain: nothing is activated, programs take
    /// a seat with it while they run ([`crate::seat_guard`], `keyturn run`), and the app takes
    /// one when it starts ([`Session::on_start`]).
    pub fn remember_key(&self, key: &LicenseKey) -> Result<(), crate::storage::StoreError> {
        self.secrets.set(crate::storage::Secret::LicenseKey, key.canonical())?;
        self.mark_floating(true)
    }

    /// Runs the activation flow and keeps the result. This computer never holds two seats: an
    /// activation it already holds (e.g. from before its fingerprint changed, or of another key)
    /// is freed once the new one is in — first, when the license is full and that old seat is
    /// what fills it.
    pub async fn activate(
        &self,
        key: &LicenseKey,
        mut on_step: impl FnMut(FlowStep),
    ) -> Result<ActivationOutcome, FlowError> {
        self.ensure_can_keep()?;
        let now = self.now();
        let previous = self.held_activation();
        let mut outcome =
            flow::activate_device_with(&self.api, &self.config, key, &self.device, now, &mut on_step).await;
        if let (Ok(ActivationOutcome::LimitReached { machines, .. }), Some((old_key, old_id))) = (&outcome, &previous) {
            if old_key == key && machines.iter().any(|m| &m.id == old_id) {
                outcome =
                    flow::free_and_retry_with(&self.api, &self.config, key, &self.device, old_id, now, &mut on_step)
                        .await;
            }
        }
        self.free_previous(previous, &outcome).await;
        let kept = self.keep(outcome, key, now);
        if matches!(&kept, Err(e) if e.error_code() == crate::ErrorCode::FloatingLicense) {
            // Nothing to bind on a floating license: its key is kept for the programs that take
            // seats with it (`keyturn run`, the seat guard), and the answer stays FLOATING_LICENSE.
            self.remember_key(key).map_err(FlowError::Store)?;
        }
        kept
    }

    /// Frees another machine (after `LimitReached`) and activates this one (freeing this
    /// computer's older activation too, as [`Session::activate`] does).
    pub async fn free_and_activate(
        &self,
        key: &LicenseKey,
        machine_id: &str,
        on_step: impl FnMut(FlowStep),
    ) -> Result<ActivationOutcome, FlowError> {
        self.ensure_can_keep()?;
        let now = self.now();
        let previous = self.held_activation();
        let outcome =
            flow::free_and_retry_with(&self.api, &self.config, key, &self.device, machine_id, now, on_step).await;
        self.free_previous(previous, &outcome).await;
        self.keep(outcome, key, now)
    }

    /// The activation this computer holds now (its key and activation id), if it can be read.
    fn held_activation(&self) -> Option<(LicenseKey, String)> {
        let key = self.stored_key().ok().flatten()?;
        let id = self.state.load().ok()?.activation_id?;
        Some((key, id))
    }

    /// After a new activation: frees the seat of the one this computer held before, unless it is
    /// the same (renewed). Best effort: a seat already freed elsewhere is fine, and a failure is
    /// recorded for the support report rather than failing an activation that worked.
    async fn free_previous(
        &self,
        previous: Option<(LicenseKey, String)>,
        outcome: &Result<ActivationOutcome, FlowError>,
    ) {
        let (Some((old_key, old_id)), Ok(ActivationOutcome::Activated(new))) = (previous, outcome) else {
            return;
        };
        if new.activation_id() == old_id {
            return;
        }
        match self.api.deactivate(&old_key, &old_id).await {
            Ok(()) => {}
            Err(e) if e.code() == Some(Code::ActivationNotFound) => {}
            Err(e) => {
                if let Ok(mut state) = self.state.load() {
                    state.last_error = Some(format!(
                        "could not free this computer's previous activation {old_id}: {e}"
                    ));
                    let _ = self.state.save(&state);
                }
            }
        }
    }

    /// Starts this device's trial (one per device) and keeps it like an activation: the trial
    /// key and token go to the secret store, so later runs open on the dashboard.
    pub async fn start_trial(&self, on_step: impl FnMut(FlowStep)) -> Result<ActivationOutcome, FlowError> {
        self.ensure_can_keep()?;
        let now = self.now();
        let started = flow::start_trial_with(&self.api, &self.config, &self.device, now, on_step).await;
        match started {
            Ok((key, activation)) => self.keep(Ok(ActivationOutcome::Activated(activation)), &key, now),
            Err(e) => {
                self.record_refusal(&e, now)?;
                Err(e)
            }
        }
    }

    /// No seat or trial is used up for an activation this computer could not keep: the keychain
    /// answers, and the state file can be read and written back. Damaged stored data is no
    /// obstacle: a fresh activation replaces it (the server's answer is what counts, and a token
    /// issued "in the future" of a clock set back is still refused).
    fn ensure_can_keep(&self) -> Result<(), FlowError> {
        match self.secrets.get(Secret::Token) {
            Ok(_) | Err(StoreError::Corrupt(_)) => {}
            Err(e) => return Err(e.into()),
        }
        // Reads and writes the state file back (a damaged one is set aside on the way).
        self.state.update(&mut |_| {})?;
        Ok(())
    }

    /// Keeps a fresh activation; records every answer code for the support report (a refusal
    /// too, so support sees "SUSPENDED at 10:02" even though nothing was activated).
    fn keep(
        &self,
        outcome: Result<ActivationOutcome, FlowError>,
        key: &LicenseKey,
        now: i64,
    ) -> Result<ActivationOutcome, FlowError> {
        let refused = match &outcome {
            Ok(ActivationOutcome::Activated(activation)) => {
                local::save_activation(
                    activation,
                    key,
                    &self.config.server_url,
                    &*self.secrets,
                    &*self.state,
                    now,
                )?;
                None
            }
            Ok(ActivationOutcome::LimitReached { .. }) => Some((Code::MachineLimitExceeded, None)),
            Err(e) => {
                self.record_refusal(e, now)?;
                None
            }
        };
        if let Some((code, error)) = refused {
            self.record_attempt(code, error, now)?;
        }
        outcome
    }

    /// Records a refusal with a server code in the history (support report).
    fn record_refusal(&self, error: &FlowError, now: i64) -> Result<(), FlowError> {
        match error.code() {
            Some(code) => self.record_attempt(code, Some(error.to_string()), now),
            None => Ok(()),
        }
    }

    fn record_attempt(&self, code: Code, error: Option<String>, now: i64) -> Result<(), FlowError> {
        self.state.update(&mut |state| {
            state.record_attempt(code, now);
            if let Some(error) = &error {
                state.last_error = Some(error.clone());
            }
        })?;
        Ok(())
    }

    /// The first page of the machines bound to the stored key's license (this one marked).
    pub async fn machines(&self) -> Result<MachinesResponse, FlowError> {
        self.machines_after(None).await
    }

    /// The page of machines after the cursor `after` (a previous page's `next`).
    pub async fn machines_after(&self, after: Option<&str>) -> Result<MachinesResponse, FlowError> {
        let key = self.stored_key()?.ok_or(FlowError::NotActivated)?;
        Ok(self
            .api
            .machines_page(&key, Some(&self.device.fingerprint), after, None)
            .await?)
    }

    /// Frees this computer's seat on the server, then forgets the activation here (the key too
    /// with `forget_key`). Offline, nothing is forgotten: the seat is still taken.
    pub async fn deactivate_this(&self, forget_key: bool) -> Result<(), FlowError> {
        let key = self.stored_key()?.ok_or(FlowError::NotActivated)?;
        let activation_id = self.state.load()?.activation_id.ok_or(FlowError::NotActivated)?;
        match self.api.deactivate(&key, &activation_id).await {
            Ok(()) => {}
            // Already freed elsewhere: forgetting it here is what the user wants.
            Err(e) if e.code() == Some(Code::ActivationNotFound) => {}
            Err(e) => return Err(e.into()),
        }
        local::forget(&*self.secrets, &*self.state, forget_key)?;
        Ok(())
    }

    /// "Activate without internet", step 1: this device's request code for the portal.
    pub fn offline_request(&self) -> String {
        crate::air_gap::request_code(&self.config, &self.device, self.now())
    }

    /// Step 3: imports the portal's response, checks it like an online activation and keeps it
    /// with `key` (so the app renews online whenever it gets a connection).
    pub fn import_offline_response(&self, key: &LicenseKey, response: &str) -> Result<flow::Activation, FlowError> {
        self.secrets.get(Secret::Token)?;
        let now = self.now();
        let activation = crate::air_gap::read_response(&self.config, &self.device, response, now)?;
        local::save_activation(
            &activation,
            key,
            &self.config.server_url,
            &*self.secrets,
            &*self.state,
            now,
        )?;
        Ok(activation)
    }

    /// "Deactivate without internet": forgets the activation and the key here and returns the
    /// code that frees the seat in the portal.
    pub fn deactivate_offline(&self) -> Result<String, FlowError> {
        let token = self.secrets.get(Secret::Token)?.ok_or(FlowError::NotActivated)?;
        let code = crate::air_gap::deactivation_code(&token, self.now());
        local::forget(&*self.secrets, &*self.state, true)?;
        Ok(code)
    }

    /// When the background task should next call [`Session::renew_if_due`] (`None`: not activated
    /// or the server ended the activation).
    pub fn next_renewal_at(&self) -> Result<Option<i64>, crate::storage::StoreError> {
        let state = self.state.load()?;
        Ok(state.activation_id.and(state.next_renewal))
    }

    /// Renews if due (the background task calls this periodically); `None` when not due.
    pub async fn renew_if_due(&self) -> Result<Option<RenewalOutcome>, RenewalError> {
        if !self.renewer().due(self.now())? {
            return Ok(None);
        }
        self.sync_now().await.map(Some)
    }

    /// Renews now, due or not ("Check now").
    pub async fn sync_now(&self) -> Result<RenewalOutcome, RenewalError> {
        let unit = self.jitter.lock().expect("jitter lock").unit();
        self.renewer().renew(self.now(), &mut FixedJitter(unit)).await
    }

    fn renewer(&self) -> Renewer<'_> {
        Renewer {
            api: &self.api,
            config: &self.config,
            device: &self.device,
            secrets: &*self.secrets,
            state: &*self.state,
            backoff: self.backoff,
        }
    }

    /// The licensing part of the support report.
    pub fn diagnostics(&self) -> Diagnostics {
        let state = self.state.load().unwrap_or_default();
        let (activated, local_problem, left) = match self.status() {
            Ok(held) => (true, None, Some(held.standing.seconds_left)),
            Err(e) => (false, Some(e.to_string()), None),
        };
        Diagnostics {
            client_version: env!("CARGO_PKG_VERSION").to_owned(),
            server_url: self.config.server_url.clone(),
            fingerprint: self.device.explain(),
            activated,
            license_id: state.license.as_ref().map(|l| l.id.clone()),
            activation_id: state.activation_id.clone(),
            local_problem,
            offline_seconds_left: left,
            last_sync: state.last_sync,
            next_renewal: state.next_renewal,
            renewal_failures: state.renewal_failures,
            last_code: state.last_code,
            last_code_at: state.last_code_at,
            recent_codes: state.recent_codes.clone(),
            last_error: state.last_error,
        }
    }
}
