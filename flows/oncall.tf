# On-call engineers get access without waiting: on_request asks PagerDuty and
# approves the request itself when the requester is on call. Everyone else
# waits for a human in #sym-requests. Access is granted by the break-glass
# strategy and removed when the requested duration runs out.
resource "sym_integration" "breakglass" {
  type        = "custom"
  name        = "${local.environment_name}-breakglass"
  external_id = "breakglass"
}

resource "sym_target" "prod_db" {
  type  = "custom"
  name  = "prod-db"
  label = "Production database"
  settings = {
    identifier = "prod-db"
  }
}

resource "sym_target" "prod_admin" {
  type  = "custom"
  name  = "prod-admin"
  label = "Production admin role"
  settings = {
    identifier = "prod-admin"
  }
}

resource "sym_strategy" "breakglass" {
  type           = "custom"
  name           = "breakglass"
  integration_id = sym_integration.breakglass.id
  targets        = [sym_target.prod_db.id, sym_target.prod_admin.id]
  implementation = "${path.module}/impls/breakglass_strategy.py"
}

resource "sym_flow" "oncall" {
  name           = "oncall-access"
  label          = "On-call Access"
  implementation = file("${path.module}/impls/oncall_impl.py")
  environment_id = sym_environment.this.id

  vars = {
    schedule_name = "prod-on-call"
  }

  params {
    strategy_id = sym_strategy.breakglass.id

    prompt_field {
      name     = "reason"
      label    = "Why do you need access?"
      type     = "string"
      required = true
    }

    prompt_field {
      name           = "duration"
      type           = "duration"
      allowed_values = ["30m", "1h", "4h"]
      required       = true
    }
  }
}
