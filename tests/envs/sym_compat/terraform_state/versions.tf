terraform {
  required_providers {
    sym = {
      source  = "symopsio/sym"
      version = "~> 3.0"
    }
    okta = {
      source  = "okta/okta"
      version = "~> 4.6"
    }
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "sym" {
  org = "S-TFSTATE01"
}

provider "okta" {
  org_name = "acme"
  base_url = "okta.com"
}

provider "aws" {
  region = "us-east-1"
}
