//! A type-driven serde deserializer for HTTP query strings.
//!
//! DevRev clients encode query parameters in several incompatible ways, and no
//! published crate accepts all of them, so this module decodes a query string
//! into any `T: DeserializeOwned` using the *type being asked for* to decide how
//! to read each value.
//!
//! Supported forms:
//!
//! - **Arrays** as plain commas (`email=a,b`), as double-quoted comma lists
//!   (`email="a","b"`, what DevRev's TypeScript SDK sends; a quoted item may
//!   contain commas; `\"` and `\\` are escapes, any other backslash is literal, and
//!   a `"` ends an item only before a comma or the end), as a JSON array (`email=["a","b"]`), as repeated
//!   keys (`email=a&email=b`), as bracket-suffixed keys (`email[]=a`) and as
//!   indexed keys (`email[0]=a&email[1]=b`). Every occurrence is concatenated
//!   in order. An empty value (`email=`) is an empty array.
//! - **Nested objects** as dotted keys (`created_date.after=X`), bracketed keys
//!   (`created_date[after]=X`) or a mixture, at any depth (up to
//!   [`MAX_KEY_DEPTH`] segments; deeper segments stay part of the last key), or
//!   as one JSON-encoded object (`custom_fields={"tnt__x":1}`).
//! - **Scalars** parsed from text for the requested type: `true`/`false`,
//!   every integer and float width, chars, strings (a value that is exactly one
//!   double-quoted string has its quotes stripped), unit enum variants, options
//!   (a present key is `Some`) and newtypes. A scalar given a repeated key is
//!   rejected as ambiguous.
//! - **Self-describing leaves** (`deserialize_any`, e.g. values of a
//!   `serde_json::Map`): text that parses as a JSON object, array, number or
//!   bool yields that JSON value; anything else (including a quoted value and
//!   `null`) yields a string.
//!
//! Keys and values are percent-decoded, with `+` as a space, by
//! [`url::form_urlencoded::parse`] *before* any comma splitting, so an encoded
//! comma (`%2C`) still separates plain items: use the quoted form to send an
//! item containing a comma. Unknown keys are ignored.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Expected, IntoDeserializer, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};
use serde::Deserializer;

/// The maximum number of segments a dotted or bracketed key is split into;
/// any further segments remain, joined with `.`, in the last one.
pub const MAX_KEY_DEPTH: usize = 32;

/// An error produced while decoding a query string.
///
/// Its `Display` text is serde's: type errors read
/// `invalid type: string "abc", expected i32`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    message: String,
}

impl QueryError {
    /// The error message, as shown by `Display`.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for QueryError {}

impl de::Error for QueryError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self { message: msg.to_string() }
    }
}

/// Decodes the query string `query` (without the `?`; a leading `?` is
/// tolerated) into a `T`.
///
/// The error carries the path of the offending field, e.g. `created_date.after`
/// or `limit`; see the [module documentation](self) for the accepted forms.
pub fn from_query<T: DeserializeOwned>(query: &str) -> Result<T, serde_path_to_error::Error<QueryError>> {
    let query = query.strip_prefix('?').unwrap_or(query);
    serde_path_to_error::deserialize(NodeDe(Node::parse(query)))
}

/// The text used in place of a type when a scalar receives a repeated key.
const AMBIGUOUS: Unexpected<'static> = Unexpected::Other("ambiguous repeated key");

/// Converts an error raised while deserializing from a parsed JSON value.
fn json_error(err: serde_json::Error) -> QueryError {
    de::Error::custom(err)
}

// ---------------------------------------------------------------------------
// Parsing the query into a tree.
// ---------------------------------------------------------------------------

/// One key of the query: the values given to it and its nested keys.
#[derive(Debug, Default)]
struct Node {
    /// Every value given to this exact key, in query order.
    values: Vec<String>,
    /// Nested keys, in order of first appearance.
    children: Vec<(String, Node)>,
    /// Index of each child's name in `children`.
    index: HashMap<String, usize>,
}

impl Node {
    /// Parses a whole (undecoded) query string into its root node.
    fn parse(query: &str) -> Self {
        let mut root = Self::default();
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let segments = split_key(&key);
            if segments.is_empty() {
                continue;
            }
            root.descend(segments).values.push(value.into_owned());
        }
        root
    }

    /// The node at `segments` below this one, created if missing.
    fn descend(&mut self, segments: Vec<String>) -> &mut Self {
        let mut node = self;
        for segment in segments {
            let position = match node.index.get(&segment) {
                Some(&position) => position,
                None => {
                    let position = node.children.len();
                    node.index.insert(segment.clone(), position);
                    node.children.push((segment, Self::default()));
                    position
                }
            };
            node = &mut node.children[position].1;
        }
        node
    }
}

/// Splits a decoded key such as `a.b[c][]` into its non-empty segments
/// (`["a", "b", "c"]`). Dots inside brackets are literal; an unclosed `[` is
/// literal too.
fn split_key(key: &str) -> Vec<String> {
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut rest = key;
    while let Some(c) = rest.chars().next() {
        match c {
            '.' => {
                push_segment(&mut segments, &mut current);
                rest = &rest[1..];
            }
            '[' => match rest[1..].find(']') {
                Some(end) => {
                    push_segment(&mut segments, &mut current);
                    current.push_str(&rest[1..=end]);
                    push_segment(&mut segments, &mut current);
                    rest = &rest[end + 2..];
                }
                None => {
                    current.push_str(rest);
                    rest = "";
                }
            },
            _ => {
                current.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    push_segment(&mut segments, &mut current);
    if segments.len() > MAX_KEY_DEPTH {
        let tail = segments.split_off(MAX_KEY_DEPTH - 1).join(".");
        segments.push(tail);
    }
    segments
}

/// Moves `current` to `segments` unless it is empty.
fn push_segment(segments: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        segments.push(std::mem::take(current));
    }
}

// ---------------------------------------------------------------------------
// Splitting values.
// ---------------------------------------------------------------------------

/// Splits one value given to an array into its items.
fn split_list(value: &str) -> Vec<LeafDe> {
    if value.is_empty() {
        return Vec::new();
    }
    if let Some(items) = json_array_items(value) {
        return items;
    }
    if let Some(items) = tokenize_list(value) {
        return items;
    }
    value.split(',').map(|item| LeafDe::plain(item.to_owned())).collect()
}

/// The items of `value` if it is a JSON array: strings become quoted items,
/// anything else its JSON text.
fn json_array_items(value: &str) -> Option<Vec<LeafDe>> {
    if !value.trim_start().starts_with('[') {
        return None;
    }
    let items: Vec<serde_json::Value> = serde_json::from_str(value).ok()?;
    Some(
        items
            .into_iter()
            .map(|item| match item {
                serde_json::Value::String(text) => LeafDe::quoted(text),
                other => LeafDe::plain(other.to_string()),
            })
            .collect(),
    )
}

/// Splits a comma list whose items may be double-quoted (`"a,b",c`); inside
/// quotes `\"` and `\\` are escapes. Returns `None` if a
/// quoted item is unterminated or followed by anything but a comma.
fn tokenize_list(value: &str) -> Option<Vec<LeafDe>> {
    let mut items = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        // Whitespace before an opening quote is not part of the item.
        let mut ahead = chars.clone();
        while ahead.next_if(|c| c.is_whitespace()).is_some() {}
        if ahead.peek() == Some(&'"') {
            ahead.next();
            chars = ahead;
            // DevRev's TypeScript SDK quotes items without escaping what is inside them, so a
            // backslash escapes only `"` or `\`, and a `"` closes the item only when a comma or
            // the end of the value follows; any other `\` or `"` is part of the item.
            let mut text = String::new();
            loop {
                match chars.next()? {
                    '\\' if matches!(chars.peek(), Some('"' | '\\')) => text.push(chars.next()?),
                    '"' => {
                        let mut after = chars.clone();
                        while after.next_if(|c| c.is_whitespace()).is_some() {}
                        if matches!(after.peek(), None | Some(',')) {
                            break;
                        }
                        text.push('"');
                    }
                    c => text.push(c),
                }
            }
            items.push(LeafDe::quoted(text));
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            match chars.next() {
                None => return Some(items),
                Some(',') => {}
                Some(_) => return None,
            }
        } else {
            let mut text = String::new();
            loop {
                match chars.next() {
                    None => {
                        items.push(LeafDe::plain(text));
                        return Some(items);
                    }
                    Some(',') => break,
                    Some(c) => text.push(c),
                }
            }
            items.push(LeafDe::plain(text));
        }
    }
}

/// Whether `text` is an optionally signed run of ASCII digits.
fn looks_like_integer(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

// ---------------------------------------------------------------------------
// Deserializing a node (a key with its values and nested keys).
// ---------------------------------------------------------------------------

/// Deserializes one key of the query.
struct NodeDe(Node);

impl NodeDe {
    /// The single value of this key, for a scalar.
    fn into_leaf(self, expected: &dyn Expected) -> Result<LeafDe, QueryError> {
        let mut values = self.0.values;
        if values.len() > 1 {
            return Err(de::Error::invalid_type(AMBIGUOUS, expected));
        }
        match values.pop() {
            Some(value) => Ok(LeafDe::from_raw(value)),
            None => Err(de::Error::invalid_type(Unexpected::Map, expected)),
        }
    }

    /// Every value's items, then indexed children (`key[0]`, `key[1]`, ...).
    fn deserialize_list<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        let Node { values, children, .. } = self.0;
        let mut items: Vec<Elem> = values.iter().flat_map(|value| split_list(value)).map(Elem::Leaf).collect();
        let mut indexed = Vec::with_capacity(children.len());
        for (key, node) in children {
            match key.parse::<usize>() {
                Ok(position) => indexed.push((position, node)),
                Err(_) => return Err(de::Error::invalid_type(Unexpected::Map, &visitor)),
            }
        }
        indexed.sort_by_key(|(position, _)| *position);
        items.extend(indexed.into_iter().map(|(_, node)| Elem::Node(node)));
        visitor.visit_seq(SeqDe(items.into_iter()))
    }

    /// Nested keys as a map, or a single value holding a JSON object.
    fn deserialize_object<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        let mut node = self.0;
        if !node.children.is_empty() || node.values.is_empty() {
            return visitor.visit_map(MapDe::new(node.children));
        }
        if node.values.len() > 1 {
            return Err(de::Error::invalid_type(AMBIGUOUS, &visitor));
        }
        match node.values.pop() {
            Some(value) => LeafDe::from_raw(value).deserialize_map(visitor),
            None => visitor.visit_map(MapDe::new(Vec::new())),
        }
    }
}

/// Forwards scalar methods of [`NodeDe`] to the key's single value.
macro_rules! node_scalars {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
                self.into_leaf(&visitor)?.$method(visitor)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for NodeDe {
    type Error = QueryError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        let mut node = self.0;
        if !node.children.is_empty() || node.values.is_empty() {
            return visitor.visit_map(MapDe::new(node.children));
        }
        if node.values.len() == 1 {
            if let Some(value) = node.values.pop() {
                return LeafDe::from_raw(value).deserialize_any(visitor);
            }
        }
        let items: Vec<Elem> = node.values.into_iter().map(|value| Elem::Leaf(LeafDe::from_raw(value))).collect();
        visitor.visit_seq(SeqDe(items.into_iter()))
    }

    node_scalars! {
        deserialize_bool
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
        deserialize_char deserialize_str deserialize_string
        deserialize_bytes deserialize_byte_buf deserialize_identifier
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
        let mut node = self.0;
        if node.children.is_empty() {
            return Self(node).into_leaf(&visitor)?.deserialize_enum(name, variants, visitor);
        }
        // `mode.variant=...`: an externally tagged variant with content.
        if node.children.len() == 1 {
            if let Some((variant, content)) = node.children.pop() {
                return visitor.visit_enum(NodeEnum { variant, content });
            }
        }
        Err(de::Error::invalid_type(Unexpected::Map, &visitor))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, QueryError> {
        visitor.visit_unit()
    }
}

/// An enum given as a key with one nested key naming the variant.
struct NodeEnum {
    variant: String,
    content: Node,
}

impl<'de> de::EnumAccess<'de> for NodeEnum {
    type Error = QueryError;
    type Variant = NodeDe;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, NodeDe), QueryError> {
        let variant = seed.deserialize(LeafDe::quoted(self.variant))?;
        Ok((variant, NodeDe(self.content)))
    }
}

impl<'de> VariantAccess<'de> for NodeDe {
    type Error = QueryError;

    fn unit_variant(self) -> Result<(), QueryError> {
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, QueryError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, QueryError> {
        self.deserialize_list(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, QueryError> {
        self.deserialize_object(visitor)
    }
}

/// The nested keys of a node, as a map.
struct MapDe {
    entries: std::vec::IntoIter<(String, Node)>,
    value: Option<Node>,
}

impl MapDe {
    fn new(children: Vec<(String, Node)>) -> Self {
        Self { entries: children.into_iter(), value: None }
    }
}

impl<'de> MapAccess<'de> for MapDe {
    type Error = QueryError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, QueryError> {
        match self.entries.next() {
            Some((key, node)) => {
                self.value = Some(node);
                seed.deserialize(LeafDe::quoted(key)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, QueryError> {
        match self.value.take() {
            Some(node) => seed.deserialize(NodeDe(node)),
            None => Err(de::Error::custom("map value requested before its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// One element of an array.
enum Elem {
    /// An item of a value, e.g. `b` in `email=a,b`.
    Leaf(LeafDe),
    /// An indexed key, e.g. `email[1]`.
    Node(Node),
}

/// The elements of an array.
struct SeqDe(std::vec::IntoIter<Elem>);

impl<'de> SeqAccess<'de> for SeqDe {
    type Error = QueryError;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, QueryError> {
        match self.0.next() {
            Some(Elem::Leaf(leaf)) => seed.deserialize(leaf).map(Some),
            Some(Elem::Node(node)) => seed.deserialize(NodeDe(node)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

// ---------------------------------------------------------------------------
// Deserializing a single piece of text.
// ---------------------------------------------------------------------------

/// Deserializes one piece of text: a key's single value, an array item or a
/// map key.
struct LeafDe {
    /// The text, with any surrounding quotes already removed.
    text: String,
    /// Whether the text was double-quoted (or is a key): it is then always a
    /// string to `deserialize_any`.
    quoted: bool,
}

impl LeafDe {
    fn plain(text: String) -> Self {
        Self { text, quoted: false }
    }

    fn quoted(text: String) -> Self {
        Self { text, quoted: true }
    }

    /// A key's raw value: if it is exactly one double-quoted string, its
    /// unquoted content.
    fn from_raw(raw: String) -> Self {
        if raw.trim_start().starts_with('"') {
            if let Some(mut items) = tokenize_list(&raw) {
                if items.len() == 1 {
                    if let Some(item) = items.pop() {
                        if item.quoted {
                            return item;
                        }
                    }
                }
            }
        }
        Self::plain(raw)
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

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use serde::Deserialize;
    use serde_json::{json, Map, Value};

    use super::*;

    #[derive(Debug, Deserialize, PartialEq, Eq)]
    #[serde(rename_all = "snake_case")]
    enum ListMode {
        After,
        Before,
    }

    #[derive(Debug, Default, Deserialize, PartialEq, Eq)]
    struct DateTimeFilter {
        after: Option<String>,
        before: Option<String>,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    struct ListRequest {
        email: Option<Vec<String>>,
        limit: Option<i32>,
        is_verified: Option<bool>,
        mode: Option<ListMode>,
        created_date: Option<DateTimeFilter>,
        custom_fields: Option<Map<String, Value>>,
        sort_by: Option<Vec<String>>,
        cursor: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq, Eq)]
    struct GetRequest {
        id: String,
    }

    fn list(query: &str) -> ListRequest {
        match from_query(query) {
            Ok(request) => request,
            Err(err) => panic!("{query:?} failed: {err}"),
        }
    }

    fn error<T: DeserializeOwned + fmt::Debug>(query: &str) -> (String, String) {
        match from_query::<T>(query) {
            Ok(value) => panic!("{query:?} unexpectedly gave {value:?}"),
            Err(err) => (err.path().to_string(), err.inner().to_string()),
        }
    }

    fn strings(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn empty_query_gives_all_none() {
        assert_eq!(list(""), ListRequest::default());
        assert_eq!(list("?"), ListRequest::default());
        assert_eq!(list("&&"), ListRequest::default());
    }

    #[test]
    fn missing_required_field() {
        let (path, message) = error::<GetRequest>("");
        assert_eq!(message, "missing field `id`");
        assert_eq!(path, ".");
        let (_, message) = error::<GetRequest>("other=1");
        assert_eq!(message, "missing field `id`");
        let request: GetRequest = from_query("id=don:identity:dvrv-us-1:devo/1:revu/2").unwrap();
        assert_eq!(request.id, "don:identity:dvrv-us-1:devo/1:revu/2");
    }

    #[test]
    fn plain_comma_array() {
        assert_eq!(list("email=a,b").email, strings(&["a", "b"]));
        assert_eq!(list("email=a").email, strings(&["a"]));
        assert_eq!(list("email=").email, strings(&[]));
        assert_eq!(list("email=a,,b").email, strings(&["a", "", "b"]));
    }

    #[test]
    fn quoted_comma_array() {
        assert_eq!(list(r#"email="a","b""#).email, strings(&["a", "b"]));
        assert_eq!(list("email=%22a%22%2C%22b%22").email, strings(&["a", "b"]));
        assert_eq!(list(r#"email="a,b","c""#).email, strings(&["a,b", "c"]));
        assert_eq!(list(r#"email="say \"hi\", ok",x"#).email, strings(&[r#"say "hi", ok"#, "x"]));
        assert_eq!(list(r#"email="a", "b""#).email, strings(&["a", "b"]));
        assert_eq!(list(r#"email="""#).email, strings(&[""]));
        // What the TypeScript SDK sends for items holding `\` or `"`: quoted, unescaped.
        assert_eq!(list(r#"email="CORP\jdoe","x""#).email, strings(&[r"CORP\jdoe", "x"]));
        assert_eq!(list(r#"email="say "hi" now""#).email, strings(&[r#"say "hi" now"#]));
    }

    #[test]
    fn malformed_quotes_fall_back_to_plain_commas() {
        assert_eq!(list(r#"email="a"b,c"#).email, strings(&[r#""a"b"#, "c"]));
        assert_eq!(list(r#"email="a,b"#).email, strings(&[r#""a"#, "b"]));
        assert_eq!(list(r#"email=a"b,c"#).email, strings(&[r#"a"b"#, "c"]));
    }

    #[test]
    fn json_array() {
        assert_eq!(list(r#"email=["a,b","c"]"#).email, strings(&["a,b", "c"]));
        let numbers: HashMap<String, Vec<u8>> = from_query("n=[1,2,3]").unwrap();
        assert_eq!(numbers["n"], vec![1, 2, 3]);
    }

    #[test]
    fn repeated_and_bracketed_keys() {
        assert_eq!(list("email=a&email=b").email, strings(&["a", "b"]));
        assert_eq!(list("email[]=a&email[]=b").email, strings(&["a", "b"]));
        assert_eq!(list("email%5B%5D=a&email%5B%5D=b").email, strings(&["a", "b"]));
        assert_eq!(
            list(r#"email=a,b&email="c,d"&email[]=e&limit=1&email=f"#).email,
            strings(&["a", "b", "c,d", "e", "f"])
        );
    }

    #[test]
    fn indexed_keys() {
        assert_eq!(list("email[1]=b&email[0]=a&email[10]=c").email, strings(&["a", "b", "c"]));
        let (path, message) = error::<ListRequest>("email.x=a");
        assert_eq!(path, "email");
        assert!(message.starts_with("invalid type: map"), "{message}");
    }

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
    fn repeated_scalar_is_ambiguous() {
        let (path, message) = error::<ListRequest>("limit=1&limit=2");
        assert_eq!(path, "limit");
        assert_eq!(message, "invalid type: ambiguous repeated key, expected i32");
        let (path, message) = error::<ListRequest>("created_date.after=a&created_date[after]=b");
        assert_eq!(path, "created_date.after");
        assert!(message.contains("ambiguous"), "{message}");
    }

    #[test]
    fn colon_is_kept() {
        assert_eq!(list("sort_by=created_date:desc").sort_by, strings(&["created_date:desc"]));
        assert_eq!(
            list("sort_by=created_date:desc,display_name:asc").sort_by,
            strings(&["created_date:desc", "display_name:asc"])
        );
    }

    #[test]
    fn quoted_scalars_are_unquoted() {
        assert_eq!(list(r#"cursor="abc""#).cursor.as_deref(), Some("abc"));
        assert_eq!(list(r#"cursor="a,\"b""#).cursor.as_deref(), Some(r#"a,"b"#));
        assert_eq!(list(r#"limit="5""#).limit, Some(5));
        assert_eq!(list(r#"mode="after""#).mode, Some(ListMode::After));
        // Not a single quoted string: kept as is.
        assert_eq!(list(r#"cursor="a","b""#).cursor.as_deref(), Some(r#""a","b""#));
        assert_eq!(list(r#"cursor=a"b""#).cursor.as_deref(), Some(r#"a"b""#));
        let (_, message) = error::<ListRequest>(r#"limit="abc""#);
        assert_eq!(message, r#"invalid type: string "abc", expected i32"#);
    }

    #[test]
    fn percent_decoding_and_plus() {
        assert_eq!(list("cursor=a+b%20c%26d").cursor.as_deref(), Some("a b c&d"));
        assert_eq!(list("cur%73or=%C3%A9").cursor.as_deref(), Some("é"));
        // An encoded comma still separates plain items.
        assert_eq!(list("email=a%2Cb").email, strings(&["a", "b"]));
    }

    #[test]
    fn dotted_and_bracketed_nesting() {
        let expected = Some(DateTimeFilter {
            after: Some("2024-01-01T00:00:00Z".to_owned()),
            before: Some("2025-01-01T00:00:00Z".to_owned()),
        });
        assert_eq!(
            list("created_date.after=2024-01-01T00:00:00Z&created_date.before=2025-01-01T00:00:00Z").created_date,
            expected
        );
        assert_eq!(
            list("created_date[after]=2024-01-01T00:00:00Z&created_date%5Bbefore%5D=2025-01-01T00:00:00Z").created_date,
            expected
        );
        assert_eq!(
            list("created_date.after=2024-01-01T00:00:00Z&created_date[before]=2025-01-01T00:00:00Z").created_date,
            expected
        );
        assert_eq!(list("created_date.unknown=1").created_date, Some(DateTimeFilter::default()));
        assert_eq!(list("created_date=").created_date, Some(DateTimeFilter::default()));
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
    fn deep_nesting_and_error_paths() {
        #[derive(Debug, Deserialize)]
        struct Range {
            min: Option<i64>,
        }
        #[derive(Debug, Deserialize)]
        struct Middle {
            range: Range,
            tags: Option<Vec<String>>,
        }
        #[derive(Debug, Deserialize)]
        struct Outer {
            filter: Middle,
        }
        let outer: Outer = from_query("filter.range.min=3&filter[tags][]=a&filter[tags][]=b").unwrap();
        assert_eq!(outer.filter.range.min, Some(3));
        assert_eq!(outer.filter.tags, strings(&["a", "b"]));
        let outer: Outer = from_query("filter[range].min=4").unwrap();
        assert_eq!(outer.filter.range.min, Some(4));

        let (path, message) = error::<Outer>("filter.range.min=abc");
        assert_eq!(path, "filter.range.min");
        assert_eq!(message, r#"invalid type: string "abc", expected i64"#);
        let (path, message) = error::<Outer>("filter.tags=a");
        assert_eq!(path, "filter");
        assert_eq!(message, "missing field `range`");
    }

    #[test]
    fn custom_fields_as_dotted_keys() {
        let request = list(
            "custom_fields.tnt__x=1&custom_fields.tnt__y=abc&custom_fields[tnt__z]=true\
             &custom_fields.tnt__q=%225%22&custom_fields.tnt__f=1.5\
             &custom_fields.tnt__l=a&custom_fields.tnt__l=b&custom_fields.tnt__n=null\
             &custom_fields.tnt__big=123456789012345678901234567890",
        );
        assert_eq!(
            Value::Object(request.custom_fields.unwrap()),
            json!({
                "tnt__x": 1,
                "tnt__y": "abc",
                "tnt__z": true,
                "tnt__q": "5",
                "tnt__f": 1.5,
                "tnt__l": ["a", "b"],
                "tnt__n": "null",
                "tnt__big": "123456789012345678901234567890",
            })
        );
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

    #[test]
    fn unknown_keys_are_ignored() {
        let request = list("limit=2&foo=bar&foo.bar[baz]=1&nested[a][b]=c");
        assert_eq!(request.limit, Some(2));
    }

    #[test]
    fn maps_and_typed_keys() {
        let map: BTreeMap<String, String> = from_query("b=2&a=1").unwrap();
        assert_eq!(map.len(), 2);
        assert_eq!(map["a"], "1");
        let map: HashMap<u32, bool> = from_query("1=true&2=false").unwrap();
        assert!(map[&1]);
        assert!(!map[&2]);
    }

    #[test]
    fn newtypes_enum_lists_and_tuples() {
        #[derive(Debug, Deserialize, PartialEq, Eq)]
        struct Id(String);
        #[derive(Debug, Deserialize, PartialEq, Eq)]
        struct Limit(u16);
        #[derive(Debug, Deserialize)]
        struct Request {
            id: Id,
            limit: Option<Limit>,
            modes: Vec<ListMode>,
            pair: (i32, String),
            ids: Option<Vec<Id>>,
        }
        let request: Request = from_query(r#"id=x&limit=7&modes=after,before&modes="after"&pair=1,b&ids=p,q"#).unwrap();
        assert_eq!(request.id, Id("x".to_owned()));
        assert_eq!(request.limit, Some(Limit(7)));
        assert_eq!(request.modes, vec![ListMode::After, ListMode::Before, ListMode::After]);
        assert_eq!(request.pair, (1, "b".to_owned()));
        assert_eq!(request.ids, Some(vec![Id("p".to_owned()), Id("q".to_owned())]));

        let (path, message) = error::<Request>("id=x&modes=after,up&pair=1,b");
        assert_eq!(path, "modes[1]");
        assert!(message.starts_with("unknown variant `up`"), "{message}");
    }

    #[test]
    fn enums_with_content() {
        #[derive(Debug, Deserialize, PartialEq, Eq)]
        #[serde(rename_all = "snake_case")]
        enum Filter {
            Any,
            Exact(String),
            Range { min: u8, max: u8 },
        }
        #[derive(Debug, Deserialize)]
        struct Request {
            f: Filter,
        }
        let get = |query: &str| from_query::<Request>(query).unwrap().f;
        assert_eq!(get("f=any"), Filter::Any);
        assert_eq!(get("f.exact=x"), Filter::Exact("x".to_owned()));
        assert_eq!(get("f.range.min=1&f.range.max=2"), Filter::Range { min: 1, max: 2 });
        assert_eq!(get(r#"f={"exact":"y"}"#), Filter::Exact("y".to_owned()));
    }

    #[test]
    fn key_splitting() {
        assert_eq!(split_key("a.b[c][]"), vec!["a", "b", "c"]);
        assert_eq!(split_key("a[b.c]"), vec!["a", "b.c"]);
        assert_eq!(split_key("a[b"), vec!["a[b"]);
        assert_eq!(split_key("[]"), Vec::<String>::new());
        assert_eq!(split_key("é.ü"), vec!["é", "ü"]);
        let deep = vec!["x"; MAX_KEY_DEPTH + 5].join(".");
        let segments = split_key(&deep);
        assert_eq!(segments.len(), MAX_KEY_DEPTH);
        assert_eq!(segments[MAX_KEY_DEPTH - 1], "x.x.x.x.x.x");
    }

    #[test]
    fn error_traits() {
        let err: QueryError = de::Error::custom("boom");
        assert_eq!(err.to_string(), "boom");
        assert_eq!(err.message(), "boom");
        let boxed: Box<dyn std::error::Error> = Box::new(err);
        assert_eq!(boxed.to_string(), "boom");
        let err = from_query::<ListRequest>("limit=x").unwrap_err();
        assert_eq!(err.to_string(), r#"limit: invalid type: string "x", expected i32"#);
    }
}
