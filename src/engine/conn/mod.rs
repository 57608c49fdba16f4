//! The connection: what reaching a site takes (`ConnectionSpec`: URLs, auth, TLS material,
//! options) and the requests some auth modes make before the socket ([`preflight`]). Profiles
//! and the command line's inline flags both produce a spec; the engine performs every network
//! step from it.

pub mod preflight;
pub mod spec;

pub use preflight::{AuthCache, Preflight};
pub use spec::{Auth, ConnectionSpec, Deployment, JwtSource, JwtTemplate, SecretString};

#[cfg(test)]
mod tests;
