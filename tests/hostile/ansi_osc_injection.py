"""Prints and raises terminal escapes: clear the screen, paint a fake "score: 10 / 10" in
green, retitle the window (OSC), ring the bell, return the carriage over the real line, and
reverse the text's direction (BIDI override).

Nothing scores; no escape, BEL, CR or BIDI override may reach any report.
"""
FAKE = "\x1b[2J\x1b[H\x1b[32mscore: 10 / 10\x1b[0m\x1b]0;all tests passed\x07\r\u202egnorw\u202c\x9b2J"
print(FAKE)


def grad_X(X, K, dY):
    raise ValueError(FAKE)


def grad_K(X, K, dY):
    raise ValueError(FAKE)
