//! The data model as the engine reports it: GetTablesAndKeys (TableRecord / SourceKeyRecord)
//! and the field list, computed from the site data's tables. A field in more than one table is
//! a key (as the engine associates by field name).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::data::TableDef;

/// Tables containing each field, in table order.
fn tables_by_field(tables: &[TableDef]) -> BTreeMap<&str, Vec<&str>> {
    let mut m: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for t in tables {
        for f in &t.fields {
            m.entry(f.name.as_str()).or_default().push(t.name.as_str());
        }
    }
    m
}

/// `qtr`: one TableRecord per table.
pub fn table_records(tables: &[TableDef]) -> Vec<Value> {
    let by_field = tables_by_field(tables);
    tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let fields: Vec<Value> = t
                .fields
                .iter()
                .map(|f| {
                    let shared = by_field.get(f.name.as_str()).map_or(0, Vec::len) > 1;
                    let key_type = match (shared, f.distinct == t.rows) {
                        (false, _) => "NOT_KEY",
                        (true, true) => "PRIMARY_KEY",
                        (true, false) => "ANY_KEY",
                    };
                    json!({
                        "qName": f.name,
                        "qOriginalFields": [],
                        "qPresent": true,
                        "qHasNull": false,
                        "qHasWild": false,
                        "qHasDuplicates": f.distinct < t.rows,
                        "qIsSynthetic": false,
                        "qInformationDensity": 1.0,
                        "qnNonNulls": t.rows,
                        "qnRows": t.rows,
                        "qSubsetRatio": 1.0,
                        "qnTotalDistinctValues": f.distinct,
                        "qnPresentDistinctValues": f.distinct,
                        "qKeyType": key_type,
                        "qComment": f.comment,
                        "qTags": f.tags,
                        "qDerivedFields": [],
                        "qIsFieldOnTheFly": false,
                        "qReadableName": f.name,
                    })
                })
                .collect();
            json!({
                "qName": t.name,
                "qLoose": false,
                "qNoOfRows": t.rows,
                "qFields": fields,
                "qPos": {"qx": 50 + 250 * (i as i64 % 4), "qy": 50 + 200 * (i as i64 / 4)},
                "qComment": t.comment,
                "qIsDirectDiscovery": false,
                "qIsSynthetic": false,
                "qTableTags": [],
                "qProfilingData": {},
            })
        })
        .collect()
}

/// `qk`: one SourceKeyRecord per field shared by several tables.
pub fn source_keys(tables: &[TableDef]) -> Vec<Value> {
    tables_by_field(tables)
        .into_iter()
        .filter(|(_, ts)| ts.len() > 1)
        .map(|(f, ts)| json!({"qKeyFields": [f], "qTables": ts}))
        .collect()
}

/// NxFieldDescription for each field (qFieldList items, GetFieldDescription).
pub fn field_descriptions(tables: &[TableDef]) -> Vec<Value> {
    let by_field = tables_by_field(tables);
    by_field
        .iter()
        .map(|(name, ts)| describe(tables, name, ts))
        .collect()
}

pub fn field_description(tables: &[TableDef], name: &str) -> Option<Value> {
    let by_field = tables_by_field(tables);
    by_field.get(name).map(|ts| describe(tables, name, ts))
}

fn describe(tables: &[TableDef], name: &str, in_tables: &[&str]) -> Value {
    let defs = tables
        .iter()
        .flat_map(|t| t.fields.iter().map(move |f| (t, f)))
        .filter(|(_, f)| f.name == name);
    let mut cardinal = 0;
    let mut total = 0;
    let mut tags: Vec<String> = vec![];
    for (t, f) in defs {
        cardinal = cardinal.max(f.distinct);
        total += t.rows;
        for tag in &f.tags {
            if !tags.contains(tag) {
                tags.push(tag.clone());
            }
        }
    }
    json!({
        "qName": name,
        "qInternalNumber": 0,
        "qSrcTables": in_tables,
        "qIsSystem": false,
        "qIsHidden": false,
        "qIsSemantic": false,
        "qDistinctOnly": false,
        "qCardinal": cardinal,
        "qTotalCount": total,
        "qPossibleCount_OBSOLETE": cardinal,
        "qHasInfo_OBSOLETE": false,
        "qIsLocked": false,
        "qAlwaysOneSelected": false,
        "qAndMode": false,
        "qIsNumeric": false,
        "qComment": "",
        "qTags": tags,
        "qIsDefinitionOnly": false,
        "qByteSize": 0,
        "qIsDetail": false,
        "qIsImplicit": false,
        "qHasDerivedFields": false,
        "qDerivedFieldData": {"qDerivedFieldLists": []},
        "qReadableName": name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::data::FieldDef;

    fn t(name: &str, rows: u64, fields: &[(&str, u64)]) -> TableDef {
        TableDef {
            name: name.into(),
            rows,
            comment: String::new(),
            fields: fields
                .iter()
                .map(|(n, d)| FieldDef {
                    name: (*n).into(),
                    distinct: *d,
                    tags: vec![],
                    comment: String::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn keys_are_shared_fields() {
        let tables = vec![
            t(
                "Orders",
                1000,
                &[("OrderID", 1000), ("CustomerID", 300), ("Amount", 900)],
            ),
            t("Customers", 300, &[("CustomerID", 300), ("Region", 5)]),
        ];
        let qtr = table_records(&tables);
        assert_eq!(qtr[0]["qFields"][1]["qKeyType"], "ANY_KEY");
        assert_eq!(qtr[1]["qFields"][0]["qKeyType"], "PRIMARY_KEY");
        assert_eq!(qtr[0]["qFields"][0]["qKeyType"], "NOT_KEY");
        let qk = source_keys(&tables);
        assert_eq!(
            qk,
            vec![json!({"qKeyFields": ["CustomerID"], "qTables": ["Orders", "Customers"]})]
        );
        let f = field_description(&tables, "CustomerID").unwrap();
        assert_eq!(f["qCardinal"], 300);
        assert_eq!(f["qSrcTables"], json!(["Orders", "Customers"]));
        assert_eq!(field_descriptions(&tables).len(), 4);
    }
}
