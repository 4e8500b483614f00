//! Source maps: uploaded per project and release, applied to the stack frames of error
//! events at ingest, before the event is stored or produced to Kafka and so before it is
//! grouped. Minified production stacks come back with their original file, line, column,
//! function and a few lines of source, and one bug groups as one issue across builds.
//!
//! The flow: `POST /api/{project}/releases/{release}/sourcemaps?url=...` (or
//! `monitor-collector sourcemaps upload`) puts a minified script or its map in the
//! [`store::Store`] under the URL the browser loads it from ([`locate`]). When an error
//! event with that `release` arrives, each frame's URL is looked up: its script, the map
//! its `sourceMappingURL` names (or `{url}.map`), parsed once and kept in a small cache,
//! then [`frame::symbolicate`] maps the position. Symbolicated frames are cached too: the
//! same error thrown a thousand times costs one lookup.
//!
//! Events are symbolicated with the maps present when they arrive (as Sentry does): upload
//! the maps of a release before deploying it.

pub mod cache;
pub mod frame;
pub mod locate;
pub mod store;

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;
use sourcemap::{DecodedMap, SourceMap, SourceView};

use crate::config::SourceMapsConfig;
use cache::Recent;
use frame::Loaded;
pub use store::{FileKind, Release, Store, StoredFile};

/// Frames whose answer is kept, mapped or not.
const CACHED_FRAMES: usize = 20_000;

#[derive(Debug)]
pub enum SourceMapError {
    BadRelease(String),
    BadUrl(String),
    /// A `.map` upload that is not a source map, or a script that is not UTF-8 text.
    NotAMap(String),
    /// Past a bound; `option` names it (`sourcemaps.max_file_bytes`, `sourcemaps.max_bytes`).
    TooLarge {
        limit: u64,
        option: &'static str,
    },
    Io(std::io::Error),
}

impl fmt::Display for SourceMapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceMapError::BadRelease(m) | SourceMapError::BadUrl(m) => f.write_str(m),
            SourceMapError::NotAMap(m) => f.write_str(m),
            SourceMapError::TooLarge { limit, option } => {
                write!(f, "the file would go past {limit} bytes ({option})")
            }
            SourceMapError::Io(_) => write!(f, "cannot keep source maps right now, retry later"),
        }
    }
}

impl From<std::io::Error> for SourceMapError {
    fn from(e: std::io::Error) -> Self {
        SourceMapError::Io(e)
    }
}

/// Tells a map from a script by its key and content: a `.map` key must parse as a source
/// map; anything else is kept as a script, which must be text.
pub fn classify(key: &str, bytes: &[u8]) -> Result<FileKind, SourceMapError> {
    let path = key.split(['?', '#']).next().unwrap_or(key);
    if path.ends_with(".map") {
        return match sourcemap::decode_slice(bytes) {
            Ok(DecodedMap::Regular(_) | DecodedMap::Index(_)) => Ok(FileKind::Map),
            Ok(DecodedMap::Hermes(_)) => Err(SourceMapError::NotAMap(format!(
                "{key}: Hermes (React Native) maps are not supported"
            ))),
            Err(e) => Err(SourceMapError::NotAMap(format!(
                "{key}: not a source map: {e}"
            ))),
        };
    }
    std::str::from_utf8(bytes)
        .map(|_| FileKind::Source)
        .map_err(|_| SourceMapError::NotAMap(format!("{key}: a script must be UTF-8 text")))
}

type FileId = (u64, String, String);
/// A frame is known by all of it: the answer is built from every field.
type FrameId = (u64, String, String);

/// The store and the caches in front of it; one per collector process.
pub struct SourceMaps {
    pub store: Store,
    maps: Mutex<Recent<FileId, Option<Arc<Loaded>>>>,
    frames: Mutex<Recent<FrameId, Option<Arc<Value>>>>,
}

impl SourceMaps {
    pub fn open(dir: PathBuf, config: &SourceMapsConfig) -> SourceMaps {
        SourceMaps {
            store: Store::open(dir, config.clone()),
            maps: Mutex::new(Recent::new(config.cached_maps.max(2))),
            frames: Mutex::new(Recent::new(CACHED_FRAMES)),
        }
    }

    /// Forgets every cached answer: after an upload or a delete, a frame may read otherwise.
    pub fn invalidate(&self) {
        self.maps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.frames
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Rewrites the frames of an error event that a map of its release covers; returns how
    /// many. Events without a release, or of a release without uploads, cost one lookup.
    pub fn symbolicate(&self, project: u64, event: &mut Value) -> usize {
        let Some(release) = event
            .get("release")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            return 0;
        };
        if self.store.release(project, &release).is_none() {
            return 0;
        }
        let Some(values) = event
            .pointer_mut("/exception/values")
            .and_then(Value::as_array_mut)
        else {
            return 0;
        };
        let mut mapped = 0;
        for value in values {
            let Some(frames) = value
                .pointer_mut("/stacktrace/frames")
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            for frame in frames {
                if let Some(new) = self.frame(project, &release, frame) {
                    *frame = (*new).clone();
                    mapped += 1;
                }
            }
        }
        mapped
    }

    fn frame(&self, project: u64, release: &str, frame: &Value) -> Option<Arc<Value>> {
        let key = (project, release.to_owned(), frame.to_string());
        cached(&self.frames, key, || {
            frame
                .get("filename")
                .and_then(Value::as_str)
                .and_then(|url| self.loaded(project, release, url))
                .and_then(|loaded| frame::symbolicate(&loaded, frame))
                .map(Arc::new)
        })
    }

    /// The parsed map for a frame's file, from the cache or the store.
    fn loaded(&self, project: u64, release: &str, url: &str) -> Option<Arc<Loaded>> {
        let key = (project, release.to_owned(), url.to_owned());
        cached(&self.maps, key, || {
            self.load(project, release, url).map(Arc::new)
        })
    }

    fn load(&self, project: u64, release: &str, url: &str) -> Option<Loaded> {
        let store = &self.store;
        let files = locate::candidates(url);
        // The script first: its reference names the map, and its text gives names back.
        let script = files
            .iter()
            .find(|file| store.kind(project, release, file) == Some(FileKind::Source));
        if let Some(file) = script {
            let text = String::from_utf8(store.read(project, release, file)?).ok()?;
            let view = SourceView::from_string(text);
            let map = match view.sourcemap_reference().ok().flatten() {
                Some(reference) => match locate::map_key(file, reference.get_url()) {
                    Some(map_key) => locate::candidates(&map_key)
                        .iter()
                        .find_map(|key| self.read_map(project, release, key)),
                    None => sourcemap::decode_data_url(reference.get_url())
                        .ok()
                        .and_then(flatten),
                },
                None => self.map_beside(project, release, &files),
            }?;
            return Some(Loaded {
                map,
                minified: Some(view),
            });
        }
        let map = self.map_beside(project, release, &files)?;
        Some(Loaded {
            map,
            minified: None,
        })
    }

    /// The map uploaded as `{file}.map` for one of the file's keys (without query).
    fn map_beside(&self, project: u64, release: &str, files: &[String]) -> Option<SourceMap> {
        files
            .iter()
            .filter(|file| !file.contains(['?', '#']))
            .find_map(|file| self.read_map(project, release, &format!("{file}.map")))
    }

    /// The map uploaded under exactly `key`.
    fn read_map(&self, project: u64, release: &str, key: &str) -> Option<SourceMap> {
        if self.store.kind(project, release, key) != Some(FileKind::Map) {
            return None;
        }
        let bytes = self.store.read(project, release, key)?;
        sourcemap::decode_slice(&bytes).ok().and_then(flatten)
    }
}

/// The cached answer for `key`, or `compute`'s, kept. The lock is not held while computing:
/// two requests may both compute a missing answer, which is cheaper than serialising them.
fn cached<K: std::hash::Hash + Eq, V: Clone>(
    cache: &Mutex<Recent<K, V>>,
    key: K,
    compute: impl FnOnce() -> V,
) -> V {
    let lock = || cache.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(known) = lock().get(&key) {
        return known;
    }
    let answer = compute();
    lock().insert(key, answer.clone());
    answer
}

fn flatten(map: DecodedMap) -> Option<SourceMap> {
    match map {
        DecodedMap::Regular(map) => Some(map),
        DecodedMap::Index(index) => index.flatten().ok(),
        DecodedMap::Hermes(_) => None,
    }
}

#[cfg(test)]
mod tests;
