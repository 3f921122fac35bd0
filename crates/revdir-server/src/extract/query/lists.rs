//! Reading the text of a value: splitting one given to an array into its items (plain
//! commas, double-quoted comma lists, JSON arrays), and unquoting one given to a scalar.

use super::leaf::LeafDe;

/// Splits one value given to an array into its items.
pub(super) fn split_list(value: &str) -> Vec<LeafDe> {
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

/// A key's raw value as one leaf: if it is exactly one double-quoted string, its unquoted
/// content; otherwise the text as given.
pub(super) fn single_value(raw: String) -> LeafDe {
    if raw.trim_start().starts_with('"') {
        if let Some(mut items) = tokenize_list(&raw) {
            if items.len() == 1 {
                if let Some(item) = items.pop() {
                    if item.is_quoted() {
                        return item;
                    }
                }
            }
        }
    }
    LeafDe::plain(raw)
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::fixtures::{error, list, strings, ListMode, ListRequest};
    use super::super::from_query;

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
}
