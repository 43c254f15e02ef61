def get_flows(user, flows, flows_filter_vars):
    """Only people of the report domain see the PagerDuty report."""
    if user.email.endswith("@" + flows_filter_vars["report_domain"]):
        return flows
    return [flow for flow in flows if flow.name != "pagerduty-report"]
