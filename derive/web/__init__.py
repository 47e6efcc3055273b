"""``derive serve``: the local web page (needs the ``serve`` extra: ``python -m pip install 'derive[serve]'``)."""
