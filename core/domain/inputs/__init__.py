"""Inputs to the assessment: values, ratings, expert panels, reviewers' items, review
decisions and evidence, each recorded, corrected or withdrawn through the ledger."""
