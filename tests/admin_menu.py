"""Read the Wagtail admin's main menu as a user's browser receives it."""

import json
import re


def menu(client, headers=None):
    """The main menu (submenus included) of ``/admin/``: a list of
    ``{"name", "label", "url", "children"}``."""
    html = client.get("/admin/", **(headers or {})).content.decode()
    props = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>',
        html,
        re.S,
    )
    shared = {}

    def resolve(node):
        # Telepath writes a repeated value once ({"_val", "_id"}) and then
        # refers to it ({"_ref"}).
        if isinstance(node, dict) and "_val" in node:
            shared[node["_id"]] = node["_val"]
            return node["_val"]
        if isinstance(node, dict) and "_ref" in node:
            return shared[node["_ref"]]
        return node

    def items(node):
        found = []
        if isinstance(node, dict):
            if node.get("_type", "").endswith("MenuItem"):
                options, *rest = node["_args"]
                found.append(
                    {
                        "name": resolve(options["name"]),
                        "label": resolve(options["label"]),
                        "url": resolve(options.get("url")),
                        "children": items(rest),
                    }
                )
                return found
            for value in node.values():
                found.extend(items(value))
        elif isinstance(node, list):
            for value in node:
                found.extend(items(value))
        return found

    return items(json.loads(props.group(1)))


def flatten(items):
    for item in items:
        yield item
        yield from flatten(item["children"])
