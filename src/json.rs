//! Decoding JSON into the crate's types, with errors built from their parts.
//!
//! serde_json's messages quote the input (`invalid type: string "ada@example.com"`), and here
//! the input holds e-mail addresses, join URLs and tokens. Rewriting those messages afterwards
//! cannot be done safely (a value may hold quotes, escapes or backquotes). So the body is
//! parsed into a `serde_json::Value`, and the target type is read from that `Value` by the
//! deserializer below, whose error type keeps only what the *code* describes: the kind of
//! problem, what was expected, the kind of value found, and where. No input text is ever
//! stored in a [`JsonError`], so none can be printed.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde_json::{Map, Value};

/// Why a JSON document could not be read as the type expected, without any of its values.
///
/// `Display` says what was wrong and where (`expected a string, found an integer at
/// [0].email`). It never quotes the input: object keys appear in the path only when they
/// are plain names (letters, digits, `_`), and as `?` otherwise.
#[derive(Clone, PartialEq, Eq)]
pub struct JsonError {
    problem: Problem,
    path: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    Syntax {
        line: usize,
        column: usize,
    },
    Eof {
        line: usize,
        column: usize,
    },
    InvalidType {
        found: &'static str,
        expected: String,
    },
    InvalidValue {
        found: &'static str,
        expected: String,
    },
    InvalidLength {
        length: usize,
        expected: String,
    },
    UnknownVariant {
        expected: &'static [&'static str],
    },
    UnknownField {
        expected: &'static [&'static str],
    },
    MissingField(&'static str),
    DuplicateField(&'static str),
    /// A type's own check failed; its message may quote the value, so it is not kept.
    Rejected,
    /// A list read element by element is not a JSON array of values.
    NotAList,
    /// A list read element by element ends before its closing `]`.
    ListEndsEarly,
}

impl JsonError {
    /// Where in the document the problem is, for example `[3].join_url`; `.` for the whole
    /// document. `None` when the document is not JSON at all.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// Whether the document is not valid JSON (or ends early), as opposed to valid JSON of
    /// the wrong shape.
    pub fn is_syntax(&self) -> bool {
        matches!(self.problem, Problem::Syntax { .. } | Problem::Eof { .. })
    }

    /// The line and column (both 1-based) of a syntax error.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self.problem {
            Problem::Syntax { line, column } | Problem::Eof { line, column } => Some((line, column)),
            _ => None,
        }
    }

    /// A problem not yet placed: the reader adds where it found it.
    fn new(problem: Problem) -> JsonError {
        JsonError { problem, path: None }
    }

    /// A value that could not be written as JSON.
    pub(crate) fn unserializable() -> JsonError {
        JsonError::new(Problem::Rejected)
    }

    /// A list read element by element is not a JSON array, at or after element `index`.
    pub(crate) fn not_a_list(index: usize) -> JsonError {
        JsonError::new(Problem::NotAList).at(&Path::Index(&Path::Root, index))
    }

    /// A list read element by element ended before its closing `]`, after `count` elements.
    pub(crate) fn list_ends_early(count: usize) -> JsonError {
        JsonError::new(Problem::ListEndsEarly).at(&Path::Index(&Path::Root, count))
    }

    fn at(mut self, path: &Path<'_>) -> JsonError {
        if self.path.is_none() {
            self.path = Some(path.to_string());
        }
        self
    }

    fn syntax(error: &serde_json::Error) -> JsonError {
        let (line, column) = (error.line(), error.column());
        let problem = match error.is_eof() {
            true => Problem::Eof { line, column },
            false => Problem::Syntax { line, column },
        };
        JsonError::new(problem)
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            Problem::Syntax { line, column } => write!(f, "not valid JSON at line {line} column {column}")?,
            Problem::Eof { line, column } => {
                write!(f, "the JSON ends early, at line {line} column {column}")?
            }
            Problem::InvalidType { found, expected } => write!(f, "expected {expected}, found {found}")?,
            Problem::InvalidValue { found, expected } => {
                write!(f, "invalid value ({found}), expected {expected}")?
            }
            Problem::InvalidLength { length, expected } => {
                write!(f, "expected {expected}, found {length} elements")?;
            }
            Problem::UnknownVariant { expected } => {
                write!(f, "unknown variant, expected {}", OneOf(expected))?
            }
            Problem::UnknownField { expected } => write!(f, "unknown field, expected {}", OneOf(expected))?,
            Problem::MissingField(field) => write!(f, "missing field `{field}`")?,
            Problem::DuplicateField(field) => write!(f, "duplicate field `{field}`")?,
            Problem::Rejected => f.write_str("a value its type does not accept")?,
            Problem::NotAList => f.write_str("not a JSON array of values")?,
            Problem::ListEndsEarly => f.write_str("the list ends before its closing `]`")?,
        }
        match &self.path {
            Some(path) => write!(f, " at {path}"),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonError({self})")
    }
}

impl std::error::Error for JsonError {}

struct OneOf(&'static [&'static str]);

impl fmt::Display for OneOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [] => f.write_str("none"),
            names => {
                f.write_str("one of ")?;
                for (i, name) in names.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}`{name}`")?;
                }
                Ok(())
            }
        }
    }
}

impl de::Error for JsonError {
    fn custom<T: fmt::Display>(_message: T) -> Self {
        JsonError::new(Problem::Rejected)
    }

    fn invalid_type(found: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        JsonError::new(Problem::InvalidType {
            found: kind(&found),
            expected: expected.to_string(),
        })
    }

    fn invalid_value(found: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        JsonError::new(Problem::InvalidValue {
            found: kind(&found),
            expected: expected.to_string(),
        })
    }

    fn invalid_length(length: usize, expected: &dyn de::Expected) -> Self {
        JsonError::new(Problem::InvalidLength {
            length,
            expected: expected.to_string(),
        })
    }

    fn unknown_variant(_variant: &str, expected: &'static [&'static str]) -> Self {
        JsonError::new(Problem::UnknownVariant { expected })
    }

    fn unknown_field(_field: &str, expected: &'static [&'static str]) -> Self {
        JsonError::new(Problem::UnknownField { expected })
    }

    fn missing_field(field: &'static str) -> Self {
        JsonError::new(Problem::MissingField(field))
    }

    fn duplicate_field(field: &'static str) -> Self {
        JsonError::new(Problem::DuplicateField(field))
    }
}

/// The kind of an unexpected value, never the value.
fn kind(found: &de::Unexpected<'_>) -> &'static str {
    use de::Unexpected as U;
    match found {
        U::Bool(_) => "a boolean",
        U::Unsigned(_) | U::Signed(_) => "an integer",
        U::Float(_) => "a number",
        U::Char(_) | U::Str(_) => "a string",
        U::Bytes(_) => "bytes",
        U::Unit => "null",
        U::Option => "an optional value",
        U::NewtypeStruct | U::NewtypeVariant => "a wrapped value",
        U::Seq => "an array",
        U::Map => "an object",
        U::Enum | U::UnitVariant | U::TupleVariant | U::StructVariant => "an enum",
        U::Other(_) => "another kind of value",
    }
}

/// Parses `bytes` as JSON and reads a `T` from it.
///
/// The usual case, a body of the right shape, is read in one pass by serde_json. Only when
/// that fails is the body read again, through the reader below, to build the error; serde_json's
/// own error is dropped unread (only its line and column are kept for a syntax error).
pub(crate) fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    parse_at(bytes, &Path::Root)
}

/// Parses `bytes` as JSON and reads a `T` from it through the reader below only: slower than
/// [`from_slice`] on a large body, but `T` is read one way, not two, so it costs half the
/// compiled code. For the answers that are small and rare (most of Sequel's), where the
/// parse does not show beside the network.
pub(crate) fn read_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    read_at(bytes, &Path::Root)
}

/// Parses `bytes`, element `index` of a list, and reads a `T` from it: as [`from_slice`],
/// with every error placed under `[index]`.
pub(crate) fn from_element<T: DeserializeOwned>(bytes: &[u8], index: usize) -> Result<T, JsonError> {
    parse_at(bytes, &Path::Index(&Path::Root, index))
}

/// Reads a `T` from an already parsed document.
pub(crate) fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, JsonError> {
    value_at(value, &Path::Root)
}

/// [`from_slice`] for the document at `path`: serde_json in one pass, and the reader only to
/// build the error.
fn parse_at<T: DeserializeOwned>(bytes: &[u8], path: &Path<'_>) -> Result<T, JsonError> {
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    read_at(bytes, path)
}

/// Parses `bytes`, the document at `path`, and reads a `T` from it through the reader. A
/// syntax error is placed at `path` unless that is the root, where it has no place.
fn read_at<T: DeserializeOwned>(bytes: &[u8], path: &Path<'_>) -> Result<T, JsonError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|error| match path {
        Path::Root => JsonError::syntax(&error),
        path => JsonError::syntax(&error).at(path),
    })?;
    value_at(value, path)
}

fn value_at<T: DeserializeOwned>(value: Value, path: &Path<'_>) -> Result<T, JsonError> {
    T::deserialize(Reader { value, path }).map_err(|e| e.at(path))
}

/// Where a value sits in the document: a chain of steps up to the root, on the stack.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Index(&'a Path<'a>, usize),
    Key(&'a Path<'a>, Key<'a>),
}

#[derive(Clone, Copy)]
enum Key<'a> {
    /// A name the code declared (a struct's field), or a key that is a plain name.
    Name(&'a str),
    /// Any other key: it may be data, so it is not shown.
    Hidden,
}

impl<'a> Key<'a> {
    /// Prefers the `&'static` field name the code declared; shows other keys only when they
    /// are short plain names, which no e-mail, URL, token or quoted text can be.
    fn new(key: &'a str, fields: &'static [&'static str]) -> Key<'a> {
        if let Some(field) = fields.iter().find(|field| **field == key) {
            return Key::Name(field);
        }
        let plain =
            (1..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if plain { Key::Name(key) } else { Key::Hidden }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn walk(path: &Path<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match path {
                Path::Root => Ok(()),
                Path::Index(parent, index) => {
                    walk(parent, f)?;
                    write!(f, "[{index}]")
                }
                Path::Key(parent, key) => {
                    walk(parent, f)?;
                    if !matches!(parent, Path::Root) {
                        f.write_str(".")?;
                    }
                    match key {
                        Key::Name(name) => f.write_str(name),
                        Key::Hidden => f.write_str("?"),
                    }
                }
            }
        }
        match self {
            Path::Root => f.write_str("."),
            path => walk(path, f),
        }
    }
}

/// A `Value` being read as some type, and where it sits.
struct Reader<'p> {
    value: Value,
    path: &'p Path<'p>,
}

impl<'p> Reader<'p> {
    fn seq<'de, V: Visitor<'de>>(
        items: Vec<Value>,
        path: &Path<'_>,
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        let length = items.len();
        let mut access = Items {
            items: items.into_iter(),
            index: 0,
            path,
        };
        let value = visitor.visit_seq(&mut access)?;
        match access.items.len() {
            0 => Ok(value),
            _ => Err(de::Error::invalid_length(length, &"fewer elements in the array")),
        }
    }

    fn map<'de, V: Visitor<'de>>(
        entries: Map<String, Value>,
        fields: &'static [&'static str],
        path: &Path<'_>,
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        visitor.visit_map(Entries {
            entries: entries.into_iter(),
            pending: None,
            fields,
            path,
        })
    }
}

macro_rules! forward_to_any {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
            self.deserialize_any(visitor)
        })*
    };
}

impl<'de> de::Deserializer<'de> for Reader<'_> {
    type Error = JsonError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        let path = self.path;
        let result = match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => visitor.visit_u64(u),
                (None, Some(i), _) => visitor.visit_i64(i),
                (None, None, Some(f)) => visitor.visit_f64(f),
                (None, None, None) => Err(de::Error::invalid_type(de::Unexpected::Other("number"), &visitor)),
            },
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => Reader::seq(items, path, visitor),
            Value::Object(entries) => Reader::map(entries, &[], path, visitor),
        };
        result.map_err(|e| e.at(path))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        let path = self.path;
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
        .map_err(|e| e.at(path))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        let path = self.path;
        visitor.visit_newtype_struct(self).map_err(|e| e.at(path))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        let path = self.path;
        match self.value {
            Value::Object(entries) => Reader::map(entries, fields, path, visitor),
            Value::Array(items) => Reader::seq(items, path, visitor),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
        .map_err(|e| e.at(path))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        let path = self.path;
        match self.value {
            Value::String(variant) => visitor.visit_enum(variant.into_deserializer()),
            Value::Object(entries) if entries.len() == 1 => match entries.into_iter().next() {
                Some((variant, value)) => visitor.visit_enum(Variant { variant, value, path }),
                None => Err(de::Error::invalid_type(de::Unexpected::Map, &visitor)),
            },
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
        .map_err(|e| e.at(path))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        visitor.visit_unit()
    }

    forward_to_any! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_unit deserialize_identifier
    }

    // A list only from an array and a map only from an object, as serde_json reads them: by
    // way of `deserialize_any`, `null` would reach a map's `visit_unit` and read as empty.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        let path = self.path;
        match self.value {
            Value::Array(items) => Reader::seq(items, path, visitor),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
        .map_err(|e| e.at(path))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        let path = self.path;
        match self.value {
            Value::Object(entries) => Reader::map(entries, &[], path, visitor),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
        .map_err(|e| e.at(path))
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, JsonError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        self.deserialize_seq(visitor)
    }
}

fn unexpected(value: &Value) -> de::Unexpected<'static> {
    match value {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(_) => de::Unexpected::Bool(false),
        Value::Number(_) => de::Unexpected::Float(0.0),
        Value::String(_) => de::Unexpected::Str(""),
        Value::Array(_) => de::Unexpected::Seq,
        Value::Object(_) => de::Unexpected::Map,
    }
}

struct Items<'p> {
    items: std::vec::IntoIter<Value>,
    index: usize,
    path: &'p Path<'p>,
}

impl<'de> de::SeqAccess<'de> for Items<'_> {
    type Error = JsonError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, JsonError> {
        let Some(value) = self.items.next() else {
            return Ok(None);
        };
        let path = Path::Index(self.path, self.index);
        self.index += 1;
        seed.deserialize(Reader { value, path: &path })
            .map(Some)
            .map_err(|e| e.at(&path))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Entries<'p> {
    entries: serde_json::map::IntoIter,
    pending: Option<(String, Value)>,
    fields: &'static [&'static str],
    path: &'p Path<'p>,
}

impl<'de> de::MapAccess<'de> for Entries<'_> {
    type Error = JsonError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, JsonError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        let path = Path::Key(self.path, Key::new(&key, self.fields));
        let read = seed
            .deserialize(de::value::StrDeserializer::<JsonError>::new(&key))
            .map_err(|e| e.at(&path))?;
        self.pending = Some((key, value));
        Ok(Some(read))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, JsonError> {
        let (key, value) = self
            .pending
            .take()
            .ok_or_else(|| de::Error::custom("value before key"))?;
        let path = Path::Key(self.path, Key::new(&key, self.fields));
        seed.deserialize(Reader { value, path: &path })
            .map_err(|e| e.at(&path))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// `{"Variant": value}`, an externally tagged enum.
struct Variant<'p> {
    variant: String,
    value: Value,
    path: &'p Path<'p>,
}

impl<'de, 'p> de::EnumAccess<'de> for Variant<'p> {
    type Error = JsonError;
    type Variant = Reader<'p>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Reader<'p>), JsonError> {
        let tag = seed.deserialize(self.variant.into_deserializer())?;
        Ok((
            tag,
            Reader {
                value: self.value,
                path: self.path,
            },
        ))
    }
}

impl<'de> de::VariantAccess<'de> for Reader<'_> {
    type Error = JsonError;

    fn unit_variant(self) -> Result<(), JsonError> {
        match self.value {
            Value::Null => Ok(()),
            other => Err(de::Error::invalid_type(unexpected(&other), &"a unit variant")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, JsonError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, JsonError> {
        de::Deserializer::deserialize_any(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        de::Deserializer::deserialize_struct(self, "", fields, visitor)
    }
}

/// The fast path (serde_json on the bytes) and the reader (on the parsed `Value`) must accept
/// and reject the same documents, with the same values, for every type the crate decodes:
/// if they disagreed, a body serde_json refuses could come back `Ok` from the reader.
#[cfg(test)]
mod agreement {
    use std::fmt::Debug;

    use proptest::prelude::*;
    use serde::de::DeserializeOwned;
    use serde_json::{Map, Value};

    use crate::sequel::Subscribed;
    use crate::sequel::webhook::{Answer, AttendedUser, EndedBatch, EventDetails, PreRegistration};
    use crate::sequel::{ActivityPage, Event, Registrant, Replay, TopParticipants, VideoViews};

    /// Field names of the decoded types, so documents often reach their fields.
    const KEYS: &[&str] = &[
        "name",
        "email",
        "join_url",
        "metadata",
        "uid",
        "companyUid",
        "creatorUid",
        "picture",
        "startDate",
        "endDate",
        "timezone",
        "type",
        "networkingHub",
        "presenters",
        "organizers",
        "isRegistrationModeEnabled",
        "privateEventInfo",
        "attendeePasscode",
        "rtmpKey",
        "closeCaptioningSettings",
        "transcription",
        "enabled",
        "companyId",
        "companyName",
        "eventId",
        "eventName",
        "users",
        "page",
        "size",
        "totalCount",
        "_id",
        "userId",
        "attendee",
        "registrationInfo",
        "question",
        "response",
        "webHookSubscriptionId",
        "clientSecret",
        "expiresOn",
        "url",
        "expiresAt",
        "items",
        "attended",
        "liveTime",
        "topParticipants",
        "userEmail",
        "engagedMinutes",
        "numberOfUsers",
        "totalEngagedMinutes",
        "averageEngagedMinutesByUser",
        "limit",
        "VideoViews",
        "other",
    ];

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e12f64..1e12).prop_map(Value::from),
            prop_oneof![
                Just("2025-01-07T10:05:24.000Z".to_owned()),
                Just("https://embed.sequel.io/event/e?joinCode=A1".to_owned()),
                Just("Virtual".to_owned()),
                "[a-z@.:/ -]{0,12}",
            ]
            .prop_map(Value::String),
        ]
    }

    fn document() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::vec((proptest::sample::select(KEYS), inner), 0..8).prop_map(|pairs| {
                    Value::Object(
                        pairs
                            .into_iter()
                            .map(|(k, v)| (k.to_owned(), v))
                            .collect::<Map<_, _>>(),
                    )
                }),
            ]
        })
    }

    fn agree<T: DeserializeOwned + PartialEq + Debug>(bytes: &[u8]) -> Result<(), TestCaseError> {
        let fast = serde_json::from_slice::<T>(bytes);
        let parsed: Value = serde_json::from_slice(bytes).expect("a generated document");
        let read = super::from_value::<T>(parsed);
        match (fast, read) {
            (Ok(fast), Ok(read)) => prop_assert_eq!(fast, read),
            (Err(_), Err(_)) => {}
            (fast, read) => prop_assert!(false, "serde_json {:?}, reader {:?}", fast.is_ok(), read.is_ok()),
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn the_reader_and_serde_json_agree(document in document(), wrap in 0..3u8) {
            // The top level as it comes, as one element of a list, and inside the envelope's
            // `details`-like places, so list and struct decoders both see it.
            let document = match wrap {
                0 => document,
                1 => Value::Array(vec![document]),
                _ => serde_json::json!({"users": [document.clone()], "attendee": document, "totalCount": 1}),
            };
            let bytes = serde_json::to_vec(&document).unwrap();
            agree::<Registrant>(&bytes)?;
            agree::<Vec<Registrant>>(&bytes)?;
            agree::<Event>(&bytes)?;
            agree::<Vec<Event>>(&bytes)?;
            agree::<Vec<Replay>>(&bytes)?;
            agree::<EventDetails>(&bytes)?;
            agree::<PreRegistration>(&bytes)?;
            agree::<EndedBatch>(&bytes)?;
            agree::<Vec<AttendedUser>>(&bytes)?;
            agree::<Vec<Answer>>(&bytes)?;
            agree::<Subscribed>(&bytes)?;
            agree::<ActivityPage>(&bytes)?;
            agree::<TopParticipants>(&bytes)?;
            agree::<VideoViews>(&bytes)?;
            agree::<Vec<String>>(&bytes)?;
            agree::<String>(&bytes)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Person {
        name: String,
        age: Option<u8>,
        tags: Vec<String>,
    }

    fn error<T: DeserializeOwned + fmt::Debug>(json: &str) -> String {
        from_slice::<T>(json.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let person: Person = from_slice(br#"{"name":"Ada","age":36,"tags":["a"],"x":1}"#).unwrap();
        assert_eq!(
            person,
            Person {
                name: "Ada".into(),
                age: Some(36),
                tags: vec!["a".into()]
            }
        );
        let pairs: Vec<(String, String)> = from_slice(br#"[["a","b"]]"#).unwrap();
        assert_eq!(pairs, [("a".to_owned(), "b".to_owned())]);
        let map: HashMap<String, f64> = from_slice(br#"{"k":-1.5}"#).unwrap();
        assert_eq!(map["k"], -1.5);
    }

    #[test]
    fn messages_name_the_problem_and_the_place_and_never_a_value() {
        assert_eq!(
            error::<Person>(r#"{"name":"Ada","tags":[1]}"#),
            "expected a string, found an integer at tags[0]"
        );
        assert_eq!(error::<Person>(r#"{"tags":[]}"#), "missing field `name` at .");
        assert_eq!(
            error::<Person>(r#"{"name":"x","age":999,"tags":[]}"#),
            "invalid value (an integer), expected u8 at age"
        );
        assert_eq!(
            error::<Vec<Person>>(r#"[{"name":"ada@example.com","tags":"ada@example.com"}]"#),
            "expected a sequence, found a string at [0].tags"
        );
        assert_eq!(
            error::<HashMap<String, u8>>(r#"{"ada@example.com": "x"}"#),
            "expected u8, found a string at ?"
        );
        assert_eq!(
            error::<(String, String)>(r#"["a","b","c"]"#),
            "expected fewer elements in the array, found 3 elements at ."
        );
        assert_eq!(
            error::<Person>(r#"{"name": "ada@"#),
            "the JSON ends early, at line 1 column 14"
        );
        assert_eq!(
            error::<Person>(r#"{"name": ada@"#),
            "not valid JSON at line 1 column 10"
        );
    }

    #[test]
    fn a_custom_rejection_keeps_no_text() {
        let refused = from_slice::<url::Url>(br#""not a url: ada@example.com""#).unwrap_err();
        assert_eq!(refused.to_string(), "a value its type does not accept at .");
        #[derive(Debug)]
        struct Picky;
        impl<'de> Deserialize<'de> for Picky {
            fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Err(de::Error::custom(format!("bad {text}")))
            }
        }
        assert_eq!(
            error::<Picky>(r#""ada@example.com""#),
            "a value its type does not accept at ."
        );
    }
}
