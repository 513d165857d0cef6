//! Keeping personal data and secrets out of error messages.

use std::fmt;

/// A JSON error whose message keeps its shape (what was expected, which field, where) but
/// not the values it quotes: serde quotes the offending value, and in this crate's JSON that
/// may be an e-mail address, a join URL or a token.
pub struct JsonError(serde_json::Error);

impl JsonError {
    pub(crate) fn new(error: serde_json::Error) -> JsonError {
        JsonError(error)
    }

    /// The line of the input where the error was found (1-based).
    pub fn line(&self) -> usize {
        self.0.line()
    }

    /// The column of the input where the error was found (1-based).
    pub fn column(&self) -> usize {
        self.0.column()
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&quoted_values(&self.0.to_string()))
    }
}

impl fmt::Debug for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonError({self})")
    }
}

impl std::error::Error for JsonError {}

/// Replaces the contents of every double-quoted stretch with `<redacted>`. serde writes
/// values in double quotes (`invalid type: string "…"`) and names fields in backquotes
/// (`missing field `email``), so the names stay.
fn quoted_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut parts = text.split('"');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    let mut inside = false;
    for part in parts {
        inside = !inside;
        out.push('"');
        out.push_str(if inside { "<redacted>" } else { part });
    }
    out
}

/// Replaces every word that looks like an e-mail address with `<email>`.
pub(crate) fn emails(text: &str) -> String {
    let is_email = |word: &str| {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric());
        word.split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
    };
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(if is_email(word) { "<email>" } else { word });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_redacted_and_field_names_kept() {
        let error = serde_json::from_str::<Vec<String>>(r#"[1]"#).unwrap_err();
        assert_eq!(
            JsonError::new(error).to_string(),
            "invalid type: integer `1`, expected a string at line 1 column 2"
        );
        let error = serde_json::from_str::<u8>(r#""ada@example.com""#).unwrap_err();
        let text = JsonError::new(error).to_string();
        assert_eq!(
            text,
            r#"invalid type: string "<redacted>", expected u8 at line 1 column 17"#
        );
        assert_eq!(quoted_values(r#"a "b" c "d"#), r#"a "<redacted>" c "<redacted>"#);
        assert_eq!(quoted_values("no quotes"), "no quotes");
    }

    #[test]
    fn emails_are_replaced_word_by_word() {
        assert_eq!(
            emails("at the same time: ada@example.com."),
            "at the same time: <email>"
        );
        assert_eq!(
            emails("user@localhost and @handle stay"),
            "user@localhost and @handle stay"
        );
    }
}
