"""Reading a written answer and deciding it: the readers per format, the grammars, and exact equivalence."""
