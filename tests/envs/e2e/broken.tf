# A flow whose on_request hook raises: the error goes to the error channel and
# the run ends cleanly.
resource "sym_flow" "broken" {
  name           = "broken"
  label          = "Broken Hook"
  implementation = file("${path.module}/impls/broken_impl.py")
  environment_id = sym_environment.this.id

  params {
    prompt_field {
      name     = "reason"
      type     = "string"
      required = true
    }
  }
}
