output "settings" {
  value = {
    cloud             = "aws"
    instance_arn      = local.instance_arn
    identity_store_id = local.identity_store_id
    region            = "us-east-1"
    role_arn          = aws_iam_role.this.arn
    account_id        = data.aws_caller_identity.current.account_id
  }
}
