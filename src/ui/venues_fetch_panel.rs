//! The fetch window's "All venues" part: a coin (BTC, ETH, SOL, HYPE, …) fetched from every
//! venue in parallel over the interval and range chosen above, one progress line per venue and
//! one Cancel; when it ends, each venue's line says what arrived or why it was skipped.

use egui::RichText;

use super::action::Action;
use super::look::WARNING_COLOR;
use super::state::ViewerState;
use super::venues_state::VenueLine;
use crate::source::coin_fetch::CoinRequest;
use crate::source::coins::table_coins;

/// Draws the "All venues" part of the fetch window.
pub fn all_venues_ui(ui: &mut egui::Ui, state: &ViewerState, actions: &mut Vec<Action>) {
    ui.separator();
    ui.label(RichText::new("All venues (one coin, summed)").strong());
    let fetch = &state.coin_fetch;
    ui.horizontal(|ui| {
        ui.label("Coin");
        let mut coin = fetch.coin.clone();
        if ui
            .add(
                egui::TextEdit::singleline(&mut coin)
                    .hint_text("BTC")
                    .desired_width(80.0),
            )
            .changed()
        {
            actions.push(Action::SetFetchCoin(coin));
        }
    });
    ui.horizontal_wrapped(|ui| {
        for coin in table_coins().take(6) {
            if ui.small_button(coin).clicked() {
                actions.push(Action::SetFetchCoin(coin.to_string()));
            }
        }
    });
    if let Some(running) = &fetch.running {
        ui.label(format!(
            "fetching {} from every venue…",
            running.request.coin
        ));
        let lines = running.lines.lock().map(|l| l.clone()).unwrap_or_default();
        for (venue, line) in lines {
            match line {
                VenueLine::Running(p) => {
                    let fraction = if p.pages_total > 0 {
                        p.pages_done as f32 / p.pages_total as f32
                    } else {
                        0.0
                    };
                    ui.add(
                        egui::ProgressBar::new(fraction)
                            .desired_width(260.0)
                            .text(format!(
                                "{venue}: {} of {} pages",
                                p.pages_done, p.pages_total
                            )),
                    );
                }
                VenueLine::Done(text) => {
                    ui.label(text);
                }
            }
        }
        if ui.button("Cancel all venues").clicked() {
            actions.push(Action::CancelCoinFetch);
        }
    }
    for line in &fetch.last {
        if line.contains("skipped") || line.contains("failed") || line.contains("PARTIAL") {
            ui.colored_label(WARNING_COLOR, line);
        } else {
            ui.label(line);
        }
    }
    let request = coin_request(state);
    ui.horizontal(|ui| {
        let clicked = ui
            .add_enabled(request.is_ok(), egui::Button::new("Fetch all venues"))
            .on_hover_text("each venue's perpetual of the coin, shown summed once they arrive")
            .clicked();
        if let Err(why) = &request {
            ui.small(why.as_str());
        }
        if clicked && let Ok(request) = request {
            actions.push(Action::FetchCoin(request));
        }
    });
}

/// The coin request the window describes: the coin typed, the interval and range above.
fn coin_request(state: &ViewerState) -> Result<CoinRequest, String> {
    let coin = state.coin_fetch.coin.trim().to_ascii_uppercase();
    if coin.is_empty() {
        return Err("type a coin".to_string());
    }
    let mut form = state.remote.form.clone();
    // The range and interval checks are the one-venue form's; the symbol is per venue.
    form.symbol = coin.clone();
    let one = form
        .request(state.remote.config.now_ms())
        .map_err(|e| e.to_string())?;
    Ok(CoinRequest {
        coin,
        interval_ms: one.interval_ms,
        start_ms: one.start_ms,
        end_ms: one.end_ms,
    })
}
