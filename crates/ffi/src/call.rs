//! What every exported function shares: the open handles, each call's outcome and the last error
//! (per handle; per thread for calls without a usable handle), panics caught and kept quiet, and
//! the caller's pointers read and written with their checks.

use keyturn_client::exit_code;
use keyturn_client::{ErrorCode, Session};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ffi::{c_char, CStr};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};

/// What one call came to: the result code it returns, a stable code and words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub result: i32,
    pub code: String,
    pub message: Option<String>,
}

impl Outcome {
    pub fn ok() -> Outcome {
        Outcome {
            result: exit_code::OK,
            code: "OK".into(),
            message: None,
        }
    }

    /// An answer with a stable code (`VALID`, `NOT_ACTIVATED`, ...): its result code follows.
    pub fn answer(code: &str, message: Option<String>) -> Outcome {
        Outcome {
            result: exit_code::for_code(code),
            code: code.into(),
            message,
        }
    }

    pub fn error(code: ErrorCode, message: impl ToString) -> Outcome {
        Outcome::answer(code.as_str(), Some(message.to_string()))
    }

    /// One of the library's own failures (`BUFFER_TOO_SMALL`, `INVALID_ARGUMENT`, ...).
    pub fn library(result: i32, message: impl ToString) -> Outcome {
        let code = exit_code::TABLE
            .iter()
            .find(|row| row.code == result)
            .map_or("INTERNAL", |row| row.name);
        Outcome {
            result,
            code: code.into(),
            message: Some(message.to_string()),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::json!({
            "schema": keyturn_client::host::SCHEMA,
            "result": self.result,
            "code": self.code,
            "message": self.message,
        })
        .to_string()
    }
}

/// An open handle: the session on this computer's keychain and state file, and the async
/// runtime its network calls run on (started at open, stopped when the handle goes).
pub struct Handle {
    pub session: Session,
    pub runtime: tokio::runtime::Runtime,
    /// The floating seat this handle holds (heartbeats on the guard's own thread; released
    /// when taken out and dropped, or when the handle goes).
    pub seat: Mutex<Option<keyturn_client::seat_guard::SeatGuard>>,
    last_error: Mutex<Option<Outcome>>,
}

impl Handle {
    pub fn new(session: Session, runtime: tokio::runtime::Runtime) -> Handle {
        Handle {
            session,
            runtime,
            seat: Mutex::new(None),
            last_error: Mutex::new(None),
        }
    }

    pub fn last_error(&self) -> Option<Outcome> {
        self.last_error.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn remember(&self, outcome: &Outcome) {
        *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome.clone());
    }
}

static HANDLES: Mutex<Option<HashMap<u64, Arc<Handle>>>> = Mutex::new(None);
static NEXT_HANDLE: AtomicU64 = AtomicU64::new(1);

fn handles<T>(f: impl FnOnce(&mut HashMap<u64, Arc<Handle>>) -> T) -> T {
    let mut guard = HANDLES.lock().unwrap_or_else(|e| e.into_inner());
    f(guard.get_or_insert_with(HashMap::new))
}

/// Keeps `handle` open; answers its number (never 0).
pub fn register(handle: Handle) -> u64 {
    let id = NEXT_HANDLE.fetch_add(1, Ordering::Relaxed);
    handles(|all| all.insert(id, Arc::new(handle)));
    id
}

/// Closes the handle `id`; false when it was not open. A call still running on another thread
/// finishes first (it holds the handle); the runtime stops when the last holder lets go.
pub fn unregister(id: u64) -> bool {
    handles(|all| all.remove(&id)).is_some()
}

pub fn find(id: u64) -> Option<Arc<Handle>> {
    handles(|all| all.get(&id).cloned())
}

thread_local! {
    /// The last failure of a call on this thread that had no usable handle (open, a closed handle).
    static THREAD_ERROR: RefCell<Option<Outcome>> = const { RefCell::new(None) };
    /// True while this thread runs library code: its panics are caught quietly.
    static IN_CALL: Cell<bool> = const { Cell::new(false) };
    static PANIC_MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

pub fn thread_error() -> Option<Outcome> {
    THREAD_ERROR.with(|e| e.borrow().clone())
}

/// Panics inside a call print nothing (the host program owns stderr); their message becomes the
/// call's error. Panics elsewhere in a Rust host program go to the hook it had.
fn install_quiet_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if IN_CALL.with(Cell::get) {
                let message = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                let place = info.location().map(|l| format!(" at {}:{}", l.file(), l.line()));
                PANIC_MESSAGE.with(|m| *m.borrow_mut() = Some(format!("{message}{}", place.unwrap_or_default())));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `body` so that no panic crosses the boundary; answers its result code and keeps a
/// failure as the last error (of `handle`, else of this thread).
fn guarded(handle: Option<&Handle>, body: impl FnOnce() -> Outcome) -> i32 {
    install_quiet_panic_hook();
    let was_in_call = IN_CALL.with(|c| c.replace(true));
    let outcome = panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| {
        let message = PANIC_MESSAGE.with(|m| m.borrow_mut().take()).unwrap_or_default();
        Outcome::library(exit_code::INTERNAL, format!("internal error: {message}"))
    });
    IN_CALL.with(|c| c.set(was_in_call));
    if outcome.result != exit_code::OK {
        match handle {
            Some(handle) => handle.remember(&outcome),
            None => THREAD_ERROR.with(|e| *e.borrow_mut() = Some(outcome.clone())),
        }
    }
    outcome.result
}

/// A call without a handle (open, version).
pub fn without_handle(body: impl FnOnce() -> Outcome) -> i32 {
    guarded(None, body)
}

/// A call on the open handle `id`; a closed or unknown one answers `INVALID_HANDLE`.
pub fn with_handle(id: u64, body: impl FnOnce(&Handle) -> Outcome) -> i32 {
    match find(id) {
        Some(handle) => guarded(Some(&handle), || body(&handle)),
        None => guarded(None, || {
            Outcome::library(
                exit_code::INVALID_HANDLE,
                format!("handle {id} is closed or was never opened"),
            )
        }),
    }
}

/// Reads a required UTF-8 text argument.
///
/// # Safety
/// `text` is NULL or points to a NUL-terminated string.
pub unsafe fn text<'a>(text: *const c_char, name: &str) -> Result<&'a str, Outcome> {
    if text.is_null() {
        return Err(Outcome::library(exit_code::INVALID_ARGUMENT, format!("{name} is NULL")));
    }
    CStr::from_ptr(text)
        .to_str()
        .map_err(|e| Outcome::library(exit_code::INVALID_ARGUMENT, format!("{name} is not UTF-8: {e}")))
}

/// Reads an optional UTF-8 text argument (NULL: none).
///
/// # Safety
/// As [`text`].
pub unsafe fn optional_text<'a>(value: *const c_char, name: &str) -> Result<Option<&'a str>, Outcome> {
    if value.is_null() {
        return Ok(None);
    }
    text(value, name).map(Some)
}

/// Checks an output buffer before any work is done: NULL is only allowed with size 0 (a size query).
pub fn check_buffer(buffer: *mut c_char, size: usize) -> Result<(), Outcome> {
    if buffer.is_null() && size != 0 {
        return Err(Outcome::library(
            exit_code::INVALID_ARGUMENT,
            "buffer is NULL but its size is not 0",
        ));
    }
    Ok(())
}

/// Writes `text` and a final NUL into the caller's buffer; `needed` (when not NULL) gets the size
/// that takes. A buffer too small is left empty (just a NUL, when it has room for one).
///
/// # Safety
/// `buffer` is NULL or has room for `size` bytes; `needed` is NULL or points to a `size_t`.
pub unsafe fn write_text(text: &str, buffer: *mut c_char, size: usize, needed: *mut usize) -> Result<(), Outcome> {
    check_buffer(buffer, size)?;
    let with_nul = text.len() + 1;
    if !needed.is_null() {
        *needed = with_nul;
    }
    if buffer.is_null() || size < with_nul {
        if !buffer.is_null() && size > 0 {
            *buffer = 0;
        }
        return Err(Outcome::library(
            exit_code::BUFFER_TOO_SMALL,
            format!("the buffer has {size} bytes; {with_nul} are needed"),
        ));
    }
    std::ptr::copy_nonoverlapping(text.as_ptr(), buffer.cast::<u8>(), text.len());
    *buffer.add(text.len()) = 0;
    Ok(())
}

/// Writes `text` and answers `outcome`, unless the buffer is too small.
///
/// # Safety
/// As [`write_text`].
pub unsafe fn reply(text: &str, outcome: Outcome, buffer: *mut c_char, size: usize, needed: *mut usize) -> Outcome {
    match write_text(text, buffer, size, needed) {
        Ok(()) => outcome,
        Err(too_small) => too_small,
    }
}
