//! Connection profiles: what the user keeps (a TOML file, no secrets: [`store`]) and the
//! secrets (OS keyring: [`secrets`]), resolved into a `ConnectionSpec` for the other layers
//! ([`resolve`]); [`manage`] changes both together.

pub mod bounded_yaml;
pub mod manage;
pub mod openmetadata;
pub mod resolve;
pub mod secrets;
pub mod store;
