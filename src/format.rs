//! Text formats shared across layers: numbers for the settings' summaries and the pictures'
//! labels, and names safe in a file path (below all of them, so none depends on another).

/// A number written with a comma between each group of three digits of its whole part, as
/// trading charts print prices: `114,679.3`, `-1,234,567`. Takes a formatted number or an
/// integer; text that is not a number (`inf`, `NaN`) is left as it is, for the caller to refuse.
pub fn group_thousands(number: impl std::fmt::Display) -> String {
    let text = number.to_string();
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = match unsigned.find('.') {
        Some(dot) => unsigned.split_at(dot),
        None => (unsigned, ""),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return text;
    }
    let mut grouped = String::with_capacity(text.len() + whole.len() / 3);
    grouped.push_str(sign);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped.push_str(fraction);
    grouped
}

/// `name` with every character other than ASCII letters, digits, `-` and `_` replaced by
/// `replacement`, so that it can be one part of a file path and never leave its folder.
pub fn path_safe(name: &str, replacement: char) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                replacement
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped_as_written_by_hand() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(-1_234_567), "-1,234,567");
        assert_eq!(group_thousands("114679.3"), "114,679.3");
        assert_eq!(group_thousands("-1000.25"), "-1,000.25");
        assert_eq!(group_thousands("0.09678"), "0.09678");
        assert_eq!(group_thousands(i64::MIN), "-9,223,372,036,854,775,808");
        assert_eq!(group_thousands(f64::INFINITY), "inf");
        assert_eq!(group_thousands(f64::NAN), "NaN");
    }

    #[test]
    fn path_safe_names_keep_letters_digits_dashes_and_underscores_only() {
        assert_eq!(path_safe("BTC-USDT-SWAP", '_'), "BTC-USDT-SWAP");
        assert_eq!(path_safe("../x y/é", '_'), "___x_y__");
        assert_eq!(path_safe("binance usdm", '-'), "binance-usdm");
    }
}
