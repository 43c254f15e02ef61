# A stand-in for the downloaded symopsio/sso-connector/aws module: the same inputs and
# outputs, written for this test.
data "aws_caller_identity" "current" {}

data "aws_ssoadmin_instances" "this" {}

locals {
  instance_arn      = tolist(data.aws_ssoadmin_instances.this.arns)[0]
  identity_store_id = tolist(data.aws_ssoadmin_instances.this.identity_store_ids)[0]
}

resource "aws_iam_role" "this" {
  name = "SymSSO${title(var.environment)}"
  path = "/sym/"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Action    = "sts:AssumeRole"
      Effect    = "Allow"
      Principal = { AWS = var.runtime_role_arns }
    }]
  })
}
