//! The numbers (and sides) of the native format's columns, read from bytes at a position, with
//! JSON's grammar checked: what `serde_json` accepts, read to the same bits.

use crate::model::Side;

/// Powers of ten that an `f64` holds exactly.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Integers up to this are exact in an `f64`.
const EXACT_MANTISSA: u64 = 1 << 53;

/// `10^k` for the digits read at once.
const POWERS_OF_TEN: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// The digits at the start of 8 bytes (the first byte lowest): their value and how many there
/// are. Eight bytes are tested and summed at once, with no branch per digit (whose mispredicted
/// ends, a number's length varying, cost more than the arithmetic).
fn eight_digits(bytes: [u8; 8]) -> (u64, usize) {
    let chunk = u64::from_le_bytes(bytes);
    let values = chunk.wrapping_sub(0x3030_3030_3030_3030);
    // A byte below '0' wraps to 0xd0 or more, one above '9' reaches 0x80 with 0x46 added; bytes
    // after the first non-digit may be garbled by borrows and carries, and are not used.
    let non_digit = (values | chunk.wrapping_add(0x4646_4646_4646_4646)) & 0x8080_8080_8080_8080;
    let count = (non_digit.trailing_zeros() / 8) as usize;
    if count == 0 {
        return (0, 0);
    }
    // The digits moved to the top, zeros (leading zeros of the number) below them.
    let digits = values << (8 * (8 - count));
    let pairs = (digits & 0x0f0f_0f0f_0f0f_0f0f).wrapping_mul(2561) >> 8;
    let fours = (pairs & 0x00ff_00ff_00ff_00ff).wrapping_mul(6_553_601) >> 16;
    let value = (fours & 0x0000_ffff_0000_ffff).wrapping_mul(42_949_672_960_001) >> 32;
    (value, count)
}

/// The digits from `pos` appended to `value` (wrapping past 19 digits), and the position after
/// them.
fn digits(text: &[u8], mut pos: usize, mut value: u64) -> (u64, usize) {
    while let Some(bytes) = text.get(pos..pos + 8) {
        let Ok(bytes) = <[u8; 8]>::try_from(bytes) else {
            break;
        };
        let (read, count) = eight_digits(bytes);
        let scale = POWERS_OF_TEN.get(count).copied().unwrap_or(1);
        value = value.wrapping_mul(scale).wrapping_add(read);
        pos += count;
        if count < 8 {
            return (value, pos);
        }
    }
    // The last bytes of the text, one at a time.
    while let Some(&byte) = text.get(pos) {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        value = value.wrapping_mul(10).wrapping_add(u64::from(digit));
        pos += 1;
    }
    (value, pos)
}

/// A JSON number (the grammar checked), correctly rounded to the nearest `f64`; `None` for a
/// number outside the `f64` range, which serde refuses too.
pub(super) fn parse_f64(text: &[u8], start: usize) -> Option<(f64, usize)> {
    let negative = text.get(start) == Some(&b'-');
    let whole_start = start + usize::from(negative);
    let (mut mantissa, whole_end) = digits(text, whole_start, 0);
    let whole_digits = whole_end - whole_start;
    // JSON: at least one digit, and none after a leading zero.
    if whole_digits == 0 || (whole_digits > 1 && text.get(whole_start) == Some(&b'0')) {
        return None;
    }
    let mut pos = whole_end;
    let mut fraction_digits = 0;
    if text.get(pos) == Some(&b'.') {
        let (with_fraction, end) = digits(text, pos + 1, mantissa);
        fraction_digits = end - (pos + 1);
        if fraction_digits == 0 {
            return None;
        }
        mantissa = with_fraction;
        pos = end;
    }
    let mut exponent = -i64::try_from(fraction_digits).ok()?;
    if let Some(b'e' | b'E') = text.get(pos) {
        pos += 1;
        let exponent_negative = text.get(pos) == Some(&b'-');
        if let Some(b'+' | b'-') = text.get(pos) {
            pos += 1;
        }
        let first = pos;
        let mut written: i64 = 0;
        while let Some(&b @ b'0'..=b'9') = text.get(pos) {
            written = written
                .saturating_mul(10)
                .saturating_add(i64::from(b - b'0'));
            pos += 1;
        }
        if pos == first {
            return None;
        }
        exponent = exponent.saturating_add(if exponent_negative { -written } else { written });
    }
    // Up to 19 digits the mantissa has not wrapped (leading zeros count: a rare number with
    // many takes the slow path, which is as exact).
    let exact = whole_digits + fraction_digits <= 19 && mantissa <= EXACT_MANTISSA;
    let power = usize::try_from(exponent.unsigned_abs())
        .ok()
        .and_then(|e| EXACT_POWERS_OF_TEN.get(e));
    let value = match power {
        // Clinger's fast path: both operands exact, so the one rounding is the correct one.
        Some(&power) if exact && exponent < 0 => mantissa as f64 / power,
        Some(&power) if exact => mantissa as f64 * power,
        _ => {
            let token = std::str::from_utf8(text.get(start..pos)?).ok()?;
            return token
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(|v| (v, pos));
        }
    };
    Some((if negative { -value } else { value }, pos))
}

/// A number or `null`.
pub(super) fn parse_optional_f64(text: &[u8], start: usize) -> Option<(Option<f64>, usize)> {
    if text.get(start..)?.starts_with(b"null") {
        return Some((None, start + 4));
    }
    parse_f64(text, start).map(|(v, end)| (Some(v), end))
}

/// A JSON integer that fits an `i64`. `-0` is refused, as serde reads it as a float.
pub(super) fn parse_i64(text: &[u8], start: usize) -> Option<(i64, usize)> {
    let mut pos = start;
    let negative = text.get(pos) == Some(&b'-');
    if negative {
        pos += 1;
    }
    let mut magnitude: u64 = 0;
    match text.get(pos) {
        Some(b'0') => pos += 1,
        Some(b'1'..=b'9') => {
            while let Some(&b @ b'0'..=b'9') = text.get(pos) {
                magnitude = magnitude
                    .checked_mul(10)?
                    .checked_add(u64::from(b - b'0'))?;
                pos += 1;
            }
        }
        _ => return None,
    }
    if let Some(b'.' | b'e' | b'E') = text.get(pos) {
        return None;
    }
    let value = if negative {
        if magnitude == 0 {
            return None;
        }
        0i64.checked_sub_unsigned(magnitude)?
    } else {
        i64::try_from(magnitude).ok()?
    };
    Some((value, pos))
}

/// `"long"` or `"short"`.
pub(super) fn parse_side(text: &[u8], start: usize) -> Option<(Side, usize)> {
    let rest = text.get(start..)?;
    if rest.starts_with(b"\"long\"") {
        Some((Side::Long, start + 6))
    } else if rest.starts_with(b"\"short\"") {
        Some((Side::Short, start + 7))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_digits_stop_at_the_first_other_byte() {
        let read = |text: &[u8; 8]| eight_digits(*text);
        assert_eq!(read(b"12345678"), (12_345_678, 8));
        assert_eq!(read(b"59922.6,"), (59_922, 5));
        assert_eq!(read(b"0.5,1,2,"), (0, 1));
        assert_eq!(read(b",1234567"), (0, 0));
        assert_eq!(read(b"9/:09999"), (9, 1), "'/' and ':' border the digits");
        assert_eq!(read(b"00000001"), (1, 8));
        assert_eq!(read(b"1\xff345678"), (1, 1));
        assert_eq!(read(b"123\x00\x00\x00\x00\x00"), (123, 3));
    }

    #[test]
    fn digits_read_across_the_last_eight_bytes() {
        let text = b"123456789012345678,9";
        assert_eq!(digits(text, 0, 0), (123_456_789_012_345_678, 18));
        assert_eq!(digits(text, 19, 0), (9, 20));
        assert_eq!(digits(b"42", 0, 7), (742, 2));
    }
}
