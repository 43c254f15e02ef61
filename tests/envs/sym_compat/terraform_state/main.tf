locals {
  environment_name = "prod"
}

# The AWS role the Sym runtime assumes (Sym's registry module).
module "runtime_connector" {
  source  = "symopsio/runtime-connector/aws"
  version = "~> 2.0"

  environment = local.environment_name
}

# Okta groups managed with the okta provider; their ids exist after apply.
module "okta_groups" {
  source = "./modules/okta_groups"

  groups = {
    "prod-admins"   = "Production administrators"
    "prod-readonly" = "Production read-only"
  }
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
    okta_id  = sym_integration.okta.id
  }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = "${local.environment_name}-slack"
  external_id = "T0TFSTATE1"
}

resource "sym_error_logger" "slack" {
  integration_id = sym_integration.slack.id
  destination    = "#sym-errors"
}

resource "sym_secrets" "this" {
  type = "aws_secrets_manager"
  name = "${local.environment_name}-sym-secrets"

  settings = {
    context_id = sym_integration.runtime_context.id
  }
}

resource "aws_secretsmanager_secret" "okta_api_key" {
  name = "sym/e2e/okta-key"

  tags = {
    SymEnv = local.environment_name
  }
}

resource "sym_secret" "okta_api_key" {
  source_id = sym_secrets.this.id
  path      = aws_secretsmanager_secret.okta_api_key.name
}

resource "sym_integration" "okta" {
  type        = "okta"
  name        = "${local.environment_name}-okta"
  external_id = "acme.okta.com"

  settings = {
    api_token_secret = sym_secret.okta_api_key.id
  }
}

# One target per Okta group: the keys are known before apply, the group ids after.
resource "sym_target" "okta" {
  for_each = module.okta_groups.group_ids

  type  = "okta_group"
  name  = each.key
  label = module.okta_groups.descriptions[each.key]

  settings = {
    group_id = each.value
  }
}

resource "sym_strategy" "okta" {
  type           = "okta"
  name           = "${local.environment_name}-okta"
  integration_id = sym_integration.okta.id
  targets        = values(sym_target.okta)[*].id
}

resource "aws_lambda_function" "audit" {
  function_name = "sym-audit-${local.environment_name}"
  role          = module.runtime_connector.sym_runtime_connector_role.arn
  handler       = "handler.handle"
  runtime       = "python3.11"
  filename      = "${path.module}/audit.zip"
}

resource "sym_flow" "okta" {
  name  = "okta-access"
  label = "Okta Access"

  implementation = file("${path.module}/impls/okta_impl.py")
  environment_id = sym_environment.this.id

  vars = {
    audit_function_arn = aws_lambda_function.audit.arn
    request_channel    = "#sym-requests"
  }

  params {
    strategy_id = sym_strategy.okta.id

    prompt_field {
      name     = "reason"
      label    = "Why do you need access?"
      type     = "string"
      required = true
    }

    prompt_field {
      name           = "duration"
      type           = "duration"
      allowed_values = ["3s", "30m", "1h"]
      required       = true
    }
  }
}

# The SSO instance comes from Sym's sso-connector module, downloaded by terraform init.
module "sso_connector" {
  source  = "symopsio/sso-connector/aws"
  version = ">= 2.0.0"

  environment       = local.environment_name
  runtime_role_arns = [module.runtime_connector.settings.role_arn]
}

resource "sym_integration" "sso_context" {
  type        = "permission_context"
  name        = "${local.environment_name}-sso"
  external_id = module.sso_connector.settings.instance_arn
  settings    = module.sso_connector.settings
}

output "runtime_settings" {
  description = "The runtime connector's settings, for tools that read terraform output."
  value       = module.runtime_connector.settings
}
