use std::path::Path;

use super::BATCH_ROWS;
use crate::dataset::import::ImportRequest;
use crate::dataset::parquet::{Table, Values, dataset_table, table_bytes_in_groups};
use crate::dataset::{self, DatasetError};
use crate::model::Dataset;

/// The bundled sample (bars with taker-buy volume, open interest) with the real liquidations
/// of another recording added: rows of all three kinds.
fn every_kind() -> Dataset {
    let mut d = dataset::sample().expect("sample");
    let with_liquidations = dataset::import(&ImportRequest {
        liquidations: Some("tests/data/all-liquidations-forceorder-20251022-0940.csv".into()),
        ..ImportRequest::klines_only(Path::new(
            "tests/data/btcusdt-klines-5m-freqtrade-20251022.json",
        ))
    })
    .expect("import");
    d.liquidations = with_liquidations.liquidations;
    assert!(!d.liquidations.is_empty() && d.open_interest.len() > 100);
    d
}

/// `values` with its rows in `order`.
fn permuted(values: &Values, order: &[usize]) -> Values {
    fn pick<T: Clone>(v: &[T], order: &[usize]) -> Vec<T> {
        order.iter().map(|&i| v[i].clone()).collect()
    }
    match values {
        Values::I64(v) => Values::I64(pick(v, order)),
        Values::F64(v) => Values::F64(pick(v, order)),
        Values::OptionalF64(v) => Values::OptionalF64(pick(v, order)),
        Values::Text(v) => Values::Text(pick(v, order)),
        Values::OptionalText(v) => Values::OptionalText(pick(v, order)),
    }
}

/// Writes `table` in row groups of `group_rows` and loads it.
fn load(table: &Table, group_rows: usize) -> Result<Dataset, DatasetError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("d.parquet");
    let bytes = table_bytes_in_groups(table, group_rows).expect("write");
    std::fs::write(&path, bytes).expect("write file");
    super::super::parquet::load(&path)
}

#[test]
fn rows_of_every_kind_in_time_order_and_many_row_groups_read_back() {
    let d = every_kind();
    let mut table = dataset_table(&d);
    // In time order the kinds interleave, as another writer may leave them; each kind keeps
    // its own order (a stable sort of rows already in time order).
    let Some((_, Values::I64(times))) = table.columns.iter().find(|(n, _)| n == "time_ms") else {
        panic!("no time_ms column");
    };
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by_key(|&i| times[i]);
    assert_ne!(order, (0..times.len()).collect::<Vec<_>>(), "rows moved");
    for (_, values) in &mut table.columns {
        *values = permuted(values, &order);
    }
    let Some((_, Values::Text(records))) = table.columns.iter().find(|(n, _)| n == "record") else {
        panic!("no record column");
    };
    let kind_changes = records.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(kind_changes > 100, "{kind_changes} changes of kind");
    for group_rows in [1, 7, 500, 1 << 20] {
        let back = load(&table, group_rows).expect("load");
        assert_eq!(back, d, "row groups of {group_rows}");
    }
}

#[test]
fn a_year_sized_column_crosses_batches_bit_for_bit() {
    // Size is the point: more rows than one batch of values.
    let d = crate::synth::synthetic_dataset(BATCH_ROWS + 4_000, 60_000, 300_000, 7);
    let back = load(&dataset_table(&d), 1 << 20).expect("load");
    let bits = |d: &Dataset| -> Vec<u64> {
        d.bars
            .iter()
            .flat_map(|b| [b.open, b.high, b.low, b.close, b.volume])
            .chain(d.open_interest.iter().map(|s| s.open_interest))
            .map(f64::to_bits)
            .collect()
    };
    assert_eq!(back, d);
    assert_eq!(bits(&back), bits(&d));
}

/// A table of `rows` rows by hand: the record column, the time, and the numbers and sides
/// given as (column, row, value).
fn by_hand(
    records: &[Option<&str>],
    numbers: &[(&str, usize, f64)],
    sides: &[(usize, &str)],
) -> Table {
    let n = records.len();
    let mut columns = vec![
        (
            "record".to_string(),
            Values::OptionalText(records.iter().map(|r| r.map(str::to_string)).collect()),
        ),
        (
            "time_ms".to_string(),
            Values::I64(
                (0..n as i64)
                    .map(|i| 1_700_000_000_000 + i * 60_000)
                    .collect(),
            ),
        ),
    ];
    let mut side = vec![None; n];
    for &(row, word) in sides {
        side[row] = Some(word.to_string());
    }
    columns.push(("side".to_string(), Values::OptionalText(side)));
    for column in super::NUMBERS.iter().map(|c| c.name) {
        let mut values = vec![None; n];
        for &(name, row, value) in numbers {
            if name == column {
                values[row] = Some(value);
            }
        }
        columns.push((column.to_string(), Values::OptionalF64(values)));
    }
    Table {
        columns,
        metadata: [
            ("format", "liqmap-dataset"),
            ("version", "1"),
            ("exchange", "test"),
            ("symbol", "TEST"),
            ("interval_ms", "60000"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    }
}

/// A whole bar's numbers in row `row`.
fn bar(row: usize) -> Vec<(&'static str, usize, f64)> {
    ["open", "high", "low", "close", "volume"]
        .iter()
        .map(|&name| (name, row, 10.0))
        .collect()
}

fn error_of(table: &Table, group_rows: usize) -> String {
    load(table, group_rows).expect_err("an error").to_string()
}

#[test]
fn the_first_bad_row_is_named_whichever_column_holds_it() {
    // Row 3 (1-based) lacks its high; row 4 is a liquidation of no side; row 5 no record.
    let mut numbers = [bar(0), bar(1), bar(2)].concat();
    numbers.retain(|&(name, row, _)| !(name == "high" && row == 2));
    numbers.extend([("price", 3, 5.0), ("quantity", 3, 1.0)]);
    let records = [
        Some("bar"),
        Some("bar"),
        Some("bar"),
        Some("liquidation"),
        None,
    ];
    let sides = [(3, "sideways")];
    for group_rows in [1, 2, 100] {
        let table = by_hand(&records, &numbers, &sides);
        let err = error_of(&table, group_rows);
        assert!(err.contains("row 3: high is null"), "{group_rows}: {err}");
        // Without that, the liquidation's side; then the missing record.
        let mut fixed = numbers.clone();
        fixed.push(("high", 2, 10.0));
        let err = error_of(&by_hand(&records, &fixed, &sides), group_rows);
        assert!(
            err.contains("row 4: side must be long or short, not sideways"),
            "{group_rows}: {err}"
        );
        let err = error_of(&by_hand(&records, &fixed, &[(3, "long")]), group_rows);
        assert!(
            err.contains("row 5: record must be bar, open_interest or liquidation, not null"),
            "{group_rows}: {err}"
        );
    }
    // In one row, the columns are named in the row's order: the side before the price.
    let err = error_of(
        &by_hand(
            &[Some("liquidation")],
            &[("quantity", 0, 1.0)],
            &[(0, "up")],
        ),
        10,
    );
    assert!(
        err.contains("row 1: side must be long or short, not up"),
        "{err}"
    );
    let err = error_of(
        &by_hand(
            &[Some("liquidation")],
            &[("quantity", 0, 1.0)],
            &[(0, "long")],
        ),
        10,
    );
    assert!(err.contains("row 1: price is null"), "{err}");
}

#[test]
fn values_of_other_kinds_are_ignored_and_optional_ones_kept() {
    // A bar row carrying a price, an open-interest row carrying an open: neither is read.
    let mut numbers = bar(0);
    numbers.extend([
        ("price", 0, 99.0),
        ("taker_buy_volume", 0, 4.0),
        ("open_interest", 1, 3.0),
        ("open", 1, 77.0),
    ]);
    let table = by_hand(&[Some("bar"), Some("open_interest")], &numbers, &[]);
    let d = load(&table, 1).expect("load");
    assert_eq!(d.bars.len(), 1);
    assert_eq!(d.bars[0].open, 10.0);
    assert_eq!(d.bars[0].taker_buy_volume, Some(4.0));
    assert_eq!(d.bars[0].quote_volume, None);
    assert_eq!(d.open_interest.len(), 1);
    assert_eq!(d.open_interest[0].open_interest, 3.0);
    assert_eq!(d.open_interest[0].value_usd, None);
    assert_eq!(d.open_interest[0].time_ms, 1_700_000_060_000);
    assert!(d.liquidations.is_empty());
}
