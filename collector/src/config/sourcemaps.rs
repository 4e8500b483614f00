//! The `[sourcemaps]` section: how much of the uploaded source maps the collector keeps.
//!
//! Uploads live under `{data_dir}/sourcemaps`, one folder per project and release
//! ([`crate::sourcemaps`]); these bounds keep that folder from growing without end and the
//! parsed maps in memory from doing the same.

use serde::Deserialize;

use super::{invalid, ConfigError};

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SourceMapsConfig {
    /// Most bytes all uploaded files may take on disk together. Past it, the releases whose
    /// files were uploaded longest ago are deleted whole (any project), never the one being
    /// uploaded to.
    pub max_bytes: u64,
    /// Most releases with files per project. An upload to a new release past it deletes the
    /// project's release uploaded to longest ago: errors of old releases stay minified.
    pub max_releases_per_project: usize,
    /// Largest single file (a minified script or its map) one upload may carry; larger ones
    /// get 413.
    pub max_file_bytes: usize,
    /// Parsed maps kept in memory; a map is parsed again when it has been pushed out.
    pub cached_maps: usize,
}

impl Default for SourceMapsConfig {
    fn default() -> Self {
        SourceMapsConfig {
            max_bytes: 1024 * 1024 * 1024,
            max_releases_per_project: 20,
            max_file_bytes: 32 * 1024 * 1024,
            cached_maps: 32,
        }
    }
}

impl SourceMapsConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_releases_per_project == 0 {
            return Err(invalid(
                "sourcemaps.max_releases_per_project must be positive",
            ));
        }
        if self.max_file_bytes == 0 || self.max_file_bytes as u64 > self.max_bytes {
            return Err(invalid(
                "sourcemaps.max_file_bytes must be positive and at most sourcemaps.max_bytes",
            ));
        }
        if self.cached_maps == 0 {
            return Err(invalid("sourcemaps.cached_maps must be positive"));
        }
        Ok(())
    }
}
