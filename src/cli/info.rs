//! `qlik-tui info`: where config, profiles, logs and the keymap live.

use crate::paths;

pub fn run(json: bool) -> anyhow::Result<i32> {
    let facts = [
        ("version", env!("CARGO_PKG_VERSION").to_string()),
        ("config_dir", paths::config_dir().display().to_string()),
        ("profiles", paths::profiles_path().display().to_string()),
        ("keymap", paths::keymap_path().display().to_string()),
        ("log_dir", paths::log_dir().display().to_string()),
    ];
    if json {
        let map: serde_json::Map<String, serde_json::Value> = facts
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::from(v.clone())))
            .collect();
        crate::outln!("{}", serde_json::to_string_pretty(&map)?);
    } else {
        for (k, v) in facts {
            crate::outln!("{k:<11} {v}");
        }
    }
    Ok(0)
}
