"""Typos in exercise cells: a short hint that names the likely slip, instead of a traceback (lesson 00).

An exercise cell is a code cell that checks the learner's line, like

    my_last_layer = nn.tanh()  # ✏️ the learner's line
    last_layer = yours_or_ours("02.1", my_last_layer)

When the learner's line raises (``nn.tanh`` has a capital T) or cannot be read at all (a bracket
left open), the notebook should say so in one sentence and go on. gan_lessons.checks does that
in IPython with the two rewrites below; this module holds the parts that need no IPython:

- ``exercise_in(source)``: the question id and the learner's name, when SOURCE is an exercise cell;
- ``guard(tree)``: the cell's syntax tree with the learner's assignment wrapped in try/except;
- ``mend(source)``: for a cell Python cannot read, the same cell with the learner's line replaced;
- ``hint(error, ...)``: the sentence that names the slip.

Only the learner's own line is guarded: an error anywhere else shows its usual traceback.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import re

from . import validate as check
from .i18n import tr

__all__ = ["exercise_in", "guard", "hint", "mend"]

CHECKS = ("check", "yours_or_ours")
CALL = re.compile(r"\b(check|yours_or_ours)\(\s*[\"'](\d\d\.\d+)[\"']\s*,\s*([A-Za-z_]\w*)")
SLIP_CALL = "__import__('gan_lessons.checks', fromlist=['checks'])"  # the checks module, from any namespace


def exercise_in(source: str) -> tuple[str, str, int] | None:
    """The question id, the learner's name and the call's line (from 0) when SOURCE checks a learner's line."""
    lines = check.kind(source, "source", str, tr("a cell's code as text"), error=TypeError).splitlines()
    for number, line in enumerate(lines):
        found = CALL.search(line)
        if found and not line.lstrip().startswith("#"):
            return found.group(2), found.group(3), number
    return None


def _learner_lines(source: str) -> tuple[str, str, int, int] | None:
    """The id, the learner's name, and the first and last line (from 0) of the learner's assignment."""
    found = exercise_in(source)
    if found is None:
        return None
    qid, name, call = found
    lines = source.splitlines()
    starts = [n for n in range(call) if re.match(rf"{name}\s*=[^=]", lines[n])]
    return (qid, name, starts[-1], call - 1) if starts else None


def mend(source: str) -> str | None:
    """SOURCE, which Python cannot read, with the learner's line made a call that explains the slip; else None.

    None when SOURCE is no exercise cell, when it reads fine, or when the slip is outside the learner's line.
    """
    check.kind(source, "source", str, tr("a cell's code as text"), error=TypeError)
    found = _learner_lines(source)
    if found is None:
        return None
    qid, name, first, last = found
    try:
        ast.parse(source)
        return None
    except SyntaxError as err:
        if err.lineno is None or not first + 1 <= err.lineno <= last + 1:
            return None
    lines = source.splitlines()
    learner = "\n".join(lines[first : last + 1])
    mended = lines[:first] + [f"{name} = {SLIP_CALL}.unreadable({qid!r}, {learner!r})"] + lines[last + 1 :]
    text = "\n".join(mended) + "\n"
    try:
        ast.parse(text)
    except SyntaxError:
        return None
    return text


class Guard(ast.NodeTransformer):
    """Wraps the learner's assignment of an exercise cell in try/except, so a slip becomes a hint.

    After ``visit``, ``found`` holds the question id, the learner's name and the learner's expression
    (or None when the cell was no exercise cell).
    """

    found: tuple[str, str, ast.expr] | None = None

    def visit_Module(self, tree: ast.Module) -> ast.Module:  # noqa: N802 (the ast visitor's name)
        """The cell's statements, the learner's last assignment before the check guarded."""
        self.found = None
        body = tree.body
        for n, node in enumerate(body):
            asked = _asked(node)
            if asked is None:
                continue
            qid, name = asked
            mine = [k for k in range(n) if _assigns(body[k], name)]
            if mine:
                self.found = (qid, name, body[mine[-1]].value)
                body[mine[-1]] = _guarded(body[mine[-1]], qid, name)
            return tree
        return tree


def _asked(node: ast.stmt) -> tuple[str, str] | None:
    """The question id and the learner's name when statement NODE calls check or yours_or_ours(ID, NAME)."""
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in CHECKS:
            args = call.args
            if (
                len(args) >= 2
                and isinstance(args[0], ast.Constant)
                and isinstance(args[0].value, str)
                and isinstance(args[1], ast.Name)
            ):
                return args[0].value, args[1].id
    return None


def _assigns(node: ast.stmt, name: str) -> bool:
    return (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == name)  # fmt: skip


def _guarded(node: ast.Assign, qid: str, name: str) -> ast.Try:
    """try: NODE, except Exception as slip: NAME = checks.slipped(QID, slip, the learner's code)."""
    code = ast.unparse(node.value)
    handler = ast.parse(f"try:\n    pass\nexcept Exception as _slip:\n"
                        f"    {name} = {SLIP_CALL}.slipped({qid!r}, _slip, {code!r})\n").body[0]  # fmt: skip
    handler.body = [node]
    for part in ast.walk(handler):
        ast.copy_location(part, node)
    return handler


def guard(tree: ast.Module) -> ast.Module:
    """TREE (a cell's statements) with the learner's assignment guarded, when it is an exercise cell."""
    check.kind(tree, "tree", ast.Module, tr("a cell's statements as ast.parse(code) gives them"), error=TypeError)
    return Guard().visit(tree)


# The hints ---------------------------------------------------------------------------------------------

CLOSING = {"(": ")", "[": "]", "{": "}"}


def _near(name: str, candidates: list[str]) -> tuple[str | None, bool]:
    """The candidate closest to NAME, and True when it differs from NAME only by capital letters."""
    same_letters = [c for c in candidates if c.lower() == name.lower() and c != name]
    if same_letters:
        return same_letters[0], True
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    return (close[0], False) if close else (None, False)


def _attribute_hint(err: AttributeError, code: str) -> str:
    name = getattr(err, "name", None) or (re.findall(r"attribute '(\w+)'", str(err)) or [""])[0]
    owner = re.search(rf"([A-Za-z_][\w.]*)\.{re.escape(name)}\b", code) if name else None
    obj = getattr(err, "obj", None)
    if owner is None or obj is None:
        return tr(
            "Something in your brackets is not what that function takes (it looked for `{name}` on it). "
            "Check what you put in the brackets.",
            name=name,
        )
    right, capitals = _near(name, [a for a in dir(obj) if not a.startswith("_")])
    where = owner.group(1)
    if right and capitals:
        return tr("Did you mean `{where}.{right}`? Python cares about capital letters.", where=where, right=right)
    if right:
        return tr("Did you mean `{where}.{right}`? Check the spelling.", where=where, right=right)
    return tr("`{where}` has no `{name}`: check the spelling against the text above.", where=where, name=name)


def _name_hint(err: NameError, names: dict, wants_text: bool) -> str:
    name = getattr(err, "name", None) or (re.findall(r"name '(\w+)'", str(err)) or [""])[0]
    known = [n for n in names if not n.startswith("_")] + [n for n in dir(builtins) if not n.startswith("_")]
    right, capitals = _near(name, known)
    if right and capitals:
        return tr(
            "Python does not know `{name}`. Did you mean `{right}`? Python cares about capital letters.",
            name=name,
            right=right,
        )
    if wants_text:
        return tr('Python does not know `{name}`. Text goes in quotes, like "{name}".', name=name)
    if right:
        return tr("Python does not know `{name}`. Did you mean `{right}`?", name=name, right=right)
    return tr(
        "Python does not know `{name}` yet: check its spelling, or run the cells above this one first.", name=name
    )


def _type_hint(err: TypeError, code: str) -> str:
    message = str(err)
    if "tuple of ints" in message or ("randint" in message and "invalid combination" in message):
        return tr("A shape goes in brackets, with a comma when it has one number: add brackets, like (B,).")
    missing = re.search(r"(\w+)(?:\.__init__)?\(\) missing \d+ required", message)
    if missing:
        return tr(
            "`{function}` needs more numbers in its brackets: look at how the text above writes it.",
            function=missing.group(1),
        )
    too_many = re.search(r"(\w+)(?:\.__init__)?\(\) takes .* given", message)
    if too_many:
        return tr("`{function}` got more numbers in its brackets than it takes.", function=too_many.group(1))
    if "not callable" in message:
        return tr("Brackets right after something that is not a function: to multiply, write * between "
                  "the two, like 2 * (a + b).")  # fmt: skip
    if "unsupported operand" in message or "can't multiply" in message or "can only concatenate" in message:
        return tr("Your line adds or multiplies two things that do not go together, like a number and a word.")
    return _other_hint(err)


def _syntax_hint(err: SyntaxError) -> str:
    message, text = err.msg or "", err.text or ""
    if re.search(r"\d\s*[x×]\s*\d", text):
        return tr("Python multiplies with *, not with x: write 3 * 4.")
    bracket = re.search(r"'([(\[{])' was never closed", message)
    if bracket:
        return tr(
            "A bracket {opening} is opened but never closed: add {closing} where it ends.",
            opening=bracket.group(1),
            closing=CLOSING[bracket.group(1)],
        )
    if "does not match opening parenthesis" in message:
        return tr("The brackets do not match: ( closes with ), and [ closes with ].")
    unmatched = re.search(r"unmatched '(.)'", message)
    if unmatched:
        return tr(
            "There is one {closing} too many: every closing bracket needs an opening one before it.",
            closing=unmatched.group(1),
        )
    odd = re.search(r"invalid character '(.)'", message)
    if odd:
        return tr("Python does not read the character {char}: type brackets, commas and quotes with the "
                  "English keyboard, like ( ) , \".", char=odd.group(1))  # fmt: skip
    if "unterminated string" in message or "EOL while scanning" in message:
        return tr('A quote is opened but never closed: text goes between two quotes, like "b".')
    if "forgot a comma" in message:
        return tr("Python expected a comma there: numbers in brackets are separated by commas.")
    if "indent" in message:
        return tr("Your line starts with spaces: remove them, so that it starts at the left edge.")
    if "decimal literal" in message:
        return tr("A number is stuck to a letter: put * between them to multiply, or a space.")
    return tr(
        "Python cannot read your line: look for a missing bracket, comma or quote near: {text}", text=text.strip()
    )


def _other_hint(err: Exception) -> str:
    message = str(err)
    if isinstance(err, ZeroDivisionError):
        return tr("Your line divides by 0, which nobody can.")
    if "math domain error" in message:
        return tr("math.log takes only numbers above 0.")
    if "one element tensors" in message:
        return tr("math works on one number at a time; for a tensor of many numbers use torch's version.")
    first = message.splitlines()[0] if message else ""
    if len(first) > 160:
        first = first[:157] + "..."
    return tr("Your line stopped with an error: {message}", message=first)


def hint(err: BaseException, code: str = "", names: dict | None = None, wants_text: bool = False) -> str:
    """Lesson 00: one sentence naming the likely slip that made the learner's CODE raise ERR."""
    if isinstance(err, SyntaxError):
        return _syntax_hint(err)
    if isinstance(err, AttributeError):
        return _attribute_hint(err, code)
    if isinstance(err, NameError):
        return _name_hint(err, names or {}, wants_text)
    if isinstance(err, TypeError):
        return _type_hint(err, code)
    return _other_hint(err)  # type: ignore[arg-type]
