//! The npm libSQL client the platform's migration guide uses, for tests
//! that check what it reads: `sandbox/tests/js`, its pinned package
//! installed when missing (`.ci/run` installs it up front; the npm
//! registry is reachable wherever the tests run).

use std::path::PathBuf;

/// `sandbox/tests/js`, with `node_modules` in place.
pub fn npm_client_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sandbox/tests/js");
    if !dir.join("node_modules/@tursodatabase/serverless").exists() {
        let status = std::process::Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent"])
            .current_dir(&dir)
            .status()
            .expect("npm runs (Node 20 is needed for the JS client tests)");
        assert!(status.success(), "npm install in {} failed", dir.display());
    }
    dir
}
