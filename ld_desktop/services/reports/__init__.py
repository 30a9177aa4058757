"""Reports: the team's dashboard, data quality, and the monthly return to the commissioner."""
