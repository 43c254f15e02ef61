# The integrations end-to-end environment: real PagerDuty and Okta clients inside the
# server, pointed at the local fakes of host/service-fakes. The API tokens are sym_secrets
# the tests provide through the local secret store.
provider "sym" {
  org = "S-E2E-INTEGRATIONS"
}

resource "sym_environment" "this" {
  name            = "integrations"
  error_logger_id = sym_error_logger.slack.id

  integrations = {
    slack_id     = sym_integration.slack.id
    pagerduty_id = sym_integration.pagerduty.id
    okta_id      = sym_integration.okta.id
  }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = "integrations-slack"
  external_id = "T0FAKE001"
}

resource "sym_error_logger" "slack" {
  integration_id = sym_integration.slack.id
  destination    = "#sym-errors"
}

resource "sym_secrets" "this" {
  type = "aws_secrets_manager"
  name = "integrations-secrets"
}

resource "sym_secret" "pagerduty_key" {
  path      = "sym/e2e/pagerduty-key"
  source_id = sym_secrets.this.id
}

resource "sym_secret" "okta_key" {
  path      = "sym/e2e/okta-key"
  source_id = sym_secrets.this.id
}

resource "sym_integration" "pagerduty" {
  type        = "pagerduty"
  name        = "integrations-pagerduty"
  external_id = "acme.pagerduty.com"
  settings = {
    api_token_secret = sym_secret.pagerduty_key.id
  }
}

resource "sym_integration" "okta" {
  type        = "okta"
  name        = "integrations-okta"
  external_id = "acme.okta.com"
  settings = {
    api_token_secret = sym_secret.okta_key.id
  }
}
