# A flow that reads its secrets in on_request and reports what it got in #secrets.
resource "sym_flow" "secret_reader" {
  name           = "secret-reader"
  label          = "Secret reader"
  implementation = file("${path.module}/impls/secret_reader_impl.py")
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
