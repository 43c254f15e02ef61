# A flow whose on_request misbehaves as its `reason` says: `recurse` (endless
# recursion), `huge` (a multi-megabyte answer), `slow-slack` (a
# Slack call that never answers in time), `spin` (a loop until the deadline);
# anything else behaves.
resource "sym_flow" "misbehave" {
  name           = "misbehave"
  label          = "Misbehaving Hook"
  implementation = file("${path.module}/impls/misbehave_impl.py")
  environment_id = sym_environment.this.id

  params {
    prompt_field {
      name     = "reason"
      type     = "string"
      required = true
    }
  }
}
