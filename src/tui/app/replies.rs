//! The domain's replies: each fills the tree or the detail pane it was asked for, or marks
//! the node failed.

use super::*;

impl App {
    pub fn on_reply(&mut self, reply: Reply) {
        let answered = reply.answered();
        if !self.on_search_reply(&reply) {
            if let Reply::DiffDone(result) = reply {
                self.on_diff_done(result);
            } else {
                self.on_other_reply(reply);
                self.advance_jump();
                self.find_landed_match();
            }
        }
        if let Some(ok) = answered {
            self.on_reply_while_reconnecting(ok);
        }
    }

    /// The open doctor overlay, which takes the doctor's steps.
    fn doctor_mut(&mut self) -> Option<&mut crate::tui::overlays::doctor::Doctor> {
        self.overlays.iter_mut().rev().find_map(|o| match o {
            Overlay::Doctor(d) => Some(d),
            _ => None,
        })
    }

    pub(super) fn on_other_reply(&mut self, reply: Reply) {
        match reply {
            Reply::SiteInfo(Ok(info)) => {
                self.status.site = Some(info);
                self.status.session = "connected".into();
            }
            Reply::SiteInfo(Err(e)) => {
                self.status.session = self.disconnected_state();
                self.status.last_error = Some(e);
            }
            Reply::Apps { node, result } => match result {
                Ok(apps) => {
                    self.tree.clear_children(node);
                    let mut groups: Vec<(Option<String>, Vec<_>)> = Vec::new();
                    for a in apps {
                        let key = a.stream.as_ref().map(|s| s.name.clone());
                        match groups.iter_mut().find(|(k, _)| *k == key) {
                            Some((_, v)) => v.push(a),
                            None => groups.push((key, vec![a])),
                        }
                    }
                    for (stream, apps) in groups {
                        let g = self.tree.add_child(
                            node,
                            NodeKind::Stream {
                                personal: stream.is_none(),
                                name: stream.unwrap_or_else(|| "Personal / unpublished".into()),
                            },
                        );
                        for a in apps {
                            self.tree.add_child(g, NodeKind::App(a));
                        }
                        self.tree.node_mut(g).expanded = true;
                        self.tree.node_mut(g).load = LoadState::Loaded;
                    }
                    self.tree.node_mut(node).load = LoadState::Loaded;
                }
                Err(e) => self.fail_node(node, e),
            },
            Reply::AppOpened { node, result } => match result {
                Ok(()) => self.add_app_folders(node),
                Err(e) => {
                    // The folders stay closed: one state on the app, not one per folder.
                    self.tree.node_mut(node).expanded = false;
                    self.fail_node(node, e);
                    self.rebuild_keeping_selection();
                }
            },
            Reply::Folder { node, result } => match result {
                Ok(data) => self.fill_folder(node, data),
                Err(e) => self.fail_node(node, e),
            },
            Reply::Sheet { node, result } => match result {
                Ok(root) => {
                    self.tree.clear_children(node);
                    let (app, sheet) = match &self.tree.node(node).kind {
                        NodeKind::Sheet { app, entry } => (app.clone(), entry.id.clone()),
                        _ => return,
                    };
                    for child in &root.children {
                        self.add_object(node, &app, &sheet, child);
                    }
                    self.details
                        .entry((node, Part::Properties))
                        .or_insert(Load::Ready(root.properties.clone()));
                    self.tree.node_mut(node).load = LoadState::Loaded;
                }
                Err(e) => self.fail_node(node, e),
            },
            Reply::Detail { node, part, result } => {
                let v = self.loaded(result);
                self.details.insert((node, part), v);
            }
            Reply::Eval {
                app,
                expression,
                result,
            } => {
                let shown = match result {
                    Ok(v) => v.text,
                    Err(e) => format!("✗ {e}"),
                };
                self.status.message = Some(format!("{expression} = {shown}"));
                self.evals.entry(app).or_default().push((expression, shown));
            }
            Reply::Usage { app, result } => {
                let v = self.loaded(result);
                self.usage.insert(app, v);
            }
            Reply::Script { node, result } => {
                let v = self.loaded(result);
                self.scripts.insert(node, v);
            }
            Reply::Connected { node, result } => {
                if self.connecting != Some(node) {
                    return; // another profile was chosen meanwhile
                }
                match result {
                    Ok(spec) => {
                        // Its sockets are traced into a fresh Traffic ring.
                        let site = Site::new(self.traffic.attach(*spec));
                        self.on_connected(node, site)
                    }
                    Err(e) => {
                        self.connecting = None;
                        self.status.session = "not connected".into();
                        self.fail_node(node, e);
                    }
                }
            }
            Reply::Tested { node, result } => {
                let name = self.profile_name(node).unwrap_or_default();
                let outcome = result.map(|i| format!("engine {}, {}", i.engine_version, i.user));
                self.status.message = Some(match &outcome {
                    Ok(s) => format!("profile {name}: test ok: {s}"),
                    Err(e) => format!("profile {name}: test failed: {e}"),
                });
                self.tested.insert(node, outcome);
            }
            Reply::Loaded { node, result } => match result {
                Ok(p) => {
                    self.status.message = None;
                    self.profile_form = Some(ProfileForm::edit(&p));
                    self.open(Overlay::ProfileForm(
                        crate::tui::overlays::profile_form::ProfileFormView,
                    ));
                }
                Err(e) => self.fail_node(node, e),
            },
            Reply::Saved {
                node,
                profile,
                result,
            } => self.on_profile_saved(node, *profile, result),
            Reply::Deleted { node, name, result } => self.on_profile_deleted(node, name, result),
            Reply::DoctorStep(s) => {
                if let Some(d) = self.doctor_mut() {
                    d.on_step(s);
                }
            }
            Reply::DoctorDone(r) => {
                if let Some(d) = self.doctor_mut() {
                    d.on_done(r);
                }
            }
            Reply::ExportProgress(p) => {
                if let Some(d) = self.export.as_mut()
                    && matches!(d.state, ExportState::Running(_))
                {
                    d.state = ExportState::Running(p);
                }
            }
            Reply::ExportDone(r) => {
                if let Err(e) = &r {
                    self.status.last_error = Some(e.clone());
                }
                if let Some(d) = self.export.as_mut() {
                    self.status.message = Some(match &r {
                        Ok(s) => format!("✓ exported {}", d.summary(s)),
                        Err(_) => "export failed".into(),
                    });
                    d.state = ExportState::Done(r);
                }
            }
            Reply::Done
            | Reply::SearchApp(_)
            | Reply::SearchProgress(_)
            | Reply::SearchDone(_)
            | Reply::DiffDone(_) => {}
        }
        self.rebuild_keeping_selection();
    }

    /// What the detail pane shows for a reply; a failure is also the status bar's last error.
    fn loaded<T>(&mut self, result: Result<T, String>) -> Load<T> {
        match result {
            Ok(v) => Load::Ready(v),
            Err(e) => {
                self.status.last_error = Some(e.clone());
                Load::Failed(e)
            }
        }
    }

    pub(super) fn add_object(&mut self, parent: NodeId, app: &str, sheet: &str, obj: &ObjectNode) {
        let id = self.tree.add_child(
            parent,
            NodeKind::Object {
                app: app.to_string(),
                sheet: sheet.to_string(),
                info: ObjectInfo {
                    id: obj.id.clone(),
                    r#type: obj.r#type.clone(),
                    title: obj.title.clone(),
                    master_id: obj.master_id.clone(),
                    properties: obj.properties.clone(),
                },
            },
        );
        self.tree.node_mut(id).load = LoadState::Loaded;
        for c in &obj.children {
            self.add_object(id, app, sheet, c);
        }
    }

    pub(super) fn fill_folder(&mut self, node: NodeId, data: FolderData) {
        let NodeKind::Folder { app, .. } = self.tree.node(node).kind.clone() else {
            return;
        };
        self.tree.clear_children(node);
        let a = || app.clone();
        let kinds: Vec<NodeKind> = match data {
            FolderData::Sheets(v) => v
                .into_iter()
                .map(|entry| NodeKind::Sheet { app: a(), entry })
                .collect(),
            FolderData::Stories(v) => v
                .into_iter()
                .map(|entry| NodeKind::Story { app: a(), entry })
                .collect(),
            FolderData::Bookmarks(v) => v
                .into_iter()
                .map(|entry| NodeKind::Bookmark { app: a(), entry })
                .collect(),
            FolderData::Variables(v) => v
                .into_iter()
                .map(|entry| NodeKind::Variable { app: a(), entry })
                .collect(),
            FolderData::Masters(m) => {
                self.fill_masters(node, &app, m);
                Vec::new()
            }
            FolderData::DataModel(dm) => {
                for entry in dm.tables {
                    let fields = entry.fields.clone();
                    let table = entry.name.clone();
                    let t = self.tree.add_child(
                        node,
                        NodeKind::Table {
                            app: app.clone(),
                            entry,
                        },
                    );
                    self.tree.node_mut(t).load = LoadState::Loaded;
                    for field in fields {
                        let f = self.tree.add_child(
                            t,
                            NodeKind::Field {
                                app: app.clone(),
                                table: table.clone(),
                                field,
                            },
                        );
                        self.tree.node_mut(f).load = LoadState::Loaded;
                    }
                }
                Vec::new()
            }
        };
        for kind in kinds {
            let leaf = !kind.loads_children();
            let id = self.tree.add_child(node, kind);
            if leaf {
                self.tree.node_mut(id).load = LoadState::Loaded;
            }
        }
        self.tree.node_mut(node).load = LoadState::Loaded;
    }

    pub(super) fn fill_masters(&mut self, node: NodeId, app: &str, m: MasterItems) {
        let names = [
            (MasterKind::Dimension, &m.dimensions),
            (MasterKind::Measure, &m.measures),
            (MasterKind::Visualization, &m.visualizations),
        ]
        .into_iter()
        .flat_map(|(kind, items)| {
            items.iter().map(move |i| {
                let name = MasterName {
                    kind,
                    title: i.title.clone(),
                };
                (i.id.clone(), name)
            })
        })
        .collect();
        self.masters.insert(app.to_string(), names);
        for (folder, kind, items) in [
            (Folder::Dimensions, MasterKind::Dimension, m.dimensions),
            (Folder::Measures, MasterKind::Measure, m.measures),
            (
                Folder::Visualizations,
                MasterKind::Visualization,
                m.visualizations,
            ),
        ] {
            let f = self.tree.add_child(
                node,
                NodeKind::Folder {
                    app: app.to_string(),
                    folder,
                },
            );
            for item in items {
                let i = self.tree.add_child(
                    f,
                    NodeKind::MasterItem {
                        app: app.to_string(),
                        kind,
                        item,
                    },
                );
                self.tree.node_mut(i).load = LoadState::Loaded;
            }
            self.tree.node_mut(f).load = LoadState::Loaded;
        }
    }
}
