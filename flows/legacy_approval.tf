# A pre-2024 flow, unchanged: the legacy get_approvers reducer routes requests
# and allows self-approval.
resource "sym_flow" "legacy_approval" {
  name           = "legacy-approval"
  label          = "Legacy Approval"
  implementation = file("${path.module}/impls/legacy_approval_impl.py")
  environment_id = sym_environment.this.id

  params {
    allow_revoke = true

    prompt_field {
      name     = "reason"
      label    = "Why do you need access?"
      type     = "string"
      required = true
    }
  }
}
