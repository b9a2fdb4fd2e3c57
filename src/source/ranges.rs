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

/// The runs of `times` (sorted) one `step` apart, each as `[first, last + step)`, clipped to
/// `within`: the ranges that rows arriving at these times cover.
pub fn runs(times: impl IntoIterator<Item = i64>, step: i64, within: Range) -> Vec<Range> {
    let step = step.max(1);
    let mut out: Vec<Range> = Vec::new();
    for t in times {
        if t < within.0 || t >= within.1 {
            continue;
        }
        match out.last_mut() {
            Some(last) if t <= last.1 => last.1 = last.1.max(t + step),
            _ => out.push((t, t + step)),
        }
    }
    for range in &mut out {
        range.1 = range.1.min(within.1);
    }
    out
}

/// Joins ranges of the sorted list closer than `gap` to each other, so that many small holes
/// are asked for in a few requests.
pub fn coalesce(list: &[Range], gap: i64) -> Vec<Range> {
    let mut out: Vec<Range> = Vec::new();
    for &(start, end) in list {
        match out.last_mut() {
            Some(last) if start.saturating_sub(last.1) < gap => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
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

    #[test]
    fn runs_cover_what_arrived_and_coalesce_joins_near_holes() {
        // 10, 20, 30 then a hole at 40, then 50: two runs; 5 and 70 lie outside.
        assert_eq!(
            runs([5, 10, 20, 30, 50, 70], 10, (10, 60)),
            vec![(10, 40), (50, 60)]
        );
        assert_eq!(runs([], 10, (0, 100)), vec![]);
        assert_eq!(
            coalesce(&[(0, 10), (15, 20), (100, 110)], 10),
            vec![(0, 20), (100, 110)]
        );
    }
}
