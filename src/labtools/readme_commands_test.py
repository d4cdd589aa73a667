"""Tests of the README command runner and of the CI corpus count: each must be able to fail."""

from __future__ import annotations

import textwrap
from pathlib import Path

from labtools import corpus_count, readme_commands

README = textwrap.dedent("""\
    # A project

    Run `make hello` first, or `.venv/bin/python -m tool --flag` later; `PART=3A` is a variable,
    `pytest` is not a command on its own and `x = 1` is code.

    ```sh
    make hello      # greet
    # a whole-line comment

    RAFT_DEBUG=1 printf '%s\\n' one \\
        two | cat
    ```

    ```python
    make_this_no_command()
    ```

    ```sh
    false
    ```
    """)


def test_commands_of_blocks_and_inline_spans():
    commands = readme_commands.readme_commands(README)
    assert [(c.line, c.text) for c in commands] == [
        (3, "make hello"),
        (3, ".venv/bin/python -m tool --flag"),
        (10, "RAFT_DEBUG=1 printf '%s\\n' one two | cat"),
        (19, "false"),
    ]


def test_a_failing_command_fails_the_run(tmp_path: Path, capsys):
    (tmp_path / "README.md").write_text("```sh\ntrue\nexit 3\necho after > out.txt\n```\n")
    assert readme_commands.main([str(tmp_path / "README.md")]) == 1
    out = capsys.readouterr().out
    assert "FAILED (exit 3): README line 3: exit 3" in out
    assert "2 passed, 1 failed" in out
    assert (tmp_path / "out.txt").read_text() == "after\n"  # each command runs from the README's folder


def test_a_pipeline_fails_when_any_stage_fails(tmp_path: Path, capsys):
    (tmp_path / "README.md").write_text("```sh\nfalse | cat\n```\n")
    assert readme_commands.main([str(tmp_path / "README.md")]) == 1


def test_a_slow_command_times_out(tmp_path: Path, capsys):
    (tmp_path / "README.md").write_text("```sh\nsleep 5\n```\n")
    assert readme_commands.main([str(tmp_path / "README.md"), "--timeout", "0.5"]) == 1
    assert "FAILED (exit 124)" in capsys.readouterr().out


def test_skip_must_name_a_shown_command(tmp_path: Path, capsys):
    (tmp_path / "README.md").write_text("```sh\nmake test   # the suite\nfalse\n```\n")
    assert readme_commands.main([str(tmp_path / "README.md"), "--skip", "make test", "--skip", "false"]) == 0
    assert readme_commands.main([str(tmp_path / "README.md"), "--skip", "make tset"]) == 2
    assert "make tset" in capsys.readouterr().err


def test_an_unclosed_block_is_an_error(tmp_path: Path, capsys):
    (tmp_path / "README.md").write_text("```sh\ntrue\n")
    assert readme_commands.main([str(tmp_path / "README.md")]) == 2
    assert "never closed" in capsys.readouterr().err


def test_the_projects_readme_shows_no_placeholder_commands():
    readme = Path(__file__).resolve().parents[2] / "README.md"
    for command in readme_commands.readme_commands(readme.read_text()):
        assert "FILE" not in command.words and "../" + "shared" not in command.text, command


def _junit(path: Path, etcd: int, kv: int, kv_skipped: int, failed: int = 0) -> Path:
    cases = [f'<testcase classname="porcupine.corpus_test" name="test_etcd[etcd_{i:03d}.log]"/>'
             for i in range(etcd)]
    cases += [f'<testcase classname="porcupine.corpus_test" name="test_kv[k{i}]"/>' for i in range(kv)]
    cases += [f'<testcase classname="porcupine.corpus_test" name="test_kv[s{i}]"><skipped/></testcase>'
              for i in range(kv_skipped)]
    cases += [f'<testcase classname="porcupine.corpus_test" name="test_etcd[f{i}]"><failure/></testcase>'
              for i in range(failed)]
    path.write_text(f"<testsuites><testsuite>{''.join(cases)}</testsuite></testsuites>")
    return path


def test_corpus_count_passes_a_full_run(tmp_path: Path, capsys):
    assert corpus_count.main(str(_junit(tmp_path / "r.xml", 102, 10, 2))) == 0


def test_corpus_count_fails_a_short_or_failing_run(tmp_path: Path, capsys):
    assert corpus_count.main(str(_junit(tmp_path / "r.xml", 0, 0, 0))) == 1
    assert "test_etcd passed: 0, expected 102" in capsys.readouterr().out
    assert corpus_count.main(str(_junit(tmp_path / "r.xml", 101, 10, 2))) == 1
    assert corpus_count.main(str(_junit(tmp_path / "r.xml", 102, 10, 2, failed=1))) == 1
    assert "failed or erred" in capsys.readouterr().out
