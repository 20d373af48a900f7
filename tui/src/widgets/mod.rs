//! Reusable pieces the views share: a one-line input, a filterable list
//! cursor, modal dialogs (confirm, type-to-confirm, prompt, form), and
//! how times read (`age`).

pub mod age;
pub mod input;
pub mod list;
pub mod modal;
pub mod pager;
pub mod table;
pub mod text;

use ratatui::layout::Rect;

/// A `width` × `height` rectangle centred in `area` (clipped to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Human sizes: 1.5 MiB.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `2026-11-23T02:25:25Z` → `11-23 02:25` (tables have little room; the
/// year is rarely in doubt). Other text is returned as is.
pub fn short_time(rfc3339: &str) -> String {
    match (rfc3339.get(5..10), rfc3339.get(11..16)) {
        (Some(day), Some(time)) if rfc3339.as_bytes().get(10) == Some(&b'T') => {
            format!("{day} {time}")
        }
        _ => rfc3339.to_string(),
    }
}

/// The text of a drawn buffer, a line per row (for unit tests of drawing).
#[cfg(test)]
pub(crate) fn buffer_text(buffer: &ratatui::buffer::Buffer) -> String {
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_shorten_for_tables() {
        assert_eq!(super::short_time("2026-11-23T02:25:25Z"), "11-23 02:25");
        assert_eq!(super::short_time("yesterday"), "yesterday");
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(super::bytes(512), "512 B");
        assert_eq!(super::bytes(1536), "1.5 KiB");
        assert_eq!(super::bytes(3 * 1024 * 1024), "3.0 MiB");
    }
}
