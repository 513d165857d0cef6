//! One mould for every secret string: the client secret, access tokens, webhook secrets,
//! event passcodes and signed tokens.
//!
//! Each is its own type, so one cannot be passed for another; each has `new`, `as_str()` for
//! the one place it belongs, a `Debug` that says only its name, and no `Display`, so `{}` does
//! not compile and `{:?}` gives nothing away. Clones share the text.

/// Defines a secret string type (the model is oauth2-rs's `new_secret_type!`).
macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(std::sync::Arc<str>);

        impl $name {
            /// Wraps a secret you hold.
            pub fn new(secret: impl Into<String>) -> $name {
                $name(std::sync::Arc::from(secret.into()))
            }

            /// The secret itself, for the one place it belongs.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(secret: String) -> $name {
                $name::new(secret)
            }
        }

        impl From<&str> for $name {
            fn from(secret: &str) -> $name {
                $name::new(secret)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                String::deserialize(deserializer).map($name::new)
            }
        }
    };
}
pub(crate) use secret_type;

#[cfg(test)]
mod tests {
    secret_type!(
        /// A test secret.
        Marker
    );

    #[test]
    fn debug_names_the_type_and_nothing_else() {
        let secret = Marker::new(r#"quo"te\back`tick-ada@example.com"#);
        assert_eq!(format!("{secret:?}"), "Marker(<redacted>)");
        assert_eq!(format!("{:?}", Some(secret.clone())), "Some(Marker(<redacted>))");
        assert_eq!(secret.as_str(), r#"quo"te\back`tick-ada@example.com"#);
        let read: Marker = serde_json::from_str(r#""s3cret""#).unwrap();
        assert_eq!(read, Marker::from("s3cret"));
    }
}
