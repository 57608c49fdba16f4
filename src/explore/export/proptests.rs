//! Property tests of the four writers (issue 11): any text an app author can type survives JSON and
//! NDJSON exactly; CSV reads back to the same cells once the formula `'` is taken off (and only
//! formula-looking cells get one); Markdown holds no raw control character. 256 cases each.

use proptest::prelude::*;
use serde_json::Value;

use super::doc::*;
use super::{ExportOptions, Format, FormatWriter};
use crate::text::is_unsafe_for_terminal;

/// Text biased towards what breaks writers: controls, bidi overrides, formula starts, quotes,
/// separators, Markdown syntax, multi-byte characters; and any other character besides.
fn nasty() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '\u{0}', '\u{1b}', '\u{7}', '\u{8}', '\r', '\n', '\t', '\u{7f}', '\u{85}', '\u{9b}',
        '\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}', '=', '+', '-', '@', '\'', '"', ',', ';',
        '|', '`', '[', ']', '(', ')', '#', '\\', '<', '>', 'é', '売', '😀',
    ]);
    prop::collection::vec(prop_oneof![special, any::<char>()], 0..24)
        .prop_map(|cs| cs.into_iter().collect())
}

fn doc(name: &str, sheet: &str, object: &str, description: &str) -> AppDoc {
    AppDoc {
        id: "app-1".into(),
        name: name.into(),
        description: description.into(),
        stream: Some(StreamDoc {
            id: "s".into(),
            name: description.into(),
        }),
        published: true,
        last_reload_time: String::new(),
        owner: Some(sheet.into()),
        links: AppLinks {
            overview: "https://h/sense/app/app-1/overview".into(),
        },
        sheets: vec![SheetDoc {
            id: "sheet-1".into(),
            title: sheet.into(),
            description: description.into(),
            rank: None,
            link: "https://h/sheet".into(),
            objects: vec![ObjectDoc {
                id: "obj-1".into(),
                r#type: "table".into(),
                title: object.into(),
                link: "https://h/obj".into(),
                master_id: None,
                children: vec![],
                properties: None,
            }],
            properties: None,
        }],
        master_items: MasterItemsDoc::default(),
        bookmarks: vec![],
        variables: vec![VariableDoc {
            id: "v".into(),
            name: object.into(),
            definition: description.into(),
            properties: None,
        }],
        data_model: DataModelDoc::default(),
        script: Some(Some(description.into())),
        script_note: None,
        properties: None,
    }
}

fn write(format: Format, app: &AppDoc, error: &str) -> String {
    let source = SourceDoc {
        engine_url: "wss://h".into(),
        display_url: "https://h".into(),
        engine_version: error.into(),
        user: "INTERNAL\\u".into(),
    };
    let errors = [ErrorDoc {
        app_id: "app-2".into(),
        code: Some(5),
        message: error.into(),
        part: None,
    }];
    let mut w: Box<dyn FormatWriter> = format.writer(&ExportOptions::default(), false);
    let mut out = Vec::new();
    w.begin(&mut out, &source).unwrap();
    w.app(&mut out, Some(app), &[]).unwrap();
    w.app(&mut out, None, &errors).unwrap();
    w.finish(&mut out).unwrap();
    String::from_utf8(out).expect("writers write UTF-8")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn json_and_ndjson_keep_every_string_exactly(
        name in nasty(), sheet in nasty(), object in nasty(), description in nasty(), error in nasty()
    ) {
        let app = doc(&name, &sheet, &object, &description);
        let json: Value = serde_json::from_str(&write(Format::Json, &app, &error)).unwrap();
        let a = &json["apps"][0];
        prop_assert_eq!(a["name"].as_str(), Some(name.as_str()));
        prop_assert_eq!(a["sheets"][0]["title"].as_str(), Some(sheet.as_str()));
        prop_assert_eq!(a["sheets"][0]["objects"][0]["title"].as_str(), Some(object.as_str()));
        prop_assert_eq!(a["script"].as_str(), Some(description.as_str()));
        prop_assert_eq!(json["errors"][0]["message"].as_str(), Some(error.as_str()));

        let nd = write(Format::Ndjson, &app, &error);
        let recs: Vec<Value> = nd.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let by = |kind: &str| recs.iter().find(|r| r["record"] == kind).unwrap();
        prop_assert_eq!(by("app")["name"].as_str(), Some(name.as_str()));
        prop_assert_eq!(by("sheet")["title"].as_str(), Some(sheet.as_str()));
        prop_assert_eq!(by("object")["title"].as_str(), Some(object.as_str()));
        prop_assert_eq!(by("error")["message"].as_str(), Some(error.as_str()));
        prop_assert_eq!(&recs.last().unwrap()["record"], "end");
    }

    #[test]
    fn csv_reads_back_to_the_same_cells_after_the_formula_prefix(
        name in nasty(), sheet in nasty(), object in nasty()
    ) {
        let app = doc(&name, &sheet, &object, "");
        let csv = write(Format::Csv, &app, "");
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        prop_assert_eq!(rows.len(), 1);
        let cell = |col: &str| rows[0][header.iter().position(|h| h == col).unwrap()].to_string();
        for (col, want) in [("app_name", &name), ("sheet_title", &sheet), ("title", &object)] {
            let got = cell(col);
            if super::format_csv::looks_like_formula(want) {
                prop_assert_eq!(got.strip_prefix('\''), Some(want.as_str()), "{}", col);
            } else {
                prop_assert_eq!(&got, want, "{}", col);
            }
        }
        prop_assert_eq!(cell("depth"), "0");
        prop_assert_eq!(cell("published"), "true");
    }

    #[test]
    fn markdown_holds_no_raw_control_character(
        name in nasty(), sheet in nasty(), object in nasty(), description in nasty(), error in nasty()
    ) {
        let md = write(Format::Md, &doc(&name, &sheet, &object, &description), &error);
        for line in md.split('\n') {
            prop_assert!(
                !line.chars().any(is_unsafe_for_terminal),
                "raw control character in {:?}", line
            );
        }
    }
}
