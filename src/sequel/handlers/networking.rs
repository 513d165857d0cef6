use serde_json::{Map, Value};

use crate::sequel::models::{EmbedUrl, Registered, Registration, Viewer};
use crate::sequel::networking::{
    ChannelCleared, ChatClearing, CircleRecording, HubId, HubParticipant, Invitation, NetworkingHub, NewHub,
};

area! {
    /// Networking hubs: Sequel's second embeddable product, with its own embed URL and its own
    /// registrants. Reached by `client.networking()`, on either client.
    ///
    /// A hub's embed URL logs a viewer in exactly as an event's does: the same [`Viewer`], the
    /// same [`EmbedUrl`] (**evidenced**: the same `User` body and the same URL shape in Sequel's
    /// reference). Registering takes and answers what an event's does (**evidenced**); that an
    /// e-mail is registered once per hub is **inferred**. A hub has no registrants list in
    /// Sequel's reference, so there is no `register_or_get` here: [`register`](Self::register)
    /// is sent once, and when its answer is lost the error's
    /// [`is_outcome_unknown`](crate::sequel::Error::is_outcome_unknown) says so.
    ///
    /// ```no_run
    /// # #[cfg(feature = "async")]
    /// # async fn run(client: event_sso::sequel::Client) -> Result<(), event_sso::sequel::Error> {
    /// use event_sso::sequel::{HubId, Registration, Viewer};
    ///
    /// let hub = HubId::new("9d1e...");
    /// let viewer = Viewer::new("user-42", "Ada Lovelace").email("ada@example.com");
    /// let embed = client.networking().embed_url(&hub, &viewer).await?;
    /// let registered = client.networking().register(&hub, &Registration::new("Ada Lovelace", "ada@example.com")).await?;
    /// # let _ = (embed, registered);
    /// # Ok(()) }
    /// ```
    pub struct Networking, reached by networking;

    /// Creates a hub and returns it as Sequel answers (which may lack the `uid`). Sent once:
    /// not repeated after a `5xx`, since the first attempt may have made it.
    fn create(hub: &NewHub) -> NetworkingHub = create_hub;
    /// The hub.
    fn get(hub: &HubId) -> NetworkingHub = hub;
    /// Replaces the hub with `update`, sent whole: Sequel's update takes the whole hub, so
    /// read it with [`get`](Self::get), change it and send it back. Returns the hub.
    fn update(hub: &HubId, update: &NetworkingHub) -> NetworkingHub = update_hub;
    /// The URL to put in an `<iframe src>` for this viewer; mint one per page view.
    fn embed_url(hub: &HubId, viewer: &Viewer) -> EmbedUrl = hub_embed_url;
    /// Registers a person for the hub and returns their join URL. Sent once: not repeated
    /// after a `5xx`, since the first attempt may have registered them and a hub has no
    /// registrants list to find them in. A second registration of an e-mail fails with
    /// [`is_already_registered`](crate::sequel::Error::is_already_registered), if Sequel
    /// refuses it as it does for events.
    fn register(hub: &HubId, registration: &Registration) -> Registered = register_for_hub;
    /// Removes the registration of `email`. A retry that finds nothing after an attempt whose
    /// answer was lost is a success: the first attempt removed it.
    fn unregister(hub: &HubId, email: &str) -> () = unregister_from_hub;
    /// Who is in the hub. `Debug` of each hides their name, e-mail and avatar.
    fn participants(hub: &HubId) -> Vec<HubParticipant> = hub_participants;
    /// One person invites another to their conversation; answers whether the invitation went
    /// out. Sent once: a repeat would invite twice.
    fn invite(hub: &HubId, invitation: &Invitation) -> bool = invite_to_hub;
    /// Sets a person's profile photo (`profile` is Sequel's photo object); answers whether it
    /// was set.
    fn set_user_profile(hub: &HubId, user_id: &str, profile: &Map<String, Value>) -> bool = set_hub_user_profile;
    /// Clears the hub's chats, or the channels named; answers what happened to each channel.
    fn clear_chat(hub: &HubId, clearing: &ChatClearing) -> Vec<ChannelCleared> = clear_hub_chat;
    /// A circle recording's download URL (a [`DownloadUrl`](crate::sequel::DownloadUrl)) and
    /// when it expires.
    fn circle_recording(hub: &HubId, circle: &str, recording: &str) -> CircleRecording = circle_recording;
}
