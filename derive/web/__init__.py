"""``derive serve``: the local web page.

It needs the ``serve`` extra: ``python -m pip install 'derive[serve]'``.
"""
