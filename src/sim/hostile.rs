//! A hostile variant of the demo site: every app title, stream name, sheet title and visualization
//! title is replaced by text an app author could type to attack whoever reads it in a terminal or
//! a spreadsheet (escape sequences, BEL, CR, backspace, C1, DEL, bidi overrides, formulas). The
//! structure (ids, types, children) is the demo site's, so every view still has something to show;
//! the default demo site is untouched (`SimConfig::hostile_titles` picks this one).

use serde_json::Value;

/// The titles, used in turn. Each attacks something different.
pub const HOSTILE_TITLES: [&str; 9] = [
    // OSC 0: retitles the terminal window; BEL ends it.
    "\u{1b}]0;pwned\u{7}Sales",
    // CSI: clears the screen and turns text red; CR and backspace overwrite what was printed.
    "\u{1b}[2J\u{1b}[31mRed\rOverwritten\u{8}!",
    // Right-to-left override: reads as "Invoice exe.pdf".
    "Invoice \u{202e}fdp.exe",
    // Spreadsheet formulas (CSV injection).
    "=HYPERLINK(\"http://x\",\"y\")",
    "@SUM(1)",
    "+1",
    "-2",
    // Isolates, a C1 control (CSI as one byte) and DEL.
    "\u{2066}isolated\u{2069} \u{9b}31m c1 \u{7f}del",
    // A tab-led formula (DDE style).
    "\tcmd|' /C calc'!A0",
];

/// The demo site's JSON with hostile titles.
pub fn site_json() -> String {
    let mut site: Value =
        serde_json::from_str(super::data::DEMO_SITE_JSON).expect("the bundled demo site parses");
    let mut next = 0usize;
    let mut take = || {
        let t = HOSTILE_TITLES[next % HOSTILE_TITLES.len()];
        next += 1;
        Value::from(t)
    };
    if let Some(streams) = site["streams"].as_array_mut() {
        for s in streams {
            s["name"] = take();
        }
    }
    if let Some(apps) = site["apps"].as_array_mut() {
        for app in apps {
            app["title"] = take();
            let objects = app.get_mut("objects").and_then(Value::as_array_mut);
            for entry in objects.into_iter().flatten() {
                retitle(entry, &mut take);
            }
        }
    }
    site.to_string()
}

/// Gives an object entry (and its children) hostile titles where it has a title to show.
fn retitle(entry: &mut Value, take: &mut impl FnMut() -> Value) {
    // pointer_mut / get_mut, never IndexMut: indexing a missing key would insert a null the
    // site cannot read.
    if let Some(t) = entry.pointer_mut("/qProperty/qMetaDef/title")
        && t.is_string()
    {
        *t = take();
    }
    if let Some(t) = entry.pointer_mut("/qProperty/title")
        && t.as_str().is_some_and(|t| !t.is_empty())
    {
        *t = take();
    }
    let children = entry.get_mut("qChildren").and_then(Value::as_array_mut);
    for child in children.into_iter().flatten() {
        retitle(child, take);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_app_gets_a_hostile_title_and_the_site_still_loads() {
        let site = super::super::data::Site::from_json(&super::site_json()).unwrap();
        assert!(!site.apps.is_empty());
        for a in &site.apps {
            assert!(super::HOSTILE_TITLES.contains(&a.meta.title.as_str()));
        }
    }
}
