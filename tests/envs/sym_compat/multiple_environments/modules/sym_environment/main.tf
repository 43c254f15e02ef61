terraform {
  required_providers {
    sym = {
      source  = "symopsio/sym"
      version = ">= 3.0"
    }
  }
}

locals {
  request_fields = concat(
    [{ name = "reason", label = "Why do you need access?", type = "string", required = true }],
    var.extra_prompt_fields,
  )
}

resource "sym_environment" "this" {
  name            = var.environment_name
  error_logger_id = sym_error_logger.slack.id

  integrations = {
    slack_id = sym_integration.slack.id
    okta_id  = sym_integration.okta.id
  }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = "${var.environment_name}-slack"
  external_id = var.slack_workspace_id
}

resource "sym_error_logger" "slack" {
  integration_id = sym_integration.slack.id
  destination    = var.error_channel_name
}

resource "sym_secrets" "this" {
  type = "aws_secrets_manager"
  name = "${var.environment_name}-sym-secrets"
}

resource "sym_secret" "okta_api_key" {
  path      = "sym/${var.environment_name}/okta-api-key"
  source_id = sym_secrets.this.id
}

resource "sym_integration" "okta" {
  type        = "okta"
  name        = "${var.environment_name}-okta"
  external_id = var.okta_domain

  settings = {
    api_token_secret = sym_secret.okta_api_key.id
  }
}

resource "sym_target" "okta_group" {
  for_each = var.okta_groups

  type  = "okta_group"
  name  = "${var.environment_name}-${each.key}"
  label = coalesce(each.value.label, each.key)

  settings = {
    group_id = each.value.group_id
  }
}

resource "sym_strategy" "okta" {
  type           = "okta"
  name           = "${var.environment_name}-okta"
  integration_id = sym_integration.okta.id
  targets        = [for target in sym_target.okta_group : target.id]
}

resource "sym_flow" "okta" {
  name  = "${var.environment_name}-okta"
  label = "Okta group (${var.environment_name})"

  implementation = file("${path.module}/impls/okta_impl.py")
  environment_id = sym_environment.this.id
  vars           = merge({ approvers_channel = var.approvers_channel }, var.flow_variables)

  params {
    strategy_id = sym_strategy.okta.id

    dynamic "prompt_field" {
      for_each = local.request_fields
      content {
        name     = prompt_field.value.name
        label    = prompt_field.value.label
        type     = prompt_field.value.type
        required = prompt_field.value.required
      }
    }

    prompt_field {
      name           = "duration"
      type           = "duration"
      allowed_values = ["30m", "1h", "4h"]
      required       = true
    }
  }
}

resource "sym_flow" "approval" {
  count = var.enable_approval_flow ? 1 : 0

  name  = "${var.environment_name}-approval"
  label = "Approval (${var.environment_name})"

  implementation = file("${path.module}/impls/approval_impl.py")
  environment_id = sym_environment.this.id
  vars           = var.flow_variables

  params {
    prompt_field {
      name     = "resource"
      label    = "What do you need access to?"
      type     = "string"
      required = true
    }
    prompt_field {
      name     = "reason"
      label    = "Why do you need access?"
      type     = "string"
      required = true
    }
  }
}
