//! Writes the seeded year of one-minute bars (with five-minute open interest) used by the
//! benchmarks as a native dataset, so that whole commands can be timed on it from disk:
//!
//! ```text
//! cargo run --release --example synth_year -- /tmp/year.json
//! hyperfine --warmup 1 'target/release/liqmap map /tmp/year.json --format csv'
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use liqmap::synth::synthetic_dataset;

/// Bars in a year of one-minute bars.
const YEAR_OF_MINUTES: usize = 525_600;
/// One-minute bars.
const INTERVAL_MS: i64 = 60_000;
/// Open interest every five minutes.
const OPEN_INTEREST_PERIOD_MS: i64 = 300_000;
/// The seed the benchmarks use.
const SEED: u64 = 42;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: synth_year OUT.json");
        return ExitCode::from(2);
    };
    let dataset = synthetic_dataset(YEAR_OF_MINUTES, INTERVAL_MS, OPEN_INTEREST_PERIOD_MS, SEED);
    match liqmap::dataset::save(&dataset, &path) {
        Ok(()) => {
            println!(
                "wrote {} bars and {} open-interest samples to {}",
                dataset.bars.len(),
                dataset.open_interest.len(),
                path.display()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("synth_year: {err}");
            ExitCode::FAILURE
        }
    }
}
