//! Conditions (§6.5): the expression language of a fragment's conditions, its parser and
//! evaluation, and the effects a condition has on fields while it holds.

use revdir_api::schemas::CustomSchemaFragmentCondition;
use serde_json::{Map, Value};

use super::descriptors::FieldDescriptor;
use super::errors::{customization, Problem};
use super::fragments::FragmentRecord;
use crate::error::ValidationError;

/// A parsed condition expression.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Eq(Operand, Operand, bool),
    Truthy(Operand),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Operand {
    /// A custom field, by prefixed key.
    Field(String),
    /// The object's subtype.
    Subtype,
    Literal(Value),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Num(f64),
    Op(&'static str),
}

fn tokenize(s: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {}
            '(' => out.push(Token::Op("(")),
            ')' => out.push(Token::Op(")")),
            '=' | '!' | '&' | '|' => {
                let next = chars.peek().map(|(_, n)| *n);
                let op = match (c, next) {
                    ('=', Some('=')) => "==",
                    ('!', Some('=')) => "!=",
                    ('&', Some('&')) => "&&",
                    ('|', Some('|')) => "||",
                    ('!', _) => "!",
                    _ => return Err(format!("unexpected '{c}' at {i}")),
                };
                if op.len() == 2 {
                    chars.next();
                }
                out.push(Token::Op(op));
            }
            '"' | '\'' => {
                let mut text = String::new();
                let mut closed = false;
                while let Some((_, d)) = chars.next() {
                    match d {
                        '\\' => text.push(chars.next().map(|(_, e)| e).ok_or("unterminated string")?),
                        d if d == c => {
                            closed = true;
                            break;
                        }
                        d => text.push(d),
                    }
                }
                if !closed {
                    return Err("unterminated string".into());
                }
                out.push(Token::Str(text));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let mut text = c.to_string();
                while let Some((_, d)) = chars.peek().copied().filter(|(_, d)| d.is_ascii_digit() || *d == '.') {
                    text.push(d);
                    chars.next();
                }
                out.push(Token::Num(text.parse().map_err(|_| format!("'{text}' is not a number"))?));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut text = c.to_string();
                while let Some((_, d)) =
                    chars.peek().copied().filter(|(_, d)| d.is_ascii_alphanumeric() || *d == '_' || *d == '.')
                {
                    text.push(d);
                    chars.next();
                }
                out.push(Token::Ident(text));
            }
            _ => return Err(format!("unexpected '{c}' at {i}")),
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    /// Prefix of the fragment's keys (`tnt`), for bare field names.
    prefix: &'a str,
    /// The fragment's field names, when references must be checked.
    fields: Option<&'a [String]>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn eat(&mut self, op: &str) -> bool {
        if self.peek()
            == Some(&Token::Op(match op {
                "||" => "||",
                "&&" => "&&",
                "!" => "!",
                "(" => "(",
                ")" => ")",
                "==" => "==",
                _ => "!=",
            }))
        {
            self.pos += 1;
            return true;
        }
        false
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut e = self.and()?;
        while self.eat("||") {
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut e = self.unary()?;
        while self.eat("&&") {
            e = Expr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat("!") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.eat("(") {
            let e = self.or()?;
            if !self.eat(")") {
                return Err("missing ')'".into());
            }
            return Ok(e);
        }
        let left = self.operand()?;
        for (op, eq) in [("==", true), ("!=", false)] {
            if self.eat(op) {
                return Ok(Expr::Eq(left, self.operand()?, eq));
            }
        }
        Ok(Expr::Truthy(left))
    }

    fn operand(&mut self) -> Result<Operand, String> {
        let t = self.peek().cloned().ok_or("unexpected end of expression")?;
        self.pos += 1;
        Ok(match t {
            Token::Str(s) => Operand::Literal(Value::String(s)),
            Token::Num(n) => Operand::Literal(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)),
            Token::Ident(id) => match id.as_str() {
                "true" => Operand::Literal(Value::Bool(true)),
                "false" => Operand::Literal(Value::Bool(false)),
                "null" => Operand::Literal(Value::Null),
                "subtype" => Operand::Subtype,
                _ => {
                    let name = id
                        .strip_prefix("custom_fields.")
                        .filter(|n| !n.is_empty() && !n.contains('.'))
                        .ok_or_else(|| format!("unknown name '{id}'; refer to fields as custom_fields.<name>"))?;
                    if name.contains("__") {
                        Operand::Field(name.to_owned())
                    } else {
                        if let Some(fields) = self.fields {
                            if !fields.iter().any(|f| f == name) {
                                return Err(format!("the fragment has no field '{name}'"));
                            }
                        }
                        Operand::Field(format!("{}__{name}", self.prefix))
                    }
                }
            },
            Token::Op(op) => return Err(format!("unexpected '{op}'")),
        })
    }
}

fn parse_expression(s: &str, prefix: &str, fields: Option<&[String]>) -> Result<Expr, String> {
    let mut p = Parser { tokens: tokenize(s)?, pos: 0, prefix, fields };
    if p.tokens.is_empty() {
        return Err("the expression is empty".into());
    }
    let e = p.or()?;
    if p.pos != p.tokens.len() {
        return Err("unexpected text after the expression".into());
    }
    Ok(e)
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

impl Expr {
    pub(super) fn eval(&self, values: &Map<String, Value>, subtype: Option<&str>) -> bool {
        let get = |o: &Operand| match o {
            Operand::Field(k) => values.get(k).cloned().unwrap_or(Value::Null),
            Operand::Subtype => subtype.map_or(Value::Null, |s| Value::String(s.to_owned())),
            Operand::Literal(v) => v.clone(),
        };
        match self {
            Self::Or(a, b) => a.eval(values, subtype) || b.eval(values, subtype),
            Self::And(a, b) => a.eval(values, subtype) && b.eval(values, subtype),
            Self::Not(a) => !a.eval(values, subtype),
            Self::Eq(a, b, eq) => same_value(&get(a), &get(b)) == *eq,
            Self::Truthy(a) => get(a) == Value::Bool(true),
        }
    }
}

/// A condition of a fragment, with field names resolved to prefixed keys.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Condition {
    pub(super) expr: Expr,
    pub(super) effects: Vec<Effect>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Effect {
    pub(super) keys: Vec<String>,
    pub(super) allowed_values: Option<Vec<String>>,
    pub(super) immutable: Option<bool>,
    pub(super) invalid: Option<bool>,
    pub(super) require: Option<bool>,
}

pub(super) fn conditions_of(f: &FragmentRecord) -> Vec<Condition> {
    let prefix = f.family.prefix();
    f.content
        .conditions
        .iter()
        .filter_map(|c| {
            let expr = parse_expression(c.expression.as_deref()?, prefix, None).ok()?;
            let effects = c
                .effects
                .iter()
                .flatten()
                .map(|e| Effect {
                    keys: e
                        .fields
                        .iter()
                        .map(|n| if n.contains("__") { n.clone() } else { format!("{prefix}__{n}") })
                        .collect(),
                    allowed_values: e.allowed_values.clone(),
                    immutable: e.immutable,
                    invalid: e.invalid,
                    require: e.require,
                })
                .collect();
            Some(Condition { expr, effects })
        })
        .collect()
}

/// Checks the conditions of a set request: expressions must parse and name only fields of
/// the fragment (bare names) or prefixed keys; effects must name fields of the fragment.
///
/// # Errors
/// `expression_parse_error` for an expression that does not parse; `field_not_in_schema`
/// for an effect naming an unknown field.
pub fn check_conditions(
    conditions: &[CustomSchemaFragmentCondition],
    fields: &[FieldDescriptor],
) -> Result<(), ValidationError> {
    let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
    for (i, c) in conditions.iter().enumerate() {
        let field = format!("conditions[{i}].expression");
        let expr = c.expression.as_deref().ok_or_else(|| ValidationError::missing(&field))?;
        parse_expression(expr, "x", Some(&names))
            .map_err(|r| customization(Problem::ExpressionParseError, &field, r))?;
        for (j, e) in c.effects.iter().flatten().enumerate() {
            for n in &e.fields {
                if !n.contains("__") && !names.contains(n) {
                    return Err(customization(
                        Problem::FieldNotInSchema,
                        &format!("conditions[{i}].effects[{j}].fields"),
                        format!("the fragment has no field '{n}'"),
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn expressions_parse_and_evaluate() {
        let e = parse_expression(
            "custom_fields.plan == 'pro' && (custom_fields.tnt__seats != 3 || !custom_fields.vip)",
            "tnt",
            None,
        )
        .unwrap();
        let values: Map<String, Value> =
            serde_json::from_value(json!({"tnt__plan": "pro", "tnt__seats": 3, "tnt__vip": false})).unwrap();
        assert!(e.eval(&values, None));
        for bad in ["", "custom_fields.a ==", "plan == 1", "(custom_fields.a", "custom_fields.a = 1", "'open"] {
            assert!(parse_expression(bad, "tnt", None).is_err(), "{bad}");
        }
        assert!(parse_expression("custom_fields.zzz == 1", "tnt", Some(&["a".to_owned()])).is_err());
    }
}
