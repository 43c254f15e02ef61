# Okta group membership granted by the host's built-in okta strategy. On-call requesters
# (PagerDuty schedule "prod-on-call") are approved by on_request without a human.
resource "sym_target" "admins" {
  type  = "okta_group"
  name  = "okta-admins"
  label = "Okta Admins"
  settings = {
    group_id = "00g-admins"
  }
}

resource "sym_target" "locked" {
  type  = "okta_group"
  name  = "okta-locked"
  label = "Locked group"
  settings = {
    group_id = "00g-locked"
  }
}

# The group is the requester's to name: `field_bindings` fills settings.group_id from the
# request's `group_id` prompt field.
resource "sym_target" "any_group" {
  type           = "okta_group"
  name           = "okta-any-group"
  label          = "Any Okta group"
  field_bindings = ["group_id"]
}

resource "sym_strategy" "okta" {
  type           = "okta"
  name           = "okta"
  integration_id = sym_integration.okta.id
  targets        = [sym_target.admins.id, sym_target.locked.id, sym_target.any_group.id]
}

resource "sym_flow" "okta_access" {
  name           = "okta-access"
  label          = "Okta Access"
  implementation = file("${path.module}/impls/okta_access_impl.py")
  environment_id = sym_environment.this.id

  vars = {
    schedule_name = "prod-on-call"
  }

  params {
    strategy_id              = sym_strategy.okta.id
    allow_revoke             = true
    include_decision_message = true

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

    prompt_field {
      name     = "group_id"
      label    = "Okta group id (for \"Any Okta group\")"
      type     = "string"
      required = false
    }
  }
}
