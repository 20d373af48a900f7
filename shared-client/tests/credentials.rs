//! config.json compatibility with the official CLI, project resolution,
//! the keyring (through keyring-core's mock store) and the file fallback.

use std::collections::HashMap;

use comwit_client::Secret;
use comwit_client::config::{Config, config_path, resolve_project};
use comwit_client::credentials::{Credentials, Keyring, Saved, TokenPlace, TokenSource};

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k: &str| map.get(k).cloned()
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn cli_config_with_extra_keys_survives_read_modify_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    let original = r#"{"token":"cwt_aaaa","default_project":"proj-1","telemetry":false,"profiles":{"work":{"api":"x"}}}"#;
    std::fs::write(&path, original).unwrap();
    let mut c = Config::load(&path).unwrap();
    assert_eq!(c.token().unwrap().expose(), "cwt_aaaa");
    assert_eq!(c.default_project().as_deref(), Some("proj-1"));
    c.set_default_project(Some("proj-2"));
    c.save().unwrap();
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(written["default_project"], "proj-2");
    assert_eq!(written["token"], "cwt_aaaa");
    assert_eq!(written["telemetry"], false, "unknown keys are preserved");
    assert_eq!(written["profiles"]["work"]["api"], "x");
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn a_new_config_is_created_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/comwit/config.json");
    let mut c = Config::load(&path).unwrap();
    assert_eq!(c.token(), None);
    c.set_token(Some(&Secret::new("cwt_bbbb")));
    c.save().unwrap();
    #[cfg(unix)]
    {
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
    }
    assert_eq!(
        Config::load(&path).unwrap().token().unwrap().expose(),
        "cwt_bbbb"
    );
}

#[test]
fn broken_config_is_a_clear_error_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(&path, "{not json").unwrap();
    let err = Config::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("not valid JSON") && err.contains("config.json"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "{not json",
        "nothing was overwritten"
    );
}

#[test]
fn config_path_resolution_order() {
    let p = config_path(&env_of(&[
        ("COMWIT_CONFIG", "/a/c.json"),
        ("XDG_CONFIG_HOME", "/x"),
        ("HOME", "/h"),
    ]))
    .unwrap();
    assert_eq!(p, std::path::PathBuf::from("/a/c.json"));
    let p = config_path(&env_of(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")])).unwrap();
    assert_eq!(p, std::path::PathBuf::from("/x/comwit/config.json"));
    let p = config_path(&env_of(&[("HOME", "/h")])).unwrap();
    assert_eq!(p, std::path::PathBuf::from("/h/.config/comwit/config.json"));
    assert!(config_path(&env_of(&[])).is_err());
}

#[test]
fn project_resolution_flag_then_env_then_default() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(&path, r#"{"default_project":"from-config"}"#).unwrap();
    let c = Config::load(&path).unwrap();
    let env = env_of(&[("COMWIT_PROJECT", "from-env")]);
    assert_eq!(
        resolve_project(Some("from-flag"), &env, &c).as_deref(),
        Some("from-flag")
    );
    assert_eq!(resolve_project(None, &env, &c).as_deref(), Some("from-env"));
    assert_eq!(
        resolve_project(None, &env_of(&[]), &c).as_deref(),
        Some("from-config")
    );
    assert_eq!(
        resolve_project(None, &env_of(&[]), &Config::default()),
        None
    );
}

fn mock_keyring() -> Keyring {
    Keyring::with_store(keyring_core::mock::Store::new().unwrap())
}

/// A config.json as another program (the official CLI) might have left
/// it: its own key order, keys we do not know, its own formatting inside.
const CLI_CONFIG: &str = r#"{
  "telemetry": false,
  "token": "cwt_old_from_the_cli",
  "profiles": {"work": {"zeta": 1, "alpha": 2}},
  "default_project": "proj-1"
}
"#;

/// The top-level keys of a JSON text, in the order they are written.
fn key_order(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("  \""))
        .filter_map(|l| l.split_once('"').map(|(k, _)| k.to_string()))
        .collect()
}

#[test]
fn a_config_token_from_another_cli_wins_over_an_older_keyring_token() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(&path, CLI_CONFIG).unwrap();
    let keyring = mock_keyring();
    let creds = Credentials::new(path.clone(), Some(keyring.clone()), Box::new(env_of(&[])))
        .saving_user_tokens_in(TokenPlace::Keyring);

    // Chosen keyring: our login is saved over the CLI's token and used.
    assert_eq!(
        creds.save_user_token(&Secret::new("cwt_ours")).unwrap(),
        Saved::Keyring
    );
    let (t, src) = creds.user_token().unwrap().unwrap();
    assert_eq!((t.expose(), src), ("cwt_ours", TokenSource::Keyring));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), CLI_CONFIG);

    // Then `comwit login` writes a fresh token: it is never shadowed.
    let fresh = CLI_CONFIG.replace("cwt_old_from_the_cli", "cwt_fresh_login");
    std::fs::write(&path, &fresh).unwrap();
    let (t, src) = creds.user_token().unwrap().unwrap();
    assert_eq!(
        (t.expose(), src),
        ("cwt_fresh_login", TokenSource::ConfigFile)
    );

    // And we write the file (a pinned project): order and unknown keys kept.
    creds.pin_default_project("proj-2").unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        key_order(&written),
        ["telemetry", "token", "profiles", "default_project"]
    );
    assert_eq!(written, fresh.replace("proj-1", "proj-2"));
}

#[test]
fn a_keyring_token_without_a_note_counts_as_older_than_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(&path, CLI_CONFIG).unwrap();
    let store: std::sync::Arc<keyring_core::api::CredentialStore> =
        keyring_core::mock::Store::new().unwrap();
    let keyring = Keyring::with_store(store.clone());
    // What an earlier version left: the token, nothing about the file.
    store
        .build("comwit", "token", None)
        .unwrap()
        .set_password("cwt_keyring")
        .unwrap();
    let earlier = Credentials::new(
        dir.path().join("absent.json"),
        Some(keyring.clone()),
        Box::new(env_of(&[])),
    );
    // A keyring token alone is used...
    assert_eq!(
        earlier.user_token().unwrap().unwrap().1,
        TokenSource::Keyring
    );
    // ...but it was saved over no token, so a file with one is newer.
    let creds = Credentials::new(path.clone(), Some(keyring), Box::new(env_of(&[])));
    let (t, src) = creds.user_token().unwrap().unwrap();
    assert_eq!(
        (t.expose(), src),
        ("cwt_old_from_the_cli", TokenSource::ConfigFile)
    );
}

#[test]
fn by_default_a_login_goes_to_config_json_and_leaves_the_keyring() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(&path, CLI_CONFIG).unwrap();
    let keyring = mock_keyring();
    let creds = Credentials::new(path.clone(), Some(keyring.clone()), Box::new(env_of(&[])));
    assert_eq!(creds.token_place(), TokenPlace::ConfigFile);
    // An older keyring-mode login, which the file would otherwise shadow
    // only until `comwit logout` brought it back.
    let keyring_mode = Credentials::new(path.clone(), Some(keyring.clone()), Box::new(env_of(&[])))
        .saving_user_tokens_in(TokenPlace::Keyring);
    keyring_mode
        .save_user_token(&Secret::new("cwt_kept"))
        .unwrap();

    match creds.save_user_token(&Secret::new("cwt_shared")).unwrap() {
        Saved::File { path: p, notice } => {
            assert_eq!(p, path);
            assert!(notice.contains("where the comwit CLI reads it"), "{notice}");
            assert!(notice.contains("config.json"), "{notice}");
            assert!(!notice.contains("cwt_shared"), "no secret in a notice");
        }
        other => panic!("expected config.json, got {other:?}"),
    }
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        written,
        CLI_CONFIG.replace("cwt_old_from_the_cli", "cwt_shared")
    );
    assert_eq!(
        creds.user_token().unwrap().unwrap(),
        (Secret::new("cwt_shared"), TokenSource::ConfigFile)
    );
    let keyring_only = Credentials::new(
        dir.path().join("absent.json"),
        Some(keyring),
        Box::new(env_of(&[])),
    );
    assert_eq!(
        keyring_only.user_token().unwrap(),
        None,
        "the keyring copy is gone"
    );
}

#[cfg(unix)]
#[test]
fn a_symlinked_config_stays_a_link_and_its_target_stays_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let dotfiles = dir.path().join("dotfiles");
    std::fs::create_dir(&dotfiles).unwrap();
    let target = dotfiles.join("comwit.json");
    std::fs::write(&target, CLI_CONFIG).unwrap();
    // A dotfile manager's link, and a target left world-readable.
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = dir.path().join("config.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();

    let creds = Credentials::new(link.clone(), Some(mock_keyring()), Box::new(env_of(&[])));
    creds.save_user_token(&Secret::new("cwt_linked")).unwrap();

    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(meta.file_type().is_symlink(), "still a symlink");
    assert_eq!(std::fs::read_link(&link).unwrap(), target);
    assert_eq!(mode(&target), 0o600, "private again");
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(written.contains("\"token\": \"cwt_linked\""), "{written}");
    assert_eq!(
        key_order(&written),
        ["telemetry", "token", "profiles", "default_project"]
    );
    // No temporary file left beside either.
    assert_eq!(std::fs::read_dir(&dotfiles).unwrap().count(), 1);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn pinning_a_project_writes_default_project_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new/config.json");
    let creds = Credentials::new(path.clone(), Some(mock_keyring()), Box::new(env_of(&[])));
    assert_eq!(creds.default_project().unwrap(), None);
    assert_eq!(creds.pin_default_project("prj_7").unwrap(), path);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "{\n  \"default_project\": \"prj_7\"\n}\n"
    );
    assert_eq!(creds.default_project().unwrap().as_deref(), Some("prj_7"));
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    let err = Credentials::in_memory()
        .unwrap()
        .pin_default_project("prj_7")
        .unwrap_err()
        .to_string();
    assert!(err.contains("keeps nothing on disk"), "{err}");
}

#[test]
fn keyring_saves_keep_database_and_operator_tokens_out_of_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    let creds = Credentials::new(path.clone(), Some(mock_keyring()), Box::new(env_of(&[])));
    assert_eq!(
        creds
            .store_database_token("db-1", &Secret::new("cwdb_secret"))
            .unwrap(),
        Saved::Keyring
    );
    assert_eq!(
        creds.database_token("db-1").unwrap().unwrap().expose(),
        "cwdb_secret"
    );
    assert!(!dir.path().join("database-tokens.json").exists());
    assert_eq!(
        creds.save_operator_token(&Secret::new("op")).unwrap(),
        Saved::Keyring
    );
    assert_eq!(
        creds.operator_token().unwrap().unwrap().1,
        TokenSource::Keyring
    );
    assert!(!path.exists());
}

#[test]
fn environment_tokens_win_and_are_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    let creds = Credentials::new(
        path.clone(),
        Some(mock_keyring()),
        Box::new(env_of(&[
            ("COMWIT_TOKEN", "cwt_env"),
            ("PLATFORM_API_SERVER_TOKEN", "op_env"),
        ])),
    );
    assert_eq!(
        creds.user_token().unwrap().unwrap().1,
        TokenSource::Environment
    );
    assert_eq!(
        creds.operator_token().unwrap().unwrap().0.expose(),
        "op_env"
    );
    assert!(!path.exists());
}

#[test]
fn without_a_keyring_tokens_fall_back_to_files_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(&path, r#"{"default_project":"p","extra":[1,2]}"#).unwrap();
    let creds = Credentials::new(path.clone(), None, Box::new(env_of(&[])))
        .saving_user_tokens_in(TokenPlace::Keyring);
    match creds.save_user_token(&Secret::new("cwt_filed")).unwrap() {
        Saved::File { path: p, notice } => {
            assert_eq!(p, path);
            assert!(notice.contains("no keyring"), "{notice}");
        }
        other => panic!("expected the file fallback, got {other:?}"),
    }
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(written["token"], "cwt_filed");
    assert_eq!(written["extra"], serde_json::json!([1, 2]));
    assert!(matches!(
        creds
            .store_database_token("db-9", &Secret::new("cwdb_x"))
            .unwrap(),
        Saved::File { .. }
    ));
    assert_eq!(
        creds.database_token("db-9").unwrap().unwrap().expose(),
        "cwdb_x"
    );
    #[cfg(unix)]
    assert_eq!(mode(&dir.path().join("database-tokens.json")), 0o600);
    assert!(
        creds.save_operator_token(&Secret::new("op")).is_err(),
        "operator tokens never go to a file"
    );
    creds.clear_user_token().unwrap();
    assert!(creds.user_token().unwrap().is_none());
}

#[test]
fn in_memory_credentials_keep_database_tokens_without_touching_disk() {
    let creds = Credentials::in_memory().unwrap();
    assert!(
        creds.user_token().unwrap().is_none(),
        "no environment, no file"
    );
    let saved = creds
        .store_database_token("db_1", &Secret::new("dbtok".to_string()))
        .unwrap();
    assert_eq!(saved, Saved::Keyring);
    assert_eq!(
        creds.database_token("db_1").unwrap().unwrap().expose(),
        "dbtok"
    );
}
