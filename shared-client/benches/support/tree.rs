//! A deterministic imitation of a front-end `dist/` folder, shared by the
//! packaging and deploy benchmarks.

use std::fs;
use std::path::Path;

pub struct Shape {
    pub files: u64,
    pub dirs: u64,
    pub bytes: u64,
    pub binary_bytes: u64,
}

/// SplitMix64: tiny, fast, and good enough to make test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Log-normal sizes: many small files and a few large ones.
    fn lognormal(&mut self, sigma: f64) -> f64 {
        let normal: f64 = (0..12).map(|_| self.unit()).sum::<f64>() - 6.0;
        (normal * sigma).exp()
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Js,
    Map,
    Css,
    Html,
    Json,
    Image,
    Font,
}

impl Kind {
    fn is_binary(self) -> bool {
        matches!(self, Kind::Image | Kind::Font)
    }
}

/// The benchmarks' tree, as issue 12 sets it: 275 MB in about 20,000
/// files, mostly small text files, about 10 % incompressible.
pub const TREE_BYTES: u64 = 275_000_000;

/// Share of the bytes that are incompressible (images, fonts).
pub const BINARY_SHARE: f64 = 0.10;

pub fn generate_tree(root: &Path, total: u64, seed: u64) -> Shape {
    let mut rng = Rng(seed);
    // File counts per kind for a TREE_BYTES tree; they scale with the total.
    let scale = total as f64 / TREE_BYTES as f64;
    let counts = [
        (Kind::Js, 5200),
        (Kind::Map, 1800),
        (Kind::Css, 1500),
        (Kind::Html, 5500),
        (Kind::Json, 3500),
        (Kind::Image, 2400),
        (Kind::Font, 100),
    ];
    let mut plan: Vec<(Kind, f64)> = Vec::new();
    for (kind, count) in counts {
        let n = ((count as f64 * scale).round() as usize).max(1);
        for _ in 0..n {
            let sigma = if matches!(kind, Kind::Map | Kind::Image) {
                1.3
            } else {
                1.0
            };
            plan.push((kind, rng.lognormal(sigma)));
        }
    }
    let binary_budget = total as f64 * BINARY_SHARE;
    let text_budget = total as f64 - binary_budget;
    let binary_weight: f64 = plan.iter().filter(|p| p.0.is_binary()).map(|p| p.1).sum();
    let text_weight: f64 = plan.iter().filter(|p| !p.0.is_binary()).map(|p| p.1).sum();

    let vocabulary = Vocabulary::new(&mut rng);
    let mut dirs = std::collections::BTreeSet::new();
    let mut shape = Shape {
        files: 0,
        dirs: 0,
        bytes: 0,
        binary_bytes: 0,
    };
    let mut content = Vec::new();
    for (index, (kind, weight)) in plan.into_iter().enumerate() {
        let size = if kind.is_binary() {
            weight / binary_weight * binary_budget
        } else {
            weight / text_weight * text_budget
        }
        .max(16.0) as usize;
        let rel = file_path(&mut rng, kind, index);
        content.clear();
        if kind.is_binary() {
            fill_binary(&mut rng, &mut content, size);
        } else {
            fill_text(&mut rng, &vocabulary, kind, &mut content, size);
        }
        let path = root.join(&rel);
        let parent = path.parent().expect("parent").to_path_buf();
        if dirs.insert(parent.clone()) {
            fs::create_dir_all(&parent).expect("create dirs");
        }
        fs::write(&path, &content).expect("write file");
        shape.files += 1;
        shape.bytes += content.len() as u64;
        if kind.is_binary() {
            shape.binary_bytes += content.len() as u64;
        }
    }
    let mut all_dirs = std::collections::BTreeSet::new();
    for dir in &dirs {
        for ancestor in dir.ancestors() {
            if ancestor == root || !ancestor.starts_with(root) {
                break;
            }
            all_dirs.insert(ancestor.to_path_buf());
        }
    }
    shape.dirs = all_dirs.len() as u64;
    shape
}

fn file_path(rng: &mut Rng, kind: Kind, index: usize) -> String {
    let hash = rng.next() as u32;
    match kind {
        Kind::Js => format!(
            "assets/js/{:02}/{:02}/chunk-{index}-{hash:08x}.js",
            rng.below(40),
            rng.below(8)
        ),
        Kind::Map => format!(
            "assets/js/{:02}/{:02}/chunk-{index}-{hash:08x}.js.map",
            rng.below(40),
            rng.below(8)
        ),
        Kind::Css => format!(
            "assets/css/{:02}/style-{index}-{hash:08x}.css",
            rng.below(30)
        ),
        Kind::Html => format!("pages/section-{:02}/page-{index}/index.html", rng.below(50)),
        Kind::Json => format!("data/{:02}/record-{index}.json", rng.below(60)),
        Kind::Image => {
            let ext = ["png", "jpg", "webp", "avif"][rng.below(4) as usize];
            format!(
                "img/{:02}/{:02}/image-{index}.{ext}",
                rng.below(20),
                rng.below(10)
            )
        }
        Kind::Font => format!("fonts/font-{index}-{hash:08x}.woff2"),
    }
}

fn fill_binary(rng: &mut Rng, out: &mut Vec<u8>, size: usize) {
    out.reserve(size);
    while out.len() < size {
        let word = rng.next().to_le_bytes();
        let take = (size - out.len()).min(8);
        out.extend_from_slice(&word[..take]);
    }
}

struct Vocabulary {
    words: Vec<Vec<u8>>,
}

impl Vocabulary {
    fn new(rng: &mut Rng) -> Self {
        let common: &[&str] = &[
            "function",
            "return",
            "const",
            "let",
            "var",
            "this",
            "null",
            "undefined",
            "true",
            "false",
            "import",
            "export",
            "default",
            "class",
            "extends",
            "new",
            "if",
            "else",
            "for",
            "while",
            "switch",
            "case",
            "break",
            "props",
            "state",
            "children",
            "div",
            "span",
            "className",
            "style",
            "onClick",
            "value",
            "length",
            "push",
            "map",
            "filter",
            "reduce",
            "Object",
            "Array",
            "Promise",
            "async",
            "await",
            "then",
            "document",
            "window",
            "element",
            "display",
            "flex",
            "margin",
            "padding",
            "color",
            "background",
            "border",
            "width",
            "height",
            "position",
            "absolute",
            "relative",
            "px",
            "rem",
            "none",
            "auto",
            "href",
            "src",
            "alt",
            "title",
            "content",
            "type",
            "name",
            "id",
            "data",
            "items",
            "label",
            "description",
            "price",
            "url",
        ];
        let mut words: Vec<Vec<u8>> = common.iter().map(|w| w.as_bytes().to_vec()).collect();
        // Project-specific identifiers: the long tail that makes text less
        // compressible than a dictionary of keywords.
        for _ in 0..3000 {
            let len = 3 + rng.below(12) as usize;
            let word = (0..len)
                .map(|i| {
                    let alphabet: &[u8] = if i == 0 {
                        b"abcdefghijklmnopqrstuvwxyz_$"
                    } else {
                        b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
                    };
                    alphabet[rng.below(alphabet.len() as u64) as usize]
                })
                .collect();
            words.push(word);
        }
        Vocabulary { words }
    }

    /// Zipf-like: low indices (keywords) are much more frequent.
    fn pick(&self, rng: &mut Rng) -> &[u8] {
        let u = rng.unit();
        let index = ((self.words.len() as f64).powf(u) - 1.0) as usize;
        &self.words[index.min(self.words.len() - 1)]
    }
}

fn fill_text(rng: &mut Rng, vocabulary: &Vocabulary, kind: Kind, out: &mut Vec<u8>, size: usize) {
    let (separators, repeat): (&[&[u8]], f64) = match kind {
        Kind::Js => (
            &[b"(", b")", b"{", b"}", b";", b",", b".", b"=", b"=>", b" "],
            0.35,
        ),
        Kind::Map => (&[b"\",\"", b";", b",", b"AAAA", b"CAAC"], 0.2),
        Kind::Css => (&[b"{", b"}", b":", b";", b" ", b"-", b"\n"], 0.55),
        Kind::Html => (&[b"<", b">", b"</", b"=\"", b"\" ", b"\n  ", b" "], 0.6),
        Kind::Json => (&[b"\":\"", b"\",\"", b"{\"", b"\"}", b",", b"[", b"]"], 0.5),
        Kind::Image | Kind::Font => unreachable!("binary kinds are not text"),
    };
    // Files differ in how repetitive they are.
    let repeat = (repeat + (rng.unit() - 0.5) * 0.3).clamp(0.05, 0.9);
    out.reserve(size);
    while out.len() < size {
        let roll = rng.unit();
        if roll < repeat && out.len() > 64 {
            let window = out.len().min(32 * 1024);
            let start = out.len() - window + rng.below(window as u64) as usize;
            let len = (8 + rng.below(56) as usize).min(out.len() - start);
            out.extend_from_within(start..start + len);
        } else if roll < repeat + 0.04 {
            // Hashes, ids and base64 blobs: incompressible islands in text.
            let len = 8 + rng.below(24) as usize;
            for _ in 0..len {
                out.push(
                    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/"
                        [rng.below(64) as usize],
                );
            }
        } else {
            out.extend_from_slice(vocabulary.pick(rng));
            out.extend_from_slice(separators[rng.below(separators.len() as u64) as usize]);
        }
    }
    out.truncate(size);
}
