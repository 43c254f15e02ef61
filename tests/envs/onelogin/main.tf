# The OneLogin end-to-end environment, written as a Sym user writes it: OneLogin role
# membership granted at approval and removed at expiry by the host's built-in onelogin
# strategy, pointed at the fake OneLogin of host/service-fakes. The client secret is a
# sym_secret the tests provide through the local secret store.
provider "sym" {
  org = "S-E2E-ONELOGIN"
}

resource "sym_environment" "this" {
  name            = "onelogin"
  error_logger_id = sym_error_logger.slack.id

  integrations = {
    slack_id = sym_integration.slack.id
  }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = "onelogin-slack"
  external_id = "T0FAKE001"
}

resource "sym_error_logger" "slack" {
  integration_id = sym_integration.slack.id
  destination    = "#sym-errors"
}

resource "sym_secrets" "this" {
  type = "aws_secrets_manager"
  name = "onelogin-secrets"
}

resource "sym_secret" "onelogin_client_secret" {
  path      = "sym/e2e/onelogin-client-secret"
  source_id = sym_secrets.this.id
}

resource "sym_integration" "onelogin" {
  type        = "onelogin"
  name        = "onelogin"
  external_id = "acme"
  settings = {
    client_id     = "onelogin-test-client-id"
    client_secret = sym_secret.onelogin_client_secret.id
  }
}

resource "sym_target" "admins" {
  type  = "onelogin_role"
  name  = "onelogin-admins"
  label = "OneLogin Admins"
  settings = {
    role_id = "100"
  }
}

resource "sym_target" "locked" {
  type  = "onelogin_role"
  name  = "onelogin-locked"
  label = "Locked role"
  settings = {
    role_id = "300"
  }
}

resource "sym_strategy" "onelogin" {
  type           = "onelogin"
  name           = "onelogin"
  integration_id = sym_integration.onelogin.id
  targets        = [sym_target.admins.id, sym_target.locked.id]
}

resource "sym_flow" "onelogin_access" {
  name           = "onelogin-access"
  label          = "OneLogin Access"
  implementation = file("${path.module}/impls/onelogin_access_impl.py")
  environment_id = sym_environment.this.id

  params {
    strategy_id  = sym_strategy.onelogin.id
    allow_revoke = true

    prompt_field {
      name     = "reason"
      label    = "Why do you need access?"
      type     = "string"
      required = true
    }

    prompt_field {
      name           = "duration"
      type           = "duration"
      allowed_values = ["3s", "1h"]
      required       = true
    }
  }
}
