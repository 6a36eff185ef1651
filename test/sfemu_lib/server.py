"""Compatibility name: the emulator's server was once this one module.

Its parts now live by role: org.py (org state, DML), rest.py and
composite.py (REST API), oauth.py (token endpoint), messages.py (requests,
replies), http_server.py (HTTP front, faults applied), control.py (/__emu/
control API), cli.py (command line).  Import from those; this module only
keeps older imports (sfemu_lib.server.Emulator, main) working.
"""

from .cli import main  # noqa: F401
from .org import Emulator  # noqa: F401
