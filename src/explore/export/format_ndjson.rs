//! `ndjson`: one JSON record per line, written as each app is done: an `export` header, then per
//! app an `app` record (everything but its sheets), one `sheet` record per sheet (without its
//! objects) and one `object` record per object (without its children, with `sheet_id`,
//! `parent_id` and `depth`), `error` records, and a closing `end` record with the counts, so a
//! reader can tell a complete stream from a cut one.

use std::io::Write;

use serde::Serialize;
use serde::ser::{Impossible, SerializeMap, SerializeStruct, Serializer};
use serde_json::json;

use super::FormatWriter;
use super::doc::{AppDoc, ErrorDoc, FORMAT, SourceDoc};

#[derive(Default)]
pub(super) struct NdjsonWriter {
    apps: usize,
    errors: usize,
    /// The record being written, kept between records: one write per line, not one per piece.
    line: Vec<u8>,
}

/// A head member's value, borrowed from the document: no `Value` (and no copy of a string) per
/// record.
#[derive(Serialize, Clone, Copy)]
#[serde(untagged)]
enum Head<'a> {
    Str(&'a str),
    OptStr(Option<&'a str>),
    Count(usize),
}

impl NdjsonWriter {
    /// `{"record": kind, ...head, ...fields of v except `drop`}` as one line, serialized
    /// straight into the line buffer: no `Value` of `v` is built (for an app that was the whole
    /// app, sheets and objects included, only for them to be dropped again).
    fn record(
        &mut self,
        w: &mut dyn Write,
        kind: &str,
        head: &[(&str, Head<'_>)],
        v: &impl Serialize,
        drop: &str,
    ) -> std::io::Result<()> {
        self.line.clear();
        serde_json::to_writer(
            &mut self.line,
            &Record {
                kind,
                head,
                v,
                drop,
            },
        )?;
        self.line.push(b'\n');
        w.write_all(&self.line)
    }
}

struct Record<'a, T> {
    kind: &'a str,
    head: &'a [(&'a str, Head<'a>)],
    v: &'a T,
    drop: &'a str,
}

impl<T: Serialize> Serialize for Record<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("record", self.kind)?;
        for (k, v) in self.head {
            map.serialize_entry(k, v)?;
        }
        self.v.serialize(FieldsInto {
            map: &mut map,
            drop: self.drop,
        })?;
        map.end()
    }
}

/// Serializes a struct's fields (all but `drop`) or a map's entries into an enclosing map.
struct FieldsInto<'m, M> {
    map: &'m mut M,
    drop: &'m str,
}

/// What `FieldsInto` refuses: a record's value is a struct or a map.
fn not_a_record<E: serde::ser::Error>() -> E {
    E::custom("an ndjson record holds a struct or a map")
}

macro_rules! refuse {
    ($($name:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $name(self, $(_: $arg),*) -> Result<(), M::Error> {
            Err(not_a_record())
        })*
    };
}

impl<'m, M: SerializeMap> Serializer for FieldsInto<'m, M> {
    type Ok = ();
    type Error = M::Error;
    type SerializeSeq = Impossible<(), M::Error>;
    type SerializeTuple = Impossible<(), M::Error>;
    type SerializeTupleStruct = Impossible<(), M::Error>;
    type SerializeTupleVariant = Impossible<(), M::Error>;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), M::Error>;

    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), M::Error> {
        Err(not_a_record())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<(), M::Error> {
        Err(not_a_record())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), M::Error> {
        Err(not_a_record())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, M::Error> {
        Err(not_a_record())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, M::Error> {
        Err(not_a_record())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, M::Error> {
        Err(not_a_record())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, M::Error> {
        Err(not_a_record())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, M::Error> {
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, M::Error> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, M::Error> {
        Err(not_a_record())
    }
}

impl<M: SerializeMap> SerializeStruct for FieldsInto<'_, M> {
    type Ok = ();
    type Error = M::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        if key == self.drop {
            return Ok(());
        }
        self.map.serialize_entry(key, value)
    }
    fn end(self) -> Result<(), M::Error> {
        Ok(())
    }
}

/// A map's entries go in whole (`drop` names a struct field; the maps written here are the
/// export's and end's own).
impl<M: SerializeMap> SerializeMap for FieldsInto<'_, M> {
    type Ok = ();
    type Error = M::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), M::Error> {
        self.map.serialize_key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), M::Error> {
        self.map.serialize_value(value)
    }
    fn end(self) -> Result<(), M::Error> {
        Ok(())
    }
}

impl FormatWriter for NdjsonWriter {
    fn begin(&mut self, w: &mut dyn Write, source: &SourceDoc) -> std::io::Result<()> {
        self.record(
            w,
            "export",
            &[("format", Head::Str(FORMAT))],
            &json!({"source": source}),
            "",
        )
    }

    fn app(
        &mut self,
        w: &mut dyn Write,
        app: Option<&AppDoc>,
        errors: &[ErrorDoc],
    ) -> std::io::Result<()> {
        if let Some(app) = app {
            self.record(w, "app", &[], app, "sheets")?;
            let app_id = Head::Str(&app.id);
            for sheet in &app.sheets {
                self.record(w, "sheet", &[("app_id", app_id)], sheet, "objects")?;
            }
            for o in app.objects() {
                let head = [
                    ("app_id", app_id),
                    ("sheet_id", Head::Str(&o.sheet.id)),
                    ("parent_id", Head::OptStr(o.parent_id)),
                    ("depth", Head::Count(o.depth)),
                ];
                self.record(w, "object", &head, o.object, "children")?;
            }
            self.apps += 1;
        }
        for e in errors {
            self.record(w, "error", &[], e, "")?;
        }
        self.errors += errors.len();
        Ok(())
    }

    fn finish(&mut self, w: &mut dyn Write) -> std::io::Result<()> {
        let counts = [
            ("apps", Head::Count(self.apps)),
            ("errors", Head::Count(self.errors)),
        ];
        self.record(w, "end", &counts, &json!({}), "")
    }
}
