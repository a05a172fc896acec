//! The end-to-end server: keyturn-testkit's real keyturn-server (on the store under test,
//! `KEYTURN_TEST_STORE`) with the product every end-to-end vendor config names.

pub use keyturn_testkit::{Server, ADMIN_TOKEN};

pub const PRODUCT_ID: &str = "e2e-product";
pub const PRODUCT_NAME: &str = "E2E Product";
/// The console's owner account ([`add_owner`]).
pub const OWNER_EMAIL: &str = "owner@acme.com";
pub const OWNER_PASSWORD: &str = "tall trees whisper softly";

/// Starts the server and creates the test product.
pub fn start() -> Server {
    start_with(&[])
}

/// Same, with more `serve` options (e.g. `["--rate-limit", "0.001"]`).
pub fn start_with(serve_options: &[&str]) -> Server {
    Server::options()
        .product(PRODUCT_ID, PRODUCT_NAME)
        .args(serve_options)
        .start()
}

/// Adds the console's owner ([`OWNER_EMAIL`], [`OWNER_PASSWORD`]) to `server`'s database with
/// the CLI, as an operator does.
pub fn add_owner(server: &Server) {
    keyturn_testkit::staff::add_staff(&server.db, OWNER_EMAIL, "owner", OWNER_PASSWORD);
}
