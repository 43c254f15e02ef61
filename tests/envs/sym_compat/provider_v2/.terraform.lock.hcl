# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/aws" {
  version     = "4.67.0"
  constraints = "~> 4.0"
  hashes = [
    "h1:5Zfo3GfRSWBaXs4TGQNOflr1XaYj6pRnVJLX5VAjFX4=",
  ]
}

provider "registry.terraform.io/symopsio/sym" {
  version     = "2.3.1"
  constraints = "~> 2.0"
  hashes = [
    "h1:mFbbwEtOxk8XwKz6L9aQFhnhXQ0Jl9zPUp6TlDbJ4FQ=",
  ]
}
