//! The README's examples, as the tests that run them read them.
//!
//! Every line of a ```sh block is an example command (a trailing `\` joins
//! the next line); `cargo run [--release] -p <package> -- ` is how the
//! README runs a binary from a checkout, so it is read as that binary.

use std::path::{Path, PathBuf};

/// One command from the README.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// Where it is, for failure messages.
    pub line: usize,
    /// As written.
    pub text: String,
    /// With `cargo run … -p pkg --` replaced by the binary's name.
    pub command: String,
}

impl Example {
    /// The program the command runs.
    pub fn program(&self) -> &str {
        self.command.split_whitespace().next().unwrap_or("")
    }
}

/// The repository's README.md.
pub fn path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .join("README.md")
}

/// The README's text.
pub fn text() -> String {
    std::fs::read_to_string(path()).expect("README.md is readable")
}

/// Every shell example in the README.
pub fn examples() -> Vec<Example> {
    parse(&text())
}

/// A fenced code block: the line its first content line is on, its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub line: usize,
    pub text: String,
}

/// The fenced blocks of `markdown` whose info string is one of `langs`.
pub fn blocks(markdown: &str, langs: &[&str]) -> Vec<Block> {
    let mut out = Vec::new();
    // Inside a fence: whether its block is wanted, and the block so far.
    let mut inside: Option<(bool, Block)> = None;
    for (i, raw) in markdown.lines().enumerate() {
        let fence = raw.trim().strip_prefix("```");
        inside = match (fence, inside) {
            (Some(_), Some((wanted, block))) => {
                if wanted {
                    out.push(block);
                }
                None
            }
            (Some(info), None) => {
                let block = Block {
                    line: i + 2,
                    text: String::new(),
                };
                Some((langs.contains(&info.trim()), block))
            }
            (None, Some((wanted, mut block))) => {
                block.text.push_str(raw);
                block.text.push('\n');
                Some((wanted, block))
            }
            (None, None) => None,
        };
    }
    out
}

/// The shell examples in a Markdown text.
pub fn parse(markdown: &str) -> Vec<Example> {
    let mut out = Vec::new();
    for block in blocks(markdown, &["sh", "bash", "shell"]) {
        let mut pending: Option<(usize, String)> = None;
        for (i, raw) in block.text.lines().enumerate() {
            let trimmed = raw.trim();
            if pending.is_none() && (trimmed.is_empty() || trimmed.starts_with('#')) {
                continue;
            }
            let (line, mut text) = pending.take().unwrap_or((block.line + i, String::new()));
            match trimmed.strip_suffix('\\') {
                Some(start) => {
                    text.push_str(start.trim_end());
                    text.push(' ');
                    pending = Some((line, text));
                }
                None => {
                    text.push_str(trimmed);
                    let command = binary_form(&text);
                    out.push(Example {
                        line,
                        text,
                        command,
                    });
                }
            }
        }
    }
    out
}

/// `cargo run [--release] -p pkg -- args` → `<binary> args`; others as is.
fn binary_form(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.first() != Some(&"cargo") || words.get(1) != Some(&"run") {
        return text.to_string();
    }
    let Some(p) = words.iter().position(|w| *w == "-p") else {
        return text.to_string();
    };
    let Some(package) = words.get(p + 1) else {
        return text.to_string();
    };
    let binary = match *package {
        "comwit-deploy-action" => "comwit-deploy",
        other => other,
    };
    let rest = match words.iter().position(|w| *w == "--") {
        Some(dash) => &text[nth_word_end(text, dash)..],
        None => "",
    };
    format!("{binary}{rest}")
}

/// The byte offset just past the `n`th whitespace-separated word.
fn nth_word_end(text: &str, n: usize) -> usize {
    let mut seen = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if in_word {
                if seen == n {
                    return i;
                }
                seen += 1;
            }
            in_word = false;
        } else {
            in_word = true;
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_continuations_and_cargo_run_are_read_as_commands() {
        let md = "x\n```sh\ncargo run --release -p comwit-tui -- --sandbox\n# a comment\n\
                  curl -X POST \"$API\" \\\n  -H 'a: b'\n```\n```yaml\nkey: v\n```\n\
                  ```sh\ncargo run -p comwit-deploy-action -- --dry-run\n```\n";
        let ex = parse(md);
        assert_eq!(ex.len(), 3, "{ex:?}");
        assert_eq!(ex[0].command, "comwit-tui --sandbox");
        assert_eq!(ex[0].line, 3);
        assert_eq!(ex[1].command, "curl -X POST \"$API\" -H 'a: b'");
        assert_eq!(ex[1].program(), "curl");
        assert_eq!(ex[2].command, "comwit-deploy --dry-run");
        let yaml = blocks(md, &["yaml"]);
        assert_eq!(
            yaml,
            [Block {
                line: 9,
                text: "key: v\n".into()
            }]
        );
    }

    /// Which test runs each kind of example; a new kind needs a runner.
    #[test]
    fn every_readme_example_is_run_by_a_test_or_says_why_not() {
        for ex in examples() {
            let words: Vec<&str> = ex.command.split_whitespace().collect();
            let covered = match words.as_slice() {
                // tui/tests/readme.rs
                ["comwit-tui", ..] => true,
                // action/tests/readme.rs
                ["comwit-deploy", ..] => true,
                // sandbox/tests/readme.rs
                ["comwit-sandbox", ..] | ["tar", ..] | ["curl", ..] => true,
                // Not run by a test: the suite itself, benchmarks (figures,
                // not assertions), and installs from GitHub (no network here;
                // the same packages build in every test run).
                ["bash", "scripts/test", ..] => true,
                ["cargo", "bench", ..] => true,
                ["cargo", "install", "--locked", "--git", ..] => true,
                _ => false,
            };
            assert!(
                covered,
                "README line {}: no test runs {:?}",
                ex.line, ex.text
            );
        }
    }

    #[test]
    fn the_readme_has_examples_for_every_binary() {
        let ex = examples();
        for program in ["comwit-tui", "comwit-deploy", "comwit-sandbox", "curl"] {
            assert!(
                ex.iter().any(|e| e.program() == program),
                "no {program} example in {ex:#?}"
            );
        }
    }
}
