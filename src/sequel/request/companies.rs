//! The company endpoints: a company's details, its child companies, its metadata and its
//! circle recordings. Every path, body and answer is in Sequel's API reference (tag
//! `company`); the company's events are in `events.rs`, beside the other event calls.

use http::Method;

use super::call::{Api, Call, Route, decode_json, non_blank, route, segment};
use crate::sequel::company::{Company, CompanyCircleRecording, CompanyUpdate, Metadata, NewCompany};
use crate::sequel::error::Error;
use crate::sequel::models::CompanyId;

// Creating a child twice makes two companies; the rest read, or set what they set again.
static GET: Route = route("GET /company/{companyId}", Method::GET, true);
static UPDATE: Route = route("POST /company/{companyId}", Method::POST, true);
static CREATE_CHILD: Route = route("POST /company/{companyId}/create", Method::POST, false);
static CHILDREN: Route = route("GET /company/{companyId}/list", Method::GET, true);
static METADATA: Route = route("POST /company/{companyId}/metadata", Method::POST, true);
static RECORDINGS: Route = route("GET /company/{companyId}/circleRecordings", Method::GET, true);

impl Api {
    /// `GET /company/{companyId}`: the company.
    pub fn company(&self, company: &CompanyId) -> Result<Call<Company>, Error> {
        Ok(self.v1(&GET, &["company", company_id(company)?], decode_json))
    }

    /// `POST /company/{companyId}`: changes the name or the logo; returns the company.
    pub fn update_company(
        &self,
        company: &CompanyId,
        update: &CompanyUpdate,
    ) -> Result<Call<Company>, Error> {
        if update.is_empty() {
            return Err(Error::invalid("company update", "sets nothing to change"));
        }
        if let Some(name) = &update.name {
            non_blank("company name", name)?;
        }
        Ok(self
            .v1(&UPDATE, &["company", company_id(company)?], decode_json)
            .json(update))
    }

    /// `POST /company/{companyId}/create`: creates a company under `parent`; returns it. Not
    /// repeated on `5xx`: the first attempt may have made it.
    pub fn create_child_company(
        &self,
        parent: &CompanyId,
        company: &NewCompany,
    ) -> Result<Call<Company>, Error> {
        non_blank("company name", &company.name)?;
        Ok(self
            .v1(
                &CREATE_CHILD,
                &["company", company_id(parent)?, "create"],
                decode_json,
            )
            .json(company))
    }

    /// `GET /company/{companyId}/list`: the companies under `parent`.
    pub fn child_companies(&self, parent: &CompanyId) -> Result<Call<Vec<Company>>, Error> {
        Ok(self.v1(&CHILDREN, &["company", company_id(parent)?, "list"], decode_json))
    }

    /// `POST /company/{companyId}/metadata`: sets the company's metadata; returns it.
    pub fn update_company_metadata(
        &self,
        company: &CompanyId,
        metadata: &Metadata,
    ) -> Result<Call<Metadata>, Error> {
        for (key, _) in metadata.iter() {
            non_blank("metadata key", key)?;
        }
        Ok(self
            .v1(
                &METADATA,
                &["company", company_id(company)?, "metadata"],
                decode_json,
            )
            .json(metadata))
    }

    /// `GET /company/{companyId}/circleRecordings`: every circle recording of the company.
    pub fn company_circle_recordings(
        &self,
        company: &CompanyId,
    ) -> Result<Call<Vec<CompanyCircleRecording>>, Error> {
        Ok(self.v1(
            &RECORDINGS,
            &["company", company_id(company)?, "circleRecordings"],
            decode_json,
        ))
    }
}

pub(super) fn company_id(company: &CompanyId) -> Result<&str, Error> {
    segment("company id", company.as_str())
}
