//! Stock fragments: the built-in fields of each leaf type, and the in-memory pages of
//! `schemas.stock.list`.

use revdir_api::schemas::{
    SchemaFieldDescriptor, SchemaFieldDescriptorArrayTypeBaseType as Base, SchemaFieldDescriptorFieldType,
    StockSchemaFragment,
};

use super::fragment_ids::LeafType;
use crate::pagination::{Page, PageRequest};

fn stock_field(name: &str, field_type: SchemaFieldDescriptorFieldType, description: &str) -> SchemaFieldDescriptor {
    SchemaFieldDescriptor {
        field_type,
        name: name.to_owned(),
        base_type: None,
        description: Some(description.to_owned()),
        is_filterable: None,
        is_immutable: None,
        is_pii: None,
        is_required: None,
        mfz: None,
        oasis: None,
        origin: None,
        ui: None,
        default_value: None,
        allowed_values: None,
        is_overridable: None,
        translated_values: None,
        contains: None,
        eq_len: None,
        max_len: None,
        min_len: None,
        pattern: None,
        prefix: None,
        suffix: None,
        gt: None,
        gte: None,
        lt: None,
        lte: None,
        id_type: None,
        composite_type: None,
        eq_items: None,
        max_items: None,
        min_items: None,
    }
}

/// The built-in fields of a leaf type, as its stock fragment describes them.
pub fn stock_fields(leaf: LeafType) -> Vec<SchemaFieldDescriptor> {
    use SchemaFieldDescriptorFieldType as T;
    let filterable = |mut f: SchemaFieldDescriptor| {
        f.is_filterable = Some(true);
        f
    };
    let immutable = |mut f: SchemaFieldDescriptor| {
        f.is_immutable = Some(true);
        f
    };
    let required = |mut f: SchemaFieldDescriptor| {
        f.is_required = Some(true);
        f
    };
    let list = |mut f: SchemaFieldDescriptor, base: Base| {
        f.field_type = T::Array;
        f.base_type = Some(base);
        f
    };
    let ids = |mut f: SchemaFieldDescriptor, kinds: &[&str]| {
        f.id_type = Some(kinds.iter().map(|k| (*k).to_owned()).collect());
        f
    };
    let pii = |mut f: SchemaFieldDescriptor| {
        f.is_pii = Some(true);
        f
    };
    let mut fields = vec![
        immutable(filterable(stock_field("id", T::Id, "The object's DON."))),
        immutable(stock_field("display_id", T::Text, "Human-readable id.")),
        immutable(filterable(ids(
            stock_field("created_by", T::Id, "Who created the object."),
            &["dev_user", "sys_user", "rev_user", "service_account"],
        ))),
        immutable(filterable(stock_field("created_date", T::Timestamp, "When the object was created."))),
        ids(
            stock_field("modified_by", T::Id, "Who changed the object last."),
            &["dev_user", "sys_user", "rev_user", "service_account"],
        ),
        filterable(stock_field("modified_date", T::Timestamp, "When the object was changed last.")),
    ];
    let state = || {
        let mut f = filterable(stock_field("state", T::Enum, "Lifecycle state."));
        f.allowed_values = Some(
            ["active", "deactivated", "deleted", "locked", "shadow", "unassigned"]
                .iter()
                .map(|s| (*s).into())
                .collect(),
        );
        f
    };
    let tags = || ids(list(stock_field("tags", T::Id, "Tags applied to the object."), Base::Id), &["tag"]);
    let artifacts = || ids(list(stock_field("artifacts", T::Id, "Attached files."), Base::Id), &["artifact"]);
    match leaf {
        LeafType::RevUser => fields.extend([
            stock_field("display_name", T::Text, "Name shown in user interfaces."),
            stock_field("description", T::RichText, "Free-text description."),
            pii(filterable(stock_field("email", T::Text, "Email address."))),
            pii(filterable(list(stock_field("phone_numbers", T::Text, "Phone numbers in E.164 form."), Base::Text))),
            filterable(stock_field("external_ref", T::Text, "External id, unique in the dev org.")),
            filterable(list(stock_field("external_refs", T::Text, "All external ids."), Base::Text)),
            filterable(stock_field("is_verified", T::Bool, "Whether the contact is verified.")),
            filterable(ids(
                stock_field("rev_org", T::Id, "The workspace the contact belongs to."),
                &["rev_org", "account"],
            )),
            ids(stock_field("display_picture", T::Id, "The contact's picture."), &["artifact"]),
            state(),
            tags(),
            artifacts(),
        ]),
        LeafType::Account => fields.extend([
            required(filterable(stock_field("display_name", T::Text, "Name of the account."))),
            stock_field("description", T::RichText, "Free-text description."),
            filterable(list(stock_field("domains", T::Text, "Company domains."), Base::Text)),
            filterable(list(stock_field("external_refs", T::Text, "External ids, unique in the dev org."), Base::Text)),
            filterable(ids(
                list(stock_field("owned_by", T::Id, "Dev users who own the account."), Base::Id),
                &["dev_user"],
            )),
            filterable(stock_field("tier", T::Text, "Customer tier.")),
            filterable(list(stock_field("websites", T::Text, "Company websites."), Base::Text)),
            tags(),
            artifacts(),
        ]),
        LeafType::RevOrg => fields.extend([
            required(filterable(stock_field("display_name", T::Text, "Name of the workspace."))),
            stock_field("description", T::RichText, "Free-text description."),
            stock_field("domain", T::Text, "Company domain."),
            filterable(stock_field("external_ref", T::Text, "External id, unique in the dev org.")),
            required(filterable(ids(
                stock_field("account", T::Id, "The account the workspace belongs to."),
                &["account"],
            ))),
            tags(),
            artifacts(),
        ]),
        LeafType::DevUser => fields.extend([
            stock_field("display_name", T::Text, "Name shown in user interfaces."),
            stock_field("full_name", T::Text, "Full name."),
            pii(filterable(stock_field("email", T::Text, "Email address."))),
            pii(list(stock_field("phone_numbers", T::Text, "Phone numbers in E.164 form."), Base::Text)),
            ids(stock_field("display_picture", T::Id, "The user's picture."), &["artifact"]),
            state(),
        ]),
    }
    fields
}

/// The stock fragment of a leaf type; `prune_fields`/`prune_composites` answer those parts
/// empty (the spec requires them).
pub fn stock_fragment(leaf: LeafType, prune_fields: bool) -> StockSchemaFragment {
    StockSchemaFragment {
        id: leaf.stock_don(),
        composite_schemas: Vec::new(),
        fields: if prune_fields { Vec::new() } else { stock_fields(leaf) },
        description: Some(format!("Built-in fields of {}", leaf.as_str())),
        leaf_type: Some(leaf.as_str().to_owned()),
        title: Some(leaf.as_str().to_owned()),
    }
}

/// Fields `schemas.stock.list` sorts by.
pub const STOCK_SORTABLE: &[&str] = &["leaf_type"];

/// One page of the built-in stock fragments of `leaves` (a fixed, tiny set, paged in
/// memory with the same cursors as every other list).
pub fn stock_page(leaves: &[LeafType], page: &PageRequest) -> Page<LeafType> {
    let sorted = !page.sort.is_empty();
    let mut all = leaves.to_vec();
    all.sort_by_key(|l| if sorted { (l.as_str(), 0) } else { ("", l.stock_number()) });
    if page.sort.first().is_some_and(|k| k.desc) {
        all.reverse();
    }
    let key = |l: &LeafType| {
        let mut k = Vec::new();
        if sorted {
            k.push(serde_json::Value::from(l.as_str()));
        }
        k.push(serde_json::Value::from(l.stock_number()));
        k
    };
    let at = page.cursor.as_ref().and_then(|c| all.iter().position(|l| key(l) == c.keys));
    let limit = page.limit as usize;
    let (start, end) = if page.before {
        let end = at.unwrap_or(all.len());
        (end.saturating_sub(limit), end)
    } else {
        let start = at.map_or(0, |i| i + 1);
        (start, (start + limit).min(all.len()))
    };
    let items: Vec<LeafType> = all.get(start..end).map(<[LeafType]>::to_vec).unwrap_or_default();
    let has_cursor = page.cursor.is_some();
    let (more_after, more_before) = (end < all.len(), start > 0);
    let next = (if page.before { has_cursor && more_after } else { more_after })
        .then(|| items.last().map(|l| page.cursor_at(key(l), false)))
        .flatten();
    let prev = (if page.before { more_before } else { has_cursor && more_before })
        .then(|| items.first().map(|l| page.cursor_at(key(l), true)))
        .flatten();
    Page { items, next_cursor: next, prev_cursor: prev }
}
