//! The one way this workspace builds an HTTP client.
//!
//! reqwest is built without a bundled TLS crypto provider (its default,
//! aws-lc-rs, is a long C build on every cold `cargo install` of the
//! action); rustls runs on ring instead. rustls needs the provider installed
//! process-wide before the first client is built, so every client in the
//! workspace — ours, the action's GitHub client, the tests' — comes from
//! [`builder`].

use std::sync::Once;

/// A reqwest builder with the TLS provider installed.
pub fn builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}

/// A client with reqwest's defaults (for callers that configure nothing).
pub fn client() -> reqwest::Client {
    builder()
        .build()
        .expect("a default reqwest client always builds once a TLS provider is installed")
}

fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // An embedding program may have installed its own provider first:
        // that one wins, and ours is not needed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
