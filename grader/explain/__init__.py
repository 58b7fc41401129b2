"""Worked solutions (`grader explain`), generated from the spec and the reference.

`build.explain` makes one; `model` is what it is made of; `grader/render/explanation.py`
writes it.

The style is the seed's (a student's Maman 13): the forward equations entry by entry, the
general formula, then every requested entry through the chain rule, naming each output it
reaches (each path), and a compact matrix form at the end where the op has one. Nothing is
written by hand: equations come from the reference solver (`Exercise.solution`), forward
values from the op library, and patterns (`y_{i,j} = x_{i,j}k_1 + x_{i+1,j}k_2`, sums over
n, m) are only stated after being checked on every entry (`patterns.py`).

The result is data (`Explanation`: sections of prose keys and equations in both notations);
`grader/render/explanation.py` writes it as text, Markdown or LaTeX in any language. Its last
side of every entry equation is what `grader grade` reads as the answer, in notation the
parsers read today.
"""
