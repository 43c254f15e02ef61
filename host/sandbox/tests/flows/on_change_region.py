from sym.sdk.forms import FieldOption


def on_change_region(username, form):
    zone = form.fields["zone"]
    region = form.fields["region"].value
    zone.current_allowed_values = [FieldOption(value=f"{region}-a", label=f"{region}-a")]
    zone.visible = True
    return form
