terraform {
  required_providers {
    sym = {
      source  = "symopsio/sym"
      version = "~> 3.0"
    }
  }
}

provider "sym" {
  org = "S-ALLOWHOST1"
}

resource "sym_environment" "this" {
  name = "prod"

  integrations = {
    slack_id   = sym_integration.slack.id
    partner_id = sym_integration.partner.id
  }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = "prod-slack"
  external_id = "T0ALLOWHST"
}

resource "sym_integration" "partner" {
  type        = "custom"
  name        = "prod-partner"
  external_id = "partner"

  settings = {
    allowed_hosts = "api.partner.example"
  }
}

resource "sym_flow" "notify" {
  name           = "partner-notify"
  label          = "Partner access"
  implementation = file("${path.module}/impl.py")
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
