//! Keyturn license server: client endpoints, admin API, admin CLI and the SQLite store.
//!
//! * [`cli`]: the `keyturn-server` command line (serve, admin commands, demo, bench).
//! * [`store`]: SQLite file, schema, reader pool and the group-commit writer.
//! * [`ops`]: the license rules, run inside one database transaction each.
//! * [`routes`]: the HTTP surface (client endpoints, admin API, error mapping).
//! * [`events`]: the event log; [`console`]: the support console; [`portal`]: the customer portal; [`sessions`]: browser sessions.

pub mod bench;
pub mod bench_target;
pub mod cli;
pub mod clock;
pub mod console;
pub mod demo;
pub mod errors;
pub mod events;
pub mod extract;
pub mod ids;
pub mod log_sink;
pub mod model;
pub mod ops;
pub mod page;
pub mod portal;
pub mod ratelimit;
pub mod routes;
pub mod rules;
pub mod secrets;
pub mod serve;
pub mod sessions;
pub mod store;
pub mod tokens;
