"""Executes a notebook against Deno's Jupyter kernel with nbclient.

Usage: /usr/bin/python3 notebooks/execute.py IN.ipynb OUT.ipynb

Deno's kernel (2.9.6) sometimes publishes a cell's execute_result after its
"idle" status; stock nbclient stops listening at "idle" and drops the result.
This client keeps draining the cell's messages for a short grace period.
"""
import os
import queue
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async

GRACE_SECONDS = 0.3


class DenoNotebookClient(NotebookClient):
    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        done = False
        while True:
            try:
                msg = await ensure_async(
                    self.kc.iopub_channel.get_msg(
                        timeout=GRACE_SECONDS if done else None
                    )
                )
            except queue.Empty:
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                done = True


def main(source, target):
    notebook = nbformat.read(source, as_version=4)
    client = DenoNotebookClient(
        notebook,
        kernel_name="deno",
        timeout=600,
        allow_errors=True,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(source))}},
    )
    client.execute()
    nbformat.write(notebook, target)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
