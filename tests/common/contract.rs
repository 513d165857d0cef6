//! Sequel's published contract (`tests/contract/sequel-v1.json`), as a checker for what the
//! tests send and what they answer.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::{Value, json};

const DOCUMENT: &str = include_str!("../contract/sequel-v1.json");

static CONTRACT: LazyLock<Contract> = LazyLock::new(Contract::load);

/// The contract, loaded and compiled once per test binary.
pub fn contract() -> &'static Contract {
    &CONTRACT
}

pub struct Contract {
    defs: Value,
    operations: Vec<Operation>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fill {
    Everything,
    Least,
}

pub struct Operation {
    pub name: String,
    method: String,
    path: Vec<String>,
    parameters: HashMap<String, Value>,
    query: HashMap<String, Value>,
    request: Option<Value>,
    responses: HashMap<u16, Value>,
}

impl Contract {
    fn load() -> Contract {
        let document: Value = serde_json::from_str(DOCUMENT).expect("the contract is JSON");
        let defs = document["$defs"].clone();
        let object = |value: &Value| -> HashMap<String, Value> {
            value
                .as_object()
                .map(|fields| fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default()
        };
        let operations = document["operations"]
            .as_object()
            .expect("operations")
            .iter()
            .map(|(name, operation)| Operation {
                name: name.clone(),
                method: operation["method"].as_str().expect("method").to_owned(),
                path: operation["path"]
                    .as_str()
                    .expect("path")
                    .trim_start_matches('/')
                    .split('/')
                    .map(str::to_owned)
                    .collect(),
                parameters: object(&operation["parameters"]),
                query: object(&operation["query"]),
                request: operation.get("request").cloned(),
                responses: object(&operation["responses"])
                    .into_iter()
                    .map(|(status, schema)| (status.parse().expect("a status"), schema))
                    .collect(),
            })
            .collect();
        Contract { defs, operations }
    }

    /// The documented success of `operation`: its status and schema.
    pub fn success(&self, operation: &str) -> Option<(u16, &Value)> {
        let op = self.operations.iter().find(|op| op.name == operation)?;
        let mut statuses: Vec<(&u16, &Value)> = op
            .responses
            .iter()
            .filter(|(status, _)| (200..300).contains(*status))
            .collect();
        statuses.sort_by_key(|(status, _)| **status);
        statuses.first().map(|(status, schema)| (**status, *schema))
    }

    /// Answers `schema` allows, made from the schema alone: one with every property it names
    /// (a value of each type, numbers negative where the schema allows it, a second array
    /// element), and one with only what it requires (`null` wherever allowed). Each is
    /// checked against the schema before it is given.
    pub fn examples(&self, schema: &Value) -> Vec<Value> {
        [Fill::Everything, Fill::Least]
            .into_iter()
            .map(|fill| {
                let example = self.example(schema, fill, 0);
                self.validate(schema, &example)
                    .unwrap_or_else(|e| panic!("the generator left the schema {schema}: {e}: {example}"));
                example
            })
            .collect()
    }

    fn example(&self, schema: &Value, fill: Fill, depth: usize) -> Value {
        assert!(depth < 32, "the schema nests too deep to generate");
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.trim_start_matches("#/$defs/");
            return self.example(&self.defs[name], fill, depth + 1);
        }
        if let Some(choices) = schema.get("anyOf").and_then(Value::as_array) {
            let pick = match fill {
                Fill::Everything => choices.first(),
                Fill::Least => choices.last(),
            };
            return pick
                .map(|s| self.example(s, fill, depth + 1))
                .unwrap_or(Value::Null);
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            return values.first().cloned().unwrap_or(Value::Null);
        }
        let types: Vec<&str> = match &schema["type"] {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ if schema.get("properties").is_some() => vec!["object"],
            _ => vec![],
        };
        let kind = match fill {
            Fill::Least if types.contains(&"null") => "null",
            _ => types.iter().copied().find(|t| *t != "null").unwrap_or("string"),
        };
        match kind {
            "null" => Value::Null,
            "boolean" => Value::Bool(fill == Fill::Everything),
            "integer" => json!(-3),
            "number" => json!(-2.5),
            "string" => match schema["format"].as_str() {
                Some("date-time") => json!("2026-12-01T17:00:00.000Z"),
                Some("date") => json!("2026-12-01"),
                Some("uuid") => json!("0b5a4c2e-6a8f-4d36-9a3c-1f2e3d4c5b6a"),
                Some("uri") => json!("https://example.com/x?email=ada%40example.com"),
                _ => json!("https://example.com/x?Q=\"quoted\"&email=ada@example.com"),
            },
            "array" => {
                let count = match fill {
                    Fill::Everything => 2,
                    Fill::Least => schema["minItems"].as_u64().unwrap_or(0) as usize,
                };
                let count = schema["maxItems"]
                    .as_u64()
                    .map_or(count, |max| count.min(max as usize));
                let item = schema.get("items").cloned().unwrap_or(json!({}));
                Value::Array((0..count).map(|_| self.example(&item, fill, depth + 1)).collect())
            }
            _ => {
                let mut object = serde_json::Map::new();
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .map(|names| names.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if let Some(properties) = schema["properties"].as_object() {
                    for (name, property) in properties {
                        if fill == Fill::Everything || required.contains(&name.as_str()) {
                            object.insert(name.clone(), self.example(property, fill, depth + 1));
                        }
                    }
                }
                // A map (`additionalProperties` a schema): one entry, when filling everything.
                if let (Fill::Everything, Some(values)) = (fill, schema["additionalProperties"].as_object()) {
                    object.insert(
                        "key".to_owned(),
                        self.example(&Value::Object(values.clone()), fill, depth + 1),
                    );
                }
                for name in required {
                    object.entry(name.to_owned()).or_insert(json!("required"));
                }
                Value::Object(object)
            }
        }
    }

    /// Every operation's name.
    pub fn operation_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.operations.iter().map(|op| op.name.clone()).collect();
        names.sort();
        names
    }

    /// Whether `instance` matches `schema` (which may refer to the contract's `$defs`); the
    /// problems found when it does not.
    pub fn validate(&self, schema: &Value, instance: &Value) -> Result<(), String> {
        let mut document = json!({ "$defs": self.defs });
        match schema.as_object() {
            Some(fields) => document.as_object_mut().unwrap().extend(fields.clone()),
            None => return Ok(()), // `true`: anything
        }
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&document)
            .map_err(|e| format!("the contract's schema does not compile: {e}"))?;
        let problems: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        match problems.is_empty() {
            true => Ok(()),
            false => Err(problems.join("; ")),
        }
    }

    /// The operation a request is for: method and path (percent-encoded, with any query).
    pub fn operation(&self, method: &str, path_and_query: &str) -> Result<&Operation, String> {
        let path = path_and_query.split('?').next().unwrap_or_default();
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        self.operations
            .iter()
            .filter(|op| op.method.eq_ignore_ascii_case(method) && op.path.len() == segments.len())
            .filter(|op| {
                op.path
                    .iter()
                    .zip(&segments)
                    .all(|(template, segment)| template.starts_with('{') || template == segment)
            })
            // A literal segment beats a parameter (`/event/create` is not an event id).
            .max_by_key(|op| op.path.iter().filter(|t| !t.starts_with('{')).count())
            .ok_or_else(|| format!("no operation in the contract for {method} {path}"))
    }

    /// Checks a request as sent: its operation, path parameters, query and body.
    pub fn check_request(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> Result<&Operation, String> {
        let operation = self.operation(method, path_and_query)?;
        let name = &operation.name;
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        for (template, segment) in operation.path.iter().zip(path.trim_start_matches('/').split('/')) {
            if let Some(parameter) = template.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                let value = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
                let schema = operation
                    .parameters
                    .get(parameter)
                    .ok_or(format!("{name}: {parameter} undocumented"))?;
                self.validate(schema, &json!(value))
                    .map_err(|e| format!("{name}: path {parameter}: {e}"))?;
            }
        }
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let schema = operation
                .query
                .get(key.as_ref())
                .ok_or(format!("{name}: query {key} undocumented"))?;
            let value: Value = serde_json::from_str(&value).unwrap_or(Value::String(value.into_owned()));
            self.validate(schema, &value)
                .map_err(|e| format!("{name}: query {key}: {e}"))?;
        }
        match (&operation.request, body.is_empty()) {
            (None, true) => {}
            (None, false) => return Err(format!("{name}: takes no body")),
            (Some(_), true) => return Err(format!("{name}: needs a body")),
            (Some(schema), false) => {
                let body: Value =
                    serde_json::from_slice(body).map_err(|_| format!("{name}: body is not JSON"))?;
                self.validate(schema, &body)
                    .map_err(|e| format!("{name}: body: {e}"))?;
            }
        }
        Ok(operation)
    }

    /// Checks an answer to `operation`: a 2xx body against its documented schema (an empty
    /// body stands for none), an error's message against the messages documented for that
    /// status. Statuses the operation does not document (a 5xx, a 429) are not judged.
    pub fn check_response(&self, operation: &str, status: u16, body: &[u8]) -> Result<(), String> {
        let op = self
            .operations
            .iter()
            .find(|op| op.name == operation)
            .ok_or(format!("no operation {operation} in the contract"))?;
        let documented = op.responses.get(&status);
        if (200..300).contains(&status) {
            let schema = documented.ok_or(format!("{operation}: {status} is not a documented success"))?;
            // No body is right where Sequel documents none (a schema of `{}`), or for a 204.
            if body.is_empty() {
                return match status == 204 || schema.as_object().is_some_and(|s| s.is_empty()) {
                    true => Ok(()),
                    false => Err(format!("{operation}: {status} with no body")),
                };
            }
            let body: Value = serde_json::from_slice(body)
                .map_err(|_| format!("{operation}: {status} body is not JSON"))?;
            return self
                .validate(schema, &body)
                .map_err(|e| format!("{operation}: {status}: {e}"));
        }
        let Some(messages) = documented.and_then(|d| d["messages"].as_array()) else {
            return Ok(());
        };
        let Ok(body) = serde_json::from_slice::<Value>(body) else {
            return Ok(()); // no body, or text: Sequel documents many errors without a body
        };
        self.validate(&json!({"$ref": "#/$defs/Error"}), &body)
            .map_err(|e| format!("{operation}: {status}: {e}"))?;
        let Some(message) = body["errorMessage"].as_str() else {
            return Ok(());
        };
        let documented_message = messages
            .iter()
            .filter_map(Value::as_str)
            .any(|known| message == known || (known.ends_with(": ") && message.starts_with(known)));
        match documented_message {
            true => Ok(()),
            false => Err(format!(
                "{operation}: {status} with the undocumented message {message:?}"
            )),
        }
    }
}

/// Checks every exchange a fake logged: each request as sent, each answer as given.
pub fn check_fake_exchanges(requests: &[event_sso::sequel::fake::LoggedRequest]) -> Result<(), String> {
    for request in requests {
        let path_and_query = match &request.query {
            Some(query) => format!("{}?{query}", request.path),
            None => request.path.clone(),
        };
        let operation = contract().check_request(request.method.as_str(), &path_and_query, &request.body)?;
        if let Some(status) = request.status {
            contract().check_response(&operation.name, status.as_u16(), &request.answer)?;
            // An answer with no body claims no type (a strict client would try to read it).
            if request.answer.is_empty() && request.answer_type.is_some() {
                return Err(format!(
                    "{}: {status} has no body but a Content-Type",
                    operation.name
                ));
            }
        }
    }
    Ok(())
}
