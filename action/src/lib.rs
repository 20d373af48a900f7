//! The comwit-deploy GitHub Action binary (built by issue 6).
