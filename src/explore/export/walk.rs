//! Collecting one app for an export: open it on its own session, send every independent request
//! at once (sheet list → one GetFullPropertyTree per sheet, alongside master items, bookmarks,
//! variables, data model, script), and turn the replies into an `AppDoc`. With properties, every
//! master item, bookmark and variable also gets its own GetProperties (what a deep diff compares).
//!
//! Failures are sorted in two kinds. What the engine refuses for this app (an error code: access
//! denied, not found) is recorded in `errors` and the export goes on; a lost connection, a
//! timeout or a refused handshake is returned as `Err` and stops the whole export.

use std::collections::{BTreeMap, HashMap};

use futures_util::StreamExt;
use futures_util::future::join_all;
use serde_json::Value;

use super::doc::{
    AppDoc, BookmarkDoc, DataModelDoc, ErrorDoc, MasterItemsDoc, SheetDoc, VariableDoc,
};
use super::{ExportOptions, Scope, Tracker};
use crate::engine::EngineError;
use crate::explore::app::{LibraryKind, fill_master_titles};
use crate::explore::model::{AppEntry, ObjectNode, SCRIPT_NEEDS_RELOAD_RIGHT, Stream};
use crate::explore::{AppSession, Links, Site};

/// How much of an app to collect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    Whole,
    Sheet(String),
    Object(String),
}

/// One app to export: its id, its doc-list entry when the doc list has it, and how much of it.
pub(crate) struct AppPlan {
    pub app_id: String,
    pub entry: Option<AppEntry>,
    pub part: Part,
}

/// An exported app (None when it could not be opened) and what failed on the way.
pub(crate) struct AppOutcome {
    pub app: Option<AppDoc>,
    pub errors: Vec<ErrorDoc>,
}

/// The apps a scope names, in the order they are written.
pub(crate) fn plan(scope: &Scope, entries: &[AppEntry]) -> Vec<AppPlan> {
    let find = |id: &str| entries.iter().find(|e| e.id == id).cloned();
    let one = |app_id: &str, part: Part| AppPlan {
        app_id: app_id.to_string(),
        entry: find(app_id),
        part,
    };
    match scope {
        Scope::All => entries
            .iter()
            .map(|e| AppPlan {
                app_id: e.id.clone(),
                entry: Some(e.clone()),
                part: Part::Whole,
            })
            .collect(),
        Scope::Apps(ids) => {
            let mut seen = std::collections::HashSet::new();
            ids.iter()
                .filter(|id| seen.insert(id.as_str()))
                .map(|id| one(id, Part::Whole))
                .collect()
        }
        Scope::Sheet { app_id, sheet_id } => vec![one(app_id, Part::Sheet(sheet_id.clone()))],
        Scope::Object { app_id, object_id } => {
            vec![one(app_id, Part::Object(object_id.clone()))]
        }
    }
}

/// The order apps are started in: biggest first when the doc list gives sizes (`qFileSize`;
/// QSEoW reports 0, so the scope order stays), so the pool pays roughly the largest app's time
/// instead of finishing with it alone.
pub(crate) fn start_order(plans: &[AppPlan]) -> Vec<usize> {
    let size = |p: &AppPlan| {
        p.entry
            .as_ref()
            .and_then(|e| e.raw.get("qFileSize"))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(size(&plans[i])));
    order
}

/// An error this app's export can record (Ok) or one that must stop the export (Err).
fn recordable(app_id: &str, part: Option<&str>, e: EngineError) -> Result<ErrorDoc, EngineError> {
    let code = match &e {
        EngineError::Rpc { code, .. } => Some(*code),
        EngineError::ObjectNotFound { .. } => None,
        EngineError::SessionRefused { state }
            if state.contains("APP_ACCESS_DENIED") || state.contains("APP_FAILURE") =>
        {
            None
        }
        _ => return Err(e),
    };
    Ok(ErrorDoc {
        app_id: app_id.to_string(),
        code,
        message: e.to_string(),
        part: part.map(str::to_string),
    })
}

/// Collects one app (its own session, closed when done).
pub(crate) async fn collect_app(
    site: &Site,
    plan: &AppPlan,
    opts: &ExportOptions,
    links: &Links,
    tracker: &Tracker<'_>,
) -> Result<AppOutcome, EngineError> {
    let app = match site.open_app_for_export(&plan.app_id).await {
        Ok(a) => a,
        Err(e) => {
            return Ok(AppOutcome {
                app: None,
                errors: vec![recordable(&plan.app_id, None, e)?],
            });
        }
    };
    let result = collect_open_app(&app, plan, opts, links, tracker).await;
    app.close();
    result
}

/// Records a section's failure and yields its empty value, or passes a fatal error on.
fn section<T: Default>(
    r: Result<T, EngineError>,
    app_id: &str,
    part: &str,
    errors: &mut Vec<ErrorDoc>,
) -> Result<T, EngineError> {
    match r {
        Ok(v) => Ok(v),
        Err(e) => {
            errors.push(recordable(app_id, Some(part), e)?);
            Ok(T::default())
        }
    }
}

async fn collect_open_app(
    app: &AppSession,
    plan: &AppPlan,
    opts: &ExportOptions,
    links: &Links,
    tracker: &Tracker<'_>,
) -> Result<AppOutcome, EngineError> {
    let id = plan.app_id.as_str();
    let whole = plan.part == Part::Whole;
    let mut errors = Vec::new();

    // Sheets then their trees: one chain. Everything else rides alongside it.
    let sheets_and_trees = async {
        let sheets = app.sheets().await?;
        let wanted: Vec<_> = match &plan.part {
            Part::Sheet(s) => sheets.into_iter().filter(|x| &x.id == s).collect(),
            _ => sheets,
        };
        let trees = join_all(wanted.iter().map(|s| async move {
            let tree = app
                .object_tree_with(&s.id, &HashMap::new(), opts.include_properties)
                .await;
            if let Ok(t) = &tree {
                tracker.sheet_loaded(t.size() - 1);
            }
            tree
        }))
        .await;
        Ok::<_, EngineError>(wanted.into_iter().zip(trees).collect::<Vec<_>>())
    };
    let header = async {
        match &plan.entry {
            Some(e) => Ok(e.clone()),
            None => app.app_layout().await.map(|l| entry_from_layout(id, &l)),
        }
    };
    let script = only_if(whole && opts.include_script, app.script());
    let properties = only_if(
        whole && opts.include_properties,
        app.doc.get_app_properties(),
    );
    // Master items and bookmarks: their lists, then (with properties) every item's own
    // properties, chained so they ride alongside the sheets too.
    let with_item_props = whole && opts.include_properties;
    let masters = async {
        let m = app.master_items().await?;
        let lists = [
            (LibraryKind::Dimension, &m.dimensions),
            (LibraryKind::Measure, &m.measures),
            (LibraryKind::Visualization, &m.visualizations),
        ];
        let props = only_if(
            with_item_props,
            join_all(lists.iter().flat_map(|(kind, items)| {
                items.iter().map(|i| app.library_properties(*kind, &i.id))
            })),
        )
        .await;
        Ok::<_, EngineError>((m, props))
    };
    let bookmarks = async {
        let b = app.bookmarks().await?;
        let props = only_if(
            with_item_props,
            join_all(
                b.iter()
                    .map(|b| app.library_properties(LibraryKind::Bookmark, &b.id)),
            ),
        )
        .await;
        Ok::<_, EngineError>((b, props))
    };
    let variables = async {
        let v = app.variables().await?;
        let props = only_if(
            with_item_props,
            join_all(
                v.iter()
                    .map(|v| app.library_properties(LibraryKind::Variable, &v.id)),
            ),
        )
        .await;
        Ok::<_, EngineError>((v, props))
    };
    let (header, sheets, masters, bookmarks, variables, data_model, script, properties) = tokio::join!(
        header,
        sheets_and_trees,
        masters,
        only_if(whole, bookmarks),
        only_if(whole, variables),
        only_if(whole, app.data_model()),
        script,
        properties,
    );

    let header = match header {
        Ok(h) => h,
        Err(e) => {
            errors.push(recordable(id, Some("app layout"), e)?);
            AppEntry::bare(id)
        }
    };
    let mut doc = AppDoc::header(&header, links);
    let (masters, master_props) = section(masters, id, "master_items", &mut errors)?;
    let master_titles: HashMap<String, String> = masters
        .visualizations
        .iter()
        .map(|m| (m.id.clone(), m.title.clone()))
        .collect();
    let with_props = opts.include_properties;
    for (sheet, tree) in section(sheets, id, "sheets", &mut errors)? {
        let tree = match tree {
            Ok(mut t) => {
                fill_master_titles(&mut t, &master_titles);
                Some(t)
            }
            Err(e) => {
                errors.push(recordable(id, Some(&format!("sheet {}", sheet.id)), e)?);
                None
            }
        };
        let tree = match (&plan.part, tree) {
            (Part::Object(obj), Some(t)) => match prune_to(&t, obj) {
                Some(t) => Some(t),
                None => continue,
            },
            (_, t) => t,
        };
        doc.sheets
            .push(SheetDoc::new(id, &sheet, tree, links, with_props));
    }
    match &plan.part {
        Part::Sheet(s) if doc.sheets.is_empty() => errors.push(not_in_app(id, "sheet", s)),
        Part::Object(o) if doc.sheets.is_empty() => errors.push(not_in_app(id, "object", o)),
        _ => {}
    }
    if whole {
        doc.master_items = MasterItemsDoc::new(&masters);
        let mi = &mut doc.master_items;
        let slots = mi
            .dimensions
            .iter_mut()
            .map(|d| (&d.id, &mut d.properties))
            .chain(mi.measures.iter_mut().map(|m| (&m.id, &mut m.properties)))
            .chain(
                mi.visualizations
                    .iter_mut()
                    .map(|v| (&v.id, &mut v.properties)),
            );
        fill_properties(slots, master_props, id, "master item", &mut errors)?;
        if let Some(b) = bookmarks {
            let (b, props) = section(b, id, "bookmarks", &mut errors)?;
            doc.bookmarks = b.iter().map(|b| BookmarkDoc::new(id, b, links)).collect();
            let slots = doc.bookmarks.iter_mut().map(|b| (&b.id, &mut b.properties));
            fill_properties(slots, props, id, "bookmark", &mut errors)?;
        }
        if let Some(v) = variables {
            let (v, props) = section(v, id, "variables", &mut errors)?;
            doc.variables = v.iter().map(VariableDoc::new).collect();
            let slots = doc.variables.iter_mut().map(|v| (&v.id, &mut v.properties));
            fill_properties(slots, props, id, "variable", &mut errors)?;
        }
        if let Some(m) = data_model {
            doc.data_model = DataModelDoc::new(&section(m, id, "data_model", &mut errors)?);
        }
    }
    if let Some(s) = script {
        doc.script = Some(match s {
            Ok(Some(s)) => Some(s),
            // Not an error: the user lacks the right, and the export says so.
            Ok(None) => {
                doc.script_note = Some(SCRIPT_NEEDS_RELOAD_RIGHT.to_string());
                None
            }
            Err(e) => {
                errors.push(recordable(id, Some("script"), e)?);
                None
            }
        });
    }
    if let Some(p) = properties {
        doc.properties = Some(section(p, id, "properties", &mut errors)?);
    }
    Ok(AppOutcome {
        app: Some(doc),
        errors,
    })
}

/// Puts each fetched property tree in its item's slot (same order); a refused one is recorded.
fn fill_properties<'a>(
    slots: impl Iterator<Item = (&'a String, &'a mut Option<Value>)>,
    fetched: Option<Vec<Result<Value, EngineError>>>,
    app_id: &str,
    what: &str,
    errors: &mut Vec<ErrorDoc>,
) -> Result<(), EngineError> {
    let Some(fetched) = fetched else {
        return Ok(());
    };
    for ((item_id, slot), props) in slots.zip(fetched) {
        match props {
            Ok(p) => *slot = Some(p),
            Err(e) => errors.push(recordable(app_id, Some(&format!("{what} {item_id}")), e)?),
        }
    }
    Ok(())
}

/// Why a walk of several apps stopped early: a fatal engine error at an app, or the caller's
/// own error from handling an app.
pub(crate) enum WalkStop<E> {
    Engine { app_id: String, source: EngineError },
    Caller(E),
}

/// Collects the planned apps, `opts.concurrency` at once, biggest first, and hands each outcome
/// to `each` in plan order, each as soon as all before it are handed on: callers stream while
/// the pool keeps working. The one pool the export and the search share.
pub(crate) async fn walk_apps<E>(
    site: &Site,
    plans: &[AppPlan],
    opts: &ExportOptions,
    links: &Links,
    tracker: &Tracker<'_>,
    mut each: impl FnMut(&AppPlan, AppOutcome) -> Result<(), E>,
) -> Result<(), WalkStop<E>> {
    let mut running = futures_util::stream::iter(start_order(plans))
        .map(|i| async move { (i, collect_app(site, &plans[i], opts, links, tracker).await) })
        .buffer_unordered(opts.concurrency);
    let mut ready: BTreeMap<usize, AppOutcome> = BTreeMap::new();
    let mut next = 0;
    while let Some((i, outcome)) = running.next().await {
        let outcome = outcome.map_err(|source| WalkStop::Engine {
            app_id: plans[i].app_id.clone(),
            source,
        })?;
        tracker.app_done(outcome.app.is_none());
        ready.insert(i, outcome);
        while let Some(o) = ready.remove(&next) {
            each(&plans[next], o).map_err(WalkStop::Caller)?;
            next += 1;
        }
    }
    Ok(())
}

/// Awaits `f` only when `wanted` (an unpolled future sends nothing).
async fn only_if<T>(wanted: bool, f: impl std::future::Future<Output = T>) -> Option<T> {
    if wanted { Some(f.await) } else { None }
}

fn not_in_app(app_id: &str, what: &str, id: &str) -> ErrorDoc {
    ErrorDoc {
        app_id: app_id.to_string(),
        code: None,
        message: format!("{what} '{id}' was not found on any sheet of the app"),
        part: Some(format!("{what} {id}")),
    }
}

/// The app header from its layout, for an app the doc list does not show.
fn entry_from_layout(id: &str, layout: &Value) -> AppEntry {
    let s = |p: &str| {
        layout
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    AppEntry {
        id: id.to_string(),
        name: match s("/qTitle") {
            t if t.is_empty() => id.to_string(),
            t => t,
        },
        description: s("/qMeta/description"),
        stream: layout
            .pointer("/qMeta/stream/id")
            .and_then(Value::as_str)
            .map(|sid| Stream {
                id: sid.to_string(),
                name: s("/qMeta/stream/name"),
            }),
        published: layout
            .pointer("/qMeta/published")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        last_reload_time: s("/qLastReloadTime"),
        owner: None,
        raw: Value::Null,
    }
}

/// The sheet's tree cut down to the path to `id` (with `id`'s own subtree), or None when `id`
/// is not below this sheet.
fn prune_to(sheet: &ObjectNode, id: &str) -> Option<ObjectNode> {
    fn path(node: &ObjectNode, id: &str) -> Option<ObjectNode> {
        if node.id == id {
            return Some(node.clone());
        }
        let child = node.children.iter().find_map(|c| path(c, id))?;
        Some(ObjectNode {
            children: vec![child],
            ..node.clone()
        })
    }
    let child = sheet.children.iter().find_map(|c| path(c, id))?;
    Some(ObjectNode {
        children: vec![child],
        ..sheet.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn n(id: &str, children: Vec<ObjectNode>) -> ObjectNode {
        ObjectNode {
            id: id.into(),
            r#type: "t".into(),
            title: String::new(),
            master_id: None,
            children,
            properties: Value::Null,
        }
    }

    #[test]
    fn pruning_keeps_the_path_and_the_subtree() {
        let sheet = n(
            "s",
            vec![
                n("a", vec![]),
                n("c", vec![n("x", vec![n("y", vec![])]), n("z", vec![])]),
            ],
        );
        let p = prune_to(&sheet, "x").unwrap();
        assert_eq!(p.children.len(), 1);
        assert_eq!(p.children[0].id, "c");
        assert_eq!(p.children[0].children.len(), 1);
        assert_eq!(p.children[0].children[0].children[0].id, "y");
        assert!(prune_to(&sheet, "s").is_none());
        assert!(prune_to(&sheet, "q").is_none());
    }

    #[test]
    fn engine_refusals_are_recorded_and_broken_connections_stop() {
        let denied = EngineError::Rpc {
            method: "OpenDoc".into(),
            code: 5,
            name: Some("GENERIC_ACCESS_DENIED"),
            parameter: String::new(),
            message: "Access denied".into(),
        };
        let r = recordable("a1", None, denied).unwrap();
        assert_eq!(r.code, Some(5));
        assert!(r.message.contains("Access denied"));
        let closed = EngineError::Closed {
            reason: "the socket broke".into(),
        };
        assert!(recordable("a1", None, closed).is_err());
    }

    #[test]
    fn plans_dedupe_and_start_big_apps_first() {
        let e = |id: &str, size: u64| AppEntry {
            raw: json!({"qFileSize": size}),
            ..AppEntry::bare(id)
        };
        let entries = vec![e("a", 1), e("b", 0), e("c", 9)];
        let p = plan(
            &Scope::Apps(vec!["b".into(), "a".into(), "b".into(), "zz".into()]),
            &entries,
        );
        assert_eq!(
            p.iter().map(|p| p.app_id.as_str()).collect::<Vec<_>>(),
            ["b", "a", "zz"]
        );
        assert!(p[2].entry.is_none());
        assert_eq!(start_order(&plan(&Scope::All, &entries)), vec![2, 0, 1]);
    }

    #[test]
    fn headers_come_from_the_layout_when_the_doc_list_lacks_the_app() {
        let l = json!({"qTitle": "T", "qLastReloadTime": "2026", "qMeta": {"description": "d",
            "published": true, "stream": {"id": "s", "name": "S"}}});
        let e = entry_from_layout("x", &l);
        assert_eq!((e.name.as_str(), e.published), ("T", true));
        assert_eq!(e.stream.unwrap().name, "S");
    }
}
