//! Test support: fixtures (the scripted stub and the real server come from keyturn-testkit).
#![allow(dead_code)]

pub mod fixtures;
