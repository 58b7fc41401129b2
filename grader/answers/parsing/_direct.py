"""A parse tree read straight into an exact polynomial, with no sympy object built.

Most answers are sums of products of entries. Building each as sympy (Add, Mul, Symbol) was
most of the time of grading a large answer, although a right answer only needs its expanded
polynomial compared with the reference's. This reader walks the same tree as the sympy
`Builder`, for the subset of forms that are polynomials (entries, numbers, + - * /number,
integer powers, sums with numeric bounds), and resolves every entry through the Builder's own
checks (ranges, forward outputs, index rules). Anything else, and anything the Builder would
refuse, gives None: the caller then builds the sympy expression, which says what is wrong.
The Builder stays the reference; this reader is never more permissive than it.
"""
from __future__ import annotations

import itertools
import re
from fractions import Fraction
from functools import lru_cache

from lark import Token, Tree

from ..polynomials import MAX_TERMS, ExpansionTooBig, Poly, accumulate, add_into, mul
from . import _grammars
from ._transform import Builder, SemanticError


class _Refused(Exception):
    """The direct reader does not take this form; the sympy path decides."""


def read_polynomial(tree: Tree, builder: Builder, memo: dict | None = None) -> dict | None:
    """The expanded polynomial of an answer's parse tree, or None (see the module doc).

    `memo` may be shared by the answers of one file read with one notation: it holds entries
    already resolved (the same dy[1,1] appears in many answers).
    """
    try:
        return _Walk(builder, memo).value(tree, {})
    except (_Refused, SemanticError, ExpansionTooBig, RecursionError, ZeroDivisionError, ValueError):
        return None


def _constant(poly: dict):
    """The number a polynomial is, or _Refused."""
    if not poly:
        return 0
    if len(poly) == 1 and () in poly:
        return poly[()]
    raise _Refused


def _integer(poly: dict) -> int:
    value = _constant(poly)
    if isinstance(value, Fraction):
        if value.denominator != 1:
            raise _Refused
        value = value.numerator
    return value


def _neg(poly: dict) -> dict:
    return {m: -c for m, c in poly.items()}


_BUILDER_RULES = frozenset({"entry_literal", "tex_entry_literal", "upstream_literal", "name", "letter",
                            "upstream_plain", "bare_entry"})


class _Walk:
    def __init__(self, builder: Builder, memo: dict | None = None) -> None:
        self.b = builder
        self.budget = builder.limits.max_nodes
        # (name, indices, latex) or (token type, text) -> polynomial of the entry
        self.entries: dict = {} if memo is None else memo
        self.rules: dict = {}

    def __getattr__(self, rule: str):
        # lark re-wraps a v_args method on every attribute lookup (functools.update_wrapper): look
        # each up once, and only when needed; with a warm memo, a flat answer needs none of them.
        if rule not in _BUILDER_RULES:
            raise AttributeError(rule)
        found = getattr(self.b, rule)
        setattr(self, rule, found)
        return found

    def value(self, node, env: dict) -> dict:
        if isinstance(node, Token):
            return self.token(node, env)
        rule = self.rules.get(node.data)
        if rule is None:
            rule = self.rules[node.data] = getattr(self, "r_" + node.data, None) or self.refuse
        return rule(node.children, env)

    def refuse(self, children, env):
        raise _Refused

    # ---- leaves ----------------------------------------------------------------------------
    def symbol(self, sym) -> dict:
        if not getattr(sym, "is_Symbol", False) or sym in self.b.loose:
            raise _Refused  # e, an index variable outside a sum: the Builder decides
        return {((sym.name, 1),): 1}

    def token(self, tok: Token, env: dict) -> dict:
        raise _Refused

    def r_number(self, children, env):
        whole, _, frac = str(children[0]).partition(".")
        value = int(whole or "0") if not frac else Fraction(int((whole or "0") + frac), 10 ** len(frac))
        return {(): value} if value else {}

    def literal(self, tok: Token, read) -> dict:
        # An entry written with literal indices means the same wherever it stands: resolve its
        # text once (the Builder's checks run that once; an error refuses the whole answer).
        key = (tok.type, str(tok))
        found = self.entries.get(key)
        if found is None:
            found = self.entries[key] = self.symbol(read(tok))
        return found

    def r_entry_literal(self, children, env):
        return self.literal(children[0], self.entry_literal)

    def r_tex_entry_literal(self, children, env):
        return self.literal(children[0], self.tex_entry_literal)

    def r_upstream_literal(self, children, env):
        return self.literal(children[0], self.upstream_literal)

    def r_signed(self, children, env):
        value = self.value(children[1], env)
        return _neg(value) if children[0] == "-" else value

    def r_upstream_plain(self, children, env):
        return self.literal(children[0], self.upstream_plain)

    def r_bare_entry(self, children, env):
        return self.literal(children[0], self.bare_entry)

    def r_name(self, children, env):
        tok = children[0]
        if str(tok) in env:
            return {(): env[str(tok)]} if env[str(tok)] else {}
        return self.symbol(self.name(tok))

    def r_letter(self, children, env):
        tok = children[0]
        if str(tok) in env:
            return {(): env[str(tok)]} if env[str(tok)] else {}
        return self.symbol(self.letter(tok))

    def r_entry(self, children, env):
        tok, rest = children[0], children[1:]
        if len(rest) == 1 and isinstance(rest[0], Tree) and rest[0].data in ("sub_braced", "sub_single"):
            sub = rest[0]
            first = sub.children[0]
            if sub.data == "sub_single" and isinstance(first, Token) and first.type == "NUMBER" and len(first) > 1:
                raise _Refused  # k_12: the Builder explains how TeX reads it
            if len(sub.children) == 1 and isinstance(sub.children[0], Tree) and sub.children[0].data == "number":
                raise _Refused  # x_{21}: the digit rule is the Builder's
            return self.entry(tok, tuple(_integer(self.index(c, env)) for c in sub.children), True)
        return self.entry(tok, tuple(_integer(self.index(c, env)) for c in rest), False)

    def entry(self, tok, values: tuple[int, ...], latex: bool) -> dict:
        # A sum resolves the same few entries hundreds of times; the checks are the Builder's.
        key = (str(tok), values, latex)
        found = self.entries.get(key)
        if found is None:
            found = self.entries[key] = {((self.b.entry_name_at(tok, values, latex), 1),): 1}
        return found

    def index(self, node, env):
        if isinstance(node, Token):  # sub_single's NUMBER or LETTER
            if node.type == "NUMBER":
                return {(): int(str(node))}
            if str(node) in env:
                return {(): env[str(node)]}
            raise _Refused
        return self.value(node, env)

    def r_derivative(self, children, env):
        if not (isinstance(children[0], Token) and children[0].type == "FRAC"):
            raise _Refused
        loss, (letter, sub) = children[2], (children[4].children + [None])[:2]
        if sub is None or sub.data != "sub_braced" or len(sub.children) < 2:
            raise _Refused
        values = tuple(_integer(self.index(c, env)) for c in sub.children)
        key = ("d" + str(loss.children[0]), str(letter), values)
        found = self.entries.get(key)
        if found is None:
            found = self.entries[key] = self.symbol(self.b.upstream_at(loss.children[0], letter, values))
        return found

    # ---- structure -------------------------------------------------------------------------
    def r_start_expr(self, children, env):
        return self.value(children[0], env)

    def r_sum(self, children, env):
        total = dict(self.value(children[0], env))
        for op, term in zip(children[1::2], children[2::2]):
            part = self.value(term, env)
            add_into(total, _neg(part) if op == "-" else part)
        return total

    def r_term(self, children, env):
        value = self.value(children[-1], env)
        return _neg(value) if sum(1 for s in children[:-1] if s == "-") % 2 else value

    def r_product(self, children, env):
        result: Poly = {(): 1}
        previous_op, pending = None, None
        for child in children:
            if isinstance(child, Token):
                pending = child
                continue
            if previous_op is not None and pending is None and previous_op.value in ("/", "\\div"):
                raise _Refused  # a/b c: the Builder calls it ambiguous
            if isinstance(child, Tree) and child.data == "bigsum" and pending is not None and \
                    pending.value in ("/", "\\div"):
                raise _Refused
            value = self.value(child, env)
            if pending is not None and pending.value in ("/", "\\div"):
                divisor = _constant(value)
                if divisor == 0:
                    raise _Refused
                value = {(): Fraction(1) / divisor}
            result = mul(result, value)
            previous_op, pending = pending, None
        return result

    def r_power(self, children, env):
        if len(children) == 1:
            return self.value(children[0], env)  # a power_nonum without a power
        if len(children) != 3:
            raise _Refused  # a^b^c: the Builder folds and limits chains
        base, _, exponent = children
        if isinstance(exponent, Tree) and exponent.data == "exponent":
            raise _Refused  # a signed exponent
        power = _integer(self.value(exponent, env))
        if not 0 <= power <= self.b.limits.max_exponent:
            raise _Refused
        value = self.value(base, env)
        if power == 0 and not value:
            raise _Refused  # 0^0
        result: Poly = {(): 1}
        for _ in range(power):
            result = mul(result, value)
        return result

    def r_script_single(self, children, env):
        text = str(children[0])
        if len(text) > 1:
            raise _Refused  # ^23: the Builder explains how TeX reads it
        return {(): int(text)} if text != "0" else {}

    def r_script_letter(self, children, env):
        return self.r_letter(children, env)

    def r_script_braced(self, children, env):
        return self.value(children[0], env)

    def r_frac(self, children, env):
        numerator, denominator = self.value(children[1], env), _constant(self.value(children[2], env))
        if denominator == 0:
            raise _Refused
        return mul(numerator, {(): Fraction(1) / denominator})

    # ---- sums ------------------------------------------------------------------------------
    def r_sum_call(self, children, env):
        body, ranges = children[1], children[2:]
        bounds = []
        for r in ranges:
            var, lo, hi = r.children
            bounds.append((str(var), _integer(self.value(lo, env)), _integer(self.value(hi, env))))
        return self.unroll(body, bounds, env)

    def r_bigsum(self, children, env):
        _, var, lo, _, hi, body = children
        return self.unroll(body, [(str(var), _integer(self.value(lo, env)), _integer(self.value(hi, env)))], env)

    def unroll(self, body, bounds, env):
        names = [name for name, _, _ in bounds]
        if len(set(names)) < len(names) or any(n in env for n in names):
            raise _Refused  # a variable bound twice: the Builder says so
        count = 1
        for _, lo, hi in bounds:  # as Python ints: len(range) of a 50-digit bound would overflow
            count *= max(0, hi - lo + 1)
        if count > self.b.limits.max_sum_terms:
            raise _Refused
        spans = [range(lo, hi + 1) for _, lo, hi in bounds]
        size = sum(1 for _ in body.iter_subtrees()) if isinstance(body, Tree) else 1
        self.budget -= size * count
        if self.budget < 0:
            raise _Refused
        total: dict = {}
        template = self.template(body, env, names)
        if template is not None:
            for values in itertools.product(*spans):
                mono, coeff = template(values)
                total[mono] = total.get(mono, 0) + coeff
                if len(total) > MAX_TERMS:
                    raise ExpansionTooBig
            return {m: c for m, c in total.items() if c}
        for values in itertools.product(*spans):
            add_into(total, self.value(body, {**env, **dict(zip(names, values))}))
            if len(total) > MAX_TERMS:
                raise ExpansionTooBig
        return total

    # A sum's body is usually one product of entries whose indices are the sum's variables plus
    # constants (dy[a,b] x[a+1,b]). Read once into a template, each term costs a few additions;
    # any other body is walked per term.
    def template(self, body, env: dict, names: list[str]):
        factors = body.children if isinstance(body, Tree) and body.data == "product" else [body]
        coeff, entries = 1, []
        for f in factors:
            if isinstance(f, Token):
                if f.value not in ("*", "\\cdot", "\\times"):
                    return None
                continue
            if f.data == "power" and len(f.children) == 1:
                f = f.children[0]
            if f.data == "number":
                coeff *= _constant(self.r_number(f.children, env))
            elif f.data in ("entry_literal", "tex_entry_literal", "upstream_literal"):
                (fixed,), = self.value(f, env)  # one entry: one monomial
                entries.append(fixed[0][0])
            elif f.data == "entry":
                tok, subs = f.children[0], f.children[1:]
                latex = len(subs) == 1 and isinstance(subs[0], Tree) and subs[0].data.startswith("sub_")
                if latex:
                    subs = subs[0].children
                    if len(subs) == 1 and isinstance(subs[0], Tree) and subs[0].data == "number":
                        return None
                forms = [self.affine(i, env, names) for i in subs]
                if any(form is None for form in forms):
                    return None
                entries.append((tok, tuple(forms), latex))
            else:
                return None
        if not coeff:
            return None

        # Index forms refer to the sum's variables by position in the tuple of their values
        # (`affine` already replaced outer variables by their values).
        position = {name: i for i, name in enumerate(names)}
        entries = [e if isinstance(e, str) else
                   (str(e[0]), e[0], tuple((c, tuple((position[v], k) for v, k in vs)) for c, vs in e[1]), e[2])
                   for e in entries]
        memo = self.entries

        def term(binding: tuple[int, ...]):
            """(monomial, coefficient) of the body at one binding of the sum's variables (in `names` order)."""
            powers: dict = {}
            for e in entries:
                if not isinstance(e, str):
                    text, tok, forms, latex = e
                    values = tuple(c + binding[vs[0][0]] if len(vs) == 1 and vs[0][1] == 1 else
                                   c + sum(k * binding[v] for v, k in vs) for c, vs in forms)
                    found = memo.get((text, values, latex)) or self.entry(tok, values, latex)
                    ((e, _),), = found
                powers[e] = powers.get(e, 0) + 1
            return tuple(sorted(powers.items())), coeff

        return term

    def affine(self, node, env, names):
        """(constant, ((variable, coefficient), ...)) of an index like n+1, or None."""
        if isinstance(node, Token):
            if node.type == "NUMBER":
                return (int(str(node)), ())
            if str(node) in env:
                return (env[str(node)], ())
            return (0, ((str(node), 1),)) if str(node) in names else None
        if node.data == "number":
            value = _constant(self.r_number(node.children, env))
            return (value, ()) if isinstance(value, int) else None
        if node.data in ("name", "letter") and isinstance(node.children[0], Token):
            return self.affine(Token("NAME", str(node.children[0])), env, names)
        if node.data == "sum":
            const = 0
            coeffs: dict[str, int] = {}
            sign = 1
            for child in node.children:
                if isinstance(child, Token):
                    sign = -1 if child == "-" else 1
                    continue
                part = self.affine(child, env, names)
                if part is None:
                    return None
                const += sign * part[0]
                for v, k in part[1]:
                    coeffs[v] = coeffs.get(v, 0) + sign * k
            return (const, tuple(coeffs.items()))
        return None


# ---- flat sums of monomials, without the parser --------------------------------------------
# Most answers to a conv/dense exercise are `c * e * e + ...` with literal entries. Such a
# text is recognised by one regular expression built from the grammar's own terminals, and
# read without lark; any other text (or any entry the Builder refuses) goes to the parser.
@lru_cache(maxsize=None)
def _flat(style: str):
    grammar = _grammars.parser(style)

    def terminal(name: str) -> str:
        return grammar.get_terminal(name).pattern.to_regexp()

    if style == "plain":
        entry = f"(?:{terminal('ENTRY')})"
        times = r"(?:[ \t]*\*[ \t]*|[ \t]*)"
    else:
        entry = f"(?:{terminal('UPSTREAM_ENTRY')}|{terminal('TEX_ENTRY')})"
        times = r"(?:[ \t]*(?:\*|\\cdot(?![A-Za-z])|\\times(?![A-Za-z]))[ \t]*|[ \t]*)"
    term = rf"(?:[0-9]{{1,9}}{times})?{entry}(?:{times}{entry})*"
    whole = re.compile(rf"[ \t]*[+-]?[ \t]*{term}(?:[ \t]*[+-][ \t]*{term})*[ \t]*")
    token_types = ("ENTRY",) if style == "plain" else ("UPSTREAM_ENTRY", "TEX_ENTRY")
    tokens = re.compile("|".join(f"(?P<{t}>{terminal(t)})" for t in token_types) + r"|(?P<NUMBER>[0-9]+)|(?P<SIGN>[+-])")
    return whole, tokens


def _add_monomial(total: dict, powers: dict, coeff: int) -> None:
    # `add_into` of one monomial, without building a one-entry polynomial for each.
    accumulate(total, tuple(sorted(powers.items())), coeff)
    if len(total) > MAX_TERMS:
        raise ExpansionTooBig


def read_flat(text: str, style: str, builder: Builder, memo: dict | None = None) -> dict | None:
    """The polynomial of a flat sum of monomials with literal entries, or None for anything else."""
    whole, tokens = _flat(style)
    if not whole.fullmatch(text):
        return None
    walk = _Walk(builder, memo)
    readers = {"ENTRY": "entry_literal", "TEX_ENTRY": "tex_entry_literal", "UPSTREAM_ENTRY": "upstream_literal"}
    total: dict = {}
    sign, coeff = 1, 1
    powers: dict[str, int] = {}
    try:
        for m in tokens.finditer(text):
            kind = m.lastgroup
            if kind == "SIGN":
                if powers:
                    _add_monomial(total, powers, sign * coeff)
                    coeff, powers = 1, {}
                sign = -1 if m.group() == "-" else 1
            elif kind == "NUMBER":
                coeff = int(m.group())
            else:
                found = walk.entries.get((kind, m.group()))
                if found is None:
                    tok = Token(kind, m.group(), start_pos=m.start(), line=1, column=m.start() + 1,
                                end_pos=m.end())
                    found = walk.literal(tok, getattr(walk, readers[kind]))
                ((name, _),), = found
                powers[name] = powers.get(name, 0) + 1
        if powers:
            _add_monomial(total, powers, sign * coeff)
    except (_Refused, SemanticError, ExpansionTooBig):
        return None
    return total
