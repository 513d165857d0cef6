use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeySize, PublicKey};
use aws_lc_rs::signature::{KeyPair, RsaKeyPair};
use jsonwebtoken::DecodingKey;
use time::OffsetDateTime;

use super::claims::Claims;
use super::error::Error;
use super::pem::{self, Half, KeyData};
use super::token::{self, Token};

/// The clock leeway [`VerifyingKey::verify`] allows on `exp` unless
/// [`VerifyingKey::with_leeway`] changes it.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// An RSA private key that signs Frameable login tokens (RS256).
///
/// Parsed once, then shared: `Clone` is a reference-count increment, and the key is
/// `Send + Sync`, so one `SigningKey` can serve every request of a server. `Debug` shows the
/// key size only.
///
/// ```
/// use event_sso::frameable::{Claims, SigningKey};
///
/// let key = SigningKey::generate()?; // or SigningKey::from_pem(&std::env::var("FRAMEABLE_PRIVATE_KEY")?)?
/// let token = key.sign(&Claims::builder("Ada Lovelace").build()?)?;
/// let claims = key.verifying_key().verify(token.as_str())?;
/// assert_eq!(claims.display_name(), "Ada Lovelace");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SigningKey {
    inner: Arc<SigningKeyInner>,
}

struct SigningKeyInner {
    pair: RsaKeyPair,
    public_spki_der: Vec<u8>,
    bits: usize,
}

impl SigningKey {
    /// Reads a PEM private key: PKCS#1 (`-----BEGIN RSA PRIVATE KEY-----`, what Frameable's
    /// `ssh-keygen -m PEM` command writes) or PKCS#8 (`-----BEGIN PRIVATE KEY-----`, what
    /// `openssl genpkey` writes), 2048 bits or more.
    ///
    /// Forgives what storage does to keys: CRLF line ends, surrounding blanks or quotes, `\n`
    /// escaped as two characters (keys kept in environment variables), line breaks lost
    /// (a key pasted onto one line), and other PEM blocks around it. Each kind of wrong key
    /// (OpenSSH format, encrypted, public, EC or Ed25519, too short) gets its own [`Error`]
    /// saying how to fix it.
    pub fn from_pem(pem: &str) -> Result<SigningKey, Error> {
        let pair = match pem::read_key(pem, Half::Private)? {
            KeyData::RsaPrivatePkcs1(der) => RsaKeyPair::from_der(&der),
            KeyData::RsaPrivatePkcs8(der) => RsaKeyPair::from_pkcs8(&der),
            KeyData::RsaPublic(_) => return Err(Error::PublicKeyGiven),
        }
        .map_err(|_| Error::InvalidKey {
            reason: "the RSA key's numbers are inconsistent (a damaged key?)",
        })?;
        SigningKey::from_pair(pair)
    }

    /// Reads a PEM private key file, as [`from_pem`](Self::from_pem) does.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<SigningKey, Error> {
        SigningKey::from_pem(&read_file(path.as_ref())?)
    }

    /// Makes a new 2048-bit key, so nobody needs OpenSSL to start. Keep it with
    /// [`to_pkcs8_pem`](Self::to_pkcs8_pem) and paste [`public_key_pem`](Self::public_key_pem)
    /// into the Frameable event's settings.
    pub fn generate() -> Result<SigningKey, Error> {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| Error::Crypto)?;
        SigningKey::from_pair(pair)
    }

    fn from_pair(pair: RsaKeyPair) -> Result<SigningKey, Error> {
        let public_spki_der = pair
            .public_key()
            .as_der()
            .map_err(|_| Error::Crypto)?
            .as_ref()
            .to_vec();
        let bits = pair.public_modulus_len() * 8;
        Ok(SigningKey {
            inner: Arc::new(SigningKeyInner {
                pair,
                public_spki_der,
                bits,
            }),
        })
    }

    /// Signs the claims into an RS256 token with the header `{"alg":"RS256","typ":"JWT"}`.
    pub fn sign(&self, claims: &Claims) -> Result<Token, Error> {
        token::sign(&self.inner.pair, claims)
    }

    /// The public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`), byte for byte what
    /// `openssl rsa -in <key> -pubout` prints: paste it into the Frameable event's settings.
    pub fn public_key_pem(&self) -> String {
        pem::encode("PUBLIC KEY", &self.inner.public_spki_der)
    }

    /// The public half, for checking tokens this key signed.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey::from_spki_der(&self.inner.public_spki_der, self.inner.bits)
    }

    /// The private key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), for saving a
    /// [generated](Self::generate) key. This is the secret: write it only where secrets go.
    pub fn to_pkcs8_pem(&self) -> Result<String, Error> {
        let der = self.inner.pair.as_der().map_err(|_| Error::Crypto)?;
        Ok(pem::encode("PRIVATE KEY", der.as_ref()))
    }

    /// The modulus length in bits, for example 2048.
    pub fn bits(&self) -> usize {
        self.inner.bits
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &"RS256")
            .field("bits", &self.inner.bits)
            .finish_non_exhaustive()
    }
}

/// An RSA public key that checks Frameable login tokens: for your own tests, and for finding
/// out why Frameable turned a login away.
///
/// Accepts RS256 only: tokens claiming `none`, `HS256` (the public key used as an HMAC secret)
/// or any other algorithm are refused before the signature is looked at.
#[derive(Clone)]
pub struct VerifyingKey {
    key: DecodingKey,
    bits: usize,
    leeway: Duration,
}

impl VerifyingKey {
    /// Reads a PEM public key: SPKI (`-----BEGIN PUBLIC KEY-----`, what `openssl rsa -pubout`
    /// and [`SigningKey::public_key_pem`] write) or PKCS#1 (`-----BEGIN RSA PUBLIC KEY-----`),
    /// with the same forgiveness as [`SigningKey::from_pem`].
    pub fn from_pem(pem: &str) -> Result<VerifyingKey, Error> {
        let KeyData::RsaPublic(der) = pem::read_key(pem, Half::Public)? else {
            return Err(Error::PrivateKeyGiven);
        };
        let public = PublicKey::from_der(&der).map_err(|_| Error::InvalidKey {
            reason: "the RSA public key's numbers are not usable",
        })?;
        Ok(VerifyingKey::from_spki_der(&der, public.modulus_len() * 8))
    }

    /// Reads a PEM public key file, as [`from_pem`](Self::from_pem) does.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<VerifyingKey, Error> {
        VerifyingKey::from_pem(&read_file(path.as_ref())?)
    }

    fn from_spki_der(der: &[u8], bits: usize) -> VerifyingKey {
        VerifyingKey {
            key: DecodingKey::from_rsa_der(der),
            bits,
            leeway: DEFAULT_LEEWAY,
        }
    }

    /// How far past `exp` a token is still accepted, for clocks that disagree:
    /// [`DEFAULT_LEEWAY`] (60 s) unless set.
    #[must_use]
    pub fn with_leeway(mut self, leeway: Duration) -> VerifyingKey {
        self.leeway = leeway;
        self
    }

    /// Checks the token's algorithm (RS256), its signature and its expiry against the system
    /// clock, and returns its claims.
    pub fn verify(&self, token: &str) -> Result<Claims, Error> {
        self.verify_at(token, OffsetDateTime::now_utc())
    }

    /// As [`verify`](Self::verify), with the expiry checked as of `now`.
    pub fn verify_at(&self, token: &str, now: OffsetDateTime) -> Result<Claims, Error> {
        token::verify(&self.key, token, now, self.leeway)
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("algorithm", &"RS256")
            .field("bits", &self.bits)
            .field("leeway", &self.leeway)
            .finish_non_exhaustive()
    }
}

fn read_file(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::KeyFile {
        path: path.to_owned(),
        source,
    })
}
