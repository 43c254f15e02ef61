# A test environment for Okta under Spin: Slack plus an Okta integration.
locals {
  environment_name = "okta"
}

provider "sym" {
  org = "S-SYMFLOW01"
}

resource "sym_environment" "this" {
  name            = local.environment_name
  error_logger_id = sym_error_logger.slack.id

  integrations = {
    slack_id = sym_integration.slack.id
    okta_id  = sym_integration.okta.id
  }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = "${local.environment_name}-slack"
  external_id = "T01SYMFLOW"
}

resource "sym_error_logger" "slack" {
  integration_id = sym_integration.slack.id
  destination    = "#sym-errors"
}

resource "sym_secrets" "this" {
  type = "aws_secrets_manager"
  name = "${local.environment_name}-sym-secrets"
}

resource "sym_secret" "okta_api_token" {
  path      = "sym/${local.environment_name}/okta-api-token"
  source_id = sym_secrets.this.id
}

resource "sym_integration" "okta" {
  type        = "okta"
  name        = "${local.environment_name}-okta"
  external_id = "acme.okta.com"
  settings = {
    api_token_secret = sym_secret.okta_api_token.id
  }
}
