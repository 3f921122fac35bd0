//! Deserializing one piece of text (a key's single value, an array item or a map key) as
//! whatever type is asked for.

use std::str::FromStr;

use serde::de::{self, Expected, IntoDeserializer, Unexpected, Visitor};
use serde::Deserializer;

use super::node::{Elem, MapDe, SeqDe};
use super::{json_error, QueryError};

/// Deserializes one piece of text: a key's single value, an array item or a
/// map key.
pub(super) struct LeafDe {
    /// The text, with any surrounding quotes already removed.
    text: String,
    /// Whether the text was double-quoted (or is a key): it is then always a
    /// string to `deserialize_any`.
    quoted: bool,
}

impl LeafDe {
    pub(super) fn plain(text: String) -> Self {
        Self { text, quoted: false }
    }

    pub(super) fn quoted(text: String) -> Self {
        Self { text, quoted: true }
    }

    /// Whether the text was double-quoted.
    pub(super) fn is_quoted(&self) -> bool {
        self.quoted
    }

    fn invalid_type(&self, expected: &dyn Expected) -> QueryError {
        de::Error::invalid_type(Unexpected::Str(&self.text), expected)
    }

    fn parse_int<T: FromStr>(&self, expected: &dyn Expected) -> Result<T, QueryError> {
        self.text.parse().map_err(|_| {
            if looks_like_integer(&self.text) {
                de::Error::invalid_value(Unexpected::Str(&self.text), expected)
            } else {
                self.invalid_type(expected)
            }
        })
    }

    fn parse_float<T: FromStr>(&self, expected: &dyn Expected) -> Result<T, QueryError> {
        self.text.parse().map_err(|_| self.invalid_type(expected))
    }

    /// The text parsed as JSON, if it is valid JSON.
    fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.text).ok()
    }

    fn deserialize_list<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        if !self.quoted {
            if let Some(array @ serde_json::Value::Array(_)) = self.json() {
                return array.deserialize_any(visitor).map_err(json_error);
            }
        }
        visitor.visit_seq(SeqDe(vec![Elem::Leaf(self)].into_iter()))
    }

    fn deserialize_object<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        if self.text.trim().is_empty() {
            return visitor.visit_map(MapDe::new(Vec::new()));
        }
        match self.json() {
            Some(object @ serde_json::Value::Object(_)) => object.deserialize_any(visitor).map_err(json_error),
            _ => Err(self.invalid_type(&visitor)),
        }
    }
}

/// Implements integer and float methods of [`LeafDe`] by parsing the text.
macro_rules! leaf_numbers {
    ($($method:ident => $parse:ident $ty:ty, $visit:ident;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
                let number: $ty = self.$parse(&visitor)?;
                visitor.$visit(number)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for LeafDe {
    type Error = QueryError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        if self.quoted {
            return visitor.visit_string(self.text);
        }
        match self.json() {
            Some(serde_json::Value::Number(number)) if number.is_f64() && !self.text.contains(['.', 'e', 'E']) => {
                // An integer too large for 64 bits: keep its digits.
                visitor.visit_string(self.text)
            }
            Some(
                value @ (serde_json::Value::Object(_)
                | serde_json::Value::Array(_)
                | serde_json::Value::Number(_)
                | serde_json::Value::Bool(_)),
            ) => value.deserialize_any(visitor).map_err(json_error),
            _ => visitor.visit_string(self.text),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        match self.text.as_str() {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    leaf_numbers! {
        deserialize_i8 => parse_int i8, visit_i8;
        deserialize_i16 => parse_int i16, visit_i16;
        deserialize_i32 => parse_int i32, visit_i32;
        deserialize_i64 => parse_int i64, visit_i64;
        deserialize_i128 => parse_int i128, visit_i128;
        deserialize_u8 => parse_int u8, visit_u8;
        deserialize_u16 => parse_int u16, visit_u16;
        deserialize_u32 => parse_int u32, visit_u32;
        deserialize_u64 => parse_int u64, visit_u64;
        deserialize_u128 => parse_int u128, visit_u128;
        deserialize_f32 => parse_float f32, visit_f32;
        deserialize_f64 => parse_float f64, visit_f64;
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        let mut chars = self.text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c),
            _ => Err(de::Error::invalid_value(Unexpected::Str(&self.text), &visitor)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        visitor.visit_string(self.text)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        visitor.visit_string(self.text)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        visitor.visit_byte_buf(self.text.into_bytes())
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        visitor.visit_byte_buf(self.text.into_bytes())
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, QueryError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, QueryError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        self.deserialize_list(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, QueryError> {
        self.deserialize_list(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, QueryError> {
        self.deserialize_list(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        self.deserialize_object(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, QueryError> {
        self.deserialize_object(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, QueryError> {
        if self.text.trim_start().starts_with('{') {
            if let Some(object @ serde_json::Value::Object(_)) = self.json() {
                return object.deserialize_enum(name, variants, visitor).map_err(json_error);
            }
        }
        let variant: de::value::StringDeserializer<QueryError> = self.text.into_deserializer();
        visitor.visit_enum(variant)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        visitor.visit_string(self.text)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        visitor.visit_unit()
    }
}

/// Whether `text` is an optionally signed run of ASCII digits.
fn looks_like_integer(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::{json, Value};

    use super::super::fixtures::{error, list, DateTimeFilter, ListMode, ListRequest};
    use super::super::from_query;

    #[test]
    fn scalars() {
        let request = list("limit=50&is_verified=true&mode=before&cursor=abc");
        assert_eq!(request.limit, Some(50));
        assert_eq!(request.is_verified, Some(true));
        assert_eq!(request.mode, Some(ListMode::Before));
        assert_eq!(request.cursor.as_deref(), Some("abc"));
        assert_eq!(list("is_verified=false").is_verified, Some(false));
        assert_eq!(list("limit=-3").limit, Some(-3));
    }

    #[test]
    fn every_number_width() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Numbers {
            a: i8,
            b: i16,
            c: i32,
            d: i64,
            e: i128,
            f: u8,
            g: u16,
            h: u32,
            i: u64,
            j: u128,
            k: f32,
            l: f64,
            m: char,
        }
        let numbers: Numbers = from_query(
            "a=-128&b=-32768&c=-7&d=9223372036854775807&e=-170141183460469231731687303715884105728\
             &f=255&g=65535&h=4294967295&i=18446744073709551615\
             &j=340282366920938463463374607431768211455&k=1.5&l=-2.5e3&m=x",
        )
        .unwrap();
        assert_eq!(
            numbers,
            Numbers {
                a: i8::MIN,
                b: i16::MIN,
                c: -7,
                d: i64::MAX,
                e: i128::MIN,
                f: u8::MAX,
                g: u16::MAX,
                h: u32::MAX,
                i: u64::MAX,
                j: u128::MAX,
                k: 1.5,
                l: -2500.0,
                m: 'x',
            }
        );
    }

    #[test]
    fn integer_type_errors() {
        let (path, message) = error::<ListRequest>("limit=abc");
        assert_eq!(path, "limit");
        assert!(message.starts_with("invalid type"), "{message}");
        assert_eq!(message, r#"invalid type: string "abc", expected i32"#);

        let (path, message) = error::<ListRequest>("limit=1.5");
        assert_eq!(path, "limit");
        assert_eq!(message, r#"invalid type: string "1.5", expected i32"#);

        let (_, message) = error::<ListRequest>("limit=99999999999");
        assert_eq!(message, r#"invalid value: string "99999999999", expected i32"#);

        let (_, message) = error::<ListRequest>("limit=");
        assert_eq!(message, r#"invalid type: string "", expected i32"#);
    }

    #[test]
    fn bool_type_error() {
        let (path, message) = error::<ListRequest>("is_verified=yes");
        assert_eq!(path, "is_verified");
        assert_eq!(message, r#"invalid type: string "yes", expected a boolean"#);
    }

    #[test]
    fn unknown_variant() {
        let (path, message) = error::<ListRequest>("mode=sideways");
        assert_eq!(path, "mode");
        assert_eq!(message, "unknown variant `sideways`, expected `after` or `before`");
    }

    #[test]
    fn nested_object_as_json() {
        let request = list(r#"created_date={"after":"x"}"#);
        assert_eq!(request.created_date, Some(DateTimeFilter { after: Some("x".to_owned()), before: None }));
        let (path, message) = error::<ListRequest>("created_date=x");
        assert_eq!(path, "created_date");
        assert_eq!(message, r#"invalid type: string "x", expected struct DateTimeFilter"#);
        let (path, message) = error::<ListRequest>(r#"created_date={"after":5}"#);
        assert_eq!(path, "created_date.after");
        assert!(message.starts_with("invalid type: integer `5`"), "{message}");
    }

    #[test]
    fn custom_fields_as_json_string() {
        let request = list("custom_fields=%7B%22tnt__x%22%3A1%2C%22tnt__y%22%3A%5B%22a%22%5D%7D");
        assert_eq!(Value::Object(request.custom_fields.unwrap()), json!({"tnt__x": 1, "tnt__y": ["a"]}));
        let request = list(r#"custom_fields={"tnt__x":{"a":null}}"#);
        assert_eq!(Value::Object(request.custom_fields.unwrap()), json!({"tnt__x": {"a": null}}));
        let (path, message) = error::<ListRequest>("custom_fields=nope");
        assert_eq!(path, "custom_fields");
        assert!(message.starts_with(r#"invalid type: string "nope""#), "{message}");
    }

    #[test]
    fn json_leaf_values() {
        let value: Value = from_query(r#"a=1&b=x&c=[1,"y"]&d={"k":false}&e="quoted"&f=-0.5&g=true&h="#).unwrap();
        assert_eq!(
            value,
            json!({
                "a": 1,
                "b": "x",
                "c": [1, "y"],
                "d": {"k": false},
                "e": "quoted",
                "f": -0.5,
                "g": true,
                "h": "",
            })
        );
    }
}
