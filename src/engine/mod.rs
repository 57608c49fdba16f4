//! The Qlik Engine JSON API client: transport (wss + TLS), JSON-RPC, typed calls.
//! Knows nothing of trees, terminals or profiles.

pub mod api;
pub mod cloud;
pub mod conn;
pub mod cookie;
pub mod error;
pub mod http;
pub mod json_scan;
pub mod jwt;
pub mod proxy;
pub mod rate_limit;
pub mod reply;
pub mod rpc;
pub mod schema;
pub mod session;
pub mod trace;
pub mod trace_file;
pub mod trace_ring;
pub mod transport;
pub mod url;
pub mod wire;

pub use api::{Doc, DocListEntry, GenericObject, Global, NxInfo, TablesAndKeys};
pub use error::{EngineError, TlsFailure};
pub use session::{Greeting, Session};
pub use transport::{ConnectOptions, Header, Timeouts};
