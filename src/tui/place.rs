//! Where an item lives in the explorer's tree, as the steps from its app node down to it: what a
//! jump (to a search hit, to a master item named in a Summary, to a user listed in a Usage tab)
//! opens level by level, each level loading on the way (`App::advance_jump`).

use super::tree::Folder;
use crate::explore::search::Kind;

/// One step from an app node down towards an item's node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Folder(Folder),
    /// A node whose engine id is this (sheet, object, master item, bookmark, variable).
    Id(String),
    /// A data-model field of this name, in whichever table holds it.
    Field(String),
    /// The load script leaf.
    Script,
}

/// An item's place: its app and the steps below the app node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub app: String,
    pub steps: Vec<Step>,
}

impl Place {
    /// The place of an item of `kind` with engine id `id` (a field: its name; the script: none)
    /// in app `app`. `trail` is an object's way down: its sheet's id, then each container's.
    pub fn of(app: &str, kind: Kind, id: &str, trail: &[String]) -> Place {
        let by_id = || Step::Id(id.to_string());
        let master = |folder| {
            vec![
                Step::Folder(Folder::MasterItems),
                Step::Folder(folder),
                by_id(),
            ]
        };
        let steps = match kind {
            Kind::Sheet => vec![Step::Folder(Folder::Sheets), by_id()],
            Kind::Object => {
                let mut s = vec![Step::Folder(Folder::Sheets)];
                s.extend(trail.iter().cloned().map(Step::Id));
                s.push(by_id());
                s
            }
            Kind::Dimension => master(Folder::Dimensions),
            Kind::Measure => master(Folder::Measures),
            Kind::Visualization => master(Folder::Visualizations),
            Kind::Bookmark => vec![Step::Folder(Folder::Bookmarks), by_id()],
            Kind::Variable => vec![Step::Folder(Folder::Variables), by_id()],
            Kind::Field => vec![Step::Folder(Folder::DataModel), Step::Field(id.into())],
            Kind::Script => vec![Step::Script],
        };
        Place {
            app: app.to_string(),
            steps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_follow_the_tree_folders() {
        let trail = ["s".to_string(), "c".to_string()];
        let p = Place::of("a1", Kind::Object, "o", &trail);
        assert_eq!(p.app, "a1");
        assert_eq!(
            p.steps,
            vec![
                Step::Folder(Folder::Sheets),
                Step::Id("s".into()),
                Step::Id("c".into()),
                Step::Id("o".into())
            ]
        );
        let p = Place::of("a1", Kind::Measure, "m", &[]);
        assert_eq!(
            p.steps,
            vec![
                Step::Folder(Folder::MasterItems),
                Step::Folder(Folder::Measures),
                Step::Id("m".into())
            ]
        );
        let p = Place::of("a1", Kind::Field, "Region", &[]);
        assert_eq!(p.steps[1], Step::Field("Region".into()));
        assert_eq!(Place::of("a1", Kind::Script, "", &[]).steps, [Step::Script]);
    }
}
