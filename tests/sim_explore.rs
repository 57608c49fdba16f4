//! The explorer's loaders against the simulator over real TLS: every loader of an app returns
//! what the demo site holds (read from the asset, not hard-coded).

use std::collections::HashMap;

use qlik_tui::explore::Site;
use qlik_tui::sim::{SimConfig, SimServer};

mod common;

#[tokio::test]
async fn loaders_return_the_demo_apps_contents() {
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let site = Site::new(common::sim_spec(&sim));
    let richest = common::richest_demo_app();
    let app_id = richest["id"].as_str().unwrap();
    let app = site.app(app_id).await.unwrap();

    let objects = richest["objects"].as_array().unwrap();
    let count = |t: &str| {
        objects
            .iter()
            .filter(|o| o["qProperty"]["qInfo"]["qType"] == t)
            .count()
    };
    let sheets = app.sheets().await.unwrap();
    assert_eq!(sheets.len(), count("sheet"));
    assert!(sheets.iter().all(|s| !s.title.is_empty()));
    assert_eq!(app.stories().await.unwrap().len(), count("story"));

    let masters = app.master_items().await.unwrap();
    assert_eq!(masters.visualizations.len(), count("masterobject"));
    assert_eq!(
        masters.measures.len(),
        richest["measures"].as_array().unwrap().len()
    );
    assert_eq!(
        masters.dimensions.len(),
        richest["dimensions"].as_array().unwrap().len()
    );
    let titles: HashMap<String, String> = masters
        .visualizations
        .iter()
        .map(|m| (m.id.clone(), m.title.clone()))
        .collect();

    // Each sheet's tree holds every child of the asset's entry, recursively.
    fn size(entry: &serde_json::Value) -> usize {
        1 + entry["qChildren"]
            .as_array()
            .map_or(0, |c| c.iter().map(size).sum())
    }
    for entry in objects
        .iter()
        .filter(|o| o["qProperty"]["qInfo"]["qType"] == "sheet")
    {
        let id = entry["qProperty"]["qInfo"]["qId"].as_str().unwrap();
        let tree = app.object_tree(id, &titles).await.unwrap();
        assert_eq!(tree.walk().len(), size(entry), "sheet {id}");
    }

    assert_eq!(
        app.bookmarks().await.unwrap().len(),
        richest["bookmarks"].as_array().unwrap().len()
    );
    assert!(!app.variables().await.unwrap().is_empty());

    // The data model needs the app's data: the browsing session (opened without) has no
    // tables; a session opened with data has every table and field with the asset's facts.
    assert!(app.data_model().await.unwrap().tables.is_empty());
    let with_data = site.open_app_for_export(app_id).await.unwrap();
    let model = with_data.data_model().await.unwrap();
    with_data.close();
    let tables = richest["tables"].as_array().unwrap();
    assert_eq!(model.tables.len(), tables.len());
    for (got, want) in model.tables.iter().zip(tables) {
        assert_eq!(got.name, want["name"].as_str().unwrap());
        assert_eq!(got.rows, want["rows"].as_u64().unwrap());
        assert_eq!(got.comment, want["comment"].as_str().unwrap_or(""));
        let fields = want["fields"].as_array().unwrap();
        assert_eq!(got.fields.len(), fields.len(), "{}", got.name);
        for (f, w) in got.fields.iter().zip(fields) {
            assert_eq!(f.name, w["name"].as_str().unwrap());
            assert_eq!(
                f.distinct_values,
                w["distinct"].as_u64().unwrap(),
                "{}",
                f.name
            );
            let tags: Vec<&str> = w["tags"]
                .as_array()
                .map(|t| t.iter().filter_map(|x| x.as_str()).collect())
                .unwrap_or_default();
            assert!(
                tags.iter().all(|t| f.tags.iter().any(|g| g == t)),
                "{}",
                f.name
            );
        }
    }
    assert_eq!(
        app.script().await.unwrap(),
        Some(
            richest["script"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap())
                .collect::<Vec<_>>()
                .join("\n")
        )
    );
    site.close_all().await;
}

#[tokio::test]
async fn a_second_socket_to_the_same_app_attaches_and_still_opens_it() {
    use qlik_tui::engine::Session;
    let sim = SimServer::start(SimConfig::default()).await.unwrap();
    let spec = common::sim_spec(&sim);
    let app_id = common::demo_site()["apps"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let opts = spec.connect_options(Some(&app_id)).await.unwrap();
    let first = Session::connect(&opts).await.unwrap();
    assert_eq!(first.greeting.session_state, "SESSION_CREATED");
    let a = qlik_tui::explore::app::AppSession::open(first, &app_id)
        .await
        .unwrap();
    let second = Session::connect(&opts).await.unwrap();
    assert_eq!(second.greeting.session_state, "SESSION_ATTACHED");
    let b = qlik_tui::explore::app::AppSession::open(second, &app_id)
        .await
        .expect("the attached socket uses the open doc");
    assert_eq!(a.doc.handle, b.doc.handle);
    assert!(!b.sheets().await.unwrap().is_empty());
}
