//! `keyturn-server seal-key new PATH` (a fresh seal key file) and `seal-key forget --db DB` (the
//! file is lost: drop what it sealed so the server starts again), and the key file `init` makes.
//! See [`crate::domain::seal_key`].

use super::args::DbArg;
use crate::domain::seal_key::{file, Setting};
use crate::ops::seal_key::SealKeyOptions;
use crate::store;
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum SealKeyCmd {
    /// Write a fresh seal key to a new file (mode 0600; an existing file is never overwritten).
    /// Then set seal_key_file to it: the next start reseals what the database's own key sealed.
    New {
        /// The file to create, e.g. /var/lib/keyturn/seal-key.
        path: PathBuf,
    },
    /// The seal key file is lost: drop the TOTP secrets and queued email keys it sealed (staff
    /// enrol TOTP again; those emails are given up), so the server starts without it or with a
    /// new one (a warning line says how many values were dropped).
    Forget(DbArg),
}

pub fn run(cmd: SealKeyCmd) -> Result<(), String> {
    match cmd {
        SealKeyCmd::New { path } => {
            file::create(&path)?;
            eprintln!(
                "seal key: created {} (mode 0600). Set seal_key_file = \"{}\" and back the file up apart from the database.",
                path.display(),
                path.display()
            );
            Ok(())
        }
        SealKeyCmd::Forget(db) => super::session::runtime()?.block_on(async {
            store::open_sealed(&db.db, store::Sync::Full, &Setting::Forget).await?;
            eprintln!("seal key: the values sealed with the lost key file are dropped; start the server again");
            Ok(())
        }),
    }
}

/// `init`: creates the seal key file the settings name when it is missing; whether it did.
pub fn create_for_init(opts: &SealKeyOptions) -> Result<bool, String> {
    let Some(path) = &opts.seal_key_file else {
        eprintln!("seal key: none (set seal_key_file and run init again to keep the sealing key outside the database)");
        return Ok(false);
    };
    if Path::new(path).exists() {
        eprintln!("seal key: {} exists, kept", path.display());
        return Ok(false);
    }
    file::create(path)?;
    eprintln!(
        "seal key: created {} (mode 0600): back it up apart from the database",
        path.display()
    );
    Ok(true)
}
