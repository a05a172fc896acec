//! The Keyturn app shell: wires commands, state and plugins. Domain logic lives in keyturn-client.

// Command errors carry the server's answer (license summary, machines); they are rare and go
// straight to the UI, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod cli;
mod commands;
mod diagnostics;
mod error;
mod language;
mod links;
mod quit_signals;
mod renewal_task;
mod startup;
mod state;
mod state_watch;
mod views;

pub use error::CommandError;
pub use keyturn_client::ErrorCode;
pub use state::StartupError;

use tauri::{Manager, Runtime};

/// Where the app's state comes from: the vendor config and the state file (relative paths
/// land in the app's data folder).
pub struct Setup {
    pub config: Result<keyturn_client::VendorConfig, StartupError>,
    pub state_file: std::path::PathBuf,
}

impl Setup {
    /// The vendor config from `KEYTURN_CONFIG` or the built-in one; the state file the command
    /// line and host programs read too.
    pub fn from_environment() -> Self {
        let config = startup::load_config();
        let state_file = startup::state_file(&config);
        Setup { config, state_file }
    }
}

/// Builds the app on any runtime, so IPC tests can use `tauri::test::mock_builder()`.
pub fn build_app<R: Runtime>(builder: tauri::Builder<R>, setup: Setup) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_dialog::init())
        .setup(move |app| {
            let state_file = setup.state_file.clone();
            let state = startup::app_state(setup);
            links::on_start(app.handle(), &state);
            if let Ok(session) = state.session() {
                renewal_task::spawn(app.handle().clone(), session.clone(), state.renewal_wake.clone());
                state_watch::spawn(
                    app.handle().clone(),
                    session.clone(),
                    state.renewal_wake.clone(),
                    state_file,
                );
            }
            app.manage(state);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::support::app_info,
            commands::license::status,
            commands::license::activate,
            commands::license::start_trial,
            commands::license::take_link,
            commands::license::free_and_activate,
            commands::license::check_now,
            commands::license::deactivate,
            commands::offline::offline_request,
            commands::offline::import_offline_response,
            commands::offline::deactivate_offline,
            commands::offline::save_offline_request,
            commands::offline::open_offline_response,
            commands::devices::machines,
            commands::devices::remove_machine,
            commands::devices::rename_this_computer,
            commands::support::diagnostics,
            commands::support::save_diagnostics,
            commands::seat::seat_checkout,
            commands::seat::seat_on_start,
            commands::seat::seat_status,
            commands::seat::seat_release,
        ])
}

/// Runs the desktop app until its window is closed; answers the exit code. A second launch
/// hands its activation link to the running app and exits (see links.rs).
pub fn run() -> i32 {
    let setup = Setup::from_environment();
    // Held until the process ends (`keyturn open --wait` waits for it). A second launch finds it
    // taken and hands over to the running window (single-instance).
    let _window_open = setup
        .state_file
        .is_absolute()
        .then(|| keyturn_client::window_lock::try_hold(&keyturn_client::window_lock::lock_path(&setup.state_file)))
        .and_then(|held| held.ok().flatten());
    let app = build_app(links::plugins(tauri::Builder::default()), setup)
        .build(tauri::generate_context!())
        .expect("error while running the Keyturn app");
    // SIGTERM (logging out, shutting down), SIGHUP and SIGINT end the app as closing it does.
    quit_signals::spawn(app.handle().clone());
    app.run_return(|app, event| {
        // Quitting gives the floating seat back (the guard releases it when dropped).
        if let tauri::RunEvent::Exit = event {
            if let Some(state) = app.try_state::<state::AppState>() {
                drop(commands::seat::take_guard(&state));
            }
        }
    })
}
