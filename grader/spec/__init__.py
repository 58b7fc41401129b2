"""Exercises: loading and validating a spec, its data, feedback rules, variants, authoring, self-tests."""
