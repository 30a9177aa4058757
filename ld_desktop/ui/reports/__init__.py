"""The Reports place: dashboard, data quality and the monthly return."""
