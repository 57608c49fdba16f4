//! Exit codes, in one place: every error a command returns is mapped here, so scripts can tell
//! "the thing failed" from "you called it wrong" from "the server is unreachable" from "the
//! engine said no". The table is printed by `--help` and the README.

use crate::engine::EngineError;
use crate::explore::export::ExportError;
use crate::explore::search::SearchError;
use crate::profile::store::StoreError;

/// The command did what was asked (a doctor found nothing wrong, a diff found no difference).
pub const OK: i32 = 0;
/// The thing failed: a doctor step failed, a file could not be written, an export broke off.
pub const FAILED: i32 = 1;
/// Usage or input error: a flag, a value, a profile or a certificate file is wrong (clap's own
/// usage errors exit 2 too).
pub const USAGE: i32 = 2;
/// The connection failed: DNS, TCP, TLS, the WebSocket upgrade, authentication, a timeout.
pub const CONNECTION: i32 = 3;
/// The engine refused: access denied, or the app / object / field was not found.
pub const REFUSED: i32 = 4;

/// `diff`: the two sides differ (as diff(1)).
pub const DIFFER: i32 = 1;

/// The table `--help` ends with (the README repeats it).
pub const HELP_TABLE: &str = "Exit codes:
  0  ok
  1  the thing failed (a doctor step failed, a diff found differences, a file could not be written)
  2  usage or input error (flags, values, profile, certificate files)
  3  connection failed (DNS, TCP, TLS, WebSocket upgrade, authentication, timeout)
  4  the engine refused (access denied, app or object not found)";

/// An error in what the user gave (flags, values, files): exit code 2.
#[derive(Debug)]
pub struct InputError(pub anyhow::Error);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for InputError {}

/// A diff's trouble, whatever its cause: exit 2 as diff(1), so 1 keeps meaning "they differ".
#[derive(Debug)]
pub struct DiffTrouble(pub anyhow::Error);

impl std::fmt::Display for DiffTrouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for DiffTrouble {}

/// Marks `e` as a diff's trouble (exit 2 whatever it is).
pub fn diff_trouble(e: anyhow::Error) -> anyhow::Error {
    anyhow::Error::new(DiffTrouble(e))
}

/// Marks `e` as the user's input error (exit 2), unless it already maps to a more telling code
/// (a keyring refusing, an engine error met while checking the input).
pub fn input(e: anyhow::Error) -> anyhow::Error {
    if code_for(&e) == FAILED {
        anyhow::Error::new(InputError(e))
    } else {
        e
    }
}

/// An input error from a message: `return Err(exit::usage("--sheet needs --app"))`.
pub fn usage(message: impl std::fmt::Display) -> anyhow::Error {
    anyhow::Error::new(InputError(anyhow::anyhow!("{message}")))
}

/// The exit code for an error a command returned: the first cause in the chain with a meaning
/// decides; anything else is FAILED.
pub fn code_for(e: &anyhow::Error) -> i32 {
    for cause in e.chain() {
        if cause.is::<DiffTrouble>() {
            return USAGE;
        }
        if cause.is::<InputError>() {
            return USAGE;
        }
        if let Some(engine) = cause.downcast_ref::<EngineError>() {
            return engine_code(engine);
        }
        if let Some(export) = cause.downcast_ref::<ExportError>() {
            return match export {
                ExportError::Engine { source, .. } => engine_code(source),
                ExportError::Options(_) => USAGE,
                ExportError::Cancelled(_) | ExportError::Output { .. } => FAILED,
            };
        }
        if let Some(search) = cause.downcast_ref::<SearchError>() {
            return match search {
                SearchError::Engine { source, .. } => engine_code(source),
                SearchError::Pattern(_) | SearchError::Options(_) => USAGE,
                SearchError::AppRefused(_) => REFUSED,
            };
        }
        if let Some(store) = cause.downcast_ref::<StoreError>() {
            return match store {
                StoreError::Io { .. } => FAILED,
                _ => USAGE,
            };
        }
        if cause.is::<crate::tls::TlsConfigError>()
            || cause.is::<crate::tls::intake::IntakeError>()
            || cause.is::<crate::tls::pem::PemError>()
            || cause.is::<crate::engine::jwt::JwtError>()
        {
            return USAGE;
        }
    }
    FAILED
}

/// Engine errors: bad settings are input errors, the network path is a connection failure, and
/// the engine's own "no" (access denied, not found) is a refusal.
pub fn engine_code(e: &EngineError) -> i32 {
    match e {
        EngineError::InvalidUrl { .. } | EngineError::TlsConfig(_) | EngineError::Jwt(_) => USAGE,
        EngineError::Dns { .. }
        | EngineError::ConnectionRefused { .. }
        | EngineError::ConnectFailed { .. }
        | EngineError::Timeout { .. }
        | EngineError::Tls { .. }
        | EngineError::UpgradeRejected { .. }
        | EngineError::WebSocket(_)
        | EngineError::ProxyNotification { .. }
        | EngineError::MustAuthenticate { .. }
        | EngineError::RequestTimeout { .. }
        | EngineError::Closed { .. }
        | EngineError::ClosedBeforeGreeting { .. }
        | EngineError::Protocol(_)
        | EngineError::Unreadable { .. }
        | EngineError::MessageTooLarge { .. }
        | EngineError::HttpRefused { .. }
        | EngineError::RateLimited { .. }
        | EngineError::CloudSocketRefused { .. } => CONNECTION,
        EngineError::SessionRefused { state } => match state.as_str() {
            "SESSION_ERROR_APP_ACCESS_DENIED" => REFUSED,
            _ => CONNECTION,
        },
        EngineError::ObjectNotFound { .. } => REFUSED,
        // Engine error codes (NxLocalizedErrorCode): 2 not found, 5 access denied, 1003 app not
        // found, 4000 user access denied, 8001 linked object not found, 9003 persistence not
        // found. Anything else is the request failing.
        EngineError::Rpc { code, .. } => match code {
            2 | 5 | 1003 | 4000 | 8001 | 9003 => REFUSED,
            _ => FAILED,
        },
        EngineError::ReadOnly(_) => FAILED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rpc(code: i64) -> EngineError {
        EngineError::Rpc {
            method: "OpenDoc".into(),
            code,
            name: None,
            parameter: String::new(),
            message: String::new(),
        }
    }

    #[test]
    fn every_kind_of_error_has_its_code() {
        let e = |x: EngineError| code_for(&anyhow::Error::new(x));
        assert_eq!(
            e(EngineError::ConnectionRefused { addr: "x".into() }),
            CONNECTION
        );
        assert_eq!(e(rpc(5)), REFUSED);
        assert_eq!(e(rpc(1003)), REFUSED);
        assert_eq!(e(rpc(9999)), FAILED);
        assert_eq!(
            e(EngineError::ObjectNotFound {
                what: "object",
                id: "x".into()
            }),
            REFUSED
        );
        assert_eq!(code_for(&usage("bad flag")), USAGE);
        // A diff's trouble is 2 even when the cause would say otherwise.
        assert_eq!(code_for(&diff_trouble(anyhow::Error::new(rpc(5)))), USAGE);
        assert_eq!(code_for(&anyhow::anyhow!("write failed")), FAILED);
        // Context around a typed error keeps its code; input() never hides a better one.
        let wrapped = anyhow::Error::new(rpc(5)).context("opening the app");
        assert_eq!(code_for(&wrapped), REFUSED);
        assert_eq!(code_for(&input(wrapped)), REFUSED);
        assert_eq!(code_for(&input(anyhow::anyhow!("no such file"))), USAGE);
        assert_eq!(
            code_for(&anyhow::Error::new(StoreError::NotFound("x".into()))),
            USAGE
        );
    }
}
