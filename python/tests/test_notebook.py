"""The seed notebook, rewritten for Kiln, runs top to bottom."""

import pathlib
import re

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python" / "overload_classmethod.ipynb"


def text(cell):
    out = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            out.append(o["text"])
        elif "data" in o:
            out.append(o["data"].get("text/plain", ""))
        elif o.get("output_type") == "error":
            out.append(f"{o['ename']}: {o['evalue']}")
    return "".join(out)


def test_the_notebook_runs_and_prints_the_allocator_trace(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    cells = {c.source: text(c) for c in nb.cells if c.cell_type == "code"}
    call = cells["r = jit_foo(a)\nprint(repr(r))"]
    lines = call.splitlines()
    typing = [l for l in lines if l.startswith("Kiln: ")]
    assert "Kiln: MyArray(1, int64, C).__array_ufunc__ method=__call__ inputs=(MyArray(1, int64, C), int64)" in typing
    trace = [l for l in lines if l.startswith(">>>")]
    assert len(trace) == 3, call
    m1, m2, f1 = trace
    p1 = re.fullmatch(r">>> Malloc size=144 data=None -> (0x[0-9a-f]+)", m1).group(1)
    p2 = re.fullmatch(r">>> Malloc size=144 data=None -> (0x[0-9a-f]+)", m2).group(1)
    assert f1 == f">>> Free ptr={p1} data=None"
    assert lines[-1] == "MyArray([0, 3, 6, 9])"
    assert cells["del r"].strip() == f">>> Free ptr={p2} data=None"
    assert "'live': 0" in cells['kiln.alloc_stats()["MyArray allocator"]']
    assert "foo (MyArray(1, int64, C),)" in cells["jit_foo.inspect_types()"]
    assert "NumPy: " in cells["foo(a)"] and "MyArray([0, 3, 6, 9])" in cells["foo(a)"]
    assert all("Error" not in t for t in cells.values())
