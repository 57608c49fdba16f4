//! One engine session (one socket): the user, the app in the URL, the open doc and the handle
//! table. Handles are allocated from 1; asking twice for the same object gives the same handle,
//! as the engine does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};

use super::auth::{SocketTarget, User};
use super::data::{AppIndex, AppMeta, Class, Site};

/// What a handle points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Doc,
    Object(Class, String),
}

/// The app opened in this session.
#[derive(Clone)]
pub struct OpenDoc {
    pub meta: AppMeta,
    pub index: Arc<AppIndex>,
    pub handle: i64,
    pub no_data: bool,
}

#[derive(Default)]
pub struct State {
    pub doc: Option<OpenDoc>,
    handles: HashMap<i64, Target>,
    by_target: HashMap<Target, i64>,
    last_handle: i64,
    /// Session objects by id (their properties). They live only in this session.
    pub session_objects: HashMap<String, Value>,
    session_object_counter: u64,
}

impl State {
    /// The handle of `target`, allocating one the first time.
    pub fn handle_for(&mut self, target: Target) -> i64 {
        if let Some(h) = self.by_target.get(&target) {
            return *h;
        }
        self.last_handle += 1;
        let h = self.last_handle;
        self.handles.insert(h, target.clone());
        self.by_target.insert(target, h);
        h
    }

    pub fn target(&self, handle: i64) -> Option<&Target> {
        self.handles.get(&handle)
    }

    /// Forgets a handle (a destroyed session object); returns it if it existed.
    pub fn release(&mut self, target: &Target) -> Option<i64> {
        let h = self.by_target.remove(target)?;
        self.handles.remove(&h);
        Some(h)
    }

    /// A fresh id for a session object created without one (the engine makes one up too).
    pub fn new_session_object_id(&mut self) -> String {
        self.session_object_counter += 1;
        format!("sim-session-{}", self.session_object_counter)
    }
}

pub struct Session {
    pub site: Arc<Site>,
    pub user: User,
    pub target: SocketTarget,
    state: Mutex<State>,
}

impl Session {
    pub fn new(site: Arc<Site>, user: User, target: SocketTarget) -> Self {
        Session {
            site,
            user,
            target,
            state: Mutex::new(State::default()),
        }
    }

    /// The state, for a short critical section (never held across an await).
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// An ObjRef (`qReturn` of OpenDoc, GetObject, ...).
pub fn obj_ref(q_type: &str, handle: i64, generic_type: &str, generic_id: &str) -> Value {
    json!({
        "qType": q_type,
        "qHandle": handle,
        "qGenericType": generic_type,
        "qGenericId": generic_id,
    })
}

/// The engine's answer for an object that does not exist: not an error.
pub fn not_found_ref() -> Value {
    json!({"qType": null, "qHandle": null})
}
