terraform {
  required_version = ">= 1.3"

  required_providers {
    sym = {
      source  = "symopsio/sym"
      version = "~> 3.0"
    }
  }
}

provider "sym" {
  org = "S-MULTIENV01"
}
