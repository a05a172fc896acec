//! A floating license's key on later runs. Nothing is activated for it (the server answered
//! FLOATING_LICENSE), so without a mark a later start would look like a computer that was never
//! activated. The mark lives in the state store ([`crate::LocalState::floating_key`]; the key
//! stays in the keychain), and decides what the app does when it starts: take a seat by itself,
//! or start as it always has. Without the mark nothing is checked out blindly: a node-locked
//! key's checkout would only be refused (NOT_FLOATING) and logged on the server.

use super::Session;
use crate::seat_guard;
use crate::storage::StoreError;
use std::path::Path;

/// What the app does with the stored key when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnStart {
    /// As always: the activation held here (the dashboard), a seat held here (its screen), or
    /// Welcome.
    AsBefore,
    /// The stored key is a floating license's and no seat is held here: take one with it.
    TakeSeat,
}

impl Session {
    /// Marks the stored key as a floating license's, or not (e.g. a checkout answered
    /// NOT_FLOATING: the license is node-locked now).
    pub fn mark_floating(&self, floating: bool) -> Result<(), StoreError> {
        self.state.update(&mut |state| state.floating_key = floating)?;
        Ok(())
    }

    /// Decides the start: [`OnStart::TakeSeat`] only for a key marked floating, with no
    /// activation held here and no live seat in `seat_file` (a borrowed seat, or a program's,
    /// is shown as it is). Anything unreadable means [`OnStart::AsBefore`]: the user can still
    /// enter the key.
    pub fn on_start(&self, seat_file: Option<&Path>) -> OnStart {
        let Ok(state) = self.state.load() else {
            return OnStart::AsBefore;
        };
        if !state.floating_key || state.activation_id.is_some() {
            return OnStart::AsBefore;
        }
        if seat_file
            .and_then(|file| seat_guard::read_seat_at(file, self.now()))
            .is_some()
        {
            return OnStart::AsBefore;
        }
        match self.stored_key() {
            Ok(Some(_)) => OnStart::TakeSeat,
            _ => OnStart::AsBefore,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::seat_guard::{SeatState, SEAT_FILE};
    use crate::storage::{MemorySecretStore, MemoryStateStore, Secret, SecretStore, StateStore};
    use crate::{Device, VendorConfig};
    use keyturn_protocol::lease::Lease;
    use std::sync::Arc;

    const NOW: i64 = 1_800_000_000;

    struct Fixture {
        session: Session,
        secrets: Arc<MemorySecretStore>,
        state: Arc<MemoryStateStore>,
    }

    fn fixture() -> Fixture {
        use keyturn_protocol::token;
        let public_key = token::public_key_to_string(&token::signing_key_from_seed([11; 32]).verifying_key());
        let config = VendorConfig::from_json(
            &serde_json::json!({
                "product_name": "Unit Product",
                "product_id": "prod_unit",
                "server_url": "http://127.0.0.1:9",
                "public_key": public_key,
            })
            .to_string(),
        )
        .unwrap();
        let device = Device {
            fingerprint: "this-computer".into(),
            components: Default::default(),
            override_in_use: true,
            virt: Default::default(),
            name: "this computer".into(),
            platform: "linux-x86_64".into(),
            override_env: "KEYTURN_FINGERPRINT".into(),
        };
        let secrets = Arc::new(MemorySecretStore::default());
        let state = Arc::new(MemoryStateStore::default());
        let clock = Arc::new(ManualClock::new(NOW));
        let session = Session::new(config, device, secrets.clone(), state.clone(), clock).expect("session");
        Fixture {
            session,
            secrets,
            state,
        }
    }

    fn key() -> keyturn_protocol::LicenseKey {
        keyturn_protocol::LicenseKey::from_random_bytes([7; keyturn_protocol::key::RANDOM_BYTES])
    }

    fn floating_key_stored(f: &Fixture) {
        f.session.remember_key(&key()).unwrap();
    }

    fn seat_file_with(dir: &Path, ends_at: i64, borrowed: bool) -> std::path::PathBuf {
        let path = dir.join(SEAT_FILE);
        let lease = Lease {
            id: "lse_1".into(),
            started_at: NOW - 60,
            ends_at,
            borrowed,
            heartbeat_secs: 200,
            lease_secs: 600,
            max_borrow_secs: 0,
        };
        let seat = SeatState {
            license_id: Some("lic_1".into()),
            seats: 2,
            lease: Some(lease),
            problem: None,
        };
        std::fs::write(&path, serde_json::to_string(&seat).unwrap()).unwrap();
        path
    }

    #[test]
    fn nothing_stored_starts_as_before() {
        assert_eq!(fixture().session.on_start(None), OnStart::AsBefore);
    }

    #[test]
    fn a_key_kept_as_floating_takes_a_seat_on_start() {
        let f = fixture();
        floating_key_stored(&f);
        assert!(f.state.load().unwrap().floating_key);
        assert_eq!(f.session.on_start(None), OnStart::TakeSeat);
    }

    #[test]
    fn a_key_without_the_mark_is_never_checked_out_blindly() {
        let f = fixture();
        f.secrets.set(Secret::LicenseKey, key().canonical()).unwrap();
        assert_eq!(f.session.on_start(None), OnStart::AsBefore);
    }

    #[test]
    fn a_node_locked_activation_starts_as_before() {
        let f = fixture();
        floating_key_stored(&f);
        // The computer was activated with a node-locked key afterwards (save_activation clears
        // the mark; an activation id alone is enough to start as before).
        f.state.update(&mut |s| s.activation_id = Some("act_1".into())).unwrap();
        assert_eq!(f.session.on_start(None), OnStart::AsBefore);
        f.state.update(&mut |s| s.activation_id = None).unwrap();
        f.session.mark_floating(false).unwrap();
        assert_eq!(f.session.on_start(None), OnStart::AsBefore);
    }

    #[test]
    fn a_forgotten_key_clears_the_mark() {
        let f = fixture();
        floating_key_stored(&f);
        crate::local::forget(&*f.secrets, &*f.state, true).unwrap();
        assert!(!f.state.load().unwrap().floating_key);
        assert_eq!(f.session.on_start(None), OnStart::AsBefore);
    }

    #[test]
    fn a_live_seat_held_here_is_shown_not_taken_again() {
        let f = fixture();
        floating_key_stored(&f);
        let dir = tempfile::tempdir().unwrap();
        let borrowed = seat_file_with(dir.path(), NOW + 86_400, true);
        assert_eq!(f.session.on_start(Some(&borrowed)), OnStart::AsBefore);
        // A seat file whose lease has ended (the app was killed) is no seat: take one.
        let ended = seat_file_with(dir.path(), NOW - 1, false);
        assert_eq!(f.session.on_start(Some(&ended)), OnStart::TakeSeat);
    }
}
