//! `keyturn-server backup` and `restore` (SQLite; [`crate::store::sqlite::backup`]). A
//! PostgreSQL database is backed up with PostgreSQL's own tools (README: pg_dump, pg_restore).

use crate::store::postgres;
use crate::store::sqlite::backup;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct BackupArgs {
    /// The SQLite database file (also while servers run on it).
    #[arg(long, env = "KEYTURN_DB")]
    pub db: String,
    /// Where to write the backup (a new file; it holds the server's keys: keep it safe).
    #[arg(long)]
    pub to: PathBuf,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// The SQLite database file to replace (created when missing). Stop every server on it first.
    #[arg(long, env = "KEYTURN_DB")]
    pub db: String,
    /// A file made by `keyturn-server backup`.
    #[arg(long)]
    pub from: PathBuf,
}

/// PostgreSQL has its own tools; say which.
fn sqlite_only(db: &str, what: &str) -> Result<(), String> {
    if postgres::is_url(db) {
        return Err(format!(
            "{what} works on SQLite files; back up a PostgreSQL database with pg_dump \
             (pg_dump --format=custom --file=keyturn.dump URL) and restore it with pg_restore \
             (pg_restore --clean --if-exists --no-owner --dbname=URL keyturn.dump), as README's \
             \"Backups\" says"
        ));
    }
    Ok(())
}

pub fn run_backup(args: BackupArgs) -> Result<(), String> {
    sqlite_only(&args.db, "backup")?;
    backup::backup(Path::new(&args.db), &args.to)?;
    eprintln!("backed up {} to {}", args.db, args.to.display());
    Ok(())
}

pub fn run_restore(args: RestoreArgs) -> Result<(), String> {
    sqlite_only(&args.db, "restore")?;
    backup::restore(&args.from, Path::new(&args.db))?;
    eprintln!("restored {} from {}", args.db, args.from.display());
    Ok(())
}
