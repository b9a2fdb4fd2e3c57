//! Half-open time ranges `[start_ms, end_ms)`: merging what is covered and finding what is missing.

/// A half-open time range in epoch milliseconds.
pub type Range = (i64, i64);

/// Adds `range` to the sorted, disjoint `covered` list, merging touching ranges.
pub fn add(covered: &mut Vec<Range>, range: Range) {
    if range.0 >= range.1 {
        return;
    }
    covered.push(range);
    covered.sort_unstable();
    let mut merged: Vec<Range> = Vec::with_capacity(covered.len());
    for &(start, end) in covered.iter() {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    *covered = merged;
}

/// The parts of `want` that the sorted, disjoint `covered` list does not hold, in time order.
pub fn missing(covered: &[Range], want: Range) -> Vec<Range> {
    let mut gaps = Vec::new();
    let mut cursor = want.0;
    for &(start, end) in covered {
        if end <= cursor || start >= want.1 {
            continue;
        }
        if start > cursor {
            gaps.push((cursor, start.min(want.1)));
        }
        cursor = cursor.max(end);
        if cursor >= want.1 {
            break;
        }
    }
    if cursor < want.1 {
        gaps.push((cursor, want.1));
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_and_finds_holes() {
        let mut covered = Vec::new();
        add(&mut covered, (10, 20));
        add(&mut covered, (30, 40));
        add(&mut covered, (20, 25));
        assert_eq!(covered, vec![(10, 25), (30, 40)]);
        assert_eq!(
            missing(&covered, (0, 50)),
            vec![(0, 10), (25, 30), (40, 50)]
        );
        assert_eq!(missing(&covered, (12, 24)), vec![]);
        assert_eq!(missing(&covered, (22, 35)), vec![(25, 30)]);
        assert_eq!(missing(&[], (5, 6)), vec![(5, 6)]);
        add(&mut covered, (0, 100));
        assert_eq!(covered, vec![(0, 100)]);
    }
}
