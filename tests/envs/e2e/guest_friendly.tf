# An approval-only flow open to everyone: guests may act on requests and
# requesters may approve their own.
resource "sym_flow" "guest_friendly" {
  name           = "guest-friendly"
  label          = "Guest Friendly"
  implementation = file("${path.module}/impls/guest_friendly_impl.py")
  environment_id = sym_environment.this.id

  params {
    allow_guest_interaction = true

    prompt_field {
      name     = "reason"
      type     = "string"
      required = true
    }
  }
}
