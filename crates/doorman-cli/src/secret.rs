//! `doorman secret`: 32 bytes from the operating system's generator, as 64 hex characters.

use std::fmt::Write;
use std::process::ExitCode;

/// Bytes of entropy in a generated secret.
const SECRET_BYTES: usize = 32;

pub(crate) fn run() -> Result<ExitCode, String> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| format!("the system random generator failed: {e}"))?;
    let mut text = String::with_capacity(SECRET_BYTES * 2);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    crate::say(&text);
    Ok(ExitCode::SUCCESS)
}
