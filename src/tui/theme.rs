//! Colors for a dark and a light terminal. Nothing relies on color alone: the selection also
//! has a marker symbol, failures a ✗ and the word "error", keys a tag.

use ratatui::style::{Color, Modifier, Style};

use super::json_view::Seg;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
    /// No color at all, only bold / reverse / underline: what `NO_COLOR` or `--color never`
    /// choose.
    Mono,
}

impl ThemeName {
    /// The theme after this one, as the `c` key cycles them: dark → light → mono → dark.
    pub fn next(self) -> ThemeName {
        match self {
            ThemeName::Dark => ThemeName::Light,
            ThemeName::Light => ThemeName::Mono,
            ThemeName::Mono => ThemeName::Dark,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ThemeName::Dark => "dark",
            ThemeName::Light => "light",
            ThemeName::Mono => "mono",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    /// Which of the themes this is (the `c` key cycles them).
    pub name: ThemeName,
    pub base: Style,
    pub dim: Style,
    pub accent: Style,
    pub border: Style,
    pub border_focus: Style,
    pub selected: Style,
    pub tag: Style,
    pub matched: Style,
    pub error: Style,
    pub ok: Style,
    pub warn: Style,
    pub bar: Style,
    pub key: Style,
    pub string: Style,
    pub number: Style,
    pub boolean: Style,
    pub null: Style,
}

/// The symbol before the selected row (so the selection reads without color).
pub const SELECTED_MARK: &str = "▶ ";
pub const UNSELECTED_MARK: &str = "  ";

impl Theme {
    pub fn new(name: ThemeName) -> Theme {
        match name {
            ThemeName::Dark => Theme {
                name: ThemeName::Dark,
                base: Style::new().fg(Color::Gray),
                dim: Style::new().fg(Color::DarkGray),
                accent: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
                border: Style::new().fg(Color::DarkGray),
                border_focus: Style::new().fg(Color::Cyan),
                selected: Style::new()
                    .bg(Color::Blue)
                    .fg(Color::White)
                    .add_modifier(Modifier::BOLD),
                tag: Style::new().fg(Color::Magenta),
                matched: Style::new()
                    .fg(Color::Yellow)
                    .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                ok: Style::new().fg(Color::Green),
                warn: Style::new().fg(Color::Yellow),
                bar: Style::new().bg(Color::DarkGray).fg(Color::White),
                key: Style::new().fg(Color::Cyan),
                string: Style::new().fg(Color::Green),
                number: Style::new().fg(Color::Magenta),
                boolean: Style::new().fg(Color::Yellow),
                null: Style::new().fg(Color::DarkGray),
            },
            ThemeName::Light => Theme {
                name: ThemeName::Light,
                base: Style::new().fg(Color::Black),
                dim: Style::new().fg(Color::DarkGray),
                accent: Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD),
                border: Style::new().fg(Color::Gray),
                border_focus: Style::new().fg(Color::Blue),
                selected: Style::new()
                    .bg(Color::LightBlue)
                    .fg(Color::Black)
                    .add_modifier(Modifier::BOLD),
                tag: Style::new().fg(Color::Magenta),
                matched: Style::new()
                    .fg(Color::Red)
                    .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                ok: Style::new().fg(Color::Green),
                warn: Style::new().fg(Color::Rgb(160, 100, 0)),
                bar: Style::new().bg(Color::Gray).fg(Color::Black),
                key: Style::new().fg(Color::Blue),
                string: Style::new().fg(Color::Green),
                number: Style::new().fg(Color::Magenta),
                boolean: Style::new().fg(Color::Rgb(160, 100, 0)),
                null: Style::new().fg(Color::DarkGray),
            },
            ThemeName::Mono => {
                let plain = Style::new();
                let bold = plain.add_modifier(Modifier::BOLD);
                Theme {
                    name: ThemeName::Mono,
                    base: plain,
                    dim: plain,
                    accent: bold,
                    border: plain,
                    border_focus: bold,
                    selected: plain.add_modifier(Modifier::REVERSED | Modifier::BOLD),
                    tag: plain,
                    matched: plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
                    error: bold,
                    ok: plain,
                    warn: bold,
                    bar: plain.add_modifier(Modifier::REVERSED),
                    key: plain,
                    string: plain,
                    number: plain,
                    boolean: plain,
                    null: plain,
                }
            }
        }
    }

    pub fn seg(&self, s: Seg) -> Style {
        match s {
            Seg::Plain | Seg::Punct => self.base,
            Seg::Label => self.dim,
            Seg::Heading => self.accent,
            Seg::Key => self.key,
            Seg::Str => self.string,
            Seg::Num => self.number,
            Seg::Bool => self.boolean,
            Seg::Null | Seg::Dim => self.null,
            Seg::Error => self.error,
            Seg::Link => self.key.add_modifier(Modifier::UNDERLINED),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mono_has_no_color_anywhere() {
        let t = Theme::new(ThemeName::Mono);
        for s in [
            t.base,
            t.dim,
            t.accent,
            t.border,
            t.border_focus,
            t.selected,
            t.tag,
            t.matched,
            t.error,
            t.ok,
            t.warn,
            t.bar,
            t.key,
            t.string,
            t.number,
            t.boolean,
            t.null,
        ] {
            assert_eq!((s.fg, s.bg), (None, None), "{s:?}");
        }
    }
}
