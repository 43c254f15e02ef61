# An approval-only flow in today's style: get_permissions decides who may
# approve, get_request_notifications where requests go.
resource "sym_flow" "approval" {
  name           = "approval"
  label          = "Approval"
  implementation = file("${path.module}/impls/approval_impl.py")
  environment_id = sym_environment.this.id

  vars = {
    request_channel = "#sym-requests"
  }

  params {
    prompt_field {
      name     = "resource"
      label    = "What do you need access to?"
      type     = "string"
      required = true
    }

    prompt_field {
      name     = "reason"
      label    = "Why do you need access?"
      type     = "string"
      required = true
    }

    prompt_field {
      name           = "environment"
      label          = "Which environment?"
      type           = "string"
      allowed_values = ["staging", "production"]
      default        = "staging"
      required       = false
    }
  }
}
