//! Harness for Keyturn's end-to-end tests, on keyturn-testkit. Every process a test starts (Xvfb,
//! keyturn-server, tauri-driver and what it spawns) runs in its own process group and is killed
//! when its guard drops, also when the test fails. Ports are free ports picked at run time; HOME
//! and data dirs are temporary.

pub mod app;
pub mod artifacts;
pub mod audit;
pub mod browser;
pub mod cli;
pub mod display;
pub mod ffi;
pub mod keychain;
pub mod launch;
pub mod page;
pub mod payments;
pub mod server;
pub mod window;

pub use app::App;
pub use browser::Browser;
pub use keyturn_testkit::{binaries, process};
pub use server::Server;

use std::time::Duration;

/// How long any single UI expectation may take before the test fails.
pub const UI_DEADLINE: Duration = Duration::from_secs(20);
