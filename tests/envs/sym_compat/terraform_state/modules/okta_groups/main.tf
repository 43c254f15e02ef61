variable "groups" {
  description = "Okta group name => description."
  type        = map(string)
}

resource "okta_group" "this" {
  for_each = var.groups

  name        = each.key
  description = each.value
}

output "group_ids" {
  value = { for name, group in okta_group.this : name => group.id }
}

output "descriptions" {
  value = var.groups
}
