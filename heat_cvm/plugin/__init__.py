"""The directory operators add to heat.conf [DEFAULT] plugin_dirs."""
