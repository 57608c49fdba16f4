//! Which methods the simulator refuses as writes. It decides this from the Engine API's own
//! naming (engine-api.md, the schema's method names), not from the list the client allows
//! itself: reads are named `Get…`, `Is…`, `Check…`, `Search…` or are the version and platform
//! calls and `Evaluate`; opening an app and the session-only objects (`CreateSession…` /
//! `DestroySession…`) change nothing that is saved. Every other verb (`Set…`, `Apply…`, `Do…` such as `DoSave` and
//! `DoReload`, `Create…`/`Destroy…` of saved objects, `Publish`, `Approve`, selections, undo…)
//! changes the app or its state, and a read-only simulator answers it with error 5.

const READ_PREFIXES: &[&str] = &["Get", "Is", "Check", "Search"];

const READS_BY_NAME: &[&str] = &[
    "EngineVersion",
    "ProductVersion",
    "OSName",
    "OSVersion",
    "QTProduct",
    "OpenDoc",
    // An expression computed against the data model: nothing is kept.
    "Evaluate",
    "EvaluateEx",
    "CreateSessionObject",
    "DestroySessionObject",
    "CreateSessionVariable",
    "DestroySessionVariable",
];

/// True when `method` would change an app (or its selections) on a real engine.
pub fn modifies_app(method: &str) -> bool {
    let reads = READ_PREFIXES.iter().any(|p| {
        method
            .strip_prefix(p)
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
    }) || READS_BY_NAME.contains(&method);
    !reads
}

#[cfg(test)]
mod tests {
    use super::modifies_app;

    #[test]
    fn setters_and_verbs_are_writes_and_getters_are_not() {
        for w in [
            "DoSave",
            "DoReload",
            "SetProperties",
            "ApplyPatches",
            "CreateObject",
            "DestroyObject",
            "Publish",
            "SelectValues",
        ] {
            assert!(modifies_app(w), "{w}");
        }
        for r in [
            "GetLayout",
            "GetDocList",
            "IsDesktopMode",
            "EngineVersion",
            "EvaluateEx",
            "OpenDoc",
            "CreateSessionObject",
            "DestroySessionObject",
        ] {
            assert!(!modifies_app(r), "{r}");
        }
    }
}
