//! The control panel: leverage tiers, sides, the model, colours, price rows, what counts as a
//! cluster, overlays and a path to open. Widgets edit copies; every change is sent as an
//! action, and nothing is computed here.

use egui::{Color32, RichText};

use super::action::{Action, Overlay};
use super::score_panel_words::bars_words;
use super::settings::{RowHeight, SideFilter};
use super::state::ViewerState;
use crate::render::colors::{ColorLut, ColorMap, ColorScale, ScaleTop};
use crate::render::labels::compact_usd;
use crate::settings::{EntryPrice, ModelSettings, OiDecrease, Source, SourceChoice, SplitChoice};

/// Draws the control panel.
pub fn controls_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    open_path_ui(ui, state, actions);
    ui.separator();
    super::venues_panel::venues_ui(ui, state, actions);
    tiers_ui(ui, state, actions);
    ui.separator();
    sides_ui(ui, state, actions);
    ui.separator();
    model_ui(ui, state, actions);
    ui.separator();
    colors_ui(ui, state, actions);
    ui.separator();
    rows_ui(ui, state, actions);
    ui.separator();
    clusters_ui(ui, state, actions);
    ui.separator();
    overlays_ui(ui, state, actions);
}

fn tiers_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    ui.heading("Leverage tiers");
    let tiers = &state.settings.model.tiers.0;
    let shares = state.settings.model.tiers.normalized_weights();
    let (shown, _) = super::tiers_shown::shown_shares(&state.settings);
    egui::Grid::new("tiers")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            for (i, tier) in tiers.iter().enumerate() {
                let label = format!("{}x", tier.leverage);
                let mut enabled = state.settings.tier_enabled.get(i).copied().unwrap_or(true);
                if ui.checkbox(&mut enabled, label).changed() {
                    actions.push(Action::SetTierEnabled {
                        tier: i,
                        on: enabled,
                    });
                }
                let mut weight = tier.weight;
                if ui
                    .add(
                        egui::DragValue::new(&mut weight)
                            .speed(0.01)
                            .range(0.0..=10.0),
                    )
                    .on_hover_text(
                        "weight; tiers share new positions in proportion to their weights",
                    )
                    .changed()
                {
                    actions.push(Action::SetTierWeight { tier: i, weight });
                }
                let of_all = shares.get(i).copied().unwrap_or(0.0) * 100.0;
                match shown.get(i).copied().flatten() {
                    Some(share) => ui.label(format!("{:.0}%", share * 100.0)).on_hover_text(
                        format!("{of_all:.0}% of all new positions; this share is among the ticked tiers"),
                    ),
                    None => ui
                        .weak("–")
                        .on_hover_text(format!("not shown ({of_all:.0}% of all new positions)")),
                };
                if tiers.len() > 1
                    && ui
                        .small_button("x")
                        .on_hover_text("remove this tier")
                        .clicked()
                {
                    actions.push(Action::RemoveTier(i));
                }
                ui.end_row();
            }
        });
    ui.horizontal(|ui| {
        let mut leverage = state.new_tier_leverage;
        if ui
            .add(
                egui::DragValue::new(&mut leverage)
                    .range(1.0..=200.0)
                    .suffix("x"),
            )
            .changed()
        {
            actions.push(Action::SetNewTierLeverage(leverage));
        }
        let exists = tiers.iter().any(|t| t.leverage == leverage);
        if ui
            .add_enabled(!exists, egui::Button::new("Add tier"))
            .clicked()
        {
            actions.push(Action::AddTier(leverage));
        }
    });
    ui.horizontal_wrapped(|ui| {
        type Keep = fn(f64) -> bool;
        let presets: [(&str, Keep); 3] = [
            ("All", |_| true),
            ("High leverage 25x+", |l| l >= 25.0),
            ("10x and below", |l| l <= 10.0),
        ];
        for (name, keep) in presets {
            if ui.button(name).clicked() {
                actions.push(Action::ShowTiers(
                    tiers.iter().map(|t| keep(t.leverage)).collect(),
                ));
            }
        }
    });
}

fn sides_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    ui.horizontal(|ui| {
        ui.label("Sides");
        let mut sides = state.settings.sides;
        for side in SideFilter::ALL {
            if ui.radio_value(&mut sides, side, side.label()).changed() {
                actions.push(Action::SetSides(sides));
            }
        }
    });
}

/// Volume mode's open-interest figure: off (the dataset's own figure, or relative values) or a
/// USD amount typed; below, what the values are.
fn anchor_row_ui(ui: &mut egui::Ui, state: &ViewerState, model: &mut ModelSettings) {
    let unit = state.data.engine.as_ref().map(|e| e.value_unit());
    ui.label("Open interest").on_hover_text(
        "Volume mode counts every traded coin as a position opened and never closed, so its \
         total is turnover, far above what is open. Scaled, the standing total at the last bar \
         equals the venue's open interest in USD.",
    );
    ui.horizontal(|ui| {
        let mut typed = model.oi_anchor_usd.is_some();
        if ui.checkbox(&mut typed, "scale to USD").changed() {
            model.oi_anchor_usd = typed.then_some(DEFAULT_ANCHOR_USD);
        }
        if let Some(usd) = &mut model.oi_anchor_usd {
            let speed = *usd * 0.01;
            ui.add(
                egui::DragValue::new(usd)
                    .range(1.0..=1e13)
                    .speed(speed)
                    .custom_formatter(|v, _| compact_usd(v)),
            );
        }
    });
    ui.end_row();
    if let Some(unit) = unit {
        ui.label("");
        ui.small(unit.explain());
        ui.end_row();
    }
}

/// The figure a ticked "Scale to open interest" starts from: about a mid-cap coin's.
const DEFAULT_ANCHOR_USD: f64 = 1e9;

fn model_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    ui.heading("Model");
    let before = &state.settings.model;
    let mut edited = before.clone();
    let model = &mut edited;
    let interval_ms = state
        .data
        .loaded
        .as_ref()
        .map_or(0, |l| l.dataset.interval_ms);
    egui::Grid::new("model").num_columns(2).show(ui, |ui| {
        let label = ui.label("Positions from");
        egui::ComboBox::from_id_salt("source")
            .selected_text(match model.source {
                SourceChoice::Auto => "auto",
                SourceChoice::OpenInterest => "open interest",
                SourceChoice::Volume => "volume",
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(
                    &mut model.source,
                    SourceChoice::Auto,
                    "auto (open interest if present)",
                );
                ui.selectable_value(
                    &mut model.source,
                    SourceChoice::OpenInterest,
                    "open interest",
                );
                ui.selectable_value(&mut model.source, SourceChoice::Volume, "volume");
            })
            .response
            .labelled_by(label.id);
        ui.end_row();
        if model.source == SourceChoice::Volume {
            ui.label("Participation");
            ui.add(egui::Slider::new(&mut model.participation, 0.0..=1.0));
            ui.end_row();
        }
        let volume_mode = state
            .data
            .engine
            .as_ref()
            .is_some_and(|e| e.settings().source == Source::Volume);
        if volume_mode {
            anchor_row_ui(ui, state, model);
        }
        ui.label("Entry price");
        ui.horizontal(|ui| {
            for entry in [EntryPrice::Typical, EntryPrice::Close, EntryPrice::Vwap] {
                ui.radio_value(&mut model.entry, entry, entry.to_string());
            }
        });
        ui.end_row();
        let label = ui.label("Long share");
        ui.horizontal(|ui| {
            let fixed = match model.split {
                SplitChoice::Fixed(f) => f,
                _ => 0.5,
            };
            egui::ComboBox::from_id_salt("split")
                .selected_text(match model.split {
                    SplitChoice::Auto => "auto",
                    SplitChoice::Taker => "taker buys",
                    SplitChoice::Candle => "candle",
                    SplitChoice::Fixed(_) => "fixed",
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(
                        &mut model.split,
                        SplitChoice::Auto,
                        "auto (taker if present)",
                    );
                    ui.selectable_value(&mut model.split, SplitChoice::Taker, "taker buys");
                    ui.selectable_value(&mut model.split, SplitChoice::Candle, "candle direction");
                    ui.selectable_value(&mut model.split, SplitChoice::Fixed(fixed), "fixed");
                })
                .response
                .labelled_by(label.id);
            if let SplitChoice::Fixed(f) = &mut model.split {
                ui.add(egui::Slider::new(f, 0.0..=1.0));
            }
        });
        ui.end_row();
        ui.label("Maintenance margin");
        let mut mmr_pct = model.mmr * 100.0;
        if ui
            .add(
                egui::DragValue::new(&mut mmr_pct)
                    .speed(0.01)
                    .range(0.0..=10.0)
                    .suffix(" %"),
            )
            .changed()
        {
            model.mmr = mmr_pct / 100.0;
        }
        ui.end_row();
        ui.label("OI decrease");
        ui.horizontal(|ui| {
            ui.radio_value(&mut model.oi_decrease, OiDecrease::Shrink, "shrink");
            ui.radio_value(&mut model.oi_decrease, OiDecrease::None, "none");
        });
        ui.end_row();
        ui.label("Half-life");
        ui.horizontal(|ui| {
            let mut fade = model.half_life.0.is_some();
            if ui.checkbox(&mut fade, "fade").changed() {
                model.half_life.0 = fade.then_some(288.0);
            }
            if let Some(h) = &mut model.half_life.0 {
                ui.add(half_life_drag(h, interval_ms));
            }
        });
        ui.end_row();
    });
    if edited != *before {
        // Weight edits are handled by the tier list; everything here moves levels.
        actions.push(Action::SetModel(edited));
    }
}

/// The half-life in bars, shown as a duration ("24 h (288 bars)"); typed text is read as bars
/// (the last number in it).
fn half_life_drag(bars: &mut f64, interval_ms: i64) -> egui::DragValue<'_> {
    egui::DragValue::new(bars)
        .range(1.0..=1_000_000.0)
        .custom_formatter(move |bars, _| {
            if interval_ms > 0 {
                bars_words(bars, interval_ms)
            } else {
                format!("{bars} bars")
            }
        })
        .custom_parser(|text| {
            text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .filter_map(|token| token.parse::<f64>().ok())
                .next_back()
        })
}

fn colors_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    ui.heading("Colour");
    let before = state.settings.colors;
    let mut edited = before;
    let colors = &mut edited;
    egui::ComboBox::from_label("colour map")
        .selected_text(colors.map.name())
        .show_ui(ui, |ui| {
            for map in ColorMap::ALL {
                ui.selectable_value(&mut colors.map, map, map.name());
            }
        });
    ui.horizontal(|ui| {
        ui.label("scale");
        for scale in ColorScale::ALL {
            ui.radio_value(&mut colors.scale, scale, scale.name());
        }
    });
    ui.horizontal(|ui| {
        ui.label("top");
        let is_fixed = matches!(colors.top, ScaleTop::FixedUsd(_));
        if ui.radio(!is_fixed, "percentile").clicked() && is_fixed {
            colors.top = ScaleTop::Percentile(99.0);
        }
        if ui
            .radio(is_fixed, "fixed USD")
            .on_hover_text("stays put while panning and zooming, so small clusters do not look hot")
            .clicked()
            && !is_fixed
        {
            colors.top = ScaleTop::FixedUsd(state.texture_top_usd.max(1.0).round());
        }
    });
    match &mut colors.top {
        ScaleTop::Percentile(p) => {
            ui.add(egui::Slider::new(p, 50.0..=100.0).text("percentile of visible cells"));
        }
        ScaleTop::FixedUsd(usd) => {
            let speed = (*usd * 0.01).max(1.0);
            ui.add(
                egui::DragValue::new(usd)
                    .range(1.0..=1e12)
                    .speed(speed)
                    .prefix("$"),
            );
        }
    }
    ui.add(egui::Slider::new(&mut colors.opacity, 0.0..=1.0).text("opacity"));
    legend_ui(ui, state);
    if edited != before {
        actions.push(Action::SetColors(edited));
    }
}

/// The colour legend: the map's gradient with USD values under it.
fn legend_ui(ui: &mut egui::Ui, state: &ViewerState) {
    let top = state.texture_top_usd;
    let lut = ColorLut::new(&state.settings.colors, top);
    let (rect, _) = ui.allocate_exact_size(
        egui::vec2(ui.available_width().min(220.0), 14.0),
        egui::Sense::hover(),
    );
    let steps = 64;
    for i in 0..steps {
        let t = (i as f64 + 0.5) / steps as f64;
        let [r, g, b, _] = lut.at(t);
        let x0 = rect.left() + rect.width() * i as f32 / steps as f32;
        let x1 = rect.left() + rect.width() * (i + 1) as f32 / steps as f32;
        ui.painter().rect_filled(
            egui::Rect::from_min_max(
                egui::pos2(x0, rect.top()),
                egui::pos2(x1 + 0.5, rect.bottom()),
            ),
            0.0,
            Color32::from_rgb(r, g, b),
        );
    }
    let middle = state.settings.colors.scale.invert(0.5) * top;
    ui.horizontal(|ui| {
        ui.label(RichText::new("0").small());
        ui.add_space(60.0);
        ui.label(RichText::new(compact_usd(middle)).small());
        ui.add_space(60.0);
        ui.label(RichText::new(format!("{}+ {}", compact_usd(top), state.value_label())).small());
    });
}

fn rows_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    ui.heading("Price rows");
    let before = state.settings.row_height;
    let mut row_height = before;
    ui.horizontal(|ui| {
        let fixed = matches!(row_height, RowHeight::FixedUsd(_));
        if ui.radio(!fixed, "automatic").clicked() {
            row_height = RowHeight::Automatic;
        }
        if ui.radio(fixed, "fixed").clicked() && !fixed {
            row_height = RowHeight::FixedUsd(state.cluster_bin_usd());
        }
        if let RowHeight::FixedUsd(step) = &mut row_height {
            let speed = (*step * 0.05).max(1e-6);
            ui.add(
                egui::DragValue::new(step)
                    .range(1e-6..=1e6)
                    .speed(speed)
                    .prefix("$"),
            );
        }
    });
    if row_height != before {
        actions.push(Action::SetRowHeight(row_height));
    }
}

/// The label of the minimum-prominence slider.
pub const MIN_PROMINENCE_LABEL: &str = "min prominence";
/// The label of the band-share slider.
pub const BAND_SHARE_LABEL: &str = "band share";

fn clusters_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    ui.heading("Clusters");
    let before = state.settings.clusters;
    let mut edited = before;
    let params = &mut edited;
    ui.add(
        egui::Slider::new(&mut params.min_prominence_share, 0.01..=1.0)
            .logarithmic(true)
            .fixed_decimals(2)
            .text(MIN_PROMINENCE_LABEL),
    )
    .on_hover_text(
        "a peak of the map is a cluster when it stands this share of the side's largest row \
         above the ground around it (--min-prominence)",
    );
    ui.add(
        egui::Slider::new(&mut params.band_share, 0.05..=1.0)
            .fixed_decimals(2)
            .text(BAND_SHARE_LABEL),
    )
    .on_hover_text(
        "a cluster takes the rows around its peak holding at least this share of the peak's \
         USD (--band-share)",
    );
    if edited != before {
        actions.push(Action::SetClusterParams(edited));
    }
}

fn overlays_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    ui.heading("Overlays");
    let settings = &state.settings;
    for (overlay, mut on, label) in [
        (
            Overlay::RealLiquidations,
            settings.show_real_liquidations,
            "real liquidations",
        ),
        (
            Overlay::PredictedLiquidations,
            settings.show_predicted_liquidations,
            "predicted liquidations",
        ),
        (
            Overlay::ClusterMarks,
            settings.show_cluster_marks,
            "top clusters",
        ),
    ] {
        if ui.checkbox(&mut on, label).changed() {
            actions.push(Action::SetOverlay(overlay, on));
        }
    }
}

fn open_path_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    ui.horizontal(|ui| {
        let label = ui.label("File path");
        let mut text = state.path_input.clone();
        let edit = ui
            .add(
                egui::TextEdit::singleline(&mut text)
                    .hint_text("dataset or klines file")
                    .desired_width(120.0),
            )
            .labelled_by(label.id);
        if edit.changed() {
            actions.push(Action::SetPathInput(text.clone()));
        }
        let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.button("Open path").clicked() || enter) && !text.trim().is_empty() {
            actions.push(Action::Open(text.trim().into()));
        }
    });
}
