variable "sym_org_id" {
  description = "Your Sym org id (symflow login prints it)."
  type        = string
}

variable "environment_name" {
  type    = string
  default = "prod"

  validation {
    condition     = contains(["prod", "staging", "sandbox"], var.environment_name)
    error_message = "environment_name must be prod, staging or sandbox."
  }
}

variable "slack_workspace_id" {
  type = string

  validation {
    condition     = startswith(var.slack_workspace_id, "T")
    error_message = "A Slack workspace id starts with T (run /sym whoami in Slack)."
  }
}

variable "error_channel" {
  description = "Where flow errors go; null means the default."
  type        = string
  default     = "#sym-errors"
  nullable    = false
}

variable "request_channel" {
  type    = string
  default = "#sym-requests"
}

variable "pagerduty_schedule" {
  description = "The PagerDuty schedule whose on-call engineers are approved automatically."
  type        = string
}

variable "pagerduty_api_key_path" {
  description = "Where the PagerDuty API key lives in AWS Secrets Manager."
  type        = string
  sensitive   = true
}

variable "max_duration_hours" {
  type    = number
  default = 4
}

variable "flow" {
  type = object({
    name        = string
    label       = optional(string, "On-call access")
    durations   = optional(list(string), ["30m", "1h"])
    allow_guest = optional(bool, false)
  })
}
