"""docs/recipes.md carries the hook reference generated from core_app/hookspecs.py, up to date:
every hook with its signature, whether its first answer wins, and its docstring."""

from __future__ import annotations

from pathlib import Path

from core_app import hook_reference, hookspecs

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "recipes.md"


def _reference_in(document: str) -> str:
    begin = document.index(hook_reference.BEGIN_MARKER) + len(hook_reference.BEGIN_MARKER)
    return document[begin : document.index(hook_reference.END_MARKER)].strip("\n") + "\n"


def test_the_guide_carries_the_current_hook_reference():
    assert _reference_in(GUIDE.read_text()) == hook_reference.render(), (
        "docs/recipes.md is stale: run python -m core_app.hook_reference --write docs/recipes.md"
    )
    assert hook_reference.main(["--check", str(GUIDE)]) == 0


def test_every_hook_is_listed_with_its_signature_and_how_it_answers():
    reference = hook_reference.render()
    names = [spec.__name__ for spec in hook_reference.hook_specifications()]
    assert names[0] == "st_recipe" and "st_housekeeping" in names
    # in the order hookspecs.py declares them
    assert names == sorted(names, key=lambda name: reference.index(f"#### `{name}`"))
    for name in names:
        assert f"#### `{name}`" in reference
    assert (
        "def st_user_deleted(conn: Connection, app_id: str, users: list[DeletedUser]) -> None"
    ) in reference
    section = reference.split("#### `st_user_id_mapping`")[1].split("#### ")[0]
    assert "`firstresult`" in section
    section = reference.split("#### `st_user_deleted`")[1].split("#### ")[0]
    assert "`firstresult`" not in section and "collected in a list" in section
    assert "### Housekeeping: called by `supertokens-core cleanup`" in reference


def test_a_changed_docstring_makes_the_guide_stale(monkeypatch, tmp_path, capsys):
    guide = tmp_path / "recipes.md"
    guide.write_text(GUIDE.read_text())
    monkeypatch.setattr(hookspecs.st_user_deleted, "__doc__", "Changed.")
    assert hook_reference.main(["--check", str(guide)]) == 1
    assert "hook reference is stale" in capsys.readouterr().err
    assert hook_reference.main(["--write", str(guide)]) == 0
    assert hook_reference.main(["--check", str(guide)]) == 0
    written = guide.read_text()
    assert "Changed." in written
    # Only the part between the markers is rewritten.
    assert (
        written.split(hook_reference.BEGIN_MARKER)[0]
        == GUIDE.read_text().split(hook_reference.BEGIN_MARKER)[0]
    )


def test_a_document_without_markers_is_refused(tmp_path, capsys):
    document = tmp_path / "other.md"
    document.write_text("# no markers\n")
    assert hook_reference.main(["--write", str(document)]) == 2
    assert "markers" in capsys.readouterr().err
    assert document.read_text() == "# no markers\n"


def test_without_arguments_it_prints_the_reference(capsys):
    assert hook_reference.main([]) == 0
    assert capsys.readouterr().out == hook_reference.render()
