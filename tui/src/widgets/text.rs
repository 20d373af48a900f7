//! Text fitted to a width: wrapped at word boundaries (toasts, the message
//! log), measured in terminal cells rather than bytes or chars.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `text` broken into lines of at most `width` cells, at spaces where
/// possible; a word longer than a line is split. Never loses a character
/// (except the spaces a break replaces).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let sep = usize::from(!line.is_empty());
            if line.width() + sep + word.width() <= width {
                if sep == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for c in word.chars() {
                if line.width() + c.width().unwrap_or(0) > width {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(c);
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_splits_long_words() {
        assert_eq!(
            wrap("rolled back: build-1 is active", 12),
            ["rolled back:", "build-1 is", "active"]
        );
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
        assert_eq!(wrap("", 5), [""]);
        assert_eq!(wrap("日本語", 4), ["日本", "語"]);
    }
}
