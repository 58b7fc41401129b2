"""docs/authoring.md, followed command by command in an empty directory.

Each ```sh block is run in order (a heredoc writes a file, `grader ...` runs the real CLI in
process through click's runner, `# exit N` states the exit code, 0 otherwise); the ```text
block after it lists lines that must appear in its output, in order. A
`<!-- broken: "old" -> "new" -->` comment makes broken.yaml from my-conv.yaml for the next block.
"""
import json
import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from grader.cli import cli
from grader.errors import GraderError

DOC = Path(__file__).resolve().parent.parent / "docs" / "authoring.md"
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
_BROKEN = re.compile(r'<!-- broken: ("(?:[^"\\]|\\.)*") -> ("(?:[^"\\]|\\.)*") -->')


def _steps(text: str):
    """(commands, expected lines, broken replacement or None) per sh block, in order."""
    blocks = []
    position = 0
    for m in _FENCE.finditer(text):
        before = text[position:m.start()]
        position = m.end()
        broken = _BROKEN.search(before)
        blocks.append((m.group(1), m.group(2), (json.loads(broken.group(1)), json.loads(broken.group(2)))
                       if broken else None, before.strip() == ""))
    steps, pending = [], None
    for k, (lang, body, broken, _) in enumerate(blocks):
        pending = broken or pending  # the comment may precede the yaml block showing the change
        if lang != "sh":
            continue
        expected = []
        if k + 1 < len(blocks) and blocks[k + 1][0] == "text" and blocks[k + 1][3]:
            expected = [line for line in blocks[k + 1][1].splitlines() if line.strip()]
        steps.append((body, expected, pending))
        pending = None
    return steps


def _run(body: str) -> str:
    output = []
    lines = iter(body.splitlines())
    for line in lines:
        heredoc = re.fullmatch(r"cat (>>?) (\S+) <<'EOF'", line)
        if heredoc:
            content = []
            for inner in lines:
                if inner == "EOF":
                    break
                content.append(inner)
            with open(heredoc.group(2), "a" if heredoc.group(1) == ">>" else "w", encoding="utf-8") as handle:
                handle.write("\n".join(content) + "\n")
            continue
        command, _, comment = line.partition("  #")
        exit_code = int(comment.split("exit")[1]) if "exit" in comment else 0
        words = shlex.split(command)
        target = None
        if ">" in words:
            words, target = words[:words.index(">")], words[words.index(">") + 1]
        assert words[0] == "grader", line
        result = CliRunner().invoke(cli, words[1:])
        code, text = result.exit_code, result.output
        if isinstance(result.exception, GraderError):  # what `grader`'s main prints for it
            code, text = result.exception.exit_code, text + f"error: {result.exception}\n"
        assert code == exit_code, (line, code, text)
        if target:
            Path(target).write_text(text, encoding="utf-8")
        else:
            output.append(text)
    return "".join(output)


def test_the_authoring_guide_works_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    steps = _steps(DOC.read_text(encoding="utf-8"))
    assert len(steps) >= 12
    for body, expected, broken in steps:
        if broken is not None:
            source = Path("my-conv.yaml").read_text(encoding="utf-8")
            assert broken[0] in source, broken
            Path("broken.yaml").write_text(source.replace(broken[0], broken[1]), encoding="utf-8")
        output = _run(body)
        at = 0
        for line in expected:
            found = output.find(line.strip(), at)
            assert found >= 0, f"{line!r} not in the output of {body!r}:\n{output}"
            at = found + len(line.strip())
