# Okta group membership granted by symflow's built-in `okta` strategy (run by the Spin
# capabilities component): added at approval, removed at expiry.
resource "sym_target" "admins" {
  type  = "okta_group"
  name  = "okta-admins"
  label = "Okta Admins"
  settings = {
    group_id = "00g-admins"
  }
}

# The fake Okta refuses changes to this group (HTTP 403).
resource "sym_target" "locked" {
  type  = "okta_group"
  name  = "okta-locked"
  label = "Locked group"
  settings = {
    group_id = "00g-locked"
  }
}

resource "sym_strategy" "okta" {
  type           = "okta"
  name           = "okta"
  integration_id = sym_integration.okta.id
  targets        = [sym_target.admins.id, sym_target.locked.id]
}

resource "sym_flow" "okta_grant" {
  name           = "okta-grant"
  label          = "Okta group access"
  implementation = file("${path.module}/impls/okta_grant_impl.py")
  environment_id = sym_environment.this.id

  params {
    strategy_id = sym_strategy.okta.id

    prompt_field {
      name     = "reason"
      label    = "Why?"
      type     = "string"
      required = true
    }

    prompt_field {
      name           = "duration"
      type           = "duration"
      allowed_values = ["1h"]
      required       = true
    }
  }
}
