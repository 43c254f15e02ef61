resource "sym_flow" "f" {
  name           = "f"
  implementation = file("/dev/zero")
}
