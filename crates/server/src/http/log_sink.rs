//! Where the server's log lines go: stderr, written in batches.
//!
//! The access log writes a line per request; one `write` call per line cost the validate route
//! more than a tenth of its throughput. Here lines gather in memory and a background thread
//! writes what gathered in one call, at most [`BATCH`] after the first line arrived. Warnings and
//! errors are written at once, in order after everything before them, and so is a buffer past
//! [`FULL`]. [`flush`] writes what is left (on exit and before a panic message).
//!
//! [`access`] formats the access log's line straight into the buffer, in the shape tracing's
//! formatter gives every other line.

use std::io::Write;
use std::sync::{Condvar, LazyLock, Mutex};
use std::time::{Duration, SystemTime};
use tracing_subscriber::fmt::MakeWriter;

/// Longest a line waits in memory.
const BATCH: Duration = Duration::from_millis(25);
/// A buffer this large is written at once.
const FULL: usize = 64 * 1024;

struct Sink {
    /// Lines not written yet.
    pending: Mutex<Vec<u8>>,
    /// Wakes the background writer when the first line arrives.
    arrived: Condvar,
    /// Held while writing to stderr, so batches and urgent lines leave in order.
    output: Mutex<()>,
}

static SINK: LazyLock<Sink> = LazyLock::new(|| {
    let started = std::thread::Builder::new()
        .name("keyturn-log".into())
        .spawn(write_batches);
    if started.is_err() {
        eprintln!("no log writer thread: log lines are written when a warning comes or on exit");
    }
    Sink {
        pending: Mutex::new(Vec::with_capacity(FULL)),
        arrived: Condvar::new(),
        output: Mutex::new(()),
    }
});

fn write_batches() {
    loop {
        {
            let mut pending = SINK.pending.lock().unwrap_or_else(|e| e.into_inner());
            while pending.is_empty() {
                pending = SINK.arrived.wait(pending).unwrap_or_else(|e| e.into_inner());
            }
        }
        std::thread::sleep(BATCH);
        flush();
    }
}

/// Adds a line (`line` writes it, newline included); `urgent` writes it out at once.
fn append(urgent: bool, line: impl FnOnce(&mut Vec<u8>)) {
    let sink = &*SINK;
    let mut pending = sink.pending.lock().unwrap_or_else(|e| e.into_inner());
    let was_empty = pending.is_empty();
    line(&mut pending);
    let now = urgent || pending.len() >= FULL;
    drop(pending);
    if now {
        flush();
    } else if was_empty {
        sink.arrived.notify_one();
    }
}

/// Writes every gathered line to stderr.
pub fn flush() {
    let sink = &*SINK;
    let _output = sink.output.lock().unwrap_or_else(|e| e.into_inner());
    let batch = std::mem::take(&mut *sink.pending.lock().unwrap_or_else(|e| e.into_inner()));
    if !batch.is_empty() {
        let _ = std::io::stderr().lock().write_all(&batch);
    }
}

static JSON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Access log lines as JSON objects (`serve --log-format json`), like every other line then.
pub fn set_json(on: bool) {
    JSON.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// The access log's line for one request.
pub fn access(method: &axum::http::Method, route: &str, status: u16, micros: u64) {
    let at = humantime::format_rfc3339_micros(SystemTime::now());
    if JSON.load(std::sync::atomic::Ordering::Relaxed) {
        // Route templates and methods hold no quotes or backslashes; Debug quotes them anyway.
        return append(false, |out| {
            let _ = writeln!(
                out,
                r#"{{"timestamp":"{at}","level":"INFO","target":"keyturn_server::routes","message":"request","method":"{method}","route":{route:?},"status":{status},"micros":{micros}}}"#
            );
        });
    }
    append(false, |out| {
        let _ = writeln!(
            out,
            "{at}  INFO keyturn_server::routes: request method={method} route={route:?} status={status} micros={micros}"
        );
    });
}

/// The writer tracing's formatter writes every other line to (one `write_all` per line).
pub struct Stderr;

pub struct LineWriter {
    urgent: bool,
}

impl<'a> MakeWriter<'a> for Stderr {
    type Writer = LineWriter;

    fn make_writer(&'a self) -> LineWriter {
        LineWriter { urgent: true }
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> LineWriter {
        LineWriter {
            urgent: *meta.level() <= tracing::Level::WARN,
        }
    }
}

impl Write for LineWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        append(self.urgent, |out| out.extend_from_slice(bytes));
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
