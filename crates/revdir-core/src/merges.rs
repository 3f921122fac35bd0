//! What a merge keeps (§7, §8.1; API-CONVENTIONS entry 94): the primary's values stay, and
//! whatever the primary lacks comes from the secondary. Pure functions of the two records,
//! read and locked by the store in the merge's transaction.

use crate::custom::CustomState;
use crate::orgs::AccountRecord;
use crate::users::UserRecord;

/// `primary` followed by the values of `secondary` it lacks, in order, without repeats.
pub fn union(primary: &[String], secondary: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(primary.len() + secondary.len());
    for v in primary.iter().chain(secondary) {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}

/// Custom fields: the primary's values stay; a field the primary has no value for takes the
/// secondary's when it belongs to a fragment both can carry (tenant and app fields always,
/// subtype fields only when the subtypes agree or the primary has none).
pub fn merge_custom(primary: &CustomState, secondary: &CustomState) -> CustomState {
    let mut out = primary.clone();
    let same_subtype = primary.subtype.is_none() || primary.subtype == secondary.subtype;
    if primary.subtype.is_none() {
        out.subtype.clone_from(&secondary.subtype);
    }
    for (key, value) in &secondary.fields {
        let subtype_field = key.starts_with("ctype__");
        if out.fields.contains_key(key) || (subtype_field && !same_subtype) {
            continue;
        }
        out.fields.insert(key.clone(), value.clone());
    }
    for f in &secondary.fragments {
        if !out.fragments.contains(f) {
            out.fragments.push(*f);
        }
    }
    out
}

/// The primary contact after the secondary is merged into it. External refs, phone numbers
/// and attachments are united; single values (email, names, description, picture,
/// workspace) come from the secondary only where the primary has none.
pub fn merge_rev_users(primary: &UserRecord, secondary: &UserRecord) -> UserRecord {
    let mut out = primary.clone();
    let secondary_refs: Vec<String> =
        secondary.external_ref.iter().cloned().chain(secondary.external_refs.iter().cloned()).collect();
    let primary_refs: Vec<String> = if primary.external_refs.is_empty() {
        primary.external_ref.iter().cloned().collect()
    } else {
        primary.external_refs.clone()
    };
    out.external_refs = union(&primary_refs, &secondary_refs);
    if out.external_ref.is_none() {
        out.external_ref.clone_from(&secondary.external_ref);
    }
    out.phone_numbers = union(&primary.phone_numbers, &secondary.phone_numbers);
    for (mine, theirs) in [
        (&mut out.email, &secondary.email),
        (&mut out.display_name, &secondary.display_name),
        (&mut out.full_name, &secondary.full_name),
        (&mut out.description, &secondary.description),
        (&mut out.rev_org, &secondary.rev_org),
    ] {
        if mine.is_none() {
            mine.clone_from(theirs);
        }
    }
    if out.display_picture.is_none() {
        out.display_picture = secondary.display_picture;
    }
    for a in &secondary.artifacts {
        if !out.artifacts.contains(a) && out.display_picture != Some(*a) {
            out.artifacts.push(*a);
        }
    }
    out.custom = merge_custom(&primary.custom, &secondary.custom);
    out
}

/// The primary account after the secondary is merged into it: lists (domains, websites,
/// external refs) united, single values from the secondary only where the primary has none.
pub fn merge_accounts(primary: &AccountRecord, secondary: &AccountRecord) -> AccountRecord {
    let mut out = primary.clone();
    out.domains = union(&primary.domains, &secondary.domains);
    out.websites = union(&primary.websites, &secondary.websites);
    out.external_refs = union(&primary.external_refs, &secondary.external_refs);
    if out.description.is_none() {
        out.description.clone_from(&secondary.description);
    }
    if out.tier.is_none() {
        out.tier.clone_from(&secondary.tier);
    }
    out.custom = merge_custom(&primary.custom, &secondary.custom);
    out
}

/// Owners of the merged account: the primary's, then the secondary's it lacks.
pub fn merge_owners(primary: &[i64], secondary: &[i64]) -> Vec<i64> {
    let mut out = primary.to_vec();
    for o in secondary {
        if !out.contains(o) {
            out.push(*o);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state(subtype: Option<&str>, fields: serde_json::Value) -> CustomState {
        CustomState {
            subtype: subtype.map(str::to_owned),
            fragments: Vec::new(),
            fields: fields.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn union_keeps_order_and_drops_repeats() {
        let a = vec!["x".to_owned(), "y".to_owned()];
        let b = vec!["y".to_owned(), "z".to_owned(), "x".to_owned()];
        assert_eq!(union(&a, &b), vec!["x", "y", "z"]);
    }

    #[test]
    fn custom_fields_fill_only_gaps_and_respect_subtypes() {
        let p = state(Some("gold"), json!({"tnt__a": 1, "ctype__g": "p"}));
        let s = state(Some("silver"), json!({"tnt__a": 2, "tnt__b": 3, "ctype__g": "s", "ctype__h": "s"}));
        let m = merge_custom(&p, &s);
        assert_eq!(m.subtype.as_deref(), Some("gold"));
        assert_eq!(serde_json::Value::Object(m.fields), json!({"tnt__a": 1, "tnt__b": 3, "ctype__g": "p"}));
        let none = state(None, json!({}));
        let m = merge_custom(&none, &s);
        assert_eq!(m.subtype.as_deref(), Some("silver"));
        assert_eq!(m.fields.len(), 4);
    }

    #[test]
    fn owners_are_united() {
        assert_eq!(merge_owners(&[1, 2], &[2, 3]), vec![1, 2, 3]);
    }
}
