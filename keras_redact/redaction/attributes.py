"""Attribute expressions: which combinations of binary attributes to redact.

Grammar (whitespace is free; keywords are case-insensitive)::

    expression := term   ( ("|" | "or")  term   )*
    term       := factor ( ("&" | "and") factor )*
    factor     := ("!" | "not") factor | NAME | "(" expression ")"
    NAME       := letter or "_", then letters, digits or "_"   (e.g. Black_Hair)

`&` binds tighter than `|`, so `Black_Hair & Blurry | Brown_Hair & Eyeglasses` is the
paper's Omega_1 union Omega_2 (Table IV). Each NAME is an attribute the classifier knows;
an attribute "holds" of a generated sample when its probability is above 1/2.

For the classifier-based method (Alg. 3) an expression becomes a differentiable score with
f_A = 1 - p_A for an attribute, max for `&`, min for `|` (the paper's union rule) and
1 - f for `!`: f(x) < tau exactly where the expression holds of "p_A > 1 - tau" (for `!`,
exactly at tau = 1/2).

Example:
    >>> parsed = parse("(Black_Hair & Blurry) | (Brown_Hair & Eyeglasses)")
    >>> parsed.names
    ('Black_Hair', 'Blurry', 'Brown_Hair', 'Eyeglasses')
"""

from __future__ import annotations

import dataclasses
import re

from keras import ops

from keras_redact.redaction import sets

_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[()&|!]))")
_KEYWORDS = {"and": "&", "or": "|", "not": "!"}


class ExpressionError(ValueError):
    """A grammar error; the message shows the expression with a caret at the fault."""


@dataclasses.dataclass(frozen=True)
class Node:
    """A parsed expression: `op` is "name", "!", "&" or "|"."""

    op: str
    args: tuple = ()
    name: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """The attribute names used, in first-use order."""
        if self.op == "name":
            return (self.name,)
        seen = []
        for arg in self.args:
            seen.extend(n for n in arg.names if n not in seen)
        return tuple(seen)

    def evaluate(self, values: dict):
        """The expression over boolean arrays or tensors `{name: (N,) bool}` (a tensor)."""
        if self.op == "name":
            return ops.convert_to_tensor(values[self.name])
        parts = [a.evaluate(values) for a in self.args]
        if self.op == "!":
            return ops.logical_not(parts[0])
        combine = ops.logical_and if self.op == "&" else ops.logical_or
        out = parts[0]
        for part in parts[1:]:
            out = combine(out, part)
        return out

    def fuzzy(self, scores: dict):
        """The differentiable score from per-attribute f_A = 1 - p_A (module docstring)."""
        if self.op == "name":
            return scores[self.name]
        parts = [a.fuzzy(scores) for a in self.args]
        if self.op == "!":
            return 1.0 - parts[0]
        reduce = ops.max if self.op == "&" else ops.min
        return reduce(ops.stack(parts), axis=0)

    def membership(self, probabilities):
        """`images -> bool (N,)`: the expression holds of the attributes with p > 1/2."""
        def member(images):
            p = probabilities(images)
            return self.evaluate({n: p[n] > 0.5 for n in self.names})
        return member

    def score(self, probabilities):
        """`images -> f (N,)` in [0, 1] for `ClassifierRedactionSet(f, tau)`.

        The rule is the same for every tau; see the module docstring.
        """
        def f(images):
            p = probabilities(images)
            return self.fuzzy({n: 1.0 - p[n] for n in self.names})
        return f

    def __str__(self):
        if self.op == "name":
            return self.name
        if self.op == "!":
            return f"!{self.args[0]}"
        return "(" + f" {self.op} ".join(str(a) for a in self.args) + ")"


def _tokens(text: str):
    position = 0
    tokens = []
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if not match:
            bad = len(text) - len(text[position:].lstrip())
            raise _error(text, bad, f"unexpected character {text[bad]!r}")
        start = match.start("name") if match.group("name") else match.start("op")
        value = match.group("name") or match.group("op")
        if value.lower() in _KEYWORDS:
            value = _KEYWORDS[value.lower()]
            kind = "op"
        else:
            kind = "name" if match.group("name") else "op"
        tokens.append((kind, value, start))
        position = match.end()
    tokens.append(("end", "", len(text)))
    return tokens


def _error(text: str, position: int, message: str) -> ExpressionError:
    return ExpressionError(
        f"Bad attribute expression at position {position + 1}: {message}\n"
        f"  {text}\n  {' ' * position}^")


def parse(text: str, known=None) -> Node:
    """Parses an attribute expression (grammar in the module docstring).

    Args:
        text: The expression.
        known: The attribute names allowed (None: any).

    Raises:
        ExpressionError: For a grammar error or an unknown attribute; the message shows
            where.
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(f"An attribute expression is needed; received {text!r}")
    tokens = _tokens(text)
    index = 0

    def peek():
        return tokens[index]

    def take():
        nonlocal index
        index += 1
        return tokens[index - 1]

    def binary(op, operand):
        parts = [operand()]
        while peek() == ("op", op, peek()[2]):
            take()
            parts.append(operand())
        return parts[0] if len(parts) == 1 else Node(op, tuple(parts))

    def expression():
        return binary("|", term)

    def term():
        return binary("&", factor)

    def factor():
        kind, value, position = take()
        if kind == "op" and value == "!":
            return Node("!", (factor(),))
        if kind == "op" and value == "(":
            inner = expression()
            kind2, value2, position2 = take()
            if value2 != ")":
                raise _error(text, position2, "expected ')' to close the '(' at "
                             f"position {position + 1}")
            return inner
        if kind == "name":
            if known is not None and value not in known:
                raise _error(text, position, f"unknown attribute {value!r}; known: "
                             f"{', '.join(known)}")
            return Node("name", name=value)
        what = "end of expression" if kind == "end" else repr(value)
        raise _error(text, position, f"expected an attribute name, '!' or '(' but found {what}")

    tree = expression()
    kind, value, position = peek()
    if kind != "end":
        raise _error(text, position, f"expected '&', '|' or the end but found {value!r}")
    return tree


class AttributeProbabilities:
    """`images -> {name: p (N,)}` from a multi-label model or a dict of binary models.

    Args:
        classifier: A Keras model (or callable) giving `(N, A)` sigmoid probabilities, or
            `{name: model}` with each model giving `(N,)` or `(N, 1)` probabilities.
        names: The A attribute names in output order (for a single model).

    Raises:
        ValueError: If the names do not match the model's outputs.
    """

    def __init__(self, classifier, names=None):
        if isinstance(classifier, dict):
            self.models = dict(classifier)
            self.names = tuple(self.models)
            self.model = None
        else:
            if not names:
                raise ValueError("A multi-label attribute classifier needs its attribute names")
            self.model = classifier
            self.names = tuple(names)
            outputs = getattr(classifier, "outputs", None)
            if outputs is not None and outputs[0].shape[-1] != len(self.names):
                raise ValueError(
                    f"The attribute classifier has {outputs[0].shape[-1]} outputs but "
                    f"{len(self.names)} attribute names were given")
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"Attribute names repeat: {self.names}")

    def __call__(self, images) -> dict:
        def call(fn):
            return ops.cast(sets._call(fn, images), "float32")

        if self.model is None:
            return {n: ops.reshape(call(m), (-1,)) for n, m in self.models.items()}
        p = call(self.model)
        return {n: p[:, i] for i, n in enumerate(self.names)}
