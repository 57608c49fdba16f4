//! `qlik-tui links CONN --app ID [--sheet ID] [--object ID] [--bookmark ID] [-o FORMAT]`: the
//! hub and single-object redirect links, built from the connection's display URL (no engine
//! call).

use anyhow::bail;
use clap::Args;
use serde::Serialize;

use super::conn::ConnArgs;
use super::output::{OutputArgs, OutputFormat};
use crate::explore::Links;

#[derive(Debug, Clone, Args)]
pub struct LinksArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// The app's id.
    #[arg(long = "app", value_name = "ID")]
    pub app: String,
    /// A sheet of the app: adds the sheet link.
    #[arg(long, value_name = "ID")]
    pub sheet: Option<String>,
    /// An object of the app: adds its single-object link.
    #[arg(long, value_name = "ID")]
    pub object: Option<String>,
    /// A bookmark: adds the sheet link with the bookmark applied (needs --sheet).
    #[arg(long, value_name = "ID")]
    pub bookmark: Option<String>,
    /// `-o json|ndjson|yaml` (or `--json`): one object {app, sheet, object, bookmark} instead
    /// of lines.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// The links asked for; absent ones are left out of the JSON.
#[derive(Debug, Serialize, PartialEq)]
pub struct LinkSet {
    pub app: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bookmark: Option<String>,
}

pub fn link_set(links: &Links, args: &LinksArgs) -> anyhow::Result<LinkSet> {
    if args.bookmark.is_some() && args.sheet.is_none() {
        bail!(
            "--bookmark needs --sheet: a bookmark link opens a sheet with the bookmark applied; give the sheet's id too"
        );
    }
    let app = &args.app;
    Ok(LinkSet {
        app: links.app(app),
        sheet: args.sheet.as_ref().map(|s| links.sheet(app, s)),
        object: args.object.as_ref().map(|o| links.object(app, o)),
        bookmark: match (&args.sheet, &args.bookmark) {
            (Some(s), Some(b)) => Some(links.sheet_with_bookmark(app, s, b)),
            _ => None,
        },
    })
}

pub fn run(args: LinksArgs) -> anyhow::Result<i32> {
    args.out.no_fields()?;
    let spec = args.conn.spec()?;
    let set = link_set(&Links::new(&spec.display_base()), &args).map_err(super::exit::input)?;
    if args.out.format() != OutputFormat::Table {
        args.out.print_document(&serde_json::to_value(&set)?)?;
    } else {
        crate::outln!("app       {}", set.app);
        for (name, v) in [
            ("sheet", &set.sheet),
            ("object", &set.object),
            ("bookmark", &set.bookmark),
        ] {
            if let Some(v) = v {
                crate::outln!("{name:<9} {v}");
            }
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(sheet: Option<&str>, object: Option<&str>, bookmark: Option<&str>) -> LinksArgs {
        LinksArgs {
            conn: ConnArgs::default(),
            app: "a/1".into(),
            sheet: sheet.map(Into::into),
            object: object.map(Into::into),
            bookmark: bookmark.map(Into::into),
            out: OutputArgs::default(),
        }
    }

    #[test]
    fn every_form_of_the_issue() {
        let l = Links::new("https://q.corp/vp");
        let s = link_set(&l, &args(Some("s 1"), Some("o&1"), Some("b#1"))).unwrap();
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::json!({
                "app": "https://q.corp/vp/sense/app/a%2F1/overview",
                "sheet": "https://q.corp/vp/sense/app/a%2F1/sheet/s%201/state/analysis",
                "object": "https://q.corp/vp/single/?appid=a%2F1&obj=o%261",
                "bookmark": "https://q.corp/vp/sense/app/a%2F1/sheet/s%201/state/analysis/bookmark/b%231",
            })
        );
        let e = link_set(&l, &args(None, None, Some("b"))).unwrap_err();
        assert!(e.to_string().contains("--bookmark needs --sheet"));
    }
}
