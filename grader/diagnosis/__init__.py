"""Feedback that teaches: chain-rule paths, misconception detectors and instructor rules."""
