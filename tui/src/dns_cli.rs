//! `comwit-tui dns export|plan`: a zone's records as a file, and what a
//! file would change, without the dashboard (`comwit_client::zone` does
//! the work; this finds the domain and prints).

use std::path::Path;

use anyhow::{Context, bail};
use comwit_client::Client;
use comwit_client::zone::{export, plan, read};

use crate::cli::ZoneFormat;

/// The project holding `domain`, searched in `project` or every project.
async fn find(client: &Client, project: Option<&str>, domain: &str) -> anyhow::Result<String> {
    let wanted = domain.trim_end_matches('.').to_ascii_lowercase();
    let mut found = Vec::new();
    for p in client.projects().list().await? {
        if project.is_some_and(|want| want != p.project_id && want != p.name) {
            continue;
        }
        let domains = client.domains(&p.project_id).list().await?;
        if domains
            .iter()
            .any(|d| d.domain.eq_ignore_ascii_case(&wanted))
        {
            found.push(p.project_id);
        }
    }
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("no domain {wanted} in your projects"),
        many => bail!(
            "{wanted} is in several projects ({}): pass --project",
            many.join(", ")
        ),
    }
}

/// Prints (or writes) the zone file of `domain`.
pub async fn export(
    client: &Client,
    project: Option<&str>,
    domain: &str,
    format: ZoneFormat,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    let zone = domain.trim_end_matches('.').to_ascii_lowercase();
    let project = find(client, project, &zone).await?;
    let records = client.domains(&project).records(&zone).list().await?;
    let text = match format {
        ZoneFormat::Bind => export::bind(&zone, &records),
        ZoneFormat::Json => export::json(&zone, &records),
    };
    match out {
        Some(path) => {
            comwit_client::private_file::replace(path, text.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "exported {} records of {zone} to {}",
                records.len(),
                path.display()
            );
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// How `apply` runs: asked first or not, and where `--verify` asks.
pub struct ApplyOptions {
    pub yes: bool,
    /// The authoritative server to verify against (`None`: no verify);
    /// `Some(None)`: the domain's first nameserver.
    pub verify: Option<Option<std::net::SocketAddr>>,
    pub timeout: std::time::Duration,
}

/// Applies `file` to `domain` (see [`ApplyOptions`]).
pub async fn apply(
    client: &Client,
    project: Option<&str>,
    domain: &str,
    file: &Path,
    options: ApplyOptions,
) -> anyhow::Result<()> {
    let zone = domain.trim_end_matches('.').to_ascii_lowercase();
    let wanted =
        read::any(&zone, &read::file(file)?).with_context(|| format!("{}", file.display()))?;
    let project = find(client, project, &zone).await?;
    let domains = client.domains(&project);
    let records = domains.records(&zone);
    let planned = plan::plan(&zone, &records.list().await?, &wanted);
    print!("{}", planned.render());
    if !planned.changes_anything() {
        eprintln!("nothing to apply");
    } else {
        if !options.yes && !confirmed(&zone)? {
            bail!("not applied");
        }
        let done =
            comwit_client::zone::apply::apply(&records, &planned, |what| eprintln!("✓ {what}"))
                .await?;
        eprintln!("applied {done} change(s) to {zone}");
    }
    let Some(server) = options.verify else {
        return Ok(());
    };
    let server = match server {
        Some(addr) => addr,
        None => {
            let listed = domains.list().await?;
            let this = listed.iter().find(|d| d.domain.eq_ignore_ascii_case(&zone));
            nameserver(this.map(|d| d.nameservers.as_slice()).unwrap_or_default()).await?
        }
    };
    eprintln!("verifying against {server}…");
    match comwit_client::zone::verify::verify(server, &planned, options.timeout).await {
        Ok(()) => {
            eprintln!("verified: every record answers as planned");
            Ok(())
        }
        Err(wrong) => bail!(
            "not answered as planned within {:?}:\n  {}",
            options.timeout,
            wrong.join("\n  ")
        ),
    }
}

/// "Apply these changes?" on a terminal; elsewhere `--yes` is needed.
fn confirmed(zone: &str) -> anyhow::Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        bail!("stdin is not a terminal: pass --yes to apply without a question");
    }
    eprint!("Apply these changes to {zone}? [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// The first of the zone's nameservers, on port 53.
async fn nameserver(names: &[String]) -> anyhow::Result<std::net::SocketAddr> {
    let first = names
        .first()
        .context("the domain lists no nameservers to verify against")?;
    let found = tokio::net::lookup_host((first.trim_end_matches('.'), 53))
        .await
        .with_context(|| format!("looking up {first}"))?
        .next();
    found.with_context(|| format!("{first} has no address"))
}

/// Prints what `file` would change; true when it would change something.
pub async fn plan(
    client: &Client,
    project: Option<&str>,
    domain: &str,
    file: &Path,
    json: bool,
) -> anyhow::Result<bool> {
    let zone = domain.trim_end_matches('.').to_ascii_lowercase();
    let text = read::file(file)?;
    let wanted = read::any(&zone, &text).with_context(|| format!("{}", file.display()))?;
    let project = find(client, project, &zone).await?;
    let records = client.domains(&project).records(&zone).list().await?;
    let planned = plan::plan(&zone, &records, &wanted);
    if json {
        println!("{}", serde_json::to_string_pretty(&planned)?);
    } else {
        print!("{}", planned.render());
    }
    Ok(planned.changes_anything())
}
