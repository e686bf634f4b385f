#!/usr/bin/python3
"""What a screen reader gets from Coucou, read through the real accessibility bus (AT-SPI, as Orca
reads it): run by .ci/a11y with the app under Xvfb, a Coucou server on 127.0.0.1:4444 and this
script inside one network namespace.

Checks: the window has a name; the trust dialog is named, modal and takes the focus; a message
from a terminal raises the announcement a screen reader speaks; rows of the people list keep their
names when someone arrives above them. Every wait has a deadline; a failed check exits 1.
"""

import socket
import subprocess
import sys
import time

import pyatspi
from gi.repository import GLib

PATIENCE = 30.0


def fail(what):
    print(f"FAIL: {what}", file=sys.stderr)
    sys.exit(1)


def until(what, check, patience=PATIENCE):
    """Polls `check` until it returns something true; fails after `patience` seconds."""
    deadline = time.monotonic() + patience
    while True:
        try:
            got = check()
        except Exception:  # a node gone while it was read: look again
            got = None
        if got:
            return got
        if time.monotonic() > deadline:
            fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def walk(node, depth=0):
    yield node
    if depth > 40:
        return
    try:
        kids = [node.getChildAtIndex(i) for i in range(node.childCount)]
    except Exception:
        return
    for kid in kids:
        if kid is not None:
            yield from walk(kid, depth + 1)


def first(root, role, name=None, contains=None):
    for node in walk(root):
        try:
            if node.getRoleName() != role:
                continue
            if name is not None and node.name != name:
                continue
            if contains is not None and contains not in (node.name or ""):
                continue
            return node
        except Exception:
            continue
    return None


def find(root, role, name=None, contains=None):
    return until(f"a {role} {name or contains or ''!r}", lambda: first(root, role, name, contains))


def click(node):
    action = node.queryAction()
    names = [action.getName(i) for i in range(action.nActions)]
    action.doAction(names.index("click") if "click" in names else 0)


def app():
    def look():
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            child = desktop.getChildAtIndex(i)
            if child is not None and child.name == "coucou":
                return child
        return None

    return until("the app on the accessibility bus", look, 60)


def people_rows(root):
    people = first(root, "list", "People")
    if people is None:
        return []
    return [people.getChildAtIndex(i) for i in range(people.childCount)]


def row_says(row, name):
    """Whether `row` (still there) shows `name`."""
    try:
        return any(n.name == name for n in walk(row))
    except Exception:  # the row is gone from the tree
        return False


class Announcements:
    """What the app announces, as a screen reader hears it (object:announcement)."""

    def __init__(self):
        self.heard = []
        pyatspi.Registry.registerEventListener(self.on_event, "object:announcement")

    def on_event(self, event):
        self.heard.append(str(event.any_data))

    def wait_for(self, text, then=None):
        """Runs the bus's loop until `text` is announced (after doing `then`)."""
        if then:
            GLib.idle_add(lambda: then() and False)

        def check():
            if text in self.heard:
                pyatspi.Registry.stop()
                return False
            if time.monotonic() > deadline:
                pyatspi.Registry.stop()
                return False
            return True

        deadline = time.monotonic() + PATIENCE
        GLib.timeout_add(20, check)
        pyatspi.Registry.start()
        if text not in self.heard:
            fail(f"never announced: {text!r}; heard {self.heard!r}")


def main():
    coucou = app()
    window = find(coucou, "frame")
    # No window manager under Xvfb: the window gets the keyboard focus as a desktop gives it.
    subprocess.run(
        "xdotool search --sync --onlyvisible --class coucou windowfocus --sync",
        shell=True,
        timeout=PATIENCE,
        check=True,
    )
    until("the window's name", lambda: window.name == "Coucou")
    print("ok: the window is named Coucou")

    click(find(coucou, "push button", "Connect"))
    dialog = find(coucou, "dialog", "Trust this room?")
    if not dialog.getState().contains(pyatspi.STATE_MODAL):
        fail("the trust dialog is not modal")
    cancel = find(dialog, "push button", "Cancel")
    until("the focus in the dialog, on Cancel", lambda: cancel.getState().contains(pyatspi.STATE_FOCUSED))
    print("ok: the trust dialog is named, modal and has the focus (on Cancel)")
    click(find(dialog, "push button", "Trust this room"))
    find(coucou, "list", "Messages")

    heard = Announcements()
    zoe = socket.create_connection(("127.0.0.1", 4444), timeout=PATIENCE)
    heard.wait_for("zoe joined", then=lambda: zoe.sendall(b"zoe\n"))
    heard.wait_for("zoe: hello from a terminal", then=lambda: zoe.sendall(b"hello from a terminal\n"))
    print("ok: a terminal's join and message are announced")

    rows = until("zoe's row", lambda: [r for r in people_rows(coucou) if row_says(r, "zoe")])
    zoes_row = rows[0]
    marie = socket.create_connection(("127.0.0.1", 4444), timeout=PATIENCE)
    heard.wait_for("marie joined", then=lambda: marie.sendall(b"marie\n"))
    until("three rows in the people list", lambda: len(people_rows(coucou)) == 3)
    if not row_says(zoes_row, "zoe"):
        fail("zoe's row is gone or says something else: rows were renamed instead of one added")
    if not any(row_says(r, "marie") and r != zoes_row for r in people_rows(coucou)):
        fail("no row of her own for marie")
    print("ok: zoe's row is still zoe's when marie arrives above her")
    zoe.close()
    marie.close()


if __name__ == "__main__":
    main()
