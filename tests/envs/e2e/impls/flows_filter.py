def get_flows(user, flows, flows_filter_vars):
    if user.role.value == "admin":
        return flows
    return [flow for flow in flows if flow.name != flows_filter_vars["admins_only"]]
