//! The platform's rules for what callers send, in one place: the sandbox
//! validates requests with them (a broken rule is a 400), the dashboard
//! checks its forms with them before sending, so both give the same verdict
//! on the same input.
//!
//! Errors name the rule and the fix but never quote the input: each caller
//! quotes it its own way (a bounded excerpt in a problem detail, the field
//! in a form), so a hostile value is never echoed whole.
//!
//! Where the contract is silent (name lengths, TTL range, values per
//! record), the rule is the project's reading of the platform, marked
//! *assumed* where it is defined.

mod hostnames;
mod records;
mod resources;
mod tokens;

pub use hostnames::{HostnameError, dns_target, hostname};
pub use records::{
    Clash, DEFAULT_TTL, MAX_TXT_CHARS, MAX_VALUES, RecordError, TTL_RANGE, TYPES, ValueError,
    check_ttl, check_value, check_values, clash, clashes, is_single, qualify, record_type,
    relative,
};
pub use resources::{EnvKeyError, NameError, env_key, resource_name};
pub use tokens::{TokenError, USER_TOKEN_PREFIX, user_token};
