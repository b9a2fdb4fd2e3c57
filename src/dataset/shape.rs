//! The outline of a JSON document, enough to tell its format apart without reading it into
//! memory: object keys with their shapes, and for arrays only the first element and the length.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Strings longer than this are not kept: the formats are told apart by short tags.
const MAX_KEPT_STRING: usize = 64;

/// The outline of a JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// An array: its length and the shape of its first element.
    Array {
        /// Number of elements.
        len: usize,
        /// Shape of the first element, if any.
        first: Option<Box<Shape>>,
    },
    /// An object: its keys and the shapes of their values, in file order.
    Object(Vec<(String, Shape)>),
    /// A string; the text is kept only when short.
    String(Option<String>),
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
}

impl Shape {
    /// The value of `key` when this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Shape> {
        match self {
            Shape::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Whether this is an object with `key`.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The first element when this is a non-empty array.
    pub fn first(&self) -> Option<&Shape> {
        match self {
            Shape::Array { first, .. } => first.as_deref(),
            _ => None,
        }
    }

    /// The short text when this is a short string.
    pub fn text(&self) -> Option<&str> {
        match self {
            Shape::String(Some(text)) => Some(text),
            _ => None,
        }
    }

    /// A word for messages: `array`, `object`, ...
    pub fn kind(&self) -> &'static str {
        match self {
            Shape::Array { .. } => "array",
            Shape::Object(_) => "object",
            Shape::String(_) => "string",
            Shape::Number => "number",
            Shape::Bool => "boolean",
            Shape::Null => "null",
        }
    }
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ShapeVisitor)
    }
}

struct ShapeVisitor;

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape::Bool)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Shape, E> {
        Ok(Shape::Number)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Shape, E> {
        Ok(Shape::Number)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape::Number)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Shape, E> {
        Ok(Shape::String(
            (text.len() <= MAX_KEPT_STRING).then(|| text.to_string()),
        ))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Shape::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Shape::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        let first = seq.next_element::<Shape>()?;
        let mut len = usize::from(first.is_some());
        while seq.next_element::<IgnoredAny>()?.is_some() {
            len += 1;
        }
        Ok(Shape::Array {
            len,
            first: first.map(Box::new),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let mut fields = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value::<Shape>()?;
            fields.push((key, value));
        }
        Ok(Shape::Object(fields))
    }
}

/// The outline of the first JSON value in `text`, and whether more values follow (JSON lines).
pub fn probe(text: &str) -> Result<(Shape, bool), serde_json::Error> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Shape>();
    let first = match stream.next() {
        Some(first) => first?,
        None => return Ok((Shape::Null, false)),
    };
    let more = text
        .get(stream.byte_offset()..)
        .is_some_and(|rest| !rest.trim().is_empty());
    Ok((first, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outlines_nested_values_and_counts_arrays() {
        let (shape, more) = probe(r#"{"a":[[1,"x"],[2,"y"],[3,"z"]],"b":null}"#).unwrap();
        assert!(!more);
        let Some(Shape::Array { len, first }) = shape.get("a") else {
            panic!("not an array: {shape:?}")
        };
        assert_eq!(*len, 3);
        assert_eq!(
            first.as_deref(),
            Some(&Shape::Array {
                len: 2,
                first: Some(Box::new(Shape::Number))
            })
        );
        assert_eq!(shape.get("b"), Some(&Shape::Null));
    }

    #[test]
    fn notices_json_lines() {
        let (_, more) = probe("{\"a\":1}\n{\"a\":2}\n").unwrap();
        assert!(more);
    }
}
