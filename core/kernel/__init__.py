"""The kernel: configuration, database engines, errors, numbers, text and personal-data rules.

Imports nothing from the rest of jixiao."""
