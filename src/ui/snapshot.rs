//! Export snapshot: the window's pixels as PNG and the clusters shown as CSV beside it, both
//! written atomically.

use std::path::Path;

use crate::engine::Cluster;

use super::state::ViewerState;
use crate::csv_out::ValueNames;

/// The clusters as CSV, the same columns as `liqmap clusters --format csv` (`notional_rel` when
/// the shown values are relative).
pub fn clusters_csv(clusters: &[Cluster], state: &ViewerState) -> String {
    let is_usd = state
        .data
        .engine
        .as_ref()
        .is_none_or(|engine| engine.value_unit().is_usd());
    crate::csv_out::clusters_csv(
        clusters,
        &state.settings.leverages(),
        ValueNames::new(is_usd),
    )
}

/// Writes `rgb` (`width * height * 3` bytes) as PNG and the clusters as CSV beside it; returns
/// the line for the status bar.
pub fn write_snapshot(
    path: &Path,
    rgb: &[u8],
    [width, height]: [usize; 2],
    clusters_csv: Option<&str>,
) -> Result<String, String> {
    let (Ok(w), Ok(h)) = (u32::try_from(width), u32::try_from(height)) else {
        return Err("the screenshot is too large".to_string());
    };
    let png = crate::render::chart_png::encode_png_rgb(rgb, w, h).map_err(|e| e.to_string())?;
    crate::atomic_write::write_atomic(path, &png).map_err(|e| e.to_string())?;
    let mut message = format!("exported {}", path.display());
    if let Some(csv) = clusters_csv {
        let csv_path = path.with_extension("clusters.csv");
        crate::atomic_write::write_atomic(&csv_path, csv.as_bytes())
            .map_err(|err| format!("{}: {err}", csv_path.display()))?;
        message += &format!(" and {}", csv_path.display());
    }
    Ok(message)
}
