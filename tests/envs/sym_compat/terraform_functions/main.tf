locals {
  environment_name = lower(replace("Prod Main", " ", "-"))
  defaults         = jsondecode(file("${path.module}/config/defaults.json"))
  teams_file       = yamldecode(file("${path.module}/config/teams.yaml"))

  # Team slug => settings, with the defaults filled in.
  teams = {
    for team in local.teams_file.teams : replace(lower(team.name), "/[^a-z0-9]+/", "-") => {
      label      = title(team.name)
      okta_group = team.okta_group
      approvers  = try(team.approvers, local.defaults.approvers)
      durations  = coalescelist(try(team.durations, []), local.defaults.durations)
      guests     = lookup(team, "guests", false)
    }
  }

  team_slugs      = sort(keys(local.teams))
  group_by_team   = zipmap(local.team_slugs, [for slug in local.team_slugs : local.teams[slug].okta_group])
  all_durations   = distinct(flatten([for team in values(local.teams) : team.durations]))
  okta_domain     = one([for domain in ["acme.okta.com"] : domain if can(regex("\\.okta\\.com$", domain))])
  workspace_id    = upper(trimprefix("slack-t0functns", "slack-"))
  extra_impl_path = "${path.module}/impls/extra.py"
}

resource "sym_environment" "this" {
  name            = local.environment_name
  error_logger_id = sym_error_logger.slack.id

  integrations = {
    slack_id = sym_integration.slack.id
    okta_id  = sym_integration.okta.id
  }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = format("%s-slack", local.environment_name)
  external_id = local.workspace_id
}

resource "sym_error_logger" "slack" {
  integration_id = sym_integration.slack.id
  destination    = "#sym-errors"
}

resource "sym_secrets" "this" {
  type = "aws_secrets_manager"
  name = "${local.environment_name}-secrets"
}

resource "sym_secret" "okta" {
  path      = "sym/${local.environment_name}/okta-api-key"
  source_id = sym_secrets.this.id
}

resource "sym_integration" "okta" {
  type        = "okta"
  name        = "${local.environment_name}-okta"
  external_id = local.okta_domain

  settings = {
    api_token_secret = sym_secret.okta.id
  }
}

resource "sym_target" "team" {
  for_each = local.group_by_team

  type  = "okta_group"
  name  = "${each.key}-okta"
  label = local.teams[each.key].label

  settings = {
    group_id = each.value
  }
}

resource "sym_strategy" "team" {
  for_each = local.teams

  type           = "okta"
  name           = "${each.key}-okta"
  integration_id = sym_integration.okta.id
  targets        = [sym_target.team[each.key].id]
}

resource "sym_flow" "team" {
  for_each = local.teams

  name  = "${each.key}-access"
  label = "${each.value.label} access"

  implementation = join("\n", compact([
    file("${path.module}/impls/team_impl.py"),
    fileexists(local.extra_impl_path) ? file(local.extra_impl_path) : "",
  ]))
  environment_id = sym_environment.this.id

  vars = {
    approvers        = each.value.approvers
    on_call_schedule = local.defaults.on_call_schedule
    team_b64         = base64encode(each.key)
    durations        = jsonencode(each.value.durations)
    all_durations    = join(",", local.all_durations)
  }

  params {
    strategy_id             = sym_strategy.team[each.key].id
    allow_guest_interaction = each.value.guests
    additional_header_text = trimspace(templatefile("${path.module}/config/header.md.tftpl", {
      team   = each.value.label
      max    = element(each.value.durations, length(each.value.durations) - 1)
      guests = each.value.guests
    }))

    prompt_field {
      name     = "reason"
      label    = "Why do you need access?"
      type     = "string"
      required = true
    }

    prompt_field {
      name           = "duration"
      type           = "duration"
      allowed_values = each.value.durations
      required       = true
    }
  }
}
