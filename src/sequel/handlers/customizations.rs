use crate::sequel::customization::{CompanyFont, Palette, Theme};
use crate::sequel::models::{CompanyId, EventId};

area! {
    /// How events look: the event customization theme at the platform's, a company's and an
    /// event's level, a company's fonts and the suggested palettes, and the public themes.
    /// Reached by `client.customizations()`, on either client.
    ///
    /// A theme is layered: the platform's default, overridden by the company's, overridden by
    /// the event's. The `*_customization` reads give a level's overrides, or with `full` the
    /// whole theme merged; the `*_theme` reads are Sequel's public answer (no token is sent).
    ///
    /// ```no_run
    /// # #[cfg(feature = "async")]
    /// # async fn run(client: event_sso::sequel::Client) -> Result<(), event_sso::sequel::Error> {
    /// use event_sso::sequel::{EventId, Theme, Toggle};
    ///
    /// let event = EventId::new("6f1c...");
    /// let mut theme = Theme::new("Launch");
    /// theme.polls = Some(Toggle::on(false));
    /// client.customizations().set_event(&event, &theme).await?;
    /// let applied = client.customizations().event_theme(&event).await?;
    /// # let _ = applied;
    /// # Ok(()) }
    /// ```
    pub struct Customizations, reached by customizations;

    /// The company's overrides of the platform's theme, or (`full`) the whole theme its
    /// events get.
    fn company(company: &CompanyId, full: bool) -> Theme = company_customization;
    /// Sets the company's overrides, for every event without its own.
    fn set_company(company: &CompanyId, theme: &Theme) -> () = set_company_customization;
    /// Drops the company's overrides; its events fall back to the platform's theme.
    fn delete_company(company: &CompanyId) -> () = delete_company_customization;
    /// The company's fonts.
    fn fonts(company: &CompanyId) -> Vec<CompanyFont> = company_fonts;
    /// Adds a font, or replaces the URL of the company's font of that name; answers the
    /// font's id when Sequel gives it.
    fn add_font(company: &CompanyId, font: &CompanyFont) -> Option<String> = add_company_font;
    /// Removes a font.
    fn delete_font(company: &CompanyId, font_id: &str) -> () = delete_company_font;
    /// The platform's theme, a starting point for new ones.
    fn default_theme() -> Theme = default_customization;
    /// The event's overrides, or (`full`) the whole theme it gets.
    fn event(event: &EventId, full: bool) -> Theme = event_customization;
    /// Sets the event's overrides.
    fn set_event(event: &EventId, theme: &Theme) -> () = set_event_customization;
    /// Drops the event's overrides; it falls back to its company's, or the platform's.
    fn delete_event(event: &EventId) -> () = delete_event_customization;
    /// Suggested colour palettes, for an editor.
    fn suggested_palettes() -> Vec<Palette> = suggested_palettes;
    /// The theme the company's events get: Sequel's public answer, sent without the token.
    fn company_theme(company: &CompanyId) -> Theme = company_theme;
    /// The theme the event gets: Sequel's public answer, sent without the token.
    fn event_theme(event: &EventId) -> Theme = event_theme;
}
