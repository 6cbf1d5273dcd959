#!/usr/bin/env python3
"""on-tty.py STDOUT TTY CMD...: run CMD with its stderr on a pseudo-terminal
(stdout to the file STDOUT, stdin from /dev/null), save everything written to
the terminal, raw, in TTY, and exit with CMD's status."""
import os
import pty
import subprocess
import sys

out_path, tty_path, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
master, slave = pty.openpty()
with open(out_path, "wb") as out:
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=slave)
os.close(slave)
data = bytearray()
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:  # EIO: every writer closed the terminal
        break
    if not chunk:
        break
    data += chunk
os.close(master)
status = child.wait()
with open(tty_path, "wb") as f:
    f.write(data)
sys.exit(status if status >= 0 else 128 - status)
