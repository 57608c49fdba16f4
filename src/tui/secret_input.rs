//! A one-line text input whose buffer is wiped: the profile form's fields hold passphrases,
//! tokens and pasted keys, and `tui_input::Input` keeps its text (and a yank buffer of what was
//! cut) in plain `String`s that are freed unwiped. This one takes the same editing requests
//! (`tui_input::InputRequest`, so the same keys), steps by grapheme and by word as it does, and
//!
//! - keeps the text in a `Zeroizing<String>`, wiped (its whole capacity) when dropped;
//! - never lets that `String` reallocate in place: when it must grow, the text moves to a new,
//!   larger wiping buffer and the old one is wiped as it drops, so no copy is left in freed
//!   memory;
//! - keeps no yank buffer (the form has no yank key).
//!
//! Debug shows the length only.

use tui_input::InputRequest;
use unicode_segmentation::{GraphemeCursor, UnicodeSegmentation};
use zeroize::{ZeroizeOnDrop, Zeroizing};

#[derive(Clone, Default)]
pub struct SecretInput {
    text: Zeroizing<String>,
    /// Byte offset of the cursor in `text` (on a character boundary).
    cursor: usize,
}

/// `text` is a `Zeroizing<String>` and `cursor` holds nothing secret.
impl ZeroizeOnDrop for SecretInput {}

impl std::fmt::Debug for SecretInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretInput(<{} bytes>)", self.text.len())
    }
}

impl SecretInput {
    /// An input holding `value`, the cursor at its end.
    pub fn new(value: &str) -> SecretInput {
        let mut input = SecretInput::default();
        input.push_str(value);
        input
    }

    pub fn value(&self) -> &str {
        self.text.as_str()
    }

    /// The cursor as a count of characters before it (as `tui_input::Input::cursor`).
    pub fn cursor(&self) -> usize {
        self.text[..self.cursor].chars().count()
    }

    /// Appends `s` at the end and puts the cursor there (a paste).
    pub fn push_str(&mut self, s: &str) {
        self.reserve(s.len());
        self.text.push_str(s);
        self.cursor = self.text.len();
    }

    /// Makes room for `extra` more bytes without the `String` reallocating in place (which would
    /// free the old buffer unwiped): a bigger buffer is made, the text copied, the old one wiped.
    fn reserve(&mut self, extra: usize) {
        let needed = self.text.len() + extra;
        if needed <= self.text.capacity() {
            return;
        }
        let capacity = needed.max(self.text.capacity() * 2).max(64);
        let mut bigger = Zeroizing::new(String::with_capacity(capacity));
        bigger.push_str(&self.text);
        // The old buffer drops here, wiped.
        self.text = bigger;
    }

    /// Applies an editing request; returns whether the text changed (as `tui_input` reports
    /// `StateChanged::value`).
    pub fn handle(&mut self, req: InputRequest) -> bool {
        use InputRequest::*;
        let len = self.text.len();
        match req {
            InsertChar(c) => {
                self.reserve(c.len_utf8());
                self.text.insert(self.cursor, c);
                self.cursor += c.len_utf8();
                true
            }
            DeletePrevChar => match self.prev_grapheme() {
                Some(prev) => self.remove(prev..self.cursor),
                None => false,
            },
            DeleteNextChar => match self.next_grapheme() {
                Some(next) => self.remove(self.cursor..next),
                None => false,
            },
            DeletePrevWord if self.cursor > 0 => self.remove(self.prev_word()..self.cursor),
            DeleteNextWord if self.cursor < len => self.remove(self.cursor..self.next_word()),
            DeleteLine if len > 0 => self.remove(0..len),
            DeleteTillEnd => {
                self.remove(self.cursor..len);
                // tui_input reports a change even when nothing follows the cursor.
                true
            }
            DeleteFromStart if self.cursor > 0 => self.remove(0..self.cursor),
            GoToPrevChar => {
                if let Some(prev) = self.prev_grapheme() {
                    self.cursor = prev;
                }
                false
            }
            GoToNextChar => {
                if let Some(next) = self.next_grapheme() {
                    self.cursor = next;
                }
                false
            }
            GoToPrevWord => {
                self.cursor = self.prev_word();
                false
            }
            GoToNextWord => {
                self.cursor = self.next_word();
                false
            }
            GoToStart => {
                self.cursor = 0;
                false
            }
            GoToEnd => {
                self.cursor = len;
                false
            }
            SetCursor(chars) => {
                self.cursor = self.text.char_indices().nth(chars).map_or(len, |(i, _)| i);
                false
            }
            DeletePrevWord | DeleteNextWord | DeleteLine | DeleteFromStart | Yank => false,
        }
    }

    /// Removes a byte range (in place: the bytes shift left within the same buffer, whose
    /// whole capacity is wiped on drop) and moves the cursor to where the range began.
    fn remove(&mut self, range: std::ops::Range<usize>) -> bool {
        if range.is_empty() {
            return false;
        }
        let start = range.start;
        self.text.replace_range(range, "");
        self.cursor = start;
        true
    }

    fn prev_grapheme(&self) -> Option<usize> {
        GraphemeCursor::new(self.cursor, self.text.len(), true)
            .prev_boundary(&self.text, 0)
            .ok()
            .flatten()
    }

    fn next_grapheme(&self) -> Option<usize> {
        GraphemeCursor::new(self.cursor, self.text.len(), true)
            .next_boundary(&self.text, 0)
            .ok()
            .flatten()
    }

    /// The start of the word before the cursor (punctuation and spaces are not words).
    fn prev_word(&self) -> usize {
        self.text
            .split_word_bound_indices()
            .filter(|(i, _)| *i < self.cursor)
            .rev()
            .find(|(_, w)| is_word(w))
            .map_or(0, |(i, _)| i)
    }

    /// The start of the word after the cursor, or the end.
    fn next_word(&self) -> usize {
        self.text
            .split_word_bound_indices()
            .filter(|(i, _)| *i > self.cursor)
            .find(|(_, w)| is_word(w))
            .map_or(self.text.len(), |(i, _)| i)
    }
}

fn is_word(s: &str) -> bool {
    s.chars()
        .any(|c| !c.is_whitespace() && !c.is_ascii_punctuation())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tui_input::Input;

    #[test]
    fn the_buffer_is_wiped_on_drop_and_debug_shows_no_text() {
        crate::secret::assert_wiped_on_drop::<SecretInput>();
        let input = SecretInput::new("correct horse");
        assert_eq!(format!("{input:?}"), "SecretInput(<13 bytes>)");
    }

    #[test]
    fn growing_moves_the_text_to_a_new_buffer_instead_of_reallocating() {
        let mut input = SecretInput::new("pass");
        let first = input.text.as_ptr();
        let capacity = input.text.capacity();
        // Fill the buffer to its capacity: no move while it fits.
        while input.text.len() < capacity {
            input.handle(InputRequest::InsertChar('x'));
        }
        assert_eq!(input.text.as_ptr(), first);
        input.handle(InputRequest::InsertChar('y'));
        assert!(input.text.capacity() > capacity);
        assert!(input.value().ends_with('y'));
        input.push_str(&"z".repeat(1000));
        assert!(input.value().ends_with("zz"));
        assert!(input.text.capacity() >= input.text.len());
    }

    fn request() -> impl Strategy<Value = InputRequest> {
        use InputRequest::*;
        prop_oneof![
            4 => prop::sample::select(vec!['a', 'Z', ' ', '-', '/', 'é', '文', '\u{301}', '🔑'])
                .prop_map(InsertChar),
            1 => Just(DeletePrevChar),
            1 => Just(DeleteNextChar),
            1 => Just(DeletePrevWord),
            1 => Just(DeleteNextWord),
            1 => Just(DeleteLine),
            1 => Just(DeleteTillEnd),
            1 => Just(DeleteFromStart),
            1 => Just(GoToPrevChar),
            1 => Just(GoToNextChar),
            1 => Just(GoToPrevWord),
            1 => Just(GoToNextWord),
            1 => Just(GoToStart),
            1 => Just(GoToEnd),
            1 => (0usize..12).prop_map(SetCursor),
        ]
    }

    proptest! {
        /// Every editing request does to the text and the cursor what `tui_input` does, from
        /// any starting text: the form's keys behave as before.
        #[test]
        fn edits_like_tui_input(
            start in "[a-z /.é-]{0,12}",
            reqs in prop::collection::vec(request(), 0..40),
        ) {
            let mut ours = SecretInput::new(&start);
            let mut theirs = Input::new(start.clone());
            for req in reqs {
                let changed = ours.handle(req);
                let their_change = theirs.handle(req).is_some_and(|r| r.value);
                prop_assert_eq!(ours.value(), theirs.value(), "after {:?}", req);
                prop_assert_eq!(ours.cursor(), theirs.cursor(), "after {:?}", req);
                prop_assert_eq!(changed, their_change, "after {:?}", req);
            }
        }
    }
}
