terraform {
  required_providers {
    sym = {
      source  = "symopsio/sym"
      version = "~> 3.0"
    }
  }
}

provider "sym" {
  org = "S-CONTEXT001"
}

resource "sym_environment" "this" {
  name            = "ci"
  error_logger_id = sym_error_logger.slack.id

  integrations = {
    slack_id = sym_integration.slack.id
  }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = "ci-slack"
  external_id = "T0CONTEXT1"
}

resource "sym_error_logger" "slack" {
  integration_id = sym_integration.slack.id
  destination    = "#sym-errors"
}

resource "sym_flow" "deploy" {
  name  = "approve-deploy"
  label = "Approve a deploy"

  implementation = file("${path.module}/impl.py")
  environment_id = sym_environment.this.id

  params {
    allowed_sources = ["api", "slack"]

    prompt_field {
      name     = "job"
      label    = "Which pipeline job?"
      type     = "string"
      required = true
    }
  }
}
