//! `-o/--output table|json|ndjson|yaml` (with `--json` as its alias) and `--fields a,b,c`: how a
//! read command prints a list of records. Records are the domain's entries serialized to JSON
//! objects, so the table, JSON, NDJSON and YAML forms show the same values.

use clap::Args;
use serde_json::{Map, Value};

use super::exit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people.
    #[default]
    Table,
    /// One pretty-printed JSON document.
    Json,
    /// One JSON record per line.
    Ndjson,
    /// YAML.
    Yaml,
}

#[derive(Debug, Clone, Args, Default)]
pub struct OutputArgs {
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// Same as `-o json`.
    #[arg(long, conflicts_with = "output")]
    pub json: bool,
    /// Only these columns (record keys), in this order: `--fields id,title`.
    #[arg(long, value_delimiter = ',', value_name = "A,B,C")]
    pub fields: Vec<String>,
}

/// A column of the table form: the record key it shows and its header.
pub type Column = (&'static str, &'static str);

impl OutputArgs {
    pub fn format(&self) -> OutputFormat {
        if self.json {
            OutputFormat::Json
        } else {
            self.output
        }
    }

    /// Prints `records` (JSON objects) in the chosen format; `columns` are the table's default
    /// columns. `--fields` picks record keys for every format.
    pub fn print_records(&self, records: &[Value], columns: &[Column]) -> anyhow::Result<()> {
        let chosen = self.chosen(records, columns)?;
        let records: Vec<Value> = match &chosen {
            Some(keys) => records.iter().map(|r| pick(r, keys)).collect(),
            None => records.to_vec(),
        };
        match self.format() {
            OutputFormat::Table => {
                let (keys, headers): (Vec<String>, Vec<String>) = match chosen {
                    Some(keys) => {
                        let headers = keys.iter().map(|k| k.to_uppercase()).collect();
                        (keys, headers)
                    }
                    None => columns
                        .iter()
                        .map(|(k, h)| (k.to_string(), h.to_string()))
                        .unzip(),
                };
                let rows: Vec<Vec<String>> = records
                    .iter()
                    .map(|r| keys.iter().map(|k| cell(r.get(k))).collect())
                    .collect();
                let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
                crate::out!("{}", super::table::render(&headers, &rows));
            }
            other => print_value(other, &Value::Array(records))?,
        }
        Ok(())
    }

    /// Prints one document (a layout, properties, a tree); the table form is its JSON.
    pub fn print_document(&self, doc: &Value) -> anyhow::Result<()> {
        self.no_fields()?;
        print_value(self.format(), doc)
    }

    /// Refuses `--fields` for a command that prints documents or its own layout, not a list of
    /// records (checked before connecting, so the mistake costs nothing).
    pub fn no_fields(&self) -> anyhow::Result<()> {
        if !self.fields.is_empty() {
            return Err(exit::usage(
                "--fields chooses columns of a list; this command prints one document: drop --fields",
            ));
        }
        Ok(())
    }

    fn chosen(&self, records: &[Value], columns: &[Column]) -> anyhow::Result<Option<Vec<String>>> {
        if self.fields.is_empty() {
            return Ok(None);
        }
        let mut known: Vec<String> = columns.iter().map(|(k, _)| k.to_string()).collect();
        for r in records {
            for k in r.as_object().into_iter().flat_map(Map::keys) {
                if !known.contains(k) {
                    known.push(k.clone());
                }
            }
        }
        for f in &self.fields {
            if !known.contains(f) {
                return Err(exit::usage(format!(
                    "--fields: no field '{f}'; the fields are {}",
                    known.join(", ")
                )));
            }
        }
        Ok(Some(self.fields.clone()))
    }
}

fn pick(record: &Value, keys: &[String]) -> Value {
    let mut out = Map::new();
    for k in keys {
        out.insert(k.clone(), record.get(k).cloned().unwrap_or(Value::Null));
    }
    Value::Object(out)
}

/// A value as a table cell: strings as they are, lists joined, nested objects as JSON.
pub fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => if *b { "yes" } else { "no" }.into(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| cell(Some(x)))
            .collect::<Vec<_>>()
            .join(", "),
        Some(o @ Value::Object(_)) => o.to_string(),
    }
}

fn print_value(format: OutputFormat, v: &Value) -> anyhow::Result<()> {
    match format {
        OutputFormat::Table | OutputFormat::Json => {
            crate::outln!("{}", serde_json::to_string_pretty(v)?)
        }
        OutputFormat::Ndjson => match v {
            Value::Array(items) => {
                for i in items {
                    crate::outln!("{}", serde_json::to_string(i)?);
                }
            }
            other => crate::outln!("{}", serde_json::to_string(other)?),
        },
        OutputFormat::Yaml => crate::out!("{}", serde_yaml_ng::to_string(v)?),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_and_field_choice() {
        assert_eq!(cell(Some(&json!(["a", 1, true]))), "a, 1, yes");
        assert_eq!(cell(None), "");
        let args = OutputArgs {
            fields: vec!["title".into(), "nope".into()],
            ..Default::default()
        };
        let e = args
            .chosen(&[json!({"id": "1", "title": "t"})], &[("id", "ID")])
            .unwrap_err();
        assert_eq!(exit::code_for(&e), exit::USAGE);
        assert!(e.to_string().contains("the fields are id, title"), "{e}");
        assert_eq!(
            pick(&json!({"id": "1", "title": "t"}), &["title".into()]),
            json!({"title": "t"})
        );
    }
}
