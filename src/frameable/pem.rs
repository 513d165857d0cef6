//! Reading key files as people really store them, and telling apart the keys that are not
//! what Frameable needs, so each gets an error that says how to fix it.

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::error::Error;

/// A key found in PEM text, classified far enough to choose a parser or an error.
pub(crate) enum KeyData {
    /// `RSA PRIVATE KEY`: PKCS#1 DER.
    RsaPrivatePkcs1(Vec<u8>),
    /// `PRIVATE KEY` holding an RSA key: PKCS#8 DER.
    RsaPrivatePkcs8(Vec<u8>),
    /// `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` (PKCS#1) holding an RSA key: DER.
    RsaPublic(Vec<u8>),
}

/// Which half of the key pair the caller expects, to word the error for the other half.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Half {
    Private,
    Public,
}

/// Decodes the first key in `text` and checks that it is an RSA key of at least 2048 bits,
/// of the half the caller wants.
pub(crate) fn read_key(text: &str, want: Half) -> Result<KeyData, Error> {
    let text = normalize(text);
    let blocks = blocks(&text)?;
    let wanted = |label: &str| match want {
        Half::Private => label.contains("PRIVATE KEY"),
        Half::Public => label.contains("PUBLIC KEY"),
    };
    let Some(block) = blocks.iter().find(|b| wanted(b.label)).or(blocks.first()) else {
        return Err(no_pem_error(&text, want));
    };
    if block.encrypted {
        return Err(Error::EncryptedKey);
    }
    let der = || decode_base64(block.body);
    let data = match (block.label, want) {
        ("OPENSSH PRIVATE KEY", Half::Private) => return Err(Error::OpenSshKey),
        ("ENCRYPTED PRIVATE KEY", Half::Private) => return Err(Error::EncryptedKey),
        ("RSA PRIVATE KEY", Half::Private) => {
            let der = der()?;
            check_bits(der::rsa_key_bits(&der, Half::Private))?;
            KeyData::RsaPrivatePkcs1(der)
        }
        ("PRIVATE KEY", Half::Private) => {
            let der = der()?;
            check_bits(der::pkcs8_rsa_bits(&der)?)?;
            KeyData::RsaPrivatePkcs8(der)
        }
        ("RSA PUBLIC KEY", Half::Public) => {
            let der = der()?;
            check_bits(der::rsa_key_bits(&der, Half::Public))?;
            KeyData::RsaPublic(der)
        }
        ("PUBLIC KEY", Half::Public) => {
            let der = der()?;
            check_bits(der::spki_rsa_bits(&der)?)?;
            KeyData::RsaPublic(der)
        }
        ("EC PRIVATE KEY", _) => return Err(Error::NotRsa { algorithm: "an EC" }),
        ("DSA PRIVATE KEY", _) => return Err(Error::NotRsa { algorithm: "a DSA" }),
        (label, Half::Private) if label.contains("PUBLIC KEY") || label == "CERTIFICATE" => {
            return Err(Error::PublicKeyGiven);
        }
        (label, Half::Public) if label.contains("PRIVATE KEY") => {
            return Err(Error::PrivateKeyGiven);
        }
        _ => {
            return Err(Error::InvalidKey {
                reason: match want {
                    Half::Private => "the PEM label is not `RSA PRIVATE KEY` or `PRIVATE KEY`",
                    Half::Public => "the PEM label is not `PUBLIC KEY` or `RSA PUBLIC KEY`",
                },
            });
        }
    };
    Ok(data)
}

/// Writes DER as PEM the way OpenSSL does: 64 base64 characters a line, a final newline.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::with_capacity(body.len() + body.len() / 64 + 2 * label.len() + 40);
    pem.push_str("-----BEGIN ");
    pem.push_str(label);
    pem.push_str("-----\n");
    for line in body.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END ");
    pem.push_str(label);
    pem.push_str("-----\n");
    pem
}

/// Undoes what storing a PEM in an environment variable, a `.env` file or a JSON string
/// tends to do: surrounding blanks and quotes, `\n` written as two characters, CRLF.
fn normalize(text: &str) -> String {
    let mut text = text.trim();
    for quote in ['"', '\''] {
        if let Some(inner) = text.strip_prefix(quote).and_then(|t| t.strip_suffix(quote)) {
            text = inner.trim();
        }
    }
    text.replace("\\r", "").replace("\\n", "\n").replace('\r', "")
}

struct Block<'a> {
    label: &'a str,
    encrypted: bool,
    body: &'a str,
}

/// Splits the text into its `-----BEGIN X-----` ... `-----END X-----` blocks. Line breaks
/// inside a block are optional: a key pasted onto one line still reads.
fn blocks(text: &str) -> Result<Vec<Block<'_>>, Error> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after_begin = &rest[start + "-----BEGIN ".len()..];
        let Some(label_end) = after_begin.find("-----") else {
            return Err(Error::InvalidKey {
                reason: "the `-----BEGIN ...-----` line is cut short",
            });
        };
        let label = after_begin[..label_end].trim();
        let after_label = &after_begin[label_end + "-----".len()..];
        let end_marker = format!("-----END {label}-----");
        let Some(body_end) = after_label.find(&end_marker) else {
            return Err(Error::InvalidKey {
                reason: "the `-----END ...-----` line matching the BEGIN line is missing",
            });
        };
        let body = &after_label[..body_end];
        // An encrypted PKCS#1 key carries RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`); the
        // word cannot occur in base64, which has no comma.
        let encrypted = body.contains(",ENCRYPTED");
        found.push(Block {
            label,
            encrypted,
            body,
        });
        rest = &after_label[body_end + end_marker.len()..];
    }
    Ok(found)
}

fn no_pem_error(text: &str, want: Half) -> Error {
    let first_word = text.split_whitespace().next().unwrap_or_default();
    let openssh_public =
        ["ssh-rsa", "ssh-ed25519", "ssh-dss"].contains(&first_word) || first_word.starts_with("ecdsa-sha2-");
    let reason = if openssh_public {
        match want {
            Half::Private => return Error::PublicKeyGiven,
            Half::Public => {
                "this is an OpenSSH public key line; convert it with `ssh-keygen -e -m PKCS8 -f <key file>.pub`"
            }
        }
    } else if text.is_empty() {
        "the text is empty"
    } else if !text.contains('\n')
        && text.len() < 4096
        && (text.contains('/') || text.ends_with(".pem") || text.ends_with(".key"))
    {
        "no `-----BEGIN ...-----` line found; this looks like a file path: read the file with `from_pem_file`"
    } else {
        "no `-----BEGIN ...-----` line found"
    };
    Error::InvalidKey { reason }
}

fn decode_base64(body: &str) -> Result<Vec<u8>, Error> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    LENIENT.decode(compact).map_err(|_| Error::InvalidKey {
        reason: "the text between the BEGIN and END lines is not valid base64",
    })
}

fn check_bits(bits: Option<usize>) -> Result<(), Error> {
    match bits {
        None => Err(Error::InvalidKey {
            reason: "the key data is not a well-formed RSA key",
        }),
        Some(bits) if bits < 2048 => Err(Error::KeyTooSmall { bits }),
        Some(_) => Ok(()),
    }
}

/// Just enough DER to find a key's algorithm and RSA modulus length.
mod der {
    use super::{Error, Half};

    const INTEGER: u8 = 0x02;
    const BIT_STRING: u8 = 0x03;
    const OCTET_STRING: u8 = 0x04;
    const OID: u8 = 0x06;
    const SEQUENCE: u8 = 0x30;

    const RSA_ENCRYPTION: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
    const EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
    const DSA: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x38, 0x04, 0x01];
    const ED25519: &[u8] = &[0x2B, 0x65, 0x70];
    const ED448: &[u8] = &[0x2B, 0x65, 0x71];

    struct Reader<'a>(&'a [u8]);

    impl<'a> Reader<'a> {
        /// The contents of the next element, if it has the tag.
        fn next(&mut self, tag: u8) -> Option<&'a [u8]> {
            let (&found, rest) = self.0.split_first()?;
            if found != tag {
                return None;
            }
            let (&first, rest) = rest.split_first()?;
            let (len, rest) = if first < 0x80 {
                (usize::from(first), rest)
            } else {
                let n = usize::from(first & 0x7F);
                if n == 0 || n > 4 || rest.len() < n {
                    return None;
                }
                let len = rest[..n]
                    .iter()
                    .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
                (len, &rest[n..])
            };
            if rest.len() < len {
                return None;
            }
            let (contents, rest) = rest.split_at(len);
            self.0 = rest;
            Some(contents)
        }
    }

    fn sequence(der: &[u8]) -> Option<Reader<'_>> {
        Reader(der).next(SEQUENCE).map(Reader)
    }

    fn integer_bits(int: &[u8]) -> usize {
        match int.iter().position(|&b| b != 0) {
            None => 0,
            Some(i) => (int.len() - i) * 8 - int[i].leading_zeros() as usize,
        }
    }

    /// PKCS#1 `RSAPrivateKey` (version, n, ...) or `RSAPublicKey` (n, e): the bits of n.
    pub(super) fn rsa_key_bits(der: &[u8], half: Half) -> Option<usize> {
        let mut key = sequence(der)?;
        if half == Half::Private {
            key.next(INTEGER)?;
        }
        key.next(INTEGER).map(integer_bits)
    }

    fn algorithm_name(oid: &[u8]) -> &'static str {
        match oid {
            EC_PUBLIC_KEY => "an EC",
            DSA => "a DSA",
            ED25519 => "an Ed25519",
            ED448 => "an Ed448",
            _ => "a non-RSA",
        }
    }

    fn algorithm_oid(identifier: &[u8]) -> Option<&[u8]> {
        Reader(identifier).next(OID)
    }

    /// PKCS#8 `PrivateKeyInfo`: `Ok(None)` when malformed, an error when not RSA.
    pub(super) fn pkcs8_rsa_bits(der: &[u8]) -> Result<Option<usize>, Error> {
        let Some(mut info) = sequence(der) else {
            return Ok(None);
        };
        let parts = info.next(INTEGER).and_then(|_| {
            let oid = algorithm_oid(info.next(SEQUENCE)?)?;
            Some((oid, info.next(OCTET_STRING)?))
        });
        match parts {
            None => Ok(None),
            Some((RSA_ENCRYPTION, key)) => Ok(rsa_key_bits(key, Half::Private)),
            Some((oid, _)) => Err(Error::NotRsa {
                algorithm: algorithm_name(oid),
            }),
        }
    }

    /// X.509 `SubjectPublicKeyInfo`: `Ok(None)` when malformed, an error when not RSA.
    pub(super) fn spki_rsa_bits(der: &[u8]) -> Result<Option<usize>, Error> {
        let Some(mut info) = sequence(der) else {
            return Ok(None);
        };
        let parts = info
            .next(SEQUENCE)
            .and_then(algorithm_oid)
            .zip(info.next(BIT_STRING));
        match parts {
            None => Ok(None),
            // The first byte of a BIT STRING counts its unused bits; keys use all of them.
            Some((RSA_ENCRYPTION, [0, key @ ..])) => Ok(rsa_key_bits(key, Half::Public)),
            Some((RSA_ENCRYPTION, _)) => Ok(None),
            Some((oid, _)) => Err(Error::NotRsa {
                algorithm: algorithm_name(oid),
            }),
        }
    }
}
