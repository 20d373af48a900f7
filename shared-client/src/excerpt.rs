//! Caller input quoted in an error message: at most a short excerpt,
//! printable. The sandbox's problem details and the archive rule's
//! messages both quote input through it, so a 60 KB name or raw control
//! bytes never come back whole.

/// `input` in double quotes, as an excerpt of at most 64 characters: how
/// an error message quotes what it refuses.
pub fn quoted(input: &str) -> String {
    format!("\"{}\"", excerpt(input, 64))
}

/// At most `max` characters of `input`, control characters escaped, cut
/// with an ellipsis.
pub fn excerpt(input: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in input.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}
