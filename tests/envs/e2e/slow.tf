# A flow whose on_request takes two seconds, long enough to stop the server in
# the middle of it.
resource "sym_flow" "slow" {
  name           = "slow"
  label          = "Slow Hook"
  implementation = file("${path.module}/impls/slow_impl.py")
  environment_id = sym_environment.this.id

  params {
    prompt_field {
      name     = "reason"
      type     = "string"
      required = true
    }
  }
}
