//! Test support: a scripted HTTP stub (also the fault server) and fixtures.
#![allow(dead_code)]

pub mod fixtures;
pub mod server;
pub mod stub;
