//! config.json compatibility with the official CLI, project resolution,
//! the keyring (through keyring-core's mock store) and the file fallback.

use std::collections::HashMap;

use comwit_client::Secret;
use comwit_client::config::{Config, config_path, resolve_project};
use comwit_client::credentials::{Credentials, Keyring, Saved, TokenSource};

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
    assert_eq!(c.default_project(), Some("proj-1"));
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

#[test]
fn tokens_prefer_the_keyring() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(&path, r#"{"token":"cwt_fromconfig","other":1}"#).unwrap();
    let creds = Credentials::new(path.clone(), Some(mock_keyring()), Box::new(env_of(&[])));
    let (t, src) = creds.user_token().unwrap().unwrap();
    assert_eq!(
        (t.expose(), src),
        ("cwt_fromconfig", TokenSource::ConfigFile)
    );

    assert_eq!(
        creds
            .save_user_token(&Secret::new("cwt_fromkeyring"))
            .unwrap(),
        Saved::Keyring
    );
    let (t, src) = creds.user_token().unwrap().unwrap();
    assert_eq!((t.expose(), src), ("cwt_fromkeyring", TokenSource::Keyring));
    let on_disk = std::fs::read_to_string(&path).unwrap();
    assert!(
        !on_disk.contains("cwt_fromkeyring"),
        "a keyring save does not touch the file"
    );

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
    let creds = Credentials::new(path.clone(), None, Box::new(env_of(&[])));
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
