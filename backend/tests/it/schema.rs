//! The OpenAPI document as test data: its operations, a validator for the JSON
//! Schema subset it uses, a seeded generator of values it allows (and of values
//! that break exactly one of its constraints), and the check that an answer's status
//! and error code are among those the document lists for the operation.

use rand::rngs::StdRng;
use rand::Rng;
use regex_syntax::hir::{Class, Hir, HirKind};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The document as the server serves it.
pub async fn fetch(base: &str) -> Value {
    let text = reqwest::get(format!("{base}/api/v1/openapi.json"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    serde_json::from_str(&text).expect("the document is JSON")
}

/// The methods an OpenAPI path item may hold.
pub const METHODS: &[&str] = &["get", "put", "post", "delete", "patch"];

/// `schema` with every `$ref` at its top replaced by what it names.
pub fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let mut schema = schema;
    while let Some(target) = schema["$ref"].as_str() {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {target}"));
        schema = &doc["components"]["schemas"][name];
        assert!(!schema.is_null(), "$ref {target} names no schema");
    }
    schema
}

/// The JSON types a schema allows (`type` as a string or a list).
pub fn types(schema: &Value) -> Vec<&str> {
    match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The regex of a schema's `pattern`; the document's patterns are written in the
/// syntax ECMA-262 and the `regex` crate share.
pub fn pattern(schema: &Value) -> Option<regex::Regex> {
    let text = schema["pattern"].as_str()?;
    Some(regex::Regex::new(text).unwrap_or_else(|e| panic!("pattern {text:?}: {e}")))
}

/// Why `value` does not satisfy `schema`, if it does not.
pub fn violation(doc: &Value, schema: &Value, value: &Value) -> Option<String> {
    let schema = resolve(doc, schema);
    if let Some(variants) = schema["oneOf"].as_array() {
        let matching = variants
            .iter()
            .filter(|v| violation(doc, v, value).is_none())
            .count();
        return (matching != 1)
            .then(|| format!("{value} matches {matching} of the oneOf variants, not exactly one"));
    }
    if let Some(parts) = schema["allOf"].as_array() {
        return parts.iter().find_map(|part| violation(doc, part, value));
    }
    if let Some(values) = schema["enum"].as_array() {
        if !values.contains(value) {
            return Some(format!("{value} is not one of {values:?}"));
        }
    }
    let allowed = types(schema);
    let actual = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let type_ok = allowed.is_empty()
        || allowed.contains(&actual)
        || (actual == "integer" && allowed.contains(&"number"));
    if !type_ok {
        return Some(format!("{value} is {actual}, not {allowed:?}"));
    }
    match value {
        Value::String(text) => {
            let chars = text.chars().count() as u64;
            if schema["minLength"].as_u64().is_some_and(|min| chars < min) {
                return Some(format!("{text:?} is shorter than minLength"));
            }
            if schema["maxLength"].as_u64().is_some_and(|max| chars > max) {
                return Some(format!("{text:?} is longer than maxLength"));
            }
            if pattern(schema).is_some_and(|re| !re.is_match(text)) {
                return Some(format!("{text:?} does not match {}", schema["pattern"]));
            }
        }
        Value::Number(n) => {
            let n = n.as_f64().unwrap_or(f64::NAN);
            if schema["minimum"].as_f64().is_some_and(|min| n < min) {
                return Some(format!("{n} is below the minimum"));
            }
            if schema["maximum"].as_f64().is_some_and(|max| n > max) {
                return Some(format!("{n} is above the maximum"));
            }
        }
        Value::Array(items) => {
            for item in items {
                if let Some(why) = violation(doc, &schema["items"], item) {
                    return Some(format!("item: {why}"));
                }
            }
        }
        Value::Object(map) => {
            if schema["maxProperties"]
                .as_u64()
                .is_some_and(|max| map.len() as u64 > max)
            {
                return Some(format!("{value} has more than maxProperties"));
            }
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap_or_default();
                if !map.contains_key(name) {
                    return Some(format!("{value} lacks the required {name}"));
                }
            }
            if let Some(properties) = schema["properties"].as_object() {
                for (name, item) in map {
                    if let Some(property) = properties.get(name) {
                        if let Some(why) = violation(doc, property, item) {
                            return Some(format!("{name}: {why}"));
                        }
                    } else if schema["additionalProperties"] == Value::Bool(false) {
                        return Some(format!("{name} is not a property of {value}"));
                    }
                }
            }
        }
        _ => {}
    }
    None
}

/// One documented operation.
pub struct Operation<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub spec: &'a Value,
}

impl<'a> Operation<'a> {
    /// Every operation in the document.
    pub fn all(doc: &'a Value) -> Vec<Operation<'a>> {
        let mut all = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in METHODS {
                if let Some(spec) = item.get(*method) {
                    all.push(Operation { method, path, spec });
                }
            }
        }
        all
    }

    /// The operation at `method` and `path` (as the document names it).
    pub fn find(doc: &'a Value, method: &str, path: &str) -> Option<Operation<'a>> {
        Operation::all(doc)
            .into_iter()
            .find(|op| op.method.eq_ignore_ascii_case(method) && op.path == path)
    }

    /// Its parameters in `place` (`path`, `query` or `header`).
    pub fn parameters(&self, place: &str) -> Vec<&'a Value> {
        self.spec["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == place)
            .collect()
    }

    /// The schema of its JSON body, if it takes one.
    pub fn json_body(&self) -> Option<&'a Value> {
        let schema = &self.spec["requestBody"]["content"]["application/json"]["schema"];
        (!schema.is_null()).then_some(schema)
    }

    /// Whether it needs a bearer token or the session cookie.
    pub fn needs_credentials(&self) -> bool {
        self.spec["security"].as_array().is_some_and(|list| {
            !list.is_empty()
                && list
                    .iter()
                    .all(|r| r.as_object().is_some_and(|r| !r.is_empty()))
        })
    }

    /// Why an answer with `status` and error `code` (for errors) is not what the
    /// document lists for this operation, if it is not.
    pub fn undocumented(&self, status: u16, code: Option<&str>) -> Option<String> {
        let responses = &self.spec["responses"];
        let Some(row) = responses.get(status.to_string()) else {
            let listed: Vec<&String> = responses
                .as_object()
                .map(|r| r.keys().collect())
                .unwrap_or_default();
            return Some(format!(
                "{} {} answered {status}, which it does not document (it lists {listed:?})",
                self.method.to_uppercase(),
                self.path
            ));
        };
        let description = row["description"].as_str().unwrap_or_default();
        match code {
            Some(code) if !description.contains(&format!("`{code}`")) => Some(format!(
                "{} {} answered {status} `{code}`, which its {status} row does not name: {description:?}",
                self.method.to_uppercase(),
                self.path
            )),
            _ => None,
        }
    }
}

/// The documented route a request path (as sent) belongs to: segments equal, or a
/// `{parameter}` of the template; the `{path}` wildcard takes the rest.
pub fn route_of<'a>(templates: &[&'a str], sent: &str) -> Option<&'a str> {
    let sent: Vec<&str> = sent.split('/').collect();
    templates.iter().copied().find(|template| {
        let parts: Vec<&str> = template.split('/').collect();
        let wildcard = parts.last() == Some(&"{path}");
        let fits = if wildcard {
            sent.len() >= parts.len()
        } else {
            sent.len() == parts.len()
        };
        fits && parts.iter().zip(&sent).all(|(part, segment)| {
            (part.starts_with('{') && !segment.is_empty()) || part == segment
        })
    })
}

/// Generates what a schema allows, and what breaks one of its constraints.
pub struct Generator<'a> {
    pub doc: &'a Value,
    pub rng: StdRng,
}

/// Characters a generated string likes to hold: ASCII, and some that have broken
/// other servers' ideas of a name.
const PLEASANT: &[char] = &[
    'é', 'ß', 'Ω', 'ア', '中', '😀', '\u{301}', '\u{3000}', '\u{A0}', ',',
];

/// What a string may hold that no JSON Schema keyword can say, and the document
/// says in prose: names that Windows keeps, and byte limits (a character takes one
/// to four bytes, `maxLength` counts characters).
pub fn described_exception(schema: &Value, text: &str) -> bool {
    if let Some(max) = schema["maxLength"].as_u64() {
        if text.len() as u64 > max {
            return true;
        }
    }
    let description = schema["description"].as_str().unwrap_or_default();
    let is_path = description.contains("at most 255 bytes");
    if is_path {
        for name in text.split('/') {
            if name.len() > 255 {
                return true;
            }
            let stem = name.split('.').next().unwrap_or(name).trim_end_matches(' ');
            let stem = stem.to_ascii_lowercase();
            let reserved = ["con", "prn", "aux", "nul"].contains(&stem.as_str())
                || (stem.len() == 4
                    && (stem.starts_with("com") || stem.starts_with("lpt"))
                    && matches!(stem.as_bytes()[3], b'1'..=b'9'));
            if reserved {
                return true;
            }
        }
    }
    false
}

impl<'a> Generator<'a> {
    /// A string that matches `re`'s syntax tree.
    fn push_from_hir(&mut self, hir: &Hir, out: &mut String) {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(literal) => out.push_str(&String::from_utf8_lossy(&literal.0)),
            HirKind::Class(Class::Unicode(class)) => {
                let ranges = class.ranges();
                let contains = |c: char| ranges.iter().any(|r| r.start() <= c && c <= r.end());
                let roll = self.rng.gen_range(0..10);
                let pleasant: Vec<char> =
                    PLEASANT.iter().copied().filter(|&c| contains(c)).collect();
                let ascii: Vec<char> = (' '..='~').filter(|&c| contains(c)).collect();
                let c = if roll < 7 && !ascii.is_empty() {
                    ascii[self.rng.gen_range(0..ascii.len())]
                } else if roll < 9 && !pleasant.is_empty() {
                    pleasant[self.rng.gen_range(0..pleasant.len())]
                } else {
                    let range = ranges[self.rng.gen_range(0..ranges.len())];
                    let (start, end) = (u32::from(range.start()), u32::from(range.end()));
                    let mut c = None;
                    while c.is_none() {
                        c = char::from_u32(self.rng.gen_range(start..=end));
                    }
                    c.unwrap_or('a')
                };
                out.push(c);
            }
            HirKind::Class(Class::Bytes(class)) => {
                let range = class.ranges()[0];
                out.push(char::from(range.start()));
            }
            HirKind::Repetition(repetition) => {
                let min = repetition.min;
                let cap = repetition.max.unwrap_or(min + 6).min(min + 6);
                let count = if self.rng.gen_bool(0.05) {
                    repetition.max.unwrap_or(cap).min(300)
                } else {
                    self.rng.gen_range(min..=cap)
                };
                for _ in 0..count {
                    self.push_from_hir(&repetition.sub, out);
                }
            }
            HirKind::Capture(capture) => self.push_from_hir(&capture.sub, out),
            HirKind::Concat(parts) => {
                for part in parts {
                    self.push_from_hir(part, out);
                }
            }
            HirKind::Alternation(choices) => {
                let choice = &choices[self.rng.gen_range(0..choices.len())];
                self.push_from_hir(choice, out);
            }
        }
    }

    /// A string the schema allows (and its prose does not refuse).
    pub fn string(&mut self, schema: &Value) -> String {
        let min = schema["minLength"].as_u64().unwrap_or(0) as usize;
        let max = schema["maxLength"].as_u64().map(|m| m as usize);
        let hir = schema["pattern"]
            .as_str()
            .map(|p| regex_syntax::parse(p).unwrap_or_else(|e| panic!("pattern {p:?}: {e}")));
        for _ in 0..1000 {
            let text = match &hir {
                Some(hir) => {
                    let mut out = String::new();
                    self.push_from_hir(hir, &mut out);
                    out
                }
                None => {
                    let top = max.unwrap_or(40).min(min + 40);
                    let len = if self.rng.gen_bool(0.1) {
                        max.unwrap_or(top).min(2000)
                    } else {
                        self.rng.gen_range(min..=top.max(min))
                    };
                    let long = len > 40;
                    (0..len)
                        .map(|_| {
                            if !long && self.rng.gen_bool(0.2) {
                                PLEASANT[self.rng.gen_range(0..PLEASANT.len())]
                            } else {
                                char::from(self.rng.gen_range(b' '..=b'~'))
                            }
                        })
                        .collect()
                }
            };
            let value = Value::String(text.clone());
            if violation(self.doc, schema, &value).is_none() && !described_exception(schema, &text)
            {
                return text;
            }
        }
        panic!("could not generate a string for {schema}")
    }

    fn integer(&mut self, schema: &Value) -> Value {
        let min = schema["minimum"].as_i64().unwrap_or(-1000);
        let max = schema["maximum"]
            .as_i64()
            .unwrap_or(min.saturating_add(100_000));
        let n = match self.rng.gen_range(0..6) {
            0 => min,
            1 => max,
            _ => self.rng.gen_range(min..=max.min(min.saturating_add(1000))),
        };
        json!(n)
    }

    /// A value the schema allows.
    pub fn value(&mut self, schema: &Value, depth: u32) -> Value {
        let schema = resolve(self.doc, schema);
        if let Some(variants) = schema["oneOf"].as_array() {
            let variant = &variants[self.rng.gen_range(0..variants.len())];
            return self.value(variant, depth);
        }
        if let Some(values) = schema["enum"].as_array() {
            return values[self.rng.gen_range(0..values.len())].clone();
        }
        let allowed = types(schema);
        let non_null: Vec<&str> = allowed.iter().copied().filter(|t| *t != "null").collect();
        if non_null.is_empty() || (allowed.contains(&"null") && self.rng.gen_bool(0.2)) {
            return Value::Null;
        }
        match non_null[self.rng.gen_range(0..non_null.len())] {
            "string" => Value::String(self.string(schema)),
            "integer" => self.integer(schema),
            "number" => json!(self.rng.gen_range(0.0..1000.0)),
            "boolean" => Value::Bool(self.rng.gen()),
            "array" => {
                let min = schema["minItems"].as_u64().unwrap_or(0);
                let max = schema["maxItems"].as_u64().unwrap_or(3).min(3).max(min);
                let count = if depth > 3 {
                    min
                } else {
                    self.rng.gen_range(min..=max)
                };
                Value::Array(
                    (0..count)
                        .map(|_| self.value(&schema["items"], depth + 1))
                        .collect(),
                )
            }
            _ => {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let mut map = Map::new();
                for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                    if required.contains(&name.as_str()) || self.rng.gen_bool(0.6) {
                        map.insert(name.clone(), self.value(property, depth + 1));
                    }
                }
                Value::Object(map)
            }
        }
    }

    /// A string like `valid` that breaks `schema`'s pattern, within its lengths.
    fn off_pattern(&mut self, schema: &Value, valid: &str) -> Option<String> {
        let re = pattern(schema)?;
        const BREAKERS: &[&str] = &[
            "\u{0}", "\u{1F}", "\n", "\u{7F}", "\u{85}", "/", "\\", "<", "\"", "|", "?", "*", ":",
            "\u{202E}", "\u{200B}", "\u{FEFF}", " ", ".", "..", "G", ",", "", "/../", "//",
        ];
        let min = schema["minLength"].as_u64().unwrap_or(0) as usize;
        let max = schema["maxLength"].as_u64().unwrap_or(u64::MAX) as usize;
        let chars: Vec<char> = valid.chars().collect();
        for _ in 0..400 {
            let breaker = BREAKERS[self.rng.gen_range(0..BREAKERS.len())];
            let candidate = match self.rng.gen_range(0..5) {
                0 => format!("{valid}{breaker}"),
                1 => format!("{breaker}{valid}"),
                2 => breaker.to_string(),
                _ => {
                    let at = self.rng.gen_range(0..=chars.len());
                    let (head, tail) = chars.split_at(at);
                    let keep_tail: String = if self.rng.gen_bool(0.5) && !tail.is_empty() {
                        tail[1..].iter().collect()
                    } else {
                        tail.iter().collect()
                    };
                    format!("{}{breaker}{keep_tail}", head.iter().collect::<String>())
                }
            };
            let len = candidate.chars().count();
            if !re.is_match(&candidate) && len >= min && len <= max {
                return Some(candidate);
            }
        }
        None
    }

    /// Ways to break `schema` for a place now holding `valid`: each a description and
    /// the value to put there instead (`None`: leave the place out).
    pub fn breakers(&mut self, schema: &Value, valid: &Value) -> Vec<(String, Option<Value>)> {
        let schema = resolve(self.doc, schema);
        let mut ways = Vec::new();
        let allowed = types(schema);
        if !allowed.is_empty() && !schema["oneOf"].is_array() {
            let wrong = if allowed.contains(&"string") {
                json!(12)
            } else {
                json!("x")
            };
            ways.push(("a value of another type".to_string(), Some(wrong)));
        }
        if let Some(values) = schema["enum"].as_array() {
            if values.iter().all(Value::is_string) {
                ways.push(("a value outside the enum".into(), Some(json!("nonsense"))));
            }
        }
        if let Some(min) = schema["minimum"].as_i64() {
            ways.push((
                format!("{} (below the minimum)", min - 1),
                Some(json!(min - 1)),
            ));
        }
        if let Some(max) = schema["maximum"].as_i64() {
            ways.push((
                format!("{} (above the maximum)", max + 1),
                Some(json!(max + 1)),
            ));
        }
        if let Some(text) = valid.as_str() {
            if let Some(min) = schema["minLength"].as_u64().filter(|&m| m > 0) {
                let short: String = text.chars().take(min as usize - 1).collect();
                if pattern(schema).is_none_or(|re| re.is_match(&short)) {
                    ways.push(("shorter than minLength".into(), Some(json!(short))));
                }
            }
            if let Some(max) = schema["maxLength"].as_u64() {
                let re = pattern(schema);
                for pad in ["a", "/a"] {
                    let mut long = text.to_string();
                    while long.chars().count() as u64 <= max {
                        long.push_str(pad);
                    }
                    if re.as_ref().is_none_or(|re| re.is_match(&long)) {
                        ways.push(("longer than maxLength".into(), Some(json!(long))));
                        break;
                    }
                }
            }
            if let Some(broken) = self.off_pattern(schema, text) {
                ways.push((format!("{broken:?} (off the pattern)"), Some(json!(broken))));
            }
        }
        if let (Some(map), Some(properties)) = (valid.as_object(), schema["properties"].as_object())
        {
            let required: Vec<&str> = schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            for (name, item) in map {
                if required.contains(&name.as_str()) {
                    let mut without = map.clone();
                    without.remove(name);
                    ways.push((
                        format!("without the required {name}"),
                        Some(Value::Object(without)),
                    ));
                }
                if let Some(property) = properties.get(name) {
                    for (why, value) in self.breakers(property, item) {
                        let mut changed = map.clone();
                        match value {
                            Some(value) => {
                                changed.insert(name.clone(), value);
                            }
                            None => {
                                changed.remove(name);
                            }
                        }
                        ways.push((format!("{name}: {why}"), Some(Value::Object(changed))));
                    }
                }
            }
        }
        if let Some(items) = valid.as_array() {
            for (index, item) in items.iter().enumerate() {
                for (why, value) in self.breakers(&schema["items"], item) {
                    let mut changed = items.clone();
                    match value {
                        Some(value) => changed[index] = value,
                        None => {
                            changed.remove(index);
                        }
                    }
                    ways.push((format!("item {index}: {why}"), Some(Value::Array(changed))));
                }
            }
        }
        ways
    }
}

/// Percent-encodes `text` for a query value or a path segment; with `slashes`, `/`
/// stays as it is (for the `{path}` wildcard).
pub fn encode(text: &str, slashes: bool) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (slashes && b == b'/') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Observed answers, by operation, for checking against the document at the end.
#[derive(Default)]
pub struct Observed {
    /// By (method, path): each (status, code) seen, with a request that got it.
    pub answers: BTreeMap<(String, String), Answers>,
}

/// The answers one operation gave: each (status, error code) with a request that got it.
pub type Answers = BTreeMap<(u16, Option<String>), String>;

impl Observed {
    /// Records that `method path` (a documented route) answered `status` with `code`;
    /// `example` says which request did.
    pub fn record(
        &mut self,
        method: &str,
        path: &str,
        status: u16,
        code: Option<String>,
        example: String,
    ) {
        self.answers
            .entry((method.to_lowercase(), path.to_string()))
            .or_default()
            .entry((status, code))
            .or_insert(example);
    }

    /// Every recorded answer the document does not list.
    pub fn undocumented(&self, doc: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        for ((method, path), answers) in &self.answers {
            let Some(op) = Operation::find(doc, method, path) else {
                problems.push(format!("{method} {path} is not in the document"));
                continue;
            };
            for ((status, code), example) in answers {
                if let Some(why) = op.undocumented(*status, code.as_deref()) {
                    problems.push(format!("{why} (e.g. {example})"));
                }
            }
        }
        problems
    }
}
