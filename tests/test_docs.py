"""The repository stands alone: the README, the changelog and the documents in docs/ link
only to files inside the repository that exist (pictures included), never to ../shared or
another folder outside it, and the user-facing documents carry no requirement ids.

The link checker is run on snippets first: a rule that cannot fail is no rule.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted([REPO / "README.md", REPO / "CHANGELOG.md", *(REPO / "docs").glob("*.md")])
USER_FACING = [REPO / "README.md", REPO / "CHANGELOG.md", REPO / "docs" / "handbuch.md"]

# [text](target) and ![alt](target); the target up to the first space or ")".
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)[^)]*\)")


def broken_links(document: Path, text: str) -> list[str]:
    """German-free developer messages: each link that leaves the repository or points at
    a file that is not there."""
    problems = []
    for target in LINK.findall(text):
        if target.startswith("#") or re.match(r"[a-z]+:", target):
            if target.startswith("file:"):
                problems.append(f"{target}: a local file outside the repository")
            continue  # an anchor, or a web address (allowed: not a file of ours)
        path = (document.parent / target.split("#", 1)[0]).resolve()
        if REPO not in path.parents and path != REPO:
            problems.append(f"{target}: outside the repository")
        elif not path.exists():
            problems.append(f"{target}: missing")
    if "../shared" in text or "/work/shared" in text:
        problems.append("mentions the developers' shared folder")
    return problems


def test_checker_finds_outside_missing_and_shared(tmp_path: Path) -> None:
    doc = REPO / "docs" / "example.md"
    assert broken_links(doc, "[a](../../elsewhere/x.md)") == [
        "../../elsewhere/x.md: outside the repository"]
    assert broken_links(doc, "![b](img/gibt-es-nicht.png)") == [
        "img/gibt-es-nicht.png: missing"]
    assert broken_links(doc, "see ../shared/ARCHITECTURE.md") == [
        "mentions the developers' shared folder"]
    assert broken_links(REPO / "README.md", "[ok](LICENSE) [web](https://example.org) [x](#top)"
                        ) == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_documents_link_only_inside_the_repository(document: Path) -> None:
    assert broken_links(document, document.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("document", USER_FACING, ids=lambda p: p.name)
def test_user_facing_documents_carry_no_requirement_ids(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    assert not re.findall(r"\bLR-\d+|\b\d{3}:\d{3,}", text)


def test_every_picture_of_the_guide_is_used_and_small() -> None:
    pictures = sorted((REPO / "docs" / "img").glob("*.png"))
    used = "\n".join(p.read_text(encoding="utf-8") for p in USER_FACING)
    assert pictures
    for picture in pictures:
        assert f"img/{picture.name}" in used, f"{picture.name} is not shown anywhere"
        assert picture.stat().st_size < 150_000, f"{picture.name} is too large"


def test_no_requirement_ids_or_source_citations_in_strings_of_the_code() -> None:
    """Text a user sees or prints (string literals of casework/, not docstrings or
    comments) never carries LR-… ids or source citations like „Quelle 000:1647“."""
    import io
    import tokenize

    pattern = re.compile(r"LR-\d\d|\b00[0-4]:\d{2,4}|Quelle 00[0-4]")
    found: list[str] = []
    for path in (REPO / "casework").rglob("*.py"):
        tokens = list(tokenize.generate_tokens(io.StringIO(
            path.read_text(encoding="utf-8")).readline))
        for i, token in enumerate(tokens):
            if token.type != tokenize.STRING or not pattern.search(token.string):
                continue
            if "CREATE " in token.string:
                continue  # SQL comments inside schema text are not shown
            before = tokens[i - 1].type if i else tokenize.NEWLINE
            after = tokens[i + 1].type if i + 1 < len(tokens) else tokenize.NEWLINE
            layout = (tokenize.INDENT, tokenize.DEDENT, tokenize.NEWLINE, tokenize.NL)
            if before in layout and after in (tokenize.NEWLINE, tokenize.NL):
                continue  # a docstring
            found.append(f"{path.relative_to(REPO)}:{token.start[0]}")
    assert found == []
