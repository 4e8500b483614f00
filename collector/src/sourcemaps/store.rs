//! The uploaded files on disk: `{dir}/{project}/{release hash}/`, holding `index.json`
//! (the release's name and its files by upload key) and one blob per file. The index of
//! every release is also kept in memory, so that a frame's lookup touches the disk only to
//! read the one file it needs.
//!
//! Writes go to a temporary file and are renamed into place, so a crash leaves either the
//! old state or the new one. The bounds of `[sourcemaps]` are enforced on every upload by
//! deleting whole releases, the ones uploaded to longest ago first, never the one that is
//! being uploaded to.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use super::SourceMapError;
use crate::config::SourceMapsConfig;

/// Longest release name and upload key accepted.
pub const MAX_RELEASE_CHARS: usize = 200;
pub const MAX_KEY_CHARS: usize = 2048;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// A source map.
    Map,
    /// A minified script; its `sourceMappingURL` names its map, and its text lets the
    /// original function names be found.
    Source,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredFile {
    pub blob: String,
    pub size: u64,
    pub kind: FileKind,
    pub uploaded_ms: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Release {
    pub release: String,
    pub updated_ms: i64,
    next_blob: u64,
    pub files: BTreeMap<String, StoredFile>,
}

impl Release {
    pub fn bytes(&self) -> u64 {
        self.files.values().map(|f| f.size).sum()
    }
}

type ReleaseId = (u64, String);

pub struct Store {
    dir: PathBuf,
    bounds: SourceMapsConfig,
    releases: Mutex<HashMap<ReleaseId, Release>>,
}

/// What one upload did.
#[derive(Debug)]
pub struct Stored {
    pub file: StoredFile,
    /// Releases deleted to stay within the bounds, as `(project, release)`.
    pub evicted: Vec<(u64, String)>,
}

impl Store {
    /// Reads the indexes under `dir`. A missing folder is an empty store; a release whose
    /// index does not read is skipped with a warning (its files stay on disk, unused).
    pub fn open(dir: PathBuf, bounds: SourceMapsConfig) -> Store {
        let mut releases = HashMap::new();
        for (project, path) in subdirs(&dir) {
            let Ok(project) = project.parse::<u64>() else {
                continue;
            };
            for (_, release_dir) in subdirs(&path) {
                let index = release_dir.join("index.json");
                match fs::read(&index)
                    .map_err(|e| e.to_string())
                    .and_then(|bytes| {
                        serde_json::from_slice::<Release>(&bytes).map_err(|e| e.to_string())
                    }) {
                    Ok(release) => {
                        releases.insert((project, release.release.clone()), release);
                    }
                    Err(error) => {
                        tracing::warn!(index = %index.display(), %error, "source map release skipped")
                    }
                }
            }
        }
        Store {
            dir,
            bounds,
            releases: Mutex::new(releases),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ReleaseId, Release>> {
        self.releases.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn release_dir(&self, project: u64, release: &str) -> PathBuf {
        self.dir
            .join(project.to_string())
            .join(format!("{:016x}", fnv64(release.as_bytes())))
    }

    /// Keeps `bytes` as the file uploaded under `key` for the release, replacing an earlier
    /// upload under the same key.
    pub fn put(
        &self,
        project: u64,
        release: &str,
        key: &str,
        kind: FileKind,
        bytes: &[u8],
        now_ms: i64,
    ) -> Result<Stored, SourceMapError> {
        check_release(release)?;
        check_key(key)?;
        let size = bytes.len() as u64;
        if size > self.bounds.max_file_bytes as u64 {
            return Err(SourceMapError::TooLarge {
                limit: self.bounds.max_file_bytes as u64,
                option: "sourcemaps.max_file_bytes",
            });
        }
        let id = (project, release.to_owned());
        let mut releases = self.lock();
        let mut entry = releases.get(&id).cloned().unwrap_or(Release {
            release: release.to_owned(),
            updated_ms: now_ms,
            next_blob: 0,
            files: BTreeMap::new(),
        });
        let replaced = entry.files.get(key).cloned();
        let after = entry.bytes() - replaced.as_ref().map_or(0, |f| f.size) + size;
        if after > self.bounds.max_bytes {
            return Err(SourceMapError::TooLarge {
                limit: self.bounds.max_bytes,
                option: "sourcemaps.max_bytes",
            });
        }
        let dir = self.release_dir(project, release);
        fs::create_dir_all(&dir)?;
        let blob = format!("{}.blob", entry.next_blob);
        entry.next_blob += 1;
        write_atomically(&dir.join(&blob), bytes)?;
        let file = StoredFile {
            blob,
            size,
            kind,
            uploaded_ms: now_ms,
        };
        entry.files.insert(key.to_owned(), file.clone());
        entry.updated_ms = now_ms;
        write_atomically(
            &dir.join("index.json"),
            &serde_json::to_vec(&entry).map_err(io::Error::other)?,
        )?;
        if let Some(old) = replaced {
            let _ = fs::remove_file(dir.join(old.blob));
        }
        releases.insert(id.clone(), entry);
        let evicted = self.enforce_bounds(&mut releases, &id);
        Ok(Stored { file, evicted })
    }

    /// Deletes releases, oldest upload first, until the bounds hold; `keep` stays.
    fn enforce_bounds(
        &self,
        releases: &mut HashMap<ReleaseId, Release>,
        keep: &ReleaseId,
    ) -> Vec<ReleaseId> {
        let mut evicted = Vec::new();
        loop {
            let project = keep.0;
            let in_project = releases.keys().filter(|(p, _)| *p == project).count();
            let total: u64 = releases.values().map(Release::bytes).sum();
            let victim = if in_project > self.bounds.max_releases_per_project {
                oldest(releases, keep, |(p, _)| *p == project)
            } else if total > self.bounds.max_bytes {
                oldest(releases, keep, |_| true)
            } else {
                return evicted;
            };
            let Some(victim) = victim else {
                return evicted;
            };
            releases.remove(&victim);
            let _ = fs::remove_dir_all(self.release_dir(victim.0, &victim.1));
            tracing::info!(project = victim.0, release = %victim.1, "source maps of an old release deleted to stay within [sourcemaps] bounds");
            evicted.push(victim);
        }
    }

    pub fn release(&self, project: u64, release: &str) -> Option<Release> {
        self.lock().get(&(project, release.to_owned())).cloned()
    }

    /// Deletes a release's files; how many there were, `None` when it had none.
    pub fn delete(&self, project: u64, release: &str) -> Result<Option<usize>, SourceMapError> {
        let mut releases = self.lock();
        let Some(entry) = releases.remove(&(project, release.to_owned())) else {
            return Ok(None);
        };
        match fs::remove_dir_all(self.release_dir(project, release)) {
            Ok(()) => Ok(Some(entry.files.len())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Some(entry.files.len())),
            Err(e) => {
                releases.insert((project, release.to_owned()), entry);
                Err(e.into())
            }
        }
    }

    /// The kind of the file uploaded under `key`, if any.
    pub fn kind(&self, project: u64, release: &str, key: &str) -> Option<FileKind> {
        let releases = self.lock();
        let entry = releases.get(&(project, release.to_owned()))?;
        entry.files.get(key).map(|f| f.kind)
    }

    /// The content of the file uploaded under `key`; `None` when there is none (or it was
    /// deleted between the lookup and the read).
    pub fn read(&self, project: u64, release: &str, key: &str) -> Option<Vec<u8>> {
        let path = {
            let releases = self.lock();
            let entry = releases.get(&(project, release.to_owned()))?;
            let file = entry.files.get(key)?;
            self.release_dir(project, release).join(&file.blob)
        };
        fs::read(path).ok()
    }
}

fn oldest(
    releases: &HashMap<ReleaseId, Release>,
    keep: &ReleaseId,
    within: impl Fn(&ReleaseId) -> bool,
) -> Option<ReleaseId> {
    releases
        .iter()
        .filter(|(id, _)| *id != keep && within(id))
        .min_by_key(|(id, r)| (r.updated_ms, (*id).clone()))
        .map(|(id, _)| id.clone())
}

fn subdirs(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect()
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, bytes)?;
    fs::File::open(&tmp)?.sync_all()?;
    fs::rename(&tmp, path)
}

pub fn check_release(release: &str) -> Result<(), SourceMapError> {
    let chars = release.chars().count();
    if chars == 0 || chars > MAX_RELEASE_CHARS || release.chars().any(char::is_control) {
        return Err(SourceMapError::BadRelease(format!(
            "release {release:?} must be 1 to {MAX_RELEASE_CHARS} characters without control \
             characters"
        )));
    }
    Ok(())
}

/// An upload key is a URL (`https://host/path`) or `~/path` for any host.
pub fn check_key(key: &str) -> Result<(), SourceMapError> {
    let shaped = key.starts_with("~/") || key.starts_with("http://") || key.starts_with("https://");
    let clean = !key.chars().any(|c| c.is_control() || c.is_whitespace());
    if !shaped || !clean || key.len() > MAX_KEY_CHARS {
        return Err(SourceMapError::BadUrl(format!(
            "url {key:?} must be the file's URL as the browser loads it (https://host/path) or \
             ~/path for any host, without spaces, at most {MAX_KEY_CHARS} bytes"
        )));
    }
    Ok(())
}

/// 64-bit FNV-1a: a stable folder name for a release of any length and alphabet.
fn fnv64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(max_bytes: u64, per_project: usize) -> SourceMapsConfig {
        SourceMapsConfig {
            max_bytes,
            max_releases_per_project: per_project,
            max_file_bytes: 100,
            cached_maps: 4,
        }
    }

    #[test]
    fn files_survive_a_restart_and_replace_each_other_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().into(), bounds(1000, 5));
        store
            .put(1, "r1", "~/a.js", FileKind::Source, b"old", 1)
            .unwrap();
        store
            .put(1, "r1", "~/a.js", FileKind::Source, b"new!", 2)
            .unwrap();
        store
            .put(1, "r1", "~/a.js.map", FileKind::Map, b"{}", 3)
            .unwrap();
        let reopened = Store::open(dir.path().into(), bounds(1000, 5));
        assert_eq!(reopened.read(1, "r1", "~/a.js").unwrap(), b"new!");
        assert_eq!(reopened.kind(1, "r1", "~/a.js.map"), Some(FileKind::Map));
        assert_eq!(reopened.release(1, "r1").unwrap().bytes(), 6);
        assert_eq!(reopened.read(2, "r1", "~/a.js"), None, "another project's");
        // The replaced blob is gone from disk: two blobs and the index remain.
        let files = fs::read_dir(reopened.release_dir(1, "r1")).unwrap().count();
        assert_eq!(files, 3);
        assert_eq!(reopened.delete(1, "r1").unwrap(), Some(2));
        assert_eq!(reopened.delete(1, "r1").unwrap(), None);
        assert!(Store::open(dir.path().into(), bounds(1000, 5))
            .release(1, "r1")
            .is_none());
    }

    #[test]
    fn the_oldest_releases_go_first_and_never_the_one_uploaded_to() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().into(), bounds(100, 2));
        store
            .put(1, "a", "~/x.js", FileKind::Source, b"1", 1)
            .unwrap();
        store
            .put(1, "b", "~/x.js", FileKind::Source, b"1", 2)
            .unwrap();
        let third = store
            .put(1, "c", "~/x.js", FileKind::Source, b"1", 3)
            .unwrap();
        assert_eq!(third.evicted, [(1, "a".to_owned())]);
        assert!(store.release(1, "a").is_none());
        // Another project has its own count, but shares the byte budget.
        store
            .put(2, "a", "~/x.js", FileKind::Source, &[b'x'; 90], 4)
            .unwrap();
        let big = store
            .put(2, "a", "~/y.js", FileKind::Source, &[b'y'; 9], 5)
            .unwrap();
        assert_eq!(big.evicted, [(1, "b".to_owned())], "oldest of any project");
        assert!(store.release(1, "c").is_some());
        assert!(!store.release_dir(1, "a").exists());
    }

    #[test]
    fn bad_uploads_are_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().into(), bounds(150, 2));
        let refuse = |release: &str, key: &str, size: usize| {
            store
                .put(1, release, key, FileKind::Source, &vec![b'x'; size], 1)
                .unwrap_err()
        };
        assert!(matches!(
            refuse("", "~/a.js", 1),
            SourceMapError::BadRelease(_)
        ));
        assert!(matches!(
            refuse("a\nb", "~/a.js", 1),
            SourceMapError::BadRelease(_)
        ));
        assert!(matches!(refuse("r", "a.js", 1), SourceMapError::BadUrl(_)));
        assert!(matches!(
            refuse("r", "~/a b.js", 1),
            SourceMapError::BadUrl(_)
        ));
        assert!(matches!(
            refuse("r", "~/a.js", 101),
            SourceMapError::TooLarge { limit: 100, .. }
        ));
        store
            .put(1, "r", "~/a.js", FileKind::Source, &[b'x'; 100], 1)
            .unwrap();
        assert!(matches!(
            refuse("r", "~/b.js", 60),
            SourceMapError::TooLarge { limit: 150, .. }
        ));
        assert_eq!(store.release(1, "r").unwrap().files.len(), 1);
    }
}
