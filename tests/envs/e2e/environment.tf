# The end-to-end test environment: one Slack workspace with an error channel,
# PagerDuty (answered by the server's scripted stand-in in tests) and a custom
# integration for the break-glass strategy.
provider "sym" {
  org = "S-E2E"
}

resource "sym_environment" "this" {
  name            = "e2e"
  error_logger_id = sym_error_logger.slack.id

  integrations = {
    slack_id     = sym_integration.slack.id
    pagerduty_id = sym_integration.pagerduty.id
    custom_id    = sym_integration.breakglass.id
  }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = "e2e-slack"
  external_id = "T0FAKE001"
}

resource "sym_error_logger" "slack" {
  integration_id = sym_integration.slack.id
  destination    = "#sym-errors"
}

resource "sym_integration" "pagerduty" {
  type        = "pagerduty"
  name        = "e2e-pagerduty"
  external_id = "e2e.pagerduty.com"
}

resource "sym_integration" "breakglass" {
  type        = "custom"
  name        = "e2e-breakglass"
  external_id = "breakglass"
}
