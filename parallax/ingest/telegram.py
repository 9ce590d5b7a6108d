"""Telegram channel posts.

Two layouts are read:

* the per-channel dumps of the telegram-ru-news-channels data set: a JSON array of
  ``{"message_id", "sender_id", "text", "date", "channel", ...}`` with Telethon markdown in `text`;
* a Telegram Desktop export (``result.json``): ``{"name", "id", "messages": [{"id", "type", "date",
  "date_unixtime", "text": str | [str | {"type", "text", "href"?}]}]}``.

The channel is the outlet; the article id is ``<channel id>/<message id>``, so posts of different channels
never collide. Markdown markers are removed from the text (link targets go to ``meta["links"]``), because
offsets must point into readable text. Service messages are not articles and are passed over silently.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from parallax.ingest.errors import InputError
from parallax.ingest.jsonl import JSON_ERRORS, iter_array_records
from parallax.ingest.records import DEFAULT_LIMITS, Limits, build_article
from parallax.model import Article

_LINK = re.compile(r"\[([^\[\]\n]+)\]\((https?://[^\s()]+|tg://[^\s()]+)\)")
# Paired emphasis markers around non-blank content. The content cannot run past the next marker: with a
# bare `.+?` every opener whose closer fails the (?<=\S) test scans to the end of the text, and
# "~~a " * 20000 took 23 s.
_EMPHASIS = [re.compile(p, re.S) for p in (r"~~(?=\S)((?:(?!~~).)+?)(?<=\S)~~",
                                           r"\|\|(?=\S)((?:(?!\|\|).)+?)(?<=\S)\|\|",
                                           r"```(?:[a-z0-9+#-]*\n)?(.+?)```", r"`([^`\n]+)`")]
# Italic markers are often unbalanced in real posts ('____bit.ly/x__'); a run of underscores that opens or
# closes a word is markup, while underscores inside a word (snake_case) are text.
_ITALIC_OPEN = re.compile(r"(?<!\w)_{2,}(?=\S)")
_ITALIC_CLOSE = re.compile(r"(?<=\S)_{2,}(?!\w)")


def markdown_to_text(text: str) -> tuple[str, list[str]]:
    """Strip Telethon markdown; return (plain text, link targets in order)."""
    links: list[str] = []

    def link(m: re.Match) -> str:
        links.append(m.group(2))
        return m.group(1)

    text = _LINK.sub(link, text)
    for pattern in _EMPHASIS:
        text = pattern.sub(r"\1", text)
    text = _ITALIC_CLOSE.sub("", _ITALIC_OPEN.sub("", text))
    # Bold markers are as often unbalanced ('**— **Windsurf'); `**` has no other use in news text.
    text = text.replace("**", "")
    return text, links


def _desktop_text(value: Any) -> tuple[str, list[str]]:
    if isinstance(value, str):
        return value, []
    if not isinstance(value, list):
        return "", []         # a number or an object where the text should be: nothing to read
    parts, links = [], []
    for item in value:
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, dict):
            text, href = item.get("text"), item.get("href")
            text = text if isinstance(text, str) else ""
            parts.append(text)
            if isinstance(href, str) and href:
                links.append(href)
            elif item.get("type") == "link" and text:
                links.append(text)
    return "".join(parts), links


def _channel_id(sender: Any, fallback: str) -> str:
    if isinstance(sender, int) or re.fullmatch(r"-?[0-9]+", str(sender)):
        return str(abs(int(sender)))
    return fallback


def _scalar(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int, float)) and str(value) else None


def iter_telegram(path: str | Path, text: str, *, outlet: str | None = None, limits: Limits = DEFAULT_LIMITS,
                  encoding: str = "utf-8") -> Iterator[Article | InputError]:
    name = str(path)
    stem_id = Path(name).stem.split("_")[0]
    channel_name: str | None = None
    channel_id: str | None = None
    wrapper_head = text.lstrip()[:1] == "{"
    if wrapper_head:
        # Desktop export: channel name and id sit before the messages array.
        try:
            wrapper = json.loads(text)
        except json.JSONDecodeError as exc:
            yield InputError(name, f"invalid JSON ({exc.msg})", exc.lineno)
            return
        except JSON_ERRORS:
            wrapper = {}      # nested too deeply somewhere: the messages before that point are still read
        if not isinstance(wrapper, dict):
            wrapper = {}
        channel_name = _scalar(wrapper.get("name"))
        channel_id = _scalar(wrapper.get("id"))
    for lineno, msg in iter_array_records(name, text, keys=("messages",)):
        if isinstance(msg, InputError):
            yield msg
            continue
        if not isinstance(msg, dict):
            yield InputError(name, f"expected a message object, got {type(msg).__name__}", lineno)
            continue
        if msg.get("type", "message") != "message":
            continue
        if wrapper_head:
            raw, links = _desktop_text(msg.get("text"))
            msg_id = msg.get("id")
            date = msg.get("date_unixtime") or msg.get("date")
            channel = channel_name
            chan_id = channel_id or stem_id
        else:
            raw, links = markdown_to_text(msg.get("text") or "") if isinstance(msg.get("text"), str) \
                else _desktop_text(msg.get("text"))
            msg_id = msg.get("message_id")
            date = msg.get("date")
            channel = msg.get("channel")
            chan_id = _channel_id(msg.get("sender_id"), stem_id)
        if msg_id is None:
            yield InputError(name, "message without an id", lineno)
            continue
        if _scalar(msg_id) is None:
            yield InputError(name, f"message id is a JSON {type(msg_id).__name__}, not a number", lineno)
            continue
        if not raw.strip():
            yield InputError(name, "no text (media-only post)", lineno)
            continue
        meta: dict[str, Any] = {"channel_id": chan_id, "message_id": msg_id}
        if links:
            meta["links"] = links
        if isinstance(msg.get("category"), str) and msg["category"]:
            meta["category"] = msg["category"]
        fields = {"id": f"{chan_id}/{msg_id}", "text": raw, "date": date, "outlet": channel}
        try:
            yield build_article(fields, where=name, line=lineno, default_outlet=outlet or Path(name).stem,
                                limits=limits, encoding=encoding, meta=meta, title_from_text=True)
        except InputError as exc:
            yield exc
