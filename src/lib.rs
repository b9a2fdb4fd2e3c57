//! liqmap: liquidation cluster mapping for crypto perpetual futures.
//!
//! The library holds everything but the window: the data model, datasets on disk, the cluster
//! engine, rendering to images, and the command line. None of it knows about egui.

pub mod atomic_write;
pub mod cli;
pub mod csv_out;
pub mod dataset;
pub mod engine;
pub mod model;
pub mod render;
pub mod settings;
pub mod source;
pub mod synth;
pub mod time;
pub mod ui;
