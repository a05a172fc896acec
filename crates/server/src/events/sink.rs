//! [`EventLog`]: handlers record events without waiting for the disk. A background task writes
//! them in batches through the store's writer (so they share its group commits); `flush` waits
//! until everything recorded before it is committed (readers of the log call it first).

use super::{Event, EventPage, EventQuery};
use crate::domain::errors::ApiResult;
use crate::store::Store;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Events waiting beyond this are dropped (with a warning) rather than growing memory.
const QUEUE: usize = 10_000;
const BATCH: usize = 512;

enum Msg {
    Event(Event),
    Flush(oneshot::Sender<()>),
}

#[derive(Clone)]
pub struct EventLog {
    tx: mpsc::Sender<Msg>,
    store: Arc<dyn Store>,
}

impl EventLog {
    /// Starts the writing task on the current tokio runtime.
    pub fn start(store: Arc<dyn Store>) -> EventLog {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(store.clone(), rx));
        EventLog { tx, store }
    }

    pub fn record(&self, event: Event) {
        if self.tx.try_send(Msg::Event(event)).is_err() {
            tracing::warn!("event log queue full; an event was dropped");
        }
    }

    /// Events recorded and not handed to the writer yet (metrics).
    pub fn backlog(&self) -> usize {
        QUEUE - self.tx.capacity()
    }

    /// Waits until every event recorded before this call is committed.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

impl EventLog {
    /// A page of the log, including everything recorded before this call.
    pub async fn query(&self, query: EventQuery) -> ApiResult<EventPage> {
        query.page_size()?;
        self.flush().await;
        self.store.events(query).await
    }
}

async fn run(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Msg>) {
    let mut batch = Vec::new();
    let mut flushes = Vec::new();
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        while let Some(msg) = next {
            match msg {
                Msg::Event(e) => batch.push(e),
                Msg::Flush(done) => flushes.push(done),
            }
            next = if batch.len() < BATCH { rx.try_recv().ok() } else { None };
        }
        if !batch.is_empty() {
            let n = batch.len();
            if let Err(e) = store.append_events(std::mem::take(&mut batch)).await {
                tracing::error!(error = %e, events = n, "could not write events");
            }
        }
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
    }
}
