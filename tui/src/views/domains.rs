//! A project's domains: status and the nameservers to set at the
//! registrar; add one (`n`), delete one (`x`), check its delegation now
//! (`c`).

use std::collections::HashMap;

use comwit_client::models::{DelegationCheck, Domain, DomainDeletion, DomainStatus};
use comwit_client::{Client, Error};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Wrap};

use super::dns_shared::status_badge;
use super::resource::{Column, Detail, KeyAction, List, Resource};
use crate::context::Ctx;
use crate::keymap::Binding;
use crate::notice::Level;
use crate::theme::Theme;
use crate::tree::NodeKey;
use crate::widgets::modal::{Modal, Outcome};

#[derive(Debug, Clone)]
pub enum Intent {
    Add,
    Delete(String),
}

pub enum Msg {
    Added(String, Result<Domain, Error>),
    Deleted(String, Result<DomainDeletion, Error>),
    Checked(String, Result<DelegationCheck, Error>),
}

pub struct Domains {
    project: String,
    /// The listing answered 501: domain management is off here.
    disabled: bool,
    /// What `y` copies in the info dialog: the nameservers alone, without
    /// the instructions around them.
    info_copy: Option<String>,
    /// Checks run from this view, by domain.
    checks: HashMap<String, DelegationCheck>,
    /// Domains with a check in flight.
    checking: Vec<String>,
}

impl Domains {
    pub fn new(project: String) -> Self {
        Self {
            project,
            disabled: false,
            info_copy: None,
            checks: HashMap::new(),
            checking: Vec::new(),
        }
    }

    fn add_prompt() -> Modal<Intent> {
        Modal::prompt(
            "Add a domain",
            vec![
                "The platform creates a hosted zone for the domain and gives you its \
                 nameservers to set at your registrar."
                    .into(),
                "Type the domain (e.g. example.com):".into(),
            ],
            "",
            Intent::Add,
        )
    }

    fn delete_confirm(name: String) -> Modal<Intent> {
        Modal::type_to_confirm(
            format!("Delete {name}"),
            vec![
                "⚠ Restore your original nameservers at the registrar first: once the zone \
                 is gone the registry still points at its nameservers, which stop answering, \
                 and the domain stops resolving."
                    .into(),
                format!(
                    "Deleting removes every record in the zone (platform-owned ones too, so app \
                     hostnames under {name} stop working), the zone, and the domain. Adding it \
                     again later creates a new zone with new nameservers."
                ),
            ],
            name.clone(),
            Intent::Delete(name),
        )
    }

    fn add(&mut self, list: &mut List<Self>, typed: String, cx: &mut Ctx<'_>) {
        let name = match super::checks::hostname(&typed) {
            Ok(n) => n,
            // The prompt stays open so the name can be fixed.
            Err(why) => return list.refuse(why),
        };
        list.wait();
        let (client, project) = (cx.client().clone(), self.project.clone());
        list.spawn(cx, async move {
            let result = client.domains(&project).create(&name).await;
            Msg::Added(name, result)
        });
    }

    fn delete(&self, list: &List<Self>, name: String, cx: &mut Ctx<'_>) {
        let (client, project) = (cx.client().clone(), self.project.clone());
        list.spawn(cx, async move {
            let result = client.domains(&project).delete(&name).await;
            Msg::Deleted(name, result)
        });
    }

    fn check(&mut self, list: &List<Self>, cx: &mut Ctx<'_>) {
        let Some(name) = list.selected().map(|d| d.domain.clone()) else {
            return;
        };
        if self.checking.contains(&name) {
            return;
        }
        self.checking.push(name.clone());
        let (client, project) = (cx.client().clone(), self.project.clone());
        list.spawn(cx, async move {
            let result = client.domains(&project).check_delegation(&name).await;
            Msg::Checked(name, result)
        });
    }

    fn added(&mut self, list: &mut List<Self>, domain: Domain, cx: &mut Ctx<'_>) {
        cx.toast(Level::Success, format!("added {}", domain.domain));
        let mut lines = vec![
            format!(
                "{} has a hosted zone ({}). At the registrar where the domain is registered, \
                 replace its nameservers with these:",
                domain.domain, domain.status
            ),
            String::new(),
        ];
        lines.extend(domain.nameservers.iter().map(|n| format!("  {n}")));
        lines.push(String::new());
        lines.push(
            "Then press c on the domain to check the delegation (registries take minutes to \
             hours). Records can be added once it is managed."
                .into(),
        );
        self.info_copy = Some(domain.nameservers.join("\n"));
        list.open(Modal::info(
            format!("Nameservers for {}", domain.domain),
            lines,
        ));
        cx.reload(NodeKey::Domains(self.project.clone()));
        list.reload();
    }

    fn checked(
        &mut self,
        list: &mut List<Self>,
        name: String,
        check: DelegationCheck,
        cx: &mut Ctx<'_>,
    ) {
        let before = list
            .items()
            .iter()
            .find(|d| d.domain == name)
            .map(|d| d.status.clone());
        let verdict = verdict(&check);
        if check.status == DomainStatus::Managed {
            cx.toast(
                Level::Success,
                format!("{name}: {verdict}, the domain is managed"),
            );
        } else {
            cx.toast(
                Level::Warning,
                format!(
                    "{name}: {verdict}; still {}: set the nameservers shown at the registrar",
                    check.status
                ),
            );
        }
        if before.as_ref() != Some(&check.status) {
            cx.reload(NodeKey::Domains(self.project.clone()));
            list.reload();
        }
        self.checks.insert(name, check);
    }

    /// The last line of the detail pane: what the last check found.
    fn check_line(&self, d: &Domain) -> String {
        if self.checking.contains(&d.domain) {
            return "⟳ checking the delegation…".to_string();
        }
        let Some(c) = self.checks.get(&d.domain) else {
            return "Not checked from here yet: c checks the delegation now.".to_string();
        };
        let observed = if c.observed_nameservers.is_empty() {
            "nothing".to_string()
        } else {
            format!("{} nameservers", c.observed_nameservers.len())
        };
        format!(
            "Last check: {} (the parent zone publishes {observed})",
            verdict(c)
        )
    }
}

/// The check's verdict in words.
fn verdict(check: &DelegationCheck) -> String {
    check.verdict.clone().unwrap_or_else(|| {
        if check.matched {
            "delegated"
        } else {
            "not delegated"
        }
        .into()
    })
}

impl Resource for Domains {
    type Item = Domain;
    type Intent = Intent;
    type Msg = Msg;

    const LOADING: &'static str = "Loading domains";
    const COLUMNS: &'static [Column] = &[
        ("DOMAIN", Constraint::Fill(3)),
        ("STATUS", Constraint::Length(21)),
        ("NS", Constraint::Length(3)),
    ];
    const DETAIL: u16 = 8;
    const ACTIONS: &'static [KeyAction<Self>] = &[
        KeyAction {
            keys: &[Binding::plain('n')],
            what: "add a domain",
            write: true,
            hint: |_, _| Some("add domain"),
            run: |_, list, _| list.open(Domains::add_prompt()),
        },
        KeyAction {
            keys: &[Binding::plain('x')],
            what: "delete the domain",
            write: true,
            hint: |_, list| list.selected().map(|_| "delete"),
            run: |_, list, _| {
                if let Some(name) = list.selected().map(|d| d.domain.clone()) {
                    list.open(Domains::delete_confirm(name));
                }
            },
        },
        // The check can change the domain's state, so it counts as a write.
        KeyAction {
            keys: &[Binding::plain('c')],
            what: "check its delegation now",
            write: true,
            hint: |_, list| list.selected().map(|_| "check delegation"),
            run: |domains, list, cx| domains.check(list, cx),
        },
    ];

    fn title(&self) -> String {
        "domains".into()
    }

    fn empty(&self) -> &'static str {
        if self.disabled {
            "Project domain management is switched off on this deployment (501); \
             an operator can enable it."
        } else {
            "No domains yet: press n to add one."
        }
    }

    /// The domain's own view: its records, as the tree shows it.
    fn detail(&self, d: &Domain) -> Detail {
        let project = self.project.clone();
        Detail::Goto(vec![
            NodeKey::Project(project.clone()),
            NodeKey::Domains(project.clone()),
            NodeKey::Domain {
                project,
                domain: d.domain.clone(),
            },
        ])
    }

    fn facts(&self, list: &List<Self>, theme: &Theme) -> Vec<Line<'static>> {
        if !list.is_loaded() {
            return Vec::new();
        }
        let domains = list.items();
        let managed = domains.iter().filter(|d| d.is_managed()).count();
        vec![Line::styled(
            format!(
                "{} domains: {managed} managed, {} waiting for delegation",
                domains.len(),
                domains.len() - managed
            ),
            theme.dim,
        )]
    }

    fn cells(&self, d: &Domain, _theme: &Theme) -> Vec<Cell<'static>> {
        vec![
            Cell::from(d.domain.clone()),
            Cell::from(status_badge(&d.status)),
            Cell::from(d.nameservers.len().to_string()),
        ]
    }

    fn filter_text(&self, d: &Domain) -> String {
        format!("{} {}", d.domain, d.status)
    }

    type Loaded = Vec<Domain>;

    fn load(
        &self,
        client: Client,
    ) -> impl Future<Output = Result<Vec<Domain>, Error>> + Send + 'static {
        let project = self.project.clone();
        async move { client.domains(&project).list().await }
    }

    fn accept(&mut self, domains: Vec<Domain>) -> Vec<Domain> {
        self.disabled = false;
        domains
    }

    fn load_failed(&mut self, error: &Error) -> bool {
        self.disabled = error.is_disabled();
        !self.disabled
    }

    fn dialog(&mut self, list: &mut List<Self>, outcome: Outcome<Intent>, cx: &mut Ctx<'_>) {
        match outcome {
            Outcome::Copy(text) => {
                let text = self.info_copy.clone().unwrap_or(text);
                cx.copy("the nameservers", text);
            }
            Outcome::Confirmed(Intent::Add, typed) => self.add(list, typed, cx),
            Outcome::Confirmed(Intent::Delete(name), _) => {
                list.wait();
                self.delete(list, name, cx);
            }
            _ => {}
        }
    }

    fn update(&mut self, list: &mut List<Self>, msg: Msg, cx: &mut Ctx<'_>) {
        match msg {
            Msg::Added(_, Ok(domain)) => {
                list.accepted();
                self.added(list, domain, cx)
            }
            Msg::Added(name, Err(e)) => {
                if !list.refused(&e) {
                    cx.fail(&format!("Adding {name}"), &e);
                }
            }
            Msg::Deleted(name, Ok(gone)) => {
                list.accepted();
                let records = gone
                    .records_deleted
                    .map(|n| format!(" and {n} records"))
                    .unwrap_or_default();
                cx.toast(Level::Success, format!("deleted {name}{records}"));
                self.checks.remove(&name);
                cx.reload(NodeKey::Domains(self.project.clone()));
                list.reload();
            }
            Msg::Deleted(name, Err(e)) => {
                if !list.refused(&e) {
                    cx.fail(&format!("Deleting {name}"), &e);
                }
            }
            Msg::Checked(name, result) => {
                self.checking.retain(|d| d != &name);
                match result {
                    Ok(check) => self.checked(list, name, check, cx),
                    Err(e) => cx.fail(&format!("Checking the delegation of {name}"), &e),
                }
            }
        }
    }

    fn copy(&self, d: &Domain) -> Option<(String, String)> {
        Some((
            format!("the nameservers of {}", d.domain),
            d.nameservers.join("\n"),
        ))
    }

    fn draw_detail(&self, d: &Domain, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let mut lines = vec![Line::styled(
            format!("{}: set these nameservers at the registrar", d.domain),
            theme.accent,
        )];
        if d.nameservers.is_empty() {
            lines.push(Line::raw("  (none reported)"));
        }
        lines.extend(d.nameservers.iter().map(|n| Line::raw(format!("  {n}"))));
        lines.push(Line::styled(self.check_line(d), theme.dim));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Effect;
    use crate::views::dns_shared::test_session;
    use crate::views::resource::{Event, ResourceView};
    use crate::views::{AnyView, View};
    use comwit_client::Problem;

    fn disabled() -> Error {
        Error::Api {
            route: "POST /v1/projects/p/domains".into(),
            status: 501,
            problem: Box::new(Problem {
                detail: Some("project domain management is disabled on this deployment".into()),
                ..Problem::default()
            }),
            hint: None,
        }
    }

    #[test]
    fn a_501_is_explained_when_adding_and_listing() {
        let session = test_session();
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let mut cx = Ctx::new(&session, NodeKey::Domains("p".into()), &tx);
        let mut view = ResourceView::new(Domains::new("p".into()));
        view.on_msg(
            Box::new(Event::<Domains>::own(Msg::Added(
                "launch.example".into(),
                Err(disabled()),
            ))),
            &mut cx,
        );
        let notice = cx
            .effects
            .iter()
            .find_map(|e| match e {
                Effect::Notice(n) => Some(n.clone()),
                _ => None,
            })
            .expect("an error dialog");
        assert_eq!(notice.title, "Capability disabled");
        assert_eq!(notice.lines[0], "Adding launch.example failed.");
        assert!(
            notice
                .lines
                .iter()
                .any(|l| l.contains("an operator can enable it"))
        );

        view.on_msg(Box::new(Event::<Domains>::Loaded(Err(disabled()))), &mut cx);
        assert!(
            !cx.effects
                .iter()
                .any(|e| matches!(e, Effect::Notice(n) if n.lines[0].contains("Loading"))),
            "a switched-off feature is explained in place, not in a dialog"
        );
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 20)).unwrap();
        terminal
            .draw(|f| view.draw(f, f.area(), &crate::theme::Theme::monochrome(), true))
            .unwrap();
        let screen = format!("{:?}", terminal.backend().buffer());
        assert!(
            screen.contains("switched off"),
            "the view says why it is empty: {screen}"
        );
    }
}
