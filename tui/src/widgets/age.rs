//! How long ago an API timestamp was ("deployed 3h ago"). The API sends
//! RFC 3339 times and the dashboard has no date library, so the one
//! format the platform writes is read here, with the calendar arithmetic
//! it needs and nothing more.

use std::time::{SystemTime, UNIX_EPOCH};

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Seconds since the epoch of `2026-11-23T02:25:25Z` (a fraction and a
/// `±HH:MM` offset are allowed); `None` for any other text.
pub fn epoch_secs(rfc3339: &str) -> Option<i64> {
    let num = |at: usize, len: usize| -> Option<i64> {
        let digits = rfc3339.get(at..at + len)?;
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse().ok())?
    };
    let b = rfc3339.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let days = days_from_civil(num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let secs = days * 86_400 + num(11, 2)? * 3_600 + num(14, 2)? * 60 + num(17, 2)?;
    let zone = rfc3339[19..].trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = match zone.as_bytes().first()? {
        b'Z' | b'z' => 0,
        sign @ (b'+' | b'-') if zone.len() == 6 => {
            let minutes = num(rfc3339.len() - 5, 2)? * 60 + num(rfc3339.len() - 2, 2)?;
            if *sign == b'+' {
                minutes * 60
            } else {
                -minutes * 60
            }
        }
        _ => return None,
    };
    Some(secs - offset)
}

/// `just now`, `5m ago`, `3h ago`, `12d ago`; text that is not a time
/// comes back as it is.
pub fn ago(rfc3339: &str, now: SystemTime) -> String {
    let Some(then) = epoch_secs(rfc3339) else {
        return rfc3339.to_string();
    };
    let now = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    match (now - then).max(0) {
        0..60 => "just now".to_string(),
        s @ 60..3_600 => format!("{}m ago", s / 60),
        s @ 3_600..86_400 => format!("{}h ago", s / 3_600),
        s => format!("{}d ago", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn api_times_read_as_seconds_since_the_epoch() {
        assert_eq!(epoch_secs("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(epoch_secs("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(epoch_secs("2026-11-24T00:00:00.123Z"), Some(1_795_478_400));
        assert_eq!(epoch_secs("2026-11-24T02:00:00+02:00"), Some(1_795_478_400));
        assert_eq!(epoch_secs("yesterday"), None);
        assert_eq!(epoch_secs("2026-11-24T00:00:00"), None, "no zone");
    }

    #[test]
    fn ages_are_short() {
        let at = |secs: u64| UNIX_EPOCH + Duration::from_secs(1_795_478_400 + secs);
        let t = "2026-11-24T00:00:00Z";
        assert_eq!(ago(t, at(0)), "just now");
        assert_eq!(ago(t, at(59)), "just now");
        assert_eq!(ago(t, at(300)), "5m ago");
        assert_eq!(ago(t, at(3 * 3_600 + 5)), "3h ago");
        assert_eq!(ago(t, at(12 * 86_400)), "12d ago");
        assert_eq!(ago(t, UNIX_EPOCH), "just now", "clocks that disagree");
        assert_eq!(ago("soon", at(0)), "soon");
    }
}
