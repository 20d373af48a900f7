//! A project's domains: status and the nameservers to set at the
//! registrar; add one (`n`), delete one (`x`), check its delegation now
//! (`c`).

use std::collections::HashMap;

use comwit_client::Error;
use comwit_client::models::{DelegationCheck, Domain, DomainDeletion};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};

use super::detail::panel;
use super::dns_shared::{MANAGED, status_badge};
use super::{Hint, Remote, Update, View, hint, write_hint};
use crate::context::Ctx;
use crate::notice::Level;
use crate::theme::Theme;
use crate::tree::NodeKey;
use crate::widgets::input::LineInput;
use crate::widgets::list::{Picker, PickerKey};
use crate::widgets::modal::{Modal, Outcome};

#[derive(Debug, Clone)]
enum Intent {
    Add,
    Delete(String),
}

pub enum Msg {
    Listed(Result<Vec<Domain>, Error>),
    Added(String, Result<Domain, Error>),
    Deleted(String, Result<DomainDeletion, Error>),
    Checked(String, Result<DelegationCheck, Error>),
}

pub struct DomainsView {
    project: String,
    domains: Remote<Vec<Domain>>,
    /// The listing answered 501: domain management is off here.
    disabled: bool,
    cursor: Picker,
    /// Positions in `domains` that pass the filter.
    rows: Vec<usize>,
    /// Rows visible at once (for page keys), from the last draw.
    page: usize,
    modal: Option<Modal<Intent>>,
    /// What `y` copies in the info dialog: the nameservers alone, without
    /// the instructions around them.
    info_copy: Option<String>,
    /// Checks run from this view, by domain.
    checks: HashMap<String, DelegationCheck>,
    /// Domains with a check in flight.
    checking: Vec<String>,
}

impl DomainsView {
    pub fn new(project: String) -> Self {
        Self {
            project,
            domains: Remote::default(),
            disabled: false,
            cursor: Picker::default(),
            rows: Vec::new(),
            page: 10,
            modal: None,
            info_copy: None,
            checks: HashMap::new(),
            checking: Vec::new(),
        }
    }

    fn list(&self) -> &[Domain] {
        self.domains.data.as_deref().unwrap_or_default()
    }

    fn refilter(&mut self) {
        let list = self.domains.data.as_deref().unwrap_or_default();
        self.rows = self
            .cursor
            .matches(list, |d| format!("{} {}", d.domain, d.status));
    }

    fn selected(&self) -> Option<&Domain> {
        self.cursor
            .current(&self.rows)
            .and_then(|i| self.list().get(i))
    }

    fn start_add(&mut self) {
        self.modal = Some(Modal::prompt(
            "Add a domain",
            vec![
                "The platform creates a hosted zone for the domain and gives you its \
                 nameservers to set at your registrar."
                    .into(),
                "Type the domain (e.g. example.com):".into(),
            ],
            "",
            Intent::Add,
        ));
    }

    fn add(&mut self, typed: String, cx: &mut Ctx<'_>) {
        let name = match super::checks::hostname(&typed) {
            Ok(n) => n,
            Err(why) => {
                // Keep the prompt open so the name can be fixed.
                cx.toast(Level::Warning, why);
                return;
            }
        };
        self.modal = None;
        if !cx.may_write() {
            return;
        }
        let client = cx.client().clone();
        let project = self.project.clone();
        cx.spawn(async move {
            let result = client.domains(&project).create(&name).await;
            Msg::Added(name, result)
        });
    }

    fn start_delete(&mut self, cx: &mut Ctx<'_>) {
        let Some(d) = self.selected() else {
            return;
        };
        if !cx.may_write() {
            return;
        }
        let name = d.domain.clone();
        self.modal = Some(Modal::TypeToConfirm {
            title: format!("Delete {name}"),
            lines: vec![
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
            expected: name.clone(),
            input: LineInput::default(),
            intent: Intent::Delete(name),
        });
    }

    fn delete(&mut self, name: String, cx: &mut Ctx<'_>) {
        if !cx.may_write() {
            return;
        }
        let client = cx.client().clone();
        let project = self.project.clone();
        cx.spawn(async move {
            let result = client.domains(&project).delete(&name).await;
            Msg::Deleted(name, result)
        });
    }

    fn check(&mut self, cx: &mut Ctx<'_>) {
        let Some(d) = self.selected() else {
            return;
        };
        let name = d.domain.clone();
        // The check can change the domain's state, so it counts as a write.
        if self.checking.contains(&name) || !cx.may_write() {
            return;
        }
        self.checking.push(name.clone());
        let client = cx.client().clone();
        let project = self.project.clone();
        cx.spawn(async move {
            let result = client.domains(&project).check_delegation(&name).await;
            Msg::Checked(name, result)
        });
    }

    fn on_modal_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) {
        let Some(modal) = &mut self.modal else {
            return;
        };
        match modal.on_key(key) {
            Outcome::Open | Outcome::Submitted(..) => {}
            Outcome::Cancelled => {
                self.modal = None;
                self.info_copy = None;
            }
            Outcome::Copy(text) => {
                let text = self.info_copy.clone().unwrap_or(text);
                cx.copy("the nameservers", text);
            }
            Outcome::Confirmed(Intent::Add, typed) => self.add(typed, cx),
            Outcome::Confirmed(Intent::Delete(name), _) => {
                self.modal = None;
                self.delete(name, cx);
            }
        }
    }

    fn added(&mut self, domain: Domain, cx: &mut Ctx<'_>) {
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
        self.modal = Some(Modal::Info {
            title: format!("Nameservers for {}", domain.domain),
            lines,
        });
        cx.reload(NodeKey::Domains(self.project.clone()));
        self.refresh(cx);
    }

    fn checked(&mut self, name: String, check: DelegationCheck, cx: &mut Ctx<'_>) {
        let before = self
            .list()
            .iter()
            .find(|d| d.domain == name)
            .map(|d| d.status.clone());
        let verdict = check.verdict.clone().unwrap_or_else(|| {
            if check.matched {
                "delegated"
            } else {
                "not delegated"
            }
            .into()
        });
        if check.status == MANAGED {
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
        if before.as_deref() != Some(check.status.as_str()) {
            cx.reload(NodeKey::Domains(self.project.clone()));
            self.refresh(cx);
        }
        self.checks.insert(name, check);
    }

    fn draw_detail(&self, frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
        let Some(d) = self.selected() else {
            return;
        };
        let mut lines = vec![Line::styled(
            format!("{}: set these nameservers at the registrar", d.domain),
            theme.accent,
        )];
        if d.nameservers.is_empty() {
            lines.push(Line::raw("  (none reported)"));
        }
        lines.extend(d.nameservers.iter().map(|n| Line::raw(format!("  {n}"))));
        let check = if self.checking.contains(&d.domain) {
            "⟳ checking the delegation…".to_string()
        } else if let Some(c) = self.checks.get(&d.domain) {
            let observed = if c.observed_nameservers.is_empty() {
                "nothing".to_string()
            } else {
                format!("{} nameservers", c.observed_nameservers.len())
            };
            format!(
                "Last check: {} (the parent zone publishes {observed})",
                c.verdict.as_deref().unwrap_or(if c.matched {
                    "delegated"
                } else {
                    "not delegated"
                })
            )
        } else {
            "Not checked from here yet: c checks the delegation now.".to_string()
        };
        lines.push(Line::styled(check, theme.dim));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
    }
}

impl View for DomainsView {
    fn title(&self) -> String {
        "domains".into()
    }

    fn hints(&self) -> Vec<Hint> {
        if let Some(m) = &self.modal {
            return super::modal_hints(m);
        }
        if self.cursor.filtering {
            return super::filter_hints();
        }
        vec![
            hint("↑↓/jk", "move"),
            write_hint("n", "add domain"),
            write_hint("x", "delete"),
            write_hint("c", "check delegation"),
        ]
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx<'_>) -> bool {
        if self.modal.is_some() {
            self.on_modal_key(key, cx);
            return true;
        }
        let filtering = self.cursor.filtering;
        if let PickerKey::Used = self.cursor.on_key(key, self.rows.len(), self.page) {
            if filtering {
                self.refilter();
            }
            return true;
        }
        match key.code {
            KeyCode::Char('n') => {
                if cx.may_write() {
                    self.start_add();
                }
            }
            KeyCode::Char('x') => self.start_delete(cx),
            KeyCode::Char('c') => self.check(cx),
            KeyCode::Esc if self.cursor.clear_filter() => self.refilter(),
            _ => return false,
        }
        true
    }

    fn on_paste(&mut self, text: &str) -> bool {
        if let Some(m) = &mut self.modal {
            m.on_paste(text);
        } else if self.cursor.filtering {
            self.cursor.filter.insert_str(text);
            self.refilter();
        } else {
            return false;
        }
        true
    }

    fn draw(&mut self, frame: &mut Frame<'_>, area: Rect, theme: &Theme, focused: bool) {
        let block = panel(&self.title(), theme, focused);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let filter = self.cursor.filter_line();
        let [status, table, detail, filter_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(2),
            Constraint::Length(8),
            Constraint::Length(u16::from(filter.is_some())),
        ])
        .areas(inner);
        self.page = table.height.saturating_sub(1).max(1) as usize;
        let list = self.list();
        let summary = self.domains.status().unwrap_or_else(|| {
            let managed = list.iter().filter(|d| d.is_managed()).count();
            format!(
                "{} domains: {managed} managed, {} waiting for delegation",
                list.len(),
                list.len() - managed
            )
        });
        frame.render_widget(Line::styled(summary, theme.dim), status);
        if self.disabled {
            frame.render_widget(
                Paragraph::new(
                    "Project domain management is switched off on this deployment (501); \
                     an operator can enable it.",
                )
                .wrap(Wrap { trim: false }),
                table,
            );
            return;
        }
        if self.domains.data.is_some() && list.is_empty() {
            frame.render_widget(Line::raw("No domains yet: press n to add one."), table);
            return;
        }
        let domains = self.domains.data.as_deref().unwrap_or_default();
        let rows = &self.rows;
        crate::widgets::table::draw_rows(
            frame,
            table,
            &mut self.cursor,
            rows.len(),
            &["DOMAIN", "STATUS", "NS"],
            &[
                Constraint::Fill(3),
                Constraint::Length(21),
                Constraint::Length(3),
            ],
            |i| {
                let d = &domains[rows[i]];
                Row::new(vec![
                    Cell::from(d.domain.clone()),
                    Cell::from(status_badge(&d.status)),
                    Cell::from(d.nameservers.len().to_string()),
                ])
            },
            theme,
            focused,
        );
        self.draw_detail(frame, detail, theme);
        if let Some(f) = filter {
            frame.render_widget(Line::styled(f, theme.accent), filter_area);
        }
    }

    fn draw_modal(&self, frame: &mut Frame<'_>, theme: &Theme) {
        if let Some(m) = &self.modal {
            m.draw(frame, theme);
        }
    }

    fn refresh(&mut self, cx: &mut Ctx<'_>) {
        self.domains.start();
        let client = cx.client().clone();
        let project = self.project.clone();
        cx.spawn(async move { Msg::Listed(client.domains(&project).list().await) });
    }

    fn captures_keys(&self) -> bool {
        self.modal.is_some() || self.cursor.filtering
    }

    fn filter(&mut self) -> bool {
        self.cursor.start_filter();
        true
    }

    fn copy(&self) -> Option<(String, String)> {
        self.selected().map(|d| {
            (
                format!("the nameservers of {}", d.domain),
                d.nameservers.join("\n"),
            )
        })
    }
}

impl Update for DomainsView {
    type Msg = Msg;

    fn update(&mut self, msg: Msg, cx: &mut Ctx<'_>) {
        match msg {
            Msg::Listed(result) => {
                self.disabled = matches!(&result, Err(e) if e.is_disabled());
                self.domains.finish(result);
                self.refilter();
            }
            Msg::Added(_, Ok(domain)) => self.added(domain, cx),
            Msg::Added(name, Err(e)) => cx.fail(&format!("Adding {name}"), &e),
            Msg::Deleted(name, Ok(gone)) => {
                let records = gone
                    .records_deleted
                    .map(|n| format!(" and {n} records"))
                    .unwrap_or_default();
                cx.toast(Level::Success, format!("deleted {name}{records}"));
                self.checks.remove(&name);
                cx.reload(NodeKey::Domains(self.project.clone()));
                self.refresh(cx);
            }
            Msg::Deleted(name, Err(e)) => cx.fail(&format!("Deleting {name}"), &e),
            Msg::Checked(name, result) => {
                self.checking.retain(|d| d != &name);
                match result {
                    Ok(check) => self.checked(name, check, cx),
                    Err(e) => cx.fail(&format!("Checking the delegation of {name}"), &e),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Effect;
    use crate::views::AnyView;
    use crate::views::dns_shared::test_session;
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
        let mut view = DomainsView::new("p".into());
        view.on_msg(
            Box::new(Msg::Added("launch.example".into(), Err(disabled()))),
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

        view.on_msg(Box::new(Msg::Listed(Err(disabled()))), &mut cx);
        assert!(view.disabled, "the view says why it is empty");
    }
}
