variable "environment" {
  type = string
}

variable "runtime_role_arns" {
  type = list(string)
}
