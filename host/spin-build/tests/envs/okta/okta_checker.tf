# A flow that asks Okta about its requester in on_request and reports in #okta.
resource "sym_flow" "okta_checker" {
  name           = "okta-checker"
  label          = "Okta checker"
  implementation = file("${path.module}/impls/okta_checker_impl.py")
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
