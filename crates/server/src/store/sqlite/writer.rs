//! The single writer: a thread that owns the write connection and commits in groups.
//!
//! Each job runs inside its own savepoint of a `BEGIN IMMEDIATE` transaction; the jobs waiting
//! when a transaction starts share it (group commit), so one fsync covers many activations.
//! Jobs run one after the other, so each sees every earlier job's writes: seat limits and
//! uniqueness are checked and written atomically. A job's answer is released only after COMMIT
//! returned; if the commit fails every job of the group gets an error.

use crate::domain::errors::{ApiError, ApiResult};
use rusqlite::Connection;
use std::sync::mpsc;
use tokio::sync::oneshot;

/// Largest number of jobs in one transaction.
const MAX_GROUP: usize = 256;

type Finish = Box<dyn FnOnce(bool) + Send>;
type Job = Box<dyn FnOnce(&Connection) -> (bool, Finish) + Send>;

#[derive(Debug)]
pub struct WriterGone;

pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// `after_commit` runs on the writer thread after each committed group.
    pub fn start(conn: Connection, after_commit: impl Fn() + Send + 'static) -> Writer {
        let (jobs, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("keyturn-writer".into())
            .spawn(move || run(conn, rx, after_commit))
            .expect("spawn writer thread");
        Writer { jobs }
    }

    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> ApiResult<T> + Send + 'static,
    ) -> ApiResult<T> {
        let (tx, rx) = oneshot::channel::<ApiResult<T>>();
        let job: Job = Box::new(move |conn| {
            let result = f(conn);
            let ok = result.is_ok();
            let finish: Finish = Box::new(move |committed| {
                let answer = if committed {
                    result
                } else {
                    Err(ApiError::Internal("commit failed".into()))
                };
                let _ = tx.send(answer);
            });
            (ok, finish)
        });
        self.jobs.send(job).map_err(|_| WriterGone)?;
        rx.await.map_err(|_| WriterGone)?
    }
}

fn run(conn: Connection, rx: mpsc::Receiver<Job>, after_commit: impl Fn()) {
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            tracing::error!(error = %e, "could not begin a write transaction");
            // Dropping the jobs drops their answer channels: each caller gets an error.
            drop(group);
            continue;
        }
        let mut finishes = Vec::with_capacity(group.len());
        for job in group {
            let savepoint_ok = conn.execute_batch("SAVEPOINT job").is_ok();
            // A panicking job loses only its own answer (its caller gets an error) and its writes.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&conn)));
            let ok = matches!(outcome, Ok((true, _)));
            if savepoint_ok {
                let end = if ok {
                    "RELEASE job"
                } else {
                    "ROLLBACK TO job; RELEASE job"
                };
                if let Err(e) = conn.execute_batch(end) {
                    tracing::error!(error = %e, "savepoint end failed");
                }
            }
            match outcome {
                Ok((_, finish)) => finishes.push(finish),
                Err(_) => tracing::error!("a write job panicked; its changes were rolled back"),
            }
        }
        let committed = match conn.execute_batch("COMMIT") {
            Ok(()) => {
                after_commit();
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "commit failed");
                let _ = conn.execute_batch("ROLLBACK");
                false
            }
        };
        for finish in finishes {
            finish(committed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer() -> Writer {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (v INTEGER)").unwrap();
        Writer::start(conn, || {})
    }

    #[tokio::test]
    async fn a_failed_job_rolls_back_only_its_own_writes() {
        let w = writer();
        w.run(|c| Ok(c.execute("INSERT INTO t VALUES (1)", [])?)).await.unwrap();
        let failed: ApiResult<()> = w
            .run(|c| {
                c.execute("INSERT INTO t VALUES (2)", [])?;
                Err(ApiError::bad_request("no"))
            })
            .await;
        assert!(failed.is_err());
        let values: Vec<i64> = w
            .run(|c| {
                let mut s = c.prepare("SELECT v FROM t ORDER BY v")?;
                let rows = s.query_map([], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
                Ok(rows)
            })
            .await
            .unwrap();
        assert_eq!(values, vec![1]);
    }

    #[tokio::test]
    async fn a_panicking_job_does_not_stop_the_writer() {
        let w = writer();
        let panicked: ApiResult<()> = w
            .run(|c| {
                c.execute("INSERT INTO t VALUES (9)", []).unwrap();
                panic!("bug in a job")
            })
            .await;
        assert!(panicked.is_err());
        let n: i64 = w
            .run(|c| Ok(c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(n, 0);
    }

    #[tokio::test]
    async fn concurrent_jobs_see_each_others_writes() {
        let w = std::sync::Arc::new(writer());
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let w = w.clone();
            tasks.push(tokio::spawn(async move {
                w.run(|c| {
                    let n: i64 = c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?;
                    if n < 5 {
                        c.execute("INSERT INTO t VALUES (?1)", [n])?;
                        Ok(true)
                    } else {
                        Ok(false)
                    }
                })
                .await
                .unwrap()
            }));
        }
        let mut admitted = 0;
        for t in tasks {
            admitted += usize::from(t.await.unwrap());
        }
        assert_eq!(admitted, 5);
    }
}
