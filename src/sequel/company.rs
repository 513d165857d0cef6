//! Companies: a company's details, its child companies, its metadata and its circle
//! recordings, typed from Sequel's schemas `Company`, `CompanyCreate`, `CompanyUpdate`,
//! `Metadata` and `CompanyCircleRecording`.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::models::{CompanyId, EventId};
use super::networking::DownloadUrl;

/// A company, as Sequel returns it (`Company`). Every field is an `Option`, since Sequel's
/// schema marks none required; fields beyond the schema are kept in [`extra`](Self::extra).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Company {
    /// `uid`: the company's id.
    pub uid: Option<CompanyId>,
    /// `name`.
    pub name: Option<String>,
    /// `logo`: an image URL.
    pub logo: Option<String>,
    /// `parentCompanyId`: the parent, for a child company.
    pub parent_company_id: Option<CompanyId>,
    /// `eventIds`: every event of the company.
    pub event_ids: Option<Vec<EventId>>,
    /// `metadata`.
    pub metadata: Option<Metadata>,
    /// Fields Sequel sent that this crate does not know, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A child company to create under a parent (`CompanyCreate`: a name, a logo and metadata,
/// all three required by Sequel).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct NewCompany {
    /// `name`.
    pub name: String,
    /// `logo`: an image URL.
    pub logo: String,
    /// `metadata`: empty unless set.
    pub metadata: Metadata,
}

impl NewCompany {
    /// A company named `name` with the logo at `logo`.
    pub fn new(name: impl Into<String>, logo: impl Into<String>) -> NewCompany {
        NewCompany {
            name: name.into(),
            logo: logo.into(),
            metadata: Metadata::new(),
        }
    }

    /// Its metadata.
    pub fn metadata(mut self, metadata: Metadata) -> NewCompany {
        self.metadata = metadata;
        self
    }
}

/// What to change in a company (`CompanyUpdate`): its name, its logo, or both.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
#[must_use]
pub struct CompanyUpdate {
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `logo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
}

impl CompanyUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> CompanyUpdate {
        CompanyUpdate::default()
    }

    /// A new name.
    pub fn name(mut self, name: impl Into<String>) -> CompanyUpdate {
        self.name = Some(name.into());
        self
    }

    /// A new logo URL.
    pub fn logo(mut self, logo: impl Into<String>) -> CompanyUpdate {
        self.logo = Some(logo.into());
        self
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.name.is_none() && self.logo.is_none()
    }
}

/// A company's metadata (`Metadata`): named lists of values. On the wire each value is an
/// object `{ "value": "..." }`; here it is the string.
///
/// ```
/// use event_sso::sequel::Metadata;
///
/// let metadata = Metadata::new().with("region", ["emea", "apac"]);
/// assert_eq!(metadata.get("region"), Some(&["emea".to_owned(), "apac".to_owned()][..]));
/// assert_eq!(
///     serde_json::to_string(&metadata)?,
///     r#"{"region":[{"value":"emea"},{"value":"apac"}]}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata(BTreeMap<String, Vec<String>>);

impl Metadata {
    /// No entries.
    pub fn new() -> Metadata {
        Metadata::default()
    }

    /// With `key` set to `values`, replacing what it held.
    #[must_use]
    pub fn with(
        mut self,
        key: impl Into<String>,
        values: impl IntoIterator<Item = impl Into<String>>,
    ) -> Metadata {
        self.insert(key, values);
        self
    }

    /// Sets `key` to `values`, replacing what it held.
    pub fn insert(&mut self, key: impl Into<String>, values: impl IntoIterator<Item = impl Into<String>>) {
        self.0
            .insert(key.into(), values.into_iter().map(Into::into).collect());
    }

    /// The values of `key`.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.0.get(key).map(Vec::as_slice)
    }

    /// Every key and its values, by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.0
            .iter()
            .map(|(key, values)| (key.as_str(), values.as_slice()))
    }

    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetadataValue<S> {
    value: S,
}

impl Serialize for Metadata {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(key, values)| {
            let values: Vec<MetadataValue<&str>> = values
                .iter()
                .map(|value| MetadataValue {
                    value: value.as_str(),
                })
                .collect();
            (key, values)
        }))
    }
}

impl<'de> Deserialize<'de> for Metadata {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Metadata, D::Error> {
        let entries = BTreeMap::<String, Vec<MetadataValue<String>>>::deserialize(deserializer)?;
        Ok(Metadata(
            entries
                .into_iter()
                .map(|(key, values)| (key, values.into_iter().map(|v| v.value).collect()))
                .collect(),
        ))
    }
}

/// One of a company's circle recordings (`CompanyCircleRecording`). Both URLs hand the
/// recording to whoever holds them, so each is a [`DownloadUrl`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CompanyCircleRecording {
    /// `id`.
    pub id: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `url`: where the recording plays.
    pub url: Option<DownloadUrl>,
    /// `downloadVideoUrl`: where it downloads.
    pub download_video_url: Option<DownloadUrl>,
}
