locals {
  slack_workspace_id = "T0MULTIENV"

  # The Okta groups each environment grants, by environment.
  okta_groups = {
    main = {
      "prod-readonly" = { group_id = "00g1readonly", label = "Prod (read only)" }
      "prod-admin"    = { group_id = "00g1admin", label = "Prod (admin)" }
    }
    sandbox = {
      "staging-admin" = { group_id = "00g2staging", label = "Staging (admin)" }
    }
  }
}

# Our stable environment for daily use.
module "main" {
  source = "../modules/sym_environment"

  environment_name   = "main"
  slack_workspace_id = local.slack_workspace_id
  okta_domain        = "acme.okta.com"
  okta_groups        = local.okta_groups["main"]
  approvers_channel  = "#sym-requests"

  flow_variables = {
    request_channel = "#sym-requests"
    approvers       = "alice@acme.io,bob@acme.io"
  }
}

# A sandbox environment to try changes to the flows before they reach main.
module "sandbox" {
  source = "../modules/sym_environment"

  environment_name     = "sandbox"
  slack_workspace_id   = local.slack_workspace_id
  okta_domain          = "acme.okta.com"
  okta_groups          = local.okta_groups["sandbox"]
  approvers_channel    = "#sym-sandbox"
  enable_approval_flow = false
  extra_prompt_fields = [
    { name = "ticket", label = "Jira ticket", type = "string", required = false },
  ]
}

# A flow declared next to the modules, in the main environment (a module output).
resource "sym_flow" "break_glass" {
  name  = "break-glass"
  label = "Break glass (main)"

  implementation = file("${path.module}/../modules/sym_environment/impls/approval_impl.py")
  environment_id = module.main.environment_id

  vars = {
    okta_targets = join(",", module.main.okta_target_names)
  }

  params {
    prompt_field {
      name     = "reason"
      label    = "What is broken?"
      type     = "string"
      required = true
    }
  }
}

output "flows" {
  value = concat(module.main.flow_names, module.sandbox.flow_names, [sym_flow.break_glass.name])
}
