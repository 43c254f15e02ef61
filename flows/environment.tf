# The example environment: one Slack workspace, an error channel, PagerDuty for
# on-call checks, and a custom integration for the break-glass strategy.
locals {
  environment_name = "prod"
}

provider "sym" {
  org = "S-SYMFLOW01"
}

resource "sym_environment" "this" {
  name            = local.environment_name
  error_logger_id = sym_error_logger.slack.id

  integrations = {
    slack_id     = sym_integration.slack.id
    pagerduty_id = sym_integration.pagerduty.id
    custom_id    = sym_integration.breakglass.id
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

resource "sym_secret" "pagerduty_api_key" {
  path      = "sym/${local.environment_name}/pagerduty-api-key"
  source_id = sym_secrets.this.id
}

resource "sym_integration" "pagerduty" {
  type        = "pagerduty"
  name        = "${local.environment_name}-pagerduty"
  external_id = "symflow-example.pagerduty.com"
  settings = {
    api_token_secret = sym_secret.pagerduty_api_key.id
  }
}
