//! The export dialog (`e`, `:export`): what to export follows the selection (an object, a
//! sheet, an app, or every app of the site), the format cycles with Tab, the path is editable;
//! Enter runs the same domain function as `qlik-tui export`, with live progress; Esc cancels.

use std::path::PathBuf;

use tokio_util::sync::CancellationToken;
use tui_input::Input;

use super::tree::{NodeId, NodeKind, Tree};
use crate::explore::export::{ExportSummary, Format, Progress, Scope};

#[derive(Debug, Clone, PartialEq)]
pub enum ExportState {
    /// Choosing format and path.
    Editing,
    Running(Progress),
    Done(Result<ExportSummary, String>),
}

#[derive(Debug, Clone)]
pub struct ExportDialog {
    pub scope: Scope,
    /// What the scope is, in words ("app Sales Overview").
    pub what: String,
    pub format: Format,
    pub path: Input,
    pub state: ExportState,
    pub cancel: CancellationToken,
    /// The file being written, as a full path (set when the export starts).
    pub written: Option<PathBuf>,
}

const FORMATS: [Format; 4] = [Format::Json, Format::Ndjson, Format::Csv, Format::Md];

/// The default file name's stem: the scope's words, letters of every script kept.
fn file_stem(text: &str) -> String {
    let s = crate::fsutil::file_name_stem(text);
    if s.is_empty() { "export".into() } else { s }
}

impl ExportDialog {
    /// The scope for the selected node: objects and sheets themselves, anything else inside an
    /// app its app, a stream its apps, a profile the whole site.
    pub fn for_selection(tree: &Tree, selected: Option<NodeId>) -> ExportDialog {
        let (scope, what) = match selected.map(|id| (id, &tree.node(id).kind)) {
            Some((_, NodeKind::Object { app, info, .. })) => (
                Scope::Object {
                    app_id: app.clone(),
                    object_id: info.id.clone(),
                },
                format!("object {}", tree_title(&info.title, &info.id)),
            ),
            Some((_, NodeKind::Sheet { app, entry })) => (
                Scope::Sheet {
                    app_id: app.clone(),
                    sheet_id: entry.id.clone(),
                },
                format!("sheet {}", tree_title(&entry.title, &entry.id)),
            ),
            Some((id, NodeKind::Stream { name, .. })) => {
                let apps: Vec<String> = tree
                    .node(id)
                    .children
                    .iter()
                    .filter_map(|c| match &tree.node(*c).kind {
                        NodeKind::App(a) => Some(a.id.clone()),
                        _ => None,
                    })
                    .collect();
                (Scope::Apps(apps), format!("the apps of {name}"))
            }
            Some((id, kind)) if kind.app_id().is_some() => {
                let app = kind.app_id().unwrap_or_default().to_string();
                let title = tree
                    .ancestry(id)
                    .into_iter()
                    .find_map(|n| match &tree.node(n).kind {
                        NodeKind::App(a) => Some(a.name.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| app.clone());
                (Scope::Apps(vec![app]), format!("app {title}"))
            }
            _ => (Scope::All, "every app of the site".into()),
        };
        let mut d = ExportDialog {
            path: Input::default(),
            format: Format::Json,
            state: ExportState::Editing,
            cancel: CancellationToken::new(),
            written: None,
            scope,
            what,
        };
        d.set_default_path();
        d
    }

    fn set_default_path(&mut self) {
        let name = format!(
            "qlik-export-{}.{}",
            file_stem(&self.what),
            self.format.name()
        );
        self.path = Input::new(name);
    }

    /// Tab: the next format; the default file name follows unless it was edited.
    pub fn next_format(&mut self) {
        let was_default = self.path.value()
            == format!(
                "qlik-export-{}.{}",
                file_stem(&self.what),
                self.format.name()
            );
        let i = FORMATS.iter().position(|f| *f == self.format).unwrap_or(0);
        self.format = FORMATS[(i + 1) % FORMATS.len()];
        if was_default {
            self.set_default_path();
        }
    }

    /// The file to write, as a full path (relative names are under the current directory,
    /// where the export writes them), so the status bar and `o` can say where it went.
    pub fn target(&self) -> PathBuf {
        let path = PathBuf::from(self.path.value());
        std::path::absolute(&path).unwrap_or(path)
    }

    /// What a finished export wrote, in words: `1 app, 3 sheets, 20 objects to /full/path`.
    pub fn summary(&self, s: &ExportSummary) -> String {
        use crate::text::count;
        let errors = if s.errors.is_empty() {
            String::new()
        } else {
            format!(" ({} recorded)", count(s.errors.len(), "error"))
        };
        format!(
            "{}, {}, {}{errors} to {}",
            count(s.apps, "app"),
            count(s.sheets, "sheet"),
            count(s.objects, "object"),
            self.written.as_deref().unwrap_or(&self.target()).display()
        )
    }
}

fn tree_title(title: &str, id: &str) -> String {
    if title.is_empty() {
        id.to_string()
    } else {
        title.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_follow_the_format() {
        let tree = Tree::new();
        let mut d = ExportDialog::for_selection(&tree, None);
        assert_eq!(d.scope, Scope::All);
        assert_eq!(d.path.value(), "qlik-export-every-app-of-the-site.json");
        d.next_format();
        assert_eq!(d.path.value(), "qlik-export-every-app-of-the-site.ndjson");
        d.path = Input::new("mine.txt".into());
        d.next_format();
        assert_eq!(d.path.value(), "mine.txt");
    }
}
