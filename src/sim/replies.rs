//! Pre-serialised answers. A site is fixed once served, so what the heavy methods return for a
//! persisted object (its property tree, its properties) is the same JSON text every time: it is
//! serialised once, on first use, and later replies splice the text instead of rebuilding and
//! re-serialising `Value` trees (issue 16: the simulator must not be what a benchmark measures).
//! Session objects and anything that depends on the session never come through here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// Which answer of an object the text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// GetFullPropertyTree's `qPropEntry`.
    PropertyTree,
    /// GetProperties' `qProp`.
    Properties,
}

/// Serialised answers of one app's objects, by kind and position in the app's object list.
#[derive(Debug, Default)]
pub struct ReplyCache {
    texts: Mutex<HashMap<(Kind, usize), Arc<str>>>,
}

impl ReplyCache {
    /// The text of answer `kind` for the object at `pos`, made by `build` the first time.
    /// Two requests racing on a cold entry may both build it; they build the same text.
    pub fn get_or_build(&self, kind: Kind, pos: usize, build: impl FnOnce() -> Value) -> Arc<str> {
        if let Some(t) = self.lock().get(&(kind, pos)) {
            return t.clone();
        }
        // Built outside the lock: a big subtree must not hold up other sockets' replies.
        let text: Arc<str> = serde_json::to_string(&build())
            .unwrap_or_else(|_| "null".to_string())
            .into();
        self.lock().entry((kind, pos)).or_insert(text).clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Kind, usize), Arc<str>>> {
        self.texts.lock().unwrap_or_else(|e| e.into_inner())
    }
}
