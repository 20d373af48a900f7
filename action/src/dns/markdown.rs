//! A DNS run as markdown, for the job summary and the pull request
//! comment: a heading, a table, the counts, and the changes in a fenced
//! `diff` block. Everything that comes from the zone file (names, values,
//! the reader's notices and refusals) is inside a fence, where nothing it
//! holds — HTML, mentions, another comment's marker — is interpreted.

use std::fmt::Write as _;

use comwit_client::zone::plan::Change;

use super::Report;

/// The report in at most about `limit` bytes: the list of changes is cut
/// (and says how many it left out) rather than the whole report refused.
pub fn render(report: &Report, limit: usize) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "{}\n", heading(report));
    if let Some(f) = &report.failure {
        let _ = writeln!(md, "**{}**\n\n{}", f.title, fenced("text", &f.message));
    }
    let _ = writeln!(md, "| | |\n|---|---|");
    if let Some(p) = &report.project {
        let _ = writeln!(md, "| Project | {} |", code(p));
    }
    let _ = writeln!(md, "| Zone file | {} |", code(&report.file));
    if let Some(sha) = &report.sha {
        let _ = writeln!(md, "| Commit | {} |", code(&sha[..sha.len().min(12)]));
    }
    md.push('\n');
    let Some(plan) = &report.plan else {
        return md;
    };
    let _ = writeln!(md, "**{}**\n", plan.summary());
    if !plan.notices.is_empty() {
        let _ = writeln!(md, "{}", fenced("text", &plan.notices.join("\n")));
    }
    if report.apply && !report.applied.is_empty() {
        let _ = writeln!(
            md,
            "Applied, in this order:\n\n{}",
            fenced("text", &report.applied.join("\n"))
        );
    }
    let shown: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| !matches!(c, Change::Unchanged { .. }))
        .collect();
    if !shown.is_empty() {
        let budget = limit.saturating_sub(md.len() + 400);
        let _ = writeln!(md, "{}", changes(plan, &shown, budget));
    }
    md.push_str(footer(report));
    md
}

fn heading(report: &Report) -> String {
    let zone = &report.zone;
    match (report.apply, report.failure.is_some()) {
        (false, false) => format!("### DNS plan for `{zone}`"),
        (false, true) => format!("### DNS plan for `{zone}` failed"),
        (true, false) => format!("### DNS applied to `{zone}`"),
        (true, true) => format!("### DNS apply to `{zone}` failed"),
    }
}

/// The changes as a `diff` block of at most `budget` bytes.
fn changes(plan: &comwit_client::zone::plan::Plan, shown: &[&Change], budget: usize) -> String {
    let mut body = String::new();
    let mut left_out = 0;
    for change in shown {
        let line = plan.line(change);
        if left_out > 0 || body.len() + line.len() + 1 > budget {
            left_out += 1;
            continue;
        }
        body.push_str(&line);
        body.push('\n');
    }
    let mut out = fenced("diff", body.trim_end());
    if left_out > 0 {
        let _ = write!(
            out,
            "\n{left_out} more change(s) not shown here: the job log and the `dns-plan` output hold the whole plan.\n"
        );
    }
    out
}

fn footer(report: &Report) -> &'static str {
    let changes = report.plan.as_ref().is_some_and(|p| p.changes_anything());
    match (report.apply, changes, report.failure.is_some()) {
        (_, _, true) => "",
        (false, true, _) => "Nothing changes until `command: dns-apply` runs with this file.\n",
        (_, false, _) => "The zone already matches the file.\n",
        (true, true, _) => "",
    }
}

/// `text` as a fenced block whose fence no backtick run inside can close.
fn fenced(info: &str, text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}{info}\n{text}\n{fence}\n")
}

/// A short value (an id, a path) as inline code, on one line.
fn code(s: &str) -> String {
    format!("`{}`", s.replace(['`', '\n', '\r', '|'], "'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fence_outlasts_any_backtick_run_inside() {
        let block = fenced("diff", "+ create x TXT ```` <!-- comwit-dns:p/x -->");
        assert!(block.starts_with("`````diff\n"), "{block}");
        assert!(block.ends_with("\n`````\n"), "{block}");
        assert_eq!(fenced("text", "plain"), "```text\nplain\n```\n");
    }

    #[test]
    fn inline_code_stays_on_one_cell() {
        assert_eq!(code("a`b|c\nd"), "`a'b'c'd`");
    }
}
