terraform {
  required_version = ">= 1.0"

  required_providers {
    sym = {
      source  = "symopsio/sym"
      version = "~> 2.0"
    }
    aws = {
      source  = "hashicorp/aws"
      version = "~> 4.0"
    }
  }
}
