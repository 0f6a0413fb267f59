"""horizon_cvm: the Project > Containers panel for Horizon.

A pure core with no Django import (containers.py: list rows and the
resource's properties; launch.py: a template's parameters as form fields;
catalog.py: the templates it launches), one module that talks to Heat
(api.py), and the Django views, tables, tabs and forms in
content/containers/. enabled/ holds the files an operator copies into
Horizon (see README.rst).
"""
