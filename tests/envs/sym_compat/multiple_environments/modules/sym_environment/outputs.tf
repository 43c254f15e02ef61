output "environment_id" {
  description = "The sym_environment, for flows declared outside this module."
  value       = sym_environment.this.id
}

output "flow_names" {
  value = concat([sym_flow.okta.name], sym_flow.approval[*].name)
}

output "okta_target_names" {
  value = sort([for target in sym_target.okta_group : target.name])
}
