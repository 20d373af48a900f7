//! The records view's zone files (`E`, `I`): the zone exported to a
//! master file, and a file imported as a plan shown in full before
//! anything changes — the same engine as `comwit-tui dns export|plan|
//! apply` (`comwit_client::zone`), reading and writing files off the UI
//! task.

use std::path::PathBuf;

use comwit_client::Client;
use comwit_client::models::Record;
use comwit_client::zone::plan::Plan;
use comwit_client::zone::{apply, export, plan, read};

use crate::widgets::modal::{Modal, complete_path};

/// Where to write the zone file.
pub fn export_prompt<I: Clone>(zone: &str, intent: I) -> Modal<I> {
    Modal::prompt(
        format!("Export {zone}"),
        vec![
            "The zone as an RFC 1035 master file (platform records as comments marked locked); \
             a .json name writes the JSON form."
                .into(),
        ],
        &format!("{zone}.zone"),
        intent,
    )
    .with_completion(complete_path)
}

/// Which file to import.
pub fn import_prompt<I: Clone>(zone: &str, intent: I) -> Modal<I> {
    Modal::prompt(
        format!("Import a zone file into {zone}"),
        vec![
            "A master file (another provider's export, or ours) or the JSON form. Nothing \
             changes before you have read the plan and said yes."
                .into(),
        ],
        "",
        intent,
    )
    .with_completion(complete_path)
}

/// Writes the zone file; says where and how many records.
pub async fn export(zone: String, records: Vec<Record>, typed: String) -> Result<String, String> {
    let path = comwit_client::places::expand_home(typed.trim());
    let text = if path.extension().is_some_and(|e| e == "json") {
        export::json(&zone, &records)
    } else {
        export::bind(&zone, &records)
    };
    let shown = path.display().to_string();
    crate::blocking::run(move || comwit_client::private_file::replace(&path, text.as_bytes()))
        .await?
        .map_err(|e| format!("{shown} was not written: {e}"))?;
    Ok(format!(
        "exported {} records of {zone} to {shown}",
        records.len()
    ))
}

/// Reads `typed` and plans it against `records`.
pub async fn plan_file(zone: String, records: Vec<Record>, typed: String) -> Result<Plan, String> {
    let path: PathBuf = comwit_client::places::expand_home(typed.trim());
    crate::blocking::run(move || {
        let wanted = read::file(&path).and_then(|text| read::any(&zone, &text));
        wanted
            .map(|w| plan::plan(&zone, &records, &w))
            .map_err(|e| e.to_string())
    })
    .await?
}

/// The plan in full: a question when it changes something, else a note.
pub fn plan_dialog<I: Clone>(plan: &Plan, intent: I) -> Modal<I> {
    let lines: Vec<String> = plan.render().lines().map(str::to_string).collect();
    if !plan.changes_anything() {
        return Modal::info(format!("{}: nothing to apply", plan.zone), lines);
    }
    let mut lines = lines;
    lines.push(
        "Deletes go first, then updates, then creates; the first refusal stops the rest.".into(),
    );
    lines.push("Apply these changes?".into());
    Modal::confirm(format!("Apply to {}", plan.zone), lines, intent)
}

/// Applies `plan` to `zone` in `project`; how many changes were made.
pub async fn apply(client: Client, project: String, plan: Plan) -> Result<usize, String> {
    let records = client.domains(&project).records(&plan.zone);
    apply::apply(&records, &plan, |_| {})
        .await
        .map_err(|e| e.to_string())
}
