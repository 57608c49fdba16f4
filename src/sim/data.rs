//! The simulated site: streams and apps as `assets/demo-site.json` describes them (or as
//! `scale` generates them), indexed for the engine's look-ups. Objects are stored in the
//! engine's own export shape, `{qProperty, qChildren}` (GenericObjectEntry), so what the file
//! says is what GetFullPropertyTree returns.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde::Deserialize;
use serde_json::{Map, Value};

/// The demo site, bundled so the binary needs no files at run time.
pub const DEMO_SITE_JSON: &str = include_str!("../../assets/demo-site.json");

/// Version strings the engine reports (EngineVersion, ProductVersion, QRS about).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineInfo {
    pub component_version: String,
    pub product_version: String,
    pub build_version: String,
    pub build_date: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Stream {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    pub user_directory: String,
    pub user_id: String,
    #[serde(default)]
    pub name: String,
}

/// What the doc list shows of an app (cheap: no objects).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppMeta {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Stream id; None for an unpublished (personal) app.
    #[serde(default)]
    pub stream: Option<String>,
    pub owner: Owner,
    pub created_date: String,
    pub modified_date: String,
    #[serde(default)]
    pub publish_time: Option<String>,
    pub last_reload_time: String,
    #[serde(default)]
    pub file_size: u64,
    /// Users (`DIRECTORY\id`, case-insensitive) the app's section access shuts out: their
    /// OpenDoc fails with error 5 (LOCERR_GENERIC_ACCESS_DENIED).
    #[serde(default)]
    pub denied_users: Vec<String>,
}

impl AppMeta {
    pub fn published(&self) -> bool {
        self.stream.is_some()
    }
    pub fn denies(&self, user_key: &str) -> bool {
        self.denied_users
            .iter()
            .any(|u| u.eq_ignore_ascii_case(user_key))
    }
}

/// An object as the engine exports it: its properties and its children's entries.
#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    #[serde(rename = "qProperty")]
    pub property: Value,
    #[serde(rename = "qChildren", default)]
    pub children: Vec<Entry>,
    /// Repository metadata the engine adds to `qMeta` (published, approved, owner, dates...).
    #[serde(default)]
    pub meta: Map<String, Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDef {
    pub name: String,
    /// Distinct values of the field in this table.
    pub distinct: u64,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TableDef {
    pub name: String,
    pub rows: u64,
    #[serde(default)]
    pub comment: String,
    pub fields: Vec<FieldDef>,
}

/// A load script: one string, or an array of lines (more readable in JSON).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Script {
    Text(String),
    Lines(Vec<String>),
}

impl Script {
    pub fn text(&self) -> String {
        match self {
            Script::Text(s) => s.clone(),
            Script::Lines(l) => l.join("\n"),
        }
    }
}

/// Everything inside an app.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AppBody {
    #[serde(default)]
    pub objects: Vec<Entry>,
    #[serde(default)]
    pub dimensions: Vec<Entry>,
    #[serde(default)]
    pub measures: Vec<Entry>,
    #[serde(default)]
    pub bookmarks: Vec<Entry>,
    #[serde(default)]
    pub variables: Vec<Entry>,
    #[serde(default)]
    pub tables: Vec<TableDef>,
    #[serde(default)]
    pub script: Option<Script>,
}

#[derive(Debug, Clone, Deserialize)]
struct AppFile {
    #[serde(flatten)]
    meta: AppMeta,
    #[serde(flatten)]
    body: AppBody,
}

#[derive(Debug, Clone, Deserialize)]
struct SiteFile {
    engine: EngineInfo,
    streams: Vec<Stream>,
    apps: Vec<AppFile>,
}

/// The schema class of an engine object, which is the `qType` of its ObjRef.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    GenericObject,
    GenericDimension,
    GenericMeasure,
    GenericBookmark,
    GenericVariable,
}

impl Class {
    pub fn name(self) -> &'static str {
        match self {
            Class::GenericObject => "GenericObject",
            Class::GenericDimension => "GenericDimension",
            Class::GenericMeasure => "GenericMeasure",
            Class::GenericBookmark => "GenericBookmark",
            Class::GenericVariable => "GenericVariable",
        }
    }
}

/// One persisted object of an app, indexed.
#[derive(Debug, Clone)]
pub struct Obj {
    pub id: String,
    pub class: Class,
    pub props: Value,
    pub meta: Map<String, Value>,
    pub parent: Option<String>,
    pub children: Vec<String>,
}

impl Obj {
    pub fn object_type(&self) -> &str {
        self.props
            .pointer("/qInfo/qType")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// An app's contents, indexed by id. Objects keep the file's order (the engine's GetAllInfos
/// order is stable too).
#[derive(Debug, Default)]
pub struct AppIndex {
    pub objects: Vec<Obj>,
    by_id: HashMap<(Class, String), usize>,
    pub tables: Vec<TableDef>,
    pub script: String,
    /// The rows behind hypercubes and expressions, made from `tables` on first use.
    data: OnceLock<super::table::DataTable>,
    /// Objects' answers serialised on first use (`sim::replies`).
    pub replies: super::replies::ReplyCache,
}

impl AppIndex {
    /// The app's deterministic data table (see `sim::table`).
    pub fn data_table(&self) -> &super::table::DataTable {
        self.data
            .get_or_init(|| super::table::DataTable::build(&self.tables))
    }

    pub fn build(body: AppBody) -> AppIndex {
        let mut idx = AppIndex {
            tables: body.tables,
            script: body.script.map(|s| s.text()).unwrap_or_default(),
            ..Default::default()
        };
        for e in body.objects {
            idx.add_entry(e, Class::GenericObject, None);
        }
        for (list, class) in [
            (body.dimensions, Class::GenericDimension),
            (body.measures, Class::GenericMeasure),
            (body.bookmarks, Class::GenericBookmark),
            (body.variables, Class::GenericVariable),
        ] {
            for e in list {
                idx.add_entry(e, class, None);
            }
        }
        idx
    }

    fn add_entry(&mut self, e: Entry, class: Class, parent: Option<String>) -> String {
        let id = e
            .property
            .pointer("/qInfo/qId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let pos = self.objects.len();
        self.objects.push(Obj {
            id: id.clone(),
            class,
            props: e.property,
            meta: e.meta,
            parent,
            children: vec![],
        });
        self.by_id.insert((class, id.clone()), pos);
        let kids: Vec<String> = e
            .children
            .into_iter()
            .map(|c| self.add_entry(c, class, Some(id.clone())))
            .collect();
        self.objects[pos].children = kids;
        id
    }

    pub fn get(&self, class: Class, id: &str) -> Option<&Obj> {
        self.position(class, id).map(|i| &self.objects[i])
    }

    /// Where object `id` of `class` is in `objects`.
    pub fn position(&self, class: Class, id: &str) -> Option<usize> {
        self.by_id.get(&(class, id.to_string())).copied()
    }

    /// Objects of `class` whose `qInfo.qType` is `object_type` (any type when empty).
    pub fn of_type<'a>(
        &'a self,
        class: Class,
        object_type: &'a str,
    ) -> impl Iterator<Item = &'a Obj> + 'a {
        self.objects.iter().filter(move |o| {
            o.class == class && (object_type.is_empty() || o.object_type() == object_type)
        })
    }

    pub fn variable_by_name(&self, name: &str) -> Option<&Obj> {
        self.of_type(Class::GenericVariable, "").find(|o| {
            o.props
                .get("qName")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }
}

/// Where an app's contents come from.
enum Source {
    Body(AppBody),
    Generated { seed: u32 },
}

pub struct App {
    pub meta: AppMeta,
    source: Source,
    index: OnceLock<Arc<AppIndex>>,
}

impl App {
    /// The app's indexed contents, built on first use (a scaled site builds only what is opened).
    pub fn index(&self) -> Arc<AppIndex> {
        self.index
            .get_or_init(|| {
                Arc::new(match &self.source {
                    Source::Body(b) => AppIndex::build(b.clone()),
                    Source::Generated { seed } => AppIndex::build(super::scale::app_body(*seed)),
                })
            })
            .clone()
    }
}

pub struct Site {
    pub engine: EngineInfo,
    pub streams: Vec<Stream>,
    pub apps: Vec<App>,
}

impl Site {
    /// The bundled demo site.
    pub fn demo() -> anyhow::Result<Site> {
        Site::from_json(DEMO_SITE_JSON)
    }

    pub fn from_json(text: &str) -> anyhow::Result<Site> {
        let f: SiteFile = serde_json::from_str(text)
            .map_err(|e| anyhow::anyhow!("the simulator's site data is not valid: {e}"))?;
        Ok(Site {
            engine: f.engine,
            streams: f.streams,
            apps: f
                .apps
                .into_iter()
                .map(|a| App {
                    meta: a.meta,
                    source: Source::Body(a.body),
                    index: OnceLock::new(),
                })
                .collect(),
        })
    }

    /// A generated site of `n` apps (see `scale`), with the demo site's engine info.
    pub fn scaled(n: u32) -> anyhow::Result<Site> {
        let demo = Site::demo()?;
        let (streams, metas) = super::scale::site(n);
        Ok(Site {
            engine: demo.engine,
            streams,
            apps: metas
                .into_iter()
                .enumerate()
                .map(|(i, meta)| App {
                    meta,
                    source: Source::Generated { seed: i as u32 },
                    index: OnceLock::new(),
                })
                .collect(),
        })
    }

    pub fn app(&self, id: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.meta.id == id)
    }

    pub fn stream(&self, id: &str) -> Option<&Stream> {
        self.streams.iter().find(|s| s.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_site_loads_and_indexes() {
        let site = Site::demo().unwrap();
        assert!(site.apps.len() >= 5);
        assert!(site.streams.len() >= 2);
        assert!(site.apps.iter().any(|a| !a.meta.published()));
        assert!(site.apps.iter().any(|a| !a.meta.denied_users.is_empty()));
        for app in &site.apps {
            let idx = app.index();
            assert!(
                idx.of_type(Class::GenericObject, "sheet").count() >= 1,
                "{} has no sheet",
                app.meta.title
            );
            for o in &idx.objects {
                assert!(
                    !o.id.is_empty(),
                    "an object of {} has no qId",
                    app.meta.title
                );
                for c in &o.children {
                    assert!(idx.get(o.class, c).is_some());
                }
            }
            if let Some(s) = &app.meta.stream {
                assert!(site.stream(s).is_some(), "unknown stream {s}");
            }
        }
    }
}
