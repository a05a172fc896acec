//! Keyturn license server: client endpoints, admin API, support console, customer portal, admin
//! CLI, over SQLite (one machine) or PostgreSQL (several replicas).
//!
//! The layers, each depending only on the ones before it:
//! * [`domain`]: the licensing rules, written once; no axum, rusqlite or tokio-postgres. They run
//!   over [`domain::tx::Tx`], the query interface each store implements.
//! * [`store`]: [`store::sqlite`] and [`store::postgres`] side by side, each with its SQL and its
//!   transactions, behind the [`store::Store`] contract.
//! * [`events`]: the event log's non-blocking recorder and retention.
//! * [`http`]: client API, admin API, console, portal, sessions, rate limits, error answers, and
//!   the accept loop ([`http::serve`]).
//! * [`mail`]: the purchase email (template, SMTP worker).
//! * [`cli`]: the `keyturn-server` command line.
//! * [`ops`]: self-hosting: the config file, init, doctor, metrics.

pub mod cli;
pub mod clock;
pub mod domain;
pub mod events;
pub mod http;
pub mod mail;
pub mod ops;
pub mod store;
