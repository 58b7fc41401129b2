"""Answers with kinks (relu, max, min, abs, the step, leaky relu and other Piecewise of one
comparison, max-pool routing), decided by
a case split on the signs of the kinks' arguments.

Each kink depends on the sign of one linear form u of the symbols (its argument, or the
difference of two arguments of max/min). The split takes u > 0, u = 0 and u < 0 in turn; on
each side every kink of u takes one exact value (the step is 0 at 0, relu'(0) = 0), and on
u = 0 one symbol is eliminated with the equation, so what is compared there is the answer on
that hyperplane. A combination of signs that no point satisfies is pruned by an exact rational
feasibility test (Fourier-Motzkin elimination of the strict inequalities). Every remaining
region is open in its hyperplane and non-empty, and each side is an analytic function there, so:

- the difference is zero on every region  -> equal everywhere (a proof);
- it is non-zero as a function on one region -> different (that region holds a point where
  the two differ: a proof), and so is an answer undefined on a region where the reference is
  defined (max(0, z)/z at z = 0);
- a kink of a non-linear argument is still split (on its sign, without pruning or
  elimination): equality on every branch is still a proof, a difference is a review.

More cases than the budget allows, or a branch that cannot be decided, is a review.
"""
from __future__ import annotations

from fractions import Fraction

import sympy

from .exact import Budget, Decision, Undecided, decide_smooth
from .witness import base_value, differ_at
from .polynomials import ExpansionTooBig, to_poly

KINKS = (sympy.Heaviside, sympy.Max, sympy.Min, sympy.Abs, sympy.sign, sympy.Piecewise)
MAX_CASES = 1024  # leaves of one split (10 relu units); beyond them the entry goes to review
MAX_WITNESS_REGIONS = 8  # undecided cases in which a witness point is looked for
MAX_CONSTRAINTS = 400  # Fourier-Motzkin rows; beyond them a region is not pruned

Linear = dict  # symbol name (or "" for the constant) -> Fraction


def has_kinks(expr) -> bool:
    return expr.has(*KINKS)


def _linear(expr) -> Linear | None:
    try:
        poly = to_poly(expr)
    except ExpansionTooBig:
        return None
    if poly is None:
        return None
    out: Linear = {}
    for mono, c in poly.items():
        if len(mono) > 1 or (mono and mono[0][1] != 1):
            return None
        out[mono[0][0] if mono else ""] = Fraction(c)
    return out


def _condition(atom) -> tuple:
    """(form, strict) for a Piecewise's first condition: its first piece holds where form > 0
    (strict) or form >= 0. Raises Undecided for a condition that is not one comparison."""
    cond = atom.args[0].cond
    if cond is sympy.true or len(atom.args) == 1:
        return sympy.S.One, True
    if isinstance(cond, (sympy.StrictGreaterThan, sympy.GreaterThan)):
        return cond.lhs - cond.rhs, isinstance(cond, sympy.StrictGreaterThan)
    if isinstance(cond, (sympy.StrictLessThan, sympy.LessThan)):
        return cond.rhs - cond.lhs, isinstance(cond, sympy.StrictLessThan)
    raise Undecided("no-exact-procedure")


def _decision_forms(atom) -> list:
    """The expressions whose signs decide the kink."""
    if isinstance(atom, (sympy.Max, sympy.Min)):
        args = atom.args
        return [args[0] - args[1]]
    if isinstance(atom, sympy.Piecewise):
        return [_condition(atom)[0]]
    return [atom.args[0]]


def _innermost(expr) -> list:
    found = []
    for atom in sympy.preorder_traversal(expr):
        if isinstance(atom, KINKS) and not any(has_kinks(a) for a in atom.args):
            found.append(atom)
    return sorted(set(found), key=sympy.default_sort_key)


def _resolve(atom, k: Fraction, sign: int):
    """The kink's value when its first decision form is k * u and u has this sign (+1, 0, -1)."""
    sign = sign * ((k > 0) - (k < 0))
    if isinstance(atom, sympy.Heaviside):
        at_zero = atom.args[1] if len(atom.args) > 1 else sympy.S.Half
        return sympy.S.One if sign > 0 else at_zero if sign == 0 else sympy.S.Zero
    if isinstance(atom, sympy.Abs):
        return atom.args[0] * sign if sign else sympy.S.Zero
    if isinstance(atom, sympy.sign):
        return sympy.Integer(sign)
    if isinstance(atom, sympy.Piecewise):
        _, strict = _condition(atom)
        if sign > 0 or (sign == 0 and not strict):
            return atom.args[0].expr
        rest = atom.args[1:]
        return rest[0].expr if len(rest) == 1 or rest[0].cond is sympy.true else sympy.Piecewise(*rest)
    args = list(atom.args)
    keep_first = sign >= 0 if isinstance(atom, sympy.Max) else sign <= 0
    rest = [args[0]] + args[2:] if keep_first else args[1:]
    return rest[0] if len(rest) == 1 else atom.func(*rest)


def _unit(linear: Linear) -> tuple[tuple, Fraction]:
    """(key, k): linear = k * u for the unit u whose first coefficient is 1 (one key per line)."""
    first = min(name for name in linear if name)
    k = linear[first]
    return tuple(sorted((name, v / k) for name, v in linear.items())), k


def _closed_side(atoms: list) -> int | None:
    """The side (+1 or -1) whose values hold at u = 0 too, or None when u = 0 is a case of its own:
    max, min and abs are continuous (either side), the step 1[k u > 0] is 0 at 0 (the side where
    k u < 0); a sign, or steps of both orientations, need u = 0 apart."""
    side = 0
    for atom, k in atoms:
        if isinstance(atom, (sympy.Max, sympy.Min, sympy.Abs)):
            continue
        if isinstance(atom, sympy.Piecewise):
            # value at 0: the first piece for >=, the rest for > (as the step)
            wanted = (1 if k > 0 else -1) * (-1 if _condition(atom)[1] else 1)
        elif not isinstance(atom, sympy.Heaviside) or len(atom.args) < 2 or atom.args[1] != 0:
            return None
        else:
            wanted = -1 if k > 0 else 1
        if side and side != wanted:
            return None
        side = wanted
    return side or 1


class _Split:
    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.leaves = 0
        self.review = ""  # the first reason a branch could not be decided
        self.undecided: list = []  # regions (rows over the symbols) whose case ended in review

    def run(self, student, reference, region: list, exact: bool, plain: bool = True) -> Decision:
        """'equal' or 'different' (proved) or 'review'."""
        self.budget.spend(1)
        # Kinks of terms the two sides share cancel in the difference: no split on them.
        atoms = _innermost(student - reference)
        if not atoms:
            return self.leaf(student, reference, region, exact, plain)
        linear = _linear(_decision_forms(atoms[0])[0])
        if linear is None:
            return self.split_opaque(student, reference, region, atoms[0])
        if not any(v for k, v in linear.items() if k):
            constant = linear.get("", Fraction(0))
            sign = (constant > 0) - (constant < 0)
            value = _resolve(atoms[0], Fraction(1), sign)
            return self.run(student.xreplace({atoms[0]: value}), reference.xreplace({atoms[0]: value}), region, exact,
                            plain)
        key, _ = _unit(linear)
        unit = dict(key)
        same = []  # every kink decided by this unit, with its factor
        for atom in atoms:
            form = _linear(_decision_forms(atom)[0])
            if form is not None and any(v for n, v in form.items() if n):
                other, k = _unit(form)
                if other == key:
                    same.append((atom, k))
        closed = _closed_side(same)
        if closed is not None and _in_denominator(student, unit):
            closed = None  # max(0, z)/z: the answer at z = 0 must be looked at on its own
        signs = (1, -1) if closed is not None else (1, 0, -1)
        outcome: Decision = "equal"
        for sign in signs:
            result = self.branch(student, reference, region, exact, same, unit, sign,
                                 strict=closed is None or sign != closed, plain=plain)
            if result == "different":
                return result
            if result == "review":
                outcome = "review"
        return outcome

    def branch(self, student, reference, region, exact, same, unit, sign, strict, plain) -> Decision:
        if sign != 0:
            region = region + [({k: sign * v for k, v in unit.items()}, strict)]
            if not _feasible(region, self.budget):
                return "equal"  # no point has these signs
            values = {atom: _resolve(atom, k, sign) for atom, k in same}
            return self.run(student.xreplace(values), reference.xreplace(values), region, exact, plain)
        # On u = 0 one symbol is eliminated first, so the kinks of u evaluate themselves at 0 and
        # an answer undefined there (max(0, z)/z) shows it.
        name = min(k for k, v in unit.items() if k)
        symbol = next((s for s in student.free_symbols | reference.free_symbols if s.name == name),
                      sympy.Symbol(name))
        # unit = name + rest (the unit's first coefficient is 1), so name = -rest on u = 0
        value = -sympy.Add(*[(_rational(v) * sympy.Symbol(k) if k else _rational(v))
                             for k, v in unit.items() if k != name])
        student, reference = student.xreplace({symbol: value}), reference.xreplace({symbol: value})
        region = [(_substitute(row, name, unit), s) for row, s in region]
        if not _feasible(region, self.budget):
            return "equal"
        if _undefined(student) and not _undefined(reference):
            return "different" if exact else self.refuse("no-exact-procedure")
        return self.run(student, reference, region, exact, False)

    def split_opaque(self, student, reference, region, atom) -> Decision:
        """A kink of a non-linear argument: each sign in turn, no pruning; equal on all is a proof,
        a difference is not (the branch may hold no point)."""
        outcome: Decision = "equal"
        for sign in (1, 0, -1):
            value = _resolve(atom, Fraction(1), sign)
            result = self.run(student.xreplace({atom: value}), reference.xreplace({atom: value}), region, False)
            if result != "equal":
                outcome = "review"
        return outcome

    def leaf(self, student, reference, region, exact, plain) -> Decision:
        self.leaves += 1
        if self.leaves > MAX_CASES:
            raise Undecided("too-many-cases")
        if _undefined(student) and not _undefined(reference):
            return "different" if exact else self.refuse("no-exact-procedure")
        decision, reason = decide_smooth(student - reference, self.budget)
        if decision == "different" and not exact:
            return self.refuse("nonlinear-kink")
        if decision == "different" and not _feasible([(row, True) for row, _ in region], self.budget):
            return self.refuse("too-many-cases")  # a region of no interior: no witness of the difference
        if decision == "review":
            if plain and len(self.undecided) < MAX_WITNESS_REGIONS:
                self.undecided.append(region)
            return self.refuse(reason)
        return decision

    def refuse(self, reason: str) -> Decision:
        self.review = self.review or reason
        return "review"


def _rational(v: Fraction):
    return sympy.Rational(v.numerator, v.denominator)


def _in_denominator(expr, unit: Linear) -> bool:
    names = {k for k in unit if k}
    return any(p.exp.is_negative and any(s.name in names for s in p.base.free_symbols)
               for p in expr.atoms(sympy.Pow))


def _undefined(expr) -> bool:
    return expr.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo)


def _substitute(row: Linear, name: str, equation: Linear) -> Linear:
    """`row` with `name` eliminated using equation = 0."""
    c = row.get(name)
    if not c:
        return row
    factor = c / equation[name]
    out = dict(row)
    for k, v in equation.items():
        out[k] = out.get(k, 0) - factor * v
    out.pop(name, None)
    return {k: v for k, v in out.items() if v}


def _feasible(rows: list, budget: Budget) -> bool:
    """Whether some point satisfies every (linear form, strict) row: form > 0 when strict, else
    form >= 0. Fourier-Motzkin elimination over Q (a combination is strict when either row is),
    exact; more than MAX_CONSTRAINTS rows is a review."""
    current = {_key(r, s): (r, s) for r, s in rows}
    while True:
        for r, strict in current.values():
            if set(r) <= {""}:
                c = r.get("", 0)
                if c < 0 or (strict and c == 0):
                    return False
        live = [(r, s) for r, s in current.values() if not set(r) <= {""}]
        names = sorted({k for r, _ in live for k in r if k})
        if not names:
            return True
        name = min(names, key=lambda n: sum(1 for r, _ in live if n in r))
        pos = [(r, s) for r, s in live if r.get(name, 0) > 0]
        neg = [(r, s) for r, s in live if r.get(name, 0) < 0]
        budget.spend(len(pos) * len(neg) + len(live))
        current = {_key(r, s): (r, s) for r, s in live if name not in r}
        for p, ps in pos:
            for n, ns in neg:
                a, b = p[name], -n[name]
                row = {}
                for k in set(p) | set(n):
                    if k != name:
                        v = p.get(k, 0) / a + n.get(k, 0) / b
                        if v:
                            row[k] = v
                row = _normal(row)
                current[_key(row, ps or ns)] = (row, ps or ns)
        if len(current) > MAX_CONSTRAINTS:
            raise Undecided("too-many-cases")


def _normal(row: Linear) -> Linear:
    scale = max((abs(v) for k, v in row.items() if k), default=Fraction(1)) or Fraction(1)
    return {k: v / scale for k, v in row.items()}


def _key(row: Linear, strict: bool) -> tuple:
    return tuple(sorted(row.items())), strict


def decide_kinks(student, reference, budget: Budget) -> tuple[Decision, str]:
    """("equal" | "different" | "review", reason) for answers with kinks."""
    split = _Split(budget)
    try:
        outcome = split.run(student, reference, [], True)
    except Undecided as stop:
        return "review", stop.reason
    if outcome == "review":
        # A case the exact classes left open (roots, log) may still hold a point where the two
        # differ: one point inside each such region is offered to the witness (it only refuses).
        names = sorted({s.name for s in student.free_symbols | reference.free_symbols})
        for region in split.undecided:
            point = _interior_point(region, names)
            if point is not None and differ_at(student, reference, point, budget):
                return "different", ""
    return outcome, split.review if outcome == "review" else ""


def _interior_point(region: list, names: list) -> dict | None:
    """A rational point strictly inside the region (rows > 0), or None: a few passes that move one
    variable of each violated row just past its boundary, from the witness's base point. Not
    finding one proves nothing; a point found is checked exactly."""
    point = {name: base_value(j, 0) for j, name in enumerate(names)}

    def value(row):
        return row.get("", 0) + sum(c * point.get(k, 0) for k, c in row.items() if k)

    for _ in range(3):
        for row, _strict in region:
            if value(row) > 0:
                continue
            name = max((k for k in row if k), key=lambda k: abs(row[k]), default=None)
            if name is None:
                return None
            point[name] += (1 - value(row)) / row[name]
        if all(value(row) > 0 for row, _ in region):
            return point
    return None
