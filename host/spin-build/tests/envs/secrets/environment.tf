# A test environment for secrets under Spin: one custom integration references the
# sym_secrets `vault_token` and `missing_token` (so the flow is given both); `unreferenced` is
# declared but no integration references it (so the flow is not given it).
locals {
  environment_name = "secrets"
}

provider "sym" {
  org = "S-SYMFLOW01"
}

resource "sym_environment" "this" {
  name            = local.environment_name
  error_logger_id = sym_error_logger.slack.id

  integrations = {
    slack_id = sym_integration.slack.id
    vault_id = sym_integration.vault.id
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

resource "sym_secret" "vault_token" {
  path      = "sym/${local.environment_name}/vault-token"
  source_id = sym_secrets.this.id
}

resource "sym_secret" "missing_token" {
  path      = "sym/${local.environment_name}/missing-token"
  source_id = sym_secrets.this.id
}

# A JSON secret: the flow gets its "password" key.
resource "sym_secret" "db_credentials" {
  path      = "sym/${local.environment_name}/db-credentials"
  source_id = sym_secrets.this.id
  settings = {
    json_key = "password"
  }
}

resource "sym_secret" "unreferenced" {
  path      = "sym/${local.environment_name}/unreferenced"
  source_id = sym_secrets.this.id
}

resource "sym_integration" "vault" {
  type        = "custom"
  name        = "${local.environment_name}-vault"
  external_id = "vault.example.com"
  settings = {
    api_token_secret    = sym_secret.vault_token.id
    backup_token_secret  = sym_secret.missing_token.id
    db_password_secret   = sym_secret.db_credentials.id
  }
}
