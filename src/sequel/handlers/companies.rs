use crate::sequel::company::{Company, CompanyCircleRecording, CompanyUpdate, Metadata, NewCompany};
use crate::sequel::models::CompanyId;

area! {
    /// Companies: a company's details, its child companies, its metadata and its circle
    /// recordings. Reached by `client.companies()`, on either client. A company's events are
    /// one step from the client: `company_events`.
    ///
    /// ```no_run
    /// # #[cfg(feature = "async")]
    /// # async fn run(client: event_sso::sequel::Client) -> Result<(), event_sso::sequel::Error> {
    /// use event_sso::sequel::{CompanyId, NewCompany};
    ///
    /// let parent = CompanyId::new("co-1");
    /// let child = client.companies().create_child(&parent, &NewCompany::new("Acme EMEA", "https://cdn.example.com/acme.png")).await?;
    /// for company in client.companies().children(&parent).await? {
    ///     println!("{}", company.name.as_deref().unwrap_or("(unnamed)"));
    /// }
    /// # let _ = child;
    /// # Ok(()) }
    /// ```
    pub struct Companies, reached by companies;

    /// The company.
    fn get(company: &CompanyId) -> Company = company;
    /// Changes the name or the logo; returns the company.
    fn update(company: &CompanyId, update: &CompanyUpdate) -> Company = update_company;
    /// Creates a company under `parent` and returns it. Sent once: not repeated after a `5xx`,
    /// since the first attempt may have made it (look at [`children`](Self::children) before
    /// trying again).
    fn create_child(parent: &CompanyId, company: &NewCompany) -> Company = create_child_company;
    /// The companies under `parent`.
    fn children(parent: &CompanyId) -> Vec<Company> = child_companies;
    /// Sets the company's metadata; returns it.
    fn update_metadata(company: &CompanyId, metadata: &Metadata) -> Metadata = update_company_metadata;
    /// Every circle recording of the company; each URL is a
    /// [`DownloadUrl`](crate::sequel::DownloadUrl).
    fn circle_recordings(company: &CompanyId) -> Vec<CompanyCircleRecording> = company_circle_recordings;
}
