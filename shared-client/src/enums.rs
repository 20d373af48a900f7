//! The platform's enumerated values, typed. Each enum lists the values the
//! contract documents and keeps any other value as it was sent (`Other`):
//! a newer platform may add a status, and the tools should show it rather
//! than fail to read the whole answer.

/// An enum over the contract's strings with an `Other` fallback; reads and
/// writes as the plain string.
macro_rules! platform_enum {
    (
        $(#[$meta:meta])*
        $name:ident, default $default:ident {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this client does not know, as the platform sent it.
            Other(String),
        }

        impl $name {
            /// Every documented value, in the contract's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The same, as the platform writes them.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The value as the platform writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(s) => s,
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::$default
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $($text => $name::$variant,)+
                    _ => $name::Other(s),
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name::from(s.to_string())
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_string()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

platform_enum! {
    /// Where a project domain stands: its zone exists from the start; it
    /// is managed once the parent zone delegates to it.
    DomainStatus, default PendingDelegation {
        PendingDelegation = "pending_delegation",
        Managed = "managed",
    }
}

platform_enum! {
    /// A DNS record's type (the ones the platform accepts).
    RecordType, default A {
        A = "A",
        Aaaa = "AAAA",
        Cname = "CNAME",
        Mx = "MX",
        Txt = "TXT",
        /// An apex alias to a host name (the platform's flattening).
        AAlias = "A_ALIAS",
    }
}

platform_enum! {
    /// Who wrote a record: the user, or the platform for an app hostname
    /// (those can be changed only through the hostname).
    RecordOwner, default User {
        User = "user",
        PlatformApp = "platform_app",
    }
}

platform_enum! {
    /// Whether the platform wrote a managed hostname's records.
    ManagedDnsStatus, default Applied {
        Applied = "applied",
        Failed = "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_are_typed_and_unknown_ones_kept_as_sent() {
        let s: DomainStatus = serde_json::from_str("\"managed\"").unwrap();
        assert_eq!(s, DomainStatus::Managed);
        let later: DomainStatus = serde_json::from_str("\"suspended\"").unwrap();
        assert_eq!(later, DomainStatus::Other("suspended".into()));
        assert_eq!(serde_json::to_string(&later).unwrap(), "\"suspended\"");
        assert_eq!(RecordType::from("A_ALIAS"), RecordType::AAlias);
        assert_eq!(RecordType::Aaaa.to_string(), "AAAA");
        assert_eq!(
            serde_json::to_string(&RecordOwner::PlatformApp).unwrap(),
            "\"platform_app\""
        );
        let types: Vec<&str> = RecordType::ALL.iter().map(RecordType::as_str).collect();
        assert_eq!(types, RecordType::NAMES);
    }
}
