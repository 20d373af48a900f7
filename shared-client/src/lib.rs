//! The one library every Comwit front end shares (filled by issue 3).
