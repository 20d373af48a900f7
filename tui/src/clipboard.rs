//! Copy by OSC 52: the terminal puts the text on the clipboard, which
//! works over SSH and inside tmux (with `set-clipboard on`).

use base64::Engine;

/// The escape sequence that asks the terminal to copy `text`.
pub fn osc52(text: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    format!("\x1b]52;c;{encoded}\x07")
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_the_text_in_an_osc52_sequence() {
        assert_eq!(super::osc52("hi"), "\x1b]52;c;aGk=\x07");
    }
}
