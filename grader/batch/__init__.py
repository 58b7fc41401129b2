"""Grading a class: the class folder, the worker pool, the SQLite gradebook, the summary."""
