//! Reading a project out of an archive (`.zip`, `.tar.gz`, `.tgz`, `.tar`)
//! or out of a list of picked files, with limits, so that an untrusted
//! upload can only ever produce a clear error.
//!
//! An archive is refused as a whole, never half-read: entries that escape
//! the project (absolute paths, `..`, drive letters), links, more entries or
//! bytes than the limits allow, and corrupt data all end in an
//! [`ArchiveError`] before anything is compiled.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

/// Bounds on what an archive may contain.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Entries of any kind, counted as they are read.
    pub max_entries: usize,
    /// Uncompressed bytes of one file.
    pub max_file_bytes: u64,
    /// Uncompressed bytes of all files together.
    pub max_total_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 100_000,
            max_file_bytes: 64 << 20,
            max_total_bytes: 512 << 20,
        }
    }
}

/// Why an archive was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveError {
    /// Not a zip, gzip or tar file.
    UnknownFormat,
    /// The data does not decode.
    Corrupt(String),
    /// An entry would land outside the project.
    UnsafePath(String),
    /// An entry is a symbolic or hard link.
    Link(String),
    TooManyEntries(usize),
    FileTooLarge {
        path: String,
        limit: u64,
    },
    TooLarge(u64),
    /// No `dbt_project.yml` anywhere in the archive.
    NoProject,
}

impl fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArchiveError::UnknownFormat => {
                write!(f, "not a .zip, .tar.gz or .tar archive")
            }
            ArchiveError::Corrupt(e) => write!(f, "the archive is corrupt: {e}"),
            ArchiveError::UnsafePath(p) => write!(
                f,
                "refused: entry `{p}` points outside the project (absolute path or `..`)"
            ),
            ArchiveError::Link(p) => write!(f, "refused: entry `{p}` is a link"),
            ArchiveError::TooManyEntries(n) => {
                write!(f, "refused: more than {n} entries")
            }
            ArchiveError::FileTooLarge { path, limit } => write!(
                f,
                "refused: `{path}` is larger than {} MB uncompressed",
                limit >> 20
            ),
            ArchiveError::TooLarge(limit) => write!(
                f,
                "refused: more than {} MB uncompressed in total",
                limit >> 20
            ),
            ArchiveError::NoProject => write!(f, "no dbt_project.yml found in the archive"),
        }
    }
}

/// Files keyed by path relative to the archive root, as raw bytes.
pub type RawFiles = BTreeMap<String, Vec<u8>>;

/// Reads every regular file of an archive, checking each entry.
pub fn read_archive(bytes: &[u8], limits: Limits) -> Result<RawFiles, ArchiveError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        read_zip(bytes, limits)
    } else if bytes.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::read::GzDecoder::new(bytes);
        read_tar(gz, limits)
    } else if bytes.len() > 262 && &bytes[257..262] == b"ustar" {
        read_tar(bytes, limits)
    } else {
        Err(ArchiveError::UnknownFormat)
    }
}

/// Checks one entry name and returns it normalized (`/`-separated, no `./`).
pub fn safe_path(name: &str) -> Result<String, ArchiveError> {
    let unsafe_path = || ArchiveError::UnsafePath(name.to_string());
    let name = name.replace('\\', "/");
    if name.starts_with('/') || name.contains('\0') {
        return Err(unsafe_path());
    }
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(unsafe_path()),
            p if p.len() >= 2 && p.as_bytes()[1] == b':' && parts.is_empty() => {
                return Err(unsafe_path())
            }
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

struct Budget {
    limits: Limits,
    entries: usize,
    total: u64,
}

impl Budget {
    fn entry(&mut self) -> Result<(), ArchiveError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(ArchiveError::TooManyEntries(self.limits.max_entries));
        }
        Ok(())
    }

    /// Reads one file, never more than the limits allow, whatever its header
    /// says. The size the header gives (within the limits) is reserved at
    /// once: growing the buffer as it fills copied most files several times.
    fn read(
        &mut self,
        path: &str,
        size: u64,
        reader: &mut dyn Read,
    ) -> Result<Vec<u8>, ArchiveError> {
        let cap = self
            .limits
            .max_file_bytes
            .min(self.limits.max_total_bytes - self.total);
        let mut buf = Vec::with_capacity(size.min(cap) as usize);
        reader
            .take(cap + 1)
            .read_to_end(&mut buf)
            .map_err(|e| ArchiveError::Corrupt(format!("{path}: {e}")))?;
        let n = buf.len() as u64;
        if n > cap {
            return Err(if n > self.limits.max_file_bytes {
                ArchiveError::FileTooLarge {
                    path: path.to_string(),
                    limit: self.limits.max_file_bytes,
                }
            } else {
                ArchiveError::TooLarge(self.limits.max_total_bytes)
            });
        }
        self.total += n;
        // A header that claimed more than there was keeps no spare room.
        buf.shrink_to_fit();
        Ok(buf)
    }
}

fn read_zip(bytes: &[u8], limits: Limits) -> Result<RawFiles, ArchiveError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    let mut budget = Budget {
        limits,
        entries: 0,
        total: 0,
    };
    if zip.len() > limits.max_entries {
        return Err(ArchiveError::TooManyEntries(limits.max_entries));
    }
    let mut out = RawFiles::new();
    for i in 0..zip.len() {
        budget.entry()?;
        let mut entry = zip
            .by_index(i)
            .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
        let name = entry
            .name()
            .map_err(|e| ArchiveError::Corrupt(e.to_string()))?
            .to_string();
        let path = safe_path(&name)?;
        if entry.is_symlink() {
            return Err(ArchiveError::Link(name));
        }
        if entry.is_dir() || path.is_empty() {
            continue;
        }
        let size = entry.size();
        let data = budget.read(&path, size, &mut entry)?;
        out.insert(path, data);
    }
    Ok(out)
}

fn read_tar(reader: impl Read, limits: Limits) -> Result<RawFiles, ArchiveError> {
    let mut archive = tar::Archive::new(reader);
    let mut budget = Budget {
        limits,
        entries: 0,
        total: 0,
    };
    let mut out = RawFiles::new();
    let entries = archive
        .entries()
        .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    for entry in entries {
        budget.entry()?;
        let mut entry = entry.map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).to_string();
        let path = safe_path(&name)?;
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            return Err(ArchiveError::Link(name));
        }
        if !kind.is_file() || path.is_empty() {
            continue;
        }
        let size = entry.header().size().unwrap_or(0);
        let data = budget.read(&path, size, &mut entry)?;
        out.insert(path, data);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn tar_gz_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut b = tar::Builder::new(gz);
        for (name, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            // Write the name bytes directly so hostile names reach the reader.
            h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
            h.set_cksum();
            b.append(&h, *data).unwrap();
        }
        b.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn reads_zip_and_tar_gz() {
        let files: &[(&str, &[u8])] = &[
            ("shop/dbt_project.yml", b"name: shop"),
            ("shop/models/a.sql", b"select 1"),
        ];
        for bytes in [zip_of(files), tar_gz_of(files)] {
            let out = read_archive(&bytes, Limits::default()).unwrap();
            assert_eq!(out.len(), 2);
            assert_eq!(out["shop/models/a.sql"], b"select 1");
        }
    }

    #[test]
    fn refuses_traversal() {
        for name in ["../evil.sql", "a/../../evil.sql", "/etc/passwd", "C:/x.sql"] {
            let files: &[(&str, &[u8])] = &[("p/dbt_project.yml", b"name: p"), (name, b"x")];
            let err = read_archive(&zip_of(files), Limits::default()).unwrap_err();
            assert!(matches!(err, ArchiveError::UnsafePath(_)), "{name}: {err}");
            if !name.starts_with('C') {
                let err = read_archive(&tar_gz_of(files), Limits::default()).unwrap_err();
                assert!(matches!(err, ArchiveError::UnsafePath(_)), "{name}: {err}");
            }
        }
    }

    #[test]
    fn refuses_size_and_count_bombs() {
        let big = vec![0u8; 4096];
        let files: &[(&str, &[u8])] = &[("a.sql", &big), ("b.sql", &big)];
        let small = Limits {
            max_entries: 10,
            max_file_bytes: 1000,
            max_total_bytes: 10_000,
        };
        assert!(matches!(
            read_archive(&zip_of(files), small),
            Err(ArchiveError::FileTooLarge { .. })
        ));
        let total = Limits {
            max_file_bytes: 5000,
            max_total_bytes: 6000,
            ..small
        };
        assert!(matches!(
            read_archive(&tar_gz_of(files), total),
            Err(ArchiveError::TooLarge(_))
        ));
        let few = Limits {
            max_entries: 1,
            ..Limits::default()
        };
        assert!(matches!(
            read_archive(&tar_gz_of(files), few),
            Err(ArchiveError::TooManyEntries(1))
        ));
    }

    #[test]
    fn refuses_corrupt_and_unknown_data() {
        let mut bytes = zip_of(&[("a.sql", b"select 1")]);
        let n = bytes.len();
        bytes.truncate(n / 2);
        assert!(matches!(
            read_archive(&bytes, Limits::default()),
            Err(ArchiveError::Corrupt(_))
        ));
        let mut gz = tar_gz_of(&[("a.sql", b"select 1")]);
        let n = gz.len();
        gz[n / 2] ^= 0xff;
        gz.truncate(n - 4);
        assert!(read_archive(&gz, Limits::default()).is_err());
        assert_eq!(
            read_archive(b"hello", Limits::default()),
            Err(ArchiveError::UnknownFormat)
        );
    }
}
