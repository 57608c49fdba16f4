//! Profile resolution for CONN. Profiles (TOML + keyring) arrive with the profile store; until
//! then a named profile is a clear error.

use super::conn::ConnArgs;
use crate::profile::ConnectionSpec;

pub fn resolve_profile(name: &str, _args: &ConnArgs) -> anyhow::Result<ConnectionSpec> {
    anyhow::bail!(
        "profile '{name}' not found in {}: add it with `qlik-tui profile add`, or pass --engine-url and the auth flags",
        crate::paths::profiles_path().display()
    )
}
