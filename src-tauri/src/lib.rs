//! The Keyturn app shell: wires commands, state and plugins. Domain logic lives in keyturn-client.

mod commands;
mod config;
mod error;
mod state;
mod views;

pub use error::CommandError;

use tauri::{Manager, Runtime};

/// Builds the app on any runtime, so IPC tests can use `tauri::test::mock_builder()`.
pub fn build_app<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_store::Builder::new().build())
        .setup(|app| {
            let state = state::AppState::from_config(config::load()?)?;
            app.manage(state);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![commands::app_info, commands::activate])
}

/// Runs the desktop app.
pub fn run() {
    build_app(tauri::Builder::default())
        .run(tauri::generate_context!())
        .expect("error while running the Keyturn app");
}
