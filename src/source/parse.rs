//! Reading the numbers the venues send as strings or JSON numbers, naming the field on failure.

use serde_json::Value;

/// A field of a venue's answer that does not hold what its documentation says.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FieldError {
    /// A number was expected (a finite decimal, as a string or a JSON number).
    #[error("{field}: expected a number, found {found}")]
    NotANumber {
        /// The field's name in the venue's layout.
        field: String,
        /// What was there.
        found: String,
    },
    /// Epoch milliseconds were expected.
    #[error("{field}: expected epoch milliseconds, found {found}")]
    NotMillis {
        /// The field's name in the venue's layout.
        field: String,
        /// What was there.
        found: String,
    },
    /// A field (or a column of a row) is missing.
    #[error("{0}")]
    Missing(String),
}

/// Parses a decimal the venues send as a string (or a number), naming the field on failure.
pub(crate) fn number(value: &Value, field: &str) -> Result<f64, FieldError> {
    let parsed = match value {
        Value::String(text) => text.trim().parse::<f64>().ok(),
        Value::Number(n) => n.as_f64(),
        _ => None,
    };
    match parsed {
        Some(v) if v.is_finite() => Ok(v),
        _ => Err(FieldError::NotANumber {
            field: field.to_string(),
            found: value.to_string(),
        }),
    }
}

/// Parses epoch milliseconds sent as a number or a string.
pub(crate) fn millis(value: &Value, field: &str) -> Result<i64, FieldError> {
    let parsed = match value {
        Value::String(text) => text.trim().parse::<i64>().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    };
    parsed.ok_or_else(|| FieldError::NotMillis {
        field: field.to_string(),
        found: value.to_string(),
    })
}

/// Column `index` of a row, named `name` in the venue's layout.
pub(crate) fn column<'a>(
    row: &'a [Value],
    index: usize,
    name: &str,
) -> Result<&'a Value, FieldError> {
    row.get(index)
        .ok_or_else(|| FieldError::Missing(format!("row has no {name}")))
}
