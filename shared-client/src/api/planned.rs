//! Registrar purchase is documented as planned, not live. These methods
//! say so without calling the API, so no front end treats it as working.

use crate::error::Error;

pub struct Registrar;

impl Registrar {
    pub async fn availability(&self, _domain: &str) -> crate::Result<()> {
        Err(Error::Planned {
            what: "domain availability (registrar purchase)",
        })
    }
    pub async fn prices(&self, _tld: &str) -> crate::Result<()> {
        Err(Error::Planned {
            what: "domain pricing (registrar purchase)",
        })
    }
    pub async fn order(&self, _project: &str, _domain: &str) -> crate::Result<()> {
        Err(Error::Planned {
            what: "domain orders (registrar purchase)",
        })
    }
}
