//! `monitor-collector sourcemaps upload`: sends a build's scripts and maps to a collector,
//! one request per file, under `{url_prefix}/{path in the folder}`, so that the keys are the
//! URLs the browser loads the scripts from (docs/sourcemaps.md).

use std::path::{Path, PathBuf};

/// What the command line asked for.
#[derive(Debug, PartialEq)]
pub struct Upload {
    pub server: String,
    pub project: u64,
    pub release: String,
    pub url_prefix: String,
    pub token: Option<String>,
    pub dir: PathBuf,
}

/// The files a bundler writes that stacks point at and maps come in.
const EXTENSIONS: [&str; 4] = ["js", "mjs", "cjs", "map"];

/// Every script and map under `dir` with its upload key, in a stable order.
pub fn files(dir: &Path, url_prefix: &str) -> std::io::Result<Vec<(PathBuf, String)>> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.contains(&e))
            {
                let relative: Vec<String> = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                let key = format!(
                    "{}/{}",
                    url_prefix.trim_end_matches('/'),
                    relative.join("/")
                );
                out.push((path, key));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Percent-encodes a path segment (the release may hold `@`, `/`, spaces).
fn segment(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Uploads every file; stops at the first refusal. Prints a line per file.
pub fn run(upload: &Upload) -> Result<usize, String> {
    let files = files(&upload.dir, &upload.url_prefix)
        .map_err(|e| format!("cannot read {}: {e}", upload.dir.display()))?;
    if files.is_empty() {
        return Err(format!(
            "no .js, .mjs, .cjs or .map files under {}",
            upload.dir.display()
        ));
    }
    let endpoint = format!(
        "{}/api/{}/releases/{}/sourcemaps",
        upload.server.trim_end_matches('/'),
        upload.project,
        segment(&upload.release)
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for (path, key) in &files {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut request = agent.post(&endpoint).query("url", key);
        if let Some(token) = &upload.token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        let mut response = request
            .send(&bytes[..])
            .map_err(|e| format!("{endpoint}: {e}"))?;
        let status = response.status();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        if !status.is_success() {
            return Err(format!("{key}: {status}: {}", body.trim()));
        }
        println!("uploaded {key} ({} bytes)", bytes.len());
    }
    Ok(files.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_prefix_and_the_path_in_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("assets/chunks")).unwrap();
        for name in [
            "assets/a.js",
            "assets/a.js.map",
            "assets/chunks/b.mjs",
            "index.html",
            "assets/c.css",
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let keys: Vec<String> = files(dir.path(), "~/static/")
            .unwrap()
            .into_iter()
            .map(|(_, key)| key)
            .collect();
        assert_eq!(
            keys,
            [
                "~/static/assets/a.js",
                "~/static/assets/a.js.map",
                "~/static/assets/chunks/b.mjs"
            ]
        );
    }

    #[test]
    fn releases_are_encoded_as_one_path_segment() {
        assert_eq!(
            segment("shop@1.2.0+build/7 x"),
            "shop%401.2.0%2Bbuild%2F7%20x"
        );
    }
}
