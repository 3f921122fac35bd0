//! Tags (§8.3): `TagStore`, and the tag lookups tag links need.

use super::journal::{record_change, wire, Change};
use super::*;

#[derive(sqlx::FromRow)]
pub(super) struct TagRow {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) allowed_values: String,
    pub(super) color: Option<String>,
    #[sqlx(flatten)]
    pub(super) stamps: StampRow,
}

pub(super) const TAG_COLS: &str = "id, name, description, allowed_values, color, created_by_kind, created_by_id, \
    created_date, modified_by_kind, modified_by_id, modified_date";

impl TagRow {
    pub(super) fn split(self) -> (TagRecord, Option<UserRef>, Option<UserRef>) {
        (
            TagRecord {
                id: self.id,
                name: self.name,
                description: self.description,
                allowed_values: json_list(&self.allowed_values),
                color: self.color,
                created_date: self.stamps.created_date(),
                modified_date: self.stamps.modified_date(),
            },
            self.stamps.created_by(),
            self.stamps.modified_by(),
        )
    }
}

pub(super) async fn fetch_tag(conn: &mut Conn, org: &str, id: i64, lock: bool) -> StoreResult<Option<TagRecord>> {
    Ok(fetch_tag_row(conn, org, id, lock).await?.map(|r| r.split().0))
}

pub(super) async fn fetch_tag_row(conn: &mut Conn, org: &str, id: i64, lock: bool) -> StoreResult<Option<TagRow>> {
    let lock = if lock { FOR_UPDATE } else { "" };
    sqlx::query_as::<Db, TagRow>(&format!("SELECT {TAG_COLS} FROM tags WHERE dev_org_id = $1 AND id = $2{lock}"))
        .bind(org)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)
}

pub(super) async fn load_tags(conn: &mut Conn, org: &str, ids: &[i64]) -> StoreResult<Vec<TagView>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("");
    let o = sql.text_arg(org);
    let ps = sql.int_list(ids);
    sql.push(&format!("SELECT {TAG_COLS} FROM tags WHERE dev_org_id = {o} AND id IN ({ps})"));
    let rows: Vec<TagRow> = sql.query_as().fetch_all(&mut *conn).await.map_err(db_err)?;
    let split: Vec<_> = rows.into_iter().map(TagRow::split).collect();
    let summaries =
        user_summaries(conn, org, split.iter().flat_map(|(_, c, m)| [*c, *m]).flatten().collect::<Vec<_>>()).await?;
    let by_id = split
        .into_iter()
        .map(|(tag, c, m)| {
            (
                tag.id.to_string(),
                TagView {
                    created_by: c.and_then(|u| summaries.get(&u).cloned()),
                    modified_by: m.and_then(|u| summaries.get(&u).cloned()),
                    tag,
                },
            )
        })
        .collect();
    Ok(in_order(&ids.iter().map(i64::to_string).collect::<Vec<_>>(), by_id))
}

pub(super) async fn tag_view(conn: &mut Conn, org: &str, id: i64) -> StoreResult<Option<TagView>> {
    Ok(load_tags(conn, org, &[id]).await?.into_iter().next())
}

pub(super) async fn tag_name_taken(conn: &mut Conn, org: &str, name: &str, except: Option<i64>) -> StoreResult<bool> {
    let row: Option<(i64,)> = sqlx::query_as::<Db, (i64,)>("SELECT id FROM tags WHERE dev_org_id = $1 AND name = $2")
        .bind(org)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(row.is_some_and(|(id,)| Some(id) != except))
}

pub(super) fn name_taken(name: &str) -> StoreError {
    // tags.create and tags.update declare no 409 (docs/API-CONVENTIONS.md).
    StoreError::Invalid(ValidationError::not_permitted("name", format!("a tag named '{name}' already exists")))
}

/// How tags sort.
pub(super) const TAG_SORTING: Sorting<TagRecord> = Sorting {
    cols: &[
        SortCol { name: "name", expr: "t.name", int: false, key: |r| Value::from(r.name.clone()) },
        SortCol {
            name: "created_date",
            expr: "t.created_date",
            int: true,
            key: |r| Value::from(r.created_date.millis()),
        },
        SortCol {
            name: "modified_date",
            expr: "t.modified_date",
            int: true,
            key: |r| Value::from(r.modified_date.millis()),
        },
        SortCol { name: "display_id", expr: "t.id", int: true, key: |r| Value::from(r.id) },
    ],
    id: SortCol { name: "id", expr: "t.id", int: true, key: |r| Value::from(r.id) },
};

/// A tag's wire rendering as it is now in the transaction, for the journal.
async fn tag_wire(conn: &mut Conn, org: &str, n: i64) -> StoreResult<Value> {
    let view = tag_view(conn, org, n).await?.ok_or_else(|| vanished(ObjectKind::Tag, n))?;
    wire(&view.render(org))
}

#[async_trait]
impl TagStore for Backend {
    async fn create_tag(&self, scope: &DevOrgScope, draft: TagDraft, now: Timestamp) -> StoreResult<TagView> {
        let d = &draft;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                if tag_name_taken(tx, org, &d.name, None).await? {
                    return Err(name_taken(&d.name));
                }
                let id = next_id(tx, org, code(ObjectKind::Tag)).await?;
                sqlx::query::<Db>(
                    "INSERT INTO tags (dev_org_id, id, name, description, allowed_values, color, created_by_kind, \
                     created_by_id, created_date, modified_by_kind, modified_by_id, modified_date) VALUES ($1, $2, \
                     $3, $4, $5, $6, $7, $8, $9, $7, $8, $9)",
                )
                .bind(org)
                .bind(id)
                .bind(&d.name)
                .bind(&d.description)
                .bind(to_json(&d.allowed_values))
                .bind(&d.color)
                .bind(code(scope.actor.kind))
                .bind(scope.actor.id)
                .bind(now.millis())
                .execute(&mut **tx)
                .await
                .map_err(|e| match db_err(e) {
                    StoreError::Conflict(_) => name_taken(&d.name),
                    other => other,
                })?;
                let view = tag_view(tx, org, id).await?.ok_or_else(|| vanished(ObjectKind::Tag, id))?;
                record_change(tx, scope, now, Change::created(ObjectKind::Tag, id, wire(&view.render(org))?)).await?;
                Ok(view)
            })
        })
        .await
    }

    async fn get_tag(&self, scope: &DevOrgScope, id: &ParsedId) -> StoreResult<TagView> {
        let n = number_or_404(&scope.dev_org, ObjectKind::Tag, id)?;
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        tag_view(&mut tx, &scope.dev_org, n).await?.ok_or_else(|| not_found(ObjectKind::Tag, id))
    }

    async fn update_tag(&self, scope: &DevOrgScope, patch: TagPatch, now: Timestamp) -> StoreResult<TagView> {
        let p = &patch;
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let n = number_or_404(org, ObjectKind::Tag, &p.id)?;
                let (mut t, _, _) =
                    fetch_tag_row(tx, org, n, true).await?.ok_or_else(|| not_found(ObjectKind::Tag, &p.id))?.split();
                let before = tag_wire(tx, org, n).await?;
                if let Some(name) = &p.name {
                    if tag_name_taken(tx, org, name, Some(n)).await? {
                        return Err(name_taken(name));
                    }
                    t.name = name.clone();
                }
                if let Some(d) = &p.description {
                    t.description = Some(d.clone());
                }
                if let Some(a) = &p.allowed_values {
                    t.allowed_values = a.clone();
                }
                if let Some(c) = &p.color {
                    t.color = Some(c.clone());
                }
                sqlx::query::<Db>(
                    "UPDATE tags SET name = $3, description = $4, allowed_values = $5, color = $6, modified_by_kind \
                     = $7, modified_by_id = $8, modified_date = $9 WHERE dev_org_id = $1 AND id = $2",
                )
                .bind(org)
                .bind(n)
                .bind(&t.name)
                .bind(&t.description)
                .bind(to_json(&t.allowed_values))
                .bind(&t.color)
                .bind(code(scope.actor.kind))
                .bind(scope.actor.id)
                .bind(after(t.modified_date, now).millis())
                .execute(&mut **tx)
                .await
                // A racing rename can pass the check above and still lose on the unique index.
                .map_err(|e| match db_err(e) {
                    StoreError::Conflict(_) => name_taken(&t.name),
                    other => other,
                })?;
                let view = tag_view(tx, org, n).await?.ok_or_else(|| vanished(ObjectKind::Tag, n))?;
                let after = wire(&view.render(org))?;
                record_change(tx, scope, now, Change::updated(ObjectKind::Tag, n, before, after)).await?;
                Ok(view)
            })
        })
        .await
    }

    async fn delete_tag(&self, scope: &DevOrgScope, id: &ParsedId, now: Timestamp) -> StoreResult<()> {
        self.write(|tx| {
            Box::pin(async move {
                let org = scope.dev_org.as_str();
                let n = number_or_404(org, ObjectKind::Tag, id)?;
                fetch_tag_row(tx, org, n, true).await?.ok_or_else(|| not_found(ObjectKind::Tag, id))?;
                let before = tag_wire(tx, org, n).await?;
                let gone = sqlx::query::<Db>("DELETE FROM tags WHERE dev_org_id = $1 AND id = $2")
                    .bind(org)
                    .bind(n)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?
                    .rows_affected();
                if gone == 0 {
                    return Err(not_found(ObjectKind::Tag, id));
                }
                sqlx::query::<Db>("DELETE FROM tag_links WHERE dev_org_id = $1 AND tag_id = $2")
                    .bind(org)
                    .bind(n)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_err)?;
                record_change(tx, scope, now, Change::deleted(ObjectKind::Tag, n, before)).await?;
                Ok(())
            })
        })
        .await
    }

    async fn list_tags(
        &self,
        scope: &DevOrgScope,
        names: Option<Vec<String>>,
        page: PageRequest,
    ) -> StoreResult<Page<TagView>> {
        let org = scope.dev_org.as_str();
        let mut sql = Sql::new("");
        let o = sql.text_arg(org);
        sql.push(&format!("SELECT CAST(t.id AS TEXT) FROM tags t WHERE t.dev_org_id = {o}"));
        filter_in_text(&mut sql, "t.name", names.as_ref());
        let mut tx: Tx = self.begin_read().await.map_err(db_err)?;
        list_page(&mut tx, &sql, &TAG_SORTING, |v: &TagView| &v.tag, &page, LoadTags { org }).await
    }
}

/// Loads the views of a list page.
pub(super) struct LoadTags<'a> {
    pub(super) org: &'a str,
}

impl AsyncLoad<TagView> for LoadTags<'_> {
    async fn load(self, conn: &mut Conn, ids: Vec<String>) -> StoreResult<Vec<TagView>> {
        let nums: Vec<i64> = ids.iter().filter_map(|s| s.parse().ok()).collect();
        load_tags(conn, self.org, &nums).await
    }
}
