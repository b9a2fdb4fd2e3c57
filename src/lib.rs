//! liqmap: liquidation cluster mapping for crypto perpetual futures.
//!
//! The data model, datasets on disk, the exchange sources, the cluster engine, rendering to images
//! and the command line need no window: built without the default `viewer` feature
//! (`--no-default-features`) the crate links no egui, eframe or wgpu. With the feature, `ui`
//! adds the viewer window and the command line its `view` command (also what `liqmap` without a
//! command opens).

pub mod atomic_write;
pub mod cli;
pub mod csv_out;
pub mod dataset;
pub mod engine;
pub mod format;
pub mod model;
pub mod render;
pub mod settings;
pub mod source;
pub mod synth;
pub mod time;
#[cfg(feature = "viewer")]
pub mod ui;

#[cfg(test)]
mod test_support;
