//! The "Fetch from exchange" window: venue, symbol (searchable), interval and range, a Fetch
//! button, and while a fetch runs a progress bar with a Cancel button. It only sends commands.

use super::app::{Command, LiqmapApp};
use super::remote::{RemoteCommand, SymbolList};
use crate::source::{FetchRequest, Venue, interval::parse_interval_ms};
use crate::time::{format_time_ms, parse_time_ms};

/// The intervals offered.
pub const INTERVALS: [&str; 6] = ["1m", "5m", "15m", "1h", "4h", "1d"];

/// Symbols listed under the search field at most; typing narrows the list.
const MAX_LISTED_SYMBOLS: usize = 40;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The span to fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RangeChoice {
    /// The last 12 hours.
    Hours12,
    /// The last 24 hours.
    #[default]
    Hours24,
    /// The last 3 days.
    Days3,
    /// The last 7 days.
    Days7,
    /// The last 30 days.
    Days30,
    /// From and to as typed.
    Custom,
}

impl RangeChoice {
    /// Every choice, in the order shown.
    pub const ALL: [RangeChoice; 6] = [
        RangeChoice::Hours12,
        RangeChoice::Hours24,
        RangeChoice::Days3,
        RangeChoice::Days7,
        RangeChoice::Days30,
        RangeChoice::Custom,
    ];

    /// Label for the UI.
    pub fn label(self) -> &'static str {
        match self {
            RangeChoice::Hours12 => "12h",
            RangeChoice::Hours24 => "24h",
            RangeChoice::Days3 => "3d",
            RangeChoice::Days7 => "7d",
            RangeChoice::Days30 => "30d",
            RangeChoice::Custom => "custom",
        }
    }

    /// The span's length up to now, in milliseconds; `None` for a custom span.
    pub fn span_ms(self) -> Option<i64> {
        match self {
            RangeChoice::Hours12 => Some(12 * HOUR_MS),
            RangeChoice::Hours24 => Some(DAY_MS),
            RangeChoice::Days3 => Some(3 * DAY_MS),
            RangeChoice::Days7 => Some(7 * DAY_MS),
            RangeChoice::Days30 => Some(30 * DAY_MS),
            RangeChoice::Custom => None,
        }
    }
}

/// The fetch window's fields.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchForm {
    /// Whether the window is open.
    pub open: bool,
    /// The venue.
    pub venue: Venue,
    /// The symbol typed or picked; also the search text over the venue's list.
    pub symbol: String,
    /// The interval, one of [`INTERVALS`].
    pub interval: String,
    /// The span.
    pub range: RangeChoice,
    /// Start of a custom span: RFC 3339 or epoch milliseconds.
    pub from: String,
    /// End of a custom span: RFC 3339 or epoch milliseconds.
    pub to: String,
}

impl Default for FetchForm {
    fn default() -> Self {
        FetchForm {
            open: false,
            venue: Venue::Binance,
            symbol: "BTCUSDT".to_string(),
            interval: "5m".to_string(),
            range: RangeChoice::default(),
            from: String::new(),
            to: String::new(),
        }
    }
}

impl FetchForm {
    /// The request the form describes, with `now_ms` as the end of a span up to now.
    pub fn request(&self, now_ms: i64) -> Result<FetchRequest, String> {
        let symbol = self.symbol.trim().to_string();
        if symbol.is_empty() {
            return Err("type or pick a symbol".to_string());
        }
        let interval_ms = parse_interval_ms(&self.interval).map_err(|e| e.to_string())?;
        let (start_ms, end_ms) = match self.range.span_ms() {
            Some(span_ms) => (now_ms - span_ms, now_ms),
            None => (parse_time_ms(&self.from)?, parse_time_ms(&self.to)?),
        };
        if start_ms >= end_ms {
            return Err("the start must be before the end".to_string());
        }
        Ok(FetchRequest {
            venue: self.venue,
            symbol,
            interval_ms,
            start_ms,
            end_ms,
        })
    }
}

/// Draws the fetch window when it is open.
pub fn fetch_window(ctx: &egui::Context, app: &mut LiqmapApp) {
    let mut open = app.remote.form.open;
    egui::Window::new("Fetch from exchange")
        .open(&mut open)
        .resizable(false)
        .default_width(320.0)
        .show(ctx, |ui| fetch_form_ui(ui, app));
    app.remote.form.open = open;
}

/// The window's contents.
pub fn fetch_form_ui(ui: &mut egui::Ui, app: &mut LiqmapApp) {
    let venue_before = app.remote.form.venue;
    egui::Grid::new("fetch_form").num_columns(2).show(ui, |ui| {
        let form = &mut app.remote.form;
        ui.label("Venue");
        egui::ComboBox::from_id_salt("fetch_venue")
            .selected_text(form.venue.display_name())
            .show_ui(ui, |ui| {
                for venue in Venue::ALL {
                    ui.selectable_value(&mut form.venue, venue, venue.display_name());
                }
            });
        ui.end_row();
        ui.label("Symbol");
        ui.add(
            egui::TextEdit::singleline(&mut form.symbol)
                .hint_text("search or type, e.g. BTCUSDT")
                .desired_width(160.0),
        );
        ui.end_row();
        ui.label("Interval");
        ui.horizontal(|ui| {
            for interval in INTERVALS {
                ui.selectable_value(&mut form.interval, interval.to_string(), interval);
            }
        });
        ui.end_row();
        ui.label("Range");
        ui.horizontal_wrapped(|ui| {
            for range in RangeChoice::ALL {
                ui.selectable_value(&mut form.range, range, range.label());
            }
        });
        ui.end_row();
        if form.range == RangeChoice::Custom {
            ui.label("From");
            ui.add(egui::TextEdit::singleline(&mut form.from).hint_text("2025-10-10T00:00:00Z"));
            ui.end_row();
            ui.label("To");
            ui.add(egui::TextEdit::singleline(&mut form.to).hint_text("2025-10-11T00:00:00Z"));
            ui.end_row();
        }
    });
    let form = &mut app.remote.form;
    if form.range == RangeChoice::Custom && form.from.is_empty() && form.to.is_empty() {
        // Start from the last day, in the format expected, rather than from empty fields.
        let now_ms = app.remote.config.now_ms();
        form.from = format_time_ms(now_ms - DAY_MS);
        form.to = format_time_ms(now_ms);
    }
    let venue = app.remote.form.venue;
    if venue != venue_before || !app.remote.symbols.contains_key(&venue) {
        app.send(Command::Remote(RemoteCommand::LoadSymbols(venue)));
    }
    symbol_list_ui(ui, app);
    ui.separator();
    fetch_controls_ui(ui, app);
}

/// The venue's symbols matching what is typed; clicking one picks it.
fn symbol_list_ui(ui: &mut egui::Ui, app: &mut LiqmapApp) {
    let form = &app.remote.form;
    match app.remote.symbols.get(&form.venue) {
        None | Some(SymbolList::Loading) => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("loading the symbol list…");
            });
        }
        Some(SymbolList::Failed(message)) => {
            ui.label(format!(
                "no symbol list ({message}); any symbol may be typed"
            ))
            .on_hover_text(message.as_str());
        }
        Some(SymbolList::Ready(list)) => {
            let needle = form.symbol.trim().to_ascii_uppercase();
            let matching: Vec<&String> = list
                .iter()
                .filter(|s| s.to_ascii_uppercase().contains(&needle))
                .collect();
            let known = list.iter().any(|s| s.eq_ignore_ascii_case(&needle));
            let mut picked = None;
            egui::ScrollArea::vertical()
                .max_height(120.0)
                .show(ui, |ui| {
                    for symbol in matching.iter().take(MAX_LISTED_SYMBOLS) {
                        if ui
                            .selectable_label(
                                known && symbol.eq_ignore_ascii_case(&needle),
                                symbol.as_str(),
                            )
                            .clicked()
                        {
                            picked = Some((*symbol).clone());
                        }
                    }
                });
            let note = match (matching.len(), known) {
                (_, true) => String::new(),
                (0, false) => format!(
                    "{} lists no such symbol; it will be asked for as typed",
                    form.venue
                ),
                (n, false) => format!("{n} symbols match"),
            };
            if !note.is_empty() {
                ui.small(note);
            }
            if let Some(symbol) = picked {
                app.remote.form.symbol = symbol;
            }
        }
    }
}

/// The Fetch button, or the progress bar and Cancel while a fetch runs.
fn fetch_controls_ui(ui: &mut egui::Ui, app: &mut LiqmapApp) {
    if let Some(running) = &app.remote.running {
        let progress = running.progress.lock().map(|p| *p).unwrap_or_default();
        let fraction = if progress.pages_total > 0 {
            progress.pages_done as f32 / progress.pages_total as f32
        } else {
            0.0
        };
        ui.label(format!(
            "fetching {}…",
            super::remote::describe(&running.request)
        ));
        ui.horizontal(|ui| {
            ui.add(
                egui::ProgressBar::new(fraction)
                    .desired_width(200.0)
                    .text(format!(
                        "{} of {} pages",
                        progress.pages_done, progress.pages_total
                    )),
            );
            if ui.button("Cancel").clicked() {
                app.send(Command::Remote(RemoteCommand::CancelFetch));
            }
        });
    }
    let now_ms = app.remote.config.now_ms();
    let request = app.remote.form.request(now_ms);
    ui.horizontal(|ui| {
        let fetch = ui.add_enabled(request.is_ok(), egui::Button::new("Fetch"));
        if let Err(why) = &request {
            ui.small(why.as_str());
        }
        if fetch
            .on_hover_text("replaces the dataset shown once it has arrived")
            .clicked()
            && let Ok(request) = request
        {
            app.send(Command::Remote(RemoteCommand::Fetch(request)));
        }
    });
}
