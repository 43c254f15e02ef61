# A test environment for PagerDuty under Spin: Slack plus a PagerDuty integration.
locals {
  environment_name = "pagerduty"
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
  external_id = "acme.pagerduty.com"
  settings = {
    api_token_secret = sym_secret.pagerduty_api_key.id
  }
}

# A flow that asks PagerDuty who is on call and about incidents in on_request, and reports in
# #pagerduty.
resource "sym_flow" "pagerduty_report" {
  name           = "pagerduty-report"
  label          = "PagerDuty report"
  implementation = file("${path.module}/impls/pagerduty_report_impl.py")
  environment_id = sym_environment.this.id

  params {
    prompt_field {
      name     = "reason"
      label    = "Why?"
      type     = "string"
      required = true
    }

    # Filled by a @prefetch reducer from PagerDuty's on-call list.
    prompt_field {
      name     = "responder"
      label    = "Who should look?"
      type     = "string"
      prefetch = true
      required = false
    }
  }
}

# A flow everyone may use.
resource "sym_flow" "routine" {
  name           = "routine"
  label          = "Routine access"
  implementation = file("${path.module}/impls/routine_impl.py")
  environment_id = sym_environment.this.id

  params {
    prompt_field {
      name     = "reason"
      label    = "Why?"
      type     = "string"
      required = true
    }
  }
}

# The PagerDuty report is for people of the on-call domain only.
resource "sym_flows_filter" "this" {
  implementation = file("${path.module}/impls/flows_filter.py")
  vars = {
    report_domain = "acme.com"
  }
}
