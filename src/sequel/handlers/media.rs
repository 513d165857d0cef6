use serde_json::Value;

use crate::sequel::models::EventId;

area! {
    /// Simulive and media: playing a recorded video as an event's live stream, and Sequel's
    /// media assets. Reached by `client.media()`, on either client. These go to the client's
    /// platform root (the API host unless the builder's `platform_url` says otherwise): where
    /// Sequel serves them is inferred, see [`request`](crate::sequel::request#hosts).
    ///
    /// ```no_run
    /// # #[cfg(feature = "async")]
    /// # async fn run(client: event_sso::sequel::Client) -> Result<(), event_sso::sequel::Error> {
    /// use event_sso::sequel::EventId;
    ///
    /// let event = EventId::new("6f1c...");
    /// client.media().set_simulive(&event, "https://cdn.example.com/keynote.mp4").await?;
    /// # Ok(()) }
    /// ```
    pub struct Media, reached by media;

    /// Plays the video at `video_url` as the event's stream; the event goes live by itself at
    /// its start. Sequel must reach the URL without a login.
    fn set_simulive(event: &EventId, video_url: &str) -> () = set_simulive;
    /// Stops playing a video as the event's stream.
    fn remove_simulive(event: &EventId) -> () = remove_simulive;
    /// Sequel's `create-asset`, documented by its path alone: the answer as JSON (`null` for
    /// none). Sent once.
    fn create_asset() -> Value = create_media_asset;
    /// Sequel's `upload-asset`, documented by its path alone: the answer as JSON (`null` for
    /// none). Sent once.
    fn upload_asset() -> Value = upload_media_asset;
}
