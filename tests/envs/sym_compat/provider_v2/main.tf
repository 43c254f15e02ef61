provider "sym" {
  org = "sym-example"
}

provider "aws" {
  region = "us-east-1"
}

locals {
  environment_name = "main"
}

module "runtime_connector" {
  source  = "symopsio/runtime-connector/aws"
  version = ">= 1.0.0"

  addons      = ["aws/secretsmgr"]
  environment = local.environment_name
}

resource "sym_integration" "runtime_context" {
  type = "permission_context"
  name = "${local.environment_name}-runtime"

  external_id = module.runtime_connector.settings.account_id
  settings    = module.runtime_connector.settings
}

resource "sym_runtime" "this" {
  name       = local.environment_name
  context_id = sym_integration.runtime_context.id
}

resource "sym_environment" "this" {
  name            = local.environment_name
  runtime_id      = sym_runtime.this.id
  error_logger_id = sym_error_logger.slack.id

  integrations = {
    slack_id = sym_integration.slack.id
  }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = "${local.environment_name}-slack"
  external_id = "T0PROVIDER2"
}

resource "sym_error_logger" "slack" {
  integration_id = sym_integration.slack.id
  destination    = "#sym-errors"
}
