//! Deserializing one key of the query tree: its values, its nested keys, or both.

use serde::de::{self, DeserializeSeed, Expected, MapAccess, SeqAccess, Unexpected, VariantAccess, Visitor};
use serde::Deserializer;

use super::leaf::LeafDe;
use super::lists::{single_value, split_list};
use super::tree::Node;
use super::{QueryError, AMBIGUOUS};

/// Deserializes one key of the query.
pub(super) struct NodeDe(pub(super) Node);

impl NodeDe {
    /// The single value of this key, for a scalar.
    fn into_leaf(self, expected: &dyn Expected) -> Result<LeafDe, QueryError> {
        let mut values = self.0.values;
        if values.len() > 1 {
            return Err(de::Error::invalid_type(AMBIGUOUS, expected));
        }
        match values.pop() {
            Some(value) => Ok(single_value(value)),
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
            Some(value) => single_value(value).deserialize_map(visitor),
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
                return single_value(value).deserialize_any(visitor);
            }
        }
        let items: Vec<Elem> = node.values.into_iter().map(|value| Elem::Leaf(single_value(value))).collect();
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
pub(super) struct MapDe {
    entries: std::vec::IntoIter<(String, Node)>,
    value: Option<Node>,
}

impl MapDe {
    pub(super) fn new(children: Vec<(String, Node)>) -> Self {
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
pub(super) enum Elem {
    /// An item of a value, e.g. `b` in `email=a,b`.
    Leaf(LeafDe),
    /// An indexed key, e.g. `email[1]`.
    Node(Node),
}

/// The elements of an array.
pub(super) struct SeqDe(pub(super) std::vec::IntoIter<Elem>);

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

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use serde::Deserialize;
    use serde_json::{json, Value};

    use super::super::fixtures::{error, list, strings, ListMode, ListRequest};
    use super::super::from_query;

    #[test]
    fn indexed_keys() {
        assert_eq!(list("email[1]=b&email[0]=a&email[10]=c").email, strings(&["a", "b", "c"]));
        let (path, message) = error::<ListRequest>("email.x=a");
        assert_eq!(path, "email");
        assert!(message.starts_with("invalid type: map"), "{message}");
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
}
