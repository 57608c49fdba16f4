//! The simulator's data: one deterministic table per app, built from the app's data model (its
//! tables' fields and distinct counts), so hypercubes, list objects and expressions have values
//! a test can recompute. Every field of every table becomes a column; row `i` holds the field's
//! value number `i % distinct` (distinct capped at the row count), so a field with 5 distinct
//! values cycles through 5 values and keys that share a distinct count stay aligned.

use std::collections::HashMap;

use super::data::{FieldDef, TableDef};

/// Rows of every app's table: enough that a hypercube over a key field spans more than one
/// page of 10 000 cells when it has a few columns.
pub const DATA_ROWS: usize = 5000;

/// One cell: its text and, for numbers, its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub num: Option<f64>,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            num: None,
        }
    }
    pub fn number(n: f64) -> Cell {
        Cell {
            text: format_number(n),
            num: Some(n),
        }
    }
}

/// The engine's default rendering of a computed number: integers without decimals, others
/// with up to six (trailing zeros dropped).
pub fn format_number(n: f64) -> String {
    if n.is_nan() {
        return "-".into();
    }
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return format!("{}", n as i64);
    }
    let s = format!("{n:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// An app's table: column names and rows of cells.
#[derive(Debug, Default)]
pub struct DataTable {
    pub fields: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    by_name: HashMap<String, usize>,
}

impl DataTable {
    /// The table for a data model: each distinct field name once, in the model's order.
    pub fn build(tables: &[TableDef]) -> DataTable {
        let mut defs: Vec<&FieldDef> = Vec::new();
        for t in tables {
            for f in &t.fields {
                if !defs.iter().any(|d| d.name == f.name) {
                    defs.push(f);
                }
            }
        }
        let rows = if defs.is_empty() {
            Vec::new()
        } else {
            (0..DATA_ROWS)
                .map(|i| defs.iter().map(|f| value(f, i)).collect())
                .collect()
        };
        let fields: Vec<String> = defs.iter().map(|f| f.name.clone()).collect();
        let by_name = fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.to_lowercase(), i))
            .collect();
        DataTable {
            fields,
            rows,
            by_name,
        }
    }

    /// The column of a field (names are case-insensitive, as in Qlik expressions).
    pub fn column(&self, field: &str) -> Option<usize> {
        self.by_name.get(&field.to_lowercase()).copied()
    }

    /// A field's distinct values in load order (the order `qElemNumber` counts in).
    pub fn distinct(&self, col: usize) -> Vec<&Cell> {
        let mut seen = std::collections::HashSet::new();
        self.rows
            .iter()
            .map(|r| &r[col])
            .filter(|c| seen.insert(c.text.as_str()))
            .collect()
    }
}

/// Value number `i % distinct` of a field: numbers for `$numeric` fields, integers for ids,
/// keys and years, text otherwise.
fn value(f: &FieldDef, i: usize) -> Cell {
    let distinct = (f.distinct as usize).clamp(1, DATA_ROWS);
    let n = i % distinct;
    let seed = f.name.bytes().fold(7u64, |h, b| h * 31 + u64::from(b)) % 997;
    if f.tags.iter().any(|t| t == "$numeric") {
        // Two decimals, spread over 1..1000 so sums and averages are not trivial.
        let cents = (n as u64 * 7919 + seed * 13) % 99_900 + 100;
        Cell::number(cents as f64 / 100.0)
    } else if f.name == "Year" {
        Cell::number(2024.0 + n as f64)
    } else if f.name.ends_with("ID") || f.name.ends_with("Key") {
        Cell::number(n as f64 + 1.0)
    } else {
        let width = distinct.to_string().len();
        Cell::text(format!("{} {:0width$}", f.name, n + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, distinct: u64, tags: &[&str]) -> FieldDef {
        FieldDef {
            name: name.into(),
            distinct,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            comment: String::new(),
        }
    }

    #[test]
    fn fields_cycle_through_their_distinct_values() {
        let t = DataTable::build(&[TableDef {
            name: "T".into(),
            rows: 10,
            comment: String::new(),
            fields: vec![
                field("Region", 5, &[]),
                field("Sales", 100_000, &["$numeric"]),
                field("OrderID", 200_000, &[]),
            ],
        }]);
        assert_eq!(t.rows.len(), DATA_ROWS);
        let region = t.column("region").unwrap();
        assert_eq!(t.distinct(region).len(), 5);
        assert_eq!(t.rows[0][region].text, "Region 1");
        assert_eq!(t.rows[6][region].text, "Region 2");
        assert_eq!(t.distinct(t.column("OrderID").unwrap()).len(), DATA_ROWS);
        assert!(t.rows[3][t.column("Sales").unwrap()].num.unwrap() > 0.0);
        assert_eq!(format_number(12.5), "12.5");
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(1.0 / 3.0), "0.333333");
    }
}
