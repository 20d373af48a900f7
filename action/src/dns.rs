//! `command: dns-plan` and `command: dns-apply`: DNS as code in a
//! workflow. A zone file in the repository is compared with a domain's
//! records (`comwit_client::zone` does the reading, planning and applying);
//! the plan goes to the log, the outputs (`dns-changes`, `dns-plan`,
//! `dns-plan-path`), the job summary and one pull-request comment per
//! domain, updated in place. `dns-apply` carries the plan out, in the
//! platform's safe order, and stops at the first refusal.

mod markdown;

use std::path::{Path, PathBuf};

use comwit_client::zone::plan::Plan;
use comwit_client::zone::{apply, plan, read};

use crate::failure::{Failure, exit};
use crate::github::{Event, Runner};
use crate::inputs::{Command, Inputs};
use crate::resolve;
use crate::session::Session;

/// A step output holds at most 1 MiB on GitHub; a larger plan is only in
/// the file named by `dns-plan-path`.
const MAX_OUTPUT_BYTES: usize = 1_000_000;
/// GitHub refuses comment bodies over 65,536 characters.
const MAX_COMMENT_CHARS: usize = 60_000;
/// The job summary holds 1 MiB per step.
const MAX_SUMMARY_CHARS: usize = 900_000;

/// What one run planned or did, rendered into every report.
#[derive(Debug)]
pub struct Report {
    pub zone: String,
    /// The zone file as the workflow named it.
    pub file: String,
    pub apply: bool,
    pub project: Option<String>,
    pub plan: Option<Plan>,
    /// The changes made, in order ("created www A").
    pub applied: Vec<String>,
    pub failure: Option<Failure>,
    /// The commit reported on.
    pub sha: Option<String>,
}

pub async fn run(inputs: &Inputs, event: &Event, runner: &Runner) -> u8 {
    let (zone, path) = match target(inputs) {
        Ok(t) => t,
        Err(message) => {
            runner.error("Invalid DNS input", &message);
            return exit::USAGE;
        }
    };
    let mut report = Report {
        zone,
        file: inputs
            .zone_file
            .as_deref()
            .unwrap_or(Path::new(""))
            .display()
            .to_string(),
        apply: inputs.command == Command::DnsApply,
        project: None,
        plan: None,
        applied: Vec::new(),
        failure: None,
        sha: event.sha.clone(),
    };
    if let Err(f) = steps(inputs, runner, &path, &mut report).await {
        report.failure = Some(f);
    }
    finish(&Session::new(runner, inputs, event), &report).await
}

/// The domain (checked as a hostname) and the zone file's path.
fn target(inputs: &Inputs) -> Result<(String, PathBuf), String> {
    if inputs.dry_run {
        return Err(
            "dry-run packs a build without deploying it — for a DNS change that is not made, use command dns-plan".into(),
        );
    }
    let domain = inputs.domain.as_deref().ok_or(
        "dns-plan and dns-apply need the domain input: the project domain the zone file is for",
    )?;
    let zone = comwit_client::rules::hostname(domain).map_err(|e| {
        format!("domain {domain:?}: {e} — give the domain's name, e.g. example.com")
    })?;
    let file = inputs.zone_file.as_deref().ok_or(
        "dns-plan and dns-apply need the zone-file input: a BIND master file (or the JSON form) \
         in the repository, e.g. zones/example.com.zone",
    )?;
    Ok((zone, inputs.working_directory.join(file)))
}

async fn steps(
    inputs: &Inputs,
    runner: &Runner,
    path: &Path,
    report: &mut Report,
) -> Result<(), Failure> {
    runner.group("zone file");
    let refused = |e: read::ReadError| {
        Failure::new(
            "Zone file refused",
            format!("{}: {e} — fix the file and run again", report.file),
        )
    };
    let wanted = read::any(&report.zone, &read::file(path).map_err(refused)?).map_err(refused)?;
    runner.info(&format!(
        "{}: {} record set(s) for {}",
        report.file,
        wanted.sets.len(),
        report.zone
    ));

    runner.group("resolve");
    let (client, _token) = resolve::client(inputs)?;
    runner.info(&format!("API {}", client.base_url()));
    let project = resolve::project(&client, inputs).await?;
    report.project = Some(project.clone());
    let domains = client.domains(&project);
    check_domain(&domains, &project, report, runner).await?;

    runner.group("plan");
    let records = domains.records(&report.zone);
    let current = records
        .list()
        .await
        .map_err(|e| Failure::api("reading the zone's records", &e))?;
    let planned = plan::plan(&report.zone, &current, &wanted);
    for line in planned.render().lines() {
        runner.info(line);
    }
    let planned = report.plan.insert(planned);
    if !report.apply || !planned.changes_anything() {
        return Ok(());
    }

    runner.group("apply");
    let applied = &mut report.applied;
    let done = apply::apply(&records, planned, |what| {
        runner.info(&format!("✓ {what}"));
        applied.push(what.to_string());
    })
    .await
    .map_err(|e| {
        Failure::new(
            "DNS change refused",
            format!(
                "{e} — fix that record in the zone file and run again: the changes already made are \
                 kept, and the next plan starts from them"
            ),
        )
    })?;
    runner.info(&format!("applied {done} change(s) to {}", report.zone));
    Ok(())
}

/// The domain is one of the project's, and `managed` when records are to
/// be written.
async fn check_domain(
    domains: &comwit_client::api::domains::Domains<'_>,
    project: &str,
    report: &Report,
    runner: &Runner,
) -> Result<(), Failure> {
    let listed = domains
        .list()
        .await
        .map_err(|e| Failure::api("listing the project's domains", &e))?;
    let Some(domain) = listed
        .iter()
        .find(|d| d.domain.eq_ignore_ascii_case(&report.zone))
    else {
        return Err(Failure::new(
            "Domain not in the project",
            format!(
                "{} is not a domain of project {project} — onboard it first (comwit-tui's Domains view, \
                 or POST /v1/projects/{project}/domains), or pass the project it belongs to",
                report.zone
            ),
        ));
    };
    let status = domain.status.as_str();
    runner.info(&format!(
        "project {project}, domain {} ({status})",
        domain.domain
    ));
    if report.apply && !domain.is_managed() {
        return Err(Failure::new(
            "Domain not managed yet",
            format!(
                "{} is {status}: records can only be written once its delegation is complete — set the \
                 nameservers {} at the registrar, run the delegation check, then run this again",
                report.zone,
                domain.nameservers.join(", ")
            ),
        ));
    }
    Ok(())
}

/// The report phase: outputs, the job summary and the pull request
/// comment, for success and failure alike. Returns the exit code.
async fn finish(session: &Session<'_>, report: &Report) -> u8 {
    let runner = session.runner;
    if let Some(f) = &report.failure {
        runner.error(&f.title, &f.message);
    }
    runner.group("report");
    let mut ok = report.failure.is_none();
    if let Err(f) = outputs(runner, report) {
        runner.error(&f.title, &f.message);
        ok = false;
    }
    if session.inputs.summary
        && let Err(e) = runner.append_summary(&markdown::render(report, MAX_SUMMARY_CHARS))
    {
        let f = Failure::from(e);
        runner.error(&f.title, &f.message);
        ok = false;
    }
    let marker = format!(
        "<!-- comwit-dns:{}/{} -->",
        session.inputs.project.as_deref().unwrap_or(""),
        report.zone
    );
    let body = format!(
        "{marker}\n{}\n<sub>Updated by comwit-deploy on every run of this pull request.</sub>\n",
        markdown::render(report, MAX_COMMENT_CHARS)
    );
    session.pr_comment(&marker, &body).await;
    runner.end_group();
    match (&report.failure, ok) {
        (Some(f), _) => f.exit_code,
        (None, true) => 0,
        (None, false) => exit::FAILED,
    }
}

/// `dns-changes` (planned, or applied with dns-apply), `dns-plan` (the
/// plan as JSON, when it fits an output) and `dns-plan-path` (the same
/// JSON in a file, whatever its size).
fn outputs(runner: &Runner, report: &Report) -> Result<(), Failure> {
    let Some(plan) = &report.plan else {
        return Ok(());
    };
    let changes = if report.apply {
        report.applied.len()
    } else {
        plan.changes
            .iter()
            .filter(|c| c.changes_something())
            .count()
    };
    runner.set_output("dns-changes", &changes.to_string())?;
    let json = serde_json::to_string(plan).expect("a plan serialises");
    let dir = std::env::var_os("RUNNER_TEMP")
        .filter(|d| !d.is_empty())
        .map_or_else(std::env::temp_dir, PathBuf::from);
    let file = dir.join(format!("comwit-dns-plan-{}.json", report.zone));
    std::fs::write(&file, &json).map_err(|e| {
        Failure::new(
            "Cannot write the plan",
            format!("{}: {e} — check the runner's disk space", file.display()),
        )
    })?;
    runner.set_output("dns-plan-path", &file.display().to_string())?;
    if json.len() <= MAX_OUTPUT_BYTES {
        runner.set_output("dns-plan", &json)?;
    } else {
        runner.warning(
            "Plan too large for an output",
            &format!(
                "the plan is {} bytes, over the 1 MB a step output holds: read it from the file in dns-plan-path",
                json.len()
            ),
        );
    }
    Ok(())
}
