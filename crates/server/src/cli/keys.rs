//! `keyturn-server keys …`: the token signing keys and their rotation
//! ([`crate::domain::signing_keys`]). Each change is one transaction and one event.

use super::args::DbArg;
use super::session::{log, print_json, with_existing_store, with_store, CLI};
use crate::domain::signing_keys::KeyChange;
use crate::events::Event;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum KeysCmd {
    /// Every signing key (kid, public key, state) and `public_keys`: the list to pin in the
    /// app's vendor config now (JSON).
    List(DbArg),
    /// Make the next signing key (it signs nothing yet): pin its public key in your app beside
    /// the current one and ship that app before you promote it.
    AddNext(DbArg),
    /// The next key signs new tokens (running servers take it in within a few seconds); the
    /// current key becomes PREVIOUS, and tokens it signed keep working where it is pinned.
    Promote(DbArg),
    /// Retire a key that no longer signs (PREVIOUS, or a NEXT key you will not use); then drop
    /// it from your app's pinned keys in a later release.
    Retire {
        #[command(flatten)]
        db: DbArg,
        /// The key's id (`keys list`).
        #[arg(long)]
        kid: String,
    },
}

pub fn run(cmd: KeysCmd, now: i64) -> Result<(), String> {
    let (db, change) = match cmd {
        KeysCmd::List(db) => {
            return print_json(&with_existing_store(&db, |s| async move { s.signing_keys(now).await })?)
        }
        KeysCmd::AddNext(db) => (db, KeyChange::AddNext),
        KeysCmd::Promote(db) => (db, KeyChange::Promote),
        KeysCmd::Retire { db, kid } => (db, KeyChange::Retire { kid }),
    };
    let action = change.action();
    let hint = match &change {
        KeyChange::AddNext => {
            "pin this public key in your app's vendor config beside the current one (`keys list` prints the list)"
        }
        KeyChange::Promote => {
            "every server running on this database signs with the new key within a few seconds (no restart)"
        }
        KeyChange::Retire { .. } => "remove this public key from your app's pinned keys in its next release",
    };
    let key = with_store(&db, |s| async move {
        let key = s.change_signing_keys(now, change).await?;
        log(&s, Event::new(now, action, CLI).detail(format!("kid {}", key.kid))).await?;
        Ok(key)
    })?;
    print_json(&key)?;
    eprintln!("{hint}");
    Ok(())
}
