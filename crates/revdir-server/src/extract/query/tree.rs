//! Parsing a query string into a tree of keys: `a.b[c]=v` is the value `v` of key `c`
//! below `b` below `a`.

use std::collections::HashMap;

use super::MAX_KEY_DEPTH;
use crate::extract::nul::{join, json_nul_path};

/// One key of the query: the values given to it and its nested keys.
#[derive(Debug, Default)]
pub(super) struct Node {
    /// Every value given to this exact key, in query order.
    pub(super) values: Vec<String>,
    /// Nested keys, in order of first appearance.
    pub(super) children: Vec<(String, Node)>,
    /// Index of each child's name in `children`.
    index: HashMap<String, usize>,
}

impl Node {
    /// Parses a whole (undecoded) query string into its root node.
    pub(super) fn parse(query: &str) -> Self {
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

/// The field of the first pair of `query` whose key or value contains U+0000, in the path
/// form of a JSON body (`created_date.after`, `custom_fields.tnt__x`): a NUL percent-encoded
/// (`%00`) or, in a value that is JSON, escaped (`\u0000`). `query` names the key itself
/// when it has no name to show.
pub(super) fn nul_field(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes()).find_map(|(key, value)| {
        if key.contains('\0') {
            return Some(key.replace('\0', "\\u0000"));
        }
        let inner = if value.contains('\0') {
            String::new()
        } else if value.contains("\\u0000") {
            // Only a JSON object or array is decoded as JSON (see `leaf`); in any other text
            // the escape is six characters.
            match serde_json::from_str(&value).ok()? {
                json @ (serde_json::Value::Object(_) | serde_json::Value::Array(_)) => json_nul_path(&json)?,
                _ => return None,
            }
        } else {
            return None;
        };
        let field = split_key(&key).iter().fold(String::new(), |path, segment| {
            if segment.bytes().all(|b| b.is_ascii_digit()) {
                format!("{path}[{segment}]")
            } else {
                join(&path, segment)
            }
        });
        Some(join(if field.is_empty() { "query" } else { &field }, &inner))
    })
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

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::super::fixtures::{error, list, strings, DateTimeFilter};
    use super::super::from_query;
    use super::*;

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
    fn nul_fields_are_named_like_body_fields() {
        assert_eq!(nul_field("email=a&limit=2"), None);
        assert_eq!(nul_field("email=a%00b").as_deref(), Some("email"));
        assert_eq!(nul_field("email[]=a&email[]=%00").as_deref(), Some("email"));
        assert_eq!(nul_field("created_date[after]=%00").as_deref(), Some("created_date.after"));
        assert_eq!(nul_field("tags[1]=%00").as_deref(), Some("tags[1]"));
        assert_eq!(nul_field("e%00mail=a").as_deref(), Some("e\\u0000mail"));
        assert_eq!(nul_field("%5B%5D=%00").as_deref(), Some("query"));
        assert_eq!(nul_field(r#"custom_fields={"tnt__x":["a","\u0000"]}"#).as_deref(), Some("custom_fields.tnt__x[1]"));
        assert_eq!(nul_field(r#"email=["\u0000"]"#).as_deref(), Some("email[0]"));
        // Outside JSON the escape is text: six characters, stored as given.
        assert_eq!(nul_field(r#"display_name=\u0000"#), None);
        assert_eq!(nul_field(r#"display_name="\u0000""#), None);
    }

    #[test]
    fn percent_decoding_and_plus() {
        assert_eq!(list("cursor=a+b%20c%26d").cursor.as_deref(), Some("a b c&d"));
        assert_eq!(list("cur%73or=%C3%A9").cursor.as_deref(), Some("é"));
        // An encoded comma still separates plain items.
        assert_eq!(list("email=a%2Cb").email, strings(&["a", "b"]));
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
}
