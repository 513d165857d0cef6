//! Reading a JSON list as it arrives, one element at a time, in memory that does not grow with
//! the list: for Sequel's registrant lists, which come whole in one answer (about 510 bytes a
//! registrant, 51 MB for 100,000).
//!
//! A small splitter finds each element of the top-level array, tracking strings (and their
//! escapes) and nesting depth, and hands each element's bytes to serde_json. No incremental
//! JSON crate is needed for that: the splitter is a few states, and each element is then read
//! by the same decoder, with the same error guarantee, as any other answer.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use crate::json::JsonError;
use crate::sequel::error::Error;

/// How big one element may grow before the read fails: an element this large is not a
/// registrant, and holding it would undo the point of reading element by element.
pub const DEFAULT_MAX_ELEMENT_BYTES: usize = 1 << 20;

/// Reads a JSON array whose bytes arrive in chunks, yielding its elements in order, each as a
/// `T`. No I/O: feed it what the transport reads, and take the elements out.
///
/// It holds one element (and whatever of the next has arrived) at a time. An element larger
/// than its limit ([`DEFAULT_MAX_ELEMENT_BYTES`] unless set) fails the read with
/// [`Error::BodyTooLarge`]. An element that does not read as a `T` is an [`Error::Decode`]
/// whose path starts with its index (`[41].email`), and quotes nothing of the body; the
/// elements after it are still read.
///
/// ```
/// use event_sso::sequel::Registrant;
/// use event_sso::sequel::request::ListReader;
///
/// let mut list = ListReader::<Registrant>::new("GET /event/{eventId}/registrants");
/// let mut emails = Vec::new();
/// for chunk in [&br#"[{"name":"Ada","email":"ada@exa"#[..], br#"mple.com"},{"email":"b@example.com"}]"#] {
///     list.feed(chunk)?;
///     while let Some(registrant) = list.next() {
///         emails.push(registrant?.email.unwrap_or_default());
///     }
/// }
/// list.finish()?; // the input is over: the list must have closed
/// assert_eq!(emails, ["ada@example.com", "b@example.com"]);
/// # Ok::<(), event_sso::sequel::Error>(())
/// ```
pub struct ListReader<T> {
    call: &'static str,
    buffer: Vec<u8>,
    /// Where scanning resumes in `buffer`.
    scan: usize,
    /// Where the element under way starts in `buffer`.
    start: usize,
    state: State,
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// How many elements have been read.
    index: usize,
    max_element: usize,
    read: PhantomData<fn() -> T>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    BeforeList,
    /// Before an element, or (`first`) before the first one, where `]` may close the list.
    BeforeElement {
        first: bool,
    },
    InElement,
    AfterElement,
    Closed,
    Failed,
}

impl<T> std::fmt::Debug for ListReader<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListReader")
            .field("call", &self.call)
            .field("read", &self.index)
            .field(
                "buffered",
                &(self.buffer.len() - self.start.min(self.buffer.len())),
            )
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned> ListReader<T> {
    /// A reader of the answer to `call` (its name, for errors).
    pub fn new(call: &'static str) -> ListReader<T> {
        ListReader {
            call,
            buffer: Vec::new(),
            scan: 0,
            start: 0,
            state: State::BeforeList,
            depth: 0,
            in_string: false,
            escaped: false,
            index: 0,
            max_element: DEFAULT_MAX_ELEMENT_BYTES,
            read: PhantomData,
        }
    }

    /// Sets the largest element accepted, in bytes.
    #[must_use]
    pub fn max_element_bytes(mut self, limit: usize) -> ListReader<T> {
        self.max_element = limit;
        self
    }

    /// Whether the read has failed: the body is not a list (or an element outgrew its limit),
    /// and nothing more will come of it.
    pub fn has_failed(&self) -> bool {
        self.state == State::Failed
    }

    /// How many elements have been read so far.
    pub fn count(&self) -> usize {
        self.index
    }

    /// Adds the next bytes of the body. Take out every element ([`next`](Self::next) until
    /// `None`) before feeding more, so that only the element under way is held.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), Error> {
        // Drop what has been read; keep the element under way.
        let keep_from = match self.state {
            State::InElement => self.start,
            _ => self.scan,
        };
        self.buffer.drain(..keep_from);
        self.scan -= keep_from;
        self.start = self.start.saturating_sub(keep_from);
        self.buffer.extend_from_slice(chunk);
        let under_way = match self.state {
            State::InElement => self.buffer.len() - self.start,
            _ => 0,
        };
        if under_way > self.max_element {
            self.state = State::Failed;
            return Err(Error::BodyTooLarge {
                limit: self.max_element,
            });
        }
        Ok(())
    }

    /// The next element, once all its bytes have arrived; `None` when more input is needed,
    /// or the list has closed, or the read has failed.
    #[allow(clippy::should_implement_trait)] // it waits for input; an `Iterator` would end
    pub fn next(&mut self) -> Option<Result<T, Error>> {
        while self.scan < self.buffer.len() {
            let byte = self.buffer[self.scan];
            match self.state {
                State::Failed => return None,
                State::BeforeList | State::AfterElement | State::Closed if byte.is_ascii_whitespace() => {
                    self.scan += 1
                }
                State::BeforeList if byte == b'[' => {
                    self.scan += 1;
                    self.state = State::BeforeElement { first: true };
                }
                State::BeforeElement { .. } if byte.is_ascii_whitespace() => self.scan += 1,
                State::BeforeElement { first: true } | State::AfterElement if byte == b']' => {
                    self.scan += 1;
                    self.state = State::Closed;
                }
                State::AfterElement if byte == b',' => {
                    self.scan += 1;
                    self.state = State::BeforeElement { first: false };
                }
                State::BeforeElement { .. } if !matches!(byte, b']' | b',') => {
                    self.start = self.scan;
                    self.state = State::InElement;
                    (self.depth, self.in_string, self.escaped) = (0, false, false);
                }
                State::InElement => {
                    if let Some(end) = self.step(byte) {
                        self.state = State::AfterElement;
                        let index = self.index;
                        self.index += 1;
                        let element = &self.buffer[self.start..end];
                        return Some(crate::json::from_element(element, index).map_err(|source| {
                            Error::Decode {
                                call: self.call,
                                source,
                            }
                        }));
                    }
                }
                _ => return Some(Err(self.fail(JsonError::not_a_list(self.index)))),
            }
        }
        None
    }

    /// Says the input is over: an error unless the list closed, with nothing but whitespace
    /// after it.
    pub fn finish(&mut self) -> Result<(), Error> {
        match self.state {
            State::Closed => Ok(()),
            State::Failed => Err(Error::UnexpectedBody {
                call: self.call,
                reason: "the list could not be read",
            }),
            _ => Err(self.fail(JsonError::list_ends_early(self.index))),
        }
    }

    /// Reads one byte of the element under way; gives where the element ends once it does.
    fn step(&mut self, byte: u8) -> Option<usize> {
        let at = self.scan;
        if self.in_string {
            self.scan += 1;
            match (self.escaped, byte) {
                (true, _) => self.escaped = false,
                (false, b'\\') => self.escaped = true,
                (false, b'"') => {
                    self.in_string = false;
                    return (self.depth == 0).then_some(self.scan);
                }
                _ => {}
            }
            return None;
        }
        match byte {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' if self.depth > 0 => {
                self.depth -= 1;
                self.scan += 1;
                return (self.depth == 0).then_some(self.scan);
            }
            // A scalar element ends where the list goes on, or closes: left for `next` to read.
            b',' | b']' | b'}' if self.depth == 0 => return Some(at),
            byte if byte.is_ascii_whitespace() && self.depth == 0 => return Some(at),
            _ => {}
        }
        self.scan += 1;
        None
    }

    fn fail(&mut self, source: JsonError) -> Error {
        self.state = State::Failed;
        Error::Decode {
            call: self.call,
            source,
        }
    }
}
