//! The seal key file: 32 random bytes written as 64 hex digits on one line (a trailing newline
//! and surrounding white space are allowed), readable by the server's user only. Created by
//! `keyturn-server seal-key new PATH` (or `init` when `seal_key_file` names a missing file).
//! Neither the key nor any part of it is ever in an error message.

use crate::domain::sealed::FileKey;
use std::path::Path;

/// Reads the key of a seal key file.
pub fn read(path: &Path) -> Result<FileKey, String> {
    let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!(
            "the seal key file {} does not exist: create it with `keyturn-server seal-key new {}` (or `keyturn-server init`), \
             or point seal_key_file at the file this database was sealed with",
            path.display(),
            path.display()
        ),
        _ => format!("cannot read the seal key file {}: {e}", path.display()),
    })?;
    parse(text.trim()).ok_or_else(|| {
        format!(
            "the seal key file {} holds no seal key (64 hex digits, as `keyturn-server seal-key new` writes)",
            path.display()
        )
    })
}

fn parse(text: &str) -> Option<FileKey> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(FileKey::new(bytes))
}

/// Writes a fresh key to a new file, mode 0600 (created so: never readable by others, not even
/// for a moment); refuses an existing file, which is never overwritten.
pub fn create(path: &Path) -> Result<(), String> {
    let key = crate::domain::secrets::fresh_secret();
    if crate::domain::secrets::create_secret_file(path, &crate::domain::secrets::hex(&key))? {
        Ok(())
    } else {
        Err(format!(
            "{} exists and is kept: a new key would not open what the old one sealed",
            path.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_reads_back_is_private_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seal-key");
        create(&path).unwrap();
        let key = read(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.trim(), crate::domain::secrets::hex(key.bytes()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let refused = create(&path).unwrap_err();
        assert!(refused.contains("exists and is kept"), "{refused}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "unchanged");
        std::fs::write(&path, "not a key\n").unwrap();
        let bad = read(&path).unwrap_err();
        assert!(bad.contains("holds no seal key") && !bad.contains("not a key"), "{bad}");
        let missing = read(&dir.path().join("gone")).unwrap_err();
        assert!(missing.contains("does not exist"), "{missing}");
    }
}
