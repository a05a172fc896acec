//! Keyturn client core (being written).
