//! Pictures: colour maps, the heatmap image, and the PNG export.
