//! The domain: a site's apps and an app's sheets, objects, master items, bookmarks, variables,
//! data model and script, loaded lazily from engine sessions; links, exports and diffs. Both front ends
//! call these same functions.

pub mod app;
pub mod data;
pub mod diff;
pub mod doctor;
pub mod export;
pub mod links;
pub mod model;
mod prop_tree;
pub mod search;
pub mod site;
pub mod traffic;
pub mod usage;

pub use app::AppSession;
pub use links::Links;
pub use site::Site;
