//! Connection profiles: what the user keeps (a TOML file, no secrets) and the secrets (OS
//! keyring), resolved into a `ConnectionSpec` for the other layers.

pub mod preflight;
pub mod spec;

pub use preflight::{AuthCache, Preflight};
pub use spec::{Auth, ConnectionSpec, Deployment, JwtSource, JwtTemplate, SecretString};
