//! The catalogue is the list of stage definitions: every listed kind builds
//! from its own definition, and options are read as typed structs that fail
//! loudly when they do not match the parameters.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use pipewright::core::catalog::{self, STAGES};
use pipewright::core::options::{Options, ParamSpec};
use pipewright::core::stage::{Role, StageInfo};
use pipewright::core::Error;
use serde::Deserialize;
use serde_json::{json, Map, Value};

fn build(info: &StageInfo, given: &Map<String, Value>) -> Result<(), Error> {
    let o = info.resolve(given)?;
    match info.role {
        Role::Source => info.build_source(&o).map(drop),
        Role::Transform => info
            .build_transform(&o, &mut common::fixed_random)
            .map(drop),
        Role::Sink => info.build_sink(&o).map(drop),
    }
}

#[test]
fn every_listed_kind_builds_with_its_defaults() {
    let roles: Vec<Role> = catalog::catalog().iter().map(|s| s.role).collect();
    for role in [Role::Source, Role::Transform, Role::Sink] {
        assert!(roles.contains(&role), "the catalogue has {}s", role.name());
    }
    for info in catalog::catalog() {
        let example: Map<String, Value> =
            serde_json::from_str(info.example).expect("an example is a JSON object");
        if example.is_empty() {
            build(info, &Map::new())
                .unwrap_or_else(|e| panic!("{} builds with its defaults: {e}", info.kind));
            continue;
        }
        // A stage whose defaults cannot run (a secret has none) says which
        // option is missing, and runs with its example.
        match build(info, &Map::new()) {
            Err(Error::BadOption { option, .. }) => assert!(
                example.contains_key(&option),
                "{}: the defaults fail on `{option}`, which its example gives",
                info.kind
            ),
            other => panic!(
                "{}: declares an example but its defaults give {other:?}",
                info.kind
            ),
        }
        build(info, &example)
            .unwrap_or_else(|e| panic!("{} builds with its example: {e}", info.kind));
    }
}

#[test]
fn a_kind_is_listed_once_per_role() {
    for (i, a) in STAGES.iter().enumerate() {
        for b in &STAGES[i + 1..] {
            assert!(
                a.kind != b.kind || a.build.role() != b.build.role(),
                "{} twice",
                a.kind
            );
        }
    }
}

#[test]
fn an_unknown_kind_is_an_error_never_a_default_stage() {
    for role in [Role::Source, Role::Transform, Role::Sink] {
        let e = catalog::find(role, "nope").expect_err("unknown");
        assert!(matches!(e, Error::UnknownKind { .. }), "{e:?}");
    }
}

#[test]
fn a_misspelt_option_field_fails_loudly_instead_of_reading_zero() {
    const PARAMS: &[ParamSpec] = &[ParamSpec::int("size", 5, 0, 9, "A size.")];
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[allow(dead_code)]
    struct Misspelt {
        sise: u64,
    }
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Right {
        size: u64,
    }
    let o = Options::resolve("example", PARAMS, &Map::new()).unwrap();
    let e = o
        .typed::<Misspelt>()
        .expect_err("a field that is no parameter");
    assert!(
        e.to_string().starts_with("example: option `options`"),
        "{e}"
    );
    assert!(
        e.to_string().contains("sise") || e.to_string().contains("size"),
        "{e}"
    );
    assert_eq!(o.typed::<Right>().unwrap().size, 5);
    let given = json!({ "size": 7.0 }).as_object().cloned().unwrap();
    let o = Options::resolve("example", PARAMS, &given).unwrap();
    assert_eq!(
        o.typed::<Right>().unwrap().size,
        7,
        "7.0 reads as the integer 7"
    );
}

#[test]
fn a_role_mismatch_is_an_error() {
    let gzip = catalog::find(Role::Transform, "gzip").unwrap();
    let o = gzip.resolve(&Map::new()).unwrap();
    assert!(gzip.build_sink(&o).is_err());
    assert!(gzip.build_source(&o).is_err());
}
