"""The `/asyncapi` page: a service's AsyncAPI document as plain HTML, built on the server.

Why on the server and not AsyncAPI's own renderer: the page must load nothing from
outside the deployment (a government intranet has no internet; issue 18), and no
well-kept Python package ships AsyncAPI's standalone renderer (@asyncapi/react-component)
to serve ourselves; FastStream's page takes it from a public CDN. The one package that
ships a viewer (asyncapi-viewer) is a single author's web component that speaks English
only. So the page is rendered here from the same document `/asyncapi.json` answers:
each channel's address, what this service does on it, its messages and their payload
schemas pretty-printed as JSON, with the labels in the reader's language and no script.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from html import escape
from typing import Any

from shared.messages import Language, Message

_PAGE_TITLE = Message("asyncapi_page.title", "事件文档", "events")
_INTRO = Message(
    "asyncapi_page.intro",
    "本服务通过 Redis Streams 收发的事件：它读取哪些流、写入哪个流，以及每条消息的数据结构。",
    "The events this service exchanges over Redis Streams: the streams it reads, the stream "
    "it writes, and the shape of each message.",
)
_DOCUMENT = Message("asyncapi_page.document", "机器可读的文档", "machine-readable document")
_VERSION = Message("asyncapi_page.version", "版本", "version")
_SERVERS = Message("asyncapi_page.servers", "服务器", "Servers")
_CHANNELS = Message("asyncapi_page.channels", "流", "Streams")
_NO_CHANNELS = Message(
    "asyncapi_page.no_channels", "本服务不收发事件。", "This service exchanges no events."
)
_RECEIVE = Message("asyncapi_page.receive", "读取", "reads")
_SEND = Message("asyncapi_page.send", "写入", "writes")
_CONSUMER_GROUP = Message("asyncapi_page.consumer_group", "消费组", "consumer group")
_MESSAGES = Message("asyncapi_page.messages", "消息", "Messages")
_PAYLOAD = Message("asyncapi_page.payload", "数据结构（JSON Schema）", "Payload (JSON Schema)")
_NAMED_SCHEMAS = Message("asyncapi_page.named_schemas", "其中引用的结构", "Schemas it names")
_SCHEMAS = Message("asyncapi_page.schemas", "数据结构", "Schemas")

_ACTIONS = {"receive": _RECEIVE, "send": _SEND}
_HTML_LANG = {Language.ZH: "zh-CN", Language.EN: "en"}
_SCHEMA_PREFIX = "#/components/schemas/"

# Plain CSS in the page itself: nothing to fetch, readable printed too.
_STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
       margin: 0 auto; max-width: 72rem; padding: 1.5rem 2rem 3rem; color: #1f2328;
       line-height: 1.55; }
h1 { margin-bottom: .25rem; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; margin-top: 2.2rem; }
.meta { color: #57606a; }
.channel { border: 1px solid #d0d7de; border-radius: 6px; padding: .2rem 1.2rem 1rem;
           margin: 1.2rem 0; }
.action { display: inline-block; border-radius: 1rem; padding: 0 .7rem; margin-right: .4rem;
          font-size: .85rem; color: #fff; background: #0969da; }
.action.send { background: #1a7f37; }
pre { background: #f6f8fa; border-radius: 6px; padding: .8rem 1rem; overflow-x: auto;
      font-size: .85rem; line-height: 1.45; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
details { margin: .5rem 0; }
details pre { scroll-margin-top: 2.5rem; }  /* the schema's name stays in sight */
summary { cursor: pointer; }
.schema-links a { margin-right: .6rem; }
"""


def render_asyncapi_page(document: Mapping[str, Any], language: Language) -> str:
    """The HTML page of an AsyncAPI 3 `document`, its labels in `language`."""
    info = document.get("info", {})
    title = str(info.get("title", ""))

    payload_names = set(_payload_schema_names(document))
    body = [
        f"<h1>{escape(title)}</h1>",
        f"<p>{escape(str(info.get('description', '')))}</p>",
        f'<p class="meta">AsyncAPI {escape(str(document.get("asyncapi", "")))} · '
        f"{_say(_VERSION, language)} {escape(str(info.get('version', '')))} · "
        # Relative: behind the console's /api/<service>/ prefix too.
        f'{_say(_DOCUMENT, language)} <a href="asyncapi.json"><code>asyncapi.json</code></a></p>',
        f"<p>{_say(_INTRO, language)}</p>",
        *_servers(document, language),
        f"<h2>{_say(_CHANNELS, language)}</h2>",
        *(_channels(document, language) or [f"<p>{_say(_NO_CHANNELS, language)}</p>"]),
        *_schemas(document, language, skip=payload_names),
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{_HTML_LANG[language]}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)} · {_say(_PAGE_TITLE, language)}</title>",
            f"<style>{_STYLE}</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
        ]
    )


def _say(message: Message, language: Language) -> str:
    """A label in the reader's language, escaped for HTML."""
    return escape(message.render(language))


def _servers(document: Mapping[str, Any], language: Language) -> list[str]:
    servers = document.get("servers") or {}
    if not servers:
        return []
    items = [
        f"<li><code>{escape(name)}</code>: <code>"
        f"{escape(str(server.get('protocol', '')))}://{escape(str(server.get('host', '')))}"
        f"{escape(str(server.get('pathname', '')))}</code></li>"
        for name, server in servers.items()
    ]
    return [f"<h2>{_say(_SERVERS, language)}</h2>", "<ul>", *items, "</ul>"]


def _channels(document: Mapping[str, Any], language: Language) -> list[str]:
    """One block per channel: its address, what this service does there, its messages."""
    operations = document.get("operations") or {}
    html: list[str] = []
    for key, channel in (document.get("channels") or {}).items():
        html.append(f'<section class="channel" id="channel-{escape(key, quote=True)}">')
        html.append(f"<h3><code>{escape(str(channel.get('address', key)))}</code></h3>")
        for operation in operations.values():
            if operation.get("channel", {}).get("$ref") == _pointer("channels", key):
                html.append(_operation(operation, channel, language))
        if description := channel.get("description"):
            html.append(f"<p>{escape(str(description))}</p>")
        messages = channel.get("messages") or {}
        if messages:
            html.append(f"<h4>{_say(_MESSAGES, language)}</h4>")
        for name, reference in messages.items():
            html.extend(_message(document, name, _resolve(document, reference), language))
        html.append("</section>")
    return html


def _operation(operation: Mapping[str, Any], channel: Mapping[str, Any], language: Language) -> str:
    action = str(operation.get("action", ""))
    label = _say(_ACTIONS[action], language) if action in _ACTIONS else escape(action)
    redis = (channel.get("bindings") or {}).get("redis") or {}
    details = []
    if group := redis.get("groupName"):
        details.append(f"{_say(_CONSUMER_GROUP, language)} <code>{escape(str(group))}</code>")
    if method := redis.get("method"):
        details.append(f"<code>{escape(str(method).upper())}</code>")
    return (
        f'<p><span class="action {escape(action, quote=True)}">{label}</span>'
        + " · ".join(details)
        + "</p>"
    )


def _message(
    document: Mapping[str, Any], name: str, message: Mapping[str, Any], language: Language
) -> list[str]:
    payload = _resolve(document, message.get("payload") or {})
    html = [
        f"<h5><code>{escape(str(message.get('title', name)))}</code></h5>",
        f"<p>{_say(_PAYLOAD, language)}</p>",
        f"<pre>{escape(_pretty(payload))}</pre>",
    ]
    named = sorted(set(_schema_names(payload)))
    if named:
        links = " ".join(
            f'<a href="#schema-{escape(schema, quote=True)}"><code>{escape(schema)}</code></a>'
            for schema in named
        )
        html.append(f'<p class="schema-links">{_say(_NAMED_SCHEMAS, language)}: {links}</p>')
    return html


def _schemas(document: Mapping[str, Any], language: Language, *, skip: set[str]) -> list[str]:
    """Every named schema the payloads refer to, folded: a name, its description, JSON."""
    schemas = (document.get("components") or {}).get("schemas") or {}
    shown = {name: schema for name, schema in schemas.items() if name not in skip}
    if not shown:
        return []
    html = [f"<h2>{_say(_SCHEMAS, language)}</h2>"]
    for name, schema in shown.items():
        description = schema.get("description")
        summary = f"<code>{escape(name)}</code>" + (
            f" · {escape(str(description))}" if description else ""
        )
        # The link's target is inside the folded part, so following it unfolds it.
        html.append(
            f"<details><summary>{summary}</summary>"
            f'<pre id="schema-{escape(name, quote=True)}">{escape(_pretty(schema))}</pre>'
            "</details>"
        )
    return html


def _payload_schema_names(document: Mapping[str, Any]) -> Iterator[str]:
    """The schemas that are a message's payload itself (shown with the message)."""
    for message in ((document.get("components") or {}).get("messages") or {}).values():
        reference = (message.get("payload") or {}).get("$ref", "")
        if reference.startswith(_SCHEMA_PREFIX):
            yield _unescape(reference.removeprefix(_SCHEMA_PREFIX))


def _schema_names(schema: Any) -> Iterator[str]:
    """The named schemas `schema` refers to, anywhere inside it."""
    if isinstance(schema, Mapping):
        reference = schema.get("$ref")
        if isinstance(reference, str) and reference.startswith(_SCHEMA_PREFIX):
            yield _unescape(reference.removeprefix(_SCHEMA_PREFIX))
        for value in schema.values():
            yield from _schema_names(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _schema_names(item)


def _resolve(document: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    """`node`, or what its local `$ref` points at (followed while it is another `$ref`)."""
    seen: set[str] = set()
    while isinstance(reference := node.get("$ref"), str) and reference.startswith("#/"):
        if reference in seen:  # a reference that leads back to itself: stop there
            break
        seen.add(reference)
        target: Any = document
        for part in reference[2:].split("/"):
            target = target.get(_unescape(part), {}) if isinstance(target, Mapping) else {}
        node = target if isinstance(target, Mapping) else {}
    return node


def _pointer(*parts: str) -> str:
    """A local JSON pointer to `parts` (RFC 6901: `~` and `/` escaped)."""
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def _pretty(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2)
