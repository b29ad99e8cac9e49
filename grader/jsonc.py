"""JSON with comments, as VS Code reads .vscode/*.json and devcontainer.json:
// and /* */ comments and trailing commas are allowed; nothing else is."""

import json


def _strip(text):
    """text without comments (outside strings), commas before ] or } dropped."""
    out = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise ValueError("unterminated /* comment")
            out.append(" ")
            i = end + 2
            continue
        elif c in "]}":
            j = len(out) - 1
            while j >= 0 and out[j] in " \t\r\n":
                j -= 1
            if j >= 0 and out[j] == ",":
                out[j] = " "
            out.append(c)
        else:
            out.append(c)
        i += 1
    return "".join(out)


def loads(text):
    return json.loads(_strip(text))


def load(path):
    with open(path, encoding="utf-8") as f:
        return loads(f.read())
