# A test environment for GitHub under Spin: Slack plus a GitHub integration, a flow granting
# repository access with the built-in `github` strategy.
locals {
  environment_name = "github"
}

provider "sym" {
  org = "S-SYMFLOW01"
}

resource "sym_environment" "this" {
  name            = local.environment_name
  error_logger_id = sym_error_logger.slack.id

  integrations = {
    slack_id  = sym_integration.slack.id
    github_id = sym_integration.github.id
  }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = "${local.environment_name}-slack"
  external_id = "T01SYMFLOW"
}

resource "sym_error_logger" "slack" {
  integration_id = sym_integration.slack.id
  destination    = "#sym-errors"
}

resource "sym_secrets" "this" {
  type = "aws_secrets_manager"
  name = "${local.environment_name}-sym-secrets"
}

resource "sym_secret" "github_token" {
  path      = "sym/${local.environment_name}/github-token"
  source_id = sym_secrets.this.id
}

resource "sym_integration" "github" {
  type        = "github"
  name        = "${local.environment_name}-github"
  external_id = "acme"
  settings = {
    api_token_secret = sym_secret.github_token.id
  }
}

resource "sym_target" "api" {
  type  = "github_repo"
  name  = "api-repo"
  label = "acme/api"
  settings = {
    repo_name  = "api"
    permission = "push"
  }
}

resource "sym_strategy" "github" {
  type           = "github"
  name           = "github"
  integration_id = sym_integration.github.id
  targets        = [sym_target.api.id]
}

resource "sym_flow" "github_grant" {
  name           = "github-grant"
  label          = "Repository access"
  implementation = file("${path.module}/impls/github_grant_impl.py")
  environment_id = sym_environment.this.id

  params {
    strategy_id = sym_strategy.github.id

    prompt_field {
      name     = "reason"
      label    = "Why?"
      type     = "string"
      required = true
    }

    prompt_field {
      name           = "duration"
      type           = "duration"
      allowed_values = ["1h"]
      required       = true
    }
  }
}
