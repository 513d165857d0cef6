//! The registrant endpoints, and the rule that makes registering safe to repeat.
//!
//! Sequel has no idempotency keys, so a `register` whose answer is lost (a timeout, a
//! dropped connection, a `5xx`) may or may not have registered the person. The e-mail is the
//! key instead: Sequel registers an e-mail once per event, so a repeat is either registered
//! or refused, and the registrants list says which e-mail Sequel holds. [`Settled`] names
//! where a registration stands after its attempts, and says what the list's entry means for
//! it. `register_or_get` and `register_all` follow this rule in both clients.

use std::time::SystemTime;

use http::Method;
use serde::Serialize;

use super::call::{Api, Call, Route, decode_json_fast, event_id, no_answer, non_blank, removal, route};
use crate::sequel::error::Error;
use crate::sequel::models::{EventId, Registered, Registrant, Registration};

// Only registering is not repeatable as such: a first attempt answered by a `5xx` may have
// registered them. `register_by_email` makes it so, for callers that follow `Settled`.
static REGISTER: Route = route("POST /event/{eventId}/registrant", Method::POST, false);
static REGISTRANTS: Route = route("GET /event/{eventId}/registrants", Method::GET, true);
static UNREGISTER: Route = removal("DELETE /event/{eventId}/registrant", Method::DELETE);

impl Api {
    /// `POST /event/{eventId}/registrant`: registers a person and returns their join URL.
    /// Not repeated on `5xx`: the first attempt may have registered them (see
    /// [`register_by_email`](Self::register_by_email)).
    pub fn register(&self, event: &EventId, registration: &Registration) -> Result<Call<Registered>, Error> {
        let registration = checked(registration)?;
        Ok(self
            .v1(
                &REGISTER,
                &["event", event_id(event)?, "registrant"],
                decode_registered,
            )
            .json(registration))
    }

    /// `GET /event/{eventId}/registrants`: everyone registered for the event.
    pub fn registrants(&self, event: &EventId) -> Result<Call<Vec<Registrant>>, Error> {
        Ok(self.v1(
            &REGISTRANTS,
            &["event", event_id(event)?, "registrants"],
            decode_json_fast,
        ))
    }

    /// `DELETE /event/{eventId}/registrant` with the e-mail in a JSON body.
    pub fn unregister(&self, event: &EventId, email: &str) -> Result<Call<()>, Error> {
        let body = EmailBody::new(email)?;
        Ok(self
            .v1(&UNREGISTER, &["event", event_id(event)?, "registrant"], no_answer)
            .json(&body))
    }

    /// [`register`](Self::register), to be retried as a call that is safe to repeat
    /// ([`Call::is_repeatable`] is true): for a caller that reads the outcome through
    /// [`Settled`], which resolves a repeat refused as already registered, or an answer lost,
    /// through the registrants list.
    pub fn register_by_email(
        &self,
        event: &EventId,
        registration: &Registration,
    ) -> Result<Call<Registered>, Error> {
        let mut call = self.register(event, registration)?;
        call.repeatable = true;
        Ok(call)
    }
}

/// A registration Sequel can take: a name and an e-mail, neither blank.
pub(super) fn checked(registration: &Registration) -> Result<&Registration, Error> {
    non_blank("registration name", &registration.name)?;
    non_blank("registration email", &registration.email)?;
    Ok(registration)
}

/// `{ "email": ... }`, and nothing else: what unregistering sends, from an event or a hub.
#[derive(Serialize)]
pub(super) struct EmailBody<'a> {
    email: &'a str,
}

impl<'a> EmailBody<'a> {
    pub(super) fn new(email: &'a str) -> Result<EmailBody<'a>, Error> {
        Ok(EmailBody {
            email: non_blank("registrant email", email)?,
        })
    }
}

/// A registration's answer must carry the join URL: it is what registering is for.
pub(super) fn decode_registered(
    call: &'static str,
    body: &[u8],
    at: SystemTime,
) -> Result<Registered, Error> {
    let registrant: Registrant = decode_json_fast(call, body, at)?;
    Registered::from_registrant(registrant).ok_or(Error::UnexpectedBody {
        call,
        reason: "the registration has no readable `join_url`",
    })
}

/// How registrations are matched to registrants by e-mail, everywhere: trimmed, without
/// regard to case.
pub(crate) fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The registrant in `registrants` with `email`, matched as Sequel matches e-mails: trimmed,
/// without regard to case.
pub fn find_registrant(registrants: Vec<Registrant>, email: &str) -> Option<Registrant> {
    let wanted = email_key(email);
    registrants
        .into_iter()
        .find(|registrant| registrant.email.as_deref().map(email_key).as_ref() == Some(&wanted))
}

/// What a read of the registrants list keeps: the entries for some e-mails (as
/// [`email_key`] reads them), and nothing else. An entry that does not read is passed over,
/// but when something wanted is then not found, it may have been that entry: its error is the
/// answer, rather than a silent "not registered". Both clients and the `Driver` read the list
/// through it.
pub(crate) struct Lookup {
    wanted: std::collections::HashSet<String>,
    first_only: bool,
    found: Vec<Registrant>,
    unreadable: Option<Error>,
}

impl Lookup {
    /// A lookup of `wanted`; with `first_only`, it is over at the first found.
    pub(crate) fn new(wanted: std::collections::HashSet<String>, first_only: bool) -> Lookup {
        Lookup {
            wanted,
            first_only,
            found: Vec::new(),
            unreadable: None,
        }
    }

    /// The lookup of one e-mail's entry.
    pub(crate) fn one(email: &str) -> Lookup {
        Lookup::new(std::collections::HashSet::from([email_key(email)]), true)
    }

    /// Takes the list's next item: whether to read on, or the error that ends the read.
    pub(crate) fn take(&mut self, item: Result<Registrant, Error>) -> Result<bool, Error> {
        let registrant = match item {
            Ok(registrant) => registrant,
            Err(error) if error.is_decode() => {
                self.unreadable.get_or_insert(error);
                return Ok(true);
            }
            Err(error) => return Err(error),
        };
        let wanted = registrant
            .email
            .as_deref()
            .is_some_and(|email| self.wanted.contains(&email_key(email)));
        if wanted {
            self.found.push(registrant);
        }
        Ok(!(wanted && self.first_only))
    }

    /// The entries found, once the read is over.
    pub(crate) fn finish(self) -> Result<Vec<Registrant>, Error> {
        match self.unreadable {
            Some(error) if self.found.len() < self.wanted.len() => Err(error),
            _ => Ok(self.found),
        }
    }
}

/// Where a registration stands once its attempts are over, before the registrants list is
/// read: the rule of `register_or_get` and `register_all`, for any transport.
///
/// Every state but [`Registered`](Settled::Registered) and [`Failed`](Settled::Failed)
/// [needs the list](Settled::needs_lookup): the e-mail's entry there decides.
#[derive(Debug)]
#[non_exhaustive]
pub enum Settled {
    /// Sequel answered with the registration.
    Registered(Registered),
    /// Refused as already registered, and no earlier attempt of this call may have registered
    /// them: an entry in the list was there before.
    AlreadyRegistered(Error),
    /// Refused as already registered after an earlier attempt whose answer was lost: that
    /// attempt most likely registered them, so an entry in the list is this call's own.
    RepeatRefused(Error),
    /// The answer was lost (a timeout, a dropped connection, a `5xx`) or could not be read, or
    /// an earlier attempt's was: it may have registered them. An entry is this call's own.
    Unconfirmed(Error),
    /// Refused with `400`, `409` or `422` in words the crate does not recognise. Sequel does not
    /// document how it refuses a second registration, so an entry in the list means it was this.
    Refused(Error),
    /// Not registered.
    Failed(Error),
}

impl Settled {
    /// Reads a registration's last result. `maybe_applied` says whether an earlier attempt
    /// may have registered them ([`Attempts::maybe_applied`](super::Attempts::maybe_applied)).
    pub fn new(result: Result<Registered, Error>, maybe_applied: bool) -> Settled {
        match result {
            Ok(registered) => Settled::Registered(registered),
            Err(error) if error.is_already_registered() && maybe_applied => Settled::RepeatRefused(error),
            Err(error) if error.is_already_registered() => Settled::AlreadyRegistered(error),
            // Whatever the last answer, an earlier attempt may have registered them; and a
            // success that could not be read did register them.
            Err(error) if error.is_outcome_unknown() || error.is_decode() || maybe_applied => {
                Settled::Unconfirmed(error)
            }
            Err(error) if matches!(error.status().map(|s| s.as_u16()), Some(400 | 409 | 422)) => {
                Settled::Refused(error)
            }
            Err(error) => Settled::Failed(error),
        }
    }

    /// Whether the registrants list decides the outcome.
    pub fn needs_lookup(&self) -> bool {
        !matches!(self, Settled::Registered(_) | Settled::Failed(_))
    }

    /// Whether an entry for the e-mail in the list is this registration's own doing, rather
    /// than one made before it.
    pub fn is_maybe_ours(&self) -> bool {
        matches!(self, Settled::RepeatRefused(_) | Settled::Unconfirmed(_))
    }

    /// The registration, given the e-mail's entry in the registrants list (`None` when the
    /// list holds none): Sequel's answer, else the entry, which must have its join URL, else
    /// the last error.
    pub fn into_registered(self, found: Option<Registrant>) -> Result<Registered, Error> {
        match found {
            Some(entry) if self.needs_lookup() => registered_from_list(entry),
            _ => self.into_answer(),
        }
    }

    /// Sequel's last answer: the registration, or the error.
    pub(crate) fn into_answer(self) -> Result<Registered, Error> {
        match self {
            Settled::Registered(registered) => Ok(registered),
            Settled::AlreadyRegistered(error)
            | Settled::RepeatRefused(error)
            | Settled::Unconfirmed(error)
            | Settled::Refused(error)
            | Settled::Failed(error) => Err(error),
        }
    }
}

/// A registration found in the registrants list, which must have its join URL to count as one.
pub(crate) fn registered_from_list(registrant: Registrant) -> Result<Registered, Error> {
    Registered::from_registrant(registrant).ok_or(Error::UnexpectedBody {
        call: REGISTRANTS.name,
        reason: "Sequel holds the registration without a readable `join_url`",
    })
}
