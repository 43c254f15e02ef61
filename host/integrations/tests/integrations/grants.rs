//! What a flow may reach: integrations of its environment only, secrets its integrations
//! reference only.

use symflow_integrations::strategies;

use crate::{blocking, world};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_without_an_integration_cannot_reach_it() {
    let world = world().await;
    let bare = world.caps("bare-flow");
    assert!(
        bare.pagerduty.is_none()
            && bare.okta.is_none()
            && bare.github.is_none()
            && bare.aws_lambda.is_none()
    );
    let full = world.caps("full-flow");
    assert!(
        full.pagerduty.is_some()
            && full.okta.is_some()
            && full.github.is_some()
            && full.aws_lambda.is_some()
    );
    // slack, store and users are the server's to grant.
    assert!(full.slack.is_none() && full.store.is_none() && full.users.is_none());
    // The sandbox answers not-granted for a None capability: shown end to end in python_flow.
    assert!(world.okta.lock().unwrap().calls.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_reads_only_the_secrets_it_was_given() {
    let world = world().await;
    let full = world.caps("full-flow").secrets.unwrap();
    let bare = world.caps("bare-flow").secrets.unwrap();
    let (partner, okta_key, unrelated, bare_partner, unknown) = blocking(move || {
        (
            full.retrieve_value("partner_token".into()),
            full.retrieve_value("okta_key".into()),
            full.retrieve_value("unrelated".into()),
            bare.retrieve_value("partner_token".into()),
            full.retrieve_value("sym/test/partner".into()),
        )
    })
    .await;
    assert_eq!(partner.unwrap(), "partner-token", "json_key applied");
    assert_eq!(
        okta_key.unwrap(),
        crate::fakes::OKTA_TOKEN,
        "referenced by the environment's okta integration"
    );
    for refused in [unrelated, bare_partner, unknown] {
        let err = refused.unwrap_err();
        assert_eq!(
            (err.capability.as_str(), err.code.as_str()),
            ("secrets", "not-granted")
        );
        assert!(
            err.message.contains("was not given the secret"),
            "{}",
            err.message
        );
        assert!(!err.message.contains("unrelated-value") && !err.message.contains("partner-token"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_strategy_type_the_loader_accepts_is_carried_out() {
    // The loader refuses strategy types outside STRATEGY_KINDS; each type inside it must build
    // here (or, for `custom`, run in the sandbox), or an approval would grant nothing.
    let world = world().await;
    for kind in symflow_config::strategy_types::STRATEGY_KINDS {
        if kind.strategy_type == "custom" {
            continue;
        }
        let (name, _) = world
            .config
            .strategies
            .iter()
            .find(|(_, s)| s.strategy_type == kind.strategy_type)
            .unwrap_or_else(|| panic!("the fixture declares a {} strategy", kind.strategy_type));
        let built = world.strategy(name);
        assert_eq!(built.strategy_type(), kind.strategy_type);
        // The fixture's targets are of the types the table says the strategy grants.
        for link in &world.config.strategies[name].targets {
            let target = world.config.get(link).unwrap();
            if let Some(types) = kind.target_types {
                assert!(
                    types.contains(&target.target_type.as_str()),
                    "{}",
                    target.target_type
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_and_unknown_strategies_are_not_built_in() {
    let world = world().await;
    let settings = Default::default();
    for ty in ["custom", "tailscale", "aptible"] {
        let built = strategies::builtin_for(
            &world.config,
            ty,
            None,
            &settings,
            world.secrets.clone(),
            &world.options,
        )
        .unwrap();
        assert!(built.is_none(), "{ty}");
    }
    let err = strategies::builtin_for(
        &world.config,
        "okta",
        None,
        &settings,
        world.secrets.clone(),
        &world.options,
    )
    .err()
    .expect("okta needs an integration");
    assert!(err.message.contains("no integration_id"), "{}", err.message);
    let flow = world.config.flow_by_slug("full-flow").unwrap();
    let resolved = world.config.resolve_flow(flow);
    let okta = strategies::builtin(
        &world.config,
        resolved.strategy.as_ref().unwrap(),
        world.secrets.clone(),
        &world.options,
    )
    .unwrap()
    .unwrap();
    assert_eq!(okta.strategy_type(), "okta");
}
