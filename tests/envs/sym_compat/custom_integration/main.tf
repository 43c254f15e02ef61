terraform {
  required_providers {
    sym = {
      source  = "symopsio/sym"
      version = "~> 3.0"
    }
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "sym" {
  org = "S-CUSTOM0001"
}

locals {
  environment_name = "main"
}

module "runtime_connector" {
  source  = "symopsio/runtime-connector/aws"
  version = "~> 2.0"

  addons      = ["aws/secretsmgr"]
  environment = local.environment_name
}

resource "sym_integration" "runtime_context" {
  type        = "permission_context"
  name        = "${local.environment_name}-runtime"
  external_id = module.runtime_connector.settings.account_id
  settings    = module.runtime_connector.settings
}

resource "sym_secrets" "this" {
  type = "aws_secrets_manager"
  name = "${local.environment_name}-sym-secrets"

  settings = {
    context_id = sym_integration.runtime_context.id
  }
}

# Set the value with: aws secretsmanager put-secret-value --secret-id main/rota-api-key ...
resource "aws_secretsmanager_secret" "rota_api_key" {
  name        = "${local.environment_name}/rota-api-key"
  description = "API key Sym uses to ask Rota who is on call"

  tags = {
    SymEnv = local.environment_name
  }
}

resource "sym_secret" "rota_api_key" {
  source_id = sym_secrets.this.id
  path      = aws_secretsmanager_secret.rota_api_key.name
}

resource "sym_secret" "rota_webhook_token" {
  source_id = sym_secrets.this.id
  path      = "${local.environment_name}/rota-webhook"

  settings = {
    json_key = "token"
  }
}

resource "sym_integration" "rota" {
  type        = "custom"
  name        = "${local.environment_name}-rota"
  external_id = "acme-rota-account"

  settings = {
    secret_ids_json = jsonencode([sym_secret.rota_api_key.id, sym_secret.rota_webhook_token.id])
    allowed_hosts   = "api.rota.example"
  }
}

resource "sym_environment" "this" {
  name            = local.environment_name
  error_logger_id = sym_error_logger.slack.id

  integrations = {
    slack_id = sym_integration.slack.id
    rota_id  = sym_integration.rota.id
  }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = "${local.environment_name}-slack"
  external_id = "T0CUSTOM01"
}

resource "sym_error_logger" "slack" {
  integration_id = sym_integration.slack.id
  destination    = "#sym-errors"
}

resource "sym_flow" "this" {
  name  = "approval"
  label = "Approval"

  implementation = file("${path.module}/impl.py")
  environment_id = sym_environment.this.id

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
