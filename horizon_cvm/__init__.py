"""horizon_cvm: the Project > Containers panel for Horizon (not yet built).

The panel lands with its own issue; the package is reserved here so that
the distribution's layout is the one operators will install.
"""
