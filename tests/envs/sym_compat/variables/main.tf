resource "sym_environment" "this" {
  name            = var.environment_name
  error_logger_id = sym_error_logger.slack.id

  integrations = {
    slack_id     = sym_integration.slack.id
    pagerduty_id = sym_integration.pagerduty.id
  }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = "${var.environment_name}-slack"
  external_id = var.slack_workspace_id
}

resource "sym_error_logger" "slack" {
  integration_id = sym_integration.slack.id
  destination    = var.error_channel
}

resource "sym_secrets" "this" {
  type = "aws_secrets_manager"
  name = "${var.environment_name}-sym-secrets"
}

resource "sym_secret" "pagerduty_api_key" {
  path      = var.pagerduty_api_key_path
  source_id = sym_secrets.this.id
}

resource "sym_integration" "pagerduty" {
  type        = "pagerduty"
  name        = "${var.environment_name}-pagerduty"
  external_id = "acme.pagerduty.com"

  settings = {
    api_token_secret = sym_secret.pagerduty_api_key.id
  }
}

resource "sym_flow" "oncall" {
  name  = var.flow.name
  label = var.flow.label

  implementation = file("${path.module}/impls/oncall_impl.py")
  environment_id = sym_environment.this.id

  vars = {
    schedule_name      = var.pagerduty_schedule
    request_channel    = var.request_channel
    max_duration_hours = var.max_duration_hours
  }

  params {
    allow_guest_interaction = var.flow.allow_guest

    prompt_field {
      name     = "reason"
      label    = "Why do you need access?"
      type     = "string"
      required = true
    }
  }
}
