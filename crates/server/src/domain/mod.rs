//! The licensing rules, written once for every store. Nothing here knows axum, rusqlite or
//! tokio-postgres: the rules run over [`tx::Tx`], the query-level interface each store
//! implements inside its own transactions.
//!
//! * [`model`]: rows and views; [`rules`]: pure functions of rows and time (expiry, renew-by,
//!   fuzzy matching); [`errors`]: every failure as a stable code.
//! * [`client`]: validate, activate, renew, deactivate, machines, trial.
//! * [`admin`] (inputs checked in [`admin_input`]): products, policies, licenses, machines,
//!   fingerprint rules; [`demo`]: the demo seed.
//! * [`events`] (what an event is), [`event_log`] (append, page, prune), [`sessions`]: the
//!   sign-in rules.
//! * [`license_list`] (the console's paged, filtered list) and [`license_edit`] (owner details),
//!   each with its own query trait.
//! * [`rename`]: a device renames its own activation (its own query trait, `RenameTx`).
//! * [`leases`]: floating seats (checkout, heartbeat, release, borrow) and seats that free
//!   themselves (`release_unseen_days`).
//! * [`tokens`]: the signed activation token for an [`issued::Issued`] activation;
//!   [`secrets`]: the signing key and the key hasher.

pub mod admin;
pub mod admin_input;
pub mod client;
pub mod demo;
pub mod errors;
pub mod event_log;
pub mod events;
pub mod ids;
pub mod issued;
pub mod leases;
pub mod license_edit;
pub mod license_list;
pub mod mail;
pub mod model;
pub mod outbox;
pub mod page;
pub mod rename;

pub mod payments;
pub mod rules;
pub mod seal_key;
pub mod sealed;
pub mod secrets;
pub mod sessions;
pub mod signing_keys;
pub mod staff;
pub mod tokens;
pub mod tx;
pub mod webhooks;
pub mod with_event;
