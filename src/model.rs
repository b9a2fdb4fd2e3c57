//! Plain market data: bars, open interest, real liquidations, and the dataset that holds them.
//!
//! Nothing here knows about files, the engine or the UI.

use serde::{Deserialize, Serialize};

/// Which side of the market a position (or a liquidation) belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// A long position: liquidated when price falls to its liquidation price.
    Long,
    /// A short position: liquidated when price rises to its liquidation price.
    Short,
}

impl Side {
    /// Both sides, longs first.
    pub const BOTH: [Side; 2] = [Side::Long, Side::Short];

    /// Index used for per-side arrays: 0 for long, 1 for short.
    pub fn index(self) -> usize {
        match self {
            Side::Long => 0,
            Side::Short => 1,
        }
    }

    /// Lower-case name, as printed by the command line.
    pub fn name(self) -> &'static str {
        match self {
            Side::Long => "long",
            Side::Short => "short",
        }
    }
}

/// One candle of a fixed interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bar {
    /// Open time, epoch milliseconds UTC.
    pub open_time_ms: i64,
    /// Open price.
    pub open: f64,
    /// Highest price.
    pub high: f64,
    /// Lowest price.
    pub low: f64,
    /// Close price.
    pub close: f64,
    /// Traded volume in base units.
    pub volume: f64,
    /// Taker-buy volume in base units, where the source has it.
    pub taker_buy_volume: Option<f64>,
    /// Traded volume in quote currency (USD), where the source has it.
    pub quote_volume: Option<f64>,
}

impl Bar {
    /// A bar of zeros, for the readers that fill rows in column by column.
    pub const BLANK: Bar = Bar {
        open_time_ms: 0,
        open: 0.0,
        high: 0.0,
        low: 0.0,
        close: 0.0,
        volume: 0.0,
        taker_buy_volume: None,
        quote_volume: None,
    };

    /// The typical price (high + low + close) / 3.
    pub fn typical_price(&self) -> f64 {
        (self.high + self.low + self.close) / 3.0
    }
}

/// One open-interest sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OpenInterestSample {
    /// Sample time, epoch milliseconds UTC.
    pub time_ms: i64,
    /// Open interest in base units (coins).
    pub open_interest: f64,
    /// Value of the open interest in USD, where the source gives it.
    pub value_usd: Option<f64>,
}

impl OpenInterestSample {
    /// A sample of zeros, for the readers that fill rows in column by column.
    pub const BLANK: OpenInterestSample = OpenInterestSample {
        time_ms: 0,
        open_interest: 0.0,
        value_usd: None,
    };
}

/// One real liquidation reported by a venue.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Liquidation {
    /// Time of the liquidation, epoch milliseconds UTC.
    pub time_ms: i64,
    /// The side of the position that was liquidated (a Binance `SELL` order liquidates a long).
    pub side: Side,
    /// Fill price (average price where the venue gives it).
    pub price: f64,
    /// Filled quantity in base units.
    pub quantity: f64,
}

impl Liquidation {
    /// A long liquidation of zeros, for the readers that fill rows in column by column.
    pub const BLANK: Liquidation = Liquidation {
        time_ms: 0,
        side: Side::Long,
        price: 0.0,
        quantity: 0.0,
    };

    /// Value of the liquidation in USD.
    pub fn notional_usd(&self) -> f64 {
        self.price * self.quantity
    }
}

/// A symbol's market data over a span: the input of the engine.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Venue name, for example `binance-usdm`.
    pub exchange: String,
    /// Symbol as the venue names it, for example `BTCUSDT`.
    pub symbol: String,
    /// Bar interval in milliseconds.
    pub interval_ms: i64,
    /// Bars in strictly increasing open time; gaps are allowed and kept.
    pub bars: Vec<Bar>,
    /// Open-interest samples in strictly increasing time (may be empty).
    pub open_interest: Vec<OpenInterestSample>,
    /// Real liquidation events in non-decreasing time (may be empty).
    pub liquidations: Vec<Liquidation>,
}

/// A run of missing bars between two bars of a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gap {
    /// Open time of the last bar before the gap.
    pub after_ms: i64,
    /// Open time of the first bar after the gap.
    pub before_ms: i64,
    /// Number of bars missing.
    pub missing_bars: i64,
}

impl Dataset {
    /// Whether every bar carries taker-buy volume.
    pub fn has_taker_buy(&self) -> bool {
        !self.bars.is_empty() && self.bars.iter().all(|b| b.taker_buy_volume.is_some())
    }

    /// Whether every bar carries quote volume.
    pub fn has_quote_volume(&self) -> bool {
        !self.bars.is_empty() && self.bars.iter().all(|b| b.quote_volume.is_some())
    }

    /// Whether the dataset has any open interest.
    pub fn has_open_interest(&self) -> bool {
        !self.open_interest.is_empty()
    }

    /// Open time of the first bar and close time of the last, if there are bars.
    pub fn time_range_ms(&self) -> Option<(i64, i64)> {
        let first = self.bars.first()?;
        let last = self.bars.last()?;
        Some((
            first.open_time_ms,
            last.open_time_ms.saturating_add(self.interval_ms),
        ))
    }

    /// Lowest low and highest high over all bars.
    pub fn price_range(&self) -> Option<(f64, f64)> {
        let mut bars = self.bars.iter();
        let first = bars.next()?;
        Some(bars.fold((first.low, first.high), |(lo, hi), b| {
            (lo.min(b.low), hi.max(b.high))
        }))
    }

    /// Runs of missing bars, in time order.
    pub fn gaps(&self) -> Vec<Gap> {
        if self.interval_ms <= 0 {
            return Vec::new();
        }
        self.bars
            .windows(2)
            .filter_map(|w| {
                let [a, b] = w else { return None };
                let step = b.open_time_ms - a.open_time_ms;
                (step > self.interval_ms).then(|| Gap {
                    after_ms: a.open_time_ms,
                    before_ms: b.open_time_ms,
                    missing_bars: step / self.interval_ms - 1,
                })
            })
            .collect()
    }

    /// Index of the last bar whose open time is at or before `time_ms`.
    pub fn bar_at_or_before(&self, time_ms: i64) -> Option<usize> {
        let after = self.bars.partition_point(|b| b.open_time_ms <= time_ms);
        after.checked_sub(1)
    }
}
