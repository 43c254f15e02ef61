# The Google Group end-to-end environment, written as a Sym user writes it: Google Workspace
# group membership granted at approval and removed at expiry by the host's built-in
# google_group strategy, pointed at the fake Google of host/service-fakes. The service
# account's key file is a sym_secret the tests provide through the local secret store.
provider "sym" {
  org = "S-E2E-GOOGLE"
}

resource "sym_environment" "this" {
  name            = "google-group"
  error_logger_id = sym_error_logger.slack.id

  integrations = {
    slack_id = sym_integration.slack.id
  }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = "google-slack"
  external_id = "T0FAKE001"
}

resource "sym_error_logger" "slack" {
  integration_id = sym_integration.slack.id
  destination    = "#sym-errors"
}

resource "sym_secrets" "this" {
  type = "aws_secrets_manager"
  name = "google-secrets"
}

resource "sym_secret" "google_key" {
  path      = "sym/e2e/google-service-account-key"
  source_id = sym_secrets.this.id
}

resource "sym_integration" "google" {
  type        = "google"
  name        = "google"
  external_id = "example.com"
  settings = {
    service_account_key_secret = sym_secret.google_key.id
    admin_email                = "admin@example.com"
  }
}

resource "sym_target" "eng" {
  type  = "google_group"
  name  = "google-eng"
  label = "Engineering"
  settings = {
    group_email = "eng@example.com"
    role        = "MEMBER"
  }
}

resource "sym_target" "locked" {
  type  = "google_group"
  name  = "google-locked"
  label = "Locked group"
  settings = {
    group_email = "locked@example.com"
  }
}

resource "sym_strategy" "google" {
  type           = "google_group"
  name           = "google-groups"
  integration_id = sym_integration.google.id
  targets        = [sym_target.eng.id, sym_target.locked.id]
}

resource "sym_flow" "google_group_access" {
  name           = "google-group-access"
  label          = "Google Group Access"
  implementation = file("${path.module}/impls/google_group_access_impl.py")
  environment_id = sym_environment.this.id

  params {
    strategy_id  = sym_strategy.google.id
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
