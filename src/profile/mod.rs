//! Connection profiles: what the user keeps (a TOML file, no secrets) and the secrets (OS
//! keyring), resolved into a `ConnectionSpec` for the other layers.

pub mod spec;

pub use spec::{Auth, ConnectionSpec, Deployment};
