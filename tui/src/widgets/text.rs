//! Text fitted to a width: wrapped at word boundaries (toasts, the message
//! log) or cut with `…` (tables, the tree, the header), measured in
//! terminal cells rather than bytes or chars.

use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `text` in at most `width` cells, ending in `…` when it had to be cut.
/// The one rule for a cut value: tables, the tree and the header use it.
pub fn ellipsize(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// `text` in at most `width` cells, keeping its end and starting with `…`
/// when cut (a breadcrumb trail, where the last step matters most).
pub fn ellipsize_start(text: &str, width: usize) -> String {
    if text.width() <= width || width == 0 {
        return if width == 0 {
            String::new()
        } else {
            text.to_string()
        };
    }
    let mut tail = Vec::new();
    let mut used = 1;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            break;
        }
        tail.push(c);
        used += w;
    }
    std::iter::once('…').chain(tail.into_iter().rev()).collect()
}

/// `spans` in at most `width` cells: whole while they fit, else cut in
/// the span that crosses the edge, which ends in `…`, styles kept.
pub fn fit_line(spans: Vec<Span<'static>>, width: usize) -> Line<'static> {
    let total: usize = spans.iter().map(|s| s.content.width()).sum();
    if total <= width {
        return Line::from(spans);
    }
    let mut left = width;
    let mut out = Vec::new();
    for span in spans {
        let w = span.content.width();
        // Strictly less: the cut needs a cell for its `…`.
        if w < left {
            left -= w;
            out.push(span);
            continue;
        }
        let mut cut = ellipsize(&span.content, left);
        if !cut.ends_with('…') && left > 0 {
            // The span fills the room exactly, but more follows.
            cut = ellipsize(&format!("{cut}…"), left);
        }
        out.push(Span::styled(cut, span.style));
        break;
    }
    Line::from(out)
}

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
    fn cut_text_ends_in_an_ellipsis() {
        assert_eq!(ellipsize("shop.example", 20), "shop.example");
        assert_eq!(ellipsize("shop.example", 12), "shop.example");
        assert_eq!(ellipsize("shop.example", 6), "shop.…");
        assert_eq!(ellipsize("日本語", 4), "日…");
        assert_eq!(ellipsize("abc", 0), "");
    }

    #[test]
    fn a_cut_trail_keeps_its_end() {
        assert_eq!(ellipsize_start("a › b › c", 20), "a › b › c");
        assert_eq!(
            ellipsize_start("storefront › apps › web", 11),
            "…apps › web"
        );
        assert_eq!(ellipsize_start("日本語", 4), "…語");
        assert_eq!(ellipsize_start("abc", 0), "");
    }

    #[test]
    fn a_cut_line_ends_in_an_ellipsis_in_the_span_at_the_edge() {
        let spans = || {
            vec![
                Span::raw("comwit "),
                Span::raw("│ sandbox "),
                Span::raw("│ ready"),
            ]
        };
        let text = |l: Line<'_>| l.to_string();
        assert_eq!(text(fit_line(spans(), 40)), "comwit │ sandbox │ ready");
        assert_eq!(text(fit_line(spans(), 12)), "comwit │ sa…");
        // A span that ends exactly at the edge, with more after it.
        assert_eq!(text(fit_line(spans(), 7)), "comwit…");
        assert_eq!(fit_line(spans(), 12).width(), 12);
    }

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
