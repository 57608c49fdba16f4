//! TLS foundations: PEM intake, rustls configurations, and run-time certificates.

pub mod config;
pub mod intake;
pub mod pem;
pub mod pki;
pub mod x509;

pub use config::{
    ClientTls, TlsConfigError, client_config, ensure_crypto_provider, server_config,
    server_config_with, shared_client_config,
};
pub use pem::{PemError, PemRole};
