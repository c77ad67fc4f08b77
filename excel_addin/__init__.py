"""Excel integration: xlwings add-in and .xlsx templates (not built yet)."""
