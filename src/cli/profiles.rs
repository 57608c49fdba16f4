//! Profile resolution for CONN: `-p NAME` (or `QLIK_TUI_PROFILE`, or the file's `default =`)
//! → the profile file's settings plus the profile's secrets from its keyring backend.

use super::conn::ConnArgs;
use crate::engine::conn::ConnectionSpec;
use crate::profile::resolve;

/// The named profile as a spec; `--timeout`/`--request-timeout` given on the command line win
/// over the profile's.
pub fn resolve_profile(name: &str, args: &ConnArgs) -> anyhow::Result<ConnectionSpec> {
    let mut spec = resolve::resolve_named(name, args.secret_store)?;
    spec.allow_insecure_transport |= args.allow_insecure_transport;
    if args.max_message_mb.is_some() {
        spec.max_message_bytes = args.max_message_bytes()?;
    }
    if args.timeout.is_some() || args.request_timeout.is_some() || args.keep_alive.is_some() {
        let t = args.timeouts()?;
        if args.keep_alive.is_some() {
            spec.timeouts.keep_alive = t.keep_alive;
        }
        if args.timeout.is_some() {
            spec.timeouts.connect = t.connect;
            spec.timeouts.greeting = t.greeting;
        }
        if args.request_timeout.is_some() {
            spec.timeouts.request = t.request;
        }
    }
    Ok(spec)
}

/// The profile file's `default =`, when no profile was named.
pub fn default_profile() -> anyhow::Result<Option<String>> {
    let store = crate::profile::store::ProfileStore::open_default()?;
    Ok(store.default_name().map(str::to_string))
}
