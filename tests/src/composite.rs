//! A composite action's `action.yml` run the way GitHub's runner runs
//! it: inputs defaulted and substituted into `${{ … }}` expressions, `if:`
//! conditions evaluated, each `run:` step under `bash --noprofile --norc
//! -eo pipefail` with its `env:`, a fresh `GITHUB_OUTPUT` per step and the
//! step outputs mapped to the action's outputs. `uses:` steps
//! (actions/cache) are skipped: the tool cache, kept between runs of one
//! [`Composite`], stands in for a restored cache.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

use crate::runner::parse_outputs;

/// An `action.yml`, parsed.
pub fn load(path: &Path) -> Yaml {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    YamlLoader::load_from_str(&text)
        .expect("valid YAML")
        .remove(0)
}

/// A YAML scalar as the runner passes it to a step: a string.
pub fn yaml_scalar(y: &Yaml) -> String {
    match y {
        Yaml::String(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        other => panic!("expected a scalar, got {other:?}"),
    }
}

use yaml_scalar as s;

/// The outputs of step `id` that a workflow's `text` reads
/// (`steps.ID.outputs.NAME`).
pub fn outputs_read<'t>(text: &'t str, id: &str) -> Vec<&'t str> {
    text.split(&format!("steps.{id}.outputs."))
        .skip(1)
        .map(|rest| {
            rest.split(|c: char| !(c.is_alphanumeric() || c == '-'))
                .next()
                .unwrap_or_default()
        })
        .collect()
}

pub fn step<'a>(doc: &'a Yaml, id: &str) -> &'a Yaml {
    doc["runs"]["steps"]
        .as_vec()
        .expect("steps")
        .iter()
        .find(|st| st["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("no step {id}"))
}

/// Runs the composite steps as the runner does: expressions substituted,
/// each `run:` under `bash --noprofile --norc -eo pipefail`, with the
/// step's `env:` and a fresh `GITHUB_OUTPUT` per step.
pub struct Composite {
    pub action_path: PathBuf,
    tmp: tempfile::TempDir,
    pub tool_cache: PathBuf,
    path: String,
    pub extra_env: Vec<(String, String)>,
}

pub struct StepRun {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub outputs: HashMap<String, String>,
}

impl Composite {
    pub fn new(action_path: PathBuf) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let tool_cache = tmp.path().join("tool-cache");
        std::fs::create_dir_all(&tool_cache).unwrap();
        std::fs::create_dir_all(tmp.path().join("workspace")).unwrap();
        Self {
            action_path,
            tool_cache,
            path: std::env::var("PATH").unwrap_or_default(),
            extra_env: Vec::new(),
            tmp,
        }
    }

    /// `GITHUB_ENV`: what the steps export for the job's next steps.
    pub fn env_file(&self) -> PathBuf {
        self.tmp.path().join("github-env")
    }

    pub fn workspace(&self) -> PathBuf {
        self.tmp.path().join("workspace")
    }

    /// A fake `cargo` first on PATH: records its arguments and "installs"
    /// `bin` (the real binary the action builds) into `--root`, under the
    /// name given by `--bin`.
    pub fn fake_cargo(&mut self, bin: &Path) -> PathBuf {
        let dir = self.tmp.path().join("fake-bin");
        std::fs::create_dir_all(&dir).unwrap();
        let log = self.tmp.path().join("cargo-args.log");
        let script = format!(
            "#!/bin/bash\nset -e\necho \"$*\" >> '{log}'\nroot= name=\nwhile [ $# -gt 0 ]; do\n  case \"$1\" in --root) root=$2 ;; --bin) name=$2 ;; esac\n  shift\ndone\nmkdir -p \"$root/bin\"\ncp '{bin}' \"$root/bin/$name\"\n",
            log = log.display(),
            bin = bin.display()
        );
        let cargo = dir.join("cargo");
        std::fs::write(&cargo, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
        self.path = format!("{}:{}", dir.display(), self.path);
        log
    }

    pub fn run_step(
        &self,
        doc: &Yaml,
        id: &str,
        inputs: &HashMap<String, String>,
        steps: &HashMap<String, HashMap<String, String>>,
    ) -> StepRun {
        let st = step(doc, id);
        assert_eq!(
            st["shell"].as_str(),
            Some("bash"),
            "step {id} runs under bash"
        );
        // `github.action_path` is where this action is (GITHUB_ACTION_PATH).
        let here = self.action_path.display().to_string();
        let expr = |text: &str| {
            let text = text.replace("${{ github.action_path }}", &here);
            substitute(&text, doc, inputs, steps)
        };
        let script = self.tmp.path().join(format!("{id}.sh"));
        std::fs::write(&script, expr(st["run"].as_str().unwrap())).unwrap();
        let output = self.tmp.path().join(format!("{id}.output"));
        std::fs::write(&output, "").unwrap();
        let mut cmd = std::process::Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script)
            .current_dir(self.workspace())
            .env_clear()
            .env("PATH", &self.path)
            .env("HOME", self.tmp.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", &self.action_path)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_ENV", self.env_file())
            .env("GITHUB_STEP_SUMMARY", self.tmp.path().join("summary.md"))
            .env("GITHUB_EVENT_PATH", self.tmp.path().join("event.json"))
            .env("GITHUB_REPOSITORY", "acme/site")
            .env("GITHUB_SHA", "2222222222222222222222222222222222222222")
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TEMP", self.tmp.path())
            .env("RUNNER_TOOL_CACHE", &self.tool_cache);
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        if let Some(env) = st["env"].as_hash() {
            for (k, v) in env {
                cmd.env(s(k), expr(&s(v)));
            }
        }
        let out = cmd.output().expect("bash runs");
        StepRun {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: parse_outputs(&std::fs::read_to_string(&output).unwrap()),
        }
    }

    /// The inputs as the runner sees them: defaults (their expressions
    /// evaluated) overridden by `given`.
    pub fn inputs(doc: &Yaml, given: &[(&str, &str)]) -> HashMap<String, String> {
        let none = HashMap::new();
        let mut inputs: HashMap<String, String> = HashMap::new();
        for (name, spec) in doc["inputs"].as_hash().unwrap() {
            let default = substitute(&s(&spec["default"]), doc, &none, &HashMap::new());
            inputs.insert(s(name), default);
        }
        for (k, v) in given {
            assert!(inputs.contains_key(*k), "{k} is not an input of action.yml");
            inputs.insert(k.to_string(), v.to_string());
        }
        inputs
    }

    /// The composite's steps in order, as the runner runs them, up to and
    /// including `last`: `if:` conditions evaluated, `uses:` steps
    /// (actions/cache) skipped — the tool cache, kept between runs of one
    /// `Composite`, stands in for the restored cache — and the rest run
    /// under bash. Each step that ran, by id.
    pub fn run_steps(
        &self,
        doc: &Yaml,
        inputs: &HashMap<String, String>,
        last: &str,
    ) -> HashMap<String, StepRun> {
        let mut outputs: HashMap<String, HashMap<String, String>> = HashMap::new();
        let mut ran = HashMap::new();
        for st in doc["runs"]["steps"].as_vec().expect("steps") {
            let id = s(&st["id"]);
            let wanted = st["if"].as_str().is_none_or(|c| condition(c, &outputs));
            if wanted && st["uses"].is_badvalue() {
                let run = self.run_step(doc, &id, inputs, &outputs);
                outputs.insert(id.clone(), run.outputs.clone());
                let failed = run.code != 0;
                ran.insert(id.clone(), run);
                if failed {
                    break;
                }
            }
            if id == last {
                break;
            }
        }
        ran
    }

    /// Every step, then the action's outputs as GitHub maps them.
    pub fn run_action(
        &self,
        doc: &Yaml,
        given: &[(&str, &str)],
    ) -> (HashMap<String, StepRun>, HashMap<String, String>) {
        let inputs = Self::inputs(doc, given);
        let steps = doc["runs"]["steps"].as_vec().expect("steps");
        let last = s(&steps.last().expect("a step")["id"]);
        let ran = self.run_steps(doc, &inputs, &last);
        for (id, run) in &ran {
            if *id != last {
                assert_eq!(run.code, 0, "{id} step\n{}\n{}", run.stdout, run.stderr);
            }
        }
        let steps: HashMap<String, HashMap<String, String>> = ran
            .iter()
            .map(|(id, run)| (id.clone(), run.outputs.clone()))
            .collect();
        let mut outputs = HashMap::new();
        for (name, spec) in doc["outputs"].as_hash().unwrap() {
            outputs.insert(
                s(name),
                substitute(&s(&spec["value"]), doc, &inputs, &steps),
            );
        }
        (ran, outputs)
    }
}

/// The one form of `if:` action.yml uses: `steps.ID.outputs.NAME == ''`.
fn condition(expr: &str, steps: &HashMap<String, HashMap<String, String>>) -> bool {
    let (lhs, rhs) = expr.split_once("==").expect("a comparison");
    assert_eq!(rhs.trim(), "''", "condition the test does not know: {expr}");
    value_of(lhs.trim(), &HashMap::new(), steps).is_empty()
}

/// Replaces `${{ … }}` the way the runner would for the expressions
/// action.yml uses; any other expression fails the test.
fn substitute(
    text: &str,
    _doc: &Yaml,
    inputs: &HashMap<String, String>,
    steps: &HashMap<String, HashMap<String, String>>,
) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed expression") + start;
        let expr = rest[start + 3..end].trim();
        // `a || b`: the first that is not empty.
        let value = expr
            .split("||")
            .map(|e| value_of(e.trim(), inputs, steps))
            .find(|v| !v.is_empty())
            .unwrap_or_default();
        out.push_str(&value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// One expression's value.
fn value_of(
    expr: &str,
    inputs: &HashMap<String, String>,
    steps: &HashMap<String, HashMap<String, String>>,
) -> String {
    if let Some(name) = expr.strip_prefix("inputs.") {
        inputs
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("unknown input {name}"))
    } else if let Some(path) = expr.strip_prefix("steps.") {
        let (id, output) = path.split_once(".outputs.").expect("steps.ID.outputs.NAME");
        steps
            .get(id)
            .and_then(|o| o.get(output))
            .cloned()
            .unwrap_or_default()
    } else if expr == "github.action_repository" {
        "comwit/deploy".to_string()
    } else if expr == "github.token" {
        // This runner has no GitHub token: no GitHub reporting.
        String::new()
    } else {
        panic!("expression the test does not know: {expr}");
    }
}
