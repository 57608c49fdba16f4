//! The kinds of item a search covers, named as `--in` and the JSON's `kind` name them.

use serde::Serialize;

use super::SearchError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Sheet,
    Object,
    Dimension,
    Measure,
    Visualization,
    Bookmark,
    Variable,
    Script,
    Field,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Sheet,
        Kind::Object,
        Kind::Dimension,
        Kind::Measure,
        Kind::Visualization,
        Kind::Bookmark,
        Kind::Variable,
        Kind::Script,
        Kind::Field,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Sheet => "sheet",
            Kind::Object => "object",
            Kind::Dimension => "dimension",
            Kind::Measure => "measure",
            Kind::Visualization => "visualization",
            Kind::Bookmark => "bookmark",
            Kind::Variable => "variable",
            Kind::Script => "script",
            Kind::Field => "field",
        }
    }
}

/// The kinds a search covers: all by default, or those `--in` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kinds(Vec<Kind>);

impl Default for Kinds {
    fn default() -> Self {
        Kinds(Kind::ALL.to_vec())
    }
}

impl Kinds {
    /// `--in sheet,object,...` (spaces and repeats allowed).
    pub fn parse(list: &str) -> Result<Kinds, SearchError> {
        let mut out = Vec::new();
        for word in list.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let kind = Kind::ALL
                .into_iter()
                .find(|k| k.name().eq_ignore_ascii_case(word))
                .ok_or_else(|| {
                    SearchError::Options(format!(
                        "--in: unknown kind '{}'; use a comma-separated list of {}",
                        crate::text::escape_for_terminal(word),
                        Kind::ALL.map(Kind::name).join(", ")
                    ))
                })?;
            if !out.contains(&kind) {
                out.push(kind);
            }
        }
        if out.is_empty() {
            return Err(SearchError::Options(format!(
                "--in names no kind; use a comma-separated list of {}",
                Kind::ALL.map(Kind::name).join(", ")
            )));
        }
        Ok(Kinds(out))
    }

    pub fn has(&self, k: Kind) -> bool {
        self.0.contains(&k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_and_refuse_unknown_words_with_the_list() {
        let k = Kinds::parse("sheet, Script,sheet").unwrap();
        assert!(k.has(Kind::Sheet) && k.has(Kind::Script) && !k.has(Kind::Field));
        let e = Kinds::parse("sheets").unwrap_err().to_string();
        assert!(
            e.contains("unknown kind 'sheets'") && e.contains("visualization"),
            "{e}"
        );
        assert!(Kinds::parse(" , ").is_err());
        assert!(Kind::ALL.iter().all(|k| Kinds::default().has(*k)));
    }
}
