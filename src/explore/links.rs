//! Hub and single-object redirect links (Qlik help, "App integration" and "Single integration").
//! Built from the profile's display URL, keeping a virtual-proxy prefix; every id is
//! percent-encoded except `A–Z a–z 0–9 - . _ ~`.

use crate::engine::url::{encode_component, push_component};

/// Builds links under one display base (`https://host[/prefix]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    base: String,
}

impl Links {
    pub fn new(display_base: &str) -> Self {
        Links {
            base: display_base.trim_end_matches('/').to_string(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// `{display}/sense/app/{app}/overview`
    pub fn app(&self, app: &str) -> String {
        format!("{}/sense/app/{}/overview", self.base, encode_component(app))
    }

    /// `{display}/sense/app/{app}/sheet/{sheet}/state/analysis`
    pub fn sheet(&self, app: &str, sheet: &str) -> String {
        let mut link = String::with_capacity(self.base.len() + 40 + app.len() + sheet.len());
        link.push_str(&self.base);
        link.push_str("/sense/app/");
        push_component(&mut link, app);
        link.push_str("/sheet/");
        push_component(&mut link, sheet);
        link.push_str("/state/analysis");
        link
    }

    /// `{display}/sense/app/{app}/sheet/{sheet}/state/analysis/bookmark/{bookmark}`
    pub fn sheet_with_bookmark(&self, app: &str, sheet: &str, bookmark: &str) -> String {
        format!(
            "{}/bookmark/{}",
            self.sheet(app, sheet),
            encode_component(bookmark)
        )
    }

    /// `{display}/single/?appid={app}&obj={obj}`
    pub fn object(&self, app: &str, obj: &str) -> String {
        let mut link = String::with_capacity(self.base.len() + 24 + app.len() + obj.len());
        link.push_str(&self.base);
        link.push_str("/single/?appid=");
        push_component(&mut link, app);
        link.push_str("&obj=");
        push_component(&mut link, obj);
        link
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_prefix_and_encode_ids() {
        let l = Links::new("https://qlik.corp/hr/");
        assert_eq!(l.app("a1"), "https://qlik.corp/hr/sense/app/a1/overview");
        assert_eq!(
            l.sheet("a1", "s 1"),
            "https://qlik.corp/hr/sense/app/a1/sheet/s%201/state/analysis"
        );
        assert_eq!(
            l.sheet_with_bookmark("a1", "s1", "b/1"),
            "https://qlik.corp/hr/sense/app/a1/sheet/s1/state/analysis/bookmark/b%2F1"
        );
        assert_eq!(
            l.object("a&1", "obj/&?#\"ü 1"),
            "https://qlik.corp/hr/single/?appid=a%261&obj=obj%2F%26%3F%23%22%C3%BC%201"
        );
        assert_eq!(
            l.object("a-._~Z9", "x"),
            "https://qlik.corp/hr/single/?appid=a-._~Z9&obj=x"
        );
    }

    #[test]
    fn cloud_links_use_the_tenant_url_and_engine_urls_lose_the_engine_port() {
        let cloud = Links::new(&crate::engine::conn::spec::derive_display_url(
            "wss://acme.eu.qlikcloud.com",
        ));
        assert_eq!(
            cloud.sheet("0b6f-1", "abc"),
            "https://acme.eu.qlikcloud.com/sense/app/0b6f-1/sheet/abc/state/analysis"
        );
        let direct = Links::new(&crate::engine::conn::spec::derive_display_url(
            "wss://qlik.corp:4747/",
        ));
        assert_eq!(direct.app("x"), "https://qlik.corp/sense/app/x/overview");
    }
}
