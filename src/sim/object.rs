//! GenericObject and the master-item, bookmark and variable classes: layouts, properties,
//! the property tree, children and infos — for persisted objects and this session's objects.

use serde_json::{Map, Value, json};

use super::data::{AppIndex, Class, Obj};
use super::dispatch::{APP_NOT_OPEN, GENERIC_NOT_FOUND, Handled, Reply, error};
use super::layout::{self, Ctx};
use super::params::Args;
use super::replies::Kind;
use super::session::{Session, Target, not_found_ref, obj_ref};

const INVALID_PARAMETERS: i64 = 8;

/// GetHyperCubeData / GetListObjectData: the pages asked for, cut from the definition at qPath
/// (the object's effective properties: a master visualization's cube for an object extending it).
fn data_pages(ctx: &Ctx, obj: &Obj, method: &str, args: &Args) -> Handled {
    let path = args.str(0)?;
    let props = layout::effective_properties(ctx.index, &obj.props);
    let (key, cube) = if method == "GetHyperCubeData" {
        ("qHyperCubeDef", true)
    } else {
        ("qListObjectDef", false)
    };
    let def = match props.pointer(path) {
        Some(d) if path.ends_with(key) => d,
        _ => {
            return Err(error(
                GENERIC_NOT_FOUND,
                path,
                format!("the object has no {key} at this path"),
            ));
        }
    };
    if cube && !matches!(def.get("qMode").and_then(Value::as_str), None | Some("S")) {
        return Err(error(
            INVALID_PARAMETERS,
            path,
            "GetHyperCubeData pages straight hypercubes (qMode S) only",
        ));
    }
    let (matrix, cols) = if cube {
        (
            super::cube::hypercube_matrix(ctx, def),
            super::cube::width(def),
        )
    } else {
        (super::cube::list_matrix(ctx, def), 1)
    };
    let wanted = args.value(1)?.as_array().cloned().unwrap_or_default();
    match super::cube::pages(&matrix, cols, &wanted) {
        Ok(p) => Ok(Some(Reply::one(p))),
        Err(m) => Err(error(INVALID_PARAMETERS, "qPages", m)),
    }
}

pub fn call(session: &Session, class: Class, id: &str, method: &str, args: &Args) -> Handled {
    let doc = session
        .state()
        .doc
        .clone()
        .ok_or_else(|| error(APP_NOT_OPEN, "", "no app is open in this session"))?;
    let ctx = Ctx {
        app: &doc.meta,
        index: &doc.index,
        no_data: doc.no_data,
    };
    // A session object lives in the session; everything else in the app (borrowed, not
    // copied: a sheet's properties are big and most methods only read them).
    let session_props = if class == Class::GenericObject {
        session.state().session_objects.get(id).cloned()
    } else {
        None
    };
    let session_obj;
    let (obj, pos): (&Obj, Option<usize>) = match session_props {
        Some(p) => {
            session_obj = Obj {
                id: id.to_string(),
                class,
                props: p,
                meta: Map::new(),
                parent: None,
                children: vec![],
            };
            (&session_obj, None)
        }
        None => match doc.index.position(class, id) {
            Some(pos) => (&doc.index.objects[pos], Some(pos)),
            None => {
                return Err(error(
                    GENERIC_NOT_FOUND,
                    id,
                    "the object behind this handle no longer exists",
                ));
            }
        },
    };
    // A persisted object's properties and tree never change: serialised once (`replies`).
    let cached = |kind: Kind, build: &dyn Fn() -> Value| match pos {
        Some(pos) => Ok(Some(Reply::text(
            doc.index.replies.get_or_build(kind, pos, build),
        ))),
        None => Ok(Some(Reply::one(build()))),
    };
    let one = |v: Value| Ok(Some(Reply::one(v)));
    match method {
        "GetLayout" => one(layout::object_layout(&ctx, obj)),
        "GetProperties" => cached(Kind::Properties, &|| obj.props.clone()),
        "GetEffectiveProperties" if class == Class::GenericObject => {
            one(layout::effective_properties(&doc.index, &obj.props))
        }
        "GetInfo" => one(info(obj)),
        "GetFullPropertyTree" if class == Class::GenericObject => {
            cached(Kind::PropertyTree, &|| property_tree(&doc.index, obj))
        }
        "GetChildInfos" if class == Class::GenericObject => one(Value::Array(
            obj.children
                .iter()
                .filter_map(|c| doc.index.get(Class::GenericObject, c))
                .map(info)
                .collect(),
        )),
        "GetChild" if class == Class::GenericObject => {
            let child = args.str(0)?;
            if obj.children.iter().any(|c| c == child) {
                one(handle_ref(session, &doc.index, child))
            } else {
                one(not_found_ref())
            }
        }
        "GetParent" if class == Class::GenericObject => match &obj.parent {
            Some(p) => one(handle_ref(session, &doc.index, p)),
            None => one(not_found_ref()),
        },
        "GetSnapshotObject" => one(not_found_ref()),
        "GetHyperCubeData" | "GetListObjectData" => data_pages(&ctx, obj, method, args),
        "GetHyperCubePivotData" | "GetHyperCubeStackData" => Err(error(
            INVALID_PARAMETERS,
            method,
            "the simulator computes straight hypercubes only",
        )),
        "GetLinkedObjects" => one(Value::Array(linked_objects(&doc.index, class, id))),
        "GetMeasure" if class == Class::GenericMeasure => {
            one(obj.props.get("qMeasure").cloned().unwrap_or(json!({})))
        }
        "GetDimension" if class == Class::GenericDimension => {
            one(obj.props.get("qDim").cloned().unwrap_or(json!({})))
        }
        "GetRawContent" if class == Class::GenericVariable => {
            one(obj.props.get("qDefinition").cloned().unwrap_or(json!("")))
        }
        _ => Ok(None),
    }
}

fn info(o: &Obj) -> Value {
    o.props
        .get("qInfo")
        .cloned()
        .unwrap_or_else(|| json!({"qId": o.id, "qType": o.object_type()}))
}

fn handle_ref(session: &Session, index: &AppIndex, id: &str) -> Value {
    let Some(o) = index.get(Class::GenericObject, id) else {
        return not_found_ref();
    };
    let h = session
        .state()
        .handle_for(Target::Object(Class::GenericObject, id.to_string()));
    obj_ref("GenericObject", h, o.object_type(), id)
}

/// `{qProperty, qChildren, qEmbeddedSnapshotRef}` for the object and its whole subtree.
fn property_tree(index: &AppIndex, obj: &Obj) -> Value {
    let children: Vec<Value> = obj
        .children
        .iter()
        .filter_map(|c| index.get(Class::GenericObject, c))
        .map(|c| property_tree(index, c))
        .collect();
    json!({"qProperty": obj.props, "qChildren": children, "qEmbeddedSnapshotRef": null})
}

/// Objects that use master item `id`: by `qLibraryId` anywhere in their properties, or by
/// `qExtendsId` (a master visualization).
fn linked_objects(index: &AppIndex, class: Class, id: &str) -> Vec<Value> {
    fn mentions(v: &Value, id: &str) -> bool {
        match v {
            Value::Object(m) => m.iter().any(|(k, v)| {
                ((k == "qLibraryId" || k == "qExtendsId") && v.as_str() == Some(id))
                    || mentions(v, id)
            }),
            Value::Array(a) => a.iter().any(|x| mentions(x, id)),
            _ => false,
        }
    }
    index
        .objects
        .iter()
        .filter(|o| {
            o.class == Class::GenericObject && !(class == Class::GenericObject && o.id == id)
        })
        .filter(|o| mentions(&o.props, id))
        .map(|o| {
            let mut root = o;
            while let Some(p) = root
                .parent
                .as_deref()
                .and_then(|p| index.get(Class::GenericObject, p))
            {
                root = p;
            }
            json!({"qRootId": root.id, "qInfo": info(o)})
        })
        .collect()
}
