//! A bare Tauri window: the same Tauri, one static page, no commands, no plugins.
fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("error while running the bare window");
}
