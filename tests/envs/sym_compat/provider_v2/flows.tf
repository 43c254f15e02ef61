# An approval-only flow: implementation is the path, relative to path.module.
resource "sym_flow" "approval" {
  name  = "approval"
  label = "Approval"

  implementation = "${path.module}/impl.py"
  environment_id = sym_environment.this.id

  params {
    prompt_field {
      name     = "resource"
      label    = "What do you need access to?"
      type     = "string"
      required = true
    }

    prompt_field {
      name     = "reason"
      label    = "Why do you need access?"
      type     = "string"
      required = true
    }
  }
}

# A flow whose name has an underscore, with a custom strategy; the paths are relative to
# the directory terraform runs in.
resource "sym_integration" "sso_tool" {
  type        = "custom"
  name        = "${local.environment_name}-sso-tool"
  external_id = "sso-tool"
}

resource "sym_target" "admin" {
  type  = "custom"
  name  = "aws-admin"
  label = "AWS Admin"

  settings = {
    identifier = "AdministratorAccess"
  }
}

resource "sym_strategy" "sso_tool" {
  type           = "custom"
  name           = "sso-tool"
  integration_id = sym_integration.sso_tool.id
  targets        = [sym_target.admin.id]
  implementation = "./impls/sso_strategy.py"
}

resource "sym_flow" "aws_sso" {
  name  = "aws_sso"
  label = "AWS SSO"

  implementation = "./impls/aws_sso_impl.py"
  environment_id = sym_environment.this.id

  params {
    strategy_id = sym_strategy.sso_tool.id

    prompt_field {
      name     = "reason"
      label    = "Why do you need access?"
      type     = "string"
      required = true
    }

    prompt_field {
      name           = "duration"
      type           = "duration"
      allowed_values = ["30m", "1h"]
      required       = true
    }
  }
}
