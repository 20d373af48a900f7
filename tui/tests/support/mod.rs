//! The dashboard harness lives in comwit-e2e (`comwit_e2e::dashboard`),
//! where the cross-crate flows drive the dashboard too; the snapshot macro
//! stays here, with insta.

#![allow(unused_imports)]

pub use comwit_e2e::dashboard::*;

/// Snapshots the screen with ids, times and ports masked (they change
/// from run to run; the layout and wording are what is checked).
#[macro_export]
macro_rules! snap {
    ($name:expr, $h:expr) => {{
        let screen = $h.screen();
        insta::with_settings!({filters => vec![
            (r"\b(app|build|db|proj|dnsrec|prj)-[0-9a-f]{6,16}\b", "$1-[id]"),
            (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[time]"),
            (r"\b\d{2}-\d{2} \d{2}:\d{2}\b", "[time]"),
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
            (r"/tmp/\.tmp\w+", "[tmp]"),
            // Demo artifacts carry their project's id: sizes and digests vary.
            (r"\b[0-9a-f]{8}\b", "[sha]"),
            // Full digests, challenge tokens and CDN names in details.
            (r"\b[0-9a-f]{32,64}\b", "[hex]"),
            (r"\b[0-9a-f]{15}\.cloudfront\.net\b", "[cdn].cloudfront.net"),
            (r"\b\d{3} B\b", "[size]"),
        ], prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, screen);
        });
    }};
}
