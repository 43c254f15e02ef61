# Requests go to #sym-requests first and to #sym-backup when nobody answers
# within 2 seconds; the request expires when the backups do not answer either.
resource "sym_flow" "backup" {
  name           = "backup"
  label          = "Backup Approvers"
  implementation = file("${path.module}/impls/backup_impl.py")
  environment_id = sym_environment.this.id

  params {
    prompt_field {
      name     = "reason"
      type     = "string"
      required = true
    }
  }
}
