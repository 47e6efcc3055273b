# The jinja2 templates live here; this file only makes the folder a package so it ships in the wheel.
