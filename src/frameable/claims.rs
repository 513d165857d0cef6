use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

use super::error::{ClaimProblem, ClaimProblems, Error};

/// The token lifetime when [`ClaimsBuilder::expires_in`] is not called: five minutes, as
/// Frameable advises (mint the token when the user clicks, then redirect).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

/// The longest lifetime [`ClaimsBuilder::build`] accepts unless
/// [`ClaimsBuilder::allow_lifetime_up_to`] raises it: 24 hours. A token is a login link for
/// anyone who holds it, so a long one should be a deliberate choice.
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Longest `displayName`, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 256;
/// Longest `email`, in characters (the SMTP limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest URL (`avatarUrl`, `twitter`, `linkedin`), in characters.
pub const MAX_URL_CHARS: usize = 2048;
/// Longest profile key, in characters.
pub const MAX_PROFILE_KEY_CHARS: usize = 100;
/// Longest profile value, in characters.
pub const MAX_PROFILE_VALUE_CHARS: usize = 1000;
/// Most profile fields in one token; the token travels in a URL, which has a practical limit.
pub const MAX_PROFILE_FIELDS: usize = 50;

/// A privilege Frameable grants the user on top of attending.
///
/// Serialized as Frameable's lowercase names. Parsing input is strict: [`str::parse`] and
/// `Deserialize` (for a query string or a form) accept only the four roles below, so a request
/// cannot slip `?role=admin` into a signed token. A role Frameable adds before this crate
/// names it is sent with the explicit [`Role::unlisted`]. Reading a verified token's claims
/// keeps any role it carries.
///
/// ```
/// use event_sso::frameable::Role;
///
/// assert_eq!("host".parse::<Role>()?, Role::Host);
/// assert!("admin".parse::<Role>().is_err());
/// assert_eq!(Role::unlisted("moderator").as_str(), "moderator");
/// assert_eq!(Role::unlisted("host"), Role::Host);
/// # Ok::<(), event_sso::frameable::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// Can do all there is to be done.
    Host,
    /// May arrive early and put themselves on stage.
    Presenter,
    /// May provide live closed captions (transcription must be enabled for the organization
    /// and the event).
    Transcriber,
    /// May provide live audio translation (interpretation must be enabled for the organization
    /// and the event).
    Interpreter,
    /// A role this crate does not name; made only by [`Role::unlisted`] or read from a token.
    /// `build()` checks that the name is lowercase letters, digits, `-` or `_`.
    Other(UnlistedRole),
}

/// The name of a role this crate does not list, made by [`Role::unlisted`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnlistedRole(String);

impl UnlistedRole {
    /// The role's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Frameable's names of the roles this crate lists.
const LISTED: [(&str, Role); 4] = [
    ("host", Role::Host),
    ("presenter", Role::Presenter),
    ("transcriber", Role::Transcriber),
    ("interpreter", Role::Interpreter),
];
const LISTED_NAMES: &[&str] = &["host", "presenter", "transcriber", "interpreter"];

impl Role {
    /// A role by Frameable's name for it, including roles this crate does not list: a
    /// deliberate choice, never the way to read a role from a request. Listed names give their
    /// variant (`Role::unlisted("host") == Role::Host`).
    pub fn unlisted(name: impl Into<String>) -> Role {
        let name = name.into();
        name.parse().unwrap_or(Role::Other(UnlistedRole(name)))
    }

    /// The name as it appears in the token.
    pub fn as_str(&self) -> &str {
        match self {
            Role::Host => "host",
            Role::Presenter => "presenter",
            Role::Transcriber => "transcriber",
            Role::Interpreter => "interpreter",
            Role::Other(name) => name.as_str(),
        }
    }
}

impl std::str::FromStr for Role {
    type Err = Error;

    /// One of the listed roles, by Frameable's lowercase name; anything else is refused.
    fn from_str(name: &str) -> Result<Role, Error> {
        LISTED
            .into_iter()
            .find_map(|(listed, role)| (listed == name).then_some(role))
            .ok_or(Error::UnknownRole { listed: LISTED_NAMES })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Role {
    /// Strict, like [`FromStr`](std::str::FromStr): input names one of the listed roles.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<str>::deserialize(deserializer)?;
        name.parse()
            .map_err(|_| serde::de::Error::unknown_variant(&name, LISTED_NAMES))
    }
}

/// A verified token's roles, kept whatever they are, so a role Frameable adds later can be
/// read back.
fn any_roles<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Role>, D::Error> {
    Vec::<String>::deserialize(deserializer).map(|names| names.into_iter().map(Role::unlisted).collect())
}

/// The claims of a Frameable login token.
///
/// Made by [`Claims::builder`], which checks every field, or read back from a token by
/// [`VerifyingKey::verify`](super::VerifyingKey::verify), which checks only their shape (so a
/// token from elsewhere can still be inspected). Serializes to exactly the JSON
/// Frameable reads: `displayName`, then `email`, `avatarUrl`, `userProfile` (an array of
/// `[key, value]` pairs, in order) and `roles` when set, then `iat` and `exp` in Unix seconds.
///
/// `Debug` hides the name, e-mail, avatar and profile values: they are personal data.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Claims {
    display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    avatar_url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    user_profile: Vec<(String, String)>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "any_roles"
    )]
    roles: Vec<Role>,
    #[serde(with = "time::serde::timestamp")]
    iat: OffsetDateTime,
    #[serde(with = "time::serde::timestamp")]
    exp: OffsetDateTime,
}

impl Claims {
    /// Starts the claims for a user shown as `display_name` on their video stream.
    ///
    /// ```
    /// use event_sso::frameable::{Claims, Role};
    ///
    /// let claims = Claims::builder("Larry David")
    ///     .email("larry@seinfeld.com")
    ///     .profile("organization", "Seinfeld")
    ///     .role(Role::Presenter)
    ///     .build()?;
    /// assert_eq!(claims.roles(), [Role::Presenter]);
    /// # Ok::<(), event_sso::frameable::Error>(())
    /// ```
    pub fn builder(display_name: impl Into<String>) -> ClaimsBuilder {
        ClaimsBuilder {
            draft: Claims {
                display_name: display_name.into(),
                email: None,
                avatar_url: None,
                user_profile: Vec::new(),
                roles: Vec::new(),
                iat: OffsetDateTime::UNIX_EPOCH,
                exp: OffsetDateTime::UNIX_EPOCH,
            },
            expires_in: DEFAULT_LIFETIME,
            issued_at: None,
            max_lifetime: DEFAULT_MAX_LIFETIME,
        }
    }

    /// The name shown on the user's video stream (`displayName`).
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// The e-mail shared through opt-in contact sharing (`email`).
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// The public avatar image URL (`avatarUrl`).
    pub fn avatar_url(&self) -> Option<&str> {
        self.avatar_url.as_deref()
    }

    /// The profile fields (`userProfile`), in the order they were added.
    pub fn profile(&self) -> &[(String, String)] {
        &self.user_profile
    }

    /// The value of one profile field.
    pub fn profile_value(&self, key: &str) -> Option<&str> {
        self.user_profile
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The elevated roles (`roles`), each once, in the order they were added.
    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    /// Whether the claims grant `role`.
    pub fn has_role(&self, role: &Role) -> bool {
        self.roles.contains(role)
    }

    /// When the token was issued (`iat`), to the second.
    pub fn issued_at(&self) -> OffsetDateTime {
        self.iat
    }

    /// When the token stops being accepted (`exp`), to the second.
    pub fn expires_at(&self) -> OffsetDateTime {
        self.exp
    }
}

impl fmt::Debug for Claims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |set: bool| if set { "<redacted>" } else { "<unset>" };
        let profile_keys: Vec<&str> = self.user_profile.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Claims")
            .field("display_name", &format_args!("<redacted>"))
            .field("email", &format_args!("{}", redacted(self.email.is_some())))
            .field(
                "avatar_url",
                &format_args!("{}", redacted(self.avatar_url.is_some())),
            )
            .field("profile_keys", &profile_keys)
            .field("roles", &self.roles)
            .field("iat", &self.iat.unix_timestamp())
            .field("exp", &self.exp.unix_timestamp())
            .finish()
    }
}

/// Builds [`Claims`]; nothing is checked until [`build`](ClaimsBuilder::build), which reports
/// every problem at once.
#[must_use = "a builder does nothing until `build()` is called"]
#[derive(Clone)]
pub struct ClaimsBuilder {
    draft: Claims,
    expires_in: Duration,
    issued_at: Option<OffsetDateTime>,
    max_lifetime: Duration,
}

impl fmt::Debug for ClaimsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimsBuilder")
            .field("draft", &self.draft)
            .field("expires_in", &self.expires_in)
            .field("issued_at", &self.issued_at)
            .field("max_lifetime", &self.max_lifetime)
            .finish()
    }
}

impl ClaimsBuilder {
    /// The e-mail address, shared with other attendees only through opt-in contact sharing.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.draft.email = Some(email.into());
        self
    }

    /// A public image URL for the user's avatar; without one Frameable draws their initials.
    pub fn avatar_url(mut self, url: impl Into<String>) -> Self {
        self.draft.avatar_url = Some(url.into());
        self
    }

    /// Appends a profile field. Keys should match the profile fields configured for the event:
    /// Frameable shows only those, the first one atop the user's stream.
    pub fn profile(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.draft.user_profile.push((key.into(), value.into()));
        self
    }

    /// Appends the `twitter` profile field, whose link Frameable shows on the "You met
    /// with..." page. Must be an absolute http(s) URL.
    pub fn twitter(self, url: impl Into<String>) -> Self {
        self.profile("twitter", url)
    }

    /// Appends the `linkedin` profile field, whose link Frameable shows on the "You met
    /// with..." page. Must be an absolute http(s) URL.
    pub fn linkedin(self, url: impl Into<String>) -> Self {
        self.profile("linkedin", url)
    }

    /// Grants a role. Granting one twice has the effect of granting it once.
    pub fn role(mut self, role: Role) -> Self {
        self.draft.roles.push(role);
        self
    }

    /// Grants several roles.
    pub fn roles(mut self, roles: impl IntoIterator<Item = Role>) -> Self {
        self.draft.roles.extend(roles);
        self
    }

    /// How long the token is accepted: [`DEFAULT_LIFETIME`] (300 s) unless set. Whole seconds
    /// count; at least one second, at most [`DEFAULT_MAX_LIFETIME`] unless raised with
    /// [`allow_lifetime_up_to`](Self::allow_lifetime_up_to).
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.expires_in = lifetime;
        self
    }

    /// Raises the lifetime ceiling above [`DEFAULT_MAX_LIFETIME`]. Anyone holding the token
    /// is logged in as this user until it expires, so keep long-lived tokens out of e-mails
    /// and chats.
    pub fn allow_lifetime_up_to(mut self, ceiling: Duration) -> Self {
        self.max_lifetime = ceiling;
        self
    }

    /// The issue time (`iat`); the clock is read in `build()` when this is not set. Setting it
    /// makes tokens deterministic, for tests.
    pub fn issued_at(mut self, at: OffsetDateTime) -> Self {
        self.issued_at = Some(at);
        self
    }

    /// Checks every field and returns the claims, or [`Error::InvalidClaims`] listing every
    /// problem found, each naming its claim.
    pub fn build(self) -> Result<Claims, Error> {
        let ClaimsBuilder {
            mut draft,
            expires_in,
            issued_at,
            max_lifetime,
        } = self;
        let mut check = Checker::default();

        check.text("displayName", &draft.display_name, MAX_DISPLAY_NAME_CHARS);
        if let Some(email) = &draft.email
            && check.text("email", email, MAX_EMAIL_CHARS)
            && !plausible_email(email)
        {
            check.fail(
                "email",
                "does not look like an e-mail address (expected `name@example.com`)",
            );
        }
        if let Some(url) = &draft.avatar_url {
            check.http_url("avatarUrl", url);
        }
        check.profile(&draft.user_profile);

        let mut roles = Vec::with_capacity(draft.roles.len());
        for (i, role) in draft.roles.into_iter().enumerate() {
            if let Role::Other(name) = &role
                && !valid_role_name(name.as_str())
            {
                check.fail(
                    format!("roles[{i}]"),
                    "must be lowercase letters, digits, `-` or `_` (1 to 64 of them)",
                );
            }
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        draft.roles = roles;

        let iat = issued_at.unwrap_or_else(OffsetDateTime::now_utc);
        let iat = iat.replace_nanosecond(0).unwrap_or(iat);
        let whole_seconds = Duration::from_secs(expires_in.as_secs());
        if whole_seconds.is_zero() {
            check.fail("exp", "lifetime must be at least one second");
        } else if whole_seconds > max_lifetime {
            check.fail(
                "exp",
                format!(
                    "lifetime of {} s is above the ceiling of {} s; raise the ceiling with \
                     `allow_lifetime_up_to` if a long-lived token is really meant",
                    whole_seconds.as_secs(),
                    max_lifetime.as_secs()
                ),
            );
        }
        let exp = iat.checked_add(time::Duration::seconds(
            i64::try_from(whole_seconds.as_secs()).unwrap_or(i64::MAX),
        ));
        if exp.is_none() {
            check.fail("exp", "issue time plus lifetime is past the year 9999");
        }

        match (check.problems.is_empty(), exp) {
            (true, Some(exp)) => Ok(Claims { iat, exp, ..draft }),
            _ => Err(Error::InvalidClaims(ClaimProblems(check.problems))),
        }
    }
}

/// Collects problems so `build()` can report all of them.
#[derive(Default)]
struct Checker {
    problems: Vec<ClaimProblem>,
}

impl Checker {
    fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(ClaimProblem {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Blank, too long, or carrying control characters; returns whether the text passed.
    fn text(&mut self, field: &str, value: &str, max_chars: usize) -> bool {
        let before = self.problems.len();
        if value.trim().is_empty() {
            self.fail(field, "must not be blank");
        }
        let chars = value.chars().count();
        if chars > max_chars {
            self.fail(
                field,
                format!("is {chars} characters long, more than the {max_chars} allowed"),
            );
        }
        if value.chars().any(char::is_control) {
            self.fail(field, "must not contain control characters such as line breaks");
        }
        self.problems.len() == before
    }

    fn http_url(&mut self, field: &str, value: &str) {
        if self.text(field, value, MAX_URL_CHARS) && !is_http_url(value) {
            self.fail(field, "must be an absolute http:// or https:// URL");
        }
    }

    fn profile(&mut self, fields: &[(String, String)]) {
        if fields.len() > MAX_PROFILE_FIELDS {
            self.fail(
                "userProfile",
                format!(
                    "has {} fields, more than the {MAX_PROFILE_FIELDS} allowed",
                    fields.len()
                ),
            );
        }
        for (i, (key, value)) in fields.iter().enumerate() {
            let field = format!("userProfile[{i}]");
            if key.trim().is_empty() {
                self.fail(&field, "has a blank key");
            } else if fields[..i].iter().any(|(earlier, _)| earlier == key) {
                self.fail(
                    &field,
                    format!("repeats the key `{key}`; each key may appear once"),
                );
            } else if key.chars().count() > MAX_PROFILE_KEY_CHARS || key.chars().any(char::is_control) {
                self.fail(
                    &field,
                    format!(
                        "key must be at most {MAX_PROFILE_KEY_CHARS} characters, without control characters"
                    ),
                );
            }
            match key.as_str() {
                "twitter" | "linkedin" => self.http_url(&format!("{field} ({key})"), value),
                _ => {
                    let chars = value.chars().count();
                    if chars > MAX_PROFILE_VALUE_CHARS {
                        self.fail(
                            &field,
                            format!("value is {chars} characters long, more than the {MAX_PROFILE_VALUE_CHARS} allowed"),
                        );
                    }
                    if value.chars().any(char::is_control) {
                        self.fail(
                            &field,
                            "value must not contain control characters such as line breaks",
                        );
                    }
                }
            }
        }
    }
}

fn is_http_url(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
}

/// A shape check, not RFC 5322: one `@`, something before it, a dotted domain after it,
/// no spaces.
fn plausible_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !value.chars().any(char::is_whitespace)
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
}

fn valid_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}
