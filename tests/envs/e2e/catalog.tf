# A flow whose Python runs before its modal can be drawn: on_prompt turns some
# people away, and the service dropdown is filled by a @prefetch reducer.
resource "sym_flow" "catalog" {
  name           = "catalog"
  label          = "Service Catalog"
  implementation = file("${path.module}/impls/catalog_impl.py")
  environment_id = sym_environment.this.id

  vars = {
    on_leave = "bob@example.com"
  }

  params {
    prompt_field {
      name     = "service"
      label    = "Which service?"
      type     = "string"
      prefetch = true
      required = true
    }
  }
}

# Hides the broken flow from everyone but admins.
resource "sym_flows_filter" "this" {
  implementation = file("${path.module}/impls/flows_filter.py")
  vars = {
    admins_only = "broken"
  }
}
