variable "environment_name" {
  description = "The name of the Sym environment these resources belong to."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*$", var.environment_name))
    error_message = "The environment name must be lower-case letters, digits and dashes."
  }
}

variable "slack_workspace_id" {
  description = "The Slack workspace id (T...)."
  type        = string
}

variable "error_channel_name" {
  description = "Where Sym reports errors."
  type        = string
  default     = "#sym-errors"
}

variable "approvers_channel" {
  type = string
}

variable "okta_domain" {
  type = string
}

variable "okta_groups" {
  description = "The Okta groups requesters may ask for, by target name."
  type = map(object({
    group_id = string
    label    = optional(string)
  }))
}

variable "flow_variables" {
  description = "Configuration values for the flows, available to impl.py as event.flow.vars."
  type        = map(string)
  default     = {}
}

variable "enable_approval_flow" {
  type    = bool
  default = true
}

variable "extra_prompt_fields" {
  type = list(object({
    name     = string
    label    = string
    type     = string
    required = optional(bool, true)
  }))
  default = []
}
