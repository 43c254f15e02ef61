terraform {
  required_providers {
    sym = {
      source  = "symopsio/sym"
      version = "~> 3.0"
    }
  }
}

provider "sym" {
  org = var.sym_org_id
}
