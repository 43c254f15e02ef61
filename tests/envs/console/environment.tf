# The web console and Slack preview test environment: a Slack workspace (the
# preview's local Slack in the tests) and a custom integration for a strategy.
provider "sym" {
  org = "S-CONSOLE"
}

resource "sym_environment" "this" {
  name            = "console"
  error_logger_id = sym_error_logger.slack.id

  integrations = {
    slack_id  = sym_integration.slack.id
    custom_id = sym_integration.grants.id
  }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = "console-slack"
  external_id = "T0FAKE001"
}

resource "sym_error_logger" "slack" {
  integration_id = sym_integration.slack.id
  destination    = "#sym-errors"
}

resource "sym_integration" "grants" {
  type        = "custom"
  name        = "console-grants"
  external_id = "grants"
}
