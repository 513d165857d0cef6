//! How events look: Sequel's event customization theme (`IntrovokeEventTheme`), as the
//! platform's default, a company's overrides and an event's overrides; a company's fonts
//! (`CompanyFontInfo`); and the suggested colour palettes.
//!
//! Every part of a theme is optional, so one type serves both a whole theme and the part of
//! one that overrides another. Sequel's schema closes each object (`additionalProperties:
//! false`); a field it adds later is kept in the top level's [`extra`](Theme::extra).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A struct whose fields are all optional and sent only when set, read and written in
/// Sequel's camelCase.
macro_rules! options {
    ($(#[$doc:meta])* $name:ident { $($(#[$field_doc:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[non_exhaustive]
        pub struct $name {
            $(
                $(#[$field_doc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }
    };
}

/// An event customization theme (`IntrovokeEventTheme`), or the part of one that overrides
/// the theme below it (the platform's, then the company's, then the event's).
///
/// Sequel requires `name` and `defaultTheme` in a theme it is sent; [`Theme::new`] sets both.
///
/// ```
/// use event_sso::sequel::{Theme, Toggle};
///
/// let mut theme = Theme::new("Launch");
/// theme.brand_colors = Some(vec!["#101820".into(), "#f2aa4c".into()]);
/// theme.polls = Some(Toggle::on(false));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Theme {
    /// `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `defaultTheme`: whether this is the platform's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_theme: Option<bool>,
    /// `brandColors`: two or three colours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand_colors: Option<Vec<String>>,
    /// `fonts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fonts: Option<Vec<ThemeFont>>,
    /// `virtualStage`: the stage's background, watermark, countdown and presenters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_stage: Option<VirtualStage>,
    /// `networkingHub`: the hub's circles and buttons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub networking_hub: Option<HubLook>,
    /// `warningNotices`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning_notices: Option<WarningNotices>,
    /// `chat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<Chat>,
    /// `participantList`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_list: Option<ParticipantList>,
    /// `qna`: questions and answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qna: Option<Toggle>,
    /// `polls`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polls: Option<Toggle>,
    /// `privateMessages`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_messages: Option<Toggle>,
    /// `poweredByIntrovokeLabel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub powered_by_introvoke_label: Option<Toggle>,
    /// `chatReactions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_reactions: Option<Reactions>,
    /// `liveReactions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_reactions: Option<Reactions>,
    /// `emailSettings`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_settings: Option<EmailSettings>,
    /// Fields beyond Sequel's schema, kept as they came; sent back as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Theme {
    /// A theme named `name`, not the platform's default: what Sequel requires of a theme it
    /// is sent. Set the parts to override on it.
    pub fn new(name: impl Into<String>) -> Theme {
        Theme {
            name: Some(name.into()),
            default_theme: Some(false),
            ..Theme::default()
        }
    }
}

/// One of a theme's fonts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ThemeFont {
    /// `fontName`.
    pub font_name: String,
    /// `fontUrl`.
    pub font_url: String,
    /// `isPrimary`.
    pub is_primary: bool,
}

impl ThemeFont {
    /// The font `font_name` at `font_url`, primary or not.
    pub fn new(font_name: impl Into<String>, font_url: impl Into<String>, is_primary: bool) -> ThemeFont {
        ThemeFont {
            font_name: font_name.into(),
            font_url: font_url.into(),
            is_primary,
        }
    }
}

options!(
    /// Colours and an image for one part of the page.
    Colors {
        /// `backgroundColor`.
        background_color: String,
        /// `imageUrl`.
        image_url: String,
        /// `textColor`.
        text_color: String,
    }
);

options!(
    /// The stage's look (`virtualStage`).
    VirtualStage {
        /// `background`.
        background: Colors,
        /// `watermark`.
        watermark: Colors,
        /// `countdown`.
        countdown: Countdown,
        /// `presenter`.
        presenter: Presenter,
    }
);

options!(
    /// The countdown's look.
    Countdown {
        /// `textColor`.
        text_color: String,
    }
);

options!(
    /// The presenters' look.
    Presenter {
        /// `glowColor`.
        glow_color: String,
    }
);

options!(
    /// A networking hub's look (`networkingHub`).
    HubLook {
        /// `circleGraphics`.
        circle_graphics: Colors,
        /// `joinNetworking`.
        join_networking: Colors,
        /// `returnToStage`.
        return_to_stage: Colors,
    }
);

options!(
    /// Warning notices (`warningNotices`).
    WarningNotices {
        /// `buttonColor`.
        button_color: String,
    }
);

options!(
    /// The chat (`chat`).
    Chat {
        /// `enabled`.
        enabled: bool,
        /// `colors`: Sequel allows `null` among them.
        colors: Vec<Option<String>>,
        /// `badge`.
        badge: Colors,
    }
);

options!(
    /// The participant list (`participantList`). The roles are Sequel's numbers: `0` hosts,
    /// `1` hosts and presenters, `2` everyone.
    ParticipantList {
        /// `enabled` (deprecated by Sequel).
        enabled: bool,
        /// `showTabFor`: who sees the tab.
        show_tab_for: f64,
        /// `showCountFor`: who sees the count.
        show_count_for: f64,
    }
);

options!(
    /// A feature on or off.
    Toggle {
        /// `enabled`.
        enabled: bool,
    }
);

impl Toggle {
    /// The feature on (`true`) or off.
    pub fn on(enabled: bool) -> Toggle {
        Toggle {
            enabled: Some(enabled),
        }
    }
}

options!(
    /// Reactions (`chatReactions`, `liveReactions`): up to seven.
    Reactions {
        /// `enabled`.
        enabled: bool,
        /// `reactions`: Sequel allows `null` among them.
        reactions: Vec<Option<Reaction>>,
    }
);

/// One reaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Reaction {
    /// `reaction`: its name.
    pub reaction: String,
    /// `image`: its image URL.
    pub image: String,
    /// `label`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

options!(
    /// The e-mails Sequel sends (`emailSettings`).
    EmailSettings {
        /// `id`.
        id: String,
        /// `name`.
        name: String,
        /// `when`.
        when: String,
        /// `replayToEmail`.
        replay_to_email: String,
        /// `fromEmail`.
        from_email: String,
        /// `fromName`.
        from_name: String,
        /// `isCustom`.
        is_custom: bool,
        /// `activated`.
        activated: bool,
        /// `emailTemplate`.
        email_template: EmailTemplate,
    }
);

options!(
    /// An e-mail's template (`emailTemplate`).
    EmailTemplate {
        /// `name`.
        name: String,
        /// `subject`.
        subject: String,
        /// `hoursToWait`.
        hours_to_wait: f64,
        /// `htmlBody`.
        html_body: String,
        /// `sendGridTemplateId`.
        send_grid_template_id: String,
        /// `bodyText`.
        body_text: String,
    }
);

/// A company's font (`CompanyFontInfo`), as Sequel lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CompanyFont {
    /// `uid`: the font's id, for deleting it; Sequel gives it when the font is added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// `fontName`: adding a font of a name the company has replaces that font's URL.
    pub font_name: String,
    /// `fontUrl`.
    pub font_url: String,
    /// `isIntrovokeManaged`: whether Sequel hosts it.
    pub is_introvoke_managed: bool,
}

impl CompanyFont {
    /// A font of your own, `font_name` at `font_url`.
    pub fn new(font_name: impl Into<String>, font_url: impl Into<String>) -> CompanyFont {
        CompanyFont {
            uid: None,
            font_name: font_name.into(),
            font_url: font_url.into(),
            is_introvoke_managed: false,
        }
    }
}

/// A suggested colour palette: primary, secondary and (usually) tertiary. Sequel allows a
/// `null` colour, and a `null` palette, which reads as one with no colours.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(transparent)]
#[non_exhaustive]
pub struct Palette {
    /// The colours, in Sequel's order.
    pub colors: Vec<Option<String>>,
}

impl Palette {
    /// The primary colour.
    pub fn primary(&self) -> Option<&str> {
        self.color(0)
    }

    /// The secondary colour.
    pub fn secondary(&self) -> Option<&str> {
        self.color(1)
    }

    /// The tertiary colour.
    pub fn tertiary(&self) -> Option<&str> {
        self.color(2)
    }

    fn color(&self, index: usize) -> Option<&str> {
        self.colors.get(index)?.as_deref()
    }
}
