//! The base view under the overlays: the tree pane and the detail pane, each a component
//! (`super::component::Component`). Keys reach them when no overlay is open: the focused
//! detail pane first, then the tree, then the app's own actions (`App::update`).

pub mod detail_pane;
pub mod tree_pane;
