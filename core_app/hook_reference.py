"""The hook reference of ``docs/recipes.md``, generated from ``core_app/hookspecs.py``.

The hook specifications are the one source of truth: their names, signatures, whether the
first answer wins, and their docstrings. ``render()`` turns them into Markdown, and
``python -m core_app.hook_reference --write docs/recipes.md`` puts that between the
document's markers; ``--check`` (and ``tests/core_app/test_hook_reference.py``) fails while
the document says something the specifications no longer do.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import sys
from pathlib import Path
from typing import Any, Callable

from core_app import hookspecs

BEGIN_MARKER = (
    "<!-- hook reference: generated from core_app/hookspecs.py by "
    "`python -m core_app.hook_reference --write docs/recipes.md`; "
    "do not edit by hand -->"
)
END_MARKER = "<!-- end of hook reference -->"
SPEC_ATTRIBUTE = "supertokens_core_spec"  # set by pluggy's HookspecMarker("supertokens_core")
# A group heading in hookspecs.py: "# --- start-up: called once while the app is built ---"
_GROUP_HEADING = re.compile(r"^# --- (?P<title>.+?) -+$")


class MissingMarkers(Exception):
    """The document lacks the markers, so there is nowhere to put the reference."""


def hook_specifications() -> list[Callable[..., Any]]:
    """Every hook specification, in the order ``hookspecs.py`` declares them."""
    specs = [
        value
        for value in vars(hookspecs).values()
        if callable(value) and hasattr(value, SPEC_ATTRIBUTE)
    ]
    return sorted(specs, key=lambda spec: inspect.getsourcelines(spec)[1])


def _groups() -> list[tuple[int, str, str]]:
    """(line, title, introduction) of each group heading comment of ``hookspecs.py``.

    The introduction is the comment paragraph right under the heading, if any.
    """
    lines = inspect.getsource(hookspecs).splitlines()
    groups = []
    for number, line in enumerate(lines, start=1):
        heading = _GROUP_HEADING.match(line)
        if heading is None:
            continue
        comment = []
        for following in lines[number:]:
            if not following.startswith("#"):
                break
            comment.append(following[1:].strip())
        introduction = " ".join(" ".join(comment).split())
        groups.append((number, heading["title"], introduction))
    return groups


def _annotation(text: str) -> str:
    """An annotation as the reader wants it: ``"Connection"`` (quoted for the type checker,
    then a string again under postponed evaluation) shown as ``Connection``."""
    tree = ast.parse(text, mode="eval")
    while isinstance(tree.body, ast.Constant) and isinstance(tree.body.value, str):
        tree = ast.parse(tree.body.value, mode="eval")

    class Unquote(ast.NodeTransformer):
        def visit_Constant(self, node: ast.Constant) -> ast.AST:
            if isinstance(node.value, str):
                return ast.parse(node.value, mode="eval").body
            return node

    return ast.unparse(Unquote().visit(tree))


def signature(spec: Callable[..., Any]) -> str:
    """``def name(argument: Type, ...) -> Answer``, with the annotations unquoted."""
    parameters = []
    for parameter in inspect.signature(spec).parameters.values():
        text = parameter.name
        if parameter.annotation is not inspect.Parameter.empty:
            text += f": {_annotation(str(parameter.annotation))}"
        parameters.append(text)
    answer = inspect.signature(spec).return_annotation
    returns = "" if answer is inspect.Signature.empty else f" -> {_annotation(str(answer))}"
    return f"def {spec.__name__}({', '.join(parameters)}){returns}"


def render() -> str:
    """The hook reference in Markdown, without the markers."""
    out: list[str] = []
    groups = _groups()
    for spec in hook_specifications():
        line = inspect.getsourcelines(spec)[1]
        while groups and groups[0][0] < line:
            _, title, introduction = groups.pop(0)
            out += [f"### {title[0].upper()}{title[1:]}", ""]
            if introduction:
                out += [introduction, ""]
        first_result = getattr(spec, SPEC_ATTRIBUTE).get("firstresult", False)
        calling = (
            "`firstresult`: the first recipe's answer that is not None is the answer; "
            "the other recipes are not asked."
            if first_result
            else "Every enabled recipe that implements it is called; the answers are "
            "collected in a list."
        )
        out += [
            f"#### `{spec.__name__}`",
            "",
            "```python",
            signature(spec),
            "```",
            "",
            calling,
            "",
            inspect.getdoc(spec) or "(no docstring)",
            "",
        ]
    return "\n".join(out).rstrip() + "\n"


def with_reference(document: str, reference: str) -> str:
    """``document`` with the text between its markers replaced by ``reference``."""
    begin = document.find(BEGIN_MARKER)
    end = document.find(END_MARKER)
    if begin < 0 or end < begin:
        raise MissingMarkers(
            f"the document has no '{BEGIN_MARKER}' ... '{END_MARKER}' markers, in that order"
        )
    head = document[: begin + len(BEGIN_MARKER)]
    return f"{head}\n\n{reference}\n{document[end:]}"


def main(argv: list[str] | None = None) -> int:
    """Print the reference, write it into a document, or check a document (exit 1: stale)."""
    parser = argparse.ArgumentParser(
        prog="python -m core_app.hook_reference", description=__doc__.splitlines()[0]
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--write", metavar="DOCUMENT", help="replace the reference between the document's markers"
    )
    action.add_argument(
        "--check",
        metavar="DOCUMENT",
        help="change nothing; exit 1 when the document's reference is stale",
    )
    args = parser.parse_args(argv)
    reference = render()
    if not (args.write or args.check):
        sys.stdout.write(reference)
        return 0
    path = Path(args.write or args.check)
    document = path.read_text()
    try:
        updated = with_reference(document, reference)
    except MissingMarkers as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 2
    if args.check:
        if updated != document:
            print(
                f"{path}: the hook reference is stale; run python -m "
                f"core_app.hook_reference --write {path}",
                file=sys.stderr,
            )
            return 1
        return 0
    path.write_text(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
