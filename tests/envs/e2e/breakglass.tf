# Access to one target through a custom strategy, with short durations so tests
# can watch access expire. Members approve; nobody approves their own request;
# on-call requesters are approved by on_request.
resource "sym_target" "prod_db" {
  type  = "custom"
  name  = "prod-db"
  label = "Production database"
  settings = {
    identifier = "prod-db"
  }
}

resource "sym_strategy" "breakglass" {
  type           = "custom"
  name           = "breakglass"
  integration_id = sym_integration.breakglass.id
  targets        = [sym_target.prod_db.id]
  implementation = "${path.module}/impls/breakglass_strategy.py"
}

resource "sym_flow" "breakglass" {
  name           = "breakglass"
  label          = "Break Glass"
  implementation = file("${path.module}/impls/breakglass_impl.py")
  environment_id = sym_environment.this.id

  vars = {
    schedule_name = "prod-on-call"
  }

  params {
    strategy_id              = sym_strategy.breakglass.id
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
      allowed_values = ["3s", "8s", "1h"]
      required       = true
    }
  }
}
