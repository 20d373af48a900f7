//! The comwit-tui operator dashboard (built by issue 5).
