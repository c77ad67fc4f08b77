"""Assessment: indicator schemes (and, to come, rules, results and appeals; issue 3)."""
