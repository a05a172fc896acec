//! Tauri commands, grouped by what the user is doing. Each parses its input, calls
//! keyturn-client and shapes a view; no licensing logic lives here.

pub mod devices;
pub mod license;
pub mod offline;
pub mod seat;
pub mod support;
