// Hide the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// `keyturn` alone (or with a `keyturn://` link) opens the app; `keyturn <command>` runs the
/// headless command line (see `keyturn --help`) without touching the display.
fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let code = if keyturn_app::cli::wants_gui(&args) {
        keyturn_app::run()
    } else {
        keyturn_app::cli::run(args)
    };
    std::process::exit(code);
}
