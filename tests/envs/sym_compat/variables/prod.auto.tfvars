request_channel = "#prod-requests"
