"""The emitted NumPy reference implementation, importable: ``from derive.reference_impl import
softmax_cross_entropy``.

An installed wheel ships ``output/softmax_cross_entropy.py`` byte for byte as this package's module (see
``[tool.setuptools.package-dir]`` in pyproject.toml; this file is not shipped). In a source checkout this
file stands in for the package and points it at the checkout's ``output/`` folder, so the import finds
the same file there.
"""

from __future__ import annotations

from pathlib import Path

_CHECKOUT_OUTPUT = Path(__file__).resolve().parents[2] / "output"

if (_CHECKOUT_OUTPUT / "softmax_cross_entropy.py").is_file():
    __path__.append(str(_CHECKOUT_OUTPUT))
