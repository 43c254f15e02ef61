# Access through a custom strategy that counts every escalate and deescalate it
# runs (in the flow store), and whose escalate takes two seconds when the reason
# says `slow-escalate`: the crash-recovery test kills the server at each step.
resource "sym_target" "vault" {
  type  = "custom"
  name  = "vault"
  label = "Vault"
  settings = {
    identifier = "vault"
  }
}

resource "sym_strategy" "counted" {
  type           = "custom"
  name           = "counted"
  integration_id = sym_integration.counted.id
  targets        = [sym_target.vault.id]
  implementation = "${path.module}/impls/counted_strategy.py"
}

resource "sym_flow" "grant" {
  name           = "grant"
  label          = "Counted Grant"
  implementation = file("${path.module}/impls/grant_impl.py")
  environment_id = sym_environment.this.id

  params {
    strategy_id  = sym_strategy.counted.id
    allow_revoke = true

    prompt_field {
      name     = "reason"
      type     = "string"
      required = true
    }

    prompt_field {
      name           = "duration"
      type           = "duration"
      allowed_values = ["4s", "1h"]
      required       = true
    }
  }
}
