//! Columns parsed straight into rows. Each column's text is cut every [`CHUNK_ROWS`] entries;
//! the cores then take whole chunks of rows and fill every column of them, so each row is
//! written where it stays, and no column vector is ever held beside the rows (the year's
//! columns were 42 MB, built and then copied into rows of the same size).

use rayon::prelude::*;

/// Rows per chunk: a chunk of bars (80 bytes each, 655 KB) stays in the cache while its columns
/// are written into it one after the other, and a year of minutes gives the cores 65 chunks.
const CHUNK_ROWS: usize = 8192;

/// Bytes whose commas are counted at once (by `memchr`'s vector count); the block holding a cut
/// is then walked byte by byte, once every [`CHUNK_ROWS`] entries.
const BLOCK: usize = 4096;

/// A column's text (between its brackets), cut into the entries of each chunk of rows.
pub(super) struct Pieces<'a> {
    /// Number of entries.
    rows: usize,
    /// The text of the entries of chunk `k`, commas between them.
    pieces: Vec<&'a [u8]>,
}

fn is_blank(text: &[u8]) -> bool {
    text.iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

impl<'a> Pieces<'a> {
    /// Cuts the text after every [`CHUNK_ROWS`]-th comma. The values hold no commas (numbers,
    /// `null`, `"long"` or `"short"`; a string holding one does not parse), so the commas count
    /// the entries.
    pub(super) fn cut(text: &'a [u8]) -> Self {
        if is_blank(text) {
            return Pieces {
                rows: 0,
                pieces: Vec::new(),
            };
        }
        let mut pieces = Vec::new();
        let mut commas = 0;
        let mut next_cut = CHUNK_ROWS;
        let mut start = 0;
        for (b, block) in text.chunks(BLOCK).enumerate() {
            let in_block = memchr::memchr_iter(b',', block).count();
            if commas + in_block < next_cut {
                commas += in_block;
                continue;
            }
            for (i, &c) in block.iter().enumerate() {
                if c != b',' {
                    continue;
                }
                commas += 1;
                if commas == next_cut {
                    let at = b * BLOCK + i;
                    pieces.push(text.get(start..at).unwrap_or_default());
                    start = at + 1;
                    next_cut += CHUNK_ROWS;
                }
            }
        }
        pieces.push(text.get(start..).unwrap_or_default());
        Pieces {
            rows: commas + 1,
            pieces,
        }
    }
}

/// Parses one chunk's entries into the rows' field.
pub(super) type Fill<R> = fn(&[u8], &mut [R]) -> Option<()>;

/// One column of a row type: its text and how its entries land in the rows.
pub(super) struct Column<'a, R> {
    text: &'a [u8],
    fill: Fill<R>,
}

impl<'a, R> Column<'a, R> {
    /// The column read from `text` with `fill`.
    pub(super) fn new(text: &'a [u8], fill: Fill<R>) -> Self {
        Column { text, fill }
    }

    /// Whether the column has no entries.
    pub(super) fn is_empty(&self) -> bool {
        is_blank(self.text)
    }
}

/// Parses the comma-separated entries of `piece` into `rows`, one each, with `set` storing a
/// value in its row; `None` unless every entry parses and there are exactly as many as rows.
pub(super) fn fill<R, T>(
    piece: &[u8],
    rows: &mut [R],
    entry: impl Fn(&[u8], usize) -> Option<(T, usize)>,
    set: impl Fn(&mut R, T),
) -> Option<()> {
    let skip = |mut pos: usize| {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = piece.get(pos) {
            pos += 1;
        }
        pos
    };
    let mut rows = rows.iter_mut();
    let mut pos = skip(0);
    loop {
        let row = rows.next()?;
        let (value, end) = entry(piece, pos)?;
        set(row, value);
        pos = skip(end);
        match piece.get(pos) {
            None => break,
            Some(b',') => pos = skip(pos + 1),
            Some(_) => return None,
        }
    }
    rows.next().is_none().then_some(())
}

/// Rows copied from `blank` and filled by every column, chunks of rows on every core; `None`
/// if the columns have different lengths or an entry does not parse.
pub(super) fn rows<R: Clone + Send + Sync>(blank: R, columns: &[Column<'_, R>]) -> Option<Vec<R>> {
    // The columns are cut on every core too: one after the other they were a pass over the
    // whole text on one core.
    let pieces: Vec<Pieces<'_>> = columns.par_iter().map(|c| Pieces::cut(c.text)).collect();
    let n = pieces.first().map_or(0, |p| p.rows);
    if pieces.iter().any(|p| p.rows != n) {
        return None;
    }
    let mut rows = super::huge_pages::vec_with_capacity(n);
    rows.par_extend(rayon::iter::repeat_n(blank, n));
    rows.par_chunks_mut(CHUNK_ROWS)
        .enumerate()
        .try_for_each(|(k, chunk)| {
            columns
                .iter()
                .zip(&pieces)
                .try_for_each(|(c, p)| (c.fill)(p.pieces.get(k)?, chunk))
        })?;
    Some(rows)
}

#[cfg(test)]
mod tests {
    use super::super::native_numbers::parse_i64;
    use super::*;

    fn numbers(text: &str) -> Option<Vec<i64>> {
        let column = Column::new(text.as_bytes(), |p, rows: &mut [i64]| {
            fill(p, rows, parse_i64, |r, v| *r = v)
        });
        rows(0, &[column])
    }

    #[test]
    fn every_entry_lands_in_its_row_across_chunk_boundaries() {
        for n in [
            0,
            1,
            2,
            CHUNK_ROWS - 1,
            CHUNK_ROWS,
            CHUNK_ROWS + 1,
            3 * CHUNK_ROWS + 5,
        ] {
            let expected: Vec<i64> = (0..n as i64).map(|i| i * 7 - 3).collect();
            let text = expected
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(" ,\n");
            assert_eq!(numbers(&text), Some(expected), "{n} entries");
        }
    }

    #[test]
    fn holes_and_trailing_commas_do_not_parse() {
        assert_eq!(numbers(" "), Some(Vec::new()));
        for text in ["1,", ",1", "1,,2", "1 2", "1,x"] {
            assert_eq!(numbers(text), None, "{text}");
        }
        let mut long: String = (0..CHUNK_ROWS).map(|i| format!("{i},")).collect();
        long.push(',');
        assert_eq!(numbers(&long), None, "an empty entry just after a cut");
    }

    #[test]
    fn columns_of_different_lengths_are_refused() {
        let fill_first =
            |p: &[u8], rows: &mut [(i64, i64)]| fill(p, rows, parse_i64, |r, v| r.0 = v);
        let fill_second =
            |p: &[u8], rows: &mut [(i64, i64)]| fill(p, rows, parse_i64, |r, v| r.1 = v);
        let same = [
            Column::new(b"1,2", fill_first),
            Column::new(b"3,4", fill_second),
        ];
        assert_eq!(rows((0, 0), &same), Some(vec![(1, 3), (2, 4)]));
        let longer = [
            Column::new(b"1,2", fill_first),
            Column::new(b"3,4,5", fill_second),
        ];
        assert_eq!(rows((0, 0), &longer), None);
    }
}
