# Database access: members see the requests, only admins approve, access can be
# revoked. Payroll: only admins (and the requester) see the requests at all.
resource "sym_target" "orders_db" {
  type  = "custom"
  name  = "orders-db"
  label = "Orders database"
  settings = {
    identifier = "orders-db"
  }
}

resource "sym_strategy" "grants" {
  type           = "custom"
  name           = "grants"
  integration_id = sym_integration.grants.id
  targets        = [sym_target.orders_db.id]
  implementation = "${path.module}/impls/grants_strategy.py"
}

resource "sym_flow" "db_access" {
  name           = "db-access"
  label          = "Database Access"
  implementation = file("${path.module}/impls/db_access_impl.py")
  environment_id = sym_environment.this.id

  params {
    strategy_id              = sym_strategy.grants.id
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
      allowed_values = ["1h", "4h"]
      required       = true
    }
  }
}

resource "sym_flow" "payroll" {
  name           = "payroll"
  label          = "Payroll Admin"
  implementation = file("${path.module}/impls/payroll_impl.py")
  environment_id = sym_environment.this.id

  params {
    prompt_field {
      name     = "reason"
      type     = "string"
      required = true
    }
  }
}
