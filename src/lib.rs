//! qlik-tui: a terminal explorer for Qlik Sense.
//!
//! Layers (arrows point down only): front ends `tui` and `cli` → domain `explore` → protocol
//! `engine` → foundations `tls` and `profile`. `sim` is an engine simulator that shares the wire
//! types with `engine` and never imports the front ends or the domain.

pub mod cli;
pub mod engine;
pub mod explore;
pub mod fsutil;
pub mod logging;
pub mod paths;
pub mod profile;
pub mod secret;
pub mod sim;
pub mod text;
pub mod tls;
pub mod tui;
