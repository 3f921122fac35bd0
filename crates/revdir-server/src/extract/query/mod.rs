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
//!
//! The decoder is split by stage: `tree` parses the query into a tree of keys, `lists`
//! reads the text of a value (a list's items, or one quoted value unquoted), `node`
//! deserializes one key of the tree and `leaf` one piece of text. `node` and `leaf` refer to
//! each other: a key's value is text, and text reuses the key's map and sequence access for
//! an empty object and a one-item list.

mod leaf;
mod lists;
mod node;
mod tree;

#[cfg(test)]
mod fixtures;

use std::fmt;

use serde::de::{self, DeserializeOwned, Unexpected};

use self::node::NodeDe;
use self::tree::Node;

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

/// The field of the first key or value of `query` that contains U+0000 (percent-encoded,
/// or escaped inside a JSON value), named as in a JSON body; `None` when there is none.
pub fn nul_field(query: &str) -> Option<String> {
    tree::nul_field(query.strip_prefix('?').unwrap_or(query))
}

/// The text used in place of a type when a scalar receives a repeated key.
const AMBIGUOUS: Unexpected<'static> = Unexpected::Other("ambiguous repeated key");

/// Converts an error raised while deserializing from a parsed JSON value.
fn json_error(err: serde_json::Error) -> QueryError {
    de::Error::custom(err)
}

#[cfg(test)]
mod tests {
    use super::fixtures::{error, list, GetRequest, ListRequest};
    use super::*;

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
    fn unknown_keys_are_ignored() {
        let request = list("limit=2&foo=bar&foo.bar[baz]=1&nested[a][b]=c");
        assert_eq!(request.limit, Some(2));
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
