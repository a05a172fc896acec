//! How a replica knows that the database changed, so validate may answer from memory
//! ([`crate::store::validate_cache`]) while nothing did.
//!
//! Every replica keeps one extra connection that `LISTEN`s on [`CHANNEL`]. After a replica
//! commits a change that validate could see, it moves its own version at once (its next answer
//! reads the database) and a background task sends one `NOTIFY` for all changes made since the
//! last one; every replica, hearing it, moves its version too. The notice goes out after the
//! commit, in a transaction of its own with `synchronous_commit = off`, so writers never queue
//! behind PostgreSQL's notification lock and never wait for an extra disk flush; another replica
//! learns of a change within milliseconds.
//!
//! What bounds staleness when that fails: while the listening connection is down the version is
//! unknown and nothing is served from memory; after it reconnects the version moves; and a read
//! is served for at most [`MAX_AGE_MS`] after it was made, whatever is heard (a notice lost
//! because a replica crashed between its commit and its notice costs at most that long).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, Notify};
use tokio_postgres::{AsyncMessage, NoTls};

pub const CHANNEL: &str = "keyturn_changes";
/// The longest a cached read is served, even when no change was heard.
pub const MAX_AGE_MS: u64 = 1000;

/// The database's version as this replica knows it: the changes made or heard of.
pub type Version = u64;

pub struct Changes {
    /// Changes made or heard of since start.
    epoch: AtomicU64,
    /// The listening connection is up (else there is no version).
    listening: AtomicBool,
    /// A change was committed here and not announced yet.
    unannounced: AtomicBool,
    wake: Notify,
    /// Changes committed here, and how many of them a sent notice covers.
    commits: AtomicU64,
    announced: AtomicU64,
    sent: Notify,
    /// Requests to read every notice committed before them (see [`Changes::sync`]).
    syncs: mpsc::UnboundedSender<oneshot::Sender<()>>,
}

impl Changes {
    /// Starts listening (and announcing) on a connection of its own to `config`'s database.
    pub fn start(config: tokio_postgres::Config) -> Arc<Changes> {
        let (syncs, sync_requests) = mpsc::unbounded_channel();
        let changes = Arc::new(Changes {
            epoch: AtomicU64::new(0),
            listening: AtomicBool::new(false),
            unannounced: AtomicBool::new(false),
            wake: Notify::new(),
            commits: AtomicU64::new(0),
            announced: AtomicU64::new(0),
            sent: Notify::new(),
            syncs,
        });
        tokio::spawn(listen(config, changes.clone(), sync_requests));
        changes
    }

    /// The version now; None while changes cannot be heard.
    pub fn version(&self) -> Option<Version> {
        if !self.listening.load(Ordering::Acquire) {
            return None;
        }
        Some(self.epoch.load(Ordering::Acquire))
    }

    /// A change that validate could see was committed here: moves the version now and has the
    /// other replicas told.
    pub fn committed(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.commits.fetch_add(1, Ordering::AcqRel);
        self.unannounced.store(true, Ordering::Release);
        self.wake.notify_one();
    }

    /// Waits until every change committed here so far has been announced (a process about to
    /// exit, such as the admin CLI, calls it), for at most `limit`; false if that ran out.
    pub async fn settle(&self, limit: Duration) -> bool {
        let target = self.commits.load(Ordering::Acquire);
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let sent = self.sent.notified();
            tokio::pin!(sent);
            sent.as_mut().enable();
            if self.announced.load(Ordering::Acquire) >= target {
                return true;
            }
            if tokio::time::timeout_at(deadline, sent).await.is_err() {
                return false;
            }
        }
    }

    /// Waits until every notice committed before the call has been heard (a query on the
    /// listening connection: PostgreSQL sends pending notices before it ends), for at most
    /// `limit`; false if that ran out or nothing listens.
    pub async fn sync(&self, limit: Duration) -> bool {
        let (reply, heard) = oneshot::channel();
        if self.syncs.send(reply).is_err() {
            return false;
        }
        matches!(tokio::time::timeout(limit, heard).await, Ok(Ok(())))
    }

    fn heard(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }
}

/// Keeps a listening connection up for as long as the server runs, reconnecting with backoff.
async fn listen(
    config: tokio_postgres::Config,
    changes: Arc<Changes>,
    mut sync_requests: mpsc::UnboundedReceiver<oneshot::Sender<()>>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match config.connect(NoTls).await {
            Ok((client, connection)) => {
                backoff = Duration::from_millis(100);
                serve(client, connection, &changes, &mut sync_requests).await;
                changes.listening.store(false, Ordering::Release);
                tracing::warn!(
                    "lost the connection that hears of changes; validate reads the database until it is back"
                );
            }
            Err(e) => tracing::warn!(error = %e, "cannot connect to hear of changes"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// Hears and announces changes on one connection until it fails.
async fn serve<S, T>(
    client: tokio_postgres::Client,
    mut connection: tokio_postgres::Connection<S, T>,
    changes: &Changes,
    sync_requests: &mut mpsc::UnboundedReceiver<oneshot::Sender<()>>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let messages = async {
        while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            match message {
                Ok(AsyncMessage::Notification(_)) => changes.heard(),
                Ok(_) => {}
                Err(_) => return,
            }
        }
    };
    let announce = async {
        if client.batch_execute(&format!("LISTEN {CHANNEL}")).await.is_err() {
            return;
        }
        // What was cached before this connection could hear anything is not trusted.
        changes.heard();
        changes.listening.store(true, Ordering::Release);
        loop {
            tokio::select! {
                _ = changes.wake.notified() => {}
                Some(reply) = sync_requests.recv() => {
                    // Notices are read before this query's answer ends (in order on the wire).
                    if client.simple_query("SELECT 1").await.is_err() {
                        return;
                    }
                    let _ = reply.send(());
                    continue;
                }
            }
            let covered = changes.commits.load(Ordering::Acquire);
            if !changes.unannounced.swap(false, Ordering::AcqRel) {
                continue;
            }
            let notice = format!("BEGIN; SET LOCAL synchronous_commit = off; NOTIFY {CHANNEL}; COMMIT");
            if client.batch_execute(&notice).await.is_err() {
                return;
            }
            changes.announced.fetch_max(covered, Ordering::AcqRel);
            changes.sent.notify_waiters();
        }
    };
    tokio::select! {
        _ = messages => {}
        _ = announce => {}
    }
}
