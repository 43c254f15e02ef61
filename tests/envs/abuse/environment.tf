# The abuse and crash-recovery test environment (tests/tests/abuse.rs, crash.rs):
# flows that misbehave on purpose, and a strategy that counts its own calls.
provider "sym" {
  org = "S-ABUSE"
}

resource "sym_environment" "this" {
  name            = "abuse"
  error_logger_id = sym_error_logger.slack.id

  integrations = {
    slack_id  = sym_integration.slack.id
    custom_id = sym_integration.counted.id
  }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = "abuse-slack"
  external_id = "T0FAKE001"
}

resource "sym_error_logger" "slack" {
  integration_id = sym_integration.slack.id
  destination    = "#sym-errors"
}

resource "sym_integration" "counted" {
  type        = "custom"
  name        = "abuse-counted"
  external_id = "counted"
}
