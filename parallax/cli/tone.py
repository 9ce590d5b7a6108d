"""`parallax tone FILE.csv`: label RuSentNE-format rows with the tone toward their entity."""
from __future__ import annotations

import contextlib
import csv
import sys
from dataclasses import dataclass
from typing import TextIO

from parallax.cli.common import EXIT_USAGE, atomic_output, done

REQUIRED_COLUMNS = ("sentence", "entity_pos_start_rel", "entity_pos_end_rel")
LABEL_COLUMN = "label"
MAX_PRINTED_ERRORS = 20


def register(sub) -> None:
    p = sub.add_parser(
        "tone", help="tone toward a named entity in a sentence (RuSentNE format)",
        description="Read rows with the columns sentence, entity, entity_tag, entity_pos_start_rel, "
                    "entity_pos_end_rel (character offsets of the entity in the sentence), tab- or "
                    "comma-separated, and write them back with a 'label' column: -1 negative, 0 neutral, "
                    "1 positive. Other columns are kept. Bad rows are reported with their line number "
                    "and written with an empty label.")
    p.add_argument("file", metavar="FILE.csv", help="input rows ('-' for standard input)")
    p.add_argument("-o", "--output", metavar="OUT.csv", help="output file (default: standard output)")
    p.set_defaults(func=run_tone)


@dataclass
class RowError:
    line: int
    message: str


def _delimiter(header_line: str) -> str:
    return "\t" if "\t" in header_line else ","


def _check_row(row: dict[str, str | None]) -> tuple[int, int] | str:
    """(start, end) if the row can be labelled, else why not."""
    sentence = row.get("sentence")
    if not sentence:
        return "empty sentence"
    try:
        start = int(str(row.get("entity_pos_start_rel", "")).strip())
        end = int(str(row.get("entity_pos_end_rel", "")).strip())
    except ValueError:
        return (f"entity offsets are not integers: {row.get('entity_pos_start_rel')!r}, "
                f"{row.get('entity_pos_end_rel')!r}")
    if not 0 <= start < end <= len(sentence):
        return f"entity offsets {start}..{end} outside the sentence (length {len(sentence)})"
    entity = row.get("entity")
    if entity and sentence[start:end] != entity:
        return f"offsets {start}..{end} give {sentence[start:end]!r}, not the entity {entity!r}"
    return start, end


def label_rows(src: TextIO, dst: TextIO, model=None) -> tuple[int, list[RowError]]:
    """Copy rows from `src` to `dst` with a label column. Returns (rows labelled, bad rows)."""
    # lazy: the tone model pulls numpy, scipy and the morphology (~0.4 s); `parallax --help` must not
    from parallax.tone import ToneItem, predict_tone

    header_line = src.readline()
    if not header_line.strip():
        raise ValueError("empty input: expected a header line")
    delimiter = _delimiter(header_line)
    fieldnames = next(csv.reader([header_line], delimiter=delimiter))
    missing = [c for c in REQUIRED_COLUMNS if c not in fieldnames]
    if missing:
        raise ValueError(f"missing column(s) {', '.join(missing)}; the header has: {', '.join(fieldnames)}")
    reader = csv.DictReader(src, fieldnames=fieldnames, delimiter=delimiter)
    rows: list[dict[str, str | None]] = []
    items: list[ToneItem] = []
    item_rows: list[int] = []
    errors: list[RowError] = []
    next_line = 2
    while True:
        line = next_line
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(line, f"unreadable row: {exc}"))
            next_line = reader.line_num + 2
            continue
        next_line = reader.line_num + 2          # header consumed outside the reader
        extra = row.pop(None, None)
        rows.append(row)
        if extra:
            errors.append(RowError(line, f"{len(extra)} more field(s) than the header"))
            continue
        checked = _check_row(row)
        if isinstance(checked, str):
            errors.append(RowError(line, checked))
            continue
        start, end = checked
        sentence = row["sentence"] or ""
        items.append(ToneItem(sentence, row.get("entity") or sentence[start:end],
                              (row.get("entity_tag") or "").strip(), start, end))
        item_rows.append(len(rows) - 1)
    labels = predict_tone(items, model) if items else []
    for r in rows:
        r[LABEL_COLUMN] = ""
    for idx, label in zip(item_rows, labels):
        rows[idx][LABEL_COLUMN] = str(label)
    out_fields = list(fieldnames) + ([] if LABEL_COLUMN in fieldnames else [LABEL_COLUMN])
    writer = csv.DictWriter(dst, fieldnames=out_fields, delimiter=delimiter, lineterminator="\n",
                            restval="")
    writer.writeheader()
    writer.writerows(rows)
    return len(items), errors


def _open_input(name: str):
    if name == "-":
        return contextlib.nullcontext(sys.stdin)
    return open(name, encoding="utf-8-sig", newline="")


def run_tone(args) -> int:
    try:
        src_context = _open_input(args.file)
    except OSError as exc:
        print(f"parallax tone: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    try:
        with src_context as src:
            if args.output:
                with atomic_output(args.output, newline="") as dst:
                    n, errors = label_rows(src, dst)
            else:
                n, errors = label_rows(src, sys.stdout)
    except UnicodeDecodeError:          # before ValueError, its base class
        print(f"parallax tone: {args.file}: not UTF-8 text", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:
        print(f"parallax tone: {args.file}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for e in errors[:MAX_PRINTED_ERRORS]:
        print(f"{args.file}:{e.line}: skipped: {e.message}", file=sys.stderr)
    if len(errors) > MAX_PRINTED_ERRORS:
        print(f"... and {len(errors) - MAX_PRINTED_ERRORS} more bad rows", file=sys.stderr)
    print(f"labelled {n} row(s), {len(errors)} bad row(s) kept with an empty label", file=sys.stderr)
    return done(len(errors))
