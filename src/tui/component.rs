//! The shape every explorer view and overlay takes (the ratatui component template, as gitui
//! and yazi use it): a component owns its state, takes a key and says what became of it, and
//! draws itself from its state without changing it.
//!
//! The context a component works in is the `App` itself: while a component handles a key it is
//! taken off the overlay stack, so it can change the shared state (the tree, the status line,
//! the request and effect queues) and open other overlays without aliasing itself.

use crossterm::event::KeyEvent;
use ratatui::Frame;

use super::action::Action;
use super::app::App;
use super::layout::Areas;

/// What became of a key a component was given.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The key was this component's; it stays open.
    Consumed,
    /// The key closes this component (Esc, q, a finished dialog).
    Close,
    /// Not this component's key: the layer below gets it (the base view past the last overlay).
    Pass,
    /// This component closes, and these actions run on the base view (the tree filter's
    /// Down/Up keep the filter and move through its matches).
    CloseThen(Vec<Action>),
}

pub trait Component {
    /// Handles one key. `app` is the shared state; this component is off the stack meanwhile.
    fn on_key(&mut self, key: &KeyEvent, app: &mut App) -> Outcome;

    /// Draws this component over what is below it: a pure function of its state and `app`.
    fn draw(&self, f: &mut Frame, areas: &Areas, app: &App);
}
