//! Validation of HTTP response bodies against DevRev's OpenAPI spec.
//!
//! Test support only (a dev-dependency): the server's API tests and the `revdir` binary's
//! tests both check every answer of a spec'd operation with [`assert_valid_response`], so
//! the one validator lives here rather than in either test suite.
//!
//! The spec (`shared/reference/devrev-identity-openapi.yaml`, OpenAPI 3.0.3) is
//! read at test time, never copied into the project. Its component schemas are
//! converted once per process from OpenAPI 3.0 schema objects to JSON Schema
//! (draft 2020-12) and every response schema is compiled lazily, once per
//! `(path, method, status)`.
//!
//! Conversion rules (all applied in [`Converter::convert`]):
//!
//! * `nullable: true` becomes "null is also allowed" (`"null"` is added to
//!   `type`, or the schema is wrapped in `anyOf: [<schema>, {type: null}]`).
//! * OpenAPI-only keywords are dropped: `discriminator` (after use, see below),
//!   `example`, `xml`, `externalDocs`, `deprecated` and every `x-*` extension.
//! * Siblings of `$ref` are dropped, as OpenAPI 3.0 ignores them.
//! * `format` is kept only for `date-time` (which is then checked as RFC 3339);
//!   DevRev's own formats (`id`, `text`, `sort-by`, `tag-filter`) and the
//!   OpenAPI type formats (`int32`, `int64`, `double`, `byte`, `date`) are
//!   dropped, so they are never asserted.
//! * `#/components/schemas/X` refs become `#/$defs/X`; each compiled validator
//!   carries (only) the `$defs` reachable from its response schema.
//!
//! Relaxations of a literal JSON Schema reading, needed to read the spec the
//! way OpenAPI (and DevRev's generated SDKs) read it:
//!
//! 1. **Discriminated `oneOf`** (`user-summary`, `org-summary`, every `error-*`
//!    schema, ...). The variants usually do not constrain the discriminator
//!    property, and several are structurally identical (e.g.
//!    `dev-user-summary` and `sys-user-summary`), so a literal `oneOf` would
//!    reject valid bodies that match more than one variant. A `oneOf` with a
//!    `discriminator` is therefore turned into a dispatch on the discriminator
//!    value: the property must be present and be one of the mapping keys
//!    (`enum`), and for each mapping key `K -> S` there is an
//!    `if: {<property>: const K} then: S`. The discriminator then selects
//!    exactly one variant, which is what OpenAPI's `discriminator` means.
//!    Without a `mapping` the implicit mapping (schema name -> schema) is used.
//! 2. **`additionalProperties: false` inside composed schemas.** The error
//!    schemas are `allOf: [error-base, {oneOf: [variants], properties: {type},
//!    required: [type]}]` and many variants (e.g. `error-bad-request-parse-error`)
//!    are `{type: object, additionalProperties: false}` while `type`, `message`
//!    and `detail` live in sibling `allOf` members / the enclosing schema. Read
//!    literally, no error body could ever validate. We treat
//!    `additionalProperties: false` as "no properties beyond those declared by
//!    this schema, its own `allOf` members, its sibling `allOf` members and the
//!    enclosing schema(s) of its `oneOf`/`anyOf`": those names are added to the
//!    variant's `properties` as `true` (their actual constraints are still
//!    checked by the sibling that declares them). A variant referenced by
//!    `$ref` that needs this is inlined, relaxed, at that use site. So
//!    `{"type":"parse_error","message":"x"}` is accepted while
//!    `{"type":"parse_error","bogus":1}` is still rejected.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde_json::{json, Map, Value};

/// Prefix of OpenAPI component schema references.
const COMPONENT_PREFIX: &str = "#/components/schemas/";
/// Prefix of references after conversion.
const DEFS_PREFIX: &str = "#/$defs/";

/// Cache key: `(path, lowercase method, status)`.
type ResponseKey = (String, String, u16);
/// Compiled response validator; `None` when the response has no JSON content.
type CachedValidator = Option<Arc<jsonschema::Validator>>;

/// The loaded spec, with converted schemas and the compiled-validator cache.
struct Spec {
    /// `paths` of the spec, untouched.
    paths: Map<String, Value>,
    /// `components.responses` of the spec, untouched.
    responses: Map<String, Value>,
    /// Converter holding the raw component schemas.
    converter: Converter,
    /// Converted component schemas, by name (the future `$defs`).
    defs: Map<String, Value>,
    /// Compiled validators by `(path, method, status)`; `None` means the
    /// response declares no JSON content, so any body is accepted.
    validators: Mutex<HashMap<ResponseKey, CachedValidator>>,
}

/// Returns the process-wide spec, loading and converting it on first use.
fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(Spec::load)
}

impl Spec {
    /// Reads and converts the spec; panics (failing the test) if it is missing.
    fn load() -> Self {
        let file =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/devrev-identity-openapi.yaml");
        let text = std::fs::read_to_string(&file).unwrap_or_else(|err| {
            panic!(
                "cannot read DevRev's OpenAPI spec at {}: {err}; the response-validation \
                 tests need it (it is deliberately not copied into the project)",
                file.display()
            )
        });
        let doc: Value = yaml_serde::from_str(&text)
            .unwrap_or_else(|err| panic!("cannot parse the OpenAPI spec {}: {err}", file.display()));
        let object_at = |pointer: &str| -> Map<String, Value> {
            match doc.pointer(pointer) {
                Some(Value::Object(map)) => map.clone(),
                _ => panic!("the OpenAPI spec {} has no object at {pointer}", file.display()),
            }
        };
        let converter = Converter { raw: object_at("/components/schemas") };
        let defs = converter
            .raw
            .iter()
            .map(|(name, schema)| (name.clone(), converter.convert(schema, &BTreeSet::new())))
            .collect();
        Self {
            paths: object_at("/paths"),
            responses: object_at("/components/responses"),
            converter,
            defs,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// Returns the (cached) validator for a response, `Ok(None)` if the
    /// response declares no content, or an error if it is not declared.
    fn validator(&self, path: &str, method: &str, status: u16) -> Result<CachedValidator, String> {
        let key = (path.to_owned(), method.to_ascii_lowercase(), status);
        if let Some(cached) = self.lock().get(&key) {
            return Ok(cached.clone());
        }
        let compiled = self.compile(&key.0, &key.1, status)?;
        self.lock().insert(key, compiled.clone());
        Ok(compiled)
    }

    /// Locks the validator cache (a panicking test must not poison others).
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ResponseKey, CachedValidator>> {
        self.validators.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Looks the response up in the spec and compiles its schema.
    fn compile(&self, path: &str, method: &str, status: u16) -> Result<CachedValidator, String> {
        let operation = self
            .paths
            .get(path)
            .ok_or_else(|| format!("path {path} is not in the DevRev spec"))?
            .get(method)
            .ok_or_else(|| format!("{} {path} is not in the DevRev spec", method.to_uppercase()))?;
        let mut response = operation.pointer(&format!("/responses/{status}")).ok_or_else(|| {
            let declared: Vec<&String> =
                operation.get("responses").and_then(Value::as_object).map(|r| r.keys().collect()).unwrap_or_default();
            format!("status {status} is not declared for {} {path} (declared: {declared:?})", method.to_uppercase())
        })?;
        if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
            let name = reference
                .strip_prefix("#/components/responses/")
                .ok_or_else(|| format!("unsupported response $ref {reference}"))?;
            response = self.responses.get(name).ok_or_else(|| format!("dangling response $ref {reference}"))?;
        }
        let Some(content) = response.get("content") else {
            // A declared response without content: any body is acceptable.
            return Ok(None);
        };
        let schema = content.pointer("/application~1json/schema").ok_or_else(|| {
            format!("status {status} of {} {path} declares no application/json schema", method.to_uppercase())
        })?;
        let root = self.converter.convert(schema, &BTreeSet::new());
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&self.bundle(root))
            .map_err(|err| format!("cannot compile the schema of {method} {path} {status}: {err}"))?;
        Ok(Some(Arc::new(validator)))
    }

    /// The (cached, under status 0) validator of an operation's JSON request body.
    fn request_validator(&self, path: &str, method: &str) -> Result<Arc<jsonschema::Validator>, String> {
        let key = (path.to_owned(), method.to_ascii_lowercase(), 0);
        if let Some(Some(cached)) = self.lock().get(&key) {
            return Ok(cached.clone());
        }
        let schema = self
            .paths
            .get(path)
            .and_then(|p| p.get(&key.1))
            .and_then(|op| op.pointer("/requestBody/content/application~1json/schema"))
            .ok_or_else(|| format!("{} {path} declares no JSON request body", method.to_uppercase()))?;
        let root = self.converter.convert(schema, &BTreeSet::new());
        let validator = Arc::new(
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(&self.bundle(root))
                .map_err(|err| format!("cannot compile the request schema of {method} {path}: {err}"))?,
        );
        self.lock().insert(key, Some(validator.clone()));
        Ok(validator)
    }

    /// Wraps a converted schema into a self-contained document carrying the
    /// `$defs` it (transitively) references.
    fn bundle(&self, root: Value) -> Value {
        let mut needed = BTreeSet::new();
        let mut queue = Vec::new();
        collect_refs(&root, &mut queue);
        while let Some(name) = queue.pop() {
            if needed.insert(name.clone()) {
                if let Some(def) = self.defs.get(&name) {
                    collect_refs(def, &mut queue);
                }
            }
        }
        let defs: Map<String, Value> =
            needed.into_iter().filter_map(|name| self.defs.get(&name).map(|def| (name, def.clone()))).collect();
        json!({ "allOf": [root], "$defs": defs })
    }
}

/// Pushes the names of all `#/$defs/...` references found in `value`.
fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("$ref", Value::String(reference)) => {
                        if let Some(name) = reference.strip_prefix(DEFS_PREFIX) {
                            out.push(name.to_owned());
                        }
                    }
                    _ => collect_refs(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}

/// OpenAPI 3.0 schema object -> JSON Schema 2020-12 converter.
struct Converter {
    /// The raw (OpenAPI) component schemas by name.
    raw: Map<String, Value>,
}

impl Converter {
    /// Resolves a `#/components/schemas/X` reference to its name and raw schema.
    fn target<'a>(&'a self, reference: &'a str) -> (&'a str, &'a Value) {
        let name = reference
            .strip_prefix(COMPONENT_PREFIX)
            .unwrap_or_else(|| panic!("unsupported schema $ref {reference} in the DevRev spec"));
        let schema =
            self.raw.get(name).unwrap_or_else(|| panic!("dangling schema $ref {reference} in the DevRev spec"));
        (name, schema)
    }

    /// Converts one schema. `extra` holds the property names declared by
    /// enclosing/sibling schemas of a composition (relaxation 2 in the module
    /// docs); it is empty wherever a new JSON object starts.
    fn convert(&self, schema: &Value, extra: &BTreeSet<String>) -> Value {
        let Value::Object(map) = schema else {
            return schema.clone();
        };
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            let (name, target) = self.target(reference);
            if !extra.is_empty() && self.closes_properties(target, &mut BTreeSet::new()) {
                // Relaxation 2: inline a relaxed copy at this use site.
                return self.convert(target, extra);
            }
            // Siblings of `$ref` are ignored in OpenAPI 3.0.
            return json!({ "$ref": format!("{DEFS_PREFIX}{name}") });
        }

        let own_props: BTreeSet<String> = map
            .get("properties")
            .and_then(Value::as_object)
            .map(|props| props.keys().cloned().collect())
            .unwrap_or_default();
        let mut out = Map::new();
        for (key, value) in map {
            match key.as_str() {
                "discriminator" | "example" | "xml" | "externalDocs" | "deprecated" | "nullable" | "oneOf"
                | "anyOf" => {}
                k if k.starts_with("x-") => {}
                "format" => {
                    if value == "date-time" {
                        out.insert(key.clone(), value.clone());
                    }
                }
                "properties" => {
                    let props = value
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(name, prop)| (name.clone(), self.convert(prop, &BTreeSet::new())))
                        .collect();
                    out.insert(key.clone(), Value::Object(props));
                }
                "items" | "not" | "additionalProperties" => {
                    out.insert(key.clone(), self.convert(value, &BTreeSet::new()));
                }
                "allOf" => {
                    let members = value.as_array().map(Vec::as_slice).unwrap_or_default();
                    let member_props: Vec<BTreeSet<String>> =
                        members.iter().map(|member| self.declared_props(member, &mut BTreeSet::new())).collect();
                    let converted = members
                        .iter()
                        .enumerate()
                        .map(|(i, member)| {
                            let mut member_extra = extra.clone();
                            member_extra.extend(own_props.iter().cloned());
                            for (j, props) in member_props.iter().enumerate() {
                                if i != j {
                                    member_extra.extend(props.iter().cloned());
                                }
                            }
                            self.convert(member, &member_extra)
                        })
                        .collect();
                    out.insert(key.clone(), Value::Array(converted));
                }
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }

        // Variants of a oneOf/anyOf share the object with the enclosing schema.
        let mut variant_extra = extra.clone();
        variant_extra.extend(own_props.iter().cloned());
        let discriminator = map.get("discriminator").and_then(|d| d.get("propertyName")).and_then(Value::as_str);
        if let Some(variants) = map.get("oneOf").and_then(Value::as_array) {
            match discriminator {
                Some(property) => {
                    let dispatch = self.dispatch(property, map.get("discriminator"), variants, &variant_extra);
                    match out.get_mut("allOf") {
                        Some(Value::Array(all_of)) => all_of.extend(dispatch),
                        _ => {
                            out.insert("allOf".to_owned(), Value::Array(dispatch));
                        }
                    }
                }
                None => {
                    let converted = variants.iter().map(|variant| self.convert(variant, &variant_extra)).collect();
                    out.insert("oneOf".to_owned(), Value::Array(converted));
                }
            }
        }
        if let Some(variants) = map.get("anyOf").and_then(Value::as_array) {
            let converted = variants.iter().map(|variant| self.convert(variant, &variant_extra)).collect();
            out.insert("anyOf".to_owned(), Value::Array(converted));
        }

        // Relaxation 2: `additionalProperties: false` admits the properties
        // declared by sibling/enclosing schemas and by its own allOf members.
        if out.get("additionalProperties") == Some(&Value::Bool(false)) {
            let mut allowed = extra.clone();
            for member in map.get("allOf").and_then(Value::as_array).into_iter().flatten() {
                allowed.extend(self.declared_props(member, &mut BTreeSet::new()));
            }
            if !allowed.is_empty() {
                let props = out.entry("properties").or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(props) = props {
                    for name in allowed {
                        props.entry(name).or_insert(Value::Bool(true));
                    }
                }
            }
        }

        let mut converted = Value::Object(out);
        if map.get("nullable") == Some(&Value::Bool(true)) {
            converted = nullable(converted);
        }
        converted
    }

    /// Relaxation 1: turns a discriminated `oneOf` into `allOf` members that
    /// require the discriminator to be a mapping key and dispatch on its value.
    fn dispatch(
        &self,
        property: &str,
        discriminator: Option<&Value>,
        variants: &[Value],
        extra: &BTreeSet<String>,
    ) -> Vec<Value> {
        let mapping: BTreeMap<String, String> =
            match discriminator.and_then(|d| d.get("mapping")).and_then(Value::as_object) {
                Some(mapping) => mapping
                    .iter()
                    .map(|(key, reference)| {
                        let reference =
                            reference.as_str().unwrap_or_else(|| panic!("non-string discriminator mapping for {key}"));
                        (key.clone(), reference.to_owned())
                    })
                    .collect(),
                // Implicit mapping: the schema name is the discriminator value.
                None => variants
                    .iter()
                    .map(|variant| {
                        let reference = variant
                            .get("$ref")
                            .and_then(Value::as_str)
                            .unwrap_or_else(|| panic!("discriminated oneOf with an inline variant: {variant}"));
                        (self.target(reference).0.to_owned(), reference.to_owned())
                    })
                    .collect(),
            };
        let keys: Vec<&String> = mapping.keys().collect();
        let mut members = vec![json!({
            "properties": { property: { "enum": keys } },
            "required": [property],
        })];
        for (key, reference) in &mapping {
            members.push(json!({
                "if": {
                    "properties": { property: { "const": key } },
                    "required": [property],
                },
                "then": self.convert(&json!({ "$ref": reference }), extra),
            }));
        }
        members
    }

    /// Whether `schema` (through `$ref`, `allOf`, `oneOf`, `anyOf`, but not
    /// into properties or items) contains `additionalProperties: false`.
    fn closes_properties(&self, schema: &Value, seen: &mut BTreeSet<String>) -> bool {
        let Value::Object(map) = schema else {
            return false;
        };
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            let (name, target) = self.target(reference);
            return seen.insert(name.to_owned()) && self.closes_properties(target, seen);
        }
        map.get("additionalProperties") == Some(&Value::Bool(false))
            || ["allOf", "oneOf", "anyOf"].iter().any(|keyword| {
                map.get(*keyword)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|member| self.closes_properties(member, seen))
            })
    }

    /// Property names declared by `schema`, its `$ref` target and its `allOf`
    /// members (recursively).
    fn declared_props(&self, schema: &Value, seen: &mut BTreeSet<String>) -> BTreeSet<String> {
        let Value::Object(map) = schema else {
            return BTreeSet::new();
        };
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            let (name, target) = self.target(reference);
            if !seen.insert(name.to_owned()) {
                return BTreeSet::new();
            }
            return self.declared_props(target, seen);
        }
        let mut props: BTreeSet<String> =
            map.get("properties").and_then(Value::as_object).map(|p| p.keys().cloned().collect()).unwrap_or_default();
        for member in map.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            props.extend(self.declared_props(member, seen));
        }
        props
    }
}

/// Makes a converted schema also accept `null` (OpenAPI's `nullable: true`).
fn nullable(schema: Value) -> Value {
    if let Value::Object(mut map) = schema {
        let simple = !["enum", "const", "$ref", "allOf", "oneOf", "anyOf", "not"]
            .iter()
            .any(|keyword| map.contains_key(*keyword));
        if simple {
            if let Some(Value::String(ty)) = map.get("type") {
                let ty = ty.clone();
                map.insert("type".to_owned(), json!([ty, "null"]));
                return Value::Object(map);
            }
        }
        json!({ "anyOf": [Value::Object(map), { "type": "null" }] })
    } else {
        schema
    }
}

/// What a validator finds wrong with `body`, one line per error.
fn errors_of(validator: &jsonschema::Validator, body: &Value) -> Vec<String> {
    validator
        .iter_errors(body)
        .map(|err| {
            let at = err.instance_path().to_string();
            let at = if at.is_empty() { "/".to_owned() } else { at };
            format!("at {at}: {err} (schema {})", err.schema_path())
        })
        .collect()
}

/// Validates a response body against DevRev's OpenAPI spec.
///
/// `path` is the spec path (e.g. `/rev-users.update`), `method` the HTTP
/// method (`GET`/`POST`, case-insensitive) and `status` the response status.
/// Fails if the operation is not in the spec, if `status` is not declared
/// for it, or if `body` does not match the declared `application/json`
/// schema. A declared response without content accepts any body.
pub fn validate_response(path: &str, method: &str, status: u16, body: &serde_json::Value) -> Result<(), String> {
    // HTTP forbids a body on 204 (RFC 9110 §15.3.5), whatever schema the spec attaches to it
    // (`rev-users.associations.remove` declares an empty object).
    if status == 204 {
        return if body.is_null() { Ok(()) } else { Err(format!("{method} {path} -> 204 carries a body: {body}")) };
    }
    let Some(validator) = spec().validator(path, method, status)? else {
        return Ok(());
    };
    let errors = errors_of(&validator, body);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} {path} -> {status} does not match the DevRev spec:\n  - {}",
            method.to_uppercase(),
            errors.join("\n  - ")
        ))
    }
}

/// Validates a request body against the schema DevRev's spec declares for `method path`:
/// for `/webhooks.event`, the body of a webhook delivery (`webhook-event-request`).
pub fn validate_request(path: &str, method: &str, body: &serde_json::Value) -> Result<(), String> {
    let validator = spec().request_validator(path, method)?;
    let errors = errors_of(&validator, body);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} {path} request does not match the DevRev spec:\n  - {}",
            method.to_uppercase(),
            errors.join("\n  - ")
        ))
    }
}

/// Panics, showing the errors and the pretty-printed body, unless
/// [`validate_response`] accepts the response.
pub fn assert_valid_response(path: &str, method: &str, status: u16, body: &serde_json::Value) {
    if let Err(errors) = validate_response(path, method, status, body) {
        let pretty = serde_json::to_string_pretty(body).unwrap_or_else(|_| body.to_string());
        panic!("{errors}\nbody:\n{pretty}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A well-formed Rev user as the server would return it.
    fn rev_user() -> Value {
        json!({
            "id": "don:identity:dvrv-us-1:devo/x:revu/1",
            "display_id": "REVU-1",
            "display_name": "Jane",
            "email": "jane@example.com",
            "state": "active",
            "created_date": "2024-01-01T12:00:00.000Z",
            "modified_date": "2024-01-02T08:30:00Z",
            "created_by": {
                "type": "dev_user",
                "id": "don:identity:dvrv-us-1:devo/x:devu/1",
                "display_id": "DEVU-1",
                "state": "active"
            },
            "modified_by": {
                "type": "sys_user",
                "id": "don:identity:dvrv-us-1:devo/x:sysu/1",
                "display_id": "SYSU-1"
            },
            "rev_org": {
                "type": "rev_org",
                "id": "don:identity:dvrv-us-1:devo/x:revo/1",
                "display_id": "REV-1",
                "display_name": "Acme"
            },
            "external_ref": "jane@example.com",
            "custom_fields": {},
            "phone_numbers": ["+15550100"]
        })
    }

    #[test]
    fn valid_update_response_passes() {
        assert_valid_response("/rev-users.update", "POST", 200, &json!({ "rev_user": rev_user() }));
    }

    #[test]
    fn wrong_field_type_fails() {
        let mut user = rev_user();
        user["created_date"] = json!(5);
        let err = validate_response("/rev-users.update", "POST", 200, &json!({ "rev_user": user })).unwrap_err();
        assert!(err.contains("created_date"), "{err}");
    }

    #[test]
    fn bad_date_time_fails() {
        let mut user = rev_user();
        user["created_date"] = json!("yesterday");
        assert!(validate_response("/rev-users.update", "POST", 200, &json!({ "rev_user": user })).is_err());
    }

    #[test]
    fn missing_required_property_fails() {
        let mut user = rev_user();
        user.as_object_mut().unwrap().remove("id");
        assert!(validate_response("/rev-users.update", "POST", 200, &json!({ "rev_user": user })).is_err());
        assert!(validate_response("/rev-users.update", "POST", 200, &json!({})).is_err());
    }

    #[test]
    fn summaries_dispatch_on_type() {
        let summary = json!({
            "type": "dev_user",
            "id": "don:identity:dvrv-us-1:devo/x:devu/1",
            "display_id": "DEVU-1",
            "state": "active"
        });
        let mut user = rev_user();
        user["created_by"] = summary.clone();
        assert_valid_response("/rev-users.update", "POST", 200, &json!({ "rev_user": user }));
        for bad in [
            json!({ "type": "bogus_user", "id": "x" }),
            json!({ "id": "x" }),
            json!({ "type": "dev_user" }),
            json!({ "type": "dev_user", "id": "x", "state": "sleepy" }),
        ] {
            let mut user = rev_user();
            user["created_by"] = bad.clone();
            assert!(
                validate_response("/rev-users.update", "POST", 200, &json!({ "rev_user": user })).is_err(),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn bad_request_errors() {
        let check = |body: Value| validate_response("/rev-users.update", "POST", 400, &body);
        check(json!({ "type": "missing_required_field", "field_name": "id" })).unwrap();
        check(json!({ "type": "missing_required_field", "field_name": "id", "message": "m" })).unwrap();
        check(json!({ "type": "parse_error", "message": "x" })).unwrap();
        check(json!({ "type": "bad_request", "message": "x", "detail": "d" })).unwrap();
        check(json!({ "type": "missing_required_field" })).unwrap_err();
        check(json!({ "type": "bogus_type" })).unwrap_err();
        check(json!({ "message": "no type" })).unwrap_err();
        check(json!({ "type": "parse_error", "bogus": 1 })).unwrap_err();
        check(json!({ "type": "parse_error", "message": 3 })).unwrap_err();
    }

    #[test]
    fn undeclared_status_fails() {
        let err = validate_response("/rev-users.update", "POST", 418, &json!({})).unwrap_err();
        assert!(err.contains("418"), "{err}");
    }

    #[test]
    fn unknown_operation_fails() {
        validate_response("/rev-users.nope", "POST", 200, &json!({})).unwrap_err();
        validate_response("/rev-users.update", "GET", 200, &json!({})).unwrap_err();
    }

    #[test]
    fn list_response_passes() {
        assert_valid_response(
            "/rev-users.list",
            "GET",
            200,
            &json!({ "rev_users": [rev_user(), rev_user()], "next_cursor": "abc" }),
        );
        assert_valid_response("/rev-users.list", "POST", 200, &json!({ "rev_users": [] }));
        validate_response("/rev-users.list", "GET", 200, &json!({ "rev_users": [1] })).unwrap_err();
    }

    #[test]
    fn unauthorized_and_not_found_pass() {
        assert_valid_response("/rev-users.get", "GET", 401, &json!({ "type": "unauthenticated" }));
        assert_valid_response(
            "/rev-users.get",
            "GET",
            404,
            &json!({ "type": "not_found", "message": "Rev user not found" }),
        );
        validate_response("/rev-users.get", "GET", 404, &json!({ "type": "unauthenticated" })).unwrap_err();
    }

    #[test]
    fn response_without_content_accepts_anything() {
        assert_valid_response("/auth-tokens.delete", "POST", 200, &json!(null));
        assert_valid_response("/auth-tokens.delete", "POST", 200, &json!({ "any": "thing" }));
    }

    #[test]
    #[should_panic(expected = "does not match the DevRev spec")]
    fn assert_panics_on_invalid_body() {
        assert_valid_response("/rev-users.get", "GET", 401, &json!({ "type": "nope" }));
    }

    #[test]
    fn every_declared_response_compiles() {
        let spec = spec();
        for (path, item) in &spec.paths {
            for (method, operation) in item.as_object().into_iter().flatten() {
                let responses = operation.get("responses").and_then(Value::as_object);
                for status in responses.into_iter().flatten().map(|(s, _)| s) {
                    let status: u16 = status.parse().unwrap();
                    spec.validator(path, method, status)
                        .unwrap_or_else(|err| panic!("{method} {path} {status}: {err}"));
                }
            }
        }
    }
}
