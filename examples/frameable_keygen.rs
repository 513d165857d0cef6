//! Write a new Frameable key pair, without OpenSSL.
//!
//! ```sh
//! cargo run --example frameable_keygen                  # writes frameable.key and frameable.key.pub
//! cargo run --example frameable_keygen -- keys/acme.key # writes keys/acme.key and keys/acme.key.pub
//! ```
//!
//! Existing files are never overwritten. Keep the private key secret; paste the public key
//! into the Frameable event's settings.

mod common;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use event_sso::frameable::SigningKey;

fn main() -> std::process::ExitCode {
    common::report(run())
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let private_path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "frameable.key".to_owned());
    let public_path = format!("{private_path}.pub");

    let key = SigningKey::generate()?;
    write_new(Path::new(&private_path), &key.to_pkcs8_pem()?, 0o600)?;
    write_new(Path::new(&public_path), &key.public_key_pem(), 0o644)?;

    println!("Wrote the private key to {private_path} (keep it secret) and the public key to {public_path}.");
    println!(
        "Paste this into the Frameable event's settings:\n\n{}",
        key.public_key_pem()
    );
    Ok(())
}

/// Creates `path` with `contents`, refusing to replace a file that is already there.
fn write_new(path: &Path, contents: &str, mode: u32) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options
        .open(path)
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot create {}: {e}", path.display())))?;
    file.write_all(contents.as_bytes())
}
